//! The PostgreSQL driver's upgrade of a schema of Verso's first storage
//! layout, each test on its own copy of the fixture
//! (`tests/fixtures/README.md`): the schema the first layout's driver
//! created, holding every row of the SQLite fixture
//! `crates/verso-sqlite/tests/fixtures/layout1.db`, so that its manifest,
//! `layout1.json`, says what the upgraded schema must read back.
//!
//! Server: `VERSO_POSTGRES_URL` or `postgres://postgres@127.0.0.1:5432/test`.
//! Without a server the tests print `SKIPPED` and pass, unless
//! `VERSO_REQUIRE_POSTGRES=1`.

mod support;

use rusqlite::OpenFlags;
use serde_json::Value as Json;
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::{plan_of, setup, TestDb, ThreadNode};
use uuid::Uuid;
use verso_core::{
    ChunkedList, CommitPlan, Driver, EntityType, Error, Fault, LoadRequest, LoadedRows, Lookup,
    TableBatch, UpgradeReport, Value,
};
use verso_postgres::PostgresDriver;

/// The first layout's tables, as its driver created them.
const LAYOUT1_SCHEMA: &str = include_str!("fixtures/layout1_schema.sql");

/// The tables of this layout that an upgrade creates.
const SHARED_TABLES: [&str; 4] = [
    "verso_lists",
    "verso_chunks",
    "verso_list_changes",
    "verso_heads",
];

const ENTITY_TABLES: [&str; 6] = [
    "chat_message",
    "chat_thread",
    "document",
    "note",
    "paragraph",
    "section",
];

fn sqlite_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../verso-sqlite/tests/fixtures")
}

// ---------------------------------------------------------------------
// The fixture.

/// A fresh schema holding the first layout's fixture.
async fn layout1() -> Option<TestDb> {
    let db = setup().await?;
    load_layout1(&db).await;
    Some(db)
}

/// Creates the first layout's tables in `db`'s schema and copies every row
/// of the SQLite fixture into them, each value cast from its text to the
/// column's type; then moves each identity past the largest row id, where
/// the first layout's own inserts left it.
async fn load_layout1(db: &TestDb) {
    db.execute(LAYOUT1_SCHEMA).await;
    // Immutable: nothing (no WAL or shared-memory file) is written beside
    // the fixture.
    let path = sqlite_fixtures().join("layout1.db");
    let sqlite = rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", path.display()),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let tables: Vec<String> = sqlite
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(tables, tables_of(db).await, "the fixture's tables");
    for table in &tables {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(db.driver.pool())
        .await
        .unwrap();
        let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
        let sqlite_names: Vec<String> = sqlite
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|name| quoted(&name.unwrap()))
            .collect();
        assert_eq!(names, sqlite_names, "the columns of {table}");

        let select = names
            .iter()
            .map(|name| format!("CAST({name} AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut values: Vec<Vec<Option<String>>> = vec![Vec::new(); columns.len()];
        let mut statement = sqlite
            .prepare(&format!(
                "SELECT {select} FROM {} ORDER BY rowid",
                quoted(table)
            ))
            .unwrap();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, column) in values.iter_mut().enumerate() {
                column.push(row.get(i).unwrap());
            }
        }
        let (arrays, casts): (Vec<String>, Vec<String>) = columns
            .iter()
            .enumerate()
            .map(|(i, (_, data_type))| {
                (format!("${}::text[]", i + 1), format!("c{i}::{data_type}"))
            })
            .unzip();
        let aliases: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
        let insert = format!(
            "INSERT INTO {} ({}) SELECT {} FROM UNNEST({}) AS r({})",
            quoted(table),
            names.join(", "),
            casts.join(", "),
            arrays.join(", "),
            aliases.join(", ")
        );
        let query = values
            .into_iter()
            .fold(sqlx::query(AssertSqlSafe(insert)), |query, column| {
                query.bind(column)
            });
        query.execute(db.driver.pool()).await.unwrap();
        if columns.iter().any(|(name, _)| name == "id") {
            db.execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), max(id)) FROM {0}",
                quoted(table)
            ))
            .await;
        }
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of `db`'s schema, by name.
async fn tables_of(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = $1 ORDER BY 1",
    )
    .bind(&db.schema)
    .fetch_all(db.driver.pool())
    .await
    .unwrap()
}

