//! The statements only SQLite runs: batch inserts from one JSON parameter,
//! the catalog upsert and the recursive walk over the links. The
//! statements shared with the other SQL drivers come from [`verso_sql`].

use crate::dialect::Sqlite;
use sea_query::{Alias, Expr, Func, OnConflict, Query, SqliteQueryBuilder};
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

/// Every link below the parents in the JSON array bound as `?1`, following
/// only children whose type (in the JSON array `?2`) has child fields.
///
/// Written out: sea-query can build a recursive CTE, but not more plainly
/// than this text.
pub(crate) const LINK_CLOSURE: &str = "\
WITH RECURSIVE closure(parent_ecs_id, field, position, child_ecs_id, child_type) AS ( \
    SELECT parent_ecs_id, field, position, child_ecs_id, child_type FROM verso_links \
    WHERE parent_ecs_id IN (SELECT value FROM json_each(?1)) \
    UNION \
    SELECT l.parent_ecs_id, l.field, l.position, l.child_ecs_id, l.child_type \
    FROM closure AS c JOIN verso_links AS l ON l.parent_ecs_id = c.child_ecs_id \
    WHERE c.child_type IN (SELECT value FROM json_each(?2)) \
) SELECT parent_ecs_id, field, position, child_ecs_id, child_type FROM closure";
