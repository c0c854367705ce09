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
use verso_sql::VERSION_COLUMNS;

/// One insert (or delete) statement with its whole batch packed in one
/// JSON parameter.
pub(crate) struct BatchInsert {
    sql: String,
    rows: String,
    row_count: u64,
    returns_ids: bool,
    /// Whether the rows it affects count as rows written (inserts do).
    counts_rows: bool,
}

impl BatchInsert {
    fn new(sql: String, rows: BatchText, row_count: usize) -> Self {
        BatchInsert {
            sql,
            rows: rows.finish(),
            row_count: row_count as u64,
            returns_ids: false,
            counts_rows: true,
        }
    }
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
        inserts: prepare_inserts(plan)?,
    })
}

/// One insert per table, then one per shared table the plan writes to
/// (lists, chunks, list changes, heads). A value SQLite cannot store is an
/// `InvalidInput` naming the version.
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
            counts_rows: true,
        });
    }
    if !plan.lists.is_empty() {
        let mut rows = BatchText::default();
        for list in &plan.lists {
            rows.row();
            rows.text(&uuid_text(&list.parent));
            rows.text(&list.field);
            rows.text(&list.child_type);
            rows.int(list.height);
            rows.ids(&list.entries);
        }
        inserts.push(BatchInsert::new(
            sql::insert_lists(),
            rows,
            plan.lists.len(),
        ));
    }
    if !plan.chunks.is_empty() {
        let mut rows = BatchText::default();
        for chunk in &plan.chunks {
            rows.row();
            rows.text(&uuid_text(&chunk.id));
            rows.int(chunk.height);
            rows.ids(&chunk.entries);
        }
        inserts.push(BatchInsert::new(
            sql::insert_chunks(),
            rows,
            plan.chunks.len(),
        ));
    }
    if !plan.changes.is_empty() {
        let mut rows = BatchText::default();
        for change in &plan.changes {
            rows.row();
            rows.text(&uuid_text(&change.child));
            rows.text(&uuid_text(&change.parent));
            rows.text(&change.field);
            rows.int(change.position);
            rows.int(i64::from(change.added));
        }
        inserts.push(BatchInsert::new(
            sql::insert_changes(),
            rows,
            plan.changes.len(),
        ));
    }
    let mut replaced = BatchText::default();
    let mut replaced_count = 0;
    for (lineage, parent) in plan.replaced_heads() {
        replaced.row();
        replaced.text(&uuid_text(&lineage));
        replaced.text(&uuid_text(&parent));
        replaced_count += 1;
    }
    if replaced_count > 0 {
        let mut delete = BatchInsert::new(sql::delete_heads(), replaced, replaced_count);
        delete.counts_rows = false;
        inserts.push(delete);
    }
    let mut heads = BatchText::default();
    let mut head_count = 0;
    for (lineage, ecs_id) in plan.new_heads() {
        heads.row();
        heads.text(&uuid_text(&lineage));
        heads.text(&uuid_text(&ecs_id));
        head_count += 1;
    }
    inserts.push(BatchInsert::new(sql::insert_heads(), heads, head_count));
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
                instrument.rows_written(insert.row_count);
                let mut rows = statement.query([param]).map_err(db_error)?;
                while let Some(row) = rows.next().map_err(db_error)? {
                    let id: i64 = row.get(0).map_err(db_error)?;
                    let ecs_id: String = row.get(1).map_err(db_error)?;
                    let ecs_id = parse_uuid(&ecs_id)
                        .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e))?;
                    row_ids.insert(ecs_id, id);
                }
            } else {
                let affected = statement.execute([param]).map_err(db_error)?;
                if insert.counts_rows {
                    instrument.rows_written(affected as u64);
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
