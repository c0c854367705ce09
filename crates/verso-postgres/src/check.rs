//! Comparing an existing table with the columns it should have.

use crate::dialect::Postgres;
use std::collections::BTreeMap;
use verso_core::{ColumnType, EntityType, Error, Result};
use verso_sql::{Dialect, LayoutColumn, CATALOG_COLUMNS, ID_COLUMN, LINK_COLUMNS, VERSION_COLUMNS};

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

/// The columns of the link table.
pub(crate) fn link_columns() -> Vec<ExpectedColumn> {
    LINK_COLUMNS.iter().map(ExpectedColumn::layout).collect()
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
            ("parent_ecs_id", "uuid", false),
            ("field", "text", false),
            ("position", "bigint", false),
            ("child_ecs_id", "uuid", false),
            ("child_type", "text", false),
            ("note", "text", true),
        ]);
        check_table("verso_links", &link_columns(), &table, Missing::Reject).unwrap();
    }

    #[test]
    fn differences_are_named() {
        let expected = link_columns();
        let missing = found(&[("parent_ecs_id", "uuid", false)]);
        let (column, detail) = detail_of(check_table("l", &expected, &missing, Missing::Reject));
        assert_eq!(column, "field");
        assert!(detail.contains("found none"), "{detail}");

        let mut retyped = found(&[
            ("parent_ecs_id", "uuid", false),
            ("field", "text", false),
            ("position", "integer", false),
            ("child_ecs_id", "uuid", false),
            ("child_type", "text", false),
        ]);
        let (column, detail) = detail_of(check_table("l", &expected, &retyped, Missing::Reject));
        assert_eq!(column, "position");
        assert_eq!(detail, "expected type bigint, found integer");

        retyped.get_mut("position").unwrap().data_type = "bigint".into();
        retyped.insert(
            "owner".into(),
            FoundColumn {
                data_type: "text".into(),
                nullable: false,
                filled_by_server: false,
            },
        );
        let (column, _) = detail_of(check_table("l", &expected, &retyped, Missing::Reject));
        assert_eq!(column, "owner");
    }
}