/// The indexes of `db`'s schema: name and definition.
async fn indexes_of(db: &TestDb) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = $1 \
         ORDER BY 1",
    )
    .bind(&db.schema)
    .fetch_all(db.driver.pool())
    .await
    .unwrap()
}

/// The rows of a table, each as its text, sorted.
async fn rows_of(db: &TestDb, table: &str) -> Vec<String> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT t::text FROM {} t ORDER BY 1",
        quoted(table)
    )))
    .fetch_all(db.driver.pool())
    .await
    .unwrap()
}

/// Everything a failed upgrade must leave as it was: the tables, the
/// indexes and every row of every table.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tables: Vec<String>,
    indexes: Vec<(String, String)>,
    rows: Vec<(String, Vec<String>)>,
}

async fn snapshot(db: &TestDb) -> Snapshot {
    let tables = tables_of(db).await;
    let mut rows = Vec::new();
    for table in &tables {
        rows.push((table.clone(), rows_of(db, table).await));
    }
    Snapshot {
        tables,
        indexes: indexes_of(db).await,
        rows,
    }
}

// ---------------------------------------------------------------------
// What the fixture must read back.

struct Manifest {
    versions: BTreeMap<Uuid, Version>,
    lineages: BTreeMap<Uuid, Lineage>,
}

struct Version {
    type_name: String,
    lineage: Uuid,
    parent: Option<Uuid>,
    /// Child field name -> child ids in order (every field, empty or not).
    children: BTreeMap<String, Vec<Uuid>>,
    old_ids: Vec<Uuid>,
}

struct Lineage {
    type_name: String,
    heads: Vec<Uuid>,
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(sqlite_fixtures().join("layout1.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    let uuid = |value: &Json| -> Uuid { value.as_str().unwrap().parse().unwrap() };
    let uuids =
        |value: &Json| -> Vec<Uuid> { value.as_array().unwrap().iter().map(uuid).collect() };
    let key = |key: &String| -> Uuid { key.parse().unwrap() };
    let text = |value: &Json| value.as_str().unwrap().to_string();
    let versions = json["versions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, v)| {
            let version = Version {
                type_name: text(&v["type"]),
                lineage: uuid(&v["lineage"]),
                parent: (!v["parent"].is_null()).then(|| uuid(&v["parent"])),
                children: v["children"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(field, ids)| (field.clone(), uuids(ids)))
                    .collect(),
                old_ids: uuids(&v["old_ids"]),
            };
            (key(id), version)
        })
        .collect();
    let lineages = json["lineages"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, l)| {
            let lineage = Lineage {
                type_name: text(&l["type"]),
                heads: uuids(&l["heads"]),
            };
            (key(id), lineage)
        })
        .collect();
    Manifest { versions, lineages }
}

impl Manifest {
    /// Link rows of the first layout: one per child of every version.
    fn links(&self) -> u64 {
        self.versions
            .values()
            .flat_map(|v| v.children.values())
            .map(|ids| ids.len() as u64)
            .sum()
    }

    /// Child lists of this layout: one per version and non-empty field.
    fn lists(&self) -> u64 {
        self.versions
            .values()
            .flat_map(|v| v.children.values())
            .filter(|ids| !ids.is_empty())
            .count() as u64
    }

    /// The lineage with two heads: the branched thread.
    fn branched(&self) -> (Uuid, &Lineage) {
        let (id, lineage) = self
            .lineages
            .iter()
            .find(|(_, l)| l.heads.len() == 2)
            .expect("the branched thread");
        (*id, lineage)
    }
}

/// The catalogued types, by name.
async fn catalog_types(driver: &PostgresDriver) -> BTreeMap<String, &'static EntityType> {
    driver
        .catalog()
        .await
        .unwrap()
        .expect("a catalog")
        .iter()
        .map(|entry| (entry.type_name.clone(), entry.entity_type().unwrap()))
        .collect()
}

