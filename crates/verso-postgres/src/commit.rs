//! Storing a commit plan in one transaction: `BEGIN`, one `UNNEST` insert
//! per entity table, one each for the lists, chunks and list changes, the
//! delete of the replaced heads and the insert of the new ones, `COMMIT`.

use crate::dialect::Postgres;
use crate::encode::{id_array_literal, ArrayColumn};
use crate::error::db_error;
use crate::sql;
use crate::sql::{insert_columns, insert_unnest};
use sea_query::PostgresQueryBuilder;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;
use uuid::Uuid;
use verso_core::{ChunkRow, CommitPlan, Error, Instrument, Result, TableBatch};

/// One insert (or delete) with its whole batch bound as one array per
/// column.
#[derive(Debug)]
pub(crate) struct BatchInsert {
    sql: String,
    arrays: Vec<ArrayColumn>,
    returns_ids: bool,
    /// Whether the rows it affects count as rows written (inserts do).
    counts_rows: bool,
}

impl BatchInsert {
    /// An insert that returns nothing, its inserted rows counted as
    /// written.
    fn new(sql: String, arrays: Vec<ArrayColumn>) -> Self {
        BatchInsert {
            sql,
            arrays,
            returns_ids: false,
            counts_rows: true,
        }
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

/// One insert per entity table, then one per shared table the plan writes
/// to: lists, chunks (each unless stored already), list changes, then the
/// delete of the heads the plan forks and the insert of its new heads.
fn prepare_inserts(plan: &CommitPlan) -> Result<Vec<BatchInsert>> {
    let mut inserts = Vec::with_capacity(plan.batches.len() + 5);
    for batch in &plan.batches {
        inserts.push(prepare_batch(batch)?);
    }
    if !plan.lists.is_empty() {
        let lists = &plan.lists;
        inserts.push(BatchInsert::new(
            sql::insert_lists(),
            vec![
                ArrayColumn::Uuid(lists.iter().map(|l| Some(l.parent)).collect()),
                ArrayColumn::Text(lists.iter().map(|l| Some(l.field.to_string())).collect()),
                ArrayColumn::Text(
                    lists
                        .iter()
                        .map(|l| Some(l.child_type.to_string()))
                        .collect(),
                ),
                ArrayColumn::Int(lists.iter().map(|l| Some(l.height)).collect()),
                ArrayColumn::Text(
                    lists
                        .iter()
                        .map(|l| Some(id_array_literal(&l.entries)))
                        .collect(),
                ),
            ],
        ));
    }
    if !plan.chunks.is_empty() {
        // In id order: two commits storing the same new chunks at once
        // wait for each other's inserts in one order, never in a cycle.
        let mut chunks: Vec<&ChunkRow> = plan.chunks.iter().collect();
        chunks.sort_unstable_by_key(|c| c.id);
        inserts.push(BatchInsert::new(
            sql::insert_chunks(),
            vec![
                ArrayColumn::Uuid(chunks.iter().map(|c| Some(c.id)).collect()),
                ArrayColumn::Int(chunks.iter().map(|c| Some(c.height)).collect()),
                ArrayColumn::Text(
                    chunks
                        .iter()
                        .map(|c| Some(id_array_literal(&c.entries)))
                        .collect(),
                ),
            ],
        ));
    }
    if !plan.changes.is_empty() {
        let changes = &plan.changes;
        inserts.push(BatchInsert::new(
            sql::insert_changes(),
            vec![
                ArrayColumn::Uuid(changes.iter().map(|c| Some(c.child)).collect()),
                ArrayColumn::Uuid(changes.iter().map(|c| Some(c.parent)).collect()),
                ArrayColumn::Text(changes.iter().map(|c| Some(c.field.to_string())).collect()),
                ArrayColumn::Int(changes.iter().map(|c| Some(c.position)).collect()),
                ArrayColumn::Bool(changes.iter().map(|c| Some(c.added)).collect()),
            ],
        ));
    }
    let mut replaced: Vec<(Uuid, Uuid)> = plan.replaced_heads().collect();
    replaced.sort_unstable();
    replaced.dedup();
    if !replaced.is_empty() {
        let (lineages, versions): (Vec<_>, Vec<_>) =
            replaced.iter().map(|(l, v)| (Some(*l), Some(*v))).unzip();
        let mut delete = BatchInsert::new(
            sql::delete_heads(),
            vec![ArrayColumn::Uuid(lineages), ArrayColumn::Uuid(versions)],
        );
        delete.counts_rows = false;
        inserts.push(delete);
    }
    // A new version that another version of the same plan forks is no head
    // (only a hand-built plan holds both).
    let (lineages, versions): (Vec<_>, Vec<_>) = plan
        .new_heads()
        .filter(|head| replaced.binary_search(head).is_err())
        .map(|(l, v)| (Some(l), Some(v)))
        .unzip();
    inserts.push(BatchInsert::new(
        sql::insert_heads(),
        vec![ArrayColumn::Uuid(lineages), ArrayColumn::Uuid(versions)],
    ));
    Ok(inserts)
}

fn prepare_batch(batch: &TableBatch) -> Result<BatchInsert> {
    let ty = batch.entity_type;
    let n = batch.rows.len();
    let mut arrays = vec![
        ArrayColumn::Uuid(batch.rows.iter().map(|r| Some(r.ecs_id)).collect()),
        ArrayColumn::Uuid(batch.rows.iter().map(|r| Some(r.lineage_id)).collect()),
        ArrayColumn::Uuid(batch.rows.iter().map(|r| r.parent_id).collect()),
        ArrayColumn::Timestamp(batch.rows.iter().map(|r| Some(r.created_at)).collect()),
    ];
    let mut fields: Vec<ArrayColumn> = ty
        .columns
        .iter()
        .map(|c| ArrayColumn::new(c.ty, n))
        .collect();
    for row in &batch.rows {
        let invalid = |detail: String| Error::InvalidInput {
            type_name: ty.name.to_string(),
            id: row.ecs_id,
            detail,
        };
        // Core checked the values against the columns (kinds, NULLs);
        // pushing can only fail on a value of another kind.
        for ((column, value), array) in ty.columns.iter().zip(&row.values).zip(&mut fields) {
            array
                .push(value)
                .map_err(|detail| invalid(format!("column {}: {detail}", column.name)))?;
        }
    }
    arrays.extend(fields);
    Ok(BatchInsert {
        sql: insert_unnest(ty.table, &insert_columns(ty), true),
        arrays,
        returns_ids: true,
        counts_rows: true,
    })
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
    let mut tx = pool.begin().await.map_err(db_error)?;
    let outcome = match check_branches(&mut tx, instrument, &prepared.checks).await {
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
    checks: &[BranchCheck],
) -> Result<u64> {
    let mut statement = 2;
    for check in checks {
        instrument.commit_statement(statement)?;
        sqlx::query(&check.lock)
            .bind(&check.parents)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        instrument.commit_statement(statement + 1)?;
        let children = sqlx::query(&check.children)
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
        let query = insert
            .arrays
            .into_iter()
            .fold(sqlx::query(&insert.sql), |query, array| array.bind(query));
        if insert.returns_ids {
            let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
            for row in &rows {
                let id: i64 = row.try_get(0).map_err(db_error)?;
                let ecs_id: Uuid = row.try_get(1).map_err(db_error)?;
                row_ids.insert(ecs_id, id);
            }
            instrument.rows_written(rows.len() as u64);
        } else {
            let done = query.execute(&mut *conn).await.map_err(db_error)?;
            if insert.counts_rows {
                // A chunk stored already is not inserted again, nor counted.
                instrument.rows_written(done.rows_affected());
            }
        }
    }
    Ok(row_ids)
}
