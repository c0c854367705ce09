//! Every lookup and the load's walk are answered by an index: their query
//! plans search, never scan, the tables that grow with the history.

use crate::dialect::Sqlite;
use crate::SqliteDriver;
use rusqlite::Connection;
use uuid::Uuid;
use verso_core::{
    ChildField, ChildKind, ChunkRow, ChunkedList, Column, ColumnType, CommitPlan, Driver,
    EntityType, ListRow, LoadRequest, Lookup, NewVersion, RefKind, Reference, TableBatch, TypeRef,
    Value,
};
use verso_sql::storage;

static NOTE: EntityType = EntityType {
    name: "Note",
    table: "notes",
    origin: verso_core::Origin::UNKNOWN,
    columns: &[
        Column {
            name: "body",
            ty: ColumnType::Text,
            nullable: false,
            references: None,
        },
        Column {
            name: "reply_to",
            ty: ColumnType::Uuid,
            nullable: true,
            references: Some(Reference::one(TypeRef::Named("Note"), RefKind::Version)),
        },
    ],
    children: &[ChildField {
        name: "notes",
        kind: ChildKind::Many,
        target: TypeRef::Named("Note"),
    }],
    variants: &[],
};

/// A file database with the tables of [`NOTE`], and a second connection
/// to it for `EXPLAIN QUERY PLAN`.
async fn database() -> (tempfile_path::TempPath, Connection) {
    let path = tempfile_path::TempPath::new();
    let driver = SqliteDriver::open(path.path()).unwrap();
    driver.ensure_tables(&[&NOTE]).await.unwrap();
    let conn = Connection::open(path.path()).unwrap();
    (path, conn)
}