/// Loads `id` of `ty` with its subtree.
async fn load(
    driver: &PostgresDriver,
    types: &BTreeMap<String, &'static EntityType>,
    ty: &'static EntityType,
    id: Uuid,
) -> verso_core::Result<LoadedRows> {
    let request = LoadRequest {
        root_type: ty,
        roots: vec![id],
        types: std::iter::once(ty)
            .chain(types.values().copied().filter(|t| t.name != ty.name))
            .collect(),
    };
    driver.load(&request).await
}

/// The children of each child field of `id`, by field name, every child
/// loaded with it.
fn children_of(loaded: &LoadedRows, ty: &EntityType, id: Uuid) -> BTreeMap<String, Vec<Uuid>> {
    ty.children
        .iter()
        .map(|field| {
            let ids = loaded
                .lists
                .iter()
                .find(|l| l.parent == id && l.field == field.name)
                .map_or_else(Vec::new, |list| {
                    ChunkedList::read(list, &loaded.chunks).unwrap().0
                });
            for child in &ids {
                assert!(
                    loaded.rows.contains_key(child),
                    "child {child} of {id} loaded"
                );
            }
            (field.name.to_string(), ids)
        })
        .collect()
}

fn ids(rows: &[verso_core::RowMeta]) -> Vec<Uuid> {
    rows.iter().map(|r| r.ecs_id).collect()
}

/// Every version of the manifest loads with its lineage, parent, children
/// in order and ancestry; every lineage has its heads; every child is
/// found in exactly the versions that hold it.
async fn check_manifest(driver: &PostgresDriver, manifest: &Manifest) {
    let types = catalog_types(driver).await;
    assert_eq!(types.len(), ENTITY_TABLES.len());
    for (id, expected) in &manifest.versions {
        let ty = types[&expected.type_name];
        let loaded = load(driver, &types, ty, *id)
            .await
            .unwrap_or_else(|e| panic!("{} {id}: {e}", expected.type_name));
        let row = &loaded.rows[id];
        assert_eq!(row.entity_type.name, ty.name);
        assert_eq!(row.meta.lineage_id, expected.lineage, "lineage of {id}");
        assert_eq!(row.meta.parent_id, expected.parent, "parent of {id}");
        assert_eq!(
            children_of(&loaded, ty, *id),
            expected.children,
            "children of {id}"
        );
        let ancestors = driver
            .lookup(ty, &Lookup::Ancestors { ecs_id: *id })
            .await
            .unwrap();
        assert_eq!(ids(&ancestors), expected.old_ids, "old_ids of {id}");
    }
    for (lineage_id, expected) in &manifest.lineages {
        let ty = types[&expected.type_name];
        let heads = driver
            .lookup(
                ty,
                &Lookup::Heads {
                    lineage_id: *lineage_id,
                },
            )
            .await
            .unwrap();
        assert_eq!(ids(&heads), expected.heads, "heads of {lineage_id}");
    }
    // (parent type, field, child) -> the versions holding the child.
    let mut holders: BTreeMap<(&str, &str, Uuid), BTreeSet<Uuid>> = BTreeMap::new();
    for (id, version) in &manifest.versions {
        for (field, children) in &version.children {
            for child in children {
                holders
                    .entry((&version.type_name, field, *child))
                    .or_default()
                    .insert(*id);
            }
        }
    }
    for ((parent_type, field, child), expected) in &holders {
        let ty = types[*parent_type];
        let field = ty.children.iter().find(|f| f.name == *field).unwrap().name;
        let found = driver
            .lookup(
                ty,
                &Lookup::Containing {
                    field,
                    child: *child,
                },
            )
            .await
            .unwrap();
        let found: BTreeSet<Uuid> = ids(&found).into_iter().collect();
        assert_eq!(&found, expected, "{parent_type}.{field} containing {child}");
    }
}

