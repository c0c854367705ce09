//! The statements only PostgreSQL runs: batch inserts from one typed array
//! per column, the catalog reads and upsert, the schema lock and the
//! recursive walk over the links. The statements shared with the other
//! SQL drivers come from [`verso_sql`].
//!
//! These are written out, with every identifier quoted by [`ident`]:
//! sea-query has no `UNNEST` of typed arrays nor a `LATERAL ... OFFSET 0`
//! step, and the rest are constants.

use verso_core::{ColumnType, EntityType};
use verso_sql::VERSION_COLUMNS;

/// Takes the transaction-scoped advisory lock of a schema: the one named
/// by `$1`, or the current one when `$1` is `NULL`. Creating a schema and
/// `ensure_tables` hold it, so concurrent callers on one schema take turns.
pub(crate) const LOCK_SCHEMA: &str = "SELECT pg_advisory_xact_lock(1447383635, \
     hashtext(coalesce($1::text, current_schema()::text, '')))";

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

/// Every link below the parents in `$1`, however deep, following only
/// children whose type (in `$2`) has child fields. `UNION` (not `UNION
/// ALL`) drops repeated rows, so a subtree shared by several parents is
/// walked once. The `LATERAL ... OFFSET 0` step makes each level an index
/// lookup per parent; a plain join let the planner scan the whole link
/// table at every level.
pub(crate) const LINK_CLOSURE: &str = "WITH RECURSIVE closure AS (\
     SELECT parent_ecs_id, field, position, child_ecs_id, child_type \
     FROM verso_links WHERE parent_ecs_id = ANY($1) \
     UNION \
     SELECT l.parent_ecs_id, l.field, l.position, l.child_ecs_id, l.child_type \
     FROM closure c CROSS JOIN LATERAL (\
     SELECT * FROM verso_links WHERE parent_ecs_id = c.child_ecs_id OFFSET 0) l \
     WHERE c.child_type = ANY($2)\
     ) SELECT parent_ecs_id, field, position, child_ecs_id, child_type FROM closure";

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
}
