//! The contract between Verso and a storage backend.
//!
//! A driver receives a whole commit plan or a whole load request, so the
//! number of statements it sends depends on the number of tables involved,
//! never on the number of entities. What it runs is decided outside it: a
//! commit's writes by `verso_sql::writes`, a load's steps by
//! [`LoadRun`](crate::LoadRun), the statements by `verso_sql::storage`; a
//! driver executes them and decodes rows.

use crate::catalog::CatalogEntry;
use crate::commit_info::{CommitRow, CommitVersion, VersionCommit};
use crate::error::{Error, Result};
use crate::instrument::Instrument;
use crate::list::{ChunkRow, ChunkedList, ListRow};
use crate::plan::CommitPlan;
use crate::prefix::{IdKind, IdPrefix, PrefixMatch};
use crate::query::EntityQuery;
use crate::schema::EntityType;
use crate::value::Value;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// The metadata columns of a stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowMeta {
    /// Row id.
    pub id: i64,
    /// Version id.
    pub ecs_id: Uuid,
    /// Lineage id.
    pub lineage_id: Uuid,
    /// Version this one was forked from.
    pub parent_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl RowMeta {
    /// Refuses what one row alone shows to be damaged: a version that is its
    /// own parent (a `parent_id` cycle of length one). Drivers call it on
    /// every row they read, so a tampered row is an [`Error::Decode`] naming
    /// the type, the version and `parent_id` instead of a lineage that
    /// never starts.
    pub fn check(&self, type_name: &str) -> Result<()> {
        if self.parent_id == Some(self.ecs_id) {
            return Err(Error::Decode {
                type_name: type_name.to_string(),
                id: self.ecs_id,
                column: "parent_id".into(),
                detail: format!(
                    "version {} (row {}) is stored as its own parent",
                    self.ecs_id, self.id
                ),
            });
        }
        Ok(())
    }
}

/// How many versions and lineages one entity type holds
/// (see [`Driver::count_versions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeCounts {
    /// Number of lineages.
    pub lineages: u64,
    /// Number of versions, all lineages together.
    pub versions: u64,
}

/// One lineage of a type, summarized (see [`Driver::lineages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageSummary {
    /// Lineage id.
    pub lineage_id: Uuid,
    /// Number of versions.
    pub versions: u64,
    /// When its first version was created.
    pub first_created_at: DateTime<Utc>,
    /// Its newest version (by `created_at`, then row id).
    pub head: Uuid,
    /// When the newest version was created.
    pub head_created_at: DateTime<Utc>,
    /// How many heads it has: versions nobody forked from (more than one
    /// when it branched).
    pub heads: u64,
}

/// One stored version as read from its table.
#[derive(Debug, Clone)]
pub struct StoredRow {
    /// The type whose table held the row.
    pub entity_type: &'static EntityType,
    /// Metadata columns.
    pub meta: RowMeta,
    /// The type's columns, in order.
    pub values: Vec<Value>,
}