fn assert_outdated(result: verso_core::Result<()>) {
    match result {
        Err(Error::OutdatedLayout { found, detail }) => {
            assert_eq!(found, "verso_links");
            assert!(detail.contains("verso upgrade"), "{detail}");
        }
        other => panic!("expected OutdatedLayout, got {other:?}"),
    }
}

// ---------------------------------------------------------------------
// The tests.

#[tokio::test]
async fn the_fixture_holds_every_row_of_the_sqlite_fixture() {
    let Some(db) = layout1().await else { return };
    let manifest = manifest();
    assert_eq!(db.count("verso_links").await as u64, manifest.links());
    let mut versions = 0;
    for table in ENTITY_TABLES {
        versions += db.count(table).await as usize;
    }
    assert_eq!(versions, manifest.versions.len());
    // Each identity continues after the copied rows.
    let next: i64 =
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('chat_thread', 'id'))")
            .fetch_one(db.driver.pool())
            .await
            .unwrap();
    let max: i64 = sqlx::query_scalar("SELECT max(id) FROM chat_thread")
        .fetch_one(db.driver.pool())
        .await
        .unwrap();
    assert_eq!(next, max + 1);
}

#[tokio::test]
async fn an_outdated_schema_is_refused_by_ensure_tables_until_upgraded() {
    let Some(db) = layout1().await else { return };
    let types: Vec<&'static EntityType> = catalog_types(&db.driver).await.into_values().collect();
    let before = snapshot(&db).await;
    assert_outdated(db.driver.ensure_tables(&types).await);
    assert_outdated(db.driver.ensure_tables(&[]).await);
    assert_eq!(snapshot(&db).await, before, "ensure_tables changed nothing");

    assert!(db.driver.upgrade().await.unwrap().upgraded);
    db.driver.ensure_tables(&types).await.unwrap();
    db.driver.ensure_tables(&types).await.unwrap();
}

