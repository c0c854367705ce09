//! Parsing of `#[verso(...)]` attributes, on the type and on its fields.
//!
//! Each parser reports every problem it finds (combined into one
//! [`syn::Error`]), each spanned on the offending key.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Path, Token};

/// The name of the helper attribute.
const VERSO: &str = "verso";

/// Options of the type itself:
/// `#[verso(name = "...", table = "...", crate = "...")]`.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    /// `name = "..."`: the stored type name, instead of the Rust type name
    /// (kept when the Rust type is renamed or moved).
    pub name: Option<LitStr>,
    /// `table = "..."`: the table name, instead of the snake_case stored
    /// type name.
    pub table: Option<LitStr>,
    /// `crate = "..."`: the path of the Verso facade in generated code.
    pub crate_path: Option<Path>,
}

impl ContainerAttrs {
    /// Parses every `#[verso(...)]` attribute among the attributes `attrs`
    /// of an entity type (struct or enum): `name`, `table` and `crate`.
    pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        Self::parse_keys(attrs, true)
    }

    /// Parses every `#[verso(...)]` attribute among the attributes `attrs`
    /// of a `#[derive(Field)]` enum, which has no table: only `crate`.
    pub fn parse_field_type(attrs: &[Attribute]) -> syn::Result<Self> {
        Self::parse_keys(attrs, false)
    }

    /// Parses `crate`, and `name` and `table` when `entity` is true.
    fn parse_keys(attrs: &[Attribute], entity: bool) -> syn::Result<Self> {
        let mut parsed = ContainerAttrs::default();
        let mut errors = Errors::default();
        for attr in verso_attrs(attrs) {
            let result = attr.parse_nested_meta(|meta| {
                if entity && meta.path.is_ident("name") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        errors.push(syn::Error::new(lit.span(), "the type name cannot be empty"));
                    }
                    set_once(&mut parsed.name, lit, &meta, "name", &mut errors);
                } else if entity && meta.path.is_ident("table") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        errors.push(syn::Error::new(lit.span(), "the table name cannot be empty"));
                    }
                    set_once(&mut parsed.table, lit, &meta, "table", &mut errors);
                } else if meta.path.is_ident("crate") {
                    let lit: LitStr = meta.value()?.parse()?;
                    let path = lit.parse_with(Path::parse_mod_style)?;
                    set_once(&mut parsed.crate_path, path, &meta, "crate", &mut errors);
                } else if entity {
                    errors.push(meta.error(format!(
                        "unknown verso attribute `{}` on an entity type; expected `name = \"...\"`, `table = \"...\"` or `crate = \"...\"`",
                        path_name(&meta.path)
                    )));
                    skip_value(&meta)?;
                } else {
                    errors.push(meta.error(format!(
                        "unknown verso attribute `{}` on a field type; expected `crate = \"...\"`",
                        path_name(&meta.path)
                    )));
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(e) = result {
                errors.push(e);
            }
        }
        errors.finish(parsed)
    }

    /// The stored names of the entity type `ident`: its type name (the
    /// `name` option, or the Rust name without `r#`), its table (the
    /// `table` option, or the snake_case type name), and its origin (the
    /// Rust path, and whether the name was declared), as expressions
    /// spanned on `ident`.
    pub fn entity_names(&self, ident: &Ident) -> EntityNames {
        let rust_name = unraw(ident);
        let type_name = self.name.as_ref().map_or(rust_name.clone(), LitStr::value);
        let table = match &self.table {
            Some(lit) => lit.value(),
            None => snake_case(&type_name),
        };
        let krate = self.crate_path();
        let declared = self.name.is_some();
        EntityNames {
            type_name: LitStr::new(&type_name, ident.span()),
            table: LitStr::new(&table, ident.span()),
            origin: quote! {
                #krate::Origin {
                    rust_path: ::core::concat!(::core::module_path!(), "::", #rust_name),
                    name_declared: #declared,
                }
            },
        }
    }

    /// The path generated code uses for Verso items; `::verso` by default.
    pub fn crate_path(&self) -> TokenStream {
        match &self.crate_path {
            Some(path) => quote!(#path),
            None => quote!(::verso),
        }
    }
}

/// The stored names of an entity type (see [`ContainerAttrs::entity_names`]).
pub(crate) struct EntityNames {
    /// The stored type name.
    pub type_name: LitStr,
    /// The table name.
    pub table: LitStr,
    /// A `verso::Origin` expression: where the Rust type is declared.
    pub origin: TokenStream,
}

/// What a field's attributes make of it: `#[verso(meta)]`, `#[verso(json)]`,
/// `#[verso(child)]`, or none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldRole {
    /// No role attribute: a scalar column through the `Field` trait, or the
    /// metadata field when its type is `Meta`.
    Plain,
    /// `#[verso(meta)]`: the version metadata, whatever its type is called.
    Meta,
    /// `#[verso(json)]`: one JSON column holding any serde type.
    Json,
    /// `#[verso(child)]`: owned children, through the `Children` trait.
    Child,
}

impl FieldRole {
    fn key(self) -> &'static str {
        match self {
            FieldRole::Plain => "",
            FieldRole::Meta => "meta",
            FieldRole::Json => "json",
            FieldRole::Child => "child",
        }
    }
}

