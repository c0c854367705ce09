//! Opening connections with the settings Verso relies on.

use crate::error::db_error;
use crate::options::SqliteOptions;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use verso_core::Result;

/// Opens a database file in WAL mode. Switching to WAL waits for other
/// connections' locks as long as a commit would.
pub(crate) fn open_file(path: &Path, options: &SqliteOptions) -> Result<Connection> {
    let connection = Connection::open(path).map_err(db_error)?;
    connection
        .busy_timeout(options.busy_timeout)
        .map_err(db_error)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(db_error)?;
    configure(connection, options)
}

/// Opens one more connection to a database file [`open_file`] opened, for
/// reads only (`query_only`: a write through it fails).
pub(crate) fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection> {
    let connection = configure(Connection::open(path).map_err(db_error)?, options)?;
    connection
        .pragma_update(None, "query_only", "ON")
        .map_err(db_error)?;
    Ok(connection)
}

/// Opens an existing database file for reading only, leaving its journal
/// mode as it is.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(db_error)?;
    configure(connection, &SqliteOptions::default())
}

/// Opens a private in-memory database.
pub(crate) fn open_memory() -> Result<Connection> {
    let connection = Connection::open_in_memory().map_err(db_error)?;
    configure(connection, &SqliteOptions::default())
}

fn configure(connection: Connection, options: &SqliteOptions) -> Result<Connection> {
    connection
        .busy_timeout(options.busy_timeout)
        .map_err(db_error)?;
    connection
        .pragma_update(None, "synchronous", options.synchronous.pragma())
        .map_err(db_error)?;
    connection.set_prepared_statement_cache_capacity(options.statement_cache_capacity);
    Ok(connection)
}
