//! The PostgreSQL driver against a real server, each test in its own schema.
//!
//! Server: `VERSO_POSTGRES_URL` or `postgres://postgres@127.0.0.1:5432/test`.
//! Without a server the tests print `SKIPPED` and pass, unless
//! `VERSO_REQUIRE_POSTGRES=1`.

mod support;

use chrono::Duration;
use std::borrow::Cow;
use std::collections::HashMap;
use support::{plan_of, setup, MessageNode, TestDb, ThreadNode, MESSAGE, THREAD};
use uuid::Uuid;
use verso_core::{
    apply_commit, plan_commit, reachable_types, ChunkRow, ChunkedList, CommitPlan, DbErrorKind,
    Driver, Error, Fault, GainedChild, ListChange, ListRow, LoadRequest, LoadedRows, Lookup, Stats,
    TableBatch, Value,
};
use verso_postgres::PostgresDriver;

/// The tables Verso shares between entity types.
const SHARED_TABLES: [&str; 7] = [
    "verso_lists",
    "verso_chunks",
    "verso_list_changes",
    "verso_heads",
    "verso_catalog",
    "verso_commits",
    "verso_commit_versions",
];

fn types() -> Vec<&'static verso_core::EntityType> {
    reachable_types(&THREAD)
}

fn load_request(roots: Vec<Uuid>) -> LoadRequest {
    LoadRequest {
        root_type: &THREAD,
        roots,
        types: types(),
    }
}

/// Statements and rows of `driver` since `before`.
fn since(driver: &PostgresDriver, before: Stats) -> Stats {
    driver.instrument().stats() - before
}

/// The statements a commit of `plan` sends: `BEGIN`, one insert per
/// table, one per shared table written (lists, chunks, list changes), the
/// delete of the replaced heads, the insert of the new ones, `COMMIT`.
fn commit_statements(plan: &CommitPlan) -> u64 {
    let writes = [
        // The commit's row, and its links to the versions.
        plan.commit.is_some(),
        plan.commit.is_some(),
        !plan.lists.is_empty(),
        !plan.chunks.is_empty(),
        !plan.changes.is_empty(),
        plan.replaced_heads().next().is_some(),
    ];
    (3 + plan.batches.len() + writes.iter().filter(|w| **w).count()) as u64
}

/// The row count of every entity and shared table, by name.
async fn table_counts(db: &TestDb) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in ["threads", "messages"].into_iter().chain(SHARED_TABLES) {
        counts.push((table, db.count(table).await));
    }
    counts
}

/// The children of `parent`'s list in `field`, read back from a load.
fn children_of(loaded: &LoadedRows, parent: Uuid, field: &str) -> Vec<Uuid> {
    let list = loaded
        .lists
        .iter()
        .find(|l| l.parent == parent && l.field == field)
        .unwrap_or_else(|| panic!("no list {field} of {parent}"));
    ChunkedList::read(list, &loaded.chunks).unwrap().0
}

/// The chunks of a plan, by id (how a load returns them).
fn chunks_by_id(chunks: &[ChunkRow]) -> HashMap<Uuid, ChunkRow> {
    chunks.iter().map(|c| (c.id, c.clone())).collect()
}

/// `(lineage_id, ecs_id)` of every stored head, sorted.
async fn heads(db: &TestDb) -> Vec<(Uuid, Uuid)> {
    sqlx::query_as("SELECT lineage_id, ecs_id FROM verso_heads ORDER BY 1, 2")
        .fetch_all(db.driver.pool())
        .await
        .unwrap()
}

/// Commits `thread` and updates its metadata; returns the row ids.
async fn commit(driver: &PostgresDriver, thread: &mut ThreadNode) -> HashMap<Uuid, i64> {
    let planned = plan_commit(thread, false).unwrap();
    let ids = driver.commit(&planned.plan).await.unwrap();
    apply_commit(thread, planned, &ids);
    ids
}

