//! The statements' shapes, rendered for a made-up dialect that shows where
//! each dialect hook lands.

use crate::*;
use sea_query::{Expr, PostgresQueryBuilder};
use verso_core::{
    Column, ColumnType, EntityType, Lookup, RefKind, Reference, TypeRef, VersionFilter,
    VersionQuery,
};

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

    fn parameter(&self, n: usize) -> Expr {
        Expr::cust(format!("${n}"))
    }

    fn in_id_list(&self, column: &str, n: usize) -> Expr {
        Expr::cust(format!("{column} IN LIST ${n}"))
    }

    fn list_holds_any(&self, column: &str, n: usize) -> Expr {
        Expr::cust(format!("{column} HOLDS ANY ${n}"))
    }

    fn param(&self, n: usize) -> String {
        format!("${n}")
    }

    fn in_ids(&self, column: &str, n: usize) -> String {
        format!("{column} IN IDS ${n}")
    }

    fn in_texts(&self, column: &str, n: usize) -> String {
        format!("{column} IN TEXTS ${n}")
    }

    fn id_list_type(&self) -> &'static str {
        "ids"
    }

    fn each_id(&self, list: &str, alias: &str) -> String {
        format!("EACH({list}) AS {alias}")
    }

    fn keyed_table_suffix(&self) -> &'static str {
        " KEYED"
    }

    fn recursion(&self) -> storage::Recursion {
        storage::Recursion::Compound
    }

    fn text_position(&self) -> &'static str {
        "POSITION_OF"
    }

    fn byte_collation(&self) -> Option<&'static str> {
        Some("BYTES")
    }
}

static NOTE: EntityType = EntityType {
    name: "Note",
    table: "notes",
    origin: verso_core::Origin::UNKNOWN,
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
            references: Some(Reference::one(TypeRef::Named("Person"), RefKind::Version)),
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
         \"id\" int NOT NULL PRIMARY KEY NUMBERED, \
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
fn every_lookup_has_its_index_and_reference_columns_are_indexed() {
    assert_eq!(
        storage::entity_index_statements(&NOTE),
        [
            "CREATE UNIQUE INDEX IF NOT EXISTS \"notes_ecs_id_key\" ON \"notes\" (ecs_id)",
            "CREATE INDEX IF NOT EXISTS \"notes_lineage_idx\" ON \"notes\" \
             (lineage_id, created_at, id)",
            "CREATE INDEX IF NOT EXISTS \"notes_parent_id_idx\" ON \"notes\" (parent_id)",
            "CREATE INDEX IF NOT EXISTS \"notes_author_idx\" ON \"notes\" (\"author\")",
        ]
    );
}

#[test]
fn the_newest_version_is_the_last_of_the_lineage_index() {
    let lookup = Lookup::Newest {
        lineage_id: uuid::Uuid::nil(),
        at: Some(chrono::DateTime::UNIX_EPOCH),
    };
    let (sql, params) = storage::lookup(&NOTE, &lookup, &Marked);
    assert!(
        sql.ends_with(
            "WHERE v.lineage_id = $1 AND v.created_at <= $2 \
             ORDER BY v.created_at DESC, v.id DESC LIMIT 1"
        ),
        "{sql}"
    );
    assert_eq!(
        params,
        [storage::LookupParam::Lineage, storage::LookupParam::Time]
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

static SHELF: EntityType = EntityType {
    name: "Shelf",
    table: "shelves",
    origin: verso_core::Origin::UNKNOWN,
    columns: &[Column {
        name: "books",
        ty: ColumnType::Json,
        nullable: false,
        references: Some(Reference::many(TypeRef::Named("Book"), RefKind::Version)),
    }],
    children: &[],
    variants: &[],
};

#[test]
fn a_list_of_references_is_matched_by_its_elements_and_gets_no_b_tree_index() {
    let query = VersionQuery {
        filter: VersionFilter::In {
            column: "books",
            ids: Vec::new(),
        },
        newest_per_lineage: false,
    };
    let sql = select_versions(&SHELF, &query, &Marked).to_string(PostgresQueryBuilder);
    assert!(sql.contains("WHERE books HOLDS ANY $1 ORDER BY"), "{sql}");
    let indexes = storage::entity_index_statements(&SHELF);
    assert_eq!(indexes.len(), 3, "the metadata's only: {indexes:?}");
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

#[test]
fn find_prefix_scans_both_id_indexes_of_each_table_between_two_bounds() {
    assert_eq!(
        find_prefix(&["a", "b"], 200, 11, &Marked).to_string(PostgresQueryBuilder),
        "SELECT CAST(200 AS int8), CAST(0 AS int8), \"ecs_id\" FROM \"a\" \
         WHERE \"ecs_id\" BETWEEN ($1) AND ($2) \
         UNION ALL (SELECT CAST(200 AS int8), CAST(1 AS int8), \"lineage_id\" FROM \"a\" \
         WHERE \"lineage_id\" BETWEEN ($1) AND ($2) GROUP BY \"lineage_id\") \
         UNION ALL (SELECT CAST(201 AS int8), CAST(0 AS int8), \"ecs_id\" FROM \"b\" \
         WHERE \"ecs_id\" BETWEEN ($1) AND ($2)) \
         UNION ALL (SELECT CAST(201 AS int8), CAST(1 AS int8), \"lineage_id\" FROM \"b\" \
         WHERE \"lineage_id\" BETWEEN ($1) AND ($2) GROUP BY \"lineage_id\") LIMIT 11"
    );
    assert_eq!(prefix_kind(0), verso_core::IdKind::Version);
    assert_eq!(prefix_kind(1), verso_core::IdKind::Lineage);
}

#[test]
fn index_names_fit_postgres_and_stay_distinct() {
    use crate::storage::index_name;
    let table = "t".repeat(63);
    let column = "c".repeat(63);
    let names = [
        index_name(&table, "ecs_id_key"),
        index_name(&table, "lineage_idx"),
        index_name(&table, "parent_id_idx"),
        index_name(&table, &format!("{column}_idx")),
    ];
    for name in &names {
        assert!(name.len() <= 63, "{name}");
        assert_ne!(name, &table, "an index named like its table is skipped");
    }
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), names.len());
    assert_eq!(index_name("thread", "lineage_idx"), "thread_lineage_idx");
}
