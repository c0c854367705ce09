//! The SQLite driver's upgrade of a database of Verso's first storage
//! layout, seen in the database itself: which tables and indexes it
//! leaves, and that they hold what the report counts. What the upgraded
//! database reads back is checked through the facade, with the fixture's
//! entity types (`crates/verso/tests/upgrade.rs`).

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use uuid::Uuid;
use verso_core::{Driver, Error};
use verso_sqlite::SqliteDriver;

/// A private copy of the fixture, removed (with its WAL files) on drop.
struct Copy(PathBuf);

impl Copy {
    fn of_fixture(name: &str) -> Copy {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layout1.db");
        let path = std::env::temp_dir().join(format!(
            "verso-sqlite-upgrade-{}-{name}.db",
            Uuid::new_v4().simple()
        ));
        std::fs::copy(fixture, &path).unwrap();
        Copy(path)
    }

    fn connection(&self) -> Connection {
        Connection::open(&self.0).unwrap()
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn names(conn: &Connection, kind: &str) -> Vec<String> {
    conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = ?1 AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .unwrap()
    .query_map([kind], |r| r.get(0))
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn count(conn: &Connection, table: &str) -> u64 {
    let rows: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap();
    rows.try_into().unwrap()
}

const ENTITY_TABLES: [&str; 6] = [
    "chat_message",
    "chat_thread",
    "document",
    "note",
    "paragraph",
    "section",
];

#[tokio::test]
async fn the_link_table_and_old_indexes_are_replaced_by_this_layout() {
    let copy = Copy::of_fixture("schema");
    let before = copy.connection();
    let links = count(&before, "verso_links");
    let versions: u64 = ENTITY_TABLES.iter().map(|t| count(&before, t)).sum();
    let entity_rows: Vec<String> = ENTITY_TABLES
        .iter()
        .map(|t| {
            before
                .query_row(
                    &format!("SELECT group_concat(ecs_id || coalesce(parent_id, '')) FROM (SELECT * FROM {t} ORDER BY id)"),
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        })
        .collect();
    drop(before);

    let driver = SqliteDriver::open(&copy.0).unwrap();
    let report = driver.upgrade().await.unwrap();
    assert!(report.upgraded);
    assert_eq!(report.links_read, links);
    assert_eq!(report.versions, versions);

    let after = copy.connection();
    let tables = names(&after, "table");
    assert!(!tables.contains(&"verso_links".to_string()), "{tables:?}");
    for shared in [
        "verso_lists",
        "verso_chunks",
        "verso_list_changes",
        "verso_heads",
    ] {
        assert!(
            tables.contains(&shared.to_string()),
            "{shared} in {tables:?}"
        );
    }
    let indexes = names(&after, "index");
    for table in ENTITY_TABLES {
        assert!(
            !indexes.contains(&format!("{table}_lineage_id_idx")),
            "{indexes:?}"
        );
        for index in ["ecs_id_key", "lineage_idx", "parent_id_idx"] {
            assert!(
                indexes.contains(&format!("{table}_{index}")),
                "{table}_{index}: {indexes:?}"
            );
        }
    }
    assert_eq!(count(&after, "verso_lists"), report.lists);
    assert_eq!(count(&after, "verso_chunks"), report.chunks);
    let tall: i64 = after
        .query_row(
            "SELECT count(*) FROM verso_lists WHERE height > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(tall > 0, "the long thread's list is a chunk tree");
    let heads = count(&after, "verso_heads");
    assert!(
        heads > 0 && heads < versions,
        "{heads} heads of {versions} versions"
    );
    // Every version's row is as it was.
    let unchanged: Vec<String> = ENTITY_TABLES
        .iter()
        .map(|t| {
            after
                .query_row(
                    &format!("SELECT group_concat(ecs_id || coalesce(parent_id, '')) FROM (SELECT * FROM {t} ORDER BY id)"),
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        })
        .collect();
    assert_eq!(unchanged, entity_rows);
    let catalog = driver.catalog().await.unwrap().unwrap();
    assert_eq!(catalog.len(), ENTITY_TABLES.len());

    // Upgraded once: a second upgrade changes nothing.
    let again = driver.upgrade().await.unwrap();
    assert!(!again.upgraded);
    assert_eq!(count(&after, "verso_lists"), report.lists);
}

#[tokio::test]
async fn a_database_holding_both_layouts_is_refused() {
    let copy = Copy::of_fixture("both");
    copy.connection()
        .execute_batch("CREATE TABLE verso_heads (lineage_id TEXT, ecs_id TEXT)")
        .unwrap();
    let driver = SqliteDriver::open(&copy.0).unwrap();
    let error = driver.upgrade().await.unwrap_err();
    assert!(
        matches!(&error, Error::SchemaMismatch { table, .. } if table == "verso_heads"),
        "{error:?}"
    );
    let conn = copy.connection();
    assert!(names(&conn, "table").contains(&"verso_links".to_string()));
    assert_eq!(count(&conn, "verso_heads"), 0);
}

#[tokio::test]
async fn a_read_only_database_cannot_be_upgraded_and_is_left_as_it_was() {
    let copy = Copy::of_fixture("read-only");
    let driver = SqliteDriver::open_read_only(&copy.0).unwrap();
    let error = driver.upgrade().await.unwrap_err();
    // It reads everything and plans, then fails at its first write.
    assert!(matches!(error, Error::Database { .. }), "{error:?}");
    assert!(error.to_string().contains("readonly"), "{error}");
    drop(driver);
    let conn = copy.connection();
    assert!(names(&conn, "table").contains(&"verso_links".to_string()));
    assert!(!names(&conn, "table").contains(&"verso_lists".to_string()));
}

#[tokio::test]
async fn an_outdated_database_is_refused_by_ensure_tables() {
    let copy = Copy::of_fixture("ensure");
    let driver = SqliteDriver::open(&copy.0).unwrap();
    let catalog = driver.catalog().await.unwrap().unwrap();
    let types: Vec<_> = catalog.iter().map(|e| e.entity_type().unwrap()).collect();
    let error = driver.ensure_tables(&types).await.unwrap_err();
    assert!(error.to_string().contains("verso upgrade"), "{error}");
    driver.upgrade().await.unwrap();
    driver.ensure_tables(&types).await.unwrap();
}
