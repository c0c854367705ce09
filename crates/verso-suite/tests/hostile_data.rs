//! Hostile data: a corpus of databases tampered with behind Verso's back
//! (wrong kinds of values, bad UUID and timestamp text, `NULL`s in required
//! columns, broken catalog JSON, lists and chunks pointing at nothing or
//! damaged, parent cycles, list cycles, wrong heads).
//!
//! Each case commits a valid store, changes its rows with raw SQL (SQLite
//! through `rusqlite` on the file, PostgreSQL through `sqlx` in the test's
//! schema), then runs every read. Each read must either return exactly what
//! it returned before the tampering, or fail with a typed error naming what
//! is damaged; it must never panic, never hang, and never return a value
//! that differs from the stored truth without saying so.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use verso::{Entity, Error, Meta, Store, Uuid, Versions};
use verso_suite::{Backend, Harness};

/// A thread of messages: long enough that its list has chunks below the
/// root.
#[derive(Clone, Debug, PartialEq, Entity)]
struct HThread {
    meta: Meta,
    title: String,
    count: i64,
    #[verso(child)]
    messages: Vec<HMessage>,
}

/// One message of a [`HThread`].
#[derive(Clone, Debug, PartialEq, Entity)]
struct HMessage {
    meta: Meta,
    text: String,
}

/// A folder of folders: a type that may (in a damaged store) list itself.
#[derive(Clone, Debug, PartialEq, Entity)]
struct HFolder {
    meta: Meta,
    name: String,
    #[verso(child)]
    folders: Vec<HFolder>,
}

/// Messages in the thread: enough for a chunk tree of height 1 or more.
const MESSAGES: usize = 120;
/// How long one read may take before it counts as a hang.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// The ids of the valid store every case starts from.
#[derive(Clone, Debug)]
struct Fixture {
    /// First version of the thread, and the second (title and message 0
    /// edited).
    v1: Uuid,
    v2: Uuid,
    lineage: Uuid,
    /// Message 0 of `v1` (edited in `v2`), and the last message (in both).
    m0: Uuid,
    m_last: Uuid,
    /// A folder holding a folder holding a folder.
    root: Uuid,
    child: Uuid,
    grandchild: Uuid,
    /// A chunk below the root of `v2`'s list.
    chunk: Uuid,
    /// An id no row has.
    stranger: Uuid,
    /// A version of another thread lineage.
    other: Uuid,
}

async fn fixture(store: &Store) -> Fixture {
    let mut thread = HThread {
        meta: Meta::new(),
        title: "first".into(),
        count: 1,
        messages: (0..MESSAGES)
            .map(|i| HMessage {
                meta: Meta::new(),
                text: format!("message {i}"),
            })
            .collect(),
    };
    store.commit(&mut thread).await.unwrap();
    let (v1, m0) = (thread.meta.ecs_id(), thread.messages[0].meta.ecs_id());
    thread.title = "second".into();
    thread.count = 2;
    thread.messages[0].text = "edited".into();
    store.commit(&mut thread).await.unwrap();
    let folder = |name: &str, folders| HFolder {
        meta: Meta::new(),
        name: name.into(),
        folders,
    };
    let mut root = folder(
        "root",
        vec![folder("child", vec![folder("grandchild", vec![])])],
    );
    store.commit(&mut root).await.unwrap();
    let mut other = HThread {
        meta: Meta::new(),
        title: "other".into(),
        count: 0,
        messages: Vec::new(),
    };
    store.commit(&mut other).await.unwrap();
    Fixture {
        other: other.meta.ecs_id(),
        v1,
        v2: thread.meta.ecs_id(),
        lineage: thread.meta.lineage_id(),
        m0,
        m_last: thread.messages[MESSAGES - 1].meta.ecs_id(),
        root: root.meta.ecs_id(),
        child: root.folders[0].meta.ecs_id(),
        grandchild: root.folders[0].folders[0].meta.ecs_id(),
        chunk: Uuid::nil(), // found in the database by `Tamper::chunk_of`
        stranger: Uuid::new_v4(),
    }
}

