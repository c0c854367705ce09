//! Table and index definitions.

use crate::layout::{
    LayoutColumn, CATALOG_COLUMNS, CATALOG_TABLE, ID_COLUMN, LINKS_TABLE, LINK_COLUMNS,
    VERSION_COLUMNS,
};
use crate::Dialect;
use sea_query::{
    Alias, ColumnDef, Index, IndexCreateStatement, Table, TableAlterStatement, TableCreateStatement,
};
use verso_core::{ColumnType, EntityType};

/// The declaration of column `name` storing `ty`, `NOT NULL` unless
/// `nullable`.
fn column(name: &str, ty: ColumnType, nullable: bool, dialect: &impl Dialect) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(name));
    def.custom(Alias::new(dialect.column_type(ty)));
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
    table
        .table(Alias::new(ty.table))
        .if_not_exists()
        .col(id.primary_key());
    for c in &VERSION_COLUMNS {
        table.col(layout_column(c, dialect));
    }
    for c in ty.columns {
        table.col(column(c.name, c.ty, c.nullable, dialect));
    }
    table.take()
}

/// `CREATE INDEX IF NOT EXISTS <name> ON <table> (<column>)`.
fn index(name: String, table: &str, column: &str) -> IndexCreateStatement {
    Index::create()
        .if_not_exists()
        .name(name)
        .table(Alias::new(table))
        .col(Alias::new(column))
        .take()
}

/// The unique index on `ecs_id`, the index on `lineage_id`, and one index
/// per reference column of `ty`'s table.
pub fn entity_indexes(ty: &EntityType) -> Vec<IndexCreateStatement> {
    let table = ty.table;
    let mut indexes = vec![
        index(format!("{table}_ecs_id_key"), table, "ecs_id")
            .unique()
            .take(),
        index(format!("{table}_lineage_id_idx"), table, "lineage_id"),
    ];
    // Reference columns are looked up from the other side (association
    // objects, back-references).
    for column in ty.columns.iter().filter(|c| c.references.is_some()) {
        indexes.push(index(
            format!("{table}_{}_idx", column.name),
            table,
            column.name,
        ));
    }
    indexes
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

/// `CREATE TABLE IF NOT EXISTS` for the link table.
pub fn links_table(dialect: &impl Dialect) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(LINKS_TABLE)).if_not_exists();
    for c in &LINK_COLUMNS {
        table.col(layout_column(c, dialect));
    }
    let mut key = Index::create();
    for c in &LINK_COLUMNS[..3] {
        key.col(Alias::new(c.name));
    }
    table.primary_key(&mut key).take()
}

/// The index on `child_ecs_id` of the link table.
pub fn links_child_index() -> IndexCreateStatement {
    index(
        format!("{LINKS_TABLE}_child_idx"),
        LINKS_TABLE,
        "child_ecs_id",
    )
}

/// `CREATE TABLE IF NOT EXISTS` for the catalog.
pub fn catalog_table(dialect: &impl Dialect) -> TableCreateStatement {
    let [key, rest @ ..] = &CATALOG_COLUMNS;
    let mut table = Table::create();
    table
        .table(Alias::new(CATALOG_TABLE))
        .if_not_exists()
        .col(layout_column(key, dialect).primary_key());
    for c in rest {
        table.col(layout_column(c, dialect));
    }
    table.take()
}