/// Parses the `#[verso(...)]` attributes of one field into its role.
pub(crate) fn parse_field(attrs: &[Attribute]) -> syn::Result<FieldRole> {
    let mut role = FieldRole::Plain;
    let mut errors = Errors::default();
    for attr in verso_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let new = if meta.path.is_ident("meta") {
                FieldRole::Meta
            } else if meta.path.is_ident("json") {
                FieldRole::Json
            } else if meta.path.is_ident("child") {
                FieldRole::Child
            } else {
                errors.push(meta.error(format!(
                    "unknown verso attribute `{}` on a field; expected `meta`, `json` or `child`",
                    path_name(&meta.path)
                )));
                return skip_value(&meta);
            };
            if !(meta.input.is_empty() || meta.input.peek(Token![,])) {
                errors.push(meta.error(format!("`{}` takes no value", new.key())));
                skip_value(&meta)?;
            }
            if role == FieldRole::Plain {
                role = new;
            } else if role == new {
                errors.push(meta.error(format!("duplicate verso attribute `{}`", new.key())));
            } else {
                errors.push(meta.error(format!(
                    "a field cannot be both `{}` and `{}`",
                    role.key(),
                    new.key()
                )));
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    errors.finish(role)
}

/// Which derive an enum variant belongs to, for its one attribute key and
/// the wording of errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VariantOf {
    /// A variant of a polymorphic entity (`#[derive(Entity)]` on an enum):
    /// `#[verso(variant = "...")]` sets its discriminator value.
    Entity,
    /// A variant of a `#[derive(Field)]` enum: `#[verso(rename = "...")]`
    /// sets its stored text.
    Field,
}

impl VariantOf {
    /// The one key a variant accepts.
    fn key(self) -> &'static str {
        match self {
            VariantOf::Entity => "variant",
            VariantOf::Field => "rename",
        }
    }

    /// What the key's value is, for errors.
    fn value_name(self) -> &'static str {
        match self {
            VariantOf::Entity => "discriminator",
            VariantOf::Field => "stored name",
        }
    }

    /// The error for an enum without variants.
    pub fn no_variant_message(self) -> &'static str {
        match self {
            VariantOf::Entity => "a polymorphic entity needs at least one variant, such as `Text(TextNote)` wrapping an entity struct",
            VariantOf::Field => "an enum without variants has no value to store: `#[derive(Field)]` needs at least one variant",
        }
    }

    /// The error for the variants `first` and `second`, both stored as
    /// `value`.
    pub fn duplicate_message(self, first: &Ident, second: &Ident, value: &str) -> String {
        let another = match self {
            VariantOf::Entity => "discriminator",
            VariantOf::Field => "name",
        };
        format!(
            "variants `{first}` and `{second}` are both stored as {value:?}: give one another {another} with `#[verso({} = \"...\")]`",
            self.key()
        )
    }
}

/// Parses the `#[verso(...)]` attributes of one enum variant: its stored
/// name, when given (`variant = "..."` or `rename = "..."`, per `of`).
///
/// Problems go to `errors`; the name is returned even then, so that the
/// caller can go on checking it (for duplicates) against other variants.
pub(crate) fn parse_variant(
    attrs: &[Attribute],
    of: VariantOf,
    errors: &mut Errors,
) -> Option<LitStr> {
    let key = of.key();
    let mut name = None;
    for attr in verso_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    errors.push(syn::Error::new(
                        lit.span(),
                        format!("the {} cannot be empty", of.value_name()),
                    ));
                }
                set_once(&mut name, lit, &meta, key, errors);
            } else {
                let found = path_name(&meta.path);
                let hint = match of {
                    VariantOf::Entity if ["meta", "json", "child"].contains(&found.as_str()) => {
                        " (field attributes belong on the fields of the variant's entity struct)"
                    }
                    _ => "",
                };
                errors.push(meta.error(format!(
                    "unknown verso attribute `{found}` on an enum variant; expected `{key} = \"...\"`{hint}"
                )));
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    name
}

/// Rejects any `#[verso(...)]` attribute among `attrs`, with `message`,
/// spanned on each such attribute.
pub(crate) fn reject_verso_attrs(attrs: &[Attribute], message: &str, errors: &mut Errors) {
    for attr in verso_attrs(attrs) {
        errors.push(syn::Error::new_spanned(attr, message));
    }
}

/// The attributes named `verso`.
fn verso_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident(VERSO))
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.push(meta.error(format!("duplicate verso attribute `{key}`")));
    } else {
        *slot = Some(value);
    }
}

/// Consumes `= value` or `(...)` after a rejected key, so that parsing goes
/// on with the next key and reports its problems too.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|nested| skip_value(&nested))?;
    }
    Ok(())
}

fn path_name(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Collects errors, to report them all at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds one error (which may itself hold several).
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Adds an error spanned on `span`.
    pub fn push_at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// `value` when no error was pushed, else every error.
    pub fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}

/// `ChatThread` -> `chat_thread`, `HTTPRequest` -> `http_request`.
///
/// An underscore goes before an uppercase letter that follows a lowercase
/// letter or a digit, or that starts a word after an acronym.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
                let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                if prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_is_lower)
                {
                    out.push('_');
                }
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The name of a field or type as written, without the `r#` of a raw
/// identifier.
pub(crate) fn unraw(ident: &Ident) -> String {
    use syn::ext::IdentExt;
    ident.unraw().to_string()
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_splits_words() {
        assert_eq!(snake_case("ChatThread"), "chat_thread");
        assert_eq!(snake_case("Message"), "message");
    }

    #[test]
    fn snake_case_keeps_acronyms_together() {
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("ApiURL"), "api_url");
    }

    #[test]
    fn snake_case_splits_after_digits_and_keeps_underscores() {
        assert_eq!(snake_case("Agent2Config"), "agent2_config");
        assert_eq!(snake_case("Chat_Thread"), "chat_thread");
    }
}
