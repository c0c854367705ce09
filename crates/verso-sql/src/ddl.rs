//! Table and index definitions.

use crate::layout::{LayoutColumn, CATALOG_COLUMNS, CATALOG_TABLE, ID_COLUMN, VERSION_COLUMNS};
use crate::Dialect;
use sea_query::{Alias, ColumnDef, Table, TableAlterStatement, TableCreateStatement};
use verso_core::{ColumnType, EntityType, Error};

/// The declaration of column `name` storing `ty`, `NOT NULL` unless
/// `nullable`.
fn column(name: &str, ty: ColumnType, nullable: bool, dialect: &impl Dialect) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(name));
    def.custom(dialect.column_type(ty));
    if !nullable {
        def.not_null();
    }
    def
}

/// The declaration of a column of Verso's own layout.
fn layout_column(c: &LayoutColumn, dialect: &impl Dialect) -> ColumnDef {
    column(c.name, c.ty, c.nullable, dialect)
}

/// `CREATE TABLE IF NOT EXISTS` for the versions of `ty`: the row id, the
/// metadata columns, then one column per field.
pub fn entity_table(ty: &EntityType, dialect: &impl Dialect) -> TableCreateStatement {
    let mut id = column(ID_COLUMN, ColumnType::Int, false, dialect);
    if let Some(numbering) = dialect.row_numbering() {
        id.extra(numbering);
    }
    let mut table = Table::create();
    table.table(ty.table).if_not_exists().col(id.primary_key());
    for c in &VERSION_COLUMNS {
        table.col(layout_column(c, dialect));
    }
    for c in ty.columns {
        table.col(column(c.name, c.ty, c.nullable, dialect));
    }
    table.take()
}

/// `ALTER TABLE ... ADD COLUMN` for the nullable column `name` storing
/// `ty` (a new `Option` field): existing versions read it as `None`.
pub fn add_nullable_column(
    table: &str,
    name: &str,
    ty: ColumnType,
    dialect: &impl Dialect,
) -> TableAlterStatement {
    Table::alter()
        .table(Alias::new(table))
        .add_column(column(name, ty, true, dialect))
        .take()
}

/// `CREATE TABLE IF NOT EXISTS` for the catalog.
pub fn catalog_table(dialect: &impl Dialect) -> TableCreateStatement {
    let [key, rest @ ..] = &CATALOG_COLUMNS;
    let mut table = Table::create();
    table
        .table(CATALOG_TABLE)
        .if_not_exists()
        .col(layout_column(key, dialect).primary_key());
    for c in rest {
        table.col(layout_column(c, dialect));
    }
    table.take()
}

/// The error when the catalog row `(table, owner)` (a table and the type
/// name stored in it) contradicts `ty`: its table holds another type, or
/// its type name is stored in another table (the catalog keeps one table
/// per type name). `None` when they agree or are unrelated.
pub fn catalog_conflict(ty: &EntityType, table: &str, owner: &str) -> Option<Error> {
    if table == ty.table && owner != ty.name {
        return Some(Error::SchemaMismatch {
            table: table.to_string(),
            column: "*".into(),
            detail: format!("the table stores {owner}, not {}", ty.name),
        });
    }
    if owner == ty.name && table != ty.table {
        return Some(Error::SchemaMismatch {
            table: ty.table.to_string(),
            column: "*".into(),
            detail: format!(
                "the type name {owner} is stored in table {table} already: give {} its own \
                 #[verso(name = \"...\")], or #[verso(table = \"{table}\")] to go on \
                 reading those versions",
                ty.origin.rust_path
            ),
        });
    }
    None
}