/// The plan's detail lines.
fn plan(conn: &Connection, sql: &str, params: usize) -> Vec<String> {
    let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Value::Null; params];
    statement
        .query_map(rusqlite::params_from_iter(nulls), |row| {
            row.get::<_, String>(3)
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// No table that grows with the history is scanned; `expected` indexes
/// are searched.
fn assert_indexed(lines: &[String], expected: &[&str]) {
    let grows = [
        "notes",
        storage::LISTS_TABLE,
        storage::CHUNKS_TABLE,
        storage::CHANGES_TABLE,
        storage::HEADS_TABLE,
    ];
    for line in lines {
        let scanned = line
            .strip_prefix("SCAN ")
            .map(|rest| rest.split_whitespace().next().unwrap_or(""));
        assert!(
            !scanned
                .is_some_and(|t| grows.contains(&t) || ["v", "s", "h", "c", "l", "x"].contains(&t)),
            "a scan in {lines:#?}"
        );
    }
    for index in expected {
        assert!(
            lines.iter().any(|l| l.contains(index)),
            "{index} unused in {lines:#?}"
        );
    }
}

fn lookups() -> Vec<(Lookup, &'static [&'static str])> {
    let id = Uuid::nil();
    vec![
        (
            Lookup::Newest {
                lineage_id: id,
                at: None,
            },
            &["notes_lineage_idx"],
        ),
        (
            Lookup::Newest {
                lineage_id: id,
                at: Some(chrono::DateTime::UNIX_EPOCH),
            },
            &["notes_lineage_idx"],
        ),
        (
            Lookup::Heads { lineage_id: id },
            &["PRIMARY KEY", "notes_ecs_id_key"],
        ),
        (Lookup::Ancestors { ecs_id: id }, &["notes_ecs_id_key"]),
        (
            Lookup::Versions {
                lineage_id: id,
                after: Some((chrono::DateTime::UNIX_EPOCH, 1)),
                limit: Some(50),
            },
            &["notes_lineage_idx"],
        ),
        (
            Lookup::Containing {
                field: "notes",
                child: id,
            },
            &["PRIMARY KEY", "notes_parent_id_idx", "notes_ecs_id_key"],
        ),
    ]
}

#[tokio::test]
async fn every_lookup_searches_an_index() {
    let (_path, conn) = database().await;
    for (lookup, indexes) in lookups() {
        let (sql, params) = storage::lookup(&NOTE, &lookup, &Sqlite);
        assert_indexed(&plan(&conn, &sql, params.len()), indexes);
    }
    let gained = storage::gained_children(&NOTE, &Sqlite);
    assert_indexed(
        &plan(&conn, &gained, 2),
        &["notes_lineage_idx", "verso_list_changes_parent_idx"],
    );
}

#[tokio::test]
async fn every_walk_searches_lists_and_chunks_by_key() {
    let (_path, conn) = database().await;
    for single_root in [true, false] {
        for nested in [true, false] {
            let shape = storage::WalkShape {
                single_root,
                nested,
            };
            let lines = plan(
                &conn,
                crate::sql::walk_lists(shape),
                1 + usize::from(nested),
            );
            assert_indexed(&lines, &["PRIMARY KEY (parent_ecs_id=?)", "(chunk_id=?)"]);
        }
    }
}

#[tokio::test]
async fn the_branch_check_and_referencing_search_their_indexes() {
    let (_path, conn) = database().await;
    let forks = verso_sql::forks_of(&NOTE, &Sqlite).to_string(sea_query::SqliteQueryBuilder);
    assert_indexed(&plan(&conn, &forks, 1), &["notes_parent_id_idx"]);
    // `referencing`: who points here, newest version of each lineage.
    let query = verso_core::VersionQuery::in_column("reply_to").newest();
    let referencing =
        verso_sql::select_versions(&NOTE, &query, &Sqlite).to_string(sea_query::SqliteQueryBuilder);
    assert_indexed(
        &plan(&conn, &referencing, 1),
        &["notes_reply_to_idx", "notes_lineage_idx"],
    );
}

#[tokio::test]
async fn the_reference_check_searches_the_version_and_lineage_indexes() {
    let (_path, conn) = database().await;
    for (column, index) in [
        ("ecs_id", "notes_ecs_id_key"),
        ("lineage_id", "notes_lineage_idx"),
    ] {
        let sql = verso_sql::stored_ids(&NOTE, column, &Sqlite);
        assert_indexed(&plan(&conn, &sql, 1), &[index]);
    }
}

#[tokio::test]
async fn the_commit_lookups_search_their_indexes() {
    use verso_sql::commits::{self, COMMITS_TABLE, COMMIT_VERSIONS_TABLE};
    let (_path, conn) = database().await;
    let no_scan = |lines: &[String]| {
        for line in lines {
            let scanned = line.strip_prefix("SCAN ").unwrap_or("");
            assert!(
                ![COMMITS_TABLE, COMMIT_VERSIONS_TABLE, "c", "l"]
                    .iter()
                    .any(|t| scanned.split_whitespace().next() == Some(t)),
                "a scan in {lines:#?}"
            );
        }
    };
    let record = plan(&conn, &commits::commit_record(&Sqlite), 1);
    no_scan(&record);
    assert!(
        record
            .iter()
            .any(|l| l.contains("sqlite_autoindex_verso_commits")),
        "{record:#?}"
    );
    let versions = plan(&conn, &commits::commit_versions(&Sqlite), 1);
    no_scan(&versions);
    assert!(
        versions
            .iter()
            .any(|l| l.contains("verso_commit_versions_commit_idx")),
        "{versions:#?}"
    );
    let lineage = plan(&conn, &commits::lineage_commits(&Sqlite), 1);
    no_scan(&lineage);
    assert!(
        lineage
            .iter()
            .any(|l| l.contains("verso_commit_versions_lineage_idx")),
        "{lineage:#?}"
    );
}

/// A temporary database file, removed on drop.
mod tempfile_path {
    use std::path::{Path, PathBuf};

    pub struct TempPath(PathBuf);

    impl TempPath {
        pub fn new() -> Self {
            let name = format!("verso-plans-{}.db", uuid::Uuid::new_v4());
            TempPath(std::env::temp_dir().join(name))
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }
}

/// Stores a note `parent` whose `notes` list has the root `height` and
/// `entries`, with `chunks` below it, as a commit would (or as a damaged
/// database holds it).
async fn store_list(
    driver: &SqliteDriver,
    parent: Uuid,
    height: usize,
    entries: Vec<Uuid>,
    chunks: Vec<ChunkRow>,
) {
    let plan = CommitPlan {
        batches: vec![TableBatch {
            entity_type: &NOTE,
            rows: vec![NewVersion {
                ecs_id: parent,
                lineage_id: Uuid::new_v4(),
                parent_id: None,
                created_at: chrono::Utc::now(),
                values: vec![Value::Text("root".into()), Value::Null],
            }],
        }],
        lists: vec![ListRow {
            parent,
            field: "notes".into(),
            child_type: "Note".into(),
            height: height as i64,
            entries,
        }],
        chunks,
        ..CommitPlan::default()
    };
    driver.commit(&plan).await.unwrap();
}

#[tokio::test]
async fn the_documented_query_lists_children_in_order() {
    let (path, conn) = database().await;
    let driver = SqliteDriver::open(path.path()).unwrap();
    let parent = Uuid::new_v4();
    let children: Vec<Uuid> = (0..3_000).map(|_| Uuid::new_v4()).collect();
    let built = ChunkedList::build(&children);
    assert!(
        built.shape.height() >= 2,
        "a list deep enough to test the order"
    );
    let root = built.shape.root().to_vec();
    store_list(&driver, parent, built.shape.height(), root, built.chunks).await;
    let sql = storage::children_in_order(&Sqlite);
    let mut statement = conn.prepare(&sql).unwrap();
    let listed: Vec<Uuid> = statement
        .query_map(rusqlite::params![parent.to_string(), "notes"], |row| {
            row.get::<_, String>(0)
        })
        .unwrap()
        .map(|id| id.unwrap().parse().unwrap())
        .collect();
    assert_eq!(listed, children);
}

#[tokio::test]
async fn a_chunk_listing_itself_ends_the_walk_with_a_decode_error() {
    let (path, _conn) = database().await;
    let driver = SqliteDriver::open(path.path()).unwrap();
    let parent = Uuid::new_v4();
    let looping = Uuid::new_v4();
    // A damaged database: a chunk that lists itself.
    let chunk = ChunkRow {
        id: looping,
        height: 1,
        entries: vec![looping],
    };
    store_list(&driver, parent, 2, vec![looping], vec![chunk]).await;
    let request = LoadRequest {
        root_type: &NOTE,
        roots: vec![parent],
        types: vec![&NOTE],
    };
    let loaded = driver.load(&request).await;
    match loaded.and_then(|rows| verso_core::Assembly::new(&rows).map(|_| ())) {
        Err(verso_core::Error::Decode { id, column, .. }) => {
            assert_eq!((id, column.as_str()), (parent, "notes"));
        }
        other => panic!("expected a decode error naming the list, got {other:?}"),
    }
}

#[tokio::test]
async fn queries_search_the_reference_and_lineage_indexes() {
    use verso_core::{CompareOp, EntityQuery, Filter, QueryColumn};
    let (_path, conn) = database().await;
    let by = |column, value| Filter::Compare {
        column,
        op: CompareOp::Eq,
        value,
    };
    let id = Value::Uuid(Uuid::nil());
    let cases = [
        // Who points here, the newest version of each lineage: the
        // reference index, then one probe of the lineage index each.
        (
            by(QueryColumn::Field("reply_to"), id.clone()),
            &["notes_reply_to_idx", "notes_lineage_idx"],
        ),
        (
            by(QueryColumn::LineageId, id.clone()),
            &["notes_lineage_idx", "notes_lineage_idx"],
        ),
        (
            by(QueryColumn::EcsId, id.clone()),
            &["notes_ecs_id_key", "notes_lineage_idx"],
        ),
    ];
    for (filter, indexes) in cases {
        let query = EntityQuery {
            filter: Some(filter),
            limit: Some(50),
            ..EntityQuery::default()
        };
        let bound = verso_sql::select_query(&NOTE, &query, &Sqlite);
        let sql = bound.select.to_string(sea_query::SqliteQueryBuilder);
        assert_indexed(&plan(&conn, &sql, bound.params.len()), indexes);
        let count = verso_sql::count_query(&NOTE, &query, &Sqlite);
        let sql = count.select.to_string(sea_query::SqliteQueryBuilder);
        assert_indexed(&plan(&conn, &sql, count.params.len()), indexes);
    }
}
