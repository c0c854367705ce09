//! The lookups of commit metadata ([`verso_sql::commits`]) on PostgreSQL.

use crate::dialect::Postgres;
use crate::error::db_error;
use crate::statement::audited;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;
use verso_core::{
    CommitRow, CommitVersion, Error, Instrument, Result, VersionCommit, COMMIT_TYPE_NAME,
};
use verso_sql::commits;

/// A decode error naming the commit.
fn damaged(id: Uuid, error: sqlx::Error) -> Error {
    Error::Decode {
        type_name: COMMIT_TYPE_NAME.into(),
        id,
        column: "*".into(),
        detail: error.to_string(),
    }
}

/// The columns [`commits::COMMIT_COLUMNS`] of `row`, from column `at` on.
fn commit_row(row: &PgRow, at: usize, asked: Uuid) -> Result<CommitRow> {
    let read = || -> Result<CommitRow, sqlx::Error> {
        Ok(CommitRow {
            id: row.try_get(at)?,
            created_at: row.try_get(at + 1)?,
            author: row.try_get(at + 2)?,
            message: row.try_get(at + 3)?,
            meta_json: row.try_get(at + 4)?,
        })
    };
    read().map_err(|e| damaged(asked, e))
}

/// The rows `sql` returns for the id bound as `$1`.
async fn query(
    conn: &mut PgConnection,
    instrument: &Instrument,
    sql: &str,
    id: Uuid,
) -> Result<Vec<PgRow>> {
    instrument.query();
    sqlx::query(audited(sql.to_owned()))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)
}

/// The commit `id`, if stored.
pub(crate) async fn commit_record(
    conn: &mut PgConnection,
    instrument: &Instrument,
    id: Uuid,
) -> Result<Option<CommitRow>> {
    let rows = query(
        &mut *conn,
        instrument,
        &commits::commit_record(&Postgres),
        id,
    )
    .await?;
    rows.first().map(|row| commit_row(row, 0, id)).transpose()
}

/// The versions commit `id` wrote, in its order.
pub(crate) async fn commit_versions(
    conn: &mut PgConnection,
    instrument: &Instrument,
    id: Uuid,
) -> Result<Vec<CommitVersion>> {
    let rows = query(
        &mut *conn,
        instrument,
        &commits::commit_versions(&Postgres),
        id,
    )
    .await?;
    rows.iter()
        .map(|row| {
            let read = || -> Result<CommitVersion, sqlx::Error> {
                Ok(CommitVersion {
                    commit_id: row.try_get(0)?,
                    type_name: row.try_get(1)?,
                    ecs_id: row.try_get(2)?,
                    lineage_id: row.try_get(3)?,
                })
            };
            read().map_err(|e| damaged(id, e))
        })
        .collect()
}

/// The versions of lineage `lineage_id` with their commits, oldest first.
pub(crate) async fn lineage_commits(
    conn: &mut PgConnection,
    instrument: &Instrument,
    lineage_id: Uuid,
) -> Result<Vec<VersionCommit>> {
    let sql = commits::lineage_commits(&Postgres);
    let rows = query(&mut *conn, instrument, &sql, lineage_id).await?;
    rows.iter()
        .map(|row| {
            Ok(VersionCommit {
                ecs_id: row.try_get(0).map_err(|e| damaged(lineage_id, e))?,
                commit: commit_row(row, 1, lineage_id)?,
            })
        })
        .collect()
}
