//! The statements' shapes, rendered for a made-up dialect that shows where
//! each dialect hook lands.

use crate::*;
use sea_query::{Expr, PostgresQueryBuilder, SimpleExpr};
use verso_core::{Column, ColumnType, EntityType, TypeRef, VersionFilter, VersionQuery};

/// Type names as `ColumnType::name`, `$N` parameters, a visible marker
/// for row numbering and id lists.
struct Marked;

impl Dialect for Marked {
    fn column_type(&self, ty: ColumnType) -> &'static str {
        ty.name()
    }

    fn row_numbering(&self) -> Option<&'static str> {
        Some("NUMBERED")
    }

    fn parameter(&self, n: usize) -> SimpleExpr {
        Expr::cust(format!("${n}"))
    }

    fn in_id_list(&self, column: &str, n: usize) -> SimpleExpr {
        Expr::cust(format!("{column} IN LIST ${n}"))
    }
}

static NOTE: EntityType = EntityType {
    name: "Note",
    table: "notes",
    columns: &[
        Column {
            name: "body",
            ty: ColumnType::Text,
            nullable: false,
            references: None,
        },
        Column {
            name: "author",
            ty: ColumnType::Uuid,
            nullable: true,
            references: Some(TypeRef::Named("Person")),
        },
    ],
    children: &[],
    variants: &[],
};

#[test]
fn entity_tables_start_with_the_metadata() {
    assert_eq!(
        entity_table(&NOTE, &Marked).to_string(PostgresQueryBuilder),
        "CREATE TABLE IF NOT EXISTS \"notes\" ( \
         \"id\" int NOT NULL NUMBERED PRIMARY KEY, \
         \"ecs_id\" uuid NOT NULL, \
         \"lineage_id\" uuid NOT NULL, \
         \"parent_id\" uuid, \
         \"created_at\" timestamp NOT NULL, \
         \"body\" text NOT NULL, \
         \"author\" uuid \
         )"
    );
}

#[test]
fn reference_columns_are_indexed() {
    let indexes: Vec<String> = entity_indexes(&NOTE)
        .iter()
        .map(|index| index.to_string(PostgresQueryBuilder))
        .collect();
    assert_eq!(
        indexes,
        [
            "CREATE UNIQUE INDEX IF NOT EXISTS \"notes_ecs_id_key\" ON \"notes\" (\"ecs_id\")",
            "CREATE INDEX IF NOT EXISTS \"notes_lineage_id_idx\" ON \"notes\" (\"lineage_id\")",
            "CREATE INDEX IF NOT EXISTS \"notes_author_idx\" ON \"notes\" (\"author\")",
        ]
    );
}

#[test]
fn the_newest_version_of_each_lineage_is_ranked_before_the_filter() {
    let query = VersionQuery {
        filter: VersionFilter::In {
            column: "author",
            ids: Vec::new(),
        },
        newest_per_lineage: true,
    };
    let meta = "\"id\", \"ecs_id\", \"lineage_id\", \"parent_id\", \"created_at\"";
    assert_eq!(
        select_versions(&NOTE, &query, &Marked).to_string(PostgresQueryBuilder),
        format!(
            "SELECT {meta} FROM (SELECT {meta}, \"author\", row_number() OVER ( PARTITION BY \
             \"lineage_id\" ORDER BY \"created_at\" DESC, \"id\" DESC ) AS \"verso_rank\" \
             FROM \"notes\" WHERE \"lineage_id\" IN (SELECT \"lineage_id\" FROM \"notes\" \
             WHERE author IN LIST $1)) AS \"ranked\" WHERE \"verso_rank\" = 1 AND \
             (author IN LIST $1) ORDER BY \"created_at\" ASC, \"id\" ASC"
        )
    );
}

#[test]
fn find_type_numbers_one_type_name_per_table_after_the_id() {
    assert_eq!(
        find_type(&["a", "b"], "lineage_id", &Marked).to_string(PostgresQueryBuilder),
        "SELECT CAST(($2) AS text) FROM \"a\" WHERE \"lineage_id\" = ($1) UNION ALL \
         (SELECT CAST(($3) AS text) FROM \"b\" WHERE \"lineage_id\" = ($1)) LIMIT 1"
    );
}

#[test]
fn types_without_a_count_row_count_nothing() {
    let counts = type_counts(3, [(2, 5, 1)]);
    assert_eq!(counts[0].versions + counts[0].lineages, 0);
    assert_eq!((counts[2].versions, counts[2].lineages), (5, 1));
}
