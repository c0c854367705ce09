//! `#[derive(Entity)]` on a struct: one table, one column per scalar or JSON
//! field, one child field per `#[verso(child)]` field.

use crate::attrs::{self, FieldRole};
use crate::container;
use crate::field_handles::{field_handles, Handle};
use crate::impls::{entity_impl, node_impl, NodeBodies};
use proc_macro2::{Literal, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DataStruct, DeriveInput, Fields, Ident, LitStr, Type, Visibility};

/// Column names taken by the version metadata in every entity table.
const RESERVED_COLUMNS: &[&str] = &["id", "ecs_id", "lineage_id", "parent_id", "created_at"];

/// A stored column: a scalar (through `Field`) or a JSON field.
struct ColumnField<'a> {
    ident: &'a Ident,
    name: LitStr,
    ty: Type,
    json: bool,
}

/// An owned child field (through `Children`).
struct ChildField<'a> {
    ident: &'a Ident,
    name: LitStr,
    ty: Type,
}

/// The struct, checked and sorted into the parts generated code needs.
struct Model<'a> {
    ident: &'a Ident,
    vis: &'a Visibility,
    type_name: LitStr,
    table: LitStr,
    /// A `verso::Origin` expression.
    origin: TokenStream,
    krate: TokenStream,
    meta: &'a Ident,
    columns: Vec<ColumnField<'a>>,
    children: Vec<ChildField<'a>>,
    /// Every field in declaration order, for the struct literal in `decode`.
    order: Vec<Slot>,
}

/// Where a field's value comes from in `decode`.
#[derive(Clone, Copy)]
enum Slot {
    Meta,
    Column(usize),
    Child(usize),
}

/// Expands `#[derive(Entity)]` on the struct `input`, whose data is `data`.
pub(crate) fn expand(input: &DeriveInput, data: &DataStruct) -> syn::Result<TokenStream> {
    let model = Model::new(input, data)?;
    Ok(model.generate())
}

impl<'a> Model<'a> {
    fn new(input: &'a DeriveInput, data: &'a DataStruct) -> syn::Result<Self> {
        let ident = &input.ident;
        let (container, mut errors) = container::check_entity(input)?;
        let named = match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(fields) => {
                return Err(syn::Error::new(
                    fields.span(),
                    "tuple structs are not supported: an entity needs named fields, which name its columns",
                ))
            }
            Fields::Unit => {
                return Err(syn::Error::new(
                    ident.span(),
                    "unit structs are not supported: an entity needs named fields, including its `Meta` field",
                ))
            }
        };

        // Sort the fields by role; a plain field whose type is called `Meta`
        // is the metadata unless another field is marked `#[verso(meta)]`.
        let mut roles = Vec::with_capacity(named.named.len());
        for field in &named.named {
            let role = attrs::parse_field(&field.attrs).unwrap_or_else(|e| {
                errors.push(e);
                FieldRole::Plain
            });
            roles.push(role);
        }
        let marked: Vec<usize> = (0..roles.len())
            .filter(|&i| roles[i] == FieldRole::Meta)
            .collect();
        let meta_fields = if marked.is_empty() {
            (0..roles.len())
                .filter(|&i| roles[i] == FieldRole::Plain && is_meta_type(&named.named[i].ty))
                .collect()
        } else {
            marked
        };
        for &extra in meta_fields.iter().skip(1) {
            errors.push_at(
                named.named[extra].span(),
                "an entity has exactly one `Meta` field, and this is a second one",
            );
        }

        let mut columns = Vec::new();
        let mut children = Vec::new();
        let mut order = Vec::with_capacity(roles.len());
        for (i, (field, role)) in named.named.iter().zip(&roles).enumerate() {
            let field_ident = field.ident.as_ref().expect("named fields have names");
            let name = LitStr::new(&attrs::unraw(field_ident), field_ident.span());
            let ty = replace_self(&field.ty, ident);
            if meta_fields.contains(&i) {
                order.push(Slot::Meta);
            } else if *role == FieldRole::Child {
                order.push(Slot::Child(children.len()));
                children.push(ChildField {
                    ident: field_ident,
                    name,
                    ty,
                });
            } else {
                if RESERVED_COLUMNS.contains(&name.value().as_str()) {
                    errors.push_at(
                        field_ident.span(),
                        format!(
                            "a field cannot be named `{}`: the columns `id`, `ecs_id`, `lineage_id`, `parent_id` and `created_at` are reserved for version metadata",
                            name.value()
                        ),
                    );
                }
                order.push(Slot::Column(columns.len()));
                let json = *role == FieldRole::Json;
                columns.push(ColumnField {
                    ident: field_ident,
                    name,
                    ty,
                    json,
                });
            }
        }

