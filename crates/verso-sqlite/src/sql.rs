//! SQL text for SQLite, built with sea-query.

use sea_query::{Alias, ColumnDef, Expr, Func, Index, Order, Query, SqliteQueryBuilder, Table};
use verso_core::{ColumnType, EntityType, VersionFilter, VersionQuery};

/// Metadata columns every entity table starts with, in select order.
pub(crate) const META_COLUMNS: [&str; 5] =
    ["id", "ecs_id", "lineage_id", "parent_id", "created_at"];

/// The declared SQLite type of a column: TEXT affinity for UUIDs,
/// timestamps and JSON, yet distinguishable by schema checks.
pub(crate) fn declared_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Int => "INTEGER",
        ColumnType::Float => "REAL",
        ColumnType::Text => "TEXT",
        ColumnType::Uuid => "UUID TEXT",
        ColumnType::Timestamp => "TIMESTAMP TEXT",
        ColumnType::Json => "JSON TEXT",
    }
}

fn column(name: &str, declared: &str, nullable: bool) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(name));
    def.custom(Alias::new(declared));
    if !nullable {
        def.not_null();
    }
    def
}

/// `CREATE TABLE IF NOT EXISTS` for an entity type.
pub(crate) fn create_entity_table(ty: &EntityType) -> String {
    let mut table = Table::create();
    table
        .table(Alias::new(ty.table))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("id"))
                .integer()
                .not_null()
                .primary_key(),
        )
        .col(column("ecs_id", declared_type(ColumnType::Uuid), false))
        .col(column("lineage_id", declared_type(ColumnType::Uuid), false))
        .col(column("parent_id", declared_type(ColumnType::Uuid), true))
        .col(column(
            "created_at",
            declared_type(ColumnType::Timestamp),
            false,
        ));
    for c in ty.columns {
        table.col(column(c.name, declared_type(c.ty), c.nullable));
    }
    table.to_string(SqliteQueryBuilder)
}

/// The unique index on `ecs_id`, the index on `lineage_id`, and one per
/// reference column.
pub(crate) fn create_entity_indexes(ty: &EntityType) -> Vec<String> {
    let mut indexes = vec![
        Index::create()
            .if_not_exists()
            .name(format!("{}_ecs_id_key", ty.table))
            .table(Alias::new(ty.table))
            .col(Alias::new("ecs_id"))
            .unique()
            .to_string(SqliteQueryBuilder),
        Index::create()
            .if_not_exists()
            .name(format!("{}_lineage_id_idx", ty.table))
            .table(Alias::new(ty.table))
            .col(Alias::new("lineage_id"))
            .to_string(SqliteQueryBuilder),
    ];
    // Reference columns are looked up from the other side (association
    // objects, back-references).
    for column in ty.columns.iter().filter(|c| c.references.is_some()) {
        indexes.push(
            Index::create()
                .if_not_exists()
                .name(format!("{}_{}_idx", ty.table, column.name))
                .table(Alias::new(ty.table))
                .col(Alias::new(column.name))
                .to_string(SqliteQueryBuilder),
        );
    }
    indexes
}

/// The link table, its child index and the catalog table.
pub(crate) fn create_shared_tables() -> Vec<String> {
    let uuid = declared_type(ColumnType::Uuid);
    vec![
        Table::create()
            .table(Alias::new("verso_links"))
            .if_not_exists()
            .col(column("parent_ecs_id", uuid, false))
            .col(column("field", "TEXT", false))
            .col(column("position", "INTEGER", false))
            .col(column("child_ecs_id", uuid, false))
            .col(column("child_type", "TEXT", false))
            .primary_key(
                Index::create()
                    .col(Alias::new("parent_ecs_id"))
                    .col(Alias::new("field"))
                    .col(Alias::new("position")),
            )
            .to_string(SqliteQueryBuilder),
        Index::create()
            .if_not_exists()
            .name("verso_links_child_idx")
            .table(Alias::new("verso_links"))
            .col(Alias::new("child_ecs_id"))
            .to_string(SqliteQueryBuilder),
        Table::create()
            .table(Alias::new("verso_catalog"))
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("type_name"))
                    .text()
                    .not_null()
                    .primary_key(),
            )
            .col(column("table_name", "TEXT", false))
            .col(column("definition", declared_type(ColumnType::Json), false))
            .to_string(SqliteQueryBuilder),
    ]
}

/// Upserts one catalog row: `?1` type name, `?2` table, `?3` definition.
pub(crate) fn upsert_catalog() -> String {
    Query::insert()
        .into_table(Alias::new("verso_catalog"))
        .columns([
            Alias::new("type_name"),
            Alias::new("table_name"),
            Alias::new("definition"),
        ])
        .values_panic([Expr::cust("?1"), Expr::cust("?2"), Expr::cust("?3")])
        .on_conflict(
            sea_query::OnConflict::column(Alias::new("type_name"))
                .update_columns([Alias::new("table_name"), Alias::new("definition")])
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
            Func::cust(Alias::new("json_each")).arg(Expr::cust("?1")),
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
        insert.returning(Query::returning().columns([Alias::new("id"), Alias::new("ecs_id")]));
    }
    insert.to_string(SqliteQueryBuilder)
}

/// Every column of an entity table (metadata first), as select items.
pub(crate) fn all_columns(ty: &EntityType) -> Vec<Alias> {
    META_COLUMNS
        .iter()
        .copied()
        .chain(ty.columns.iter().map(|c| c.name))
        .map(Alias::new)
        .collect()
}