/// A read's result in a form that can be compared before and after.
type Observed = Result<String, Error>;
type ReadFuture = Pin<Box<dyn Future<Output = Observed> + Send>>;

fn show<T: std::fmt::Debug>(result: verso::Result<T>) -> Observed {
    result.map(|value| format!("{value:#?}"))
}

/// Every read of the store, by name.
fn reads(store: &Store, f: &Fixture) -> Vec<(&'static str, ReadFuture)> {
    let s = store.clone();
    let f = f.clone();
    macro_rules! read {
        ($name:expr, |$s:ident, $f:ident| $body:expr) => {{
            let ($s, $f) = (s.clone(), f.clone());
            (
                $name,
                Box::pin(async move { show($body.await) }) as ReadFuture,
            )
        }};
    }
    vec![
        read!("get v1", |s, f| s.get::<HThread>(f.v1)),
        read!("get v2", |s, f| s.get::<HThread>(f.v2)),
        read!("get both", |s, f| s.get_many::<HThread>(&[f.v1, f.v2])),
        read!("get message", |s, f| s.get::<HMessage>(f.m_last)),
        read!("latest", |s, f| s.latest::<HThread>(f.lineage)),
        read!("heads", |s, f| s.heads::<HThread>(f.lineage)),
        read!("versions", |s, f| s.versions::<HThread>(f.lineage)),
        read!("lineage", |s, f| s.lineage::<HThread>(f.lineage)),
        read!("old_ids", |s, f| s.old_ids::<HThread>(f.v2)),
        read!("lineage_tree", |s, f| s.lineage_tree::<HThread>(f.lineage)),
        read!("diff", |s, f| async move {
            s.diff::<HThread>(f.v1, f.v2).await.map(|d| d.to_string())
        }),
        read!("as_of", |s, f| async move {
            let versions = s.versions::<HThread>(f.lineage).await?;
            let at = versions.last().map(|v| v.created_at).unwrap_or_default();
            s.as_of::<HThread>(f.lineage, at).await
        }),
        read!("containing", |s, f| s
            .containing(HThread::FIELDS.messages, f.m_last)),
        read!("list all threads", |s, _f| s.list::<HThread>(Versions::All)),
        read!("list messages", |s, _f| async move {
            s.list::<HMessage>(Versions::Newest).await.map(|m| m.len())
        }),
        read!("get folder", |s, f| s.get::<HFolder>(f.root)),
        read!("get inner folder", |s, f| s.get::<HFolder>(f.child)),
        read!("catalog", |s, _f| async move {
            let entries = s.driver().catalog().await?.unwrap_or_default();
            let mut types = BTreeMap::new();
            for entry in entries {
                let ty = entry.entity_type()?;
                types.insert(entry.type_name.clone(), ty.definition());
            }
            Ok(types)
        }),
    ]
}

/// Runs every read, each in its own task under a hang guard.
async fn observe(store: &Store, f: &Fixture) -> Vec<(&'static str, Outcome)> {
    let mut outcomes = Vec::new();
    for (name, read) in reads(store, f) {
        let task = tokio::spawn(read);
        let outcome = match tokio::time::timeout(HANG_GUARD, task).await {
            Err(_) => Outcome::Hung,
            Ok(Err(join)) if join.is_panic() => Outcome::Panicked(panic_text(join)),
            Ok(Err(join)) => panic!("{name}: task cancelled: {join}"),
            Ok(Ok(observed)) => Outcome::Done(observed),
        };
        outcomes.push((name, outcome));
    }
    outcomes
}

fn panic_text(join: tokio::task::JoinError) -> String {
    let payload = join.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-text panic)".into())
}

#[derive(Debug)]
enum Outcome {
    Done(Observed),
    Panicked(String),
    Hung,
}

