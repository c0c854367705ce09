//! Verso's SQL statements as [`sea_query`] syntax trees, shared by the SQL
//! drivers.
//!
//! Every statement whose shape is the same on every database is built here
//! once, from an [`EntityType`](verso_core::EntityType), and parameterised
//! by a [`Dialect`] for what genuinely differs: column type names, how the
//! store numbers rows, parameter placeholders and how a list of ids is
//! bound. Each driver renders the trees with its own query builder
//! (`SqliteQueryBuilder`, `PostgresQueryBuilder`), always with `to_string`,
//! so the few literal values (an index, a rank) are written inline and
//! every parameter is one the [`Dialect`] placed.
//!
//! The layout of child lists and lineages (tables, the walk that loads
//! lists, the indexed lookups) is [`storage`]. What only one database can
//! express stays in its driver: the batch inserts and the catalog upsert.
//!
//! The tables follow `docs/storage.md`.

#![warn(missing_docs)]

mod census;
pub mod commits;
mod ddl;
mod dialect;
mod layout;
mod load;
mod query;
mod rank;
mod rendered;
pub mod storage;
pub mod writes;

pub use census::{
    count_versions, find_prefix, lineages, prefix_kind, type_counts, PREFIX_TABLES, UNION_BRANCHES,
};
pub use ddl::{add_nullable_column, catalog_conflict, catalog_table, entity_table};
pub use dialect::Dialect;
pub use layout::{LayoutColumn, CATALOG_COLUMNS, CATALOG_TABLE, ID_COLUMN, VERSION_COLUMNS};
pub use load::{
    find_type, forks_of, lock_versions, select_by_id, select_by_ids, select_versions, stored_ids,
};
pub use query::{count_query, select_query, BoundStatement};
pub use rendered::{rendered, StatementKind};

#[cfg(test)]
mod tests;