#[tokio::test]
async fn the_upgrade_replaces_the_link_table_and_reads_back_every_version() {
    let Some(db) = layout1().await else { return };
    let manifest = manifest();
    let links = db.count("verso_links").await as u64;
    let mut entity_rows = Vec::new();
    for table in ENTITY_TABLES {
        entity_rows.push(rows_of(&db, table).await);
    }
    let catalog = rows_of(&db, "verso_catalog").await;

    let report = db.driver.upgrade().await.unwrap();
    assert!(report.upgraded, "{report:?}");
    assert_eq!(report.links_read, links);
    assert_eq!(links, manifest.links(), "the manifest lists every link");
    assert_eq!(report.versions as usize, manifest.versions.len());
    assert_eq!(
        report.lists,
        manifest.lists(),
        "a list row per non-empty list"
    );
    assert!(report.chunks > 0, "the long thread is chunked: {report:?}");

    // The tables and indexes of this layout, and no link table.
    let tables = tables_of(&db).await;
    assert!(!tables.contains(&"verso_links".to_string()), "{tables:?}");
    for shared in SHARED_TABLES {
        assert!(tables.contains(&shared.to_string()), "{shared}: {tables:?}");
    }
    let indexes: Vec<String> = indexes_of(&db).await.into_iter().map(|(n, _)| n).collect();
    assert!(!indexes.iter().any(|i| i.starts_with("verso_links")));
    for table in ENTITY_TABLES {
        assert!(
            !indexes.contains(&format!("{table}_lineage_id_idx")),
            "{indexes:?}"
        );
        for index in ["pkey", "ecs_id_key", "lineage_idx", "parent_id_idx"] {
            assert!(
                indexes.contains(&format!("{table}_{index}")),
                "{table}_{index}: {indexes:?}"
            );
        }
    }
    assert_eq!(db.count("verso_lists").await as u64, report.lists);
    assert_eq!(db.count("verso_chunks").await as u64, report.chunks);
    let tall = db.count("verso_lists WHERE height > 0").await;
    assert!(tall > 0, "the long thread's list is a chunk tree");
    let heads = db.count("verso_heads").await as usize;
    let expected_heads: usize = manifest.lineages.values().map(|l| l.heads.len()).sum();
    assert_eq!(heads, expected_heads);
    // Every version's row, and the catalog, are as they were.
    for (table, before) in ENTITY_TABLES.iter().zip(&entity_rows) {
        assert_eq!(&rows_of(&db, table).await, before, "{table}");
    }
    assert_eq!(rows_of(&db, "verso_catalog").await, catalog);

    check_manifest(&db.driver, &manifest).await;

    // Upgraded once: a second upgrade changes nothing.
    let after = snapshot(&db).await;
    assert_eq!(db.driver.upgrade().await.unwrap(), UpgradeReport::default());
    assert_eq!(snapshot(&db).await, after);

    // A new version on one of the two heads of the branched thread, with
    // the same children: it replaces that head, the other stays, and it
    // shares the list's chunks.
    let types = catalog_types(&db.driver).await;
    let thread = types["ChatThread"];
    db.driver
        .ensure_tables(&types.values().copied().collect::<Vec<_>>())
        .await
        .unwrap();
    let (lineage_id, branched) = manifest.branched();
    let head = branched.heads[1];
    let loaded = load(&db.driver, &types, thread, head).await.unwrap();
    let mut list = loaded
        .lists
        .iter()
        .find(|l| l.parent == head)
        .unwrap()
        .clone();
    let mut row = plan_of(&ThreadNode::new("template", 0)).batches[0].rows[0].clone();
    row.ecs_id = Uuid::new_v4();
    row.lineage_id = lineage_id;
    row.parent_id = Some(head);
    row.created_at = verso_core::now();
    row.values = vec![Value::Text("after the upgrade".into())];
    list.parent = row.ecs_id;
    let fork = row.ecs_id;
    let plan = CommitPlan {
        batches: vec![TableBatch {
            entity_type: thread,
            rows: vec![row],
        }],
        lists: vec![list],
        ..CommitPlan::default()
    };
    let chunks = db.count("verso_chunks").await;
    let row_ids = db.driver.commit(&plan).await.unwrap();
    let max: i64 = sqlx::query_scalar("SELECT max(id) FROM chat_thread WHERE ecs_id <> $1")
        .bind(fork)
        .fetch_one(db.driver.pool())
        .await
        .unwrap();
    assert!(row_ids[&fork] > max, "a new row id");
    assert_eq!(db.count("verso_chunks").await, chunks);
    let heads = db
        .driver
        .lookup(thread, &Lookup::Heads { lineage_id })
        .await
        .unwrap();
    assert_eq!(ids(&heads), [branched.heads[0], fork]);
    let reread = load(&db.driver, &types, thread, fork).await.unwrap();
    assert_eq!(
        children_of(&reread, thread, fork),
        manifest.versions[&head].children
    );
    let mut old_ids = manifest.versions[&head].old_ids.clone();
    old_ids.push(head);
    let ancestors = db
        .driver
        .lookup(thread, &Lookup::Ancestors { ecs_id: fork })
        .await
        .unwrap();
    assert_eq!(ids(&ancestors), old_ids);
}

#[tokio::test]
async fn a_fault_at_any_statement_rolls_the_whole_upgrade_back() {
    let Some(db) = layout1().await else { return };
    let before = snapshot(&db).await;
    let mut statement = 1;
    let report = loop {
        db.driver.instrument().inject(Fault {
            fail_at_statement: statement,
        });
        let stats = db.driver.instrument().stats();
        match db.driver.upgrade().await {
            Err(Error::InjectedFault { statement: failed }) => {
                assert_eq!(failed, statement);
                assert_eq!(
                    snapshot(&db).await,
                    before,
                    "after a fault at statement {statement}"
                );
            }
            Err(other) => panic!("statement {statement}: {other}"),
            Ok(report) => {
                // It never reached the armed statement: every statement
                // before it ran.
                let run = db.driver.instrument().stats() - stats;
                assert_eq!(run.statements, statement - 1);
                break report;
            }
        }
        statement += 1;
        assert!(statement < 1_000, "the upgrade never finished");
    };
    // BEGIN, the lock, the checks, reads, tables, indexes, inserts, DROP,
    // COMMIT.
    assert!(statement > 20, "only {statement} statements");
    assert!(report.upgraded);
    assert!(!db.table_exists("verso_links").await);
    check_manifest(&db.driver, &manifest()).await;
}