#[tokio::test]
async fn ensure_tables_is_idempotent_and_fills_the_catalog() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    db.driver.ensure_tables(&types()).await.unwrap();
    // A type listed twice is fine too.
    db.driver.ensure_tables(&[&THREAD, &THREAD]).await.unwrap();
    for table in ["threads", "messages"].into_iter().chain(SHARED_TABLES) {
        assert!(db.table_exists(table).await, "{table} missing");
    }
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(db.driver.pool())
    .await
    .unwrap();
    for index in [
        "messages_author_idx",
        "messages_ecs_id_key",
        "messages_lineage_idx",
        "messages_parent_id_idx",
        "threads_ecs_id_key",
        "threads_lineage_idx",
        "threads_parent_id_idx",
        "verso_chunks_pkey",
        "verso_heads_pkey",
        "verso_list_changes_parent_idx",
        "verso_list_changes_pkey",
        "verso_lists_pkey",
    ] {
        assert!(indexes.iter().any(|i| i == index), "{index} in {indexes:?}");
    }
    let catalog: Vec<(String, String, serde_json::Value)> =
        sqlx::query_as("SELECT type_name, table_name, definition FROM verso_catalog ORDER BY 1")
            .fetch_all(db.driver.pool())
            .await
            .unwrap();
    assert_eq!(
        catalog,
        vec![
            ("Message".into(), "messages".into(), MESSAGE.definition()),
            ("Thread".into(), "threads".into(), THREAD.definition()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ensure_tables_in_one_schema_all_succeed() {
    let Some(db) = setup().await else { return };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let schema = db.schema.clone();
        tasks.spawn(async move {
            let driver = PostgresDriver::connect_in_schema(&support::url(), &schema).await?;
            driver.ensure_tables(&[&THREAD, &MESSAGE]).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(db.count("verso_catalog").await, 2);
}

fn expect_mismatch(result: verso_core::Result<()>) -> (String, String, String) {
    match result {
        Err(Error::SchemaMismatch {
            table,
            column,
            detail,
        }) => (table, column, detail),
        other => panic!("expected SchemaMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn existing_table_missing_a_column_is_a_mismatch() {
    let Some(db) = setup().await else { return };
    db.execute(
        "CREATE TABLE threads (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
         ecs_id UUID NOT NULL, lineage_id UUID NOT NULL, parent_id UUID, \
         created_at TIMESTAMPTZ NOT NULL)",
    )
    .await;
    let (table, column, detail) = expect_mismatch(db.driver.ensure_tables(&types()).await);
    assert_eq!((table.as_str(), column.as_str()), ("threads", "title"));
    assert!(
        detail.contains("text") && detail.contains("found none"),
        "{detail}"
    );
    // Nothing was written.
    for table in ["messages"].into_iter().chain(SHARED_TABLES) {
        assert!(!db.table_exists(table).await, "{table} was created");
    }
}

#[tokio::test]
async fn existing_column_of_another_type_is_a_mismatch() {
    let Some(db) = setup().await else { return };
    db.execute(
        "CREATE TABLE threads (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
         ecs_id UUID NOT NULL, lineage_id UUID NOT NULL, parent_id UUID, \
         created_at TIMESTAMPTZ NOT NULL, title INTEGER NOT NULL)",
    )
    .await;
    let error = db.driver.ensure_tables(&types()).await;
    let message = format!("{}", error.as_ref().unwrap_err());
    let (table, column, detail) = expect_mismatch(error);
    assert_eq!((table.as_str(), column.as_str()), ("threads", "title"));
    assert_eq!(detail, "expected type text, found integer");
    assert!(
        message.contains("threads") && message.contains("title"),
        "{message}"
    );
    assert!(!db.table_exists("verso_catalog").await);
}

#[tokio::test]
async fn a_table_catalogued_for_another_type_is_a_mismatch() {
    static IMPOSTOR: verso_core::EntityType = verso_core::EntityType {
        name: "Impostor",
        table: "threads",
        origin: verso_core::Origin::UNKNOWN,
        columns: THREAD.columns,
        children: &[],
        variants: &[],
    };
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let (table, column, detail) = expect_mismatch(db.driver.ensure_tables(&[&IMPOSTOR]).await);
    assert_eq!((table.as_str(), column.as_str()), ("threads", "*"));
    assert!(detail.contains("Thread"), "{detail}");
}

#[tokio::test]
async fn a_database_of_the_link_layout_is_refused_as_outdated() {
    let Some(db) = setup().await else { return };
    // What the first layout left: an entity table and the link table.
    db.execute(
        "CREATE TABLE threads (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
         ecs_id UUID NOT NULL, lineage_id UUID NOT NULL, parent_id UUID, \
         created_at TIMESTAMPTZ NOT NULL, title TEXT NOT NULL)",
    )
    .await;
    db.execute(
        "CREATE TABLE verso_links (parent_ecs_id UUID NOT NULL, field TEXT NOT NULL, \
         position BIGINT NOT NULL, child_ecs_id UUID NOT NULL, child_type TEXT NOT NULL, \
         PRIMARY KEY (parent_ecs_id, field, position))",
    )
    .await;
    db.execute(&format!(
        "INSERT INTO verso_links VALUES ('{}', 'messages', 0, '{}', 'Message')",
        Uuid::new_v4(),
        Uuid::new_v4()
    ))
    .await;
    for _ in 0..2 {
        match db.driver.ensure_tables(&types()).await {
            Err(Error::OutdatedLayout { found, detail }) => {
                assert_eq!(found, "verso_links");
                assert!(detail.contains("verso upgrade"), "{detail}");
            }
            other => panic!("expected OutdatedLayout, got {other:?}"),
        }
    }
    // Nothing was created, nothing was changed.
    for table in ["messages"].into_iter().chain(SHARED_TABLES) {
        assert!(!db.table_exists(table).await, "{table} was created");
    }
    assert_eq!(db.count("verso_links").await, 1);

    // The check is of the current schema only: another store is unaffected.
    let Some(other) = setup().await else { return };
    other.driver.ensure_tables(&types()).await.unwrap();
}

#[tokio::test]
async fn commit_returns_row_ids_and_writes_rows_and_lists() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let thread = ThreadNode::new("hello", 3);
    let plan = plan_of(&thread);
    let ids = db.driver.commit(&plan).await.unwrap();
    assert_eq!(ids.len(), 4);
    let thread_id = ids[&thread.meta.ecs_id()];
    let meta = db
        .driver
        .version(&THREAD, thread.meta.ecs_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meta.id, thread_id);
    assert_eq!(meta.lineage_id, thread.meta.lineage_id());
    assert_eq!(meta.created_at, plan.batches[1].rows[0].created_at);
    for message in &thread.messages {
        let stored = db
            .driver
            .version(&MESSAGE, message.meta.ecs_id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.id, ids[&message.meta.ecs_id()]);
    }
    assert_eq!(db.count("threads").await, 1);
    assert_eq!(db.count("messages").await, 3);
    let message_ids: Vec<Uuid> = thread.messages.iter().map(|m| m.meta.ecs_id()).collect();
    // A short list is one row holding the children; no chunk below it.
    let lists: Vec<(Uuid, String, String, i64, Vec<Uuid>)> =
        sqlx::query_as("SELECT parent_ecs_id, field, child_type, height, entries FROM verso_lists")
            .fetch_all(db.driver.pool())
            .await
            .unwrap();
    assert_eq!(
        lists,
        vec![(
            thread.meta.ecs_id(),
            "messages".to_string(),
            "Message".to_string(),
            0,
            message_ids.clone()
        )]
    );
    assert_eq!(db.count("verso_chunks").await, 0);
    // The first version gained every child.
    let changes: Vec<(Uuid, Uuid, String, i64, bool)> = sqlx::query_as(
        "SELECT child_ecs_id, parent_ecs_id, field, position, added FROM verso_list_changes \
         ORDER BY position",
    )
    .fetch_all(db.driver.pool())
    .await
    .unwrap();
    let expected: Vec<_> = message_ids
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                *m,
                thread.meta.ecs_id(),
                "messages".to_string(),
                i as i64,
                true,
            )
        })
        .collect();
    assert_eq!(changes, expected);
    // Every new version is the head of its lineage.
    let mut expected_heads: Vec<(Uuid, Uuid)> = plan.new_heads().collect();
    expected_heads.sort();
    assert_eq!(heads(&db).await, expected_heads);
}

