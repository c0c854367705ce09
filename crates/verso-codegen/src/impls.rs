//! The `Node` and `Entity` implementations an entity derive generates,
//! around the method bodies each derive (on a struct or on an enum)
//! computes.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

/// The bodies of the `Node` methods that differ between derives.
pub(crate) struct NodeBodies {
    /// Of `meta(&self) -> &Meta`.
    pub meta: TokenStream,
    /// Of `meta_mut(&mut self) -> &mut Meta`.
    pub meta_mut: TokenStream,
    /// Of `column_values(&self) -> Result<Vec<Value>>`.
    pub column_values: TokenStream,
    /// Of `columns_equal(&self, stored: &[Value]) -> Result<bool>`, where
    /// the derive can do better than the trait's default.
    pub columns_equal: Option<TokenStream>,
    /// Of `for_each_child(&self, visit)`.
    pub for_each_child: TokenStream,
    /// Of `for_each_child_mut(&mut self, visit)`.
    pub for_each_child_mut: TokenStream,
}

/// `impl Node for <ident>` with these bodies; the node's type is its
/// `Entity::entity_type()`. `krate` is the path of Verso's items.
pub(crate) fn node_impl(ident: &Ident, krate: &TokenStream, bodies: NodeBodies) -> TokenStream {
    let NodeBodies {
        meta,
        meta_mut,
        column_values,
        columns_equal,
        for_each_child,
        for_each_child_mut,
    } = bodies;
    let columns_equal = columns_equal.map(|body| {
        quote! {
            fn columns_equal(&self, stored: &[#krate::Value]) -> #krate::Result<bool> {
                #body
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #krate::Node for #ident {
            fn node_type(&self) -> &'static #krate::EntityType {
                <Self as #krate::Entity>::entity_type()
            }

            fn meta(&self) -> &#krate::Meta {
                #meta
            }

            fn meta_mut(&mut self) -> &mut #krate::Meta {
                #meta_mut
            }

            fn column_values(&self) -> #krate::Result<::std::vec::Vec<#krate::Value>> {
                #column_values
            }

            #columns_equal

            fn for_each_child(&self, visit: &mut dyn ::std::ops::FnMut(usize, &dyn #krate::Node)) {
                #for_each_child
            }

            fn for_each_child_mut(&mut self, visit: &mut dyn ::std::ops::FnMut(usize, &mut dyn #krate::Node)) {
                #for_each_child_mut
            }
        }
    }
}

/// `impl Entity for <ident>` with these bodies of `entity_type()` and of
/// `decode(row, assembly)`. `krate` is the path of Verso's items.
pub(crate) fn entity_impl(
    ident: &Ident,
    krate: &TokenStream,
    entity_type: TokenStream,
    decode: TokenStream,
) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl #krate::Entity for #ident {
            fn entity_type() -> &'static #krate::EntityType {
                #entity_type
            }

            fn decode(
                row: &#krate::StoredRow,
                assembly: &mut #krate::Assembly<'_>,
            ) -> #krate::Result<Self> {
                #decode
            }
        }
    }
}
