//! The catalog keeps one table per stored type name, across stores and
//! processes: a store that did not register the first type (another
//! process, another deploy) is refused by the database's catalog, not
//! only by the store's memory of its own types.

use verso::{Entity, Error, Meta, Store};
use verso_suite::{Backend, Harness};

mod first {
    use verso::{Entity, Meta};
    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Ticket {
        pub meta: Meta,
        pub title: String,
    }
}

mod second {
    use verso::{Entity, Meta};
    /// Claims `Ticket` in another table.
    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(name = "Ticket", table = "second_tickets")]
    pub struct Ticket {
        pub meta: Meta,
        pub title: String,
    }
}

async fn another_store_cannot_move_a_type_name_to_another_table(harness: &Harness) {
    let mut ticket = first::Ticket {
        meta: Meta::new(),
        title: "first".into(),
    };
    harness.store.commit(&mut ticket).await.unwrap();
    let url = harness
        .database_url()
        .expect("a database other stores open");
    let other = Store::open(&url).await.unwrap();
    match other.register::<second::Ticket>().await {
        Err(Error::SchemaMismatch { table, detail, .. }) => {
            assert_eq!(table, "second_tickets");
            assert!(detail.contains("stored in table ticket"), "{detail}");
        }
        result => panic!("expected a SchemaMismatch, got {result:?}"),
    }
    // The first type's catalog entry still points at its versions.
    let read: first::Ticket = other.get(ticket.meta.ecs_id()).await.unwrap();
    assert_eq!(read, ticket);
    assert_eq!(first::Ticket::entity_type().table, "ticket");
}

macro_rules! on {
    ($($name:ident: $backend:expr),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(harness) = Harness::start($backend).await else {
                    return;
                };
                another_store_cannot_move_a_type_name_to_another_table(&harness).await;
                harness.finish().await;
            }
        )*
    };
}

on! {
    catalog_identity_on_sqlite_file: Backend::SqliteFile,
    catalog_identity_on_postgres: Backend::Postgres,
}