/// What one case damages: the statements per backend (`None` where that
/// backend's column types cannot hold the damage), and the ids and column
/// one of which an error about it must name.
struct Case {
    name: &'static str,
    sqlite: Option<String>,
    postgres: Option<String>,
    /// An error must name one of these ids (as its id or in its text).
    culprits: Vec<Uuid>,
    /// And one of these `|`-separated names of a table, type or column (in
    /// its text); empty for any.
    names: &'static str,
    /// Reads that cannot see this damage and may keep answering from what
    /// the undamaged rows say (each case says why).
    blind: &'static [&'static str],
    /// Whether every read may go on answering the truth (the damage is in
    /// an index that reads check against the tables).
    harmless: bool,
}

/// The corpus, for the tables and ids of one store.
fn corpus(t: &Tables, f: &Fixture) -> Vec<Case> {
    let Tables { thread, message } = t;
    let Fixture {
        v1,
        v2,
        m0,
        m_last,
        root,
        child,
        grandchild,
        chunk,
        stranger,
        lineage,
        other,
    } = f;
    let both = |sql: String| (Some(sql.clone()), Some(sql));
    let mut cases = Vec::new();
    let mut case =
        |name, (sqlite, postgres): (Option<String>, Option<String>), culprits: Vec<Uuid>, names| {
            cases.push(Case {
                name,
                sqlite,
                postgres,
                culprits,
                names,
                blind: &[],
                harmless: false,
            })
        };
    // Reads by lineage (an index range on `lineage_id`) cannot see a
    // version whose `lineage_id` was changed: for them it left the
    // lineage. What is left is checked (see `Store::versions`), and every
    // read of the moved version itself fails.
    const LEFT_ITS_LINEAGE: &[&str] = &["latest", "versions", "lineage", "lineage_tree", "as_of"];
    // A version's `parent_id` pointing at a later version is visible only
    // where the lineage is read whole; a read of the one row cannot tell.
    const SINGLE_ROW_READS: &[&str] = &["get v1", "get both", "containing", "list all threads"];
    // Values of the wrong kind.
    case(
        "text in an integer column",
        (
            Some(format!(
                "UPDATE {thread} SET count = 'many' WHERE ecs_id = '{v1}'"
            )),
            Some(format!(
                "ALTER TABLE {thread} ALTER COLUMN count TYPE text USING count::text; \
                 UPDATE {thread} SET count = 'many' WHERE ecs_id = '{v1}'"
            )),
        ),
        vec![*v1, *v2],
        "count",
    );
    case(
        "a real in an integer column",
        (
            Some(format!(
                "UPDATE {thread} SET count = 1.5 WHERE ecs_id = '{v2}'"
            )),
            Some(format!(
                "ALTER TABLE {thread} ALTER COLUMN count TYPE double precision; \
                 UPDATE {thread} SET count = 1.5 WHERE ecs_id = '{v2}'"
            )),
        ),
        vec![*v1, *v2],
        "count",
    );
    case(
        "bytes in a text column",
        (
            Some(format!(
                "UPDATE {message} SET text = x'00ff' WHERE ecs_id = '{m_last}'"
            )),
            Some(format!(
                "ALTER TABLE {message} ALTER COLUMN text TYPE bytea USING convert_to(text, 'UTF8'); \
                 UPDATE {message} SET text = '\\x00ff' WHERE ecs_id = '{m_last}'"
            )),
        ),
        vec![],
        "text",
    );
    // Bad UUID and timestamp text (PostgreSQL's typed columns refuse it).
    case(
        "a version id that is not a UUID",
        (
            Some(format!(
                "UPDATE {message} SET ecs_id = 'not-a-uuid' WHERE ecs_id = '{m_last}'"
            )),
            None,
        ),
        vec![*v1, *v2, *m_last],
        "ecs_id|messages|HMessage",
    );
    case(
        "a parent id that is not a UUID",
        (
            Some(format!(
                "UPDATE {thread} SET parent_id = 'zzz' WHERE ecs_id = '{v2}'"
            )),
            None,
        ),
        vec![*v2],
        "parent_id",
    );
    case(
        "a lineage id that is not a UUID",
        (
            Some(format!(
                "UPDATE {thread} SET lineage_id = '{lineage}x' WHERE ecs_id = '{v1}'"
            )),
            None,
        ),
        vec![*v1, *lineage],
        "",
    );
    case(
        "a creation time that is not a timestamp",
        (
            Some(format!(
                "UPDATE {thread} SET created_at = 'yesterday' WHERE ecs_id = '{v2}'"
            )),
            None,
        ),
        vec![*v2],
        "created_at",
    );
    // NULLs in required columns (the NOT NULL constraint removed first;
    // see `Tamper::run`).
    case(
        "NULL in a required text column",
        both(format!(
            "UPDATE {thread} SET title = NULL WHERE ecs_id = '{v1}'"
        )),
        vec![*v1],
        "title",
    );
    case(
        "NULL version id",
        both(format!(
            "UPDATE {message} SET ecs_id = NULL WHERE ecs_id = '{m_last}'"
        )),
        vec![*v1, *v2, *m_last],
        "ecs_id|messages|HMessage",
    );
    case(
        "NULL lineage id",
        both(format!(
            "UPDATE {thread} SET lineage_id = NULL WHERE ecs_id = '{v2}'"
        )),
        vec![*v2, *lineage],
        "lineage",
    );
    case(
        "NULL creation time",
        both(format!(
            "UPDATE {thread} SET created_at = NULL WHERE ecs_id = '{v1}'"
        )),
        vec![*v1],
        "created_at",
    );
    // The catalog.
    case(
        "catalog definition that is not JSON",
        (
            Some(
                "UPDATE verso_catalog SET definition = '{\"name\": ' WHERE type_name = 'HThread'"
                    .into(),
            ),
            None,
        ),
        vec![],
        "verso_catalog",
    );
    case(
        "catalog definition of the wrong shape",
        both(
            "UPDATE verso_catalog SET definition = '{\"name\": 5}' WHERE type_name = 'HThread'"
                .into(),
        ),
        vec![],
        "verso_catalog",
    );
    case(
        "catalog column of an unknown type",
        (
            Some(
                "UPDATE verso_catalog SET definition = replace(definition, '\"int\"', '\"money\"') \
                 WHERE type_name = 'HThread'"
                    .into(),
            ),
            Some(
                "UPDATE verso_catalog SET definition = replace(definition::text, '\"int\"', '\"money\"')::jsonb \
                 WHERE type_name = 'HThread'"
                    .into(),
            ),
        ),
        vec![],
        "verso_catalog",
    );
    // Lists and chunks.
    case(
        "a list holding a version that does not exist",
        (
            Some(format!("UPDATE verso_lists SET entries = json_array('{stranger}') WHERE parent_ecs_id = '{child}'")),
            Some(format!("UPDATE verso_lists SET entries = ARRAY['{stranger}']::uuid[] WHERE parent_ecs_id = '{child}'")),
        ),
        vec![*child, *stranger],
        "folders",
    );
    case(
        "a list row with no entries",
        (
            Some(format!(
                "UPDATE verso_lists SET entries = '[]' WHERE parent_ecs_id = '{child}'"
            )),
            Some(format!(
                "UPDATE verso_lists SET entries = '{{}}' WHERE parent_ecs_id = '{child}'"
            )),
        ),
        vec![*child],
        "folders",
    );
    case(
        "list entries that are not a JSON array",
        (
            Some(format!(
                "UPDATE verso_lists SET entries = 'garbage' WHERE parent_ecs_id = '{v2}'"
            )),
            None,
        ),
        vec![*v2],
        "entries",
    );
    case(
        "list entries that are numbers",
        (
            Some(format!(
                "UPDATE verso_lists SET entries = '[1, 2]' WHERE parent_ecs_id = '{child}'"
            )),
            None,
        ),
        vec![*child],
        "entries",
    );
    case(
        "list entries holding NULL",
        (
            Some(format!("UPDATE verso_lists SET entries = '[null]' WHERE parent_ecs_id = '{child}'")),
            Some(format!("UPDATE verso_lists SET entries = ARRAY[NULL]::uuid[] WHERE parent_ecs_id = '{child}'")),
        ),
        vec![*child],
        "entries",
    );
    case(
        "a negative list height",
        both(format!(
            "UPDATE verso_lists SET height = -1 WHERE parent_ecs_id = '{v2}'"
        )),
        vec![*v2],
        "messages",
    );
    case(
        "a huge list height",
        both(format!(
            "UPDATE verso_lists SET height = 1000000000000 WHERE parent_ecs_id = '{v2}'"
        )),
        vec![*v2],
        "messages",
    );
    case(
        "a list of a child type that does not exist",
        both(format!(
            "UPDATE verso_lists SET child_type = 'Ghost' WHERE parent_ecs_id = '{v2}'"
        )),
        vec![*v2],
        "Ghost",
    );
    case(
        "a chunk deleted",
        both(format!(
            "DELETE FROM verso_chunks WHERE chunk_id = '{chunk}'"
        )),
        vec![*v2, *chunk],
        "messages",
    );
    case(
        "a chunk missing an entry",
        (
            Some(format!("UPDATE verso_chunks SET entries = json_remove(entries, '$[0]') WHERE chunk_id = '{chunk}'")),
            Some(format!("UPDATE verso_chunks SET entries = entries[2:] WHERE chunk_id = '{chunk}'")),
        ),
        vec![*v2, *chunk],
        "messages",
    );
    case(
        "a chunk entry replaced by another version",
        (
            Some(format!("UPDATE verso_chunks SET entries = json_set(entries, '$[0]', '{m0}') WHERE chunk_id = '{chunk}'")),
            Some(format!("UPDATE verso_chunks SET entries[1] = '{m0}' WHERE chunk_id = '{chunk}'")),
        ),
        vec![*v2, *chunk],
        "messages",
    );
    case(
        "chunk entries that are not JSON",
        (
            Some(format!(
                "UPDATE verso_chunks SET entries = '[[[' WHERE chunk_id = '{chunk}'"
            )),
            None,
        ),
        vec![*chunk],
        "entries",
    );
    case(
        "a chunk of the wrong height",
        both(format!(
            "UPDATE verso_chunks SET height = height + 1 WHERE chunk_id = '{chunk}'"
        )),
        vec![*v2, *chunk],
        "messages",
    );
    case(
        "a chunk listing itself",
        (
            Some(format!("UPDATE verso_chunks SET entries = json_array('{chunk}'), height = 5 WHERE chunk_id = '{chunk}'")),
            Some(format!("UPDATE verso_chunks SET entries = ARRAY['{chunk}']::uuid[], height = 5 WHERE chunk_id = '{chunk}'")),
        ),
        vec![*v2, *chunk],
        "messages",
    );
    // Cycles.
    case(
        "a version that is its own parent",
        both(format!(
            "UPDATE {thread} SET parent_id = ecs_id WHERE ecs_id = '{v2}'"
        )),
        vec![*v2],
        "parent_id",
    );
    case(
        "two versions that are each other's parent",
        both(format!(
            "UPDATE {thread} SET parent_id = '{v2}' WHERE ecs_id = '{v1}'"
        )),
        vec![*v1, *v2],
        "parent_id|verso_heads",
    );
    case(
        "a folder listed among its own descendants",
        (
            Some(format!(
                "INSERT INTO verso_lists (parent_ecs_id, field, child_type, height, entries) \
                 VALUES ('{grandchild}', 'folders', 'HFolder', 0, json_array('{root}'))"
            )),
            Some(format!(
                "INSERT INTO verso_lists (parent_ecs_id, field, child_type, height, entries) \
                 VALUES ('{grandchild}', 'folders', 'HFolder', 0, ARRAY['{root}']::uuid[])"
            )),
        ),
        vec![*root, *child],
        "descendants",
    );
    case(
        "a folder listing itself",
        (
            Some(format!("UPDATE verso_lists SET entries = json_array('{child}') WHERE parent_ecs_id = '{child}'")),
            Some(format!("UPDATE verso_lists SET entries = ARRAY['{child}']::uuid[] WHERE parent_ecs_id = '{child}'")),
        ),
        vec![*child],
        "descendants",
    );
    // Heads.
    case(
        "a head of another lineage",
        both(format!(
            "INSERT INTO verso_heads (lineage_id, ecs_id) VALUES ('{lineage}', '{other}')"
        )),
        vec![*lineage, *other],
        "verso_heads",
    );
    case(
        "a head that does not exist",
        both(format!(
            "INSERT INTO verso_heads (lineage_id, ecs_id) VALUES ('{lineage}', '{stranger}')"
        )),
        vec![*lineage, *stranger],
        "verso_heads",
    );
    case(
        "a head that was forked",
        both(format!(
            "INSERT INTO verso_heads (lineage_id, ecs_id) VALUES ('{lineage}', '{v1}')"
        )),
        vec![*lineage, *v1],
        "verso_heads",
    );
    case(
        "no head at all",
        both(format!(
            "DELETE FROM verso_heads WHERE lineage_id = '{lineage}'"
        )),
        vec![*lineage],
        "verso_heads",
    );
    let blind = |cases: &mut Vec<Case>, name: &str, reads: &'static [&'static str]| {
        cases.iter_mut().find(|c| c.name == name).unwrap().blind = reads;
    };
    blind(
        &mut cases,
        "a lineage id that is not a UUID",
        LEFT_ITS_LINEAGE,
    );
    blind(&mut cases, "NULL lineage id", LEFT_ITS_LINEAGE);
    // Index rows the table does not confirm are left out of the answer.
    for name in ["a head that does not exist", "a head that was forked"] {
        cases.iter_mut().find(|c| c.name == name).unwrap().harmless = true;
    }
    // `containing` finds the versions holding a child by following
    // `parent_id` down from the version that gained it: a damaged link ends
    // the descent there.
    const PARENT_WALK: &[&str] = &["containing"];
    blind(&mut cases, "a version that is its own parent", PARENT_WALK);
    blind(&mut cases, "a parent id that is not a UUID", PARENT_WALK);
    blind(
        &mut cases,
        "two versions that are each other's parent",
        SINGLE_ROW_READS,
    );
    cases
}

