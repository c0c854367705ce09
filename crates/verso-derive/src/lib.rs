//! `#[derive(Entity)]` and `#[derive(Field)]` for Verso. Use them through
//! the `verso` crate, which re-exports them next to the traits of the same
//! names; the expansion itself lives in `verso-codegen`.

#![warn(missing_docs)]

use proc_macro::TokenStream;

/// Implements `verso::Node` and `verso::Entity` for a struct with named
/// fields and exactly one `verso::Meta` field, or for an enum whose variants
/// each wrap one entity struct (a polymorphic entity).
///
/// # On a struct
///
/// ```ignore
/// #[derive(Clone, Debug, verso::Entity)]
/// #[verso(name = "ChatThread")] // optional: the Rust type name by default
/// #[verso(table = "chat_thread")] // optional: snake_case of the stored name by default
/// pub struct ChatThread {
///     pub meta: verso::Meta,
///     pub name: String,
///     pub parent: Option<verso::Ref<ChatThread>>,
///     #[verso(json)]
///     pub settings: std::collections::BTreeMap<String, String>,
///     #[verso(child)]
///     pub history: Vec<ChatMessage>,
/// }
/// ```
///
/// Every field other than the metadata and the children is a column named
/// after the field, stored through `verso::Field` or, with `#[verso(json)]`,
/// as JSON. `#[verso(child)]` fields hold owned child entities (`T`,
/// `Option<T>` or `Vec<T>`). `#[verso(meta)]` marks the metadata field when
/// its type is not spelled `Meta`; `#[verso(crate = "path")]` on the type
/// changes the path generated code uses for Verso (`::verso` by default).
///
/// ## Type identity
///
/// A type is stored under its *stored name*: the Rust type name, or the
/// value of `#[verso(name = "...")]`. The catalog keeps one table per
/// stored name, and the table defaults to the snake_case stored name, so:
///
/// - **Renaming or moving a type** keeps its history when it declares its
///   old name: `#[verso(name = "Contact")] struct Person { .. }` reads and
///   continues the versions `Contact` stored.
/// - **Two types of one name in different modules** (`inbox::Note`,
///   `archive::Note`) are refused when registered in one store
///   (`verso::Error::TypeCollision`, naming both paths) instead of sharing
///   a table; give one of them its own `name`. Two shapes of one stored
///   type in one program (old and new, say) pass when one of them
///   declares the name.
/// - **Names are portable identifiers**: a table or field name must be
///   ASCII letters, digits and underscores of at most 63 bytes (PostgreSQL
///   truncates longer ones); others are refused at registration with a
///   `SchemaMismatch` naming the field.
///
/// # On an enum: a polymorphic entity
///
/// ```ignore
/// #[derive(Clone, Debug, verso::Entity)]
/// #[verso(table = "tool")] // optional: snake_case of the type name by default
/// pub enum Tool {
///     Callable(CallableTool), // each variant wraps exactly one entity struct
///     #[verso(variant = "structured")] // optional: snake_case of the variant name by default
///     Structured(StructuredTool),
/// }
/// ```
///
/// Every variant is stored in one shared table (single-table inheritance,
/// laid out by `verso::Polymorphic`), whose `variant` column holds the
/// variant's discriminator: the snake_case variant name, or the value of
/// `#[verso(variant = "...")]`. `name`, `table` and `crate` work as for
/// structs.
///
/// Misuse (generic types, unions, a missing `Meta` field, unknown attributes,
/// fields named like the metadata columns `id`, `ecs_id`, `lineage_id`,
/// `parent_id`, `created_at`, empty enums, variants not wrapping exactly one
/// type, duplicate discriminators, ...) is reported as a compile error.
#[proc_macro_derive(Entity, attributes(verso))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    verso_codegen::expand_entity(input)
        .unwrap_or_else(|error| error.to_compile_error())
        .into()
}

/// Implements `verso::Field` for an enum of unit variants, stored as one
/// text column holding the variant's name.
///
/// ```ignore
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, verso::Field)]
/// pub enum MessageRole {
///     User,      // stored as "user"
///     Assistant, // stored as "assistant"
///     #[verso(rename = "tool")]
///     ToolResult, // stored as "tool" (else "tool_result")
/// }
/// ```
///
/// The stored name is the snake_case of the variant name unless
/// `#[verso(rename = "...")]` says otherwise; reading back any other text is
/// a decode error naming the expected values. `#[verso(crate = "path")]` on
/// the type changes the path generated code uses for Verso.
///
/// Misuse (variants with data, generic or empty enums, structs, unions, two
/// variants stored under one name, unknown attributes) is reported as a
/// compile error.
#[proc_macro_derive(Field, attributes(verso))]
pub fn derive_field(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    verso_codegen::expand_field(input)
        .unwrap_or_else(|error| error.to_compile_error())
        .into()
}
