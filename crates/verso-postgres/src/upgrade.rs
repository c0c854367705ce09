//! Upgrading a schema of Verso's first storage layout in place.
//!
//! The whole upgrade is one transaction holding the schema's advisory lock
//! ([`LOCK_SCHEMA`], as `ensure_tables` does, so an upgrade and the
//! registration of types on one schema take turns, and of two concurrent
//! upgrades the later finds nothing left to do). It reads the link table
//! and every version's metadata, plans the new rows with
//! [`verso_core::list::upgrade::plan_upgrade`], creates the shared tables,
//! writes the lists, chunks, list changes and heads with the `UNNEST`
//! inserts of a commit, replaces each entity table's old lineage index with
//! the indexes of this layout, drops the link table and commits. Any
//! failure rolls everything back: PostgreSQL's DDL is transactional, so the
//! schema is left as it was.
//!
//! Every statement of the transaction is counted like a commit's
//! ([`Instrument::commit_statement`]), so a fault injected with
//! `Instrument::inject` (the `fault-injection` feature) fails the upgrade
//! part-way.

use crate::commit::BatchInsert;
use crate::dialect::Postgres;
use crate::error::db_error;
use crate::sql::{LOCK_SCHEMA, TABLE_EXISTS};
use crate::statement::audited;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;
use verso_core::list::upgrade::{plan_upgrade, LegacyLink, TypeVersions, VersionInfo};
use verso_core::{CatalogEntry, EntityType, Error, Instrument, Result, UpgradeReport};
use verso_sql::storage::{
    self, quoted, CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LEGACY_LINKS_TABLE, LISTS_TABLE,
};
use verso_sql::writes::list_writes;
use verso_sql::CATALOG_TABLE;

/// The current schema (qualifying the indexes to drop: `DROP INDEX`
/// would look along the whole `search_path`) and whether it holds the
/// link table of the first layout.
const LEGACY_CHECK: &str = "SELECT current_schema()::text, EXISTS (SELECT 1 \
     FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1)";

/// Which of the tables named by `$1` exist in the current schema, by name.
const TABLES_PRESENT: &str = "SELECT tablename::text FROM pg_catalog.pg_tables \
     WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY 1";

/// Every catalog row, whether its table exists or not.
const SELECT_WHOLE_CATALOG: &str =
    "SELECT type_name, table_name, definition FROM verso_catalog ORDER BY type_name";

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

