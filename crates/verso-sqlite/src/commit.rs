//! Storing a commit plan in one transaction.

use crate::batch::Batch;
use crate::decode::{parse_uuid, row_meta};
use crate::dialect::Sqlite;
use crate::error::db_error;
use crate::load::id_array;
use rusqlite::params_from_iter;
use rusqlite::Connection;
use sea_query::SqliteQueryBuilder;
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{CommitPlan, Error, Instrument, Result};
use verso_sql::writes::{commit_writes, WriteAction};

/// A query run before the inserts when the commit refuses to branch: does
/// any version already descend from the versions this commit forks?
pub(crate) struct BranchCheck {
    type_name: &'static str,
    sql: String,
    parents: String,
}

/// The statements of a commit: the branch checks, then the inserts.
pub(crate) struct PreparedCommit {
    checks: Vec<BranchCheck>,
    writes: Vec<Batch>,
}

/// Turns a plan into its branch checks (when it refuses to branch), one
/// insert per table, and the writes of the lists and heads.
pub(crate) fn prepare(plan: &CommitPlan) -> Result<PreparedCommit> {
    let checks = if plan.refuse_branches {
        plan.forked_parents()
            .into_iter()
            .map(|(ty, parents)| BranchCheck {
                type_name: ty.name,
                sql: verso_sql::forks_of(ty, &Sqlite).to_string(SqliteQueryBuilder),
                parents: id_array(parents),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(PreparedCommit {
        checks,
        writes: prepare_writes(plan)?,
    })
}

/// The writes of the plan ([`verso_sql::writes::commit_writes`]) as bound
/// parameters. A value SQLite cannot store is an `InvalidInput` naming the
/// version.
fn prepare_writes(plan: &CommitPlan) -> Result<Vec<Batch>> {
    commit_writes(plan).iter().map(Batch::of).collect()
}

/// Runs the inserts between `BEGIN IMMEDIATE` and `COMMIT`; any failure
/// rolls the whole commit back. Returns the row id of every new version.
///
/// In a transaction (`begun`), its `BEGIN IMMEDIATE` was sent when it
/// began: it is still statement 1 of the commit, counted (and open to an
/// injected fault) here, so a commit costs the same in and out of one.
/// A failure leaves the transaction open: the caller ends it.
pub(crate) fn run(
    conn: &mut Connection,
    instrument: &Instrument,
    prepared: PreparedCommit,
    begun: bool,
) -> Result<HashMap<Uuid, i64>> {
    let PreparedCommit { checks, writes } = prepared;
    let mut statement_number = 1;
    instrument.commit_statement(statement_number)?;
    if !begun {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    }
    let outcome = (|| {
        // BEGIN IMMEDIATE holds the write lock: no other writer can fork
        // the same versions between these checks and the inserts.
        for check in &checks {
            statement_number += 1;
            instrument.commit_statement(statement_number)?;
            let mut statement = conn.prepare_cached(&check.sql).map_err(db_error)?;
            let mut rows = statement
                .query([check.parents.as_str()])
                .map_err(db_error)?;
            if let Some(row) = rows.next().map_err(db_error)? {
                let child = row_meta(row, check.type_name)?;
                let parent = child.parent_id.unwrap_or_default();
                return Err(Error::branch_conflict(check.type_name, parent));
            }
        }
        let mut row_ids = HashMap::new();
        for write in &writes {
            for (sql, values) in write.statements() {
                statement_number += 1;
                instrument.commit_statement(statement_number)?;
                let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
                let params = params_from_iter(values.iter());
                match write.action() {
                    WriteAction::InsertReturningIds => {
                        let mut rows = statement.query(params).map_err(db_error)?;
                        while let Some(row) = rows.next().map_err(db_error)? {
                            let id: i64 = row.get(0).map_err(db_error)?;
                            let ecs_id: String = row.get(1).map_err(db_error)?;
                            let ecs_id = parse_uuid(&ecs_id)
                                .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e))?;
                            row_ids.insert(ecs_id, id);
                            instrument.rows_written(1);
                        }
                    }
                    WriteAction::Insert | WriteAction::InsertNew => {
                        let affected = statement.execute(params).map_err(db_error)?;
                        instrument.rows_written(affected as u64);
                    }
                    // Deleting a replaced head writes no row.
                    WriteAction::Delete => {
                        statement.execute(params).map_err(db_error)?;
                    }
                }
            }
        }
        statement_number += 1;
        instrument.commit_statement(statement_number)?;
        conn.execute_batch("COMMIT").map_err(db_error)?;
        Ok(row_ids)
    })();
    if outcome.is_err() && !conn.is_autocommit() {
        // The transaction is still open: undo every insert of this commit.
        let _ = conn.execute_batch("ROLLBACK");
    }
    outcome
}
