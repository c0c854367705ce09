//! Every lookup and the gained-children query can be answered by an index:
//! the generic plans of the driver's own prepared statements, with
//! sequential scans disabled (the tables are tiny), search the tables that
//! grow with the history instead of scanning them.
//!
//! Server: `VERSO_POSTGRES_URL` or `postgres://postgres@127.0.0.1:5432/test`.
//! Without a server the test prints `SKIPPED` and passes, unless
//! `VERSO_REQUIRE_POSTGRES=1`.

mod support;

use sqlx::PgPool;
use support::{setup, MESSAGE, THREAD};
use uuid::Uuid;
use verso_core::{
    Column, ColumnType, CompareOp, Driver, EntityQuery, EntityType, Filter, Lookup, Origin,
    QueryColumn, RefKind, Reference, TypeRef, Value, VersionFilter, VersionQuery,
};
use verso_postgres::PostgresDriver;

/// The names of the named prepared statements of the pool's one session.
async fn prepared(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM pg_prepared_statements")
        .persistent(false)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The one statement prepared since `before`: its text and the
/// `(node, index)` pairs of its generic plan.
async fn new_plan(pool: &PgPool, before: &[String]) -> (String, Vec<(String, String)>) {
    let rows: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT name, statement, coalesce(cardinality(parameter_types), 0) \
         FROM pg_prepared_statements WHERE NOT name = ANY($1)",
    )
    .bind(before)
    .persistent(false)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one new statement: {rows:?}");
    let (name, statement, params) = rows.into_iter().next().unwrap();
    let args = if params == 0 {
        String::new()
    } else {
        format!("({})", vec!["NULL"; params as usize].join(", "))
    };
    let explained: serde_json::Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (FORMAT JSON) EXECUTE {name}{args}"
    )))
    .persistent(false)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut nodes = Vec::new();
    plan_nodes(&explained[0]["Plan"], &mut nodes);
    (statement, nodes)
}

/// Every node of a JSON plan as `("<Node Type> <Relation Name>", index)`.
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

/// No scan of a table that grows with the history; `expected` indexes used.
fn assert_indexed(statement: &str, nodes: &[(String, String)], expected: &[&str]) {
    let context = format!("{statement}\n{nodes:#?}");
    for table in ["messages", "verso_heads", "verso_list_changes"] {
        assert!(
            !nodes.iter().any(|(n, _)| n == &format!("Seq Scan {table}")),
            "a scan of {table}: {context}"
        );
    }
    for index in expected {
        assert!(
            nodes.iter().any(|(_, i)| i == index),
            "{index} unused: {context}"
        );
    }
}

/// A type holding a list of references to messages.
static SHELF: EntityType = EntityType {
    name: "Shelf",
    table: "shelves",
    origin: Origin::UNKNOWN,
    columns: &[Column {
        name: "books",
        ty: ColumnType::Json,
        nullable: false,
        references: Some(Reference::many(TypeRef::Named("Message"), RefKind::Version)),
    }],
    children: &[],
    variants: &[],
};

fn lookups() -> Vec<(Lookup, &'static [&'static str])> {
    let id = Uuid::new_v4();
    let epoch = chrono::DateTime::UNIX_EPOCH;
    vec![
        (
            Lookup::Newest {
                lineage_id: id,
                at: None,
            },
            &["messages_lineage_idx"],
        ),
        (
            Lookup::Newest {
                lineage_id: id,
                at: Some(epoch),
            },
            &["messages_lineage_idx"],
        ),
        (
            Lookup::Heads { lineage_id: id },
            &["verso_heads_pkey", "messages_ecs_id_key"],
        ),
        (Lookup::Ancestors { ecs_id: id }, &["messages_ecs_id_key"]),
        (
            Lookup::Versions {
                lineage_id: id,
                after: Some((epoch, 1)),
                limit: Some(50),
            },
            &["messages_lineage_idx"],
        ),
        (
            Lookup::Containing {
                field: "replies",
                child: id,
            },
            &[
                "verso_list_changes_pkey",
                "messages_parent_id_idx",
                "messages_ecs_id_key",
            ],
        ),
    ]
}