#[tokio::test]
async fn a_long_list_is_stored_as_chunks_and_read_back_in_order() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let thread = ThreadNode::new("long", 3000);
    let plan = plan_of(&thread);
    db.driver.commit(&plan).await.unwrap();
    let height: i64 = sqlx::query_scalar("SELECT height FROM verso_lists")
        .fetch_one(db.driver.pool())
        .await
        .unwrap();
    assert!(height >= 2, "3000 children make a tree of height {height}");
    assert_eq!(db.count("verso_chunks").await, plan.chunks.len() as i64);
    let stored: Vec<(Uuid, i64, Vec<Uuid>)> =
        sqlx::query_as("SELECT chunk_id, height, entries FROM verso_chunks")
            .fetch_all(db.driver.pool())
            .await
            .unwrap();
    let stored: HashMap<Uuid, ChunkRow> = stored
        .into_iter()
        .map(|(id, height, entries)| {
            (
                id,
                ChunkRow {
                    id,
                    height,
                    entries,
                },
            )
        })
        .collect();
    assert_eq!(stored, chunks_by_id(&plan.chunks));
    let loaded = db
        .driver
        .load(&load_request(vec![thread.meta.ecs_id()]))
        .await
        .unwrap();
    let message_ids: Vec<Uuid> = thread.messages.iter().map(|m| m.meta.ecs_id()).collect();
    assert_eq!(
        children_of(&loaded, thread.meta.ecs_id(), "messages"),
        message_ids
    );
}

#[tokio::test]
async fn commit_statement_count_does_not_depend_on_size() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut measured = Vec::new();
    // Both long enough to need chunks (a chunk holds at most 64 entries).
    for size in [100usize, 5000] {
        let thread = ThreadNode::new("big", size);
        let plan = plan_of(&thread);
        assert_eq!(plan.lists.len(), 1);
        assert!(!plan.chunks.is_empty());
        assert_eq!(plan.changes.len(), size);
        let before = db.driver.instrument().stats();
        let ids = db.driver.commit(&plan).await.unwrap();
        let stats = since(&db.driver, before);
        assert_eq!(ids.len(), size + 1);
        eprintln!(
            "commit of 1 thread + {size} messages ({} chunks): {stats:?}",
            plan.chunks.len()
        );
        // BEGIN, messages, threads, the commit's row and links, lists,
        // chunks, list changes, heads, COMMIT.
        assert_eq!(stats.statements, 10);
        assert_eq!(stats.statements, commit_statements(&plan));
        // Versions, the list, its chunks, one change and one head per child
        // and for the thread, the commit's row and a link per version.
        assert_eq!(stats.rows_written, plan.row_count() as u64);
        assert_eq!(
            plan.row_count(),
            2 * (size + 1) + 1 + plan.chunks.len() + size + 1 + (size + 1)
        );
        measured.push(stats.statements);
    }
    assert_eq!(measured[0], measured[1]);
}

