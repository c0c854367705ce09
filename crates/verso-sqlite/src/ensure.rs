//! Creating and checking tables.

use crate::dialect::Sqlite;
use crate::error::db_error;
use crate::sql;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sea_query::SqliteQueryBuilder;
use std::collections::HashMap;
use verso_core::{ColumnType, EntityType, Error, Instrument, Result};
use verso_sql::storage::{self, LEGACY_LINKS_TABLE};
use verso_sql::{Dialect, VERSION_COLUMNS};

/// Creates what is missing for `types`, after checking every existing table
/// against its type. A mismatch is reported before anything is written.
/// A nullable column missing from an existing table (a new `Option` field)
/// is added; existing versions read it as `None`.
pub(crate) fn ensure_tables(
    conn: &mut Connection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<()> {
    if !conn.is_autocommit() {
        // Inside a transaction (`Driver::begin`): a savepoint of it.
        let savepoint = conn.savepoint().map_err(db_error)?;
        ensure_within(&savepoint, instrument, types)?;
        instrument.query();
        return savepoint.commit().map_err(db_error);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)?;
    ensure_within(&tx, instrument, types)?;
    instrument.query();
    tx.commit().map_err(db_error)
}

/// The checks and writes of [`ensure_tables`], inside its transaction.
fn ensure_within(
    tx: &Connection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<()> {
    if existing_columns(tx, instrument, LEGACY_LINKS_TABLE)?.is_some() {
        return Err(Error::outdated_layout(LEGACY_LINKS_TABLE));
    }
    instrument.query();
    let catalog = read_catalog(tx, instrument)?;
    let mut work = Vec::new();
    for ty in types {
        let conflict = catalog
            .iter()
            .find_map(|(table, owner)| verso_sql::catalog_conflict(ty, table, owner));
        if let Some(error) = conflict {
            return Err(error);
        }
        match existing_columns(tx, instrument, ty.table)? {
            None => {
                work.push(verso_sql::entity_table(ty, &Sqlite).to_string(SqliteQueryBuilder));
                work.extend(storage::entity_index_statements(ty));
            }
            Some(existing) => work.extend(missing_columns(ty, &existing)?),
        }
    }
    // The shared tables, each created if missing.
    work.extend(storage::shared_tables(&Sqlite));
    work.push(verso_sql::catalog_table(&Sqlite).to_string(SqliteQueryBuilder));
    for statement in work {
        instrument.query();
        tx.execute_batch(&statement).map_err(db_error)?;
    }
    let upsert = sql::upsert_catalog();
    for ty in types {
        instrument.query();
        tx.execute(
            &upsert,
            params![ty.name, ty.table, ty.definition().to_string()],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

/// Which type owns each table, from the catalog (empty on a new database).
fn read_catalog(conn: &Connection, instrument: &Instrument) -> Result<HashMap<String, String>> {
    if existing_columns(conn, instrument, "verso_catalog")?.is_none() {
        return Ok(HashMap::new());
    }
    instrument.query();
    let mut statement = conn
        .prepare("SELECT table_name, type_name FROM verso_catalog")
        .map_err(db_error)?;
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_error)
}

/// One column of an existing table, as `pragma_table_info` describes it.
struct ExistingColumn {
    declared: String,
    not_null: bool,
    /// A default value or the primary key: an insert may leave it out.
    filled_by_sqlite: bool,
}

/// Column name -> column of `table`, or `None` if it does not exist.
fn existing_columns(
    conn: &Connection,
    instrument: &Instrument,
    table: &str,
) -> Result<Option<HashMap<String, ExistingColumn>>> {
    instrument.query();
    let exists = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_error)?;
    if exists.is_none() {
        return Ok(None);
    }
    instrument.query();
    let mut statement = conn
        .prepare(
            "SELECT name, type, \"notnull\", dflt_value IS NOT NULL OR pk > 0 \
             FROM pragma_table_info(?1)",
        )
        .map_err(db_error)?;
    let rows = statement
        .query_map([table], |row| {
            Ok((
                row.get::<_, String>(0)?,
                ExistingColumn {
                    declared: row.get(1)?,
                    not_null: row.get(2)?,
                    filled_by_sqlite: row.get(3)?,
                },
            ))
        })
        .map_err(db_error)?;
    let columns = rows
        .collect::<rusqlite::Result<HashMap<_, _>>>()
        .map_err(db_error)?;
    Ok(Some(columns))
}

/// `ALTER TABLE ... ADD COLUMN` for each nullable column the table lacks;
/// an error for any other difference.
fn missing_columns(
    ty: &EntityType,
    existing: &HashMap<String, ExistingColumn>,
) -> Result<Vec<String>> {
    let mismatch = |column: &str, detail: String| Error::SchemaMismatch {
        table: ty.table.to_string(),
        column: column.to_string(),
        detail,
    };
    for column in &VERSION_COLUMNS {
        check_type(existing, column.name, column.ty).map_err(|d| mismatch(column.name, d))?;
    }
    let mut alters = Vec::new();
    for column in ty.columns {
        if let Some(found) = existing.get(column.name) {
            check_type(existing, column.name, column.ty).map_err(|d| mismatch(column.name, d))?;
            if column.nullable && found.not_null {
                return Err(mismatch(
                    column.name,
                    format!(
                        "the field is optional but the column is {} NOT NULL; \
                         the column must accept NULL",
                        found.declared
                    ),
                ));
            }
        } else if column.nullable {
            alters.push(
                verso_sql::add_nullable_column(ty.table, column.name, column.ty, &Sqlite)
                    .to_string(SqliteQueryBuilder),
            );
        } else {
            return Err(mismatch(
                column.name,
                format!(
                    "the column is missing and the field is required; make the field an \
                     Option so Verso can add the column, or add it yourself with a default: \
                     ALTER TABLE \"{}\" ADD COLUMN \"{}\" {} NOT NULL DEFAULT ...",
                    ty.table,
                    column.name,
                    Sqlite.column_type(column.ty)
                ),
            ));
        }
    }
    let known = |name: &str| {
        name == "id"
            || VERSION_COLUMNS.iter().any(|c| c.name == name)
            || ty.columns.iter().any(|c| c.name == name)
    };
    for (name, found) in existing {
        if !known(name) && found.not_null && !found.filled_by_sqlite {
            return Err(mismatch(
                name,
                format!(
                    "the type has no such field, but the column is {} NOT NULL without a \
                     default, which every insert would violate",
                    found.declared
                ),
            ));
        }
    }
    Ok(alters)
}

fn check_type(
    existing: &HashMap<String, ExistingColumn>,
    name: &str,
    expected: ColumnType,
) -> Result<(), String> {
    let declared = Sqlite.column_type(expected);
    match existing.get(name) {
        None => Err("the column is missing".into()),
        Some(found) if found.declared.eq_ignore_ascii_case(declared) => Ok(()),
        Some(found) => Err(format!(
            "expected type {declared}, found {}",
            found.declared
        )),
    }
}