#[tokio::test]
async fn every_lookup_and_gained_children_can_search_an_index() {
    let Some(db) = setup().await else { return };
    let pool = db.single_connection_pool().await;
    let driver = PostgresDriver::from_pool(pool.clone());
    driver
        .ensure_tables(&[&THREAD, &MESSAGE, &SHELF])
        .await
        .unwrap();
    for setting in [
        "SET enable_seqscan = off",
        "SET plan_cache_mode = force_generic_plan",
    ] {
        sqlx::query(setting)
            .persistent(false)
            .execute(&pool)
            .await
            .unwrap();
    }

    for (lookup, indexes) in lookups() {
        let before = prepared(&pool).await;
        driver.lookup(&MESSAGE, &lookup).await.unwrap();
        let (statement, nodes) = new_plan(&pool, &before).await;
        assert_indexed(&statement, &nodes, indexes);
    }
    let before = prepared(&pool).await;
    driver
        .gained_children(&MESSAGE, Uuid::new_v4(), "replies")
        .await
        .unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(
        &statement,
        &nodes,
        &["messages_lineage_idx", "verso_list_changes_parent_idx"],
    );
    // `referencing`: who points here, the newest version of each lineage.
    let before = prepared(&pool).await;
    let query = VersionQuery {
        filter: VersionFilter::In {
            column: "author",
            ids: vec![Uuid::new_v4()],
        },
        newest_per_lineage: true,
    };
    driver.select_versions(&MESSAGE, &query).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(&statement, &nodes, &["messages_author_idx"]);
    // A typed query on a reference field: the reference index, and the
    // lineage index for "newest of its lineage".
    let before = prepared(&pool).await;
    let query = EntityQuery {
        filter: Some(Filter::Compare {
            column: QueryColumn::Field("author"),
            op: CompareOp::Eq,
            value: Value::Uuid(Uuid::new_v4()),
        }),
        ..EntityQuery::default()
    };
    driver.count(&MESSAGE, &query).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(
        &statement,
        &nodes,
        &["messages_author_idx", "messages_lineage_idx"],
    );
    // The reference check of a commit: versions, then lineages.
    for (column, index) in [
        ("ecs_id", "messages_ecs_id_key"),
        ("lineage_id", "messages_lineage_idx"),
    ] {
        let before = prepared(&pool).await;
        driver
            .stored_ids(&MESSAGE, column, &[Uuid::new_v4()])
            .await
            .unwrap();
        let (statement, nodes) = new_plan(&pool, &before).await;
        assert_indexed(&statement, &nodes, &[index]);
    }
    // `referencing` on a list of references: the GIN index of the list.
    let before = prepared(&pool).await;
    let query = VersionQuery {
        filter: VersionFilter::In {
            column: "books",
            ids: vec![Uuid::new_v4()],
        },
        newest_per_lineage: false,
    };
    driver.select_versions(&SHELF, &query).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(&statement, &nodes, &["shelves_books_idx"]);
    // The commit lookups.
    let id = Uuid::new_v4();
    let before = prepared(&pool).await;
    driver.commit_record(id).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(&statement, &nodes, &["verso_commits_pkey"]);
    let before = prepared(&pool).await;
    driver.commit_versions(id).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(&statement, &nodes, &["verso_commit_versions_commit_idx"]);
    let before = prepared(&pool).await;
    driver.lineage_commits(id).await.unwrap();
    let (statement, nodes) = new_plan(&pool, &before).await;
    assert_indexed(
        &statement,
        &nodes,
        &["verso_commit_versions_lineage_idx", "verso_commits_pkey"],
    );
    pool.close().await;
}