impl StoredRow {
    /// Refuses a row that Verso cannot have written: its metadata fails
    /// [`RowMeta::check`], or a column of a required (non-`Option`) field
    /// holds `NULL` (a database whose `NOT NULL` constraint was lifted).
    /// JSON columns are always nullable and are left to the field's own
    /// decoding, and of a polymorphic type only the columns of the row's
    /// variant count. The error is an [`Error::Decode`] naming the type, the
    /// version and the column.
    pub fn check(&self) -> Result<()> {
        let ty = self.entity_type;
        self.meta.check(ty.name)?;
        // Of a polymorphic type, only the row's own variant's columns count.
        for (column, value) in ty.fields_of(&self.values) {
            if matches!(value, Value::Null)
                && !column.nullable
                && column.ty != crate::value::ColumnType::Json
            {
                return Err(Error::Decode {
                    type_name: ty.name.to_string(),
                    id: self.meta.ecs_id,
                    column: column.name.to_string(),
                    detail: format!(
                        "NULL in the required column {}.{} (row {})",
                        ty.table, column.name, self.meta.id
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Load these versions with their whole subtrees.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    /// Type of the roots.
    pub root_type: &'static EntityType,
    /// Root version ids.
    pub roots: Vec<Uuid>,
    /// Every type the subtrees may contain (the root type first).
    pub types: Vec<&'static EntityType>,
}

impl LoadRequest {
    /// Names of the request's types that have child fields: the only ones
    /// whose lists a load needs to follow into.
    pub fn parent_types(&self) -> Vec<&'static str> {
        self.types
            .iter()
            .filter(|t| !t.children.is_empty())
            .map(|t| t.name)
            .collect()
    }

    /// Whether the roots in `loaded` can have child lists to walk: some
    /// were found, and their type has child fields. A load of a type
    /// without children is the roots' query alone.
    pub fn has_lists(&self, loaded: &LoadedRows) -> bool {
        !loaded.rows.is_empty() && !self.root_type.children.is_empty()
    }

    /// Whether some child below the roots has child lists of its own: a
    /// type of the request holds children of a type that has child fields
    /// (the root type itself, for a recursive type). Else a load reads the
    /// roots' lists and nothing below their children.
    pub fn nests(&self) -> bool {
        self.types.iter().any(|ty| {
            ty.children.iter().any(|field| {
                field
                    .target
                    .resolve()
                    .is_none_or(|target| !target.children.is_empty())
            })
        })
    }

    /// The children the lists of `loaded` hold that `loaded` lacks,
    /// grouped by type for one query per type: the types in the order of
    /// [`types`](Self::types), the ids of each sorted, each once.
    ///
    /// A list of a type the request does not hold means the stored lists
    /// do not match the types: a schema mismatch of the list table. A
    /// chunk missing from `loaded` is a decode error naming its list.
    pub fn missing_children(
        &self,
        loaded: &LoadedRows,
    ) -> Result<Vec<(&'static EntityType, Vec<Uuid>)>> {
        let mut groups: Vec<(&'static EntityType, Vec<Uuid>)> = Vec::new();
        for list in &loaded.lists {
            let (children, _) = ChunkedList::read_stored(list, &loaded.chunks)?;
            let ids = match groups.iter_mut().find(|(ty, _)| ty.name == list.child_type) {
                Some((_, ids)) => ids,
                None => {
                    groups.push((self.child_type(list)?, Vec::new()));
                    &mut groups.last_mut().expect("just pushed").1
                }
            };
            ids.extend(
                children
                    .into_iter()
                    .filter(|c| !loaded.rows.contains_key(c)),
            );
        }
        groups.sort_by_key(|(ty, _)| self.types.iter().position(|t| t.name == ty.name));
        for (_, ids) in &mut groups {
            ids.sort_unstable();
            ids.dedup();
        }
        groups.retain(|(_, ids)| !ids.is_empty());
        Ok(groups)
    }

    /// The type of `list`'s children among the request's types; the error
    /// names the list's parent version and field.
    fn child_type(&self, list: &ListRow) -> Result<&'static EntityType> {
        let name = list.child_type.as_ref();
        self.types
            .iter()
            .copied()
            .find(|t| t.name == name)
            .ok_or_else(|| Error::SchemaMismatch {
                table: "verso_lists".into(),
                column: "child_type".into(),
                detail: format!(
                    "the list {} of {} holds children of type {name}, which {} cannot contain",
                    list.field, list.parent, self.root_type.name
                ),
            })
    }
}

/// The rows of a load: every version found, and the child lists below the
/// roots with their chunks.
#[derive(Debug, Clone, Default)]
pub struct LoadedRows {
    /// Versions by `ecs_id`.
    pub rows: HashMap<Uuid, StoredRow>,
    /// The child lists of every loaded parent (empty lists have none).
    pub lists: Vec<ListRow>,
    /// Every chunk below those lists' roots, by id.
    pub chunks: HashMap<Uuid, ChunkRow>,
    /// The roots a query selected, in its order (empty for a load by id).
    pub selected: Vec<Uuid>,
}

/// Which versions of one type to select (see [`Driver::select_versions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionQuery {
    /// The rows to consider.
    pub filter: VersionFilter,
    /// Keep only the newest selected version of each lineage.
    pub newest_per_lineage: bool,
}

/// The rows a [`VersionQuery`] considers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionFilter {
    /// Every version of the type.
    All,
    /// Versions whose UUID column `column` holds one of `ids` (`ecs_id`,
    /// `lineage_id`, or a reference column).
    In {
        /// A metadata column or a UUID field column of the type.
        column: &'static str,
        /// The values to match.
        ids: Vec<Uuid>,
    },
}

impl VersionQuery {
    /// Every version of the given lineages.
    pub fn lineages(ids: Vec<Uuid>) -> Self {
        VersionQuery {
            filter: VersionFilter::In {
                column: "lineage_id",
                ids,
            },
            newest_per_lineage: false,
        }
    }
    /// The versions with these `ecs_id`s.
    pub fn ecs_ids(ids: Vec<Uuid>) -> Self {
        VersionQuery {
            filter: VersionFilter::In {
                column: "ecs_id",
                ids,
            },
            newest_per_lineage: false,
        }
    }
    /// The versions whose UUID column `column` holds one of the ids bound
    /// at run time (the shape of a statement, before its ids are known).
    pub fn in_column(column: &'static str) -> Self {
        VersionQuery {
            filter: VersionFilter::In {
                column,
                ids: Vec::new(),
            },
            newest_per_lineage: false,
        }
    }
    /// Keep only the newest selected version of each lineage.
    pub fn newest(mut self) -> Self {
        self.newest_per_lineage = true;
        self
    }
}

/// A lookup in the versions of one type, answered through an index in time
/// independent of the length of the lineage (see [`Driver::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The newest version of a lineage (by `created_at`, then row id),
    /// among those created at or before `at` when it is given.
    Newest {
        /// The lineage.
        lineage_id: Uuid,
        /// Only versions created at or before this time.
        at: Option<DateTime<Utc>>,
    },
    /// The heads of a lineage: the versions nobody forked from, oldest
    /// first.
    Heads {
        /// The lineage.
        lineage_id: Uuid,
    },
    /// The ancestors of a version, oldest first (the version itself
    /// excluded): its `old_ids`.
    Ancestors {
        /// The version.
        ecs_id: Uuid,
    },
    /// Versions of a lineage, oldest first, after a cursor and up to a
    /// limit: one page of a long history.
    Versions {
        /// The lineage.
        lineage_id: Uuid,
        /// Only versions after this `(created_at, row id)`.
        after: Option<(DateTime<Utc>, i64)>,
        /// At most this many versions.
        limit: Option<u64>,
    },
    /// The versions whose child field `field` holds the version `child`,
    /// oldest first.
    Containing {
        /// The parent type's child field.
        field: &'static str,
        /// The child version.
        child: Uuid,
    },
}

/// What [`Driver::upgrade`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpgradeReport {
    /// Whether the database was in the earlier layout (`false`: nothing to do).
    pub upgraded: bool,
    /// Link rows of the earlier layout read.
    pub links_read: u64,
    /// Versions whose lists were migrated.
    pub versions: u64,
    /// List rows written.
    pub lists: u64,
    /// Chunks written.
    pub chunks: u64,
}

/// One child a version of a lineage gained (see [`Driver::gained_children`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GainedChild {
    /// The version that gained it.
    pub parent: Uuid,
    /// The child version.
    pub child: Uuid,
}

