//! Comparing an existing table with the columns it should have.

use crate::dialect::Postgres;
use std::collections::BTreeMap;
use verso_core::{ColumnType, EntityType, Error, Result};
use verso_sql::{Dialect, LayoutColumn, CATALOG_COLUMNS, ID_COLUMN, VERSION_COLUMNS};

/// One column as `information_schema.columns` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundColumn {
    /// `data_type`, e.g. `bigint`, `timestamp with time zone`.
    pub data_type: String,
    /// `is_nullable = 'YES'`.
    pub nullable: bool,
    /// Whether the server fills the column when an insert omits it
    /// (a default, an identity or a generated column).
    pub filled_by_server: bool,
}

/// A column a table must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExpectedColumn {
    /// Column name.
    pub name: &'static str,
    /// `information_schema` data type.
    pub data_type: &'static str,
    /// Whether Verso writes `NULL` into it.
    pub nullable: bool,
}

impl ExpectedColumn {
    fn new(name: &'static str, ty: ColumnType, nullable: bool) -> Self {
        ExpectedColumn {
            name,
            data_type: Postgres.column_type(ty),
            nullable,
        }
    }

    fn layout(column: &LayoutColumn) -> Self {
        Self::new(column.name, column.ty, column.nullable)
    }
}

/// The columns of `ty`'s table: metadata, then one per field.
pub(crate) fn entity_columns(ty: &EntityType) -> Vec<ExpectedColumn> {
    let mut columns = vec![ExpectedColumn::new(ID_COLUMN, ColumnType::Int, false)];
    columns.extend(VERSION_COLUMNS.iter().map(ExpectedColumn::layout));
    columns.extend(
        ty.columns
            .iter()
            .map(|c| ExpectedColumn::new(c.name, c.ty, c.nullable)),
    );
    columns
}

/// The columns of the catalog table.
pub(crate) fn catalog_columns() -> Vec<ExpectedColumn> {
    CATALOG_COLUMNS.iter().map(ExpectedColumn::layout).collect()
}

/// What to do about an existing table whose columns differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// A missing column is a mismatch.
    Reject,
    /// A missing nullable column (a new `Option` field) is to be added.
    AddNullable,
}

/// Checks the existing `table` (its columns in `found`) against `expected`;
/// returns the nullable columns to add when `missing` allows it.
///
/// A table is compatible when every expected column exists with the
/// expected type, no column Verso writes `NULL` into is `NOT NULL`, and
/// every other column can be left out of an insert. The first difference
/// is reported as [`Error::SchemaMismatch`].
pub(crate) fn check_table<'a>(
    table: &str,
    expected: &'a [ExpectedColumn],
    found: &BTreeMap<String, FoundColumn>,
    missing: Missing,
) -> Result<Vec<&'a ExpectedColumn>> {
    let mismatch = |column: &str, detail: String| Error::SchemaMismatch {
        table: table.to_string(),
        column: column.to_string(),
        detail,
    };
    let mut to_add = Vec::new();
    for want in expected {
        let Some(have) = found.get(want.name) else {
            if want.nullable && missing == Missing::AddNullable {
                to_add.push(want);
                continue;
            }
            return Err(mismatch(
                want.name,
                format!(
                    "expected a column of type {}, found none; make the field an Option so \
                     Verso adds the column, or add it yourself with a default",
                    want.data_type
                ),
            ));
        };
        if have.data_type != want.data_type {
            return Err(mismatch(
                want.name,
                format!("expected type {}, found {}", want.data_type, have.data_type),
            ));
        }
        if want.nullable && !have.nullable {
            return Err(mismatch(
                want.name,
                format!(
                    "expected a nullable {} column, found {} NOT NULL",
                    want.data_type, have.data_type
                ),
            ));
        }
    }
    for (name, have) in found {
        let known = expected.iter().any(|want| want.name == name);
        if !known && !have.nullable && !have.filled_by_server {
            return Err(mismatch(
                name,
                format!(
                    "expected no such column, found {} NOT NULL without a default, \
                     which every insert would violate",
                    have.data_type
                ),
            ));
        }
    }
    Ok(to_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(columns: &[(&str, &str, bool)]) -> BTreeMap<String, FoundColumn> {
        columns
            .iter()
            .map(|(name, ty, nullable)| {
                (
                    name.to_string(),
                    FoundColumn {
                        data_type: ty.to_string(),
                        nullable: *nullable,
                        filled_by_server: false,
                    },
                )
            })
            .collect()
    }

    fn detail_of<T: std::fmt::Debug>(result: Result<T>) -> (String, String) {
        match result {
            Err(Error::SchemaMismatch { column, detail, .. }) => (column, detail),
            other => panic!("expected a schema mismatch, got {other:?}"),
        }
    }

    #[test]
    fn matching_table_passes() {
        let table = found(&[
            ("type_name", "text", false),
            ("table_name", "text", false),
            ("definition", "jsonb", false),
            ("note", "text", true),
        ]);
        check_table("verso_catalog", &catalog_columns(), &table, Missing::Reject).unwrap();
    }

    #[test]
    fn differences_are_named() {
        let expected = catalog_columns();
        let missing = found(&[("type_name", "text", false)]);
        let (column, detail) = detail_of(check_table("c", &expected, &missing, Missing::Reject));
        assert_eq!(column, "table_name");
        assert!(detail.contains("found none"), "{detail}");

        let mut retyped = found(&[
            ("type_name", "text", false),
            ("table_name", "text", false),
            ("definition", "json", false),
        ]);
        let (column, detail) = detail_of(check_table("c", &expected, &retyped, Missing::Reject));
        assert_eq!(column, "definition");
        assert_eq!(detail, "expected type jsonb, found json");

        retyped.get_mut("definition").unwrap().data_type = "jsonb".into();
        retyped.insert(
            "owner".into(),
            FoundColumn {
                data_type: "text".into(),
                nullable: false,
                filled_by_server: false,
            },
        );
        let (column, _) = detail_of(check_table("c", &expected, &retyped, Missing::Reject));
        assert_eq!(column, "owner");
    }

    #[test]
    fn a_new_optional_field_is_added_and_a_required_one_is_not() {
        use verso_core::Column;
        static NOTE: EntityType = EntityType {
            name: "Note",
            table: "notes",
            origin: verso_core::Origin::UNKNOWN,
            columns: &[
                Column {
                    name: "extra",
                    ty: ColumnType::Json,
                    nullable: true,
                    references: None,
                },
                Column {
                    name: "body",
                    ty: ColumnType::Text,
                    nullable: false,
                    references: None,
                },
            ],
            children: &[],
            variants: &[],
        };
        let expected = entity_columns(&NOTE);
        let mut table = found(&[
            ("id", "bigint", false),
            ("ecs_id", "uuid", false),
            ("lineage_id", "uuid", false),
            ("parent_id", "uuid", true),
            ("created_at", "timestamp with time zone", false),
            ("body", "text", false),
        ]);
        let added = check_table("notes", &expected, &table, Missing::AddNullable).unwrap();
        assert_eq!(added.iter().map(|c| c.name).collect::<Vec<_>>(), ["extra"]);
        table.remove("body");
        table.insert(
            "extra".into(),
            FoundColumn {
                data_type: "jsonb".into(),
                nullable: true,
                filled_by_server: false,
            },
        );
        let (column, _) = detail_of(check_table(
            "notes",
            &expected,
            &table,
            Missing::AddNullable,
        ));
        assert_eq!(column, "body");
    }
}
