//! What `#[derive(Entity)]` generates for valid structs and enums, and
//! `#[derive(Field)]` for valid enums: snapshots of the pretty-printed
//! expansion, and focused checks of single rules.

use proc_macro2::TokenStream;
use quote::quote;

/// The pretty-printed expansion of `#[derive(Entity)]` on `input`.
fn expand(input: TokenStream) -> String {
    pretty(verso_codegen::expand_entity, input)
}

/// The pretty-printed expansion of `#[derive(Field)]` on `input`.
fn expand_field(input: TokenStream) -> String {
    pretty(verso_codegen::expand_field, input)
}

/// The pretty-printed expansion of the derive `derive` on `input`.
fn pretty(derive: fn(syn::DeriveInput) -> syn::Result<TokenStream>, input: TokenStream) -> String {
    let input = syn::parse2(input).expect("test input is a valid item");
    let tokens = derive(input).expect("expansion succeeds");
    let file: syn::File = syn::parse2(tokens).expect("expansion is a valid file");
    prettyplease::unparse(&file)
}

#[test]
fn representative_entity_expands_to_node_and_entity_impls() {
    insta::assert_snapshot!(expand(quote! {
        #[derive(Clone, Debug, verso::Entity)]
        #[verso(table = "threads")]
        pub struct ChatThread {
            pub meta: verso::Meta,
            pub name: String,
            pub archived: bool,
            pub topic: Option<String>,
            pub parent: Option<verso::Ref<ChatThread>>,
            #[verso(json)]
            pub settings: std::collections::BTreeMap<String, String>,
            #[verso(child)]
            pub system_prompt: Prompt,
            #[verso(child)]
            pub summary: Option<Summary>,
            #[verso(child)]
            pub history: Vec<ChatMessage>,
            pub created_by: verso::Ref<User>,
        }
    }));
}

#[test]
fn custom_crate_path_is_used_for_every_verso_item() {
    insta::assert_snapshot!(expand(quote! {
        #[verso(crate = "crate::storage::verso")]
        struct Note {
            meta: Meta,
            text: String,
            #[verso(json)]
            tags: Vec<String>,
            #[verso(child)]
            attachments: Vec<Attachment>,
        }
    }));
}

#[test]
fn entity_without_columns_or_children_expands_warning_free() {
    insta::assert_snapshot!(expand(quote! {
        struct Marker {
            meta: verso::Meta,
        }
    }));
}