#[tokio::test]
async fn an_edit_in_a_long_list_writes_a_bounded_number_of_rows() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut thread = ThreadNode::new("long", 5000);
    commit(&db.driver, &mut thread).await;
    let before_counts = table_counts(&db).await;
    let old_thread = thread.meta.ecs_id();
    let old_message = thread.messages[2500].meta.ecs_id();

    thread.messages[2500].body = "edited".into();
    let planned = plan_commit(&thread, false).unwrap();
    let plan = planned.plan.clone();
    assert_eq!(plan.version_count(), 2, "the message and the thread");
    let before = db.driver.instrument().stats();
    let ids = db.driver.commit(&plan).await.unwrap();
    let stats = since(&db.driver, before);
    apply_commit(&mut thread, planned, &ids);
    eprintln!(
        "edit of one message of 5000: {} chunks, {stats:?}",
        plan.chunks.len()
    );
    // BEGIN, messages, threads, the commit's row and links, lists, chunks,
    // list changes, the delete of the forked heads, heads, COMMIT.
    assert_eq!(stats.statements, 11);
    assert_eq!(stats.statements, commit_statements(&plan));
    // Two versions, one list, about one chunk per level of the tree, the
    // message gained and the one lost, two heads: never one row per child.
    assert_eq!(stats.rows_written, plan.row_count() as u64);
    assert!(
        (1..=8).contains(&plan.chunks.len()),
        "{} chunks",
        plan.chunks.len()
    );
    assert!(stats.rows_written <= 16, "{stats:?}");

    let after_counts: HashMap<&str, i64> = table_counts(&db).await.into_iter().collect();
    let grown: HashMap<&str, i64> = before_counts
        .iter()
        .map(|(table, count)| (*table, after_counts[table] - count))
        .collect();
    assert_eq!(grown["threads"], 1);
    assert_eq!(grown["messages"], 1);
    assert_eq!(grown["verso_lists"], 1);
    assert_eq!(grown["verso_chunks"], plan.chunks.len() as i64);
    assert_eq!(grown["verso_list_changes"], 2);
    assert_eq!(grown["verso_heads"], 0, "two heads replaced by two");
    let stored_heads = heads(&db).await;
    assert!(stored_heads.contains(&(thread.meta.lineage_id(), thread.meta.ecs_id())));
    assert!(!stored_heads
        .iter()
        .any(|(_, v)| *v == old_thread || *v == old_message));

    // Both versions read back whole: the new one with the edit, the old one
    // as it was, from the chunks they share and those they do not.
    let loaded = db
        .driver
        .load(&load_request(vec![thread.meta.ecs_id(), old_thread]))
        .await
        .unwrap();
    let new_children = children_of(&loaded, thread.meta.ecs_id(), "messages");
    let old_children = children_of(&loaded, old_thread, "messages");
    assert_eq!(new_children.len(), 5000);
    assert_eq!(new_children[2500], thread.messages[2500].meta.ecs_id());
    assert_eq!(old_children[2500], old_message);
    assert_eq!(new_children[..2500], old_children[..2500]);
    assert_eq!(new_children[2501..], old_children[2501..]);
    assert_eq!(loaded.rows.len(), 5000 + 1 + 1 + 1);
}

#[tokio::test]
async fn a_chunk_stored_already_is_not_written_again() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut first = ThreadNode::new("first", 500);
    commit(&db.driver, &mut first).await;
    let chunks = db.count("verso_chunks").await;
    assert!(chunks > 0);
    // Another thread listing the same messages holds the same chunks.
    let mut second = ThreadNode::new("second", 0);
    second.messages = first.messages.clone();
    let planned = plan_commit(&second, false).unwrap();
    let plan = planned.plan.clone();
    assert_eq!(plan.version_count(), 1, "the messages are stored already");
    assert_eq!(plan.chunks.len() as i64, chunks);
    let before = db.driver.instrument().stats();
    let ids = db.driver.commit(&plan).await.unwrap();
    let stats = since(&db.driver, before);
    apply_commit(&mut second, planned, &ids);
    assert_eq!(db.count("verso_chunks").await, chunks, "stored once");
    assert_eq!(
        stats.rows_written,
        (plan.row_count() - plan.chunks.len()) as u64,
        "only inserted rows are counted"
    );
    let loaded = db
        .driver
        .load(&load_request(vec![
            first.meta.ecs_id(),
            second.meta.ecs_id(),
        ]))
        .await
        .unwrap();
    assert_eq!(loaded.lists.len(), 2);
    assert_eq!(
        loaded.chunks.len() as i64,
        chunks,
        "shared chunks are read once"
    );
    assert_eq!(
        children_of(&loaded, first.meta.ecs_id(), "messages"),
        children_of(&loaded, second.meta.ecs_id(), "messages")
    );
    assert_eq!(loaded.rows.len(), 502);
}

#[tokio::test]
async fn empty_plan_sends_nothing() {
    let Some(db) = setup().await else { return };
    let before = db.driver.instrument().stats();
    let ids = db.driver.commit(&CommitPlan::default()).await.unwrap();
    assert!(ids.is_empty());
    assert_eq!(since(&db.driver, before), Stats::default());
    // Not even the tables are needed.
    assert!(!db.table_exists("threads").await);
}

