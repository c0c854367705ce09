//! Rows written in batches of bound parameters: `INSERT ... VALUES (?, ...),
//! (?, ...)` with as many rows per statement as SQLite's parameter limit
//! allows (up to [`MAX_ROWS`]).
//!
//! Measured against one JSON text parameter read with `json_each` (the
//! earlier batch path), bound rows insert 2.5 to 4 times faster at 10 to
//! 10,000 rows (`docs/performance.md`): SQLite then parses no JSON.

use crate::encode::{timestamp_text, uuid_text};
use rusqlite::types::Value as SqlValue;
use uuid::Uuid;
use verso_core::{ChunkRow, ListChange, ListRow, Value};
use verso_sql::storage::{quoted, CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LISTS_TABLE};

/// SQLite's limit on the parameters of one statement.
const MAX_PARAMETERS: usize = 32_766;
/// At most this many rows per statement: longer statements parse slower
/// than they save.
pub(crate) const MAX_ROWS: usize = 500;

/// What a batch does with its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Inserts them, returning `id, ecs_id` of each (versions).
    InsertReturningIds,
    /// Inserts them.
    Insert,
    /// Inserts those not stored yet (shared chunks).
    InsertNew,
    /// Deletes the rows whose columns equal them (replaced heads).
    Delete,
}

/// Rows of one table, row-major, `columns.len()` values each.
#[derive(Debug)]
pub(crate) struct Batch {
    table: &'static str,
    columns: Vec<&'static str>,
    action: Action,
    values: Vec<SqlValue>,
}

impl Batch {
    /// An empty batch.
    pub(crate) fn new(table: &'static str, columns: Vec<&'static str>, action: Action) -> Self {
        Batch {
            table,
            columns,
            action,
            values: Vec::new(),
        }
    }

    /// Appends one row; `row` yields one value per column.
    pub(crate) fn push(&mut self, row: impl IntoIterator<Item = SqlValue>) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns.len());
    }

    /// Whether the batch has no rows.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// What the batch does.
    pub(crate) fn action(&self) -> Action {
        self.action
    }

    /// The statements that write the batch: each statement's text with
    /// the values it binds.
    pub(crate) fn statements(&self) -> impl Iterator<Item = (String, &[SqlValue])> {
        let width = self.columns.len();
        let rows = (MAX_PARAMETERS / width).clamp(1, MAX_ROWS);
        self.values
            .chunks(rows * width)
            .map(move |part| (self.sql(part.len() / width), part))
    }

    /// The statement writing `rows` rows.
    fn sql(&self, rows: usize) -> String {
        let row = format!("({})", vec!["?"; self.columns.len()].join(", "));
        let values = vec![row.as_str(); rows].join(", ");
        let columns = self
            .columns
            .iter()
            .map(|c| quoted(c))
            .collect::<Vec<_>>()
            .join(", ");
        let table = quoted(self.table);
        match self.action {
            Action::InsertReturningIds => {
                format!("INSERT INTO {table} ({columns}) VALUES {values} RETURNING id, ecs_id")
            }
            Action::Insert => format!("INSERT INTO {table} ({columns}) VALUES {values}"),
            Action::InsertNew => {
                format!("INSERT OR IGNORE INTO {table} ({columns}) VALUES {values}")
            }
            Action::Delete => {
                format!("DELETE FROM {table} WHERE ({columns}) IN (VALUES {values})")
            }
        }
    }
}

/// A UUID as SQLite stores it.
pub(crate) fn uuid(id: &Uuid) -> SqlValue {
    SqlValue::Text(uuid_text(id))
}

/// A list of ids as SQLite stores it: the text of a JSON array of UUID
/// texts.
pub(crate) fn id_list(ids: &[Uuid]) -> SqlValue {
    let mut text = String::with_capacity(2 + 39 * ids.len());
    text.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push('"');
        text.push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        text.push('"');
    }
    text.push(']');
    SqlValue::Text(text)
}

