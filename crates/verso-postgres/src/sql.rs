//! The text of the data statements (queries and inserts).
//!
//! Table definitions are generated with sea-query in [`crate::ddl`]; the
//! statements here use PostgreSQL-specific forms (`UNNEST` of typed arrays,
//! `= ANY($1)`, a recursive CTE) and are written out, with every identifier
//! quoted by [`ident`].

use verso_core::{ColumnType, EntityType, VersionFilter, VersionQuery};

/// The link table shared by every entity type.
pub(crate) const LINKS_TABLE: &str = "verso_links";
/// The catalog of stored entity types.
pub(crate) const CATALOG_TABLE: &str = "verso_catalog";

/// Takes the transaction-scoped advisory lock of a schema: the one named
/// by `$1`, or the current one when `$1` is `NULL`. Creating a schema and
/// `ensure_tables` hold it, so concurrent callers on one schema take turns.
pub(crate) const LOCK_SCHEMA: &str = "SELECT pg_advisory_xact_lock(1447383635, \
     hashtext(coalesce($1::text, current_schema()::text, '')))";

/// The metadata columns every entity table starts with.
pub(crate) const META_COLUMNS: [&str; 5] =
    ["id", "ecs_id", "lineage_id", "parent_id", "created_at"];

/// The columns of [`LINKS_TABLE`], with the array type each travels as.
pub(crate) const LINK_COLUMNS: [(&str, &str); 5] = [
    ("parent_ecs_id", "uuid[]"),
    ("field", "text[]"),
    ("position", "int8[]"),
    ("child_ecs_id", "uuid[]"),
    ("child_type", "text[]"),
];

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
/// the type's columns), with their array types.
pub(crate) fn insert_columns(ty: &EntityType) -> Vec<(&'static str, &'static str)> {
    [
        ("ecs_id", "uuid[]"),
        ("lineage_id", "uuid[]"),
        ("parent_id", "uuid[]"),
        ("created_at", "timestamptz[]"),
    ]
    .into_iter()
    .chain(ty.columns.iter().map(|c| (c.name, array_type(c.ty))))
    .collect()
}

/// `INSERT INTO table (cols) SELECT * FROM UNNEST($1::t1[], ...)`: the whole
/// batch travels as one array parameter per column. With `returning`, the
/// statement returns `id, ecs_id` of every inserted row.
pub(crate) fn insert_unnest(table: &str, columns: &[(&str, &str)], returning: bool) -> String {
    let names: Vec<String> = columns.iter().map(|(name, _)| ident(name)).collect();
    let arrays: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, array))| format!("${}::{array}", i + 1))
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

/// The select list of a whole version of `ty`: metadata, then its columns.
fn version_columns(ty: &EntityType) -> String {
    META_COLUMNS
        .iter()
        .copied()
        .chain(ty.columns.iter().map(|c| c.name))
        .map(ident)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The versions of `ty` whose `ecs_id` is in the array `$1`.
pub(crate) fn select_by_ids(ty: &EntityType) -> String {
    format!(
        "SELECT {} FROM {} WHERE \"ecs_id\" = ANY($1)",
        version_columns(ty),
        ident(ty.table)
    )
}

/// Metadata of the versions of `ty` a query selects, oldest first. A
/// filter on a column reads its values from the `uuid[]` bound as `$1`.
pub(crate) fn select_versions(ty: &EntityType, query: &VersionQuery) -> String {
    let filter = match &query.filter {
        VersionFilter::All => String::new(),
        VersionFilter::In { column, .. } => format!(" WHERE {} = ANY($1)", ident(column)),
    };
    let table = ident(ty.table);
    let columns = meta_columns();
    if query.newest_per_lineage {
        format!(
            "SELECT {columns} FROM (SELECT {columns}, row_number() OVER \
             (PARTITION BY \"lineage_id\" ORDER BY \"created_at\" DESC, \"id\" DESC) AS verso_rank \
             FROM {table}{filter}) AS ranked WHERE verso_rank = 1 ORDER BY \"created_at\", \"id\""
        )
    } else {
        format!("SELECT {columns} FROM {table}{filter} ORDER BY \"created_at\", \"id\"")
    }
}

fn meta_columns() -> String {
    META_COLUMNS.map(ident).join(", ")
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

/// Which of `tables` holds the version (`column` = `ecs_id`) or lineage
/// (`column` = `lineage_id`) `$1`: one `UNION ALL` branch per table, each
/// returning its type name (bound as `$2`, `$3`, ...).
pub(crate) fn find_type(tables: &[&str], column: &str) -> String {
    let branches: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, table)| {
            format!(
                "SELECT ${}::text FROM {} WHERE {} = $1",
                i + 2,
                ident(table),
                ident(column)
            )
        })
        .collect();
    format!("{} LIMIT 1", branches.join(" UNION ALL "))
}

/// Every catalog row (with its definition) whose table exists.
pub(crate) const SELECT_CATALOG_DEFINITIONS: &str =
    "SELECT type_name, table_name, definition FROM verso_catalog \
     WHERE to_regclass(quote_ident(table_name)) IS NOT NULL ORDER BY type_name";

/// `SELECT <i>, count(*), count(DISTINCT lineage_id) FROM <table i>`, one
/// branch per table, joined with `UNION ALL`.
pub(crate) fn count_versions(types: &[&EntityType]) -> String {
    types
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            format!(
                "SELECT {i}::int8, count(*), count(DISTINCT \"lineage_id\") FROM {}",
                ident(ty.table)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Per lineage of `ty`: `lineage_id`, the newest version's `ecs_id` and
/// `created_at`, the version count and the first `created_at`; oldest
/// lineage first.
pub(crate) fn lineages(ty: &EntityType) -> String {
    format!(
        "SELECT \"lineage_id\", \"ecs_id\", \"created_at\", versions, first_at FROM (\
         SELECT \"lineage_id\", \"ecs_id\", \"created_at\", \
         count(*) OVER (PARTITION BY \"lineage_id\") AS versions, \
         min(\"created_at\") OVER (PARTITION BY \"lineage_id\") AS first_at, \
         row_number() OVER (PARTITION BY \"lineage_id\" \
         ORDER BY \"created_at\" DESC, \"id\" DESC) AS verso_rank FROM {}\
         ) AS ranked WHERE verso_rank = 1 ORDER BY first_at, \"lineage_id\"",
        ident(ty.table)
    )
}

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
        let sql = insert_unnest("t", &[("a", "uuid[]"), ("b", "text[]")], true);
        assert_eq!(
            sql,
            "INSERT INTO \"t\" (\"a\", \"b\") SELECT * FROM UNNEST($1::uuid[], $2::text[]) \
             RETURNING \"id\", \"ecs_id\""
        );
    }

    #[test]
    fn find_type_binds_type_names() {
        assert_eq!(
            find_type(&["a", "b"], "ecs_id"),
            "SELECT $2::text FROM \"a\" WHERE \"ecs_id\" = $1 UNION ALL \
             SELECT $3::text FROM \"b\" WHERE \"ecs_id\" = $1 LIMIT 1"
        );
    }
}