#[tokio::test]
async fn load_uses_three_queries_for_a_two_level_tree_of_any_size() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    for size in [5usize, 500] {
        let thread = ThreadNode::new("load me", size);
        let plan = plan_of(&thread);
        db.driver.commit(&plan).await.unwrap();
        let missing = Uuid::new_v4();
        let before = db.driver.instrument().stats();
        let loaded = db
            .driver
            .load(&load_request(vec![thread.meta.ecs_id(), missing]))
            .await
            .unwrap();
        let stats = since(&db.driver, before);
        eprintln!("load of 1 thread + {size} messages: {stats:?}");
        assert_eq!(stats.statements, 3);
        assert_eq!(loaded.rows.len(), size + 1);
        assert!(!loaded.rows.contains_key(&missing));
        assert_eq!(
            loaded.lists.len(),
            1,
            "the thread's; messages have no replies"
        );
        // Every stored value comes back as it was written.
        for batch in &plan.batches {
            for row in &batch.rows {
                let stored = &loaded.rows[&row.ecs_id];
                assert_eq!(stored.entity_type, batch.entity_type);
                assert_eq!(stored.meta.lineage_id, row.lineage_id);
                assert_eq!(stored.meta.parent_id, row.parent_id);
                assert_eq!(stored.meta.created_at, row.created_at);
                assert_eq!(stored.values, row.values);
            }
        }
        assert_eq!(loaded.lists, plan.lists);
        assert_eq!(loaded.chunks, chunks_by_id(&plan.chunks));
        let message_ids: Vec<Uuid> = thread.messages.iter().map(|m| m.meta.ecs_id()).collect();
        assert_eq!(
            children_of(&loaded, thread.meta.ecs_id(), "messages"),
            message_ids
        );
    }
}

#[tokio::test]
async fn load_walks_deep_trees_with_one_list_query() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut thread = ThreadNode::new("deep", 3);
    // Three more levels of replies under every message.
    for message in &mut thread.messages {
        let mut leaf = MessageNode::new(100);
        for depth in 0..3 {
            let mut parent = MessageNode::new(depth);
            parent.replies = vec![leaf, MessageNode::new(7)];
            leaf = parent;
        }
        message.replies.push(leaf);
    }
    let plan = plan_of(&thread);
    db.driver.commit(&plan).await.unwrap();
    let before = db.driver.instrument().stats();
    let loaded = db
        .driver
        .load(&load_request(vec![thread.meta.ecs_id()]))
        .await
        .unwrap();
    assert_eq!(since(&db.driver, before).statements, 3);
    assert_eq!(loaded.rows.len(), plan.version_count());
    let mut lists = loaded.lists.clone();
    let mut planned = plan.lists.clone();
    lists.sort_by_key(|l| l.parent);
    planned.sort_by_key(|l| l.parent);
    assert_eq!(lists, planned);
    assert_eq!(loaded.chunks, chunks_by_id(&plan.chunks));
}

#[tokio::test]
async fn load_of_missing_roots_is_empty() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let loaded = db
        .driver
        .load(&load_request(vec![Uuid::new_v4()]))
        .await
        .unwrap();
    assert!(loaded.rows.is_empty() && loaded.lists.is_empty() && loaded.chunks.is_empty());
}

/// Arms a fault at every statement of `plan`'s commit in turn: each time
/// the commit fails there, and every table holds what it held before.
async fn fault_at_every_statement(db: &TestDb, plan: &CommitPlan, statements: u64) {
    let before = table_counts(db).await;
    let before_heads = heads(db).await;
    for statement in 1..=statements {
        db.driver.instrument().inject(Fault {
            fail_at_statement: statement,
        });
        match db.driver.commit(plan).await {
            Err(Error::InjectedFault { statement: at }) => assert_eq!(at, statement),
            other => panic!("statement {statement}: expected the fault, got {other:?}"),
        }
        assert_eq!(
            table_counts(db).await,
            before,
            "after a fault at {statement}"
        );
        assert_eq!(
            heads(db).await,
            before_heads,
            "after a fault at {statement}"
        );
    }
}

#[tokio::test]
async fn injected_fault_leaves_no_rows_and_a_retry_succeeds() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut thread = ThreadNode::new("atomic", 100);
    let planned = plan_commit(&thread, false).unwrap();
    // BEGIN, messages, threads, the commit's row and links, lists, chunks,
    // list changes, heads, COMMIT.
    assert_eq!(commit_statements(&planned.plan), 10);
    fault_at_every_statement(&db, &planned.plan, 10).await;
    for (table, count) in table_counts(&db).await {
        let expected = if table == "verso_catalog" { 2 } else { 0 };
        assert_eq!(count, expected, "{table}");
    }
    let before = db.driver.instrument().stats();
    let ids = db.driver.commit(&planned.plan).await.unwrap();
    assert_eq!(since(&db.driver, before).statements, 10);
    assert_eq!(ids.len(), 101);
    assert_eq!(db.count("messages").await, 100);
    assert_eq!(db.count("verso_lists").await, 1);
    assert_eq!(db.count("verso_list_changes").await, 100);
    assert_eq!(db.count("verso_heads").await, 101);
    apply_commit(&mut thread, planned, &ids);

    // A fork also deletes the heads it replaces: undone with the rest.
    thread.messages[50].body = "edited".into();
    let planned = plan_commit(&thread, false).unwrap();
    // ... lists, chunks, list changes, the delete of heads, heads, COMMIT.
    assert_eq!(commit_statements(&planned.plan), 11);
    fault_at_every_statement(&db, &planned.plan, 11).await;
    let before = db.driver.instrument().stats();
    let ids = db.driver.commit(&planned.plan).await.unwrap();
    assert_eq!(since(&db.driver, before).statements, 11);
    assert_eq!(ids.len(), 2);
    assert_eq!(db.count("verso_heads").await, 101);
}

