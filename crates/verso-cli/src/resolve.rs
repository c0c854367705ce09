//! Turning an id given on the command line into a version or a lineage.

use crate::database::Database;
use crate::failure::Failure;
use verso::{EntityType, RowMeta, Uuid};

/// What an id names.
pub enum Found {
    /// A version.
    Version {
        /// Its type.
        ty: &'static EntityType,
        /// Its metadata.
        meta: RowMeta,
    },
    /// A lineage.
    Lineage {
        /// Its type.
        ty: &'static EntityType,
        /// The lineage id.
        lineage_id: Uuid,
    },
}

impl Found {
    /// The entity type.
    pub fn ty(&self) -> &'static EntityType {
        match self {
            Found::Version { ty, .. } | Found::Lineage { ty, .. } => ty,
        }
    }

    /// The lineage named, or the lineage of the version named.
    pub fn lineage_id(&self) -> Uuid {
        match self {
            Found::Version { meta, .. } => meta.lineage_id,
            Found::Lineage { lineage_id, .. } => *lineage_id,
        }
    }

    /// The version named; a lineage id is a failure saying what to do.
    pub fn into_version(self, id: Uuid, command: &str) -> Result<RowMeta, Failure> {
        match self {
            Found::Version { meta, .. } => Ok(meta),
            Found::Lineage { ty, .. } => Err(Failure::new(format!(
                "{id} is a lineage of {}, not a version: {command} needs version ids \
                 (list them with `verso log {id}`)",
                ty.name
            ))),
        }
    }
}

impl Database {
    /// What `id` names: a version (looked up in every table at once), else
    /// a lineage.
    pub async fn resolve(&self, id: Uuid) -> Result<Found, Failure> {
        let driver = self.driver();
        if let Some(name) = driver.find_type(id).await? {
            let ty = self.catalogued(&name)?;
            let meta = driver
                .version(ty, id)
                .await?
                .expect("find_type found the version");
            return Ok(Found::Version { ty, meta });
        }
        if let Some(name) = driver.find_lineage_type(id).await? {
            let ty = self.catalogued(&name)?;
            return Ok(Found::Lineage { ty, lineage_id: id });
        }
        Err(Failure::new(format!(
            "no version or lineage with id {id} in this database"
        )))
    }

    fn catalogued(&self, name: &str) -> Result<&'static EntityType, Failure> {
        self.type_by_name(name)
            .ok_or_else(|| Failure::new(format!("type {name} is missing from the catalog")))
    }
}
