//! Turning an id given on the command line into a version or a lineage.

use crate::database::Database;
use crate::failure::Failure;
use crate::id::IdArg;
use verso::{EntityType, IdKind, IdPrefix, PrefixMatch, RowMeta, Uuid};

/// At most this many ids are listed when a short id is ambiguous.
const LISTED_MATCHES: usize = 10;

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
    pub fn into_version(self, command: &str) -> Result<RowMeta, Failure> {
        match self {
            Found::Version { meta, .. } => Ok(meta),
            Found::Lineage { ty, lineage_id } => Err(Failure::new(format!(
                "{lineage_id} is a lineage of {}, not a version: {command} needs version ids \
                 (list them with `verso log {lineage_id}`)",
                ty.name
            ))),
        }
    }
}

impl Database {
    /// What `id` names: a whole id is a version (looked up in every table
    /// at once), else a lineage; a short id is the one version or lineage
    /// whose id starts with it.
    pub async fn resolve(&self, id: &IdArg) -> Result<Found, Failure> {
        match id {
            IdArg::Whole(id) => self.resolve_whole(*id).await,
            IdArg::Prefix(prefix) => self.resolve_prefix(prefix).await,
        }
    }

    async fn resolve_whole(&self, id: Uuid) -> Result<Found, Failure> {
        let driver = self.driver();
        if let Some(name) = driver.find_type(id).await? {
            let ty = self.catalogued(&name)?;
            return self.version(ty, id).await;
        }
        if let Some(name) = driver.find_lineage_type(id).await? {
            let ty = self.catalogued(&name)?;
            return Ok(Found::Lineage { ty, lineage_id: id });
        }
        Err(Failure::new(format!(
            "no version or lineage with id {id} in this database"
        )))
    }

    /// The one id of every table's versions and lineages that starts with
    /// `prefix` (one indexed range scan per id index).
    async fn resolve_prefix(&self, prefix: &IdPrefix) -> Result<Found, Failure> {
        let mut matches = self
            .driver()
            .find_prefix(self.types(), prefix, LISTED_MATCHES + 1)
            .await?;
        match matches.len() {
            0 => Err(Failure::new(format!(
                "no version or lineage id starts with {prefix} in this database"
            ))),
            1 => {
                let found = matches[0];
                match found.kind {
                    IdKind::Version => self.version(found.entity_type, found.id).await,
                    IdKind::Lineage => Ok(Found::Lineage {
                        ty: found.entity_type,
                        lineage_id: found.id,
                    }),
                }
            }
            _ => {
                // In the order of the lines listed: type, kind, id.
                matches.sort_by_key(|m| (m.entity_type.name, m.kind.to_string(), m.id));
                Err(ambiguous(prefix, &matches))
            }
        }
    }

    async fn version(&self, ty: &'static EntityType, id: Uuid) -> Result<Found, Failure> {
        let meta = self.driver().version(ty, id).await?.ok_or_else(|| {
            Failure::new(format!("version {id} of {} vanished while read", ty.name))
        })?;
        Ok(Found::Version { ty, meta })
    }

    fn catalogued(&self, name: &str) -> Result<&'static EntityType, Failure> {
        self.type_by_name(name)
            .ok_or_else(|| Failure::new(format!("type {name} is missing from the catalog")))
    }
}

/// The failure of a short id that starts several ids: each listed with its
/// type and kind (at most [`LISTED_MATCHES`] of them).
fn ambiguous(prefix: &IdPrefix, matches: &[PrefixMatch]) -> Failure {
    let mut message = format!("the short id {prefix} is ambiguous; it starts:");
    for found in matches.iter().take(LISTED_MATCHES) {
        message.push_str(&format!(
            "\n  {} {} {}",
            found.entity_type.name, found.kind, found.id
        ));
    }
    if matches.len() > LISTED_MATCHES {
        message.push_str("\n  and more");
    }
    message.push_str("\ngive more of its digits");
    Failure::new(message)
}
