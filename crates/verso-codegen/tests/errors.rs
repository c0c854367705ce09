//! What `#[derive(Entity)]` (on structs and enums) and `#[derive(Field)]`
//! reject, and what they say.

use proc_macro2::TokenStream;
use quote::quote;

/// Every error message of `#[derive(Entity)]` on `input`; panics if it expands.
fn errors(input: TokenStream) -> Vec<String> {
    errors_of(verso_codegen::expand_entity, input)
}

/// Every error message of `#[derive(Field)]` on `input`; panics if it expands.
fn field_errors(input: TokenStream) -> Vec<String> {
    errors_of(verso_codegen::expand_field, input)
}

/// Every error message of the derive `derive` on `input`.
fn errors_of(
    derive: fn(syn::DeriveInput) -> syn::Result<TokenStream>,
    input: TokenStream,
) -> Vec<String> {
    let input = syn::parse2(input).expect("test input is a valid item");
    match derive(input) {
        Ok(tokens) => panic!("expected an error, got:\n{tokens}"),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// Asserts that some error of `#[derive(Entity)]` on `input` contains `expected`.
fn assert_error(input: TokenStream, expected: &str) {
    assert_contains(errors(input), expected);
}

/// Asserts that some error of `#[derive(Field)]` on `input` contains `expected`.
fn assert_field_error(input: TokenStream, expected: &str) {
    assert_contains(field_errors(input), expected);
}

fn assert_contains(messages: Vec<String>, expected: &str) {
    assert!(
        messages.iter().any(|m| m.contains(expected)),
        "no error contains `{expected}`: {messages:#?}"
    );
}

#[test]
fn generic_structs_are_rejected() {
    assert_error(
        quote!(
            struct Box<T> {
                meta: verso::Meta,
                value: T,
            }
        ),
        "generic entity types are not supported",
    );
}

#[test]
fn lifetime_parameters_are_rejected() {
    assert_error(
        quote!(
            struct View<'a> {
                meta: verso::Meta,
                name: &'a str,
            }
        ),
        "generic entity types are not supported",
    );
}

#[test]
fn tuple_structs_are_rejected() {
    assert_error(
        quote!(
            struct Pair(verso::Meta, String);
        ),
        "tuple structs are not supported",
    );
}

#[test]
fn unit_structs_are_rejected() {
    assert_error(
        quote!(
            struct Nothing;
        ),
        "unit structs are not supported",
    );
}

#[test]
fn unions_are_rejected() {
    assert_error(
        quote!(union Bits { a: u32, b: f32 }),
        "does not support unions",
    );
}

#[test]
fn a_meta_field_is_required() {
    assert_error(
        quote!(
            struct Note {
                text: String,
            }
        ),
        "an entity needs a `Meta` field",
    );
}

#[test]
fn two_meta_fields_are_rejected() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                other: Meta,
            }
        ),
        "exactly one `Meta` field",
    );
}

#[test]
fn two_meta_attributes_are_rejected() {
    assert_error(
        quote!(
            struct Note {
                #[verso(meta)]
                a: M,
                #[verso(meta)]
                b: M,
            }
        ),
        "exactly one `Meta` field",
    );
}

#[test]
fn unknown_field_attributes_are_rejected() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                #[verso(skip)]
                cache: String,
            }
        ),
        "unknown verso attribute `skip` on a field",
    );
}

#[test]
fn unknown_type_attributes_are_rejected() {
    assert_error(
        quote! {
            #[verso(tabel = "notes")]
            struct Note { meta: verso::Meta }
        },
        "unknown verso attribute `tabel` on an entity type",
    );
}

#[test]
fn field_attributes_are_rejected_on_the_type() {
    assert_error(
        quote! {
            #[verso(json)]
            struct Note { meta: verso::Meta }
        },
        "unknown verso attribute `json` on an entity type",
    );
}

#[test]
fn duplicate_type_attributes_are_rejected() {
    assert_error(
        quote! {
            #[verso(table = "a", table = "b")]
            struct Note { meta: verso::Meta }
        },
        "duplicate verso attribute `table`",
    );
}

