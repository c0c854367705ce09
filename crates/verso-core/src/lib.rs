//! The heart of Verso: the entity model, change detection and commit
//! planning. This crate performs no I/O; storage backends implement
//! [`Driver`] and receive whole commit plans and load requests from it.
//!
//! Users depend on the `verso` facade crate, which re-exports everything here.

#![warn(missing_docs)]

mod catalog;
mod commit_info;
mod content;
mod deep;
mod diff;
mod driver;
mod entity;
mod error;
mod field;
mod handle;
mod ids;
mod instrument;
mod lineage_tree;
pub mod list;
mod load;
mod load_run;
mod meta;
mod pending;
mod plan;
mod polymorphic;
mod prefix;
mod query;
mod reference;
mod reference_check;
mod reference_list;
mod report;
mod schema;
#[cfg(feature = "serde")]
mod serde_impls;
mod tree;
mod validate;
mod value;

pub use catalog::CatalogEntry;
pub use commit_info::{
    CommitInfo, CommitRecord, CommitRow, CommitVersion, VersionCommit, COMMIT_TYPE_NAME,
};
pub use content::Content;
pub use diff::{
    diff, ChangedChild, ChildrenDiff, Diff, DiffLine, FieldChange, LineKind, MovedChild,
    PlacedChild, ReferenceNaming,
};
pub use driver::{
    Driver, GainedChild, LineageSummary, LoadRequest, LoadedRows, Lookup, RowMeta, StoredRow,
    TypeCounts, UpgradeReport, VersionFilter, VersionQuery,
};
pub use entity::{Children, Entity, Node};
pub use error::{DbErrorKind, DriverError, Error, Result};
pub use field::{column_value, json_from_value, json_to_value, Field};
pub use handle::{ChildCol, Col, Comparable, Order, Ordered, ReferenceField, TextField, Where};
pub use ids::{new_uuid, now, set_uuid_generator, UuidGenerator};
#[cfg(feature = "fault-injection")]
pub use instrument::Fault;
pub use instrument::{Instrument, Stats};
pub use lineage_tree::{LineageNode, LineageTree};
pub use list::{ChunkRow, ChunkedList, ListChange, ListRow};
pub use load::Assembly;
pub use load_run::{LoadRun, LoadStep};
pub use meta::Meta;
pub use pending::{mark_unsettled, mark_unsettled_roots, settle};
pub use plan::{
    apply_commit, apply_commit_roots, plan_commit, plan_commit_roots, plan_commit_with, CommitPlan,
    NewVersion, PlannedCommit, TableBatch,
};
pub use polymorphic::{Polymorphic, VARIANT_COLUMN};
pub use prefix::{IdKind, IdPrefix, PrefixMatch};
pub use query::{
    sql_cmp, CompareOp, Cursor, EntityQuery, Filter, OrderKey, QueryColumn, Scope, ValueRef,
};
pub use reference::{LineageRef, Ref};
pub use reference_check::{NewReference, ReferenceCheck};
pub use reference_list::reference_ids;
pub use report::{CommitReport, Created, Forked};
pub use schema::{
    reachable_types, ChildField, ChildKind, Column, EntityType, Origin, RefKind, Reference,
    TypeRef, Variant,
};
pub use tree::{ChildList, VersionTree};
pub use value::{ColumnType, Value};
