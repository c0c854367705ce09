//! Type identity: which stored type a Rust type is. Two types of one name
//! in different modules are told apart or refused; a renamed type keeps
//! its history by declaring its stored name; names PostgreSQL would cut
//! short are refused up front.

use verso::{Entity, Error, Meta, Store};

mod inbox {
    use verso::{Entity, Meta};
    /// A note of the inbox.
    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Note {
        pub meta: Meta,
        pub text: String,
    }
}

mod archive {
    use verso::{Entity, Meta};
    /// Another `Note`, in another module, with the same fields: before,
    /// it silently shared the first one's table and catalog entry.
    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Note {
        pub meta: Meta,
        pub text: String,
    }

    /// The same, kept apart by its own stored name (and so its table).
    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(name = "ArchivedNote")]
    pub struct KeptApart {
        pub meta: Meta,
        pub text: String,
    }

    /// Claims the inbox's stored name, in a table of its own.
    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(name = "Note", table = "archive_notes")]
    pub struct SameNameOtherTable {
        pub meta: Meta,
        pub text: String,
    }
}

mod before_rename {
    use verso::{Entity, Meta};
    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Contact {
        pub meta: Meta,
        pub email: String,
    }
}

mod after_rename {
    use verso::{Entity, Meta};
    /// `Contact`, renamed in Rust; its stored name stays.
    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(name = "Contact")]
    pub struct Person {
        pub meta: Meta,
        pub email: String,
    }
}

/// A field whose name is longer than PostgreSQL's 63-byte identifiers.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Verbose {
    pub meta: Meta,
    pub the_number_of_tokens_the_model_was_allowed_to_spend_on_this_answer: i64,
}

pub async fn two_types_of_one_name_in_different_modules_are_refused_naming_both(store: &Store) {
    store.register::<inbox::Note>().await.unwrap();
    match store.register::<archive::Note>().await {
        Err(Error::TypeCollision {
            name,
            table,
            first,
            second,
        }) => {
            assert_eq!((name.as_str(), table.as_str()), ("Note", "note"));
            assert!(first.ends_with("inbox::Note"), "{first}");
            assert!(second.ends_with("archive::Note"), "{second}");
        }
        other => panic!("expected a TypeCollision, got {other:?}"),
    }
    match store.register::<archive::SameNameOtherTable>().await {
        Err(Error::TypeCollision { second, .. }) => {
            assert!(second.ends_with("archive::SameNameOtherTable"), "{second}")
        }
        other => panic!("one name has one table: expected a TypeCollision, got {other:?}"),
    }

    let mut kept = archive::KeptApart {
        meta: Meta::new(),
        text: "archived".into(),
    };
    store.commit(&mut kept).await.expect("a name of its own");
    let mut note = inbox::Note {
        meta: Meta::new(),
        text: "inbox".into(),
    };
    store.commit(&mut note).await.unwrap();
    let names: Vec<String> = store
        .driver()
        .catalog()
        .await
        .unwrap()
        .expect("a catalog")
        .into_iter()
        .map(|entry| format!("{} in {}", entry.type_name, entry.table_name))
        .collect();
    assert!(names.contains(&"Note in note".to_string()), "{names:?}");
    assert!(
        names.contains(&"ArchivedNote in archived_note".to_string()),
        "{names:?}"
    );
}

pub async fn a_renamed_type_reads_the_versions_of_its_old_name(store: &Store) {
    let mut old = before_rename::Contact {
        meta: Meta::new(),
        email: "ada@example.org".into(),
    };
    store.commit(&mut old).await.unwrap();

    let mut renamed: after_rename::Person = store.get(old.meta.ecs_id()).await.unwrap();
    assert_eq!(renamed.email, "ada@example.org");
    assert_eq!(after_rename::Person::entity_type().table, "contact");
    renamed.email = "ada@lovelace.org".into();
    store.commit(&mut renamed).await.unwrap();

    let history = store
        .versions::<after_rename::Person>(old.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "one lineage across the rename");
    let latest: before_rename::Contact = store.latest(old.meta.lineage_id()).await.unwrap();
    assert_eq!(latest.email, "ada@lovelace.org");
}

pub async fn a_field_name_longer_than_63_bytes_is_refused_naming_it(store: &Store) {
    let field = "the_number_of_tokens_the_model_was_allowed_to_spend_on_this_answer";
    assert!(field.len() > 63);
    match store.register::<Verbose>().await {
        Err(Error::SchemaMismatch {
            table,
            column,
            detail,
        }) => {
            assert_eq!((table.as_str(), column.as_str()), ("verbose", field));
            assert!(detail.contains("63 bytes"), "{detail}");
        }
        other => panic!("expected a SchemaMismatch naming the field, got {other:?}"),
    }
    let mut verbose = Verbose {
        meta: Meta::new(),
        the_number_of_tokens_the_model_was_allowed_to_spend_on_this_answer: 1,
    };
    assert!(store.commit(&mut verbose).await.is_err(), "nor committed");
}