        if meta_fields.is_empty() {
            errors.push_at(
                ident.span(),
                "an entity needs a `Meta` field: add `meta: verso::Meta`, or mark the metadata field with `#[verso(meta)]`",
            );
        }
        errors.finish(())?;

        let meta_field = &named.named[meta_fields[0]];
        let names = container.entity_names(ident);
        Ok(Model {
            ident,
            vis: &input.vis,
            type_name: names.type_name,
            table: names.table,
            origin: names.origin,
            krate: container.crate_path(),
            meta: meta_field.ident.as_ref().expect("named fields have names"),
            columns,
            children,
            order,
        })
    }

    fn generate(&self) -> TokenStream {
        let node = self.node_impl();
        let entity = self.entity_impl();
        let handles = self.field_handles();
        quote! {
            #node
            #entity
            #handles
        }
    }

    /// `Name::FIELDS`: a handle per column (JSON columns included) and
    /// per child field, in declaration order.
    fn field_handles(&self) -> TokenStream {
        let handles: Vec<Handle<'_>> = self
            .order
            .iter()
            .filter_map(|slot| match *slot {
                Slot::Meta => None,
                Slot::Column(index) => {
                    let column = &self.columns[index];
                    Some(Handle {
                        ident: column.ident,
                        name: &column.name,
                        ty: &column.ty,
                        child: false,
                    })
                }
                Slot::Child(index) => {
                    let child = &self.children[index];
                    Some(Handle {
                        ident: child.ident,
                        name: &child.name,
                        ty: &child.ty,
                        child: true,
                    })
                }
            })
            .collect();
        field_handles(self.ident, self.vis, &self.krate, &handles)
    }

    fn node_impl(&self) -> TokenStream {
        let Model {
            ident, krate, meta, ..
        } = self;

        let values = self.columns.iter().map(|column| {
            let ColumnField {
                ident,
                name,
                ty,
                json,
            } = column;
            if *json {
                // Spanned on the field type, which must implement `Serialize`.
                let json_to_value = quote_spanned!(ty.span()=> #krate::json_to_value::<#ty>);
                quote! {
                    #json_to_value(
                        &self.#ident,
                        <Self as #krate::Entity>::entity_type(),
                        &self.#meta,
                        #name,
                    )?
                }
            } else {
                // Spanned on the field type, which must implement `Field`.
                let column_value = quote_spanned!(ty.span()=> #krate::column_value::<#ty>);
                quote! {
                    #column_value(
                        &self.#ident,
                        <Self as #krate::Entity>::entity_type(),
                        &self.#meta,
                        #name,
                    )?
                }
            }
        });
        // Change detection compares each field with its stored value in
        // place; only JSON fields build their value to compare it.
        let count = Literal::usize_unsuffixed(self.columns.len());
        let equal = self.columns.iter().enumerate().map(|(index, column)| {
            let ColumnField {
                ident,
                name,
                ty,
                json,
            } = column;
            let index = Literal::usize_unsuffixed(index);
            if *json {
                let json_to_value = quote_spanned!(ty.span()=> #krate::json_to_value::<#ty>);
                quote! {
                    #json_to_value(
                        &self.#ident,
                        <Self as #krate::Entity>::entity_type(),
                        &self.#meta,
                        #name,
                    )? == stored[#index]
                }
            } else {
                let field = as_field(ty, krate);
                quote!(#field::equals_value(&self.#ident, &stored[#index]))
            }
        });
        let columns_equal = quote!(::std::result::Result::Ok(stored.len() == #count #(&& #equal)*));
        // An array rather than `vec![...]`, which formatters leave unformatted.
        let values = if self.columns.is_empty() {
            quote!(::std::vec::Vec::new())
        } else {
            quote!(::std::vec::Vec::from([#(#values),*]))
        };

        let mut each = Vec::new();
        let mut each_mut = Vec::new();
        for (index, ChildField { ident, ty, .. }) in self.children.iter().enumerate() {
            let index = Literal::usize_unsuffixed(index);
            let children = as_children(ty, krate);
            each.push(quote! {
                #children::each(&self.#ident, &mut |child: &dyn #krate::Node| visit(#index, child));
            });
            each_mut.push(quote! {
                #children::each_mut(&mut self.#ident, &mut |child: &mut dyn #krate::Node| visit(#index, child));
            });
        }
        if self.children.is_empty() {
            // `visit` is unused without children; keep the expansion warning-free.
            each.push(quote!(let _ = visit;));
            each_mut.push(quote!(let _ = visit;));
        }

        node_impl(
            ident,
            krate,
            NodeBodies {
                meta: quote!(&self.#meta),
                meta_mut: quote!(&mut self.#meta),
                column_values: quote!(::std::result::Result::Ok(#values)),
                columns_equal: Some(columns_equal),
                for_each_child: quote!(#(#each)*),
                for_each_child_mut: quote!(#(#each_mut)*),
            },
        )
    }

    fn entity_impl(&self) -> TokenStream {
        let Model {
            ident,
            type_name,
            table,
            origin,
            krate,
            meta,
            ..
        } = self;

        let columns = self.columns.iter().map(|column| {
            let ColumnField { name, ty, json, .. } = column;
            if *json {
                quote! {
                    #krate::Column {
                        name: #name,
                        ty: #krate::ColumnType::Json,
                        nullable: true,
                        references: ::std::option::Option::None,
                    }
                }
            } else {
                let field = as_field(ty, krate);
                quote! {
                    #krate::Column {
                        name: #name,
                        ty: #field::COLUMN,
                        nullable: #field::NULLABLE,
                        references: #field::REFERENCES,
                    }
                }
            }
        });
        let children = self.children.iter().map(|ChildField { name, ty, .. }| {
            let children = as_children(ty, krate);
            quote! {
                #krate::ChildField {
                    name: #name,
                    kind: #children::KIND,
                    target: #krate::TypeRef::Static(#children::item_type),
                }
            }
        });

        let inits = self.order.iter().map(|slot| match *slot {
            Slot::Meta => quote!(#meta: assembly.meta(row)),
            Slot::Column(index) => {
                let ColumnField {
                    ident, ty, json, ..
                } = &self.columns[index];
                let index = Literal::usize_unsuffixed(index);
                if *json {
                    // Spanned on the field type, which must implement `DeserializeOwned`.
                    let json_column = Ident::new("json_column", ty.span());
                    quote!(#ident: assembly.#json_column(row, #index)?)
                } else {
                    quote!(#ident: assembly.column::<#ty>(row, #index)?)
                }
            }
            Slot::Child(index) => {
                let ChildField { ident, ty, .. } = &self.children[index];
                let index = Literal::usize_unsuffixed(index);
                quote!(#ident: assembly.children::<#ty>(row, #index)?)
            }
        });

        let entity_type = quote! {
            static COLUMNS: &[#krate::Column] = &[#(#columns),*];
            static CHILDREN: &[#krate::ChildField] = &[#(#children),*];
            static TYPE: #krate::EntityType = #krate::EntityType {
                name: #type_name,
                table: #table,
                origin: #origin,
                columns: COLUMNS,
                children: CHILDREN,
                variants: &[],
            };
            &TYPE
        };
        let decode = quote! {
            ::std::result::Result::Ok(Self {
                #(#inits),*
            })
        };
        entity_impl(ident, krate, entity_type, decode)
    }
}

/// `<ty as Field>`, spanned on the field type so that a type without a
/// `Field` implementation is reported there.
fn as_field(ty: &Type, krate: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #krate::Field>)
}

/// `<ty as Children>`, spanned on the field type.
fn as_children(ty: &Type, krate: &TokenStream) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as #krate::Children>)
}

/// Whether `ty` is a path whose last segment is `Meta` (`Meta`,
/// `verso::Meta`, ...).
fn is_meta_type(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Meta" && segment.arguments.is_none()),
        Type::Group(group) => is_meta_type(&group.elem),
        Type::Paren(paren) => is_meta_type(&paren.elem),
        _ => false,
    }
}

/// `ty` with every `Self` replaced by the type name: field types are used
/// inside `static` items, where `Self` is not available. Without generics,
/// both name the same type.
fn replace_self(ty: &Type, with: &Ident) -> Type {
    fn replace(tokens: TokenStream, with: &Ident) -> TokenStream {
        tokens
            .into_iter()
            .map(|token| match token {
                TokenTree::Ident(ident) if ident == "Self" => {
                    let mut replacement = with.clone();
                    replacement.set_span(ident.span());
                    TokenTree::Ident(replacement)
                }
                TokenTree::Group(group) => {
                    let mut new =
                        proc_macro2::Group::new(group.delimiter(), replace(group.stream(), with));
                    new.set_span(group.span());
                    TokenTree::Group(new)
                }
                other => other,
            })
            .collect()
    }
    syn::parse2(replace(quote!(#ty), with)).unwrap_or_else(|_| ty.clone())
}
