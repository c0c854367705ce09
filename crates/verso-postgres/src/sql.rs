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
use verso_core::ColumnType;
use verso_sql::storage::WalkShape;
use verso_sql::writes::{CellType, Write, WriteAction};

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

/// The statement of `write`, its rows bound as one array per column
/// (`$1`, `$2`, ... in column order; an id list column travels as the text
/// of `uuid[]` literals and is cast back).
pub(crate) fn unnest_write(write: &Write<'_>) -> String {
    let names: Vec<String> = write.columns.iter().map(|(name, _)| ident(name)).collect();
    let arrays: Vec<String> = write
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| match ty {
            CellType::Column(ty) => format!("${}::{}", i + 1, array_type(*ty)),
            CellType::Ids => format!("${}::text[]", i + 1),
        })
        .collect();
    let aliases: Vec<String> = (1..=write.columns.len()).map(|i| format!("c{i}")).collect();
    let picks: Vec<String> = write
        .columns
        .iter()
        .zip(&aliases)
        .map(|((_, ty), alias)| match ty {
            CellType::Ids => format!("{alias}::uuid[]"),
            CellType::Column(_) => alias.clone(),
        })
        .collect();
    let table = ident(write.table);
    let (names, arrays, aliases, picks) = (
        names.join(", "),
        arrays.join(", "),
        aliases.join(", "),
        picks.join(", "),
    );
    let rows = format!("SELECT {picks} FROM UNNEST({arrays}) AS batch({aliases})");
    match write.action {
        WriteAction::InsertReturningIds => {
            format!("INSERT INTO {table} ({names}) {rows} RETURNING \"id\", \"ecs_id\"")
        }
        WriteAction::Insert => format!("INSERT INTO {table} ({names}) {rows}"),
        WriteAction::InsertNew => {
            format!("INSERT INTO {table} ({names}) {rows} ON CONFLICT DO NOTHING")
        }
        WriteAction::Delete => format!("DELETE FROM {table} WHERE ({names}) IN ({rows})"),
    }
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
    fn a_write_binds_one_typed_array_per_column() {
        let lists = [verso_core::ListRow {
            parent: uuid::Uuid::nil(),
            field: "f".into(),
            child_type: "T".into(),
            height: 0,
            entries: Vec::new(),
        }];
        let writes = verso_sql::writes::list_writes(&lists, &[], &[], vec![], vec![]);
        assert_eq!(
            unnest_write(&writes[0]),
            "INSERT INTO \"verso_lists\" (\"parent_ecs_id\", \"field\", \"child_type\", \
             \"height\", \"entries\") SELECT c1, c2, c3, c4, c5::uuid[] FROM \
             UNNEST($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[]) \
             AS batch(c1, c2, c3, c4, c5)"
        );
        assert!(unnest_write(&writes[1]).ends_with("ON CONFLICT DO NOTHING"));
        assert_eq!(
            unnest_write(&writes[3]),
            "DELETE FROM \"verso_heads\" WHERE (\"lineage_id\", \"ecs_id\") IN \
             (SELECT c1, c2 FROM UNNEST($1::uuid[], $2::uuid[]) AS batch(c1, c2))"
        );
    }
}
