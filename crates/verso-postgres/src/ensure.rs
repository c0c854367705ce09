//! `ensure_tables`: check what exists, then create what is missing, in one
//! transaction.

use crate::check::{catalog_columns, check_table, entity_columns, FoundColumn, Missing};
use crate::dialect::Postgres;
use crate::error::db_error;
use crate::sql::{LOCK_SCHEMA, TABLE_EXISTS, UPSERT_CATALOG};
use crate::statement::audited;
use sea_query::PostgresQueryBuilder;
use sqlx::{Connection, PgConnection, Row};
use std::collections::BTreeMap;
use verso_core::{ColumnType, EntityType, Error, Instrument, Result};
use verso_sql::commits::{COMMITS_TABLE, COMMIT_VERSIONS_TABLE};
use verso_sql::storage::{
    self, CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LEGACY_LINKS_TABLE, LISTS_TABLE,
};
use verso_sql::CATALOG_TABLE;

/// The tables every store shares, created by [`storage::shared_tables`].
const SHARED_TABLES: [&str; 6] = [
    LISTS_TABLE,
    CHUNKS_TABLE,
    CHANGES_TABLE,
    HEADS_TABLE,
    COMMITS_TABLE,
    COMMIT_VERSIONS_TABLE,
];

/// Columns of the tables of interest in the current schema.
const EXISTING_COLUMNS: &str = "SELECT table_name::text, column_name::text, data_type::text, \
     is_nullable = 'YES', \
     (column_default IS NOT NULL OR is_identity = 'YES' OR is_generated <> 'NEVER') \
     FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name = ANY($1)";

/// Table name -> column name -> column.
type Existing = BTreeMap<String, BTreeMap<String, FoundColumn>>;

/// At most this many types are registered in one transaction: PostgreSQL
/// keeps a lock on every table and index a transaction creates until it
/// ends, and thousands of them exhaust its lock table
/// (`max_locks_per_transaction`).
const TYPES_PER_TRANSACTION: usize = 200;

