//! The statements only PostgreSQL runs: batch inserts from one typed array
//! per column (versions, lists, chunks, list changes, heads), the catalog
//! reads and upsert, and the schema lock. The statements shared with the
//! other SQL drivers come from [`verso_sql`], the walk over the lists and
//! the indexed lookups from [`verso_sql::storage`].
//!
//! These are written out, with every identifier quoted by [`ident`]:
//! sea-query has no `UNNEST` of typed arrays, and the rest are constants.

use crate::dialect::Postgres;
use std::sync::OnceLock;
use verso_core::{ColumnType, EntityType};
use verso_sql::storage::WalkShape;
use verso_sql::storage::{CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LISTS_TABLE};
use verso_sql::VERSION_COLUMNS;

/// Takes the transaction-scoped advisory lock of a schema: the one named
/// by `$1`, or the current one when `$1` is `NULL`. Creating a schema and
/// `ensure_tables` hold it, so concurrent callers on one schema take turns.
pub(crate) const LOCK_SCHEMA: &str = "SELECT pg_advisory_xact_lock(1447383635, \
     hashtext(coalesce($1::text, current_schema()::text, '')))";

/// Whether a table named `$1` exists in the current schema.
pub(crate) const TABLE_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables \
     WHERE schemaname = current_schema() AND tablename = $1)";

/// The array type a column of this type travels as in an `UNNEST` insert.
pub(crate) fn array_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Bool => "bool[]",
        ColumnType::Int => "int8[]",
        ColumnType::Float => "float8[]",
        ColumnType::Text => "text[]",
        ColumnType::Uuid => "uuid[]",
        ColumnType::Timestamp => "timestamptz[]",
        ColumnType::Json => "jsonb[]",
    }
}

/// A quoted identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The columns inserted for a version of `ty` (metadata without `id`, then
/// the type's columns), with their types.
pub(crate) fn insert_columns(ty: &EntityType) -> Vec<(&'static str, ColumnType)> {
    VERSION_COLUMNS
        .iter()
        .map(|c| (c.name, c.ty))
        .chain(ty.columns.iter().map(|c| (c.name, c.ty)))
        .collect()
}

/// `INSERT INTO table (cols) SELECT * FROM UNNEST($1::t1[], ...)`: the whole
/// batch travels as one array parameter per column. With `returning`, the
/// statement returns `id, ecs_id` of every inserted row.
pub(crate) fn insert_unnest(
    table: &str,
    columns: &[(&str, ColumnType)],
    returning: bool,
) -> String {
    let names: Vec<String> = columns.iter().map(|(name, _)| ident(name)).collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| format!("${}::{}", i + 1, array_type(*ty)))
        .collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
        ident(table),
        names.join(", "),
        arrays.join(", ")
    );
    if returning {
        sql.push_str(" RETURNING \"id\", \"ecs_id\"");
    }
    sql
}

/// Inserts list rows from five arrays: `$1` parents (`uuid[]`), `$2`
/// fields, `$3` child types (`text[]`), `$4` heights (`int8[]`) and `$5`
/// entries, each list as the text of a `uuid[]` literal (`{id,id}`): an
/// array of arrays of different lengths cannot be bound.
pub(crate) fn insert_lists() -> String {
    format!(
        "INSERT INTO {LISTS_TABLE} (parent_ecs_id, field, child_type, height, entries) \
         SELECT p, f, t, h, e::uuid[] \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[]) \
         AS batch(p, f, t, h, e)"
    )
}

/// Inserts chunks from three arrays (`$1` ids, `$2` heights, `$3` entries
/// as `uuid[]` literals), each unless it is stored already: chunks are
/// shared by content.
pub(crate) fn insert_chunks() -> String {
    format!(
        "INSERT INTO {CHUNKS_TABLE} (chunk_id, height, entries) \
         SELECT c, h, e::uuid[] FROM UNNEST($1::uuid[], $2::int8[], $3::text[]) \
         AS batch(c, h, e) ON CONFLICT (chunk_id) DO NOTHING"
    )
}

