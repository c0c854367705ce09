//! The contract between Verso and a storage backend.
//!
//! The trait is deliberately coarse: a driver receives a whole commit plan
//! or a whole load request, so the number of statements it sends depends on
//! the number of tables involved, never on the number of entities.

use crate::catalog::CatalogEntry;
use crate::error::{Error, Result};
use crate::instrument::Instrument;
use crate::plan::CommitPlan;
use crate::schema::EntityType;
use crate::value::Value;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
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

/// One child link: child `position` of `parent`'s `field` is `child`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    /// Parent version.
    pub parent: Uuid,
    /// The parent's child field.
    pub field: Cow<'static, str>,
    /// Position in the field, from 0.
    pub position: i64,
    /// Child version.
    pub child: Uuid,
    /// The child's entity type name.
    pub child_type: Cow<'static, str>,
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
    /// whose links a load needs to follow.
    pub fn parent_types(&self) -> Vec<&'static str> {
        self.types
            .iter()
            .filter(|t| !t.children.is_empty())
            .map(|t| t.name)
            .collect()
    }

    /// The children the links of `loaded` point to that `loaded` lacks,
    /// grouped by type for one query per type: the types in the order of
    /// [`types`](Self::types), the ids of each sorted, each once.
    ///
    /// A link to a type the request does not hold means the stored links
    /// do not match the types: a schema mismatch of the link table.
    pub fn missing_children(
        &self,
        loaded: &LoadedRows,
    ) -> Result<Vec<(&'static EntityType, Vec<Uuid>)>> {
        let mut groups: Vec<(&'static EntityType, Vec<Uuid>)> = Vec::new();
        for link in &loaded.links {
            if loaded.rows.contains_key(&link.child) {
                continue;
            }
            match groups.iter_mut().find(|(ty, _)| ty.name == link.child_type) {
                Some((_, ids)) => ids.push(link.child),
                None => groups.push((self.child_type(&link.child_type)?, vec![link.child])),
            }
        }
        groups.sort_by_key(|(ty, _)| self.types.iter().position(|t| t.name == ty.name));
        for (_, ids) in &mut groups {
            ids.sort_unstable();
            ids.dedup();
        }
        Ok(groups)
    }

    /// The type called `name` among the request's types.
    fn child_type(&self, name: &str) -> Result<&'static EntityType> {
        self.types
            .iter()
            .copied()
            .find(|t| t.name == name)
            .ok_or_else(|| Error::SchemaMismatch {
                table: "verso_links".into(),
                column: "child_type".into(),
                detail: format!(
                    "a link points to type {name}, which {} cannot contain",
                    self.root_type.name
                ),
            })
    }
}

/// The rows of a load: every version found, and every link below the roots.
#[derive(Debug, Clone, Default)]
pub struct LoadedRows {
    /// Versions by `ecs_id`.
    pub rows: HashMap<Uuid, StoredRow>,
    /// Child links of every loaded parent.
    pub links: Vec<LinkRow>,
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
    /// Loads the roots and everything below them.
    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows>;
    /// Metadata of the versions of `ty` a query selects, oldest first
    /// (by `created_at`, then row id). One statement.
    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>>;
    /// Metadata of every version of a lineage, oldest first.
    async fn versions(&self, ty: &'static EntityType, lineage_id: Uuid) -> Result<Vec<RowMeta>> {
        self.select_versions(ty, &VersionQuery::lineages(vec![lineage_id]))
            .await
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
}