/// The tables of the test types whose rows the corpus changes, quoted.
struct Tables {
    thread: String,
    message: String,
}

/// Raw access to the store's database.
enum Tamper {
    Sqlite(std::path::PathBuf),
    Postgres(sqlx::PgPool),
}

impl Tamper {
    async fn connect(harness: &Harness, backend: Backend) -> Tamper {
        let url = harness.database_url().unwrap();
        match backend {
            Backend::SqliteFile => Tamper::Sqlite(url.strip_prefix("sqlite:").unwrap().into()),
            Backend::Postgres => Tamper::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .unwrap(),
            ),
            other => unreachable!("no raw access to {other:?}"),
        }
    }

    async fn tables(&self) -> Tables {
        let sql = "SELECT type_name, table_name FROM verso_catalog";
        let names: BTreeMap<String, String> = match self {
            Tamper::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut statement = conn.prepare(sql).unwrap();
                let rows = statement
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                    .unwrap();
                rows.collect::<Result<_, _>>().unwrap()
            }
            Tamper::Postgres(pool) => sqlx::query_as::<_, (String, String)>(sql)
                .fetch_all(pool)
                .await
                .unwrap()
                .into_iter()
                .collect(),
        };
        Tables {
            thread: format!("\"{}\"", names["HThread"]),
            message: format!("\"{}\"", names["HMessage"]),
        }
    }

    /// A chunk below the root of `parent`'s list.
    async fn chunk_of(&self, parent: Uuid) -> Uuid {
        match self {
            Tamper::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let text: String = conn
                    .query_row(
                        "SELECT e.value FROM verso_lists, json_each(entries) AS e \
                         WHERE parent_ecs_id = ?1 AND height > 0 LIMIT 1",
                        [parent.to_string()],
                        |row| row.get(0),
                    )
                    .expect("the thread's list has chunks");
                text.parse().unwrap()
            }
            Tamper::Postgres(pool) => sqlx::query_scalar(
                "SELECT entries[1] FROM verso_lists WHERE parent_ecs_id = $1 AND height > 0",
            )
            .bind(parent)
            .fetch_one(pool)
            .await
            .expect("the thread's list has chunks"),
        }
    }

    /// Runs `sql` after lifting every NOT NULL constraint of `tables` (so
    /// that NULLs can be written where Verso never writes one).
    async fn run(&self, sql: &str, tables: &Tables) {
        match self {
            Tamper::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let version: i64 = conn
                    .query_row("PRAGMA schema_version", [], |row| row.get(0))
                    .unwrap();
                conn.execute_batch(&format!(
                    "PRAGMA writable_schema = ON; \
                     UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') \
                     WHERE type = 'table' AND name IN ({}, {}); \
                     PRAGMA schema_version = {}; PRAGMA writable_schema = OFF;",
                    quoted_text(&tables.thread),
                    quoted_text(&tables.message),
                    version + 1
                ))
                .unwrap();
                drop(conn);
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                assert!(conn.total_changes() > 0, "{sql} changed no row");
            }
            Tamper::Postgres(pool) => {
                for table in [&tables.thread, &tables.message] {
                    for column in ["title", "text", "ecs_id", "lineage_id", "created_at"] {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"
                        )))
                        .execute(pool)
                        .await;
                    }
                }
                let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                assert!(done.rows_affected() > 0, "{sql} changed no row");
            }
        }
    }
}

