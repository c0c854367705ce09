//! The lookups of commit metadata ([`verso_sql::commits`]) on SQLite.

use crate::decode::{parse_timestamp, parse_uuid};
use crate::dialect::Sqlite;
use crate::encode::uuid_text;
use crate::error::db_error;
use rusqlite::{Connection, Row};
use uuid::Uuid;
use verso_core::{
    CommitRow, CommitVersion, Error, Instrument, Result, VersionCommit, COMMIT_TYPE_NAME,
};
use verso_sql::commits;

/// A decode error naming the commit and the column.
fn damaged(id: Uuid, column: &str, detail: impl std::fmt::Display) -> Error {
    Error::Decode {
        type_name: COMMIT_TYPE_NAME.into(),
        id,
        column: column.into(),
        detail: detail.to_string(),
    }
}

/// Column `index` of `row`, named `column`, as a UUID.
fn uuid_at(row: &Row<'_>, index: usize, column: &str, commit: Uuid) -> Result<Uuid> {
    let text: String = row.get(index).map_err(|e| damaged(commit, column, e))?;
    parse_uuid(&text).map_err(|e| damaged(commit, column, e))
}

/// The columns [`commits::COMMIT_COLUMNS`] of `row`, from column `at` on.
fn commit_row(row: &Row<'_>, at: usize) -> Result<CommitRow> {
    let id = uuid_at(row, at, "commit_id", Uuid::nil())?;
    let text = |index: usize, column: &str| -> Result<Option<String>> {
        row.get(at + index).map_err(|e| damaged(id, column, e))
    };
    let created_at = text(1, "created_at")?.unwrap_or_default();
    Ok(CommitRow {
        id,
        created_at: parse_timestamp(&created_at).map_err(|e| damaged(id, "created_at", e))?,
        author: text(2, "author")?,
        message: text(3, "message")?,
        meta_json: text(4, "meta")?.unwrap_or_default(),
    })
}

/// The rows `sql` returns for the id bound as `?1`, each decoded by `decode`.
fn query<T>(
    conn: &Connection,
    instrument: &Instrument,
    sql: &str,
    id: Uuid,
    decode: impl Fn(&Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    instrument.query();
    let mut statement = conn.prepare_cached(sql).map_err(db_error)?;
    let mut rows = statement.query([uuid_text(&id)]).map_err(db_error)?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        found.push(decode(row)?);
    }
    Ok(found)
}

/// The commit `id`, if stored.
pub(crate) fn commit_record(
    conn: &Connection,
    instrument: &Instrument,
    id: Uuid,
) -> Result<Option<CommitRow>> {
    let sql = commits::commit_record(&Sqlite);
    Ok(query(conn, instrument, &sql, id, |row| commit_row(row, 0))?.pop())
}

/// The versions commit `id` wrote, in its order.
pub(crate) fn commit_versions(
    conn: &Connection,
    instrument: &Instrument,
    id: Uuid,
) -> Result<Vec<CommitVersion>> {
    let sql = commits::commit_versions(&Sqlite);
    query(conn, instrument, &sql, id, |row| {
        let commit_id = uuid_at(row, 0, "commit_id", id)?;
        Ok(CommitVersion {
            commit_id,
            type_name: row.get(1).map_err(|e| damaged(id, "type_name", e))?,
            ecs_id: uuid_at(row, 2, "ecs_id", id)?,
            lineage_id: uuid_at(row, 3, "lineage_id", id)?,
        })
    })
}

/// The versions of lineage `lineage_id` with their commits, oldest first.
pub(crate) fn lineage_commits(
    conn: &Connection,
    instrument: &Instrument,
    lineage_id: Uuid,
) -> Result<Vec<VersionCommit>> {
    let sql = commits::lineage_commits(&Sqlite);
    query(conn, instrument, &sql, lineage_id, |row| {
        let commit = commit_row(row, 1)?;
        Ok(VersionCommit {
            ecs_id: uuid_at(row, 0, "ecs_id", commit.id)?,
            commit,
        })
    })
}
