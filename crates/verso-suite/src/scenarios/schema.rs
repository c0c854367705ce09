//! Tables against types: checks at registration, and new optional fields.

use verso::{Entity, Error, Meta, Store};

/// Successive shapes of one entity type, as a program evolves.
mod shapes {
    use verso::{Entity, Meta};

    pub mod v1 {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Profile", table = "profile")]
        pub struct Profile {
            pub meta: Meta,
            pub name: String,
        }
    }

    /// v1 plus an optional field: Verso adds the column.
    pub mod v2 {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Profile", table = "profile")]
        pub struct Profile {
            pub meta: Meta,
            pub name: String,
            pub nickname: Option<String>,
        }
    }

    /// v1 plus a required field: the store cannot invent values for it.
    pub mod required {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Profile", table = "profile")]
        pub struct Profile {
            pub meta: Meta,
            pub name: String,
            pub age: i64,
        }
    }

    /// `name` changed type.
    pub mod retyped {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Profile", table = "profile")]
        pub struct Profile {
            pub meta: Meta,
            pub name: i64,
        }
    }

    /// Another type claiming the same table.
    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(name = "Account", table = "profile")]
    pub struct Account {
        pub meta: Meta,
        pub name: String,
    }
}

fn assert_mismatch(result: verso::Result<()>, column: &str) {
    match result {
        Err(Error::SchemaMismatch {
            table,
            column: found,
            detail,
        }) => {
            assert_eq!(table, "profile");
            assert_eq!(found, column, "{detail}");
        }
        other => panic!("expected a schema mismatch on profile.{column}, got {other:?}"),
    }
}

async fn stored_v1(store: &Store) -> shapes::v1::Profile {
    let mut profile = shapes::v1::Profile {
        meta: Meta::new(),
        name: "Ada".into(),
    };
    store.commit(&mut profile).await.unwrap();
    profile
}

pub async fn a_new_optional_field_adds_its_column(store: &Store) {
    let old = stored_v1(store).await;
    store
        .register::<shapes::v2::Profile>()
        .await
        .expect("the column is added");
    let read: shapes::v2::Profile = store.get(old.meta.ecs_id()).await.unwrap();
    assert_eq!(read.name, "Ada");
    assert_eq!(
        read.nickname, None,
        "existing versions read the new column as absent"
    );

    let mut edited = read;
    edited.nickname = Some("Countess".into());
    store.commit(&mut edited).await.unwrap();
    let again: shapes::v2::Profile = store.get(edited.meta.ecs_id()).await.unwrap();
    assert_eq!(again.nickname.as_deref(), Some("Countess"));
    let still: shapes::v1::Profile = store.get(old.meta.ecs_id()).await.unwrap();
    assert_eq!(still, old, "the old shape still reads the old version");
}

pub async fn mismatched_tables_are_reported_at_registration(store: &Store) {
    let old = stored_v1(store).await;
    assert_mismatch(store.register::<shapes::required::Profile>().await, "age");
    assert_mismatch(store.register::<shapes::retyped::Profile>().await, "name");
    assert_mismatch(store.register::<shapes::Account>().await, "*");
    let error = store
        .register::<shapes::required::Profile>()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("profile") && error.contains("age"),
        "{error}"
    );

    // Nothing was written: the old shape still works.
    let read: shapes::v1::Profile = store.get(old.meta.ecs_id()).await.unwrap();
    assert_eq!(read, old);
    assert_eq!(
        <shapes::v1::Profile as Entity>::entity_type().table,
        "profile"
    );
}
