//! Reading versions back.

use crate::Store;
use uuid::Uuid;
use verso_core::{
    reachable_types, Assembly, ChildCol, Entity, Error, LoadRequest, Lookup, Ref, Result, RowMeta,
};

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
        let loaded = self
            .recreating_dropped_tables(&[ty], || self.driver.load(&request))
            .await?;
        let mut assembly = Assembly::new(&loaded)?;
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
    ///
    /// Errors: [`Error::Decode`] naming a version whose parent is not an
    /// earlier version of the lineage (a damaged `parent_id` or
    /// `lineage_id`, see `check_lineage`).
    pub async fn versions<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<RowMeta>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let versions = self.driver.versions(ty, lineage_id).await?;
        if versions.is_empty() {
            return Err(self.missing_lineage(ty.name, lineage_id).await?);
        }
        check_lineage(ty.name, lineage_id, &versions)?;
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

    /// One page of a lineage's versions (metadata only), oldest first:
    /// at most `limit` versions after `after` (the `(created_at, id)` of the
    /// last version of the previous page; `None` for the first page).
    /// Flat in the length of the lineage: each page is an index range.
    pub async fn versions_page<T: Entity>(
        &self,
        lineage_id: Uuid,
        after: Option<&RowMeta>,
        limit: u64,
    ) -> Result<Vec<RowMeta>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let page = Lookup::Versions {
            lineage_id,
            after: after.map(|v| (v.created_at, v.id)),
            limit: Some(limit),
        };
        self.driver.lookup(ty, &page).await
    }

    /// The newest version of a lineage (by `created_at`, then row id).
    pub async fn latest<T: Entity>(&self, lineage_id: Uuid) -> Result<T> {
        let newest = self.newest::<T>(lineage_id, None).await?;
        self.get(newest.ecs_id).await
    }

    /// Metadata of the newest version of a lineage created at or before
    /// `at` (any time when `None`), answered by the lineage index.
    ///
    /// Errors: [`Error::NotFound`] naming the lineage when it has no such
    /// version, [`Error::WrongType`] when the lineage is of another type.
    pub(crate) async fn newest<T: Entity>(
        &self,
        lineage_id: Uuid,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<RowMeta> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let found = self
            .driver
            .lookup(ty, &Lookup::Newest { lineage_id, at })
            .await?;
        match found.into_iter().next() {
            Some(newest) => Ok(newest),
            None => Err(self.missing_lineage(ty.name, lineage_id).await?),
        }
    }

    /// The error for a lineage `type_name`'s table does not hold.
    async fn missing_lineage(&self, type_name: &str, lineage_id: Uuid) -> Result<Error> {
        Ok(match self.driver.find_lineage_type(lineage_id).await? {
            Some(actual) if actual != type_name => Error::WrongType {
                expected: type_name.to_string(),
                actual,
                id: lineage_id,
            },
            _ => Error::NotFound {
                type_name: type_name.to_string(),
                id: lineage_id,
            },
        })
    }

    /// The leaves of a lineage's version tree (versions nobody forked from),
    /// oldest first. A lineage edited from two working copies of the same
    /// version has two heads. Answered by the heads index, whatever the
    /// length of the lineage.
    ///
    /// Errors: [`Error::Decode`] when the heads index (`verso_heads`) is
    /// damaged: it lists a version of another lineage, or none at all for
    /// a lineage that has versions. Listed versions that were forked are
    /// not heads and are left out.
    pub async fn heads<T: Entity>(&self, lineage_id: Uuid) -> Result<Vec<T>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        let heads = self
            .driver
            .lookup(ty, &Lookup::Heads { lineage_id })
            .await?;
        if heads.is_empty() {
            let newest = self
                .driver
                .lookup(
                    ty,
                    &Lookup::Newest {
                        lineage_id,
                        at: None,
                    },
                )
                .await?;
            if let Some(newest) = newest.first() {
                // Every lineage has a head; the heads index lost this one's.
                return Err(Error::Decode {
                    type_name: ty.name.to_string(),
                    id: lineage_id,
                    column: "ecs_id".into(),
                    detail: format!(
                        "lineage {lineage_id} has versions (the newest is {}) but no head \
                         in verso_heads",
                        newest.ecs_id
                    ),
                });
            }
            return Err(self.missing_lineage(ty.name, lineage_id).await?);
        }
        if let Some(stranger) = heads.iter().find(|v| v.lineage_id != lineage_id) {
            return Err(Error::Decode {
                type_name: ty.name.to_string(),
                id: stranger.ecs_id,
                column: "lineage_id".into(),
                detail: format!(
                    "verso_heads lists {} as a head of lineage {lineage_id}, but it is a \
                     version of lineage {}",
                    stranger.ecs_id, stranger.lineage_id
                ),
            });
        }
        let ids: Vec<Uuid> = heads.iter().map(|v| v.ecs_id).collect();
        self.get_many(&ids).await
    }

    /// Every earlier `ecs_id` on the path from the first version of its
    /// lineage to `ecs_id`, oldest first. Only `parent_id` is stored, so the
    /// path costs no space per version; it is walked by index, one step per
    /// ancestor.
    ///
    /// Errors: [`Error::Decode`] when `ecs_id` is among its own ancestors
    /// (damaged `parent_id`s forming a cycle).
    pub async fn old_ids<T: Entity>(&self, ecs_id: Uuid) -> Result<Vec<Uuid>> {
        let ty = T::entity_type();
        self.ensure(ty).await?;
        if self.driver.version(ty, ecs_id).await?.is_none() {
            return Err(self.missing(ty.name, ecs_id).await);
        }
        let ancestors = self
            .driver
            .lookup(ty, &Lookup::Ancestors { ecs_id })
            .await?;
        if ancestors.iter().any(|v| v.ecs_id == ecs_id) {
            // The walk ends on a cycle (it reads each version once); a
            // version among its own ancestors is a damaged `parent_id`.
            return Err(Error::Decode {
                type_name: ty.name.to_string(),
                id: ecs_id,
                column: "parent_id".into(),
                detail: format!(
                    "{ecs_id} is among its own ancestors: the parent_id links form a cycle"
                ),
            });
        }
        Ok(ancestors.into_iter().map(|v| v.ecs_id).collect())
    }

    /// The versions of `P` whose child field `field` holds the version
    /// `child`, oldest first: "which versions contain this message".
    /// Answered through the list-change index, in time proportional to the
    /// answer.
    ///
    /// Errors: [`Error::InvalidInput`] when `P` has no child field `field`.
    pub async fn containing<P: Entity, C>(
        &self,
        field: ChildCol<P, C>,
        child: Uuid,
    ) -> Result<Vec<RowMeta>> {
        let ty = P::entity_type();
        let field = field.name();
        self.ensure(ty).await?;
        let Some(field) = ty.children.iter().find(|c| c.name == field) else {
            return Err(Error::InvalidInput {
                type_name: ty.name.to_string(),
                id: child,
                detail: format!("{} has no child field {field:?}", ty.name),
            });
        };
        self.driver
            .lookup(
                ty,
                &Lookup::Containing {
                    field: field.name,
                    child,
                },
            )
            .await
    }
}

