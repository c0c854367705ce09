//! Reading versions back.

use crate::Store;
use uuid::Uuid;
use verso_core::{reachable_types, Assembly, Entity, Error, LoadRequest, Ref, Result, RowMeta};

impl Store {
    /// The version `ecs_id` of a `T`, with its whole subtree as it was at
    /// that version. Costs a fixed number of queries (about one per table),
    /// whatever the size of the tree.
    ///
    /// Errors: [`Error::WrongType`] if the id belongs to another type,
    /// [`Error::NotFound`] if no version has it.
    pub async fn get<T: Entity>(&self, ecs_id: Uuid) -> Result<T> {
        let mut found = self.get_many::<T>(&[ecs_id]).await?;
        Ok(found.remove(0))
    }

    /// Several versions of `T` at once, in the order asked, in the same
    /// number of queries as one.
    pub async fn get_many<T: Entity>(&self, ecs_ids: &[Uuid]) -> Result<Vec<T>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let request = LoadRequest {
            root_type: ty,
            roots: ecs_ids.to_vec(),
            types: reachable_types(ty),
        };
        let loaded = self.driver.load(&request).await?;
        let mut assembly = Assembly::new(&loaded);
        let mut entities = Vec::with_capacity(ecs_ids.len());
        for &id in ecs_ids {
            if !loaded.rows.contains_key(&id) {
                return Err(self.missing(ty.name, id).await);
            }
            entities.push(assembly.build::<T>(id)?);
        }
        Ok(entities)
    }

    /// The target of a reference.
    pub async fn resolve<T: Entity>(&self, reference: &Ref<T>) -> Result<T> {
        self.get(reference.id()).await
    }

    /// The error for an id that `type_name`'s table does not hold.
    pub(crate) async fn missing(&self, type_name: &str, id: Uuid) -> Error {
        match self.driver.find_type(id).await {
            Ok(Some(actual)) if actual != type_name => Error::WrongType {
                expected: type_name.to_string(),
                actual,
                id,
            },
            Ok(_) => Error::NotFound {
                type_name: type_name.to_string(),
                id,
            },
            Err(e) => e,
        }
    }

    /// Metadata of every version of a lineage, oldest first.
    pub async fn versions<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<RowMeta>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let versions = self.driver.versions(ty, lineage_id).await?;
        if versions.is_empty() {
            return Err(match self.driver.find_lineage_type(lineage_id).await? {
                Some(actual) if actual != ty.name => Error::WrongType {
                    expected: ty.name.to_string(),
                    actual,
                    id: lineage_id,
                },
                _ => Error::NotFound {
                    type_name: ty.name.to_string(),
                    id: lineage_id,
                },
            });
        }
        Ok(versions)
    }

    /// Every version of a lineage, each with its subtree, oldest first.
    pub async fn lineage<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<T>> {
        let ids: Vec<Uuid> = self
            .versions::<T>(lineage_id)
            .await?
            .iter()
            .map(|v| v.ecs_id)
            .collect();
        self.get_many(&ids).await
    }

    /// The newest version of a lineage.
    pub async fn latest<T: Entity>(&self, lineage_id: Uuid) -> Result<T> {
        let versions = self.versions::<T>(lineage_id).await?;
        let newest = versions.last().expect("versions is never empty").ecs_id;
        self.get(newest).await
    }

    /// The leaves of a lineage's version tree (versions nobody forked from),
    /// oldest first. A lineage edited from two working copies of the same
    /// version has two heads.
    pub async fn heads<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<T>> {
        let versions = self.versions::<T>(lineage_id).await?;
        let ids: Vec<Uuid> = heads_of(&versions);
        self.get_many(&ids).await
    }

    /// Every earlier `ecs_id` on the path from the first version of its
    /// lineage to `ecs_id`, oldest first. Only `parent_id` is stored, so the
    /// path costs no space per version; this reads the lineage's metadata.
    pub async fn old_ids<T: Entity>(&self, ecs_id: Uuid) -> Result<Vec<Uuid>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let Some(version) = self.driver.version(ty, ecs_id).await? else {
            return Err(self.missing(ty.name, ecs_id).await);
        };
        let versions = self.driver.versions(ty, version.lineage_id).await?;
        Ok(ancestry(&versions, &version))
    }
}

/// Versions no other version of the list was forked from.
fn heads_of(versions: &[RowMeta]) -> Vec<Uuid> {
    let parents: std::collections::HashSet<Uuid> =
        versions.iter().filter_map(|v| v.parent_id).collect();
    versions
        .iter()
        .filter(|v| !parents.contains(&v.ecs_id))
        .map(|v| v.ecs_id)
        .collect()
}

/// The ancestors of `version` within `versions`, oldest first.
fn ancestry(versions: &[RowMeta], version: &RowMeta) -> Vec<Uuid> {
    let parent_of: std::collections::HashMap<Uuid, Option<Uuid>> =
        versions.iter().map(|v| (v.ecs_id, v.parent_id)).collect();
    let mut path = Vec::new();
    let mut next = version.parent_id;
    while let Some(id) = next {
        if path.len() > versions.len() {
            break; // a parent cycle cannot be written by Verso; do not loop on one
        }
        path.push(id);
        next = parent_of.get(&id).copied().flatten();
    }
    path.reverse();
    path
}