/// Creates the tables of `types` and the shared tables where missing, after
/// checking every existing one; records the types in the catalog.
///
/// The types go [`TYPES_PER_TRANSACTION`] to a transaction; registration is
/// idempotent, so a mismatch found in a later group leaves the earlier
/// groups registered and nothing of its own group written.
///
/// Runs in one transaction holding an advisory lock on the current schema,
/// so concurrent calls on one schema take turns (and the later ones find
/// the tables made by the earlier ones) while calls on different schemas
/// do not wait for each other. On a mismatch nothing is written, and a
/// database of the earlier layout (with a `verso_links` table) is refused
/// with [`Error::OutdatedLayout`] before anything is checked.
pub(crate) async fn ensure_tables(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<()> {
    let mut unique: Vec<&'static EntityType> = Vec::with_capacity(types.len());
    for ty in types {
        if !unique.iter().any(|t| t.name == ty.name) {
            unique.push(ty);
        }
    }
    // No types still checks the layout and makes the shared tables.
    let groups: Vec<&[&'static EntityType]> = if unique.is_empty() {
        vec![&[]]
    } else {
        unique.chunks(TYPES_PER_TRANSACTION).collect()
    };
    for group in groups {
        instrument.query();
        let mut tx = conn.begin().await.map_err(db_error)?;
        match ensure_in(&mut tx, instrument, group).await {
            Ok(()) => {
                instrument.query();
                tx.commit().await.map_err(db_error)?;
            }
            Err(error) => {
                // Best effort: dropping the transaction would roll back too.
                let _ = tx.rollback().await;
                return Err(error);
            }
        }
    }
    Ok(())
}

async fn ensure_in(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<()> {
    instrument.query();
    sqlx::query(LOCK_SCHEMA)
        .bind(None::<String>)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    instrument.query();
    let legacy: bool = sqlx::query_scalar(TABLE_EXISTS)
        .bind(LEGACY_LINKS_TABLE)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    if legacy {
        return Err(Error::outdated_layout(LEGACY_LINKS_TABLE));
    }

    let existing = existing_columns(conn, instrument, types).await?;
    if existing.contains_key(CATALOG_TABLE) {
        check_owners(conn, instrument, types).await?;
    }
    let mut statements = Vec::new();
    for ty in types {
        if let Some(found) = existing.get(ty.table) {
            let expected = entity_columns(ty);
            for column in check_table(ty.table, &expected, found, Missing::AddNullable)? {
                statements.push(add_nullable_column(ty, column.name));
            }
        }
    }
    if let Some(found) = existing.get(CATALOG_TABLE) {
        check_table(CATALOG_TABLE, &catalog_columns(), found, Missing::Reject)?;
    }

    for ty in types.iter().filter(|ty| !existing.contains_key(ty.table)) {
        statements.push(verso_sql::entity_table(ty, &Postgres).to_string(PostgresQueryBuilder));
        statements.extend(storage::entity_index_statements(ty));
        statements.extend(crate::dialect::reference_list_indexes(ty));
    }
    // Every statement is IF NOT EXISTS: once one shared table is missing,
    // all are run, and those that exist are left as they are.
    if SHARED_TABLES.iter().any(|t| !existing.contains_key(*t)) {
        statements.extend(storage::shared_tables(&Postgres));
    }
    if !existing.contains_key(CATALOG_TABLE) {
        statements.push(verso_sql::catalog_table(&Postgres).to_string(PostgresQueryBuilder));
    }
    for text in statements {
        instrument.query();
        // Not kept in the connection's prepared-statement cache.
        sqlx::query(audited(text))
            .persistent(false)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }

    if !types.is_empty() {
        instrument.query();
        sqlx::query(UPSERT_CATALOG)
            .bind(types.iter().map(|t| t.name).collect::<Vec<_>>())
            .bind(types.iter().map(|t| t.table).collect::<Vec<_>>())
            .bind(types.iter().map(|t| t.definition()).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// `ALTER TABLE ... ADD COLUMN` for the nullable column `name` of `ty` (a
/// new `Option` field): existing versions read it as `None`. A name that is
/// no field of `ty` is added as text.
fn add_nullable_column(ty: &EntityType, name: &str) -> String {
    let column_type = ty
        .columns
        .iter()
        .find(|c| c.name == name)
        .map_or(ColumnType::Text, |c| c.ty);
    verso_sql::add_nullable_column(ty.table, name, column_type, &Postgres)
        .to_string(PostgresQueryBuilder)
}

/// The columns of the tables of `types` and of the shared tables that
/// exist in the current schema.
async fn existing_columns(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<Existing> {
    let tables: Vec<&str> = types
        .iter()
        .map(|t| t.table)
        .chain(SHARED_TABLES)
        .chain([CATALOG_TABLE])
        .collect();
    instrument.query();
    let rows = sqlx::query(EXISTING_COLUMNS)
        .bind(&tables)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    let mut existing = Existing::new();
    for row in rows {
        let table: String = row.try_get(0).map_err(db_error)?;
        let column: String = row.try_get(1).map_err(db_error)?;
        let found = FoundColumn {
            data_type: row.try_get(2).map_err(db_error)?,
            nullable: row.try_get(3).map_err(db_error)?,
            filled_by_server: row.try_get(4).map_err(db_error)?,
        };
        existing.entry(table).or_default().insert(column, found);
    }
    Ok(existing)
}

/// Fails when the catalog says one of the tables stores another type, or
/// one of the type names is stored in another table.
async fn check_owners(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<()> {
    let tables: Vec<&str> = types.iter().map(|t| t.table).collect();
    let names: Vec<&str> = types.iter().map(|t| t.name).collect();
    instrument.query();
    let rows = sqlx::query(
        "SELECT table_name, type_name FROM verso_catalog \
         WHERE table_name = ANY($1) OR type_name = ANY($2) ORDER BY type_name",
    )
    .bind(&tables)
    .bind(&names)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    for row in rows {
        let table: String = row.try_get(0).map_err(db_error)?;
        let owner: String = row.try_get(1).map_err(db_error)?;
        let conflict = types
            .iter()
            .find_map(|ty| verso_sql::catalog_conflict(ty, &table, &owner));
        if let Some(error) = conflict {
            return Err(error);
        }
    }
    Ok(())
}
