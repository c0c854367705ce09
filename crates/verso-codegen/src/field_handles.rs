//! The typed field handles of a derived entity struct: a struct
//! `<Name>Fields` with one public handle per column (`Col<Name, FieldType>`)
//! and per child field (`ChildCol<Name, FieldType>`), and the constant
//! `Name::FIELDS` holding them, so queries and lookups name fields by
//! handle: `Thread::FIELDS.title.contains("rust")`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, LitStr, Type, Visibility};

/// One field that gets a handle.
pub(crate) struct Handle<'a> {
    /// The struct field.
    pub ident: &'a Ident,
    /// The stored name (column or child field name).
    pub name: &'a LitStr,
    /// The field's type.
    pub ty: &'a Type,
    /// Whether it is an owned child field rather than a column.
    pub child: bool,
}

/// The `<Name>Fields` struct and `Name::FIELDS`.
pub(crate) fn field_handles(
    entity: &Ident,
    vis: &Visibility,
    krate: &TokenStream,
    handles: &[Handle<'_>],
) -> TokenStream {
    let fields_ident = format_ident!("{}Fields", entity);
    let mut declarations = Vec::with_capacity(handles.len());
    let mut values = Vec::with_capacity(handles.len());
    for Handle {
        ident,
        name,
        ty,
        child,
    } in handles
    {
        let doc = if *child {
            format!(" The child field `{}`.", name.value())
        } else {
            format!(" The column `{}`.", name.value())
        };
        let handle_type = handle_type(entity, krate, ty, *child);
        declarations.push(quote! {
            #[doc = #doc]
            pub #ident: #handle_type
        });
        values.push(quote!(#ident: <#handle_type>::field(#name)));
    }
    let struct_doc = format!(
        " The typed handles on the fields of [`{entity}`], for queries and lookups: `{entity}::FIELDS`."
    );
    quote! {
        #[doc = #struct_doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #fields_ident {
            #(#declarations,)*
        }

        impl #entity {
            /// The typed handles on this entity's fields.
            #vis const FIELDS: #fields_ident = #fields_ident {
                #(#values,)*
            };
        }
    }
}

fn handle_type(entity: &Ident, krate: &TokenStream, ty: &Type, child: bool) -> TokenStream {
    if child {
        quote!(#krate::ChildCol<#entity, #ty>)
    } else {
        quote!(#krate::Col<#entity, #ty>)
    }
}
