//! SQLite's side of the statements shared with the other SQL drivers.

use sea_query::{Alias, Expr, ExprTrait, Func, Query};
use verso_core::ColumnType;
use verso_sql::Dialect;

/// SQLite, as Verso speaks it: declared types that keep TEXT affinity yet
/// stay distinguishable, `?N` parameters, and id lists bound as one JSON
/// array.
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    /// TEXT affinity for UUIDs, timestamps and JSON, yet distinguishable by
    /// the schema check, which compares these names.
    fn column_type(&self, ty: ColumnType) -> &'static str {
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

    /// An `INTEGER PRIMARY KEY` is the rowid, numbered by SQLite.
    fn row_numbering(&self) -> Option<&'static str> {
        None
    }

    fn parameter(&self, n: usize) -> Expr {
        Expr::cust(format!("?{n}"))
    }

    /// `column IN (SELECT value FROM json_each(?n))`: the list travels as
    /// the text of a JSON array.
    fn in_id_list(&self, column: &str, n: usize) -> Expr {
        Expr::col(Alias::new(column)).in_subquery(
            Query::select()
                .column("value")
                .from_function(Func::cust("json_each").arg(self.parameter(n)), "wanted")
                .take(),
        )
    }

    /// `EXISTS (... json_each(column) ... IN json_each(?n))`: SQLite has no
    /// index on the elements of a JSON array, so this reads every row the
    /// rest of the statement leaves.
    fn list_holds_any(&self, column: &str, n: usize) -> Expr {
        Expr::cust(format!(
            "EXISTS (SELECT 1 FROM json_each(\"{column}\") AS held \
             WHERE held.value IN (SELECT value FROM json_each(?{n})))"
        ))
    }

    fn param(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn in_ids(&self, column: &str, n: usize) -> String {
        format!("{column} IN (SELECT value FROM json_each(?{n}))")
    }

    fn in_texts(&self, column: &str, n: usize) -> String {
        self.in_ids(column, n)
    }

    /// A JSON array of UUID texts: readable with `json_each`, whose `key`
    /// is the position.
    fn id_list_type(&self) -> &'static str {
        "JSON TEXT"
    }

    fn each_id(&self, list: &str, alias: &str) -> String {
        format!("json_each({list}) AS {alias}")
    }

    fn keyed_table_suffix(&self) -> &'static str {
        " WITHOUT ROWID"
    }

    fn recursion(&self) -> verso_sql::storage::Recursion {
        verso_sql::storage::Recursion::Compound
    }

    fn text_position(&self) -> &'static str {
        "instr"
    }

    /// SQLite compares text with `BINARY`, by bytes.
    fn byte_collation(&self) -> Option<&'static str> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::SqliteQueryBuilder;
    use verso_core::{Column, EntityType};

    static THING: EntityType = EntityType {
        name: "Thing",
        table: "things",
        origin: verso_core::Origin::UNKNOWN,
        columns: &[Column {
            name: "extra",
            ty: ColumnType::Json,
            nullable: true,
            references: None,
        }],
        children: &[],
        variants: &[],
    };

    #[test]
    fn entity_table_follows_the_storage_layout() {
        assert_eq!(
            verso_sql::entity_table(&THING, &Sqlite).to_string(SqliteQueryBuilder),
            "CREATE TABLE IF NOT EXISTS \"things\" ( \
             \"id\" INTEGER NOT NULL PRIMARY KEY, \
             \"ecs_id\" UUID TEXT NOT NULL, \
             \"lineage_id\" UUID TEXT NOT NULL, \
             \"parent_id\" UUID TEXT, \
             \"created_at\" TIMESTAMP TEXT NOT NULL, \
             \"extra\" JSON TEXT \
             )"
        );
    }

    #[test]
    fn id_lists_are_json_arrays() {
        let select = verso_sql::select_by_ids(&THING, &Sqlite).to_string(SqliteQueryBuilder);
        assert!(
            select.ends_with(
                "FROM \"things\" WHERE \"ecs_id\" IN (SELECT \"value\" FROM json_each(?1) AS \"wanted\")"
            ),
            "{select}"
        );
    }
}
