//! Storing a commit plan in one transaction.

use crate::decode::parse_uuid;
use crate::encode::{batch_element, timestamp_text, uuid_text};
use crate::error::db_error;
use crate::sql;
use rusqlite::Connection;
use serde_json::Value as Json;
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{CommitPlan, Error, Instrument, Result};

/// One insert statement with its whole batch packed in one JSON parameter.
pub(crate) struct BatchInsert {
    sql: String,
    rows: Json,
    row_count: u64,
    returns_ids: bool,
}

use crate::sql::LINK_COLUMN_NAMES as LINK_COLUMNS;

/// Turns a plan into one insert per table plus one for the links.
pub(crate) fn prepare(plan: &CommitPlan) -> Result<Vec<BatchInsert>> {
    let mut inserts = Vec::with_capacity(plan.batches.len() + 1);
    for batch in &plan.batches {
        let ty = batch.entity_type;
        let columns: Vec<&str> = sql::META_COLUMNS[1..]
            .iter()
            .copied()
            .chain(ty.columns.iter().map(|c| c.name))
            .collect();
        let rows = batch
            .rows
            .iter()
            .map(|row| {
                let mut element = Vec::with_capacity(columns.len());
                element.push(Json::String(uuid_text(&row.ecs_id)));
                element.push(Json::String(uuid_text(&row.lineage_id)));
                element.push(
                    row.parent_id
                        .as_ref()
                        .map_or(Json::Null, |p| Json::String(uuid_text(p))),
                );
                element.push(Json::String(timestamp_text(&row.created_at)));
                element.extend(row.values.iter().map(batch_element));
                Json::Array(element)
            })
            .collect();
        inserts.push(BatchInsert {
            sql: sql::insert_json_batch(ty.table, &columns, true),
            rows: Json::Array(rows),
            row_count: batch.rows.len() as u64,
            returns_ids: true,
        });
    }
    if !plan.links.is_empty() {
        let rows = plan
            .links
            .iter()
            .map(|link| {
                Json::Array(vec![
                    Json::String(uuid_text(&link.parent)),
                    Json::String(link.field.to_string()),
                    Json::from(link.position),
                    Json::String(uuid_text(&link.child)),
                    Json::String(link.child_type.to_string()),
                ])
            })
            .collect();
        inserts.push(BatchInsert {
            sql: sql::insert_json_batch("verso_links", &LINK_COLUMNS, false),
            rows: Json::Array(rows),
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
    inserts: Vec<BatchInsert>,
) -> Result<HashMap<Uuid, i64>> {
    let mut statement_number = 1;
    instrument.commit_statement(statement_number)?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    let outcome = (|| {
        let mut row_ids = HashMap::new();
        for insert in &inserts {
            statement_number += 1;
            instrument.commit_statement(statement_number)?;
            let mut statement = conn.prepare_cached(&insert.sql).map_err(db_error)?;
            let param = insert.rows.to_string();
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
