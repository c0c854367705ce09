//! Storing a commit plan in one transaction: `BEGIN`, then each write of
//! [`verso_sql::writes::commit_writes`] as one `UNNEST` statement (one
//! array per column), `COMMIT`.

use crate::dialect::Postgres;
use crate::encode::ArrayColumn;
use crate::error::db_error;
use crate::sql;
use crate::statement::audited;
use sea_query::PostgresQueryBuilder;
use sqlx::{PgConnection, PgPool, Row, Transaction};
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{CommitPlan, Error, Instrument, Result};
use verso_sql::writes::{commit_writes, CellType, Write, WriteAction};

/// One write ([`Write`]) with its whole batch bound as one array per
/// column.
#[derive(Debug)]
pub(crate) struct BatchInsert {
    sql: String,
    arrays: Vec<ArrayColumn>,
    action: WriteAction,
}

impl BatchInsert {
    /// The statement and arrays of `write`. Core checked every value
    /// against its column; a value of another kind is an `InvalidInput`
    /// naming the version.
    pub(crate) fn of(write: &Write<'_>) -> Result<Self> {
        let n = write.len();
        let mut arrays = Vec::with_capacity(write.columns.len());
        for (index, (name, ty)) in write.columns.iter().enumerate() {
            let mut array = match ty {
                CellType::Column(ty) => ArrayColumn::new(*ty, n),
                CellType::Ids => ArrayColumn::Text(Vec::with_capacity(n)),
            };
            for (row, cell) in write.rows().zip(write.column(index)) {
                array
                    .push_cell(cell)
                    .map_err(|detail| write.invalid(row, name, detail))?;
            }
            arrays.push(array);
        }
        Ok(BatchInsert {
            sql: sql::unnest_write(write),
            arrays,
            action: write.action,
        })
    }

    /// Runs the statement on `conn`; returns the rows it inserted (a chunk
    /// stored already is not inserted again, nor counted; a delete inserts
    /// none).
    pub(crate) async fn execute(self, conn: &mut PgConnection) -> Result<u64> {
        let query = self
            .arrays
            .into_iter()
            .fold(sqlx::query(audited(self.sql)), |query, array| {
                array.bind(query)
            });
        let done = query.execute(&mut *conn).await.map_err(db_error)?;
        Ok(match self.action {
            WriteAction::Delete => 0,
            _ => done.rows_affected(),
        })
    }
}

/// Queries run before the inserts when the commit refuses to branch: lock
/// the versions this commit forks (so concurrent forks of them wait for
/// each other), then look for versions already forked from them.
#[derive(Debug)]
pub(crate) struct BranchCheck {
    type_name: &'static str,
    lock: String,
    children: String,
    parents: Vec<Uuid>,
}

/// The statements of a commit: the branch checks, then the inserts.
#[derive(Debug)]
pub(crate) struct PreparedCommit {
    checks: Vec<BranchCheck>,
    inserts: Vec<BatchInsert>,
}

/// Turns a plan into its branch checks (when it refuses to branch) and its
/// inserts, checking every value against its column first, so an invalid
/// plan sends nothing.
pub(crate) fn prepare(plan: &CommitPlan) -> Result<PreparedCommit> {
    let checks = if plan.refuse_branches {
        plan.forked_parents()
            .into_iter()
            .map(|(ty, parents)| BranchCheck {
                type_name: ty.name,
                lock: verso_sql::lock_versions(ty, &Postgres).to_string(PostgresQueryBuilder),
                children: verso_sql::forks_of(ty, &Postgres).to_string(PostgresQueryBuilder),
                parents,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(PreparedCommit {
        checks,
        inserts: prepare_inserts(plan)?,
    })
}

/// The writes of the plan ([`verso_sql::writes::commit_writes`]), each as
/// one statement with one array per column.
fn prepare_inserts(plan: &CommitPlan) -> Result<Vec<BatchInsert>> {
    commit_writes(plan).iter().map(BatchInsert::of).collect()
}

/// Runs the inserts between `BEGIN` and `COMMIT`. Statement `k` of the
/// commit (`BEGIN` is 1, `COMMIT` the last) passes through
/// [`Instrument::commit_statement`] first. On any failure the transaction
/// is rolled back before the error is returned, so no row of the commit
/// remains. Returns the row id of every new version.
pub(crate) async fn run(
    pool: &PgPool,
    instrument: &Instrument,
    prepared: PreparedCommit,
) -> Result<HashMap<Uuid, i64>> {
    instrument.commit_statement(1)?;
    let tx = pool.begin().await.map_err(db_error)?;
    finish(tx, instrument, prepared).await
}

/// Runs the statements of a commit after its `BEGIN` (statement 1) in
/// the open transaction `tx`, then commits it; on any failure rolls it
/// back. A transaction of `Driver::begin` ends here.
pub(crate) async fn finish(
    mut tx: Transaction<'static, sqlx::Postgres>,
    instrument: &Instrument,
    prepared: PreparedCommit,
) -> Result<HashMap<Uuid, i64>> {
    let outcome = match check_branches(&mut tx, instrument, prepared.checks).await {
        Ok(next) => {
            let last = next + prepared.inserts.len() as u64;
            match insert_all(&mut tx, instrument, next, prepared.inserts).await {
                Ok(row_ids) => instrument.commit_statement(last).map(|()| row_ids),
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(row_ids) => {
            tx.commit().await.map_err(db_error)?;
            Ok(row_ids)
        }
        Err(error) => {
            // If the rollback itself fails the connection is gone, and the
            // server discards the open transaction with it.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// Runs the branch checks as statements 2, 3, ...; returns the number of
/// the next statement, or the conflict.
async fn check_branches(
    conn: &mut PgConnection,
    instrument: &Instrument,
    checks: Vec<BranchCheck>,
) -> Result<u64> {
    let mut statement = 2;
    for check in checks {
        instrument.commit_statement(statement)?;
        sqlx::query(audited(check.lock))
            .bind(&check.parents)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        instrument.commit_statement(statement + 1)?;
        let children = sqlx::query(audited(check.children))
            .bind(&check.parents)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        statement += 2;
        if let Some(child) = children.first() {
            let parent: Option<Uuid> = child.try_get("parent_id").map_err(db_error)?;
            return Err(Error::branch_conflict(
                check.type_name,
                parent.unwrap_or_default(),
            ));
        }
    }
    Ok(statement)
}

async fn insert_all(
    conn: &mut PgConnection,
    instrument: &Instrument,
    first_statement: u64,
    inserts: Vec<BatchInsert>,
) -> Result<HashMap<Uuid, i64>> {
    let mut row_ids = HashMap::new();
    for (statement, insert) in (first_statement..).zip(inserts) {
        instrument.commit_statement(statement)?;
        if insert.action == WriteAction::InsertReturningIds {
            let query = insert
                .arrays
                .into_iter()
                .fold(sqlx::query(audited(insert.sql)), |query, array| {
                    array.bind(query)
                });
            let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
            for row in &rows {
                let id: i64 = row.try_get(0).map_err(db_error)?;
                let ecs_id: Uuid = row.try_get(1).map_err(db_error)?;
                row_ids.insert(ecs_id, id);
            }
            instrument.rows_written(rows.len() as u64);
        } else {
            instrument.rows_written(insert.execute(&mut *conn).await?);
        }
    }
    Ok(row_ids)
}