#[tokio::test]
async fn storing_a_version_twice_is_a_unique_violation() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let plan = plan_of(&ThreadNode::new("once", 2));
    db.driver.commit(&plan).await.unwrap();
    match db.driver.commit(&plan).await {
        Err(Error::Database { kind, message, .. }) => {
            assert_eq!(kind, DbErrorKind::UniqueViolation, "{message}");
            assert!(message.contains("23505"), "{message}");
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    assert_eq!(db.count("messages").await, 2);
    assert_eq!(db.count("verso_lists").await, 1);
    assert_eq!(db.count("verso_list_changes").await, 2);
    assert_eq!(db.count("verso_heads").await, 3);
}

#[tokio::test]
async fn invalid_values_are_rejected_before_anything_is_sent() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let thread = ThreadNode::new("bad", 0);
    let mut plan = plan_of(&thread);
    plan.batches[0].rows[0].values = vec![Value::Int(3)];
    let before = db.driver.instrument().stats();
    match db.driver.commit(&plan).await {
        Err(Error::InvalidInput {
            type_name,
            id,
            detail,
        }) => {
            assert_eq!(type_name, "Thread");
            assert_eq!(id, thread.meta.ecs_id());
            assert!(detail.contains("title"), "{detail}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(since(&db.driver, before).statements, 0);
}

#[tokio::test]
async fn versions_version_and_find_type() {
    let Some(db) = setup().await else { return };
    // No catalog yet.
    assert_eq!(db.driver.find_type(Uuid::new_v4()).await.unwrap(), None);
    db.driver.ensure_tables(&types()).await.unwrap();

    let mut thread = ThreadNode::new("v1", 1);
    let first_ids = commit(&db.driver, &mut thread).await;
    let v1 = thread.meta.ecs_id();
    thread.title = "v2".into();
    commit(&db.driver, &mut thread).await;
    let v2 = thread.meta.ecs_id();
    assert_ne!(v1, v2);

    let versions = db
        .driver
        .versions(&THREAD, thread.meta.lineage_id())
        .await
        .unwrap();
    let ids: Vec<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
    assert_eq!(ids, vec![v1, v2]);
    assert_eq!(versions[0].id, first_ids[&v1]);
    assert_eq!(versions[0].parent_id, None);
    assert_eq!(versions[1].parent_id, Some(v1));
    assert!(versions[0].created_at < versions[1].created_at);

    assert_eq!(
        db.driver.version(&THREAD, v2).await.unwrap(),
        Some(versions[1].clone())
    );
    assert_eq!(
        db.driver.version(&THREAD, Uuid::new_v4()).await.unwrap(),
        None
    );
    assert!(db
        .driver
        .versions(&THREAD, Uuid::new_v4())
        .await
        .unwrap()
        .is_empty());

    let before = db.driver.instrument().stats();
    assert_eq!(
        db.driver.find_type(v2).await.unwrap().as_deref(),
        Some("Thread")
    );
    assert_eq!(since(&db.driver, before).statements, 2);
    let message = thread.messages[0].meta.ecs_id();
    assert_eq!(
        db.driver.find_type(message).await.unwrap().as_deref(),
        Some("Message")
    );
    assert_eq!(db.driver.find_type(Uuid::new_v4()).await.unwrap(), None);
}

/// A plan assembled by hand (batches, lists and changes listed
/// explicitly): a lineage of three versions, two of them created in the
/// same microsecond, which `versions` orders by row id.
#[tokio::test]
async fn hand_built_plan_and_version_order() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    // `NewVersion` is not re-exported by verso-core, so rows are made by
    // copying one planned row and setting every field.
    let template = plan_of(&ThreadNode::new("template", 0)).batches[0].rows[0].clone();
    let lineage = Uuid::new_v4();
    let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let child = Uuid::new_v4();
    let t0 = verso_core::now();
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut row = template.clone();
        row.ecs_id = *id;
        row.lineage_id = lineage;
        row.parent_id = i.checked_sub(1).map(|p| ids[p]);
        row.created_at = t0 + Duration::microseconds(i.min(1) as i64);
        row.values = vec![Value::Text(format!("version {i}"))];
        rows.push(row);
    }
    let mut message = template.clone();
    message.ecs_id = child;
    message.lineage_id = Uuid::new_v4();
    message.parent_id = None;
    message.values = vec![
        Value::Text("shared".into()),
        Value::Int(-1),
        Value::Float(f64::NAN),
        Value::Bool(true),
        Value::Timestamp(t0),
        Value::Json(serde_json::Value::Null),
        Value::Null,
    ];
    let plan = CommitPlan {
        batches: vec![
            TableBatch {
                entity_type: &MESSAGE,
                rows: vec![message.clone()],
            },
            TableBatch {
                entity_type: &THREAD,
                rows,
            },
        ],
        lists: ids
            .iter()
            .map(|id| ListRow {
                parent: *id,
                field: Cow::Borrowed("messages"),
                child_type: Cow::Borrowed("Message"),
                height: 0,
                entries: vec![child],
            })
            .collect(),
        chunks: Vec::new(),
        // The first version gains the child; the others keep it.
        changes: vec![ListChange {
            parent: ids[0],
            field: Cow::Borrowed("messages"),
            child,
            position: 0,
            added: true,
        }],
        refuse_branches: false,
        references: Vec::new(),
        commit: None,
    };
    let row_ids = db.driver.commit(&plan).await.unwrap();
    assert_eq!(row_ids.len(), 4);
    let versions = db.driver.versions(&THREAD, lineage).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.ecs_id).collect::<Vec<_>>(), ids);
    assert!(versions[1].id < versions[2].id);
    assert_eq!(versions[1].created_at, versions[2].created_at);

    // Three roots sharing one child: the child is loaded once.
    let loaded = db.driver.load(&load_request(ids.clone())).await.unwrap();
    assert_eq!(loaded.rows.len(), 4);
    assert_eq!(loaded.lists.len(), 3);
    // Each version of the lineage holds the child.
    let containing = db
        .driver
        .lookup(
            &THREAD,
            &Lookup::Containing {
                field: "messages",
                child,
            },
        )
        .await
        .unwrap();
    assert_eq!(containing.iter().map(|v| v.ecs_id).collect::<Vec<_>>(), ids);
    // Versions the plan forks itself are no heads.
    let head = db
        .driver
        .lookup(
            &THREAD,
            &Lookup::Heads {
                lineage_id: lineage,
            },
        )
        .await
        .unwrap();
    assert_eq!(head.iter().map(|v| v.ecs_id).collect::<Vec<_>>(), [ids[2]]);
    // NaN and a JSON null survive (Value compares floats by bits).
    assert_eq!(loaded.rows[&child].values, message.values);
}