#[test]
fn a_stored_name_is_given_once_and_not_empty() {
    assert_error(
        quote! {
            #[verso(name = "A", name = "B")]
            struct Note { meta: verso::Meta }
        },
        "duplicate verso attribute `name`",
    );
    assert_error(
        quote! {
            #[verso(name = "")]
            struct Note { meta: verso::Meta }
        },
        "the type name cannot be empty",
    );
}

#[test]
fn flags_take_no_value() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                #[verso(json = true)]
                tags: Vec<String>,
            }
        ),
        "`json` takes no value",
    );
}

#[test]
fn child_and_json_on_one_field_are_rejected() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                #[verso(child, json)]
                items: Vec<Item>,
            }
        ),
        "a field cannot be both `child` and `json`",
    );
}

#[test]
fn child_and_json_in_separate_attributes_are_rejected() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                #[verso(json)]
                #[verso(child)]
                items: Vec<Item>,
            }
        ),
        "a field cannot be both `json` and `child`",
    );
}

#[test]
fn empty_table_names_are_rejected() {
    assert_error(
        quote! {
            #[verso(table = "")]
            struct Note { meta: verso::Meta }
        },
        "the table name cannot be empty",
    );
}

#[test]
fn metadata_column_names_are_reserved() {
    for name in ["id", "ecs_id", "lineage_id", "parent_id", "created_at"] {
        let field = syn::Ident::new(name, proc_macro2::Span::call_site());
        assert_error(
            quote!(struct Note { meta: verso::Meta, #field: String }),
            &format!("a field cannot be named `{name}`"),
        );
    }
}

#[test]
fn reserved_names_apply_to_json_columns_too() {
    assert_error(
        quote!(
            struct Note {
                meta: verso::Meta,
                #[verso(json)]
                id: Vec<u8>,
            }
        ),
        "a field cannot be named `id`",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let messages = errors(quote! {
        #[verso(tabel = "x")]
        struct Note { #[verso(skip)] id: String }
    });
    assert_eq!(messages.len(), 4, "{messages:#?}");
}

// Polymorphic entities: `#[derive(Entity)]` on an enum.

#[test]
fn generic_enums_are_rejected() {
    assert_error(
        quote!(
            enum Tool<T> {
                A(T),
            }
        ),
        "generic entity types are not supported",
    );
}

#[test]
fn where_clauses_are_rejected() {
    assert_error(
        quote!(
            enum Tool
            where
                A: Clone,
            {
                A(A),
            }
        ),
        "generic entity types are not supported",
    );
}

#[test]
fn empty_enums_are_rejected() {
    assert_error(
        quote!(
            enum Tool {}
        ),
        "a polymorphic entity needs at least one variant",
    );
}

#[test]
fn unit_variants_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                A(A),
                None,
            }
        ),
        "unit variants are not supported",
    );
}

#[test]
fn struct_like_variants_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                A { meta: verso::Meta, name: String },
            }
        ),
        "struct-like variants are not supported",
    );
}

#[test]
fn variants_with_several_fields_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                A(A, String),
            }
        ),
        "variant `A` has 2 fields",
    );
}

#[test]
fn variants_with_no_field_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                A(),
            }
        ),
        "variant `A` holds no entity",
    );
}

#[test]
fn duplicate_default_discriminators_are_rejected() {
    // `HttpCall` and `HTTPCall` are both "http_call".
    assert_error(
        quote!(
            enum Tool {
                HttpCall(A),
                HTTPCall(B),
            }
        ),
        r#"variants `HttpCall` and `HTTPCall` are both stored as "http_call""#,
    );
}

#[test]
fn duplicate_explicit_discriminators_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                Callable(A),
                #[verso(variant = "callable")]
                Other(B),
            }
        ),
        r#"variants `Callable` and `Other` are both stored as "callable""#,
    );
}

#[test]
fn empty_discriminators_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                #[verso(variant = "")]
                A(A),
            }
        ),
        "the discriminator cannot be empty",
    );
}

