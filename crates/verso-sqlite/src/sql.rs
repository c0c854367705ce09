//! The statements only SQLite runs: the catalog upsert and the rendered
//! walks. Batch writes are [`crate::batch`]; the statements shared with the
//! other SQL drivers come from [`verso_sql`].

use crate::dialect::Sqlite;
use sea_query::{OnConflict, Query, SqliteQueryBuilder};
use std::sync::OnceLock;
use verso_sql::storage::WalkShape;
use verso_sql::{Dialect, CATALOG_COLUMNS, CATALOG_TABLE};

/// Upserts one catalog row: `?1` type name, `?2` table, `?3` definition.
pub(crate) fn upsert_catalog() -> String {
    let [type_name, rest @ ..] = CATALOG_COLUMNS.map(|c| c.name);
    Query::insert()
        .into_table(CATALOG_TABLE)
        .columns(CATALOG_COLUMNS.map(|c| c.name))
        .values_panic((1..=3).map(|n| Sqlite.parameter(n)))
        .on_conflict(
            OnConflict::column(type_name)
                .update_columns(rest)
                .to_owned(),
        )
        .to_string(SqliteQueryBuilder)
}

/// The walk over the lists below a set of versions
/// ([`verso_sql::storage::walk_lists`]), rendered once.
pub(crate) fn walk_lists(shape: WalkShape) -> &'static str {
    static WALKS: [OnceLock<String>; 4] = [const { OnceLock::new() }; 4];
    let index = usize::from(shape.single_root) * 2 + usize::from(shape.nested);
    WALKS[index].get_or_init(|| verso_sql::storage::walk_lists(&Sqlite, shape))
}