#[tokio::test]
async fn lookups_and_gained_children_take_one_statement_each() {
    let Some(db) = setup().await else { return };
    db.driver.ensure_tables(&types()).await.unwrap();
    let mut thread = ThreadNode::new("v1", 2);
    let [m0, m1] = [0, 1].map(|i| thread.messages[i].meta.ecs_id());
    commit(&db.driver, &mut thread).await;
    thread.title = "v2".into();
    commit(&db.driver, &mut thread).await;
    let at_v2 = thread.clone();
    thread.messages.push(MessageNode::new(2));
    commit(&db.driver, &mut thread).await;
    let m2 = thread.messages[2].meta.ecs_id();
    thread.messages.remove(0);
    commit(&db.driver, &mut thread).await;
    // A branch from v2, which keeps m0 and m1.
    let mut branch = at_v2;
    branch.title = "branch".into();
    commit(&db.driver, &mut branch).await;

    let lineage = thread.meta.lineage_id();
    let all = db.driver.versions(&THREAD, lineage).await.unwrap();
    let [v1, v2, v3, v4, b] = <[_; 5]>::try_from(all.clone()).unwrap();
    assert_eq!(b.ecs_id, branch.meta.ecs_id());
    assert_eq!(b.parent_id, Some(v2.ecs_id));
    let ids = |metas: Vec<verso_core::RowMeta>| metas.into_iter().map(|m| m.ecs_id).collect();
    let cases: Vec<(Lookup, Vec<Uuid>)> = vec![
        (
            Lookup::Newest {
                lineage_id: lineage,
                at: None,
            },
            vec![b.ecs_id],
        ),
        (
            Lookup::Newest {
                lineage_id: lineage,
                at: Some(v2.created_at),
            },
            vec![v2.ecs_id],
        ),
        (
            Lookup::Newest {
                lineage_id: lineage,
                at: Some(v1.created_at - Duration::seconds(1)),
            },
            vec![],
        ),
        (
            Lookup::Heads {
                lineage_id: lineage,
            },
            vec![v4.ecs_id, b.ecs_id],
        ),
        (
            Lookup::Ancestors { ecs_id: v4.ecs_id },
            vec![v1.ecs_id, v2.ecs_id, v3.ecs_id],
        ),
        (Lookup::Ancestors { ecs_id: v1.ecs_id }, vec![]),
        (
            Lookup::Versions {
                lineage_id: lineage,
                after: None,
                limit: Some(2),
            },
            vec![v1.ecs_id, v2.ecs_id],
        ),
        (
            Lookup::Versions {
                lineage_id: lineage,
                after: Some((v2.created_at, v2.id)),
                limit: Some(2),
            },
            vec![v3.ecs_id, v4.ecs_id],
        ),
        (
            Lookup::Versions {
                lineage_id: lineage,
                after: Some((v4.created_at, v4.id)),
                limit: None,
            },
            vec![b.ecs_id],
        ),
        (
            Lookup::Containing {
                field: "messages",
                child: m0,
            },
            vec![v1.ecs_id, v2.ecs_id, v3.ecs_id, b.ecs_id],
        ),
        (
            Lookup::Containing {
                field: "messages",
                child: m2,
            },
            vec![v3.ecs_id, v4.ecs_id],
        ),
        (
            Lookup::Containing {
                field: "replies",
                child: m1,
            },
            vec![],
        ),
    ];
    for (lookup, expected) in cases {
        let before = db.driver.instrument().stats();
        let found: Vec<Uuid> = ids(db.driver.lookup(&THREAD, &lookup).await.unwrap());
        assert_eq!(found, expected, "{lookup:?}");
        assert_eq!(since(&db.driver, before).statements, 1, "{lookup:?}");
    }
    let every = Lookup::Versions {
        lineage_id: lineage,
        after: None,
        limit: None,
    };
    assert_eq!(db.driver.lookup(&THREAD, &every).await.unwrap(), all);

    let before = db.driver.instrument().stats();
    let gained = db
        .driver
        .gained_children(&THREAD, lineage, "messages")
        .await
        .unwrap();
    assert_eq!(since(&db.driver, before).statements, 1);
    let gain = |parent: Uuid, child| GainedChild { parent, child };
    assert_eq!(
        gained,
        [
            gain(v1.ecs_id, m0),
            gain(v1.ecs_id, m1),
            gain(v3.ecs_id, m2)
        ]
    );
    assert!(db
        .driver
        .gained_children(&THREAD, Uuid::new_v4(), "messages")
        .await
        .unwrap()
        .is_empty());
}