/// Checks the versions of a lineage, oldest first, as a driver returned
/// them: each is of `lineage_id`, and each one's parent is an earlier one
/// (a version is always created after the version it forks). A parent
/// cycle, or a version whose `lineage_id` was changed so that it left its
/// lineage while its descendants stayed, is an [`Error::Decode`] naming
/// the type, the version and `parent_id` (or `lineage_id`).
fn check_lineage(type_name: &str, lineage_id: Uuid, versions: &[RowMeta]) -> Result<()> {
    let mut earlier = std::collections::HashSet::with_capacity(versions.len());
    for version in versions {
        let fail = |column: &str, detail: String| Error::Decode {
            type_name: type_name.to_string(),
            id: version.ecs_id,
            column: column.into(),
            detail,
        };
        if version.lineage_id != lineage_id {
            return Err(fail(
                "lineage_id",
                format!("found among the versions of lineage {lineage_id}"),
            ));
        }
        if let Some(parent) = version.parent_id {
            if !earlier.contains(&parent) {
                return Err(fail(
                    "parent_id",
                    format!(
                        "its parent {parent} is not an earlier version of lineage {lineage_id} \
                         (a parent cycle, or a version moved out of the lineage)"
                    ),
                ));
            }
        }
        earlier.insert(version.ecs_id);
    }
    Ok(())
}
