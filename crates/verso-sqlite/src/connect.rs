//! Opening connections with the settings Verso relies on.

use crate::error::db_error;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;
use verso_core::Result;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a database file in WAL mode with `synchronous=NORMAL`. Switching
/// to WAL waits for other connections' locks as long as a commit would.
pub(crate) fn open_file(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path).map_err(db_error)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(db_error)?;
    configure(connection)
}

/// Opens an existing database file for reading only, leaving its journal
/// mode as it is.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    configure(Connection::open_with_flags(path, flags).map_err(db_error)?)
}

/// Opens a private in-memory database.
pub(crate) fn open_memory() -> Result<Connection> {
    configure(Connection::open_in_memory().map_err(db_error)?)
}

fn configure(connection: Connection) -> Result<Connection> {
    connection.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .map_err(db_error)?;
    connection.set_prepared_statement_cache_capacity(256);
    Ok(connection)
}
