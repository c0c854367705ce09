//! Storing a commit plan in one transaction.

use crate::decode::{parse_uuid, row_meta};
use crate::dialect::Sqlite;
use crate::encode::{timestamp_text, uuid_text, BatchText, Unstorable};
use crate::error::db_error;
use crate::load::id_array;
use crate::sql;
use rusqlite::Connection;
use sea_query::SqliteQueryBuilder;
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{CommitPlan, Error, Instrument, Result};
use verso_sql::{LINKS_TABLE, LINK_COLUMNS, VERSION_COLUMNS};

/// One insert statement with its whole batch packed in one JSON parameter.
pub(crate) struct BatchInsert {
    sql: String,
    rows: String,
    row_count: u64,
    returns_ids: bool,
}

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
    inserts: Vec<BatchInsert>,
}

/// Turns a plan into its branch checks (when it refuses to branch), one
/// insert per table and one for the links.
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
        inserts: prepare_inserts(plan)?,
    })
}

/// One insert per table plus one for the links. A value SQLite cannot
/// store is an `InvalidInput` naming the version.
fn prepare_inserts(plan: &CommitPlan) -> Result<Vec<BatchInsert>> {
    let mut inserts = Vec::with_capacity(plan.batches.len() + 1);
    for batch in &plan.batches {
        let ty = batch.entity_type;
        let columns: Vec<&str> = VERSION_COLUMNS
            .iter()
            .map(|c| c.name)
            .chain(ty.columns.iter().map(|c| c.name))
            .collect();
        let mut rows = BatchText::default();
        for row in &batch.rows {
            rows.row();
            rows.text(&uuid_text(&row.ecs_id));
            rows.text(&uuid_text(&row.lineage_id));
            match &row.parent_id {
                Some(parent) => rows.text(&uuid_text(parent)),
                None => rows.null(),
            }
            rows.text(&timestamp_text(&row.created_at));
            for (column, value) in ty.columns.iter().zip(&row.values) {
                rows.value(value)
                    .map_err(|Unstorable(why)| Error::InvalidInput {
                        type_name: ty.name.to_string(),
                        id: row.ecs_id,
                        detail: format!("column {}: {why}", column.name),
                    })?;
            }
        }
        inserts.push(BatchInsert {
            sql: sql::insert_json_batch(ty.table, &columns, true),
            rows: rows.finish(),
            row_count: batch.rows.len() as u64,
            returns_ids: true,
        });
    }
    if !plan.links.is_empty() {
        let mut rows = BatchText::default();
        for link in &plan.links {
            rows.row();
            rows.text(&uuid_text(&link.parent));
            rows.text(&link.field);
            rows.int(link.position);
            rows.text(&uuid_text(&link.child));
            rows.text(&link.child_type);
        }
        inserts.push(BatchInsert {
            sql: sql::insert_json_batch(LINKS_TABLE, &LINK_COLUMNS.map(|c| c.name), false),
            rows: rows.finish(),
            row_count: plan.links.len() as u64,
            returns_ids: false,
        });
    }
    Ok(inserts)
}

/// Runs the inserts between `BEGIN IMMEDIATE` and `COMMIT`; any failure
/// rolls the whole commit back. Returns the row id of every new version.
pub(crate) fn run(
    conn: &mut Connection,
    instrument: &Instrument,
    prepared: PreparedCommit,
) -> Result<HashMap<Uuid, i64>> {
    let PreparedCommit { checks, inserts } = prepared;
    let mut statement_number = 1;
    instrument.commit_statement(statement_number)?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
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
        for insert in &inserts {
            statement_number += 1;
            instrument.commit_statement(statement_number)?;
            let mut statement = conn.prepare_cached(&insert.sql).map_err(db_error)?;
            let param = insert.rows.as_str();
            if insert.returns_ids {
                let mut rows = statement.query([param]).map_err(db_error)?;
                while let Some(row) = rows.next().map_err(db_error)? {
                    let id: i64 = row.get(0).map_err(db_error)?;
                    let ecs_id: String = row.get(1).map_err(db_error)?;
                    let ecs_id = parse_uuid(&ecs_id)
                        .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e))?;
                    row_ids.insert(ecs_id, id);
                }
            } else {
                statement.execute([param]).map_err(db_error)?;
            }
            instrument.rows_written(insert.row_count);
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
