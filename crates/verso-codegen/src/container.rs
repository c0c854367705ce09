//! The checks every derive starts with, on the type itself: no generics,
//! then its `#[verso(...)]` attributes.

use crate::attrs::{ContainerAttrs, Errors};
use syn::{Attribute, DeriveInput, Generics};

/// Starts checking `input` for `#[derive(Entity)]`, on a struct or an enum:
/// see [`check`].
pub(crate) fn check_entity(input: &DeriveInput) -> syn::Result<(ContainerAttrs, Errors)> {
    check(
        input,
        "generic entity types are not supported: every entity type has one fixed table and column set",
        ContainerAttrs::parse,
    )
}

/// Starts checking `input` for `#[derive(Field)]`: see [`check`].
pub(crate) fn check_field_type(input: &DeriveInput) -> syn::Result<(ContainerAttrs, Errors)> {
    check(
        input,
        "generic field types are not supported: `#[derive(Field)]` stores an enum of unit variants as text",
        ContainerAttrs::parse_field_type,
    )
}

/// Starts checking `input`. Fails at once, with `generics_message`, when
/// the type has generic parameters or a where clause; otherwise parses the
/// type's attributes with `parse` and returns them with the errors found so
/// far (default attributes when they are malformed, so that checking can
/// go on and report every problem at once).
fn check(
    input: &DeriveInput,
    generics_message: &str,
    parse: fn(&[Attribute]) -> syn::Result<ContainerAttrs>,
) -> syn::Result<(ContainerAttrs, Errors)> {
    reject_generics(&input.generics, generics_message)?;
    let mut errors = Errors::default();
    let container = parse(&input.attrs).unwrap_or_else(|e| {
        errors.push(e);
        ContainerAttrs::default()
    });
    Ok((container, errors))
}

/// Fails with `message` when `generics` has any parameter (spanned on the
/// parameters) or a where clause (spanned on it).
fn reject_generics(generics: &Generics, message: &str) -> syn::Result<()> {
    if !generics.params.is_empty() {
        Err(syn::Error::new_spanned(generics, message))
    } else if let Some(where_clause) = &generics.where_clause {
        Err(syn::Error::new_spanned(where_clause, message))
    } else {
        Ok(())
    }
}
