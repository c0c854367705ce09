//! The expansion logic of Verso's derive macros, as plain functions over
//! [`syn`] syntax trees, so that it can be tested without a compiler run.
//!
//! `verso-derive` is the thin proc-macro crate calling into this one; users
//! never depend on it directly.
//!
//! # `#[derive(Entity)]` on a struct
//!
//! ```ignore
//! #[derive(Clone, Debug, verso::Entity)]
//! #[verso(table = "chat_thread")] // optional: snake_case of the type name by default
//! pub struct ChatThread {
//!     pub meta: verso::Meta,                       // the version metadata
//!     pub name: String,                            // a column, through `verso::Field`
//!     pub parent: Option<verso::Ref<ChatThread>>,  // a reference column (also a `Field`)
//!     #[verso(json)]
//!     pub settings: BTreeMap<String, String>,      // one JSON column, any serde type
//!     #[verso(child)]
//!     pub history: Vec<ChatMessage>,               // owned children, through `verso::Children`
//! }
//! ```
//!
//! The derive implements `Node` and `Entity`. Columns are the fields that
//! are neither the metadata nor children, named by the field name (without
//! `r#`), in declaration order; child fields likewise.
//!
//! Type attributes:
//! - `table = "name"`: the table name.
//! - `crate = "path"`: where generated code finds Verso's items (`::verso`
//!   by default), for code that reaches Verso under another name.
//!
//! Field attributes:
//! - `meta`: this is the metadata field. Without it, the metadata field is
//!   the one whose type's last path segment is `Meta`.
//! - `json`: store the field as JSON (it must implement `Serialize` and
//!   `DeserializeOwned`); such a column is always nullable.
//! - `child`: the field holds owned children: `T`, `Option<T>` or `Vec<T>`
//!   of an entity type `T`.
//!
//! Rejected, with an error on the offending tokens: generic types, tuple and
//! unit structs, unions, no or several metadata fields, unknown or
//! conflicting attributes, and column fields named after the metadata
//! columns (`id`, `ecs_id`, `lineage_id`, `parent_id`, `created_at`).
//!
//! # `#[derive(Entity)]` on an enum: a polymorphic entity
//!
//! ```ignore
//! #[derive(Clone, Debug, verso::Entity)]
//! #[verso(table = "tool")]            // optional: snake_case of the type name by default
//! pub enum Tool {
//!     Callable(CallableTool),          // stored with the discriminator "callable"
//!     #[verso(variant = "structured")] // optional: snake_case of the variant name by default
//!     Structured(StructuredTool),
//! }
//! ```
//!
//! Every variant wraps exactly one entity struct (itself deriving
//! `Entity`). All variants share one table (single-table inheritance): a
//! `variant` text column holding the discriminator, then the columns of
//! every variant, as laid out by `verso::Polymorphic` (see there for how
//! same-named columns and child fields are shared). The derive implements
//! `Node` and `Entity` for the enum by delegating to the variant at hand; the
//! layout is built once, on first use, from the variants' entity types.
//!
//! Type attributes: `table` and `crate`, as for structs. Variant attribute:
//! `variant = "value"`, the discriminator value stored for that variant.
//!
//! The derive sees only the enum, not the variants' structs, so two limits
//! are checked by nobody: a variant struct must not have a text column
//! named `variant` (it would share the discriminator's column), and a
//! variant must wrap a struct, not another polymorphic enum.
//!
//! Rejected: generic and empty enums, unit, struct-like and multi-field
//! variants, two variants with the same discriminator, unknown attributes on
//! the enum or its variants, and any verso attribute on a variant's field
//! (field attributes belong on the fields of the variant's struct).
//!
//! # `#[derive(Field)]` on an enum of unit variants
//!
//! ```ignore
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, verso::Field)]
//! pub enum MessageRole {
//!     User,                         // stored as "user"
//!     Assistant,                    // stored as "assistant"
//!     #[verso(rename = "tool")]     // stored as "tool" instead of "tool_result"
//!     ToolResult,
//! }
//! ```
//!
//! The derive implements `Field`: the value is one text column holding the
//! variant's stored name, which is the **snake_case** of the variant name
//! (`ToolResult` -> `"tool_result"`, without `r#`) unless the variant has
//! `#[verso(rename = "name")]`. Reading any other text back fails with an
//! error listing the expected names. The enum can then be used as a plain
//! field (`role: MessageRole`) or an optional one (`Option<MessageRole>`).
//!
//! Type attribute: `crate = "path"`, as for entities.
//!
//! Rejected: variants with data, generic and empty enums, structs and
//! unions, two variants with the same stored name, and unknown attributes.

#![warn(missing_docs)]

mod attrs;
mod container;
mod entity_enum;
mod entity_struct;
mod field_enum;
mod field_handles;
mod impls;
mod variants;

use proc_macro2::TokenStream;
use syn::{Data, DeriveInput};

/// Expands `#[derive(Entity)]` on `input` into the `Node` and `Entity`
/// implementations, or the errors to report at compile time.
///
/// A struct with named fields is an entity with its own table; an enum whose
/// variants each wrap one entity struct is a polymorphic entity (one shared
/// table with a discriminator column). Unions are rejected.
pub fn expand_entity(input: DeriveInput) -> syn::Result<TokenStream> {
    match &input.data {
        Data::Struct(data) => entity_struct::expand(&input, data),
        Data::Enum(data) => entity_enum::expand(&input, data),
        Data::Union(data) => Err(syn::Error::new(
            data.union_token.span,
            "`#[derive(Entity)]` does not support unions: declare the entity as a struct, or as an enum of entity structs",
        )),
    }
}

/// Expands `#[derive(Field)]` on `input` into the `Field` implementation,
/// or the errors to report at compile time.
///
/// Only enums of unit variants are supported, stored as text; structs and
/// unions are rejected.
pub fn expand_field(input: DeriveInput) -> syn::Result<TokenStream> {
    match &input.data {
        Data::Enum(data) => field_enum::expand(&input, data),
        Data::Struct(data) => Err(syn::Error::new(
            data.struct_token.span,
            "`#[derive(Field)]` supports enums of unit variants only: implement `verso::Field` by hand for a struct, or store it with `#[verso(json)]`",
        )),
        Data::Union(data) => Err(syn::Error::new(
            data.union_token.span,
            "`#[derive(Field)]` supports enums of unit variants only, not unions",
        )),
    }
}