/// A storage backend. See the crate docs of `verso-sqlite`,
/// `verso-postgres` and `verso-memory`.
#[async_trait::async_trait]
pub trait Driver: Send + Sync + 'static {
    /// A short name: `sqlite`, `postgres`, `memory`.
    fn backend(&self) -> &'static str;
    /// Statement counters and fault injection.
    fn instrument(&self) -> &Instrument;
    /// Creates the tables of these types if they are missing (idempotent),
    /// and checks existing ones against the types.
    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()>;
    /// Stores a whole commit in one transaction; returns the row id of every
    /// inserted version.
    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>>;
    /// Waits until every commit this driver started has finished, even one
    /// whose caller dropped its future (a driver may finish such a commit
    /// without its caller: SQLite's runs to its end on the blocking pool).
    /// The store calls it before it looks up what an interrupted commit
    /// stored, so that the answer is final. Drivers whose commits stop with
    /// their futures keep the default, which returns at once.
    async fn wait_for_abandoned_commits(&self) -> Result<()> {
        Ok(())
    }
    /// Opens a transaction: a view of this store bound to one snapshot,
    /// for "read, decide, write" sequences (the facade's `Store::begin`).
    ///
    /// Every read of the returned driver sees the store as it was when the
    /// transaction began, and its [`commit`](Self::commit) stores its plan
    /// in that same transaction and ends it: committed if the plan is
    /// stored, rolled back if not. Any later call fails. Dropping it
    /// without a commit rolls back whatever it did (tables it created
    /// included). How other writers meet an open transaction is the
    /// backend's: they wait for it to end (SQLite, memory), or the second
    /// of two transactions writing after one snapshot fails with a
    /// retryable [`DbErrorKind::SerializationFailure`](crate::error::DbErrorKind)
    /// (PostgreSQL).
    ///
    /// The default refuses: a backend without transactions.
    async fn begin(&self) -> Result<Box<dyn Driver>> {
        Err(Error::database(
            crate::error::DbErrorKind::Other,
            format!("the {} backend has no transactions", self.backend()),
        ))
    }
    /// Loads the roots and everything below them.
    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows>;
    /// Runs `query` over the versions of `request.root_type` and loads the
    /// trees of the versions it selects, like [`load`](Self::load) (whose
    /// `roots` it ignores): one statement selects the roots, whole, then
    /// the same walk and child steps follow ([`LoadRun::for_query`](crate::LoadRun::for_query)).
    /// [`LoadedRows::selected`] holds the selected roots in the query's order.
    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows>;
    /// How many versions of `ty` the query selects, ignoring its order,
    /// cursor and limit. One statement.
    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64>;
    /// Metadata of the versions of `ty` a query selects, oldest first
    /// (by `created_at`, then row id). One statement.
    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>>;
    /// Which of `ids` are stored in the metadata column `column` of `ty`
    /// (`ecs_id`: versions; `lineage_id`: lineages), each once, in no
    /// particular order. One statement, costing the ids asked, not the
    /// length of their lineages: how a commit checks that its references
    /// point somewhere. This default selects the versions, and is only
    /// meant for backends that override it or hold little.
    async fn stored_ids(
        &self,
        ty: &'static EntityType,
        column: &'static str,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>> {
        let query = VersionQuery {
            filter: VersionFilter::In {
                column,
                ids: ids.to_vec(),
            },
            newest_per_lineage: column == "lineage_id",
        };
        let rows = self.select_versions(ty, &query).await?;
        Ok(rows
            .into_iter()
            .map(|row| match column {
                "lineage_id" => row.lineage_id,
                _ => row.ecs_id,
            })
            .collect())
    }
    /// Metadata of the versions of `ty` a lookup finds. One statement.
    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>>;
    /// The children that the versions of lineage `lineage_id` (of type
    /// `ty`) gained in child field `field`, in the order they were gained:
    /// versions oldest first, then by position. One statement.
    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>>;
    /// Migrates a database written by an earlier storage layout (one
    /// `verso_links` row per child of every version) to this one, in place
    /// and in one transaction, keeping every version. A database already in
    /// this layout is left as it is.
    async fn upgrade(&self) -> Result<UpgradeReport> {
        Err(Error::database(
            crate::error::DbErrorKind::Other,
            format!(
                "the {} backend has no earlier layout to upgrade",
                self.backend()
            ),
        ))
    }
    /// Metadata of every version of a lineage, oldest first.
    async fn versions(&self, ty: &'static EntityType, lineage_id: Uuid) -> Result<Vec<RowMeta>> {
        let page = Lookup::Versions {
            lineage_id,
            after: None,
            limit: None,
        };
        self.lookup(ty, &page).await
    }
    /// Metadata of one version.
    async fn version(&self, ty: &'static EntityType, ecs_id: Uuid) -> Result<Option<RowMeta>> {
        let found = self
            .select_versions(ty, &VersionQuery::ecs_ids(vec![ecs_id]))
            .await?;
        Ok(found.into_iter().next())
    }
    /// The name of the type stored under `ecs_id`, looked up in every table
    /// the store knows.
    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>>;
    /// The name of the type whose versions carry `lineage_id`, looked up
    /// in every table the store knows, like [`find_type`](Self::find_type).
    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>>;
    /// The versions and lineages of `types` whose id starts with
    /// `prefix`: at most `limit` of them, in no particular order, each
    /// lineage once. How a short id (`verso show 0190a1b2`) is resolved.
    ///
    /// The SQL backends answer with range scans (`BETWEEN` the prefix's
    /// [`low`](IdPrefix::low) and [`high`](IdPrefix::high) ids) on each
    /// table's unique `ecs_id` index and its lineage index, in statements of
    /// a bounded number of tables. This default reads every version of
    /// every type, unless the prefix is a whole id, and is only meant for
    /// backends that override it or hold little.
    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &IdPrefix,
        limit: usize,
    ) -> Result<Vec<PrefixMatch>> {
        let mut found = Vec::new();
        for &ty in types {
            let versions = if prefix.is_whole() {
                let ids = vec![prefix.low()];
                let mut rows = self
                    .select_versions(ty, &VersionQuery::ecs_ids(ids.clone()))
                    .await?;
                rows.extend(
                    self.select_versions(ty, &VersionQuery::lineages(ids))
                        .await?,
                );
                rows
            } else {
                self.select_versions(
                    ty,
                    &VersionQuery {
                        filter: VersionFilter::All,
                        newest_per_lineage: false,
                    },
                )
                .await?
            };
            for meta in versions {
                for (kind, id) in [
                    (IdKind::Version, meta.ecs_id),
                    (IdKind::Lineage, meta.lineage_id),
                ] {
                    let candidate = PrefixMatch {
                        entity_type: ty,
                        kind,
                        id,
                    };
                    if prefix.matches(id) && !found.contains(&candidate) {
                        if found.len() == limit {
                            return Ok(found);
                        }
                        found.push(candidate);
                    }
                }
            }
        }
        Ok(found)
    }
    /// Every entity type the store has a table for, by type name; `None`
    /// when the database has no catalog at all (it is not a Verso
    /// database, or nothing was ever stored in it).
    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>>;
    /// Lineage and version counts of each type, in the order given. One
    /// statement for all the types.
    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>>;
    /// Every lineage of `ty`, oldest first (by the creation of its first
    /// version), with its version count and newest version. One statement.
    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>>;
    /// The commit `commit_id` with its metadata, `None` if no such commit
    /// is stored (or the store has no commit table yet). One statement, on
    /// the commits' primary key.
    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<CommitRow>>;
    /// The versions commit `commit_id` wrote, in the order it wrote them
    /// (empty for an unknown commit). One statement, on the links' commit
    /// index.
    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<CommitVersion>>;
    /// Every version of lineage `lineage_id` that a recorded commit wrote,
    /// with that commit, oldest commit first (by time, then id; within a
    /// commit, in its order). One statement, on the links' lineage index
    /// and the commits' primary key. Versions stored before Verso recorded
    /// commits belong to none and are left out.
    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<VersionCommit>>;
}