/// Every `(node type, index)` of an `EXPLAIN (FORMAT JSON)` plan.
fn plan_nodes(plan: &serde_json::Value, into: &mut Vec<(String, String)>) {
    let text = |key: &str| plan.get(key).and_then(|v| v.as_str()).unwrap_or("");
    into.push((
        format!("{} {}", text("Node Type"), text("Relation Name")),
        text("Index Name").to_string(),
    ));
    for child in plan
        .get("Plans")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        plan_nodes(child, into);
    }
}

/// The walk over a thread of 10,000 messages (each with a reply, so that
/// `verso_lists` is no one-page table a scan would read as fast) looks up
/// every entry by primary key, with fresh statistics or none, in the
/// custom and the generic plan of the prepared statement. The statement is
/// the driver's own, read back from the session that ran it.
#[tokio::test]
async fn the_walk_looks_up_lists_and_chunks_by_primary_key() {
    let Some(db) = setup().await else { return };
    let pool = db.single_connection_pool().await;
    let driver = PostgresDriver::from_pool(pool.clone());
    driver.ensure_tables(&types()).await.unwrap();
    let mut thread = ThreadNode::new("ten thousand", 10_000);
    for message in &mut thread.messages {
        message.replies.push(MessageNode::new(1));
    }
    let plan = plan_of(&thread);
    assert_eq!(plan.lists.len(), 10_001);
    driver.commit(&plan).await.unwrap();
    let root = thread.meta.ecs_id();

    for analyzed in [false, true] {
        if analyzed {
            db.execute("ANALYZE verso_lists, verso_chunks").await;
        }
        let loaded = driver.load(&load_request(vec![root])).await.unwrap();
        assert_eq!(loaded.rows.len(), 20_001);
        let name: String = sqlx::query_scalar(
            "SELECT name FROM pg_prepared_statements WHERE statement LIKE 'WITH RECURSIVE w AS%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        for mode in ["force_custom_plan", "force_generic_plan"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("SET plan_cache_mode = {mode}")))
                .execute(&pool)
                .await
                .unwrap();
            let explained: serde_json::Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "EXPLAIN (FORMAT JSON) EXECUTE {name}('{root}'::uuid, \
                 '{{Thread,Message}}'::text[])"
            )))
            .persistent(false)
            .fetch_one(&pool)
            .await
            .unwrap();
            let mut nodes = Vec::new();
            plan_nodes(&explained[0]["Plan"], &mut nodes);
            let context = format!("analyzed: {analyzed}, {mode}: {nodes:?}");
            assert!(
                !nodes.iter().any(|(node, _)| node.starts_with("Seq Scan")),
                "{context}"
            );
            for index in ["verso_chunks_pkey", "verso_lists_pkey"] {
                assert!(nodes.iter().any(|(_, i)| i == index), "{index}: {context}");
            }
        }
        sqlx::query("RESET plan_cache_mode")
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn unreachable_server_is_connection_lost_naming_host_and_port() {
    match PostgresDriver::connect("postgres://postgres@127.0.0.1:1/test").await {
        Err(error @ Error::Database { .. }) => {
            assert!(error.is_retryable());
            let Error::Database { kind, message, .. } = error else {
                unreachable!()
            };
            assert_eq!(kind, DbErrorKind::ConnectionLost);
            assert!(message.contains("127.0.0.1:1"), "{message}");
        }
        Err(other) => panic!("expected ConnectionLost, got {other:?}"),
        Ok(_) => panic!("connected to port 1"),
    }
}
