//! The statements only SQLite runs: batch inserts from one JSON parameter
//! and the catalog upsert. The
//! statements shared with the other SQL drivers come from [`verso_sql`].

use crate::dialect::Sqlite;
use sea_query::{Alias, Expr, Func, OnConflict, Query, SqliteQueryBuilder};
use std::sync::OnceLock;
use verso_sql::storage::{CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LISTS_TABLE};
use verso_sql::{Dialect, CATALOG_COLUMNS, CATALOG_TABLE, ID_COLUMN};

/// Upserts one catalog row: `?1` type name, `?2` table, `?3` definition.
pub(crate) fn upsert_catalog() -> String {
    let [type_name, rest @ ..] = CATALOG_COLUMNS.map(|c| Alias::new(c.name));
    Query::insert()
        .into_table(Alias::new(CATALOG_TABLE))
        .columns(CATALOG_COLUMNS.map(|c| Alias::new(c.name)))
        .values_panic((1..=3).map(|n| Sqlite.parameter(n)))
        .on_conflict(
            OnConflict::column(type_name)
                .update_columns(rest)
                .to_owned(),
        )
        .to_string(SqliteQueryBuilder)
}

/// Inserts every row of a JSON array bound as `?1` (an array of arrays, one
/// per row, in `columns` order), returning `id, ecs_id` when asked.
pub(crate) fn insert_json_batch(table: &str, columns: &[&str], returning_ids: bool) -> String {
    let picks = (0..columns.len()).map(|i| Expr::cust(format!("value->>{i}")));
    let select = Query::select()
        .exprs(picks)
        .from_function(
            Func::cust(Alias::new("json_each")).arg(Sqlite.parameter(1)),
            Alias::new("batch"),
        )
        .to_owned();
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .select_from(select)
        .expect("column count matches the select");
    if returning_ids {
        insert.returning(Query::returning().columns([ID_COLUMN, "ecs_id"].map(Alias::new)));
    }
    insert.to_string(SqliteQueryBuilder)
}

/// Inserts the list rows of a JSON batch (`parent_ecs_id, field,
/// child_type, height, entries`).
pub(crate) fn insert_lists() -> String {
    insert_json_batch(
        LISTS_TABLE,
        &["parent_ecs_id", "field", "child_type", "height", "entries"],
        false,
    )
}

/// Inserts the chunks of a JSON batch (`chunk_id, height, entries`), each
/// unless it is stored already: chunks are shared by content.
pub(crate) fn insert_chunks() -> String {
    insert_json_batch(CHUNKS_TABLE, &["chunk_id", "height", "entries"], false).replacen(
        "INSERT INTO",
        "INSERT OR IGNORE INTO",
        1,
    )
}

/// Inserts the list changes of a JSON batch (`child_ecs_id,
/// parent_ecs_id, field, position, added`).
pub(crate) fn insert_changes() -> String {
    insert_json_batch(
        CHANGES_TABLE,
        &[
            "child_ecs_id",
            "parent_ecs_id",
            "field",
            "position",
            "added",
        ],
        false,
    )
}

/// Inserts the heads of a JSON batch (`lineage_id, ecs_id`).
pub(crate) fn insert_heads() -> String {
    insert_json_batch(HEADS_TABLE, &["lineage_id", "ecs_id"], false)
}

/// Deletes the heads of a JSON batch (`lineage_id, ecs_id`): versions that
/// were just forked.
pub(crate) fn delete_heads() -> String {
    format!(
        "DELETE FROM {HEADS_TABLE} WHERE (lineage_id, ecs_id) IN \
         (SELECT value->>0, value->>1 FROM json_each(?1))"
    )
}

/// The walk over the lists below a set of versions
/// ([`verso_sql::storage::walk_lists`]), rendered once.
pub(crate) fn walk_lists() -> &'static str {
    static WALK: OnceLock<String> = OnceLock::new();
    WALK.get_or_init(|| verso_sql::storage::walk_lists(&Sqlite))
}
