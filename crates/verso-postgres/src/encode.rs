//! Column values gathered into typed arrays, one per column, for `UNNEST`
//! inserts, and id lists written as `uuid[]` literals.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::Postgres;
use uuid::Uuid;
use verso_core::{ColumnType, Value};
use verso_sql::writes::Cell;

/// The values of one column of a batch, as the array bound for it.
#[derive(Debug, Clone)]
pub(crate) enum ArrayColumn {
    /// `bool[]`.
    Bool(Vec<Option<bool>>),
    /// `int8[]`.
    Int(Vec<Option<i64>>),
    /// `float8[]`.
    Float(Vec<Option<f64>>),
    /// `text[]`.
    Text(Vec<Option<String>>),
    /// `uuid[]`.
    Uuid(Vec<Option<Uuid>>),
    /// `timestamptz[]`.
    Timestamp(Vec<Option<DateTime<Utc>>>),
    /// `jsonb[]`.
    Json(Vec<Option<serde_json::Value>>),
}

impl ArrayColumn {
    /// An empty array for a column of type `ty`.
    pub(crate) fn new(ty: ColumnType, capacity: usize) -> Self {
        match ty {
            ColumnType::Bool => ArrayColumn::Bool(Vec::with_capacity(capacity)),
            ColumnType::Int => ArrayColumn::Int(Vec::with_capacity(capacity)),
            ColumnType::Float => ArrayColumn::Float(Vec::with_capacity(capacity)),
            ColumnType::Text => ArrayColumn::Text(Vec::with_capacity(capacity)),
            ColumnType::Uuid => ArrayColumn::Uuid(Vec::with_capacity(capacity)),
            ColumnType::Timestamp => ArrayColumn::Timestamp(Vec::with_capacity(capacity)),
            ColumnType::Json => ArrayColumn::Json(Vec::with_capacity(capacity)),
        }
    }

    /// Appends `value`; `Null` becomes a `NULL` element. Fails, naming the
    /// value's kind, when the value does not fit the column.
    pub(crate) fn push(&mut self, value: &Value) -> Result<(), String> {
        match (self, value) {
            (ArrayColumn::Bool(v), Value::Null) => v.push(None),
            (ArrayColumn::Int(v), Value::Null) => v.push(None),
            (ArrayColumn::Float(v), Value::Null) => v.push(None),
            (ArrayColumn::Text(v), Value::Null) => v.push(None),
            (ArrayColumn::Uuid(v), Value::Null) => v.push(None),
            (ArrayColumn::Timestamp(v), Value::Null) => v.push(None),
            (ArrayColumn::Json(v), Value::Null) => v.push(None),
            (ArrayColumn::Bool(v), Value::Bool(x)) => v.push(Some(*x)),
            (ArrayColumn::Int(v), Value::Int(x)) => v.push(Some(*x)),
            (ArrayColumn::Float(v), Value::Float(x)) => v.push(Some(*x)),
            (ArrayColumn::Text(v), Value::Text(x)) => v.push(Some(x.clone())),
            (ArrayColumn::Uuid(v), Value::Uuid(x)) => v.push(Some(*x)),
            (ArrayColumn::Timestamp(v), Value::Timestamp(x)) => v.push(Some(*x)),
            (ArrayColumn::Json(v), Value::Json(x)) => v.push(Some(x.clone())),
            (column, value) => {
                return Err(format!(
                    "got a {} value for a column of type {}",
                    value.kind(),
                    column.type_name()
                ))
            }
        }
        Ok(())
    }

    /// Appends one cell of a write; an id list is appended as the text of
    /// its `uuid[]` literal (the statement casts it).
    pub(crate) fn push_cell(&mut self, cell: &Cell<'_>) -> Result<(), String> {
        match (self, cell) {
            (column, Cell::Value(value)) => return column.push(value),
            (column, Cell::Null) => return column.push(&Value::Null),
            (ArrayColumn::Uuid(v), Cell::Uuid(id)) => v.push(Some(*id)),
            (ArrayColumn::Text(v), Cell::Text(text)) => v.push(Some((*text).to_owned())),
            (ArrayColumn::Text(v), Cell::Ids(ids)) => v.push(Some(id_array_literal(ids))),
            (ArrayColumn::Int(v), Cell::Int(i)) => v.push(Some(*i)),
            (ArrayColumn::Bool(v), Cell::Bool(b)) => v.push(Some(*b)),
            (ArrayColumn::Timestamp(v), Cell::Timestamp(t)) => v.push(Some(*t)),
            (column, cell) => {
                return Err(format!(
                    "got {cell:?} for a column of type {}",
                    column.type_name()
                ))
            }
        }
        Ok(())
    }

    fn type_name(&self) -> &'static str {
        match self {
            ArrayColumn::Bool(_) => ColumnType::Bool.name(),
            ArrayColumn::Int(_) => ColumnType::Int.name(),
            ArrayColumn::Float(_) => ColumnType::Float.name(),
            ArrayColumn::Text(_) => ColumnType::Text.name(),
            ArrayColumn::Uuid(_) => ColumnType::Uuid.name(),
            ArrayColumn::Timestamp(_) => ColumnType::Timestamp.name(),
            ArrayColumn::Json(_) => ColumnType::Json.name(),
        }
    }

    /// Binds the array as the next parameter of `query`.
    pub(crate) fn bind<'q>(
        self,
        query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments> {
        match self {
            ArrayColumn::Bool(v) => query.bind(v),
            ArrayColumn::Int(v) => query.bind(v),
            ArrayColumn::Float(v) => query.bind(v),
            ArrayColumn::Text(v) => query.bind(v),
            ArrayColumn::Uuid(v) => query.bind(v),
            ArrayColumn::Timestamp(v) => query.bind(v),
            ArrayColumn::Json(v) => query.bind(v),
        }
    }
}

/// The text of a `uuid[]` literal holding `ids` in order (`{id,id}`): how
/// one list of a batch travels in a `text[]` parameter, since a batch of
/// lists of different lengths is no (rectangular) array of arrays.
pub(crate) fn id_array_literal(ids: &[Uuid]) -> String {
    // 36 characters and a comma per id, and the braces.
    let mut text = String::with_capacity(ids.len() * 37 + 2);
    text.push('{');
    let mut buffer = Uuid::encode_buffer();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(id.hyphenated().encode_lower(&mut buffer));
    }
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_are_array_literals() {
        assert_eq!(id_array_literal(&[]), "{}");
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(0xabc);
        assert_eq!(
            id_array_literal(&[a, b]),
            "{00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000abc}"
        );
    }

    #[test]
    fn values_must_fit_the_column() {
        let mut column = ArrayColumn::new(ColumnType::Int, 2);
        column.push(&Value::Int(3)).unwrap();
        column.push(&Value::Null).unwrap();
        let error = column.push(&Value::Text("x".into())).unwrap_err();
        assert_eq!(error, "got a text value for a column of type int");
        match column {
            ArrayColumn::Int(values) => assert_eq!(values, vec![Some(3), None]),
            other => panic!("{other:?}"),
        }
    }
}
