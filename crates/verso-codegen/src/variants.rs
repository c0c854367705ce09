//! Checking the variants of an enum: a polymorphic entity's or a field
//! enum's. Each variant has a stored name (its discriminator or text),
//! which must differ from every other variant's.

use crate::attrs::{self, Errors, VariantOf};
use syn::{DataEnum, Ident, LitStr, Variant};

/// One variant, checked.
pub(crate) struct Checked<'a, T> {
    /// The variant.
    pub variant: &'a Variant,
    /// What the derive's shape check made of the variant's fields.
    pub shape: T,
    /// The stored name: the variant's attribute, else the snake_case of
    /// the variant name.
    pub name: LitStr,
}

/// Checks the variants of the enum `ident`, whose data is `data`, for the
/// derive `of`, in declaration order: an enum without variants is an
/// error; the attributes of each variant are parsed, then `shape` checks
/// what the variant holds, then its stored name is compared with those of
/// the variants before it.
///
/// Problems go to `errors`, and every variant is returned even then (a
/// malformed one included), so that checking goes on and every problem is
/// reported at once.
pub(crate) fn check<'a, T>(
    ident: &Ident,
    data: &'a DataEnum,
    of: VariantOf,
    errors: &mut Errors,
    mut shape: impl FnMut(&'a Variant, &mut Errors) -> T,
) -> Vec<Checked<'a, T>> {
    if data.variants.is_empty() {
        errors.push_at(ident.span(), of.no_variant_message());
    }
    let mut checked: Vec<Checked<'a, T>> = Vec::with_capacity(data.variants.len());
    for variant in &data.variants {
        let explicit = attrs::parse_variant(&variant.attrs, of, errors);
        let shape = shape(variant, errors);
        let name = explicit.unwrap_or_else(|| {
            LitStr::new(
                &attrs::snake_case(&attrs::unraw(&variant.ident)),
                variant.ident.span(),
            )
        });
        if let Some(first) = checked.iter().find(|c| c.name.value() == name.value()) {
            errors.push_at(
                name.span(),
                of.duplicate_message(&first.variant.ident, &variant.ident, &name.value()),
            );
        }
        checked.push(Checked {
            variant,
            shape,
            name,
        });
    }
    checked
}
