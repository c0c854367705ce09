//! `#[derive(Entity)]` on an enum: a polymorphic entity, stored with
//! single-table inheritance through `verso::Polymorphic`.
//!
//! Every variant wraps one entity struct (`Callable(CallableTool)`). The
//! generated code builds the shared layout once, from the variants' own
//! entity types, and delegates each `Node` and `Entity` method to the
//! variant at hand through it.

use crate::attrs::{self, Errors, VariantOf};
use crate::impls::{entity_impl, node_impl, NodeBodies};
use crate::{container, variants};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DataEnum, DeriveInput, Fields, Ident, LitStr, Type};

/// One variant: `ident(ty)`, stored with the discriminator value `discriminator`.
struct Variant<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    discriminator: LitStr,
}

/// The enum, checked and reduced to what generated code needs.
struct Model<'a> {
    ident: &'a Ident,
    type_name: LitStr,
    table: LitStr,
    /// A `verso::Origin` expression.
    origin: TokenStream,
    krate: TokenStream,
    /// In declaration order: the variant index is the position here.
    variants: Vec<Variant<'a>>,
}

/// The entity type `variant` wraps, or `None` (with the problem in
/// `errors`) when it does not wrap exactly one.
fn wrapped_type<'a>(variant: &'a syn::Variant, errors: &mut Errors) -> Option<&'a Type> {
    match &variant.fields {
        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
            let field = &fields.unnamed[0];
            attrs::reject_verso_attrs(
                &field.attrs,
                "verso attributes are not supported on the field of an enum variant: put field attributes on the fields of the variant's entity struct",
                errors,
            );
            Some(&field.ty)
        }
        Fields::Unnamed(fields) if fields.unnamed.is_empty() => {
            errors.push_at(
                fields.span(),
                format!(
                    "variant `{}` holds no entity: each variant of a polymorphic entity wraps exactly one entity struct, as in `{}(SomeEntity)`",
                    variant.ident, variant.ident
                ),
            );
            None
        }
        Fields::Unnamed(fields) => {
            // Spanned on the surplus fields, from the first to the last.
            let surplus = fields.unnamed.iter().skip(1);
            errors.push(syn::Error::new_spanned(
                quote!(#(#surplus),*),
                format!(
                    "variant `{}` has {} fields: each variant of a polymorphic entity wraps exactly one entity struct; move the other fields into that struct",
                    variant.ident,
                    fields.unnamed.len()
                ),
            ));
            None
        }
        Fields::Named(fields) => {
            errors.push_at(
                fields.span(),
                format!(
                    "struct-like variants are not supported: declare the fields in an entity struct and wrap it, as in `{}(SomeEntity)`",
                    variant.ident
                ),
            );
            None
        }
        Fields::Unit => {
            errors.push_at(
                variant.ident.span(),
                format!(
                    "unit variants are not supported: each variant of a polymorphic entity wraps exactly one entity struct, as in `{}(SomeEntity)`",
                    variant.ident
                ),
            );
            None
        }
    }
}

/// Expands `#[derive(Entity)]` on the enum `input`, whose data is `data`.
pub(crate) fn expand(input: &DeriveInput, data: &DataEnum) -> syn::Result<TokenStream> {
    let model = Model::new(input, data)?;
    Ok(model.generate())
}

impl<'a> Model<'a> {
    fn new(input: &'a DeriveInput, data: &'a DataEnum) -> syn::Result<Self> {
        let ident = &input.ident;
        let (container, mut errors) = container::check_entity(input)?;
        // Every discriminator is checked, including those of malformed
        // variants; only well-formed ones are kept.
        let variants: Vec<Variant<'a>> =
            variants::check(ident, data, VariantOf::Entity, &mut errors, wrapped_type)
                .into_iter()
                .filter_map(|checked| {
                    Some(Variant {
                        ident: &checked.variant.ident,
                        ty: checked.shape?,
                        discriminator: checked.name,
                    })
                })
                .collect();
        errors.finish(())?;

        let names = container.entity_names(ident);
        Ok(Model {
            ident,
            type_name: names.type_name,
            table: names.table,
            origin: names.origin,
            krate: container.crate_path(),
            variants,
        })
    }