/// A column value as SQLite stores it; `Err` says why SQLite cannot.
pub(crate) fn value(value: &Value) -> Result<SqlValue, &'static str> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Float(f) if f.is_nan() => {
            return Err("SQLite cannot store NaN (it would store NULL)")
        }
        Value::Float(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Uuid(u) => uuid(u),
        Value::Timestamp(t) => SqlValue::Text(timestamp_text(t)),
        // A JSON document is stored as its text.
        Value::Json(doc) => SqlValue::Text(doc.to_string()),
    })
}

/// The list rows of `lists`.
pub(crate) fn lists<'a>(lists: impl IntoIterator<Item = &'a ListRow>) -> Batch {
    let columns = vec!["parent_ecs_id", "field", "child_type", "height", "entries"];
    let mut batch = Batch::new(LISTS_TABLE, columns, Action::Insert);
    for list in lists {
        batch.push([
            uuid(&list.parent),
            SqlValue::Text(list.field.to_string()),
            SqlValue::Text(list.child_type.to_string()),
            SqlValue::Integer(list.height),
            id_list(&list.entries),
        ]);
    }
    batch
}

/// The chunks of `chunks`, each inserted unless stored already.
pub(crate) fn chunks<'a>(chunks: impl IntoIterator<Item = &'a ChunkRow>) -> Batch {
    let columns = vec!["chunk_id", "height", "entries"];
    let mut batch = Batch::new(CHUNKS_TABLE, columns, Action::InsertNew);
    for chunk in chunks {
        batch.push([
            uuid(&chunk.id),
            SqlValue::Integer(chunk.height),
            id_list(&chunk.entries),
        ]);
    }
    batch
}

/// The list changes of `changes`.
pub(crate) fn changes<'a>(changes: impl IntoIterator<Item = &'a ListChange>) -> Batch {
    let columns = vec![
        "child_ecs_id",
        "parent_ecs_id",
        "field",
        "position",
        "added",
    ];
    let mut batch = Batch::new(CHANGES_TABLE, columns, Action::Insert);
    for change in changes {
        batch.push([
            uuid(&change.child),
            uuid(&change.parent),
            SqlValue::Text(change.field.to_string()),
            SqlValue::Integer(change.position),
            SqlValue::Integer(i64::from(change.added)),
        ]);
    }
    batch
}

/// Heads `(lineage_id, ecs_id)` to insert, or to delete with
/// [`Action::Delete`].
pub(crate) fn heads(heads: impl IntoIterator<Item = (Uuid, Uuid)>, action: Action) -> Batch {
    let mut batch = Batch::new(HEADS_TABLE, vec!["lineage_id", "ecs_id"], action);
    for (lineage, ecs_id) in heads {
        batch.push([uuid(&lineage), uuid(&ecs_id)]);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_into_statements_within_the_parameter_limit() {
        let mut batch = Batch::new("t", vec!["a", "b"], Action::Insert);
        for i in 0..1_201 {
            batch.push([SqlValue::Integer(i), SqlValue::Null]);
        }
        let statements: Vec<(String, usize)> = batch
            .statements()
            .map(|(sql, values)| (sql, values.len()))
            .collect();
        let sizes: Vec<usize> = statements.iter().map(|(_, n)| *n).collect();
        assert_eq!(sizes, [1_000, 1_000, 402]);
        assert!(statements[2]
            .0
            .starts_with("INSERT INTO \"t\" (\"a\", \"b\") VALUES (?, ?), (?, ?)"));
    }

    #[test]
    fn deletes_match_whole_keys() {
        let batch = heads([(Uuid::nil(), Uuid::max())], Action::Delete);
        let (sql, values) = batch.statements().next().unwrap();
        assert_eq!(
            sql,
            "DELETE FROM \"verso_heads\" WHERE (\"lineage_id\", \"ecs_id\") IN (VALUES (?, ?))"
        );
        assert_eq!(values.len(), 2);
    }

    #[test]
    fn nan_cannot_be_stored_but_infinities_can() {
        assert!(value(&Value::Float(f64::NAN)).is_err());
        assert_eq!(
            value(&Value::Float(f64::INFINITY)).unwrap(),
            SqlValue::Real(f64::INFINITY)
        );
    }
}
