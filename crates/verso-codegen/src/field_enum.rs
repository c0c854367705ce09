//! `#[derive(Field)]` on an enum of unit variants: one text column holding
//! the variant's stored name (snake_case of the variant name by default).

use crate::attrs::{self, ContainerAttrs, Errors, VariantOf};
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
        crate::reject_generics(
            &input.generics,
            "generic field types are not supported: `#[derive(Field)]` stores an enum of unit variants as text",
        )?;

        let mut errors = Errors::default();
        let container = ContainerAttrs::parse_field_type(&input.attrs).unwrap_or_else(|e| {
            errors.push(e);
            ContainerAttrs::default()
        });
        if data.variants.is_empty() {
            errors.push_at(
                ident.span(),
                "an enum without variants has no value to store: `#[derive(Field)]` needs at least one variant",
            );
        }

        let mut variants: Vec<Variant<'a>> = Vec::with_capacity(data.variants.len());
        for variant in &data.variants {
            let explicit = attrs::parse_variant(&variant.attrs, VariantOf::Field, &mut errors);
            if !matches!(variant.fields, Fields::Unit) {
                errors.push_at(
                    variant.fields.span(),
                    format!(
                        "variant `{}` holds data: `#[derive(Field)]` stores unit variants only, as text; store data-carrying enums with `#[verso(json)]`",
                        variant.ident
                    ),
                );
            }
            let stored = explicit.unwrap_or_else(|| {
                LitStr::new(
                    &attrs::snake_case(&attrs::unraw(&variant.ident)),
                    variant.ident.span(),
                )
            });
            if let Some(first) = variants.iter().find(|v| v.stored.value() == stored.value()) {
                errors.push_at(
                    stored.span(),
                    format!(
                        "variants `{}` and `{}` are both stored as {:?}: give one another name with `#[verso(rename = \"...\")]`",
                        first.ident,
                        variant.ident,
                        stored.value()
                    ),
                );
            }
            variants.push(Variant {
                ident: &variant.ident,
                stored,
            });
        }
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
