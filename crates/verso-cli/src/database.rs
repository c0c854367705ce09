//! The database being read, through its catalog.

use crate::cli::DatabaseUrl;
use crate::failure::Failure;
use std::path::{Path, PathBuf};
use verso::drivers::{PostgresDriver, SqliteDriver};
use verso::{Driver, EntityType, LoadRequest, LoadedRows, RowMeta, Uuid};

/// An open Verso database and the entity types its catalog describes.
pub struct Database {
    driver: Box<dyn Driver>,
    types: Vec<&'static EntityType>,
}

impl Database {
    /// Opens the database (SQLite read-only, see [`read_only_location`])
    /// and reads its catalog.
    ///
    /// Fails, saying so, when the file is missing, the server cannot be
    /// reached, or the database has no Verso catalog.
    pub async fn open(url: &DatabaseUrl) -> Result<Database, Failure> {
        let (driver, name): (Box<dyn Driver>, String) = match url {
            DatabaseUrl::Sqlite(path) => {
                if !path.is_file() {
                    return Err(Failure::new(format!(
                        "no database file at {}",
                        path.display()
                    )));
                }
                let name = path.display().to_string();
                let driver = SqliteDriver::open_read_only(read_only_location(path))
                    .map_err(|e| unreadable(&name, e))?;
                (Box::new(driver), name)
            }
            DatabaseUrl::Postgres(url) => {
                let driver = PostgresDriver::connect(url).await?;
                (Box::new(driver), "this PostgreSQL database".to_string())
            }
        };
        let catalog = driver
            .catalog()
            .await
            .map_err(|e| unreadable(&name, e))?
            .ok_or_else(|| {
                Failure::new(format!(
                    "{name} is not a Verso database: it has no verso_catalog table"
                ))
            })?;
        let types = catalog
            .iter()
            .map(|entry| entry.entity_type())
            .collect::<verso::Result<Vec<_>>>()?;
        Ok(Database { driver, types })
    }

    /// The backend.
    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// Every entity type in the catalog, by name.
    pub fn types(&self) -> &[&'static EntityType] {
        &self.types
    }

    /// The entity type called `name`.
    pub fn type_named(&self, name: &str) -> Result<&'static EntityType, Failure> {
        if let Some(ty) = self.type_by_name(name) {
            return Ok(ty);
        }
        let known: Vec<&str> = self.types.iter().map(|t| t.name).collect();
        let hint = if name.parse::<Uuid>().is_ok() {
            format!(" ({name} looks like an id: try `verso log {name}`)")
        } else {
            String::new()
        };
        Err(Failure::new(format!(
            "no entity type {name} in this database; its types are: {}{hint}",
            known.join(", ")
        )))
    }

    /// The type a driver named (`find_type`).
    pub fn type_by_name(&self, name: &str) -> Option<&'static EntityType> {
        self.types.iter().copied().find(|t| t.name == name)
    }

    /// Every version of a lineage, oldest first.
    pub async fn versions(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
    ) -> Result<Vec<RowMeta>, Failure> {
        Ok(self.driver.versions(ty, lineage_id).await?)
    }

    /// The versions `roots` of `ty` with their subtrees, in one load.
    pub async fn load(
        &self,
        ty: &'static EntityType,
        roots: Vec<Uuid>,
    ) -> Result<LoadedRows, Failure> {
        let mut types = vec![ty];
        types.extend(self.types.iter().copied().filter(|t| t.name != ty.name));
        let request = LoadRequest {
            root_type: ty,
            roots,
            types,
        };
        Ok(self.driver.load(&request).await?)
    }
}

/// Opens the database for writing, for `verso upgrade`, without reading
/// its catalog; returns the backend and how to name the database. An
/// SQLite file must exist: it is never created.
pub async fn open_writable(url: &DatabaseUrl) -> Result<(Box<dyn Driver>, String), Failure> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            if !path.is_file() {
                return Err(Failure::new(format!(
                    "no database file at {}",
                    path.display()
                )));
            }
            let name = path.display().to_string();
            let driver = SqliteDriver::open(path).map_err(|e| unreadable(&name, e))?;
            Ok((Box::new(driver), name))
        }
        DatabaseUrl::Postgres(url) => {
            let driver = PostgresDriver::connect(url).await?;
            Ok((Box::new(driver), "this PostgreSQL database".to_string()))
        }
    }
}

/// What to open to read the SQLite file at `path` without writing
/// anything, beside it included.
///
/// A WAL database opened read-only creates a `-wal` and a `-shm` file when
/// they are missing, and leaves them behind. They are missing only when no
/// connection has the database open (the last one to close checkpoints and
/// removes them), so the file alone holds every committed version: it is
/// then opened as an `immutable` URI, which reads the file without locks,
/// journal or shared memory. When a `-wal` file exists, an application may
/// have the database open, and the file is opened read-only as usual, to
/// see what the WAL holds.
fn read_only_location(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return path.to_path_buf();
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    PathBuf::from(format!("file:{}?immutable=1", uri_path(&absolute)))
}

/// `path` as the path of a `file:` URI: the characters a URI gives a
/// meaning to, percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A database that answered, but not with what a Verso database holds.
fn unreadable(name: &str, error: verso::Error) -> Failure {
    let reason = match error {
        verso::Error::Database { message, .. } => message,
        other => other.to_string(),
    };
    Failure::new(format!("cannot read {name}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_database_is_opened_immutable_and_an_open_one_as_it_is() {
        let dir = std::env::temp_dir().join(format!("verso-cli-ro-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a #1?.db");
        std::fs::write(&path, b"").unwrap();
        let closed = read_only_location(&path).to_string_lossy().to_string();
        assert!(closed.starts_with("file:/"), "{closed}");
        assert!(closed.ends_with("/a%20%231%3F.db?immutable=1"), "{closed}");
        std::fs::write(dir.join("a #1?.db-wal"), b"").unwrap();
        assert_eq!(read_only_location(&path), path);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
