//! Upgrading a database of Verso's first storage layout in place.
//!
//! The whole upgrade is one `BEGIN IMMEDIATE` transaction: it reads the
//! link table and every version's metadata, plans the new rows with
//! [`verso_core::list::upgrade::plan_upgrade`], creates the shared tables,
//! writes the lists, chunks, list changes and heads with the batch inserts
//! of a commit, replaces each entity table's old lineage index with the
//! indexes of this layout, drops the link table and commits. Any failure
//! rolls everything back: the database is left as it was.
//!
//! Every statement of the transaction is counted like a commit's
//! ([`Instrument::commit_statement`]), so a fault injected with
//! `Instrument::inject` (the `fault-injection` feature) fails the upgrade
//! part-way.

use crate::batch::Batch;
use crate::decode::parse_uuid;
use crate::dialect::Sqlite;
use crate::error::db_error;
use rusqlite::params_from_iter;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;
use verso_core::list::upgrade::{plan_upgrade, LegacyLink, TypeVersions, VersionInfo};
use verso_core::{CatalogEntry, EntityType, Error, Instrument, Result, UpgradeReport};
use verso_sql::storage::{
    self, quoted, CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LEGACY_LINKS_TABLE, LISTS_TABLE,
};
use verso_sql::writes::list_writes;
use verso_sql::CATALOG_TABLE;

/// The statements of the upgrade transaction, numbered from 1 (`BEGIN`).
struct Steps<'a> {
    instrument: &'a Instrument,
    done: u64,
}

impl Steps<'_> {
    /// Counts the next statement, failing it if a fault is armed for it.
    fn next(&mut self) -> Result<()> {
        self.done += 1;
        self.instrument.commit_statement(self.done)
    }
}

/// Upgrades the database on `conn` if it is in the first layout; reports
/// `upgraded: false` and changes nothing otherwise.
pub(crate) fn upgrade(conn: &mut Connection, instrument: &Instrument) -> Result<UpgradeReport> {
    let mut steps = Steps {
        instrument,
        done: 0,
    };
    steps.next()?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    let outcome = migrate(conn, &mut steps);
    match outcome {
        Ok(Some(report)) => Ok(report),
        Ok(None) => {
            // Nothing was written: end the read transaction.
            conn.execute_batch("ROLLBACK").map_err(db_error)?;
            Ok(UpgradeReport::default())
        }
        Err(error) => {
            if !conn.is_autocommit() {
                // Undo every statement of the upgrade.
                let _ = conn.execute_batch("ROLLBACK");
            }
            Err(error)
        }
    }
}

/// The upgrade inside its transaction: `None` when there is nothing to do,
/// the report once committed.
fn migrate(conn: &Connection, steps: &mut Steps<'_>) -> Result<Option<UpgradeReport>> {
    steps.next()?;
    if !table_exists(conn, LEGACY_LINKS_TABLE)? {
        return Ok(None);
    }
    steps.next()?;
    let present: Vec<String> = new_tables_present(conn)?;
    if let Some(table) = present.first() {
        return Err(Error::SchemaMismatch {
            table: table.clone(),
            column: "*".into(),
            detail: format!(
                "the database holds both {LEGACY_LINKS_TABLE}, the link table of Verso's \
                 earlier layout, and {}, tables of this one; it cannot be upgraded \
                 automatically (nothing was changed)",
                present.join(", ")
            ),
        });
    }
    steps.next()?;
    let types = read_catalog(conn)?;
    let mut versions = Vec::with_capacity(types.len());
    let mut tables = Vec::with_capacity(types.len());
    for ty in &types {
        steps.next()?;
        if !table_exists(conn, ty.table)? {
            // Catalogued but never created: it holds no version.
            continue;
        }
        steps.next()?;
        versions.push(TypeVersions {
            type_name: ty.name.to_string(),
            versions: read_versions(conn, ty)?,
        });
        tables.push(*ty);
    }
    steps.next()?;
    let links = read_links(conn)?;
    let plan = plan_upgrade(&versions, links)?;

    for statement in storage::shared_tables(&Sqlite) {
        steps.next()?;
        conn.execute_batch(&statement).map_err(db_error)?;
    }
    for ty in &tables {
        steps.next()?;
        let old_index = quoted(&format!("{}_lineage_id_idx", ty.table));
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {old_index}"))
            .map_err(db_error)?;
        for statement in storage::entity_index_statements(ty) {
            steps.next()?;
            conn.execute_batch(&statement).map_err(db_error)?;
        }
    }
    // The batches a commit writes lists, chunks, list changes and heads with.
    let writes = list_writes(
        &plan.lists,
        &plan.chunks,
        &plan.changes,
        Vec::new(),
        plan.heads.clone(),
    );
    for write in &writes {
        for (sql, values) in Batch::of(write)?.statements() {
            steps.next()?;
            let affected = conn
                .prepare_cached(&sql)
                .and_then(|mut statement| statement.execute(params_from_iter(values.iter())))
                .map_err(db_error)?;
            steps.instrument.rows_written(affected as u64);
        }
    }
    steps.next()?;
    conn.execute_batch(&format!("DROP TABLE {LEGACY_LINKS_TABLE}"))
        .map_err(db_error)?;
    steps.next()?;
    conn.execute_batch("COMMIT").map_err(db_error)?;
    Ok(Some(plan.report()))
}

