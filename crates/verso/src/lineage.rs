//! Queries across the versions of a lineage.

use crate::Store;
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{
    reachable_types, Assembly, ColumnType, Entity, Error, LineageRef, LoadRequest, Ref, Result,
    VersionFilter, VersionQuery,
};

impl Store {
    /// The newest version of a referenced lineage.
    pub async fn follow<T: Entity>(&self, reference: &LineageRef<T>) -> Result<T> {
        self.latest(reference.lineage_id()).await
    }

    /// The newest version of each referenced lineage, in the order asked,
    /// in a fixed number of queries.
    pub async fn follow_all<T: Entity>(&self, references: &[LineageRef<T>]) -> Result<Vec<T>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let lineages: Vec<Uuid> = references.iter().map(|r| r.lineage_id()).collect();
        let newest = self
            .driver
            .select_versions(ty, &VersionQuery::lineages(lineages.clone()).newest())
            .await?;
        let by_lineage: HashMap<Uuid, Uuid> =
            newest.iter().map(|v| (v.lineage_id, v.ecs_id)).collect();
        let mut ids = Vec::with_capacity(lineages.len());
        for lineage in lineages {
            let Some(id) = by_lineage.get(&lineage) else {
                return Err(Error::NotFound {
                    type_name: ty.name.to_string(),
                    id: lineage,
                });
            };
            ids.push(*id);
        }
        self.get_many(&ids).await
    }

    /// The targets of many references at once, in the order asked, in a
    /// fixed number of queries (resolving every reference of a loaded tree
    /// costs the same for ten messages as for ten thousand).
    pub async fn resolve_all<T: Entity>(&self, references: &[Ref<T>]) -> Result<Vec<T>> {
        let ids: Vec<Uuid> = references.iter().map(|r| r.id()).collect();
        self.get_many(&ids).await
    }

    /// Every entity of type `T`, each with its subtree: the newest version
    /// of each lineage ([`Versions::Newest`]) or every version
    /// ([`Versions::All`]), oldest first.
    pub async fn list<T: Entity>(&self, which: Versions) -> Result<Vec<T>> {
        let query = VersionQuery {
            filter: VersionFilter::All,
            newest_per_lineage: which == Versions::Newest,
        };
        self.select::<T>(query).await
    }

    /// The entities of type `T` whose reference field `field` points to
    /// one of `targets` (version ids for a [`Ref`], lineage ids for a
    /// [`LineageRef`]): the newest such version of each lineage, oldest
    /// first. This is how an association object is reached from either
    /// side: `store.referencing::<MessageUsage>("message", &[message_id])`.
    pub async fn referencing<T: Entity>(&self, field: &str, targets: &[Uuid]) -> Result<Vec<T>> {
        let ty = T::entity_type();
        let Some(column) = ty
            .columns
            .iter()
            .find(|c| c.name == field && c.ty == ColumnType::Uuid)
        else {
            return Err(Error::InvalidInput {
                type_name: ty.name.to_string(),
                id: targets.first().copied().unwrap_or_default(),
                detail: format!("{} has no reference field {field:?}", ty.name),
            });
        };
        let query = VersionQuery {
            filter: VersionFilter::In {
                column: column.name,
                ids: targets.to_vec(),
            },
            newest_per_lineage: true,
        };
        self.select::<T>(query).await
    }

    async fn select<T: Entity>(&self, query: VersionQuery) -> Result<Vec<T>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let versions = self.driver.select_versions(ty, &query).await?;
        let ids: Vec<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.get_many(&ids).await
    }

    /// Every child that any version of lineage `lineage_id` (of type `P`)
    /// ever held in its child field `field`, once per child lineage: the
    /// newest version of each that some version held, in the order the
    /// children first appeared. The guide's
    /// `get_entity_children_across_versions`. Costs a fixed number of
    /// queries, whatever the number of versions and children.
    pub async fn children_across_versions<P: Entity, C: Entity>(
        &self,
        lineage_id: Uuid,
        field: &str,
    ) -> Result<Vec<C>> {
        let parent = P::entity_type();
        let Some(child_field) = parent.children.iter().find(|c| c.name == field) else {
            return Err(Error::InvalidInput {
                type_name: parent.name.to_string(),
                id: lineage_id,
                detail: format!("{} has no child field {field:?}", parent.name),
            });
        };
        let expected = C::entity_type();
        if child_field.target.name() != expected.name {
            return Err(Error::WrongType {
                expected: expected.name.to_string(),
                actual: child_field.target.name().to_string(),
                id: lineage_id,
            });
        }
        let versions = self.versions::<P>(lineage_id).await?;
        let request = LoadRequest {
            root_type: parent,
            roots: versions.iter().map(|v| v.ecs_id).collect(),
            types: reachable_types(parent),
        };
        let loaded = self.driver.load(&request).await?;

        // Children in the order they first appear (versions oldest first,
        // positions in order); per child lineage keep the newest version.
        let version_rank: HashMap<Uuid, usize> = request
            .roots
            .iter()
            .enumerate()
            .map(|(rank, id)| (*id, rank))
            .collect();
        let mut links: Vec<_> = loaded
            .links
            .iter()
            .filter(|l| l.field == field && version_rank.contains_key(&l.parent))
            .collect();

        links.sort_by_key(|l| (version_rank[&l.parent], l.position));
        let mut order: Vec<Uuid> = Vec::new();
        let mut newest: HashMap<Uuid, Uuid> = HashMap::new();
        for link in links {
            let Some(row) = loaded.rows.get(&link.child) else {
                continue;
            };
            let lineage = row.meta.lineage_id;
            match newest.get(&lineage).and_then(|id| loaded.rows.get(id)) {
                None => {
                    order.push(lineage);
                    newest.insert(lineage, link.child);
                }
                Some(kept)
                    if (kept.meta.created_at, kept.meta.id)
                        < (row.meta.created_at, row.meta.id) =>
                {
                    newest.insert(lineage, link.child);
                }
                Some(_) => {}
            }
        }
        let mut assembly = Assembly::new(&loaded);
        order
            .iter()
            .map(|lineage| assembly.build::<C>(newest[lineage]))
            .collect()
    }
}

/// Which versions [`Store::list`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// The newest version of each lineage.
    Newest,
    /// Every version.
    All,
}