/// A second store on the database of `harness`, opened after the damage.
async fn reopen(harness: &Harness, backend: Backend) -> Store {
    let url = harness.database_url().unwrap();
    match backend {
        Backend::Postgres => {
            let (_, schema) = url.split_once("options[search_path]=").unwrap();
            let driver = verso::drivers::PostgresDriver::connect_in_schema(
                &verso_suite::harness::postgres_url(),
                schema,
            )
            .await
            .unwrap();
            Store::with_driver(driver)
        }
        _ => Store::open(&url).await.unwrap(),
    }
}

/// `"name"` as the SQL text literal `'name'`.
fn quoted_text(quoted_identifier: &str) -> String {
    format!("'{}'", quoted_identifier.trim_matches('"'))
}

/// Whether `error` is a typed error about damaged data naming `case`'s
/// culprit (one of its ids) and its table, type or column (one of the
/// `|`-separated `names`).
fn names_the_damage(error: &Error, case: &Case) -> bool {
    let text = error.to_string();
    // A column of the wrong type is the whole table's damage: no row to name.
    let id_named = case.culprits.is_empty()
        || matches!(error, Error::SchemaMismatch { .. })
        // An unreadable version id is named by the row's id.
        || matches!(error, Error::Decode { id, detail, .. } if id.is_nil() && detail.starts_with("row "))
        || case.culprits.iter().any(|id| {
            text.contains(&id.to_string())
                || matches!(error, Error::Decode { id: found, .. } if found == id)
        });
    let kind_ok = matches!(
        error,
        Error::Decode { .. } | Error::SchemaMismatch { .. } | Error::NotFound { .. }
    );
    kind_ok && id_named && case.names.split('|').any(|name| text.contains(name))
}

