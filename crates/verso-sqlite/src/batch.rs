//! The writes of a commit ([`verso_sql::writes`]) as SQLite takes them:
//! `INSERT ... VALUES (?, ...), (?, ...)` with as many rows per statement as
//! SQLite's parameter limit allows (up to [`MAX_ROWS`]).
//!
//! Measured against one JSON text parameter read with `json_each` (the
//! earlier batch path), bound rows insert 2.5 to 4 times faster at 10 to
//! 10,000 rows (`docs/performance.md`): SQLite then parses no JSON.

use crate::encode::{timestamp_text, uuid_text};
use rusqlite::types::Value as SqlValue;
use uuid::Uuid;
use verso_core::{Result, Value};
use verso_sql::storage::quoted;
use verso_sql::writes::{Cell, Write, WriteAction};

/// SQLite's limit on the parameters of one statement.
const MAX_PARAMETERS: usize = 32_766;
/// At most this many rows per statement: longer statements parse slower
/// than they save.
pub(crate) const MAX_ROWS: usize = 500;

/// A [`Write`] as SQLite binds it: row-major parameters.
#[derive(Debug)]
pub(crate) struct Batch {
    table: &'static str,
    columns: Vec<&'static str>,
    action: WriteAction,
    values: Vec<SqlValue>,
}

impl Batch {
    /// The parameters of `write`; a value SQLite cannot store is an
    /// `InvalidInput` naming the version it belongs to.
    pub(crate) fn of(write: &Write<'_>) -> Result<Self> {
        let mut values = Vec::with_capacity(write.len() * write.columns.len());
        for row in write.rows() {
            for ((name, _), cell) in write.columns.iter().zip(row) {
                values.push(value(cell).map_err(|why| write.invalid(row, name, why))?);
            }
        }
        Ok(Batch {
            table: write.table,
            columns: write.columns.iter().map(|(name, _)| *name).collect(),
            action: write.action,
            values,
        })
    }

    /// What the batch does.
    pub(crate) fn action(&self) -> WriteAction {
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
            WriteAction::InsertReturningIds => {
                format!("INSERT INTO {table} ({columns}) VALUES {values} RETURNING id, ecs_id")
            }
            WriteAction::Insert => format!("INSERT INTO {table} ({columns}) VALUES {values}"),
            WriteAction::InsertNew => {
                format!("INSERT OR IGNORE INTO {table} ({columns}) VALUES {values}")
            }
            WriteAction::Delete => {
                format!("DELETE FROM {table} WHERE ({columns}) IN (VALUES {values})")
            }
        }
    }
}

/// A cell as SQLite stores it; `Err` says why SQLite cannot.
fn value(cell: &Cell<'_>) -> Result<SqlValue, &'static str> {
    Ok(match cell {
        Cell::Null => SqlValue::Null,
        Cell::Uuid(id) => SqlValue::Text(uuid_text(id)),
        Cell::Text(text) => SqlValue::Text((*text).to_owned()),
        Cell::Int(i) => SqlValue::Integer(*i),
        Cell::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Cell::Timestamp(t) => SqlValue::Text(timestamp_text(t)),
        Cell::Ids(ids) => SqlValue::Text(id_list(ids)),
        Cell::Value(value) => field_value(value)?,
    })
}

/// A field's value as SQLite stores it.
fn field_value(value: &Value) -> Result<SqlValue, &'static str> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Float(f) if f.is_nan() => {
            return Err("SQLite cannot store NaN (it would store NULL)")
        }
        Value::Float(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Uuid(u) => SqlValue::Text(uuid_text(u)),
        Value::Timestamp(t) => SqlValue::Text(timestamp_text(t)),
        // A JSON document is stored as its text.
        Value::Json(doc) => SqlValue::Text(doc.to_string()),
    })
}

/// A list of ids as SQLite stores it: the text of a JSON array of UUID
/// texts.
fn id_list(ids: &[Uuid]) -> String {
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
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use verso_sql::writes::list_writes;

    #[test]
    fn a_batch_is_cut_into_statements_within_the_limits() {
        let heads: Vec<(Uuid, Uuid)> = (0..1_201u128)
            .map(|i| (Uuid::from_u128(i), Uuid::from_u128(i)))
            .collect();
        let writes = list_writes(&[], &[], &[], Vec::new(), heads);
        let batch = Batch::of(&writes[4]).unwrap();
        let sizes: Vec<usize> = batch.statements().map(|(_, values)| values.len()).collect();
        assert_eq!(sizes, [1_000, 1_000, 402]);
        let (sql, _) = batch.statements().last().unwrap();
        assert!(sql.starts_with(
            "INSERT INTO \"verso_heads\" (\"lineage_id\", \"ecs_id\") VALUES (?, ?), (?, ?)"
        ));
    }

    #[test]
    fn deletes_match_whole_keys() {
        let writes = list_writes(&[], &[], &[], vec![(Uuid::nil(), Uuid::max())], Vec::new());
        let batch = Batch::of(&writes[3]).unwrap();
        let (sql, values) = batch.statements().next().unwrap();
        assert_eq!(
            sql,
            "DELETE FROM \"verso_heads\" WHERE (\"lineage_id\", \"ecs_id\") IN (VALUES (?, ?))"
        );
        assert_eq!(values.len(), 2);
    }

    #[test]
    fn nan_cannot_be_stored_but_infinities_can() {
        assert!(field_value(&Value::Float(f64::NAN)).is_err());
        assert_eq!(
            field_value(&Value::Float(f64::INFINITY)).unwrap(),
            SqlValue::Real(f64::INFINITY)
        );
    }
}