/// Rows of `ty` whose `ecs_id` is in the JSON array bound as `?1`.
pub(crate) fn select_by_ids(ty: &EntityType) -> String {
    Query::select()
        .columns(all_columns(ty))
        .from(Alias::new(ty.table))
        .and_where(Expr::cust(
            "\"ecs_id\" IN (SELECT value FROM json_each(?1))",
        ))
        .to_string(SqliteQueryBuilder)
}

/// Metadata of the versions of `ty` a query selects, oldest first. A
/// filter on a column reads its values from the JSON array bound as `?1`.
pub(crate) fn select_versions(ty: &EntityType, query: &VersionQuery) -> String {
    let mut select = Query::select();
    select
        .columns(META_COLUMNS.map(Alias::new))
        .from(Alias::new(ty.table));
    if let VersionFilter::In { column, .. } = &query.filter {
        select.and_where(
            Expr::col(Alias::new(*column)).in_subquery(
                Query::select()
                    .column(Alias::new("value"))
                    .from_function(
                        Func::cust(Alias::new("json_each")).arg(Expr::cust("?1")),
                        Alias::new("wanted"),
                    )
                    .to_owned(),
            ),
        );
    }
    if query.newest_per_lineage {
        select.expr_as(
            Expr::cust(
                "row_number() OVER (PARTITION BY \"lineage_id\" \
                 ORDER BY \"created_at\" DESC, \"id\" DESC)",
            ),
            Alias::new("verso_rank"),
        );
        select = Query::select()
            .columns(META_COLUMNS.map(Alias::new))
            .from_subquery(select, Alias::new("ranked"))
            .and_where(Expr::col(Alias::new("verso_rank")).eq(1))
            .to_owned();
    }
    select
        .order_by(Alias::new("created_at"), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc)
        .to_string(SqliteQueryBuilder)
}

/// Every link below the parents in the JSON array bound as `?1`, following
/// only children whose type (in the JSON array `?2`) has child fields.
pub(crate) const LINK_CLOSURE: &str = "\
WITH RECURSIVE closure(parent_ecs_id, field, position, child_ecs_id, child_type) AS ( \
    SELECT parent_ecs_id, field, position, child_ecs_id, child_type FROM verso_links \
    WHERE parent_ecs_id IN (SELECT value FROM json_each(?1)) \
    UNION \
    SELECT l.parent_ecs_id, l.field, l.position, l.child_ecs_id, l.child_type \
    FROM closure AS c JOIN verso_links AS l ON l.parent_ecs_id = c.child_ecs_id \
    WHERE c.child_type IN (SELECT value FROM json_each(?2)) \
) SELECT parent_ecs_id, field, position, child_ecs_id, child_type FROM closure";

/// `SELECT '<type>' FROM <table> WHERE <column> = ?1`, one per table,
/// joined with `UNION ALL`.
pub(crate) fn find_type(tables: &[(String, String)], column: &str) -> String {
    let mut selects = tables.iter().map(|(type_name, table)| {
        Query::select()
            .expr(Expr::val(type_name.as_str()))
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new(column)).eq(Expr::cust("?1")))
            .to_owned()
    });
    let mut query = selects.next().expect("at least one table");
    for select in selects {
        query.union(sea_query::UnionType::All, select);
    }
    query.to_string(SqliteQueryBuilder)
}

/// `SELECT <i>, count(*), count(DISTINCT lineage_id) FROM <table i>`, one
/// per table, joined with `UNION ALL`.
pub(crate) fn count_versions(types: &[&EntityType]) -> String {
    let mut selects = types.iter().enumerate().map(|(i, ty)| {
        Query::select()
            .expr(Expr::val(i as i64))
            .expr(Expr::cust("count(*)"))
            .expr(Expr::cust("count(DISTINCT \"lineage_id\")"))
            .from(Alias::new(ty.table))
            .to_owned()
    });
    let mut query = selects.next().expect("at least one type");
    for select in selects {
        query.union(sea_query::UnionType::All, select);
    }
    query.to_string(SqliteQueryBuilder)
}

/// Per lineage of `ty`: `lineage_id`, the newest version's `ecs_id` and
/// `created_at`, the version count and the first `created_at`; oldest
/// lineage first.
pub(crate) fn lineages(ty: &EntityType) -> String {
    let window = |expr: &str| Expr::cust(format!("{expr} OVER (PARTITION BY \"lineage_id\")"));
    let ranked = Query::select()
        .columns(["lineage_id", "ecs_id", "created_at"].map(Alias::new))
        .expr_as(window("count(*)"), Alias::new("versions"))
        .expr_as(window("min(\"created_at\")"), Alias::new("first_at"))
        .expr_as(
            Expr::cust(
                "row_number() OVER (PARTITION BY \"lineage_id\" \
                 ORDER BY \"created_at\" DESC, \"id\" DESC)",
            ),
            Alias::new("verso_rank"),
        )
        .from(Alias::new(ty.table))
        .to_owned();
    Query::select()
        .columns(["lineage_id", "ecs_id", "created_at", "versions", "first_at"].map(Alias::new))
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("verso_rank")).eq(1))
        .order_by(Alias::new("first_at"), Order::Asc)
        .order_by(Alias::new("lineage_id"), Order::Asc)
        .to_string(SqliteQueryBuilder)
}

/// `ALTER TABLE ... ADD COLUMN` for a nullable column.
pub(crate) fn add_column(ty: &EntityType, c: &verso_core::Column) -> String {
    Table::alter()
        .table(Alias::new(ty.table))
        .add_column(column(c.name, declared_type(c.ty), true))
        .to_string(SqliteQueryBuilder)
}

/// Columns of `verso_links`, in insert and select order.
pub(crate) const LINK_COLUMN_NAMES: [&str; 5] = [
    "parent_ecs_id",
    "field",
    "position",
    "child_ecs_id",
    "child_type",
];