/// Runs the whole corpus on `backend`, one fresh store per case, and fails
/// listing every read that panicked, hung, returned a wrong value or an
/// error that does not name the damage.
async fn corpus_holds(backend: Backend) {
    let mut failures = Vec::new();
    let mut ran = 0;
    let names = {
        let Some(harness) = Harness::start(backend).await else {
            return;
        };
        let f = fixture(&harness.store).await;
        let tamper = Tamper::connect(&harness, backend).await;
        let tables = tamper.tables().await;
        let names: Vec<&str> = corpus(&tables, &f).iter().map(|c| c.name).collect();
        harness.finish().await;
        names
    };
    for index in 0..names.len() {
        let harness = Harness::start(backend).await.unwrap();
        let mut f = fixture(&harness.store).await;
        let tamper = Tamper::connect(&harness, backend).await;
        f.chunk = tamper.chunk_of(f.v2).await;
        let tables = tamper.tables().await;
        let case = corpus(&tables, &f).remove(index);
        let sql = match backend {
            Backend::Postgres => case.postgres.clone(),
            _ => case.sqlite.clone(),
        };
        let Some(sql) = sql else {
            eprintln!(
                "{backend:?}: {}: not representable in its column types",
                case.name
            );
            harness.finish().await;
            continue;
        };
        ran += 1;
        let before = observe(&harness.store, &f).await;
        tamper.run(&sql, &tables).await;
        // The damage read by the store that was open while it happened, and
        // by a store opened on the damaged database afterwards.
        let reopened = reopen(&harness, backend).await;
        let altered = sql.contains("ALTER TABLE");
        for (store, label) in [(&harness.store, "open store"), (&reopened, "reopened")] {
            let after = observe(store, &f).await;
            let mut visible = false;
            for ((name, before), (_, after)) in before.iter().zip(after) {
                let Outcome::Done(Ok(truth)) = before else {
                    panic!(
                        "{}: {name} failed on the valid store: {before:?}",
                        case.name
                    );
                };
                let verdict = match after {
                    Outcome::Hung => Some("hung".to_string()),
                    Outcome::Panicked(text) => Some(format!("panicked: {text}")),
                    Outcome::Done(Ok(value)) if value == *truth => None,
                    Outcome::Done(Ok(_)) if case.blind.contains(name) => None,
                    Outcome::Done(Ok(value)) => Some(format!(
                        "returned a wrong value silently:\n{}",
                        first_difference(truth, &value)
                    )),
                    // PostgreSQL refuses the statements a pool prepared
                    // before a column changed type ("cached plan must not
                    // change result type"): typed, and the reopened store
                    // names the column.
                    Outcome::Done(Err(Error::Database { .. }))
                        if altered && label == "open store" =>
                    {
                        visible = true;
                        None
                    }
                    Outcome::Done(Err(error)) => {
                        visible = true;
                        eprintln!("{backend:?} {label}: {}: {name}: {error}", case.name);
                        (!names_the_damage(&error, &case))
                            .then(|| format!("an error that does not name the damage: {error:?}"))
                    }
                };
                if let Some(verdict) = verdict {
                    failures.push(format!("{} ({label}): {name} {verdict}", case.name));
                }
            }
            // A reopened store writes its types' catalog rows again (the
            // damage there is repaired, not read).
            if !visible && !case.harmless && label == "open store" {
                failures.push(format!(
                    "{} ({label}): no read noticed the damage",
                    case.name
                ));
            }
        }
        drop(reopened);
        if let Tamper::Postgres(pool) = tamper {
            pool.close().await;
        }
        harness.finish().await;
    }
    assert!(ran > 0);
    assert!(
        failures.is_empty(),
        "{} failure(s) on {backend:?}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The first line where two renderings differ, for the failure message.
fn first_difference(truth: &str, value: &str) -> String {
    for (line, (a, b)) in truth.lines().zip(value.lines()).enumerate() {
        if a != b {
            return format!("line {line}: expected {a:?}, got {b:?}");
        }
    }
    format!(
        "expected {} lines, got {}",
        truth.lines().count(),
        value.lines().count()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_sqlite_file_is_never_misread() {
    corpus_holds(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_postgres_schema_is_never_misread() {
    corpus_holds(Backend::Postgres).await;
}