#[test]
fn table_name_defaults_to_snake_case() {
    let out = expand(quote! {
        struct ChatThread { meta: verso::Meta }
    });
    assert!(out.contains(r#"table: "chat_thread","#), "{out}");
    assert!(out.contains(r#"name: "ChatThread","#), "{out}");
}

#[test]
fn table_attribute_overrides_the_table_name() {
    let out = expand(quote! {
        #[verso(table = "threads")]
        struct ChatThread { meta: verso::Meta }
    });
    assert!(out.contains(r#"table: "threads","#), "{out}");
}

#[test]
fn crate_path_defaults_to_verso() {
    let out = expand(quote! {
        struct Note { meta: verso::Meta, text: String }
    });
    assert!(out.contains("impl ::verso::Node for Note"), "{out}");
    assert!(out.contains("impl ::verso::Entity for Note"), "{out}");
}

#[test]
fn column_and_child_indexes_count_separately_in_declaration_order() {
    let out = expand(quote! {
        struct Mixed {
            #[verso(child)] first_child: Vec<A>,
            a: String,
            meta: verso::Meta,
            #[verso(child)] second_child: Option<B>,
            #[verso(json)] b: Vec<u8>,
            c: i64,
        }
    });
    for expected in [
        "first_child: assembly.children::<Vec<A>>(row, 0)?",
        "a: assembly.column::<String>(row, 0)?",
        "second_child: assembly.children::<Option<B>>(row, 1)?",
        "b: assembly.json_column(row, 1)?",
        "c: assembly.column::<i64>(row, 2)?",
        "visit(0, child)",
        "visit(1, child)",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[test]
fn raw_identifier_fields_are_stored_under_their_plain_name() {
    let out = expand(quote! {
        struct Token { meta: verso::Meta, r#type: String }
    });
    assert!(out.contains(r#"name: "type","#), "{out}");
    assert!(
        out.contains("r#type: assembly.column::<String>(row, 0)?"),
        "{out}"
    );
}

#[test]
fn meta_field_is_found_by_its_type_whatever_its_name() {
    let out = expand(quote! {
        struct Note { version: Meta, text: String }
    });
    assert!(out.contains("&self.version"), "{out}");
    assert!(out.contains("version: assembly.meta(row)"), "{out}");
    assert!(!out.contains(r#"name: "version""#), "{out}");
}

#[test]
fn meta_attribute_marks_the_metadata_field() {
    let out = expand(quote! {
        struct Note { #[verso(meta)] m: VersionInfo, text: String }
    });
    assert!(out.contains("&mut self.m"), "{out}");
    assert!(out.contains("m: assembly.meta(row)"), "{out}");
    assert!(!out.contains(r#"name: "m""#), "{out}");
}

#[test]
fn json_columns_are_nullable_json_without_reference() {
    let out = expand(quote! {
        struct Note { meta: verso::Meta, #[verso(json)] tags: Vec<String> }
    });
    assert!(out.contains("ty: ::verso::ColumnType::Json"), "{out}");
    assert!(out.contains("nullable: true"), "{out}");
    assert!(
        out.contains("references: ::std::option::Option::None"),
        "{out}"
    );
}

#[test]
fn self_in_field_types_is_replaced_by_the_type_name() {
    // Field types are used inside `static` items, where `Self` is unavailable.
    let out = expand(quote! {
        struct Node2 {
            meta: verso::Meta,
            parent: Option<verso::Ref<Self>>,
            #[verso(child)] replies: Vec<Self>,
        }
    });
    assert!(
        out.contains("<Option<verso::Ref<Node2>> as ::verso::Field>::COLUMN"),
        "{out}"
    );
    assert!(
        out.contains("<Vec<Node2> as ::verso::Children>::KIND"),
        "{out}"
    );
}

#[test]
fn attributes_may_be_split_over_several_verso_attributes() {
    let out = expand(quote! {
        #[verso(table = "t")]
        #[verso(crate = "my_verso")]
        #[derive(Clone)]
        struct Note { meta: verso::Meta, #[doc = "x"] #[verso()] text: String }
    });
    assert!(out.contains(r#"table: "t","#), "{out}");
    assert!(out.contains("impl my_verso::Entity for Note"), "{out}");
}

/// Whether `out` contains `expected`, whitespace aside (the pretty printer
/// breaks long lines, adds trailing commas and wraps match arms in braces
/// where it sees fit).
fn contains_code(out: &str, expected: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .replace(",}", "}")
            .replace(",)", ")")
    };
    squash(out).contains(&squash(expected))
}

// Polymorphic entities: `#[derive(Entity)]` on an enum.

#[test]
fn polymorphic_entity_expands_to_layout_node_and_entity_impls() {
    insta::assert_snapshot!(expand(quote! {
        #[derive(Clone, Debug, verso::Entity)]
        #[verso(table = "tools")]
        pub enum Tool {
            Callable(CallableTool),
            #[verso(variant = "structured_v2")]
            Structured(StructuredTool),
            HttpCall(crate::tools::HttpCallTool),
        }
    }));
}

#[test]
fn polymorphic_entity_with_custom_crate_path() {
    insta::assert_snapshot!(expand(quote! {
        #[verso(crate = "crate::storage::verso")]
        enum Shape {
            Circle(Circle),
        }
    }));
}

#[test]
fn polymorphic_table_defaults_to_snake_case_of_the_enum_name() {
    let out = expand(quote! {
        enum ToolKind { A(A) }
    });
    assert!(
        contains_code(
            &out,
            r#"::verso::Polymorphic::new("ToolKind", "tool_kind", "#
        ),
        "{out}"
    );
}

#[test]
fn discriminators_default_to_snake_case_of_the_variant_name() {
    let out = expand(quote! {
        enum Tool { Callable(A), HTTPCall(B), r#Type(C), #[verso(variant = "Custom")] Other(D) }
    });
    for expected in [
        r#"("callable", <A as ::verso::Entity>::entity_type())"#,
        r#"("http_call", <B as ::verso::Entity>::entity_type())"#,
        r#"("type", <C as ::verso::Entity>::entity_type())"#,
        r#"("Custom", <D as ::verso::Entity>::entity_type())"#,
    ] {
        assert!(
            contains_code(&out, expected),
            "missing `{expected}` in:\n{out}"
        );
    }
}

#[test]
fn variant_indexes_follow_declaration_order() {
    let out = expand(quote! {
        enum Tool { A(Alpha), B(Beta), C(Gamma) }
    });
    for expected in [
        "Self::A(node) => Self::__verso_layout().column_values(0, node)",
        "Self::B(node) => Self::__verso_layout().column_values(1, node)",
        "Self::C(node) => Self::__verso_layout().column_values(2, node)",
        "Self::C(node) => Self::__verso_layout().for_each_child_mut(2, node, visit)",
        "2 => { ::std::result::Result::Ok(Self::C(layout.decode::<Gamma>(2, row, assembly)?)) }",
    ] {
        assert!(
            contains_code(&out, expected),
            "missing `{expected}` in:\n{out}"
        );
    }
}

#[test]
fn two_variants_may_wrap_the_same_entity_type() {
    let out = expand(quote! {
        enum Draft { Open(Note), Closed(Note) }
    });
    assert!(
        out.contains(r#"("open", <Note as ::verso::Entity>::entity_type())"#),
        "{out}"
    );
    assert!(
        out.contains(r#"("closed", <Note as ::verso::Entity>::entity_type())"#),
        "{out}"
    );
}

// `#[derive(Field)]` on an enum of unit variants.

#[test]
fn field_enum_expands_to_a_text_field() {
    insta::assert_snapshot!(expand_field(quote! {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, verso::Field)]
        pub enum MessageRole {
            System,
            User,
            Assistant,
            #[verso(rename = "tool")]
            ToolResult,
        }
    }));
}

#[test]
fn field_enum_names_default_to_snake_case_without_raw_prefix() {
    let out = expand_field(quote! {
        enum Kind { ToolCall, HTTPRequest, r#Type, #[verso(rename = "As Written")] Other }
    });
    for expected in [
        r#"Self::ToolCall => "tool_call""#,
        r#"Self::HTTPRequest => "http_request""#,
        r#"Self::r#Type => "type""#,
        r#"Self::Other => "As Written""#,
        r#""tool_call" => ::std::result::Result::Ok(Self::ToolCall)"#,
        r#""As Written" => ::std::result::Result::Ok(Self::Other)"#,
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[test]
fn field_enum_error_lists_the_stored_names_outside_the_format_string() {
    // Stored names are format arguments, so braces in them need no escaping.
    let out = expand_field(quote! {
        enum Odd { #[verso(rename = "{x}")] A, B }
    });
    assert!(
        out.contains(r#""unknown Odd variant {:?}; expected one of {}","#),
        "{out}"
    );
    assert!(out.contains(r#""\"{x}\", \"b\"""#), "{out}");
}

#[test]
fn field_enum_uses_the_crate_path() {
    let out = expand_field(quote! {
        #[verso(crate = "my_verso")]
        enum Role { User }
    });
    assert!(out.contains("impl my_verso::Field for Role"), "{out}");
    assert!(
        out.contains("const COLUMN: my_verso::ColumnType = my_verso::ColumnType::Text;"),
        "{out}"
    );
    assert!(!out.contains("::verso::"), "{out}");
}

#[test]
fn field_enum_accepts_explicit_discriminants() {
    let out = expand_field(quote! {
        #[repr(u8)]
        enum Role { User = 1, Assistant = 2 }
    });
    assert!(out.contains(r#"Self::Assistant => "assistant""#), "{out}");
}