    fn generate(&self) -> TokenStream {
        let layout = self.layout_fn();
        let node = self.node_impl();
        let entity = self.entity_impl();
        quote! {
            #layout
            #node
            #entity
        }
    }

    /// `Self::__verso_layout()`: the shared layout, built on first use.
    fn layout_fn(&self) -> TokenStream {
        let Model {
            ident,
            type_name,
            table,
            origin,
            krate,
            ..
        } = self;
        let variants = self.variants.iter().map(|variant| {
            let Variant {
                ty, discriminator, ..
            } = variant;
            // Spanned on the variant type, which must implement `Entity`.
            let entity_type = quote_spanned!(ty.span()=> <#ty as #krate::Entity>::entity_type());
            quote!((#discriminator, #entity_type))
        });
        quote! {
            #[automatically_derived]
            impl #ident {
                /// The stored layout of this polymorphic entity type,
                /// built from its variants' entity types on first use.
                #[doc(hidden)]
                fn __verso_layout() -> &'static #krate::Polymorphic {
                    static LAYOUT: ::std::sync::OnceLock<#krate::Polymorphic> =
                        ::std::sync::OnceLock::new();
                    LAYOUT.get_or_init(|| {
                        #krate::Polymorphic::new(#type_name, #table, #origin, &[#(#variants),*])
                    })
                }
            }
        }
    }

    /// `match self { Self::A(node) => arm(0, span), ... }`, one arm per
    /// variant, `arm` receiving the variant index and the span of the
    /// variant type, on which to report a type that is no entity.
    fn match_self(&self, arm: impl Fn(&Literal, Span) -> TokenStream) -> TokenStream {
        let arms = self.variants.iter().enumerate().map(|(index, variant)| {
            let ident = variant.ident;
            let body = arm(&Literal::usize_unsuffixed(index), variant.ty.span());
            quote!(Self::#ident(node) => #body)
        });
        quote! {
            match self {
                #(#arms,)*
            }
        }
    }

    fn node_impl(&self) -> TokenStream {
        let Model { ident, krate, .. } = self;
        let meta = self.match_self(|_, span| quote_spanned!(span=> #krate::Node::meta(node)));
        let meta_mut =
            self.match_self(|_, span| quote_spanned!(span=> #krate::Node::meta_mut(node)));
        let values = self.match_self(
            |index, span| quote_spanned!(span=> Self::__verso_layout().column_values(#index, node)),
        );
        let each = self.match_self(|index, span| {
            quote_spanned!(span=> Self::__verso_layout().for_each_child(#index, node, visit))
        });
        let each_mut = self.match_self(|index, span| {
            quote_spanned!(span=> Self::__verso_layout().for_each_child_mut(#index, node, visit))
        });
        node_impl(
            ident,
            krate,
            NodeBodies {
                meta,
                meta_mut,
                column_values: values,
                columns_equal: None,
                for_each_child: each,
                for_each_child_mut: each_mut,
            },
        )
    }

    fn entity_impl(&self) -> TokenStream {
        let Model {
            ident,
            type_name,
            krate,
            ..
        } = self;
        let arms = self.variants.iter().enumerate().map(|(index, variant)| {
            let Variant { ident, ty, .. } = variant;
            let index = Literal::usize_unsuffixed(index);
            quote! {
                #index => ::std::result::Result::Ok(
                    Self::#ident(layout.decode::<#ty>(#index, row, assembly)?)
                )
            }
        });
        let decode = quote! {
            let layout = Self::__verso_layout();
            match layout.variant_of(row)? {
                #(#arms,)*
                // `variant_of` only returns indexes of declared
                // variants; report rather than panic if it did not.
                other => ::std::result::Result::Err(#krate::Error::Decode {
                    type_name: ::std::string::String::from(#type_name),
                    id: row.meta.ecs_id,
                    column: ::std::string::String::from(#krate::VARIANT_COLUMN),
                    detail: ::std::format!("no variant number {other}"),
                }),
            }
        };
        entity_impl(
            ident,
            krate,
            quote!(Self::__verso_layout().entity_type()),
            decode,
        )
    }
}