#[tokio::test]
async fn a_schema_holding_both_layouts_is_refused_and_left_as_it_was() {
    let Some(db) = layout1().await else { return };
    db.execute("CREATE TABLE verso_heads (lineage_id uuid, ecs_id uuid)")
        .await;
    let before = snapshot(&db).await;
    let error = db.driver.upgrade().await.unwrap_err();
    assert!(
        matches!(&error, Error::SchemaMismatch { table, .. } if table == "verso_heads"),
        "{error:?}"
    );
    assert!(error.to_string().contains("verso_links"), "{error}");
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn a_link_to_an_unknown_type_fails_the_upgrade_and_changes_nothing() {
    let Some(db) = layout1().await else { return };
    db.execute(
        "UPDATE verso_links SET child_type = 'Ghost' WHERE (parent_ecs_id, field, position) = \
         (SELECT parent_ecs_id, field, position FROM verso_links \
          ORDER BY parent_ecs_id DESC, field, position LIMIT 1)",
    )
    .await;
    let before = snapshot(&db).await;
    let error = db.driver.upgrade().await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { type_name, column, .. }
            if type_name == "verso_links" && column == "child_type"),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"Ghost\""), "{error}");
    assert_eq!(snapshot(&db).await, before, "the schema is as it was");
    // Still refused, still to be upgraded.
    assert_outdated(db.driver.ensure_tables(&[]).await);
}

#[tokio::test]
async fn links_without_a_catalog_are_not_upgraded() {
    let Some(db) = layout1().await else { return };
    db.execute("DROP TABLE verso_catalog").await;
    let before = snapshot(&db).await;
    let error = db.driver.upgrade().await.unwrap_err();
    assert!(
        matches!(&error, Error::SchemaMismatch { table, .. } if table == "verso_catalog"),
        "{error:?}"
    );
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn a_schema_of_this_layout_is_left_as_it_is() {
    let Some(db) = setup().await else { return };
    assert_eq!(db.driver.upgrade().await.unwrap(), UpgradeReport::default());
    assert!(
        tables_of(&db).await.is_empty(),
        "an empty schema stays empty"
    );

    let types = verso_core::reachable_types(&support::THREAD);
    db.driver.ensure_tables(&types).await.unwrap();
    db.driver
        .commit(&plan_of(&ThreadNode::new("t", 3)))
        .await
        .unwrap();
    let before = snapshot(&db).await;
    assert!(!db.driver.upgrade().await.unwrap().upgraded);
    assert_eq!(snapshot(&db).await, before);
}

#[tokio::test]
async fn the_upgrade_is_of_the_current_schema_only() {
    let Some(db) = layout1().await else { return };
    let Some(other) = layout1().await else { return };
    let before = snapshot(&other).await;
    assert!(db.driver.upgrade().await.unwrap().upgraded);
    assert_eq!(snapshot(&other).await, before);
    assert_outdated(other.driver.ensure_tables(&[]).await);
    assert!(other.driver.upgrade().await.unwrap().upgraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_upgrades_of_one_schema_take_turns() {
    let Some(db) = layout1().await else { return };
    let second = PostgresDriver::connect_in_schema(&support::url(), &db.schema)
        .await
        .unwrap();
    let (a, b) = tokio::join!(db.driver.upgrade(), second.upgrade());
    let (a, b) = (a.unwrap(), b.unwrap());
    // The schema lock orders them: the later finds nothing left to do.
    assert!(a.upgraded != b.upgraded, "{a:?} {b:?}");
    assert_eq!(if a.upgraded { b } else { a }, UpgradeReport::default());
    check_manifest(&second, &manifest()).await;
}