fn table_exists(conn: &Connection, table: &str) -> Result<bool> {
    let found = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_error)?;
    Ok(found.is_some())
}

/// The tables of this layout that already exist, by name.
fn new_tables_present(conn: &Connection) -> Result<Vec<String>> {
    let names = [LISTS_TABLE, CHUNKS_TABLE, CHANGES_TABLE, HEADS_TABLE];
    let mut statement = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name IN (?1, ?2, ?3, ?4) ORDER BY name",
        )
        .map_err(db_error)?;
    let rows = statement
        .query_map(names, |row| row.get(0))
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_error)
}

/// Every catalogued type. A database with links but no catalog was not
/// written by Verso.
fn read_catalog(conn: &Connection) -> Result<Vec<&'static EntityType>> {
    if !table_exists(conn, CATALOG_TABLE)? {
        return Err(Error::SchemaMismatch {
            table: CATALOG_TABLE.into(),
            column: "*".into(),
            detail: format!(
                "the database has a {LEGACY_LINKS_TABLE} table but no catalog: \
                 it was not written by Verso"
            ),
        });
    }
    let mut statement = conn
        .prepare(&format!(
            "SELECT type_name, table_name, definition FROM {CATALOG_TABLE} ORDER BY type_name"
        ))
        .map_err(db_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(db_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_error)?;
    rows.into_iter()
        .map(|(type_name, table_name, definition)| {
            let definition =
                serde_json::from_str(&definition).map_err(|e| Error::SchemaMismatch {
                    table: CATALOG_TABLE.into(),
                    column: "definition".into(),
                    detail: format!("the definition of {type_name} is not JSON: {e}"),
                })?;
            CatalogEntry {
                type_name,
                table_name,
                definition,
            }
            .entity_type()
        })
        .collect()
}

/// The lineage metadata of every version of `ty`, oldest first.
fn read_versions(conn: &Connection, ty: &EntityType) -> Result<Vec<VersionInfo>> {
    let mut statement = conn
        .prepare(&format!(
            "SELECT ecs_id, lineage_id, parent_id FROM {} ORDER BY created_at, id",
            quoted(ty.table)
        ))
        .map_err(db_error)?;
    let mut rows = statement.query([]).map_err(db_error)?;
    let mut versions = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let text = |index: usize| -> Result<Option<String>> { row.get(index).map_err(db_error) };
        let ecs_text = text(0)?.unwrap_or_default();
        let uuid = |column: &str, value: &str| {
            parse_uuid(value).map_err(|detail| Error::Decode {
                type_name: ty.name.to_string(),
                id: parse_uuid(&ecs_text).unwrap_or_default(),
                column: column.into(),
                detail,
            })
        };
        versions.push(VersionInfo {
            ecs_id: uuid("ecs_id", &ecs_text)?,
            lineage_id: uuid("lineage_id", &text(1)?.unwrap_or_default())?,
            parent_id: text(2)?
                .map(|parent| uuid("parent_id", &parent))
                .transpose()?,
        });
    }
    Ok(versions)
}

/// Every row of the link table, by parent, field and position.
fn read_links(conn: &Connection) -> Result<Vec<LegacyLink>> {
    let mut statement = conn
        .prepare(&format!(
            "SELECT parent_ecs_id, field, position, child_ecs_id, child_type \
             FROM {LEGACY_LINKS_TABLE} ORDER BY parent_ecs_id, field, position"
        ))
        .map_err(db_error)?;
    let mut rows = statement.query([]).map_err(db_error)?;
    let mut links = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let parent: String = row.get(0).map_err(db_error)?;
        let parent = parse_uuid(&parent)
            .map_err(|detail| broken_link(Uuid::nil(), "parent_ecs_id", detail))?;
        let child: String = row.get(3).map_err(db_error)?;
        links.push(LegacyLink {
            parent,
            field: row.get(1).map_err(db_error)?,
            position: row.get(2).map_err(db_error)?,
            child: parse_uuid(&child)
                .map_err(|detail| broken_link(parent, "child_ecs_id", detail))?,
            child_type: row.get(4).map_err(db_error)?,
        });
    }
    Ok(links)
}

fn broken_link(parent: Uuid, column: &str, detail: String) -> Error {
    Error::Decode {
        type_name: LEGACY_LINKS_TABLE.into(),
        id: parent,
        column: column.into(),
        detail,
    }
}
