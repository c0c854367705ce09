//! Queries across the versions of a lineage.

use crate::Store;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use verso_core::{
    ChildCol, Children, Col, ColumnType, Entity, Error, LineageRef, Node, Ref, ReferenceField,
    Result, VersionFilter, VersionQuery,
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
    /// side: `store.referencing(MessageUsage::FIELDS.message, &[message_id])`.
    /// A list of references (`Vec<Ref<T>>`, `Vec<LineageRef<T>>`) matches
    /// when it holds one of `targets`. One statement, then the load.
    pub async fn referencing<T: Entity, R: ReferenceField>(
        &self,
        field: Col<T, R>,
        targets: &[Uuid],
    ) -> Result<Vec<T>> {
        let ty = T::entity_type();
        let field = field.name();
        let Some(column) = ty
            .columns
            .iter()
            .find(|c| c.name == field && (c.ty == ColumnType::Uuid || c.references.is_some()))
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
    pub async fn children_across_versions<P: Entity, F: Children>(
        &self,
        lineage_id: Uuid,
        field: ChildCol<P, F>,
    ) -> Result<Vec<F::Item>> {
        let parent = P::entity_type();
        let field = field.name();
        let Some(child_field) = parent.children.iter().find(|c| c.name == field) else {
            return Err(Error::InvalidInput {
                type_name: parent.name.to_string(),
                id: lineage_id,
                detail: format!("{} has no child field {field:?}", parent.name),
            });
        };
        let expected = F::Item::entity_type();
        if child_field.target.name() != expected.name {
            return Err(Error::WrongType {
                expected: expected.name.to_string(),
                actual: child_field.target.name().to_string(),
                id: lineage_id,
            });
        }
        self.newest::<P>(lineage_id, None).await?;
        let gained = self
            .driver
            .gained_children(parent, lineage_id, child_field.name)
            .await?;
        // Every child some version held was gained by it or by one of its
        // ancestors: the gains, in order, are the children in the order
        // they first appeared. Per child lineage keep the newest.
        let mut ids: Vec<Uuid> = gained.iter().map(|g| g.child).collect();
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(*id));
        let children = self.get_many::<F::Item>(&ids).await?;
        let mut order: Vec<Uuid> = Vec::new();
        let mut newest: HashMap<Uuid, usize> = HashMap::new();
        for (index, child) in children.iter().enumerate() {
            let meta = child.meta();
            match newest.get(&meta.lineage_id()) {
                None => {
                    order.push(meta.lineage_id());
                    newest.insert(meta.lineage_id(), index);
                }
                Some(&kept) => {
                    let kept = children[kept].meta();
                    if (kept.created_at(), kept.id()) < (meta.created_at(), meta.id()) {
                        newest.insert(meta.lineage_id(), index);
                    }
                }
            }
        }
        Ok(order
            .iter()
            .map(|lineage| children[newest[lineage]].clone())
            .collect())
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