#[test]
fn duplicate_variant_attributes_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                #[verso(variant = "a", variant = "b")]
                A(A),
            }
        ),
        "duplicate verso attribute `variant`",
    );
}

#[test]
fn unknown_enum_attributes_are_rejected() {
    assert_error(
        quote! {
            #[verso(tabel = "tools")]
            enum Tool { A(A) }
        },
        "unknown verso attribute `tabel` on an entity type",
    );
}

#[test]
fn unknown_variant_attributes_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                #[verso(rename = "a")]
                A(A),
            }
        ),
        r#"unknown verso attribute `rename` on an enum variant; expected `variant = "..."`"#,
    );
}

#[test]
fn field_attributes_on_variants_are_rejected_with_a_hint() {
    assert_error(
        quote!(
            enum Tool {
                #[verso(child)]
                A(A),
            }
        ),
        "field attributes belong on the fields of the variant's entity struct",
    );
}

#[test]
fn attributes_on_the_field_of_a_variant_are_rejected() {
    assert_error(
        quote!(
            enum Tool {
                A(#[verso(json)] A),
            }
        ),
        "verso attributes are not supported on the field of an enum variant",
    );
}

#[test]
fn every_enum_problem_is_reported_at_once() {
    let messages = errors(quote! {
        #[verso(tabel = "x")]
        enum Tool {
            A(A),
            #[verso(variant = "a", skip)]
            B(B),
            C,
            D { x: X },
            E(E, F),
        }
    });
    assert_eq!(messages.len(), 6, "{messages:#?}");
}

// `#[derive(Field)]`.

#[test]
fn field_variants_with_data_are_rejected() {
    assert_field_error(
        quote!(
            enum Role {
                User,
                Custom(String),
            }
        ),
        "variant `Custom` holds data",
    );
    assert_field_error(
        quote!(
            enum Role {
                User,
                Custom { name: String },
            }
        ),
        "variant `Custom` holds data",
    );
}

#[test]
fn generic_field_enums_are_rejected() {
    assert_field_error(
        quote!(
            enum Role<T> {
                User,
                Other(T),
            }
        ),
        "generic field types are not supported",
    );
}

#[test]
fn empty_field_enums_are_rejected() {
    assert_field_error(
        quote!(
            enum Role {}
        ),
        "an enum without variants has no value to store",
    );
}

#[test]
fn field_structs_are_rejected() {
    assert_field_error(
        quote!(
            struct Role {
                name: String,
            }
        ),
        "`#[derive(Field)]` supports enums of unit variants only",
    );
}

#[test]
fn field_unions_are_rejected() {
    assert_field_error(
        quote!(
            union Role {
                a: u32,
            }
        ),
        "`#[derive(Field)]` supports enums of unit variants only, not unions",
    );
}

#[test]
fn duplicate_stored_names_are_rejected() {
    assert_field_error(
        quote!(
            enum Role {
                User,
                #[verso(rename = "user")]
                Human,
            }
        ),
        r#"variants `User` and `Human` are both stored as "user""#,
    );
}

#[test]
fn empty_stored_names_are_rejected() {
    assert_field_error(
        quote!(
            enum Role {
                #[verso(rename = "")]
                User,
            }
        ),
        "the stored name cannot be empty",
    );
}

#[test]
fn unknown_field_variant_attributes_are_rejected() {
    assert_field_error(
        quote!(
            enum Role {
                #[verso(variant = "u")]
                User,
            }
        ),
        r#"unknown verso attribute `variant` on an enum variant; expected `rename = "..."`"#,
    );
}

#[test]
fn table_is_rejected_on_a_field_type() {
    assert_field_error(
        quote! {
            #[verso(table = "roles")]
            enum Role { User }
        },
        r#"unknown verso attribute `table` on a field type; expected `crate = "..."`"#,
    );
}

#[test]
fn every_field_enum_problem_is_reported_at_once() {
    let messages = field_errors(quote! {
        #[verso(table = "x")]
        enum Role {
            User,
            #[verso(rename = "user")]
            Human,
            Custom(String),
        }
    });
    assert_eq!(messages.len(), 3, "{messages:#?}");
}
