//! `#[derive(Field)]` on an enum of unit variants: one text column holding
//! the variant's stored name (snake_case of the variant name by default).

use crate::attrs::{self, VariantOf};
use crate::{container, variants};
use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{DataEnum, DeriveInput, Fields, Ident, LitStr};

/// One unit variant and the text it is stored as.
struct Variant<'a> {
    ident: &'a Ident,
    stored: LitStr,
}

/// The enum, checked and reduced to what generated code needs.
struct Model<'a> {
    ident: &'a Ident,
    krate: TokenStream,
    variants: Vec<Variant<'a>>,
}

/// Expands `#[derive(Field)]` on the enum `input`, whose data is `data`.
pub(crate) fn expand(input: &DeriveInput, data: &DataEnum) -> syn::Result<TokenStream> {
    let model = Model::new(input, data)?;
    Ok(model.generate())
}

impl<'a> Model<'a> {
    fn new(input: &'a DeriveInput, data: &'a DataEnum) -> syn::Result<Self> {
        let ident = &input.ident;
        let (container, mut errors) = container::check_field_type(input)?;
        let unit_only = |variant: &syn::Variant, errors: &mut attrs::Errors| {
            if !matches!(variant.fields, Fields::Unit) {
                errors.push_at(
                    variant.fields.span(),
                    format!(
                        "variant `{}` holds data: `#[derive(Field)]` stores unit variants only, as text; store data-carrying enums with `#[verso(json)]`",
                        variant.ident
                    ),
                );
            }
        };
        let variants: Vec<Variant<'a>> =
            variants::check(ident, data, VariantOf::Field, &mut errors, unit_only)
                .into_iter()
                .map(|checked| Variant {
                    ident: &checked.variant.ident,
                    stored: checked.name,
                })
                .collect();
        errors.finish(())?;

        Ok(Model {
            ident,
            krate: container.crate_path(),
            variants,
        })
    }

    fn generate(&self) -> TokenStream {
        let Model { ident, krate, .. } = self;
        let idents: Vec<&Ident> = self.variants.iter().map(|v| v.ident).collect();
        let stored: Vec<&LitStr> = self.variants.iter().map(|v| &v.stored).collect();
        // Formatted now, so that names with braces need no escaping.
        let expected = LitStr::new(
            &self
                .variants
                .iter()
                .map(|v| format!("{:?}", v.stored.value()))
                .collect::<Vec<_>>()
                .join(", "),
            ident.span(),
        );
        let unknown = LitStr::new(
            &format!(
                "unknown {} variant {{:?}}; expected one of {{}}",
                attrs::unraw(ident)
            ),
            ident.span(),
        );

        quote! {
            #[automatically_derived]
            impl #krate::Field for #ident {
                const COLUMN: #krate::ColumnType = #krate::ColumnType::Text;

                fn to_value(&self) -> #krate::Value {
                    #krate::Value::Text(::std::string::String::from(match self {
                        #(Self::#idents => #stored,)*
                    }))
                }

                fn equals_value(&self, value: &#krate::Value) -> bool {
                    ::std::matches!(value, #krate::Value::Text(text) if text == match self {
                        #(Self::#idents => #stored,)*
                    })
                }

                fn from_value(
                    value: #krate::Value,
                ) -> ::std::result::Result<Self, ::std::string::String> {
                    match value {
                        #krate::Value::Text(text) => match text.as_str() {
                            #(#stored => ::std::result::Result::Ok(Self::#idents),)*
                            other => ::std::result::Result::Err(
                                ::std::format!(#unknown, other, #expected),
                            ),
                        },
                        other => ::std::result::Result::Err(
                            ::std::format!("expected text, found {}", other.kind()),
                        ),
                    }
                }
            }
        }
    }
}