/// Inserts list changes from five arrays (`child_ecs_id, parent_ecs_id,
/// field, position, added`).
pub(crate) fn insert_changes() -> String {
    insert_unnest(
        CHANGES_TABLE,
        &[
            ("child_ecs_id", ColumnType::Uuid),
            ("parent_ecs_id", ColumnType::Uuid),
            ("field", ColumnType::Text),
            ("position", ColumnType::Int),
            ("added", ColumnType::Bool),
        ],
        false,
    )
}

/// Inserts heads from two arrays (`lineage_id, ecs_id`).
pub(crate) fn insert_heads() -> String {
    insert_unnest(
        HEADS_TABLE,
        &[
            ("lineage_id", ColumnType::Uuid),
            ("ecs_id", ColumnType::Uuid),
        ],
        false,
    )
}

/// Deletes the heads given by two arrays (`lineage_id, ecs_id`): versions
/// that were just forked.
pub(crate) fn delete_heads() -> String {
    format!(
        "DELETE FROM {HEADS_TABLE} WHERE (lineage_id, ecs_id) IN \
         (SELECT * FROM UNNEST($1::uuid[], $2::uuid[]))"
    )
}

/// The walk over the lists below a set of versions
/// ([`verso_sql::storage::walk_lists`]), rendered once per shape: `$1` the
/// root id (`uuid`) or ids (`uuid[]`), and for a nested walk `$2` the names
/// of the types with child fields (`text[]`).
pub(crate) fn walk_lists(shape: WalkShape) -> &'static str {
    static WALKS: [OnceLock<String>; 4] = [const { OnceLock::new() }; 4];
    let index = usize::from(shape.single_root) * 2 + usize::from(shape.nested);
    WALKS[index].get_or_init(|| verso_sql::storage::walk_lists(&Postgres, shape))
}

/// The catalog rows whose table exists.
pub(crate) const SELECT_CATALOG: &str = "SELECT type_name, table_name FROM verso_catalog \
     WHERE to_regclass(quote_ident(table_name)) IS NOT NULL ORDER BY type_name";

/// Every catalog row (with its definition) whose table exists.
pub(crate) const SELECT_CATALOG_DEFINITIONS: &str =
    "SELECT type_name, table_name, definition FROM verso_catalog \
     WHERE to_regclass(quote_ident(table_name)) IS NOT NULL ORDER BY type_name";

/// Upserts catalog rows from three arrays (type names, table names,
/// definitions).
pub(crate) const UPSERT_CATALOG: &str =
    "INSERT INTO verso_catalog (type_name, table_name, definition) \
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::jsonb[]) \
     ON CONFLICT (type_name) DO UPDATE \
     SET table_name = EXCLUDED.table_name, definition = EXCLUDED.definition";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn unnest_insert_has_one_typed_array_per_column() {
        let sql = insert_unnest(
            "t",
            &[("a", ColumnType::Uuid), ("b", ColumnType::Text)],
            true,
        );
        assert_eq!(
            sql,
            "INSERT INTO \"t\" (\"a\", \"b\") SELECT * FROM UNNEST($1::uuid[], $2::text[]) \
             RETURNING \"id\", \"ecs_id\""
        );
    }

    #[test]
    fn list_entries_travel_as_array_literals() {
        assert!(insert_lists().contains("SELECT p, f, t, h, e::uuid[] FROM UNNEST("));
        assert!(insert_chunks().ends_with("ON CONFLICT (chunk_id) DO NOTHING"));
        assert_eq!(
            delete_heads(),
            "DELETE FROM verso_heads WHERE (lineage_id, ecs_id) IN \
             (SELECT * FROM UNNEST($1::uuid[], $2::uuid[]))"
        );
    }
}
