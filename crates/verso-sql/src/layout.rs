//! The names and types of the columns Verso lays out itself: the metadata
//! of every entity table and the catalog
//! (`docs/storage.md`).

use verso_core::ColumnType;

/// A column of Verso's own layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutColumn {
    /// Column name.
    pub name: &'static str,
    /// What the column stores.
    pub ty: ColumnType,
    /// Whether the column accepts `NULL`.
    pub nullable: bool,
}

const fn column(name: &'static str, ty: ColumnType, nullable: bool) -> LayoutColumn {
    LayoutColumn { name, ty, nullable }
}

/// The row id every entity table starts with, assigned by the store.
pub const ID_COLUMN: &str = "id";

/// The metadata columns written with every version, after [`ID_COLUMN`]
/// and before the type's own columns, in select and insert order.
pub const VERSION_COLUMNS: [LayoutColumn; 4] = [
    column("ecs_id", ColumnType::Uuid, false),
    column("lineage_id", ColumnType::Uuid, false),
    column("parent_id", ColumnType::Uuid, true),
    column("created_at", ColumnType::Timestamp, false),
];

/// The catalog of stored entity types.
pub const CATALOG_TABLE: &str = "verso_catalog";

/// The columns of [`CATALOG_TABLE`]; the first is its primary key.
pub const CATALOG_COLUMNS: [LayoutColumn; 3] = [
    column("type_name", ColumnType::Text, false),
    column("table_name", ColumnType::Text, false),
    column("definition", ColumnType::Json, false),
];

/// The metadata columns of an entity table, [`ID_COLUMN`] first.
pub(crate) fn meta_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once(ID_COLUMN).chain(VERSION_COLUMNS.iter().map(|c| c.name))
}