/// Upgrades the current schema of `pool` if it is in the first layout;
/// reports `upgraded: false` and changes nothing otherwise.
pub(crate) async fn upgrade(pool: &PgPool, instrument: &Instrument) -> Result<UpgradeReport> {
    let mut steps = Steps {
        instrument,
        done: 0,
    };
    steps.next()?;
    let mut tx = pool.begin().await.map_err(db_error)?;
    match migrate(&mut tx, &mut steps).await {
        Ok(Some(report)) => {
            tx.commit().await.map_err(db_error)?;
            Ok(report)
        }
        Ok(None) => {
            // Nothing was written: end the transaction (and its lock).
            tx.rollback().await.map_err(db_error)?;
            Ok(UpgradeReport::default())
        }
        Err(error) => {
            // If the rollback itself fails the connection is gone, and the
            // server discards the open transaction with it.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// The upgrade inside its transaction: `None` when there is nothing to do,
/// the report once every statement but `COMMIT` has run (and `COMMIT`'s
/// step has been counted).
async fn migrate(conn: &mut PgConnection, steps: &mut Steps<'_>) -> Result<Option<UpgradeReport>> {
    steps.next()?;
    sqlx::query(LOCK_SCHEMA)
        .bind(None::<String>)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    steps.next()?;
    let legacy = sqlx::query(LEGACY_CHECK)
        .bind(LEGACY_LINKS_TABLE)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    let schema: Option<String> = legacy.try_get(0).map_err(db_error)?;
    let has_links: bool = legacy.try_get(1).map_err(db_error)?;
    let Some(schema) = schema.filter(|_| has_links) else {
        return Ok(None);
    };
    steps.next()?;
    let present: Vec<String> = sqlx::query_scalar(TABLES_PRESENT)
        .bind([LISTS_TABLE, CHUNKS_TABLE, CHANGES_TABLE, HEADS_TABLE])
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
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
    let types = read_catalog(conn).await?;
    let mut versions = Vec::with_capacity(types.len());
    let mut tables = Vec::with_capacity(types.len());
    for ty in &types {
        steps.next()?;
        if !table_exists(conn, ty.table).await? {
            // Catalogued but never created: it holds no version.
            continue;
        }
        steps.next()?;
        versions.push(TypeVersions {
            type_name: ty.name.to_string(),
            versions: read_versions(conn, ty).await?,
        });
        tables.push(*ty);
    }
    steps.next()?;
    let links = read_links(conn).await?;
    let plan = plan_upgrade(&versions, links)?;

    for text in storage::shared_tables(&Postgres) {
        steps.next()?;
        execute_ddl(conn, text).await?;
    }
    for ty in &tables {
        steps.next()?;
        let old_index = format!(
            "{}.{}",
            quoted(&schema),
            quoted(&format!("{}_lineage_id_idx", ty.table))
        );
        execute_ddl(conn, format!("DROP INDEX IF EXISTS {old_index}")).await?;
        for text in storage::entity_index_statements(ty) {
            steps.next()?;
            execute_ddl(conn, text).await?;
        }
    }
    // The writes a commit stores lists, chunks, list changes and heads with.
    let writes = list_writes(
        &plan.lists,
        &plan.chunks,
        &plan.changes,
        Vec::new(),
        plan.heads.clone(),
    );
    for write in writes.iter().filter(|w| !w.is_empty()) {
        steps.next()?;
        let rows = BatchInsert::of(write)?.execute(&mut *conn).await?;
        steps.instrument.rows_written(rows);
    }
    steps.next()?;
    execute_ddl(conn, format!("DROP TABLE {LEGACY_LINKS_TABLE}")).await?;
    steps.next()?;
    Ok(Some(plan.report()))
}

/// Runs a statement that is not kept in the connection's cache of
/// prepared statements: DDL, and the reads of one table each.
async fn execute_ddl(conn: &mut PgConnection, text: String) -> Result<()> {
    sqlx::query(audited(text))
        .persistent(false)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn table_exists(conn: &mut PgConnection, table: &str) -> Result<bool> {
    sqlx::query_scalar(TABLE_EXISTS)
        .bind(table)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)
}

/// Every catalogued type. A schema with links but no catalog was not
/// written by Verso.
async fn read_catalog(conn: &mut PgConnection) -> Result<Vec<&'static EntityType>> {
    if !table_exists(conn, CATALOG_TABLE).await? {
        return Err(Error::SchemaMismatch {
            table: CATALOG_TABLE.into(),
            column: "*".into(),
            detail: format!(
                "the database has a {LEGACY_LINKS_TABLE} table but no catalog: \
                 it was not written by Verso"
            ),
        });
    }
    let rows = sqlx::query(SELECT_WHOLE_CATALOG)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|row| {
            let type_name: String = row.try_get(0).map_err(db_error)?;
            let definition = row.try_get(2).map_err(|e| Error::SchemaMismatch {
                table: CATALOG_TABLE.into(),
                column: "definition".into(),
                detail: format!("the definition of {type_name} cannot be read: {e}"),
            })?;
            CatalogEntry {
                table_name: row.try_get(1).map_err(db_error)?,
                type_name,
                definition,
            }
            .entity_type()
        })
        .collect()
}

/// The lineage metadata of every version of `ty`, oldest first.
async fn read_versions(conn: &mut PgConnection, ty: &EntityType) -> Result<Vec<VersionInfo>> {
    let rows = sqlx::query(audited(format!(
        "SELECT ecs_id, lineage_id, parent_id FROM {} ORDER BY created_at, id",
        quoted(ty.table)
    )))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    rows.iter().map(|row| version_info(row, ty)).collect()
}

fn version_info(row: &PgRow, ty: &EntityType) -> Result<VersionInfo> {
    let decode = |id: Uuid, column: &str, error: sqlx::Error| Error::Decode {
        type_name: ty.name.to_string(),
        id,
        column: column.into(),
        detail: error.to_string(),
    };
    let ecs_id: Uuid = row
        .try_get(0)
        .map_err(|e| decode(Uuid::nil(), "ecs_id", e))?;
    Ok(VersionInfo {
        ecs_id,
        lineage_id: row
            .try_get(1)
            .map_err(|e| decode(ecs_id, "lineage_id", e))?,
        parent_id: row.try_get(2).map_err(|e| decode(ecs_id, "parent_id", e))?,
    })
}

/// Every row of the link table, by parent, field and position.
async fn read_links(conn: &mut PgConnection) -> Result<Vec<LegacyLink>> {
    let rows = sqlx::query(audited(format!(
        "SELECT parent_ecs_id, field, position, child_ecs_id, child_type \
         FROM {LEGACY_LINKS_TABLE} ORDER BY parent_ecs_id, field, position"
    )))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|row| {
            let parent: Uuid = row
                .try_get(0)
                .map_err(|e| broken_link(Uuid::nil(), "parent_ecs_id", e))?;
            let fail = |column: &'static str| move |e| broken_link(parent, column, e);
            Ok(LegacyLink {
                parent,
                field: row.try_get(1).map_err(fail("field"))?,
                position: row.try_get(2).map_err(fail("position"))?,
                child: row.try_get(3).map_err(fail("child_ecs_id"))?,
                child_type: row.try_get(4).map_err(fail("child_type"))?,
            })
        })
        .collect()
}

fn broken_link(parent: Uuid, column: &str, error: sqlx::Error) -> Error {
    Error::Decode {
        type_name: LEGACY_LINKS_TABLE.into(),
        id: parent,
        column: column.into(),
        detail: error.to_string(),
    }
}
