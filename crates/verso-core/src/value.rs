//! Column values, the unit in which entities are compared and stored.

use chrono::{DateTime, Utc};
use std::fmt;
use uuid::Uuid;

/// The SQL type of a column. Every backend maps each to a real typed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `BOOLEAN` (SQLite: `INTEGER` 0/1).
    Bool,
    /// 64-bit signed integer.
    Int,
    /// 64-bit float.
    Float,
    /// UTF-8 text.
    Text,
    /// UUID (SQLite: hyphenated `TEXT`).
    Uuid,
    /// UTC timestamp with microsecond precision (SQLite: ISO 8601 `TEXT`).
    Timestamp,
    /// JSON document (Postgres: `JSONB`, SQLite: `TEXT`), compared by value.
    Json,
}

impl ColumnType {
    /// The name used for this type in catalogs and error messages.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Bool => "bool",
            ColumnType::Int => "int",
            ColumnType::Float => "float",
            ColumnType::Text => "text",
            ColumnType::Uuid => "uuid",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }

    /// The type called `name` (the inverse of [`name`](Self::name)), as
    /// read back from a catalog.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            ColumnType::Bool,
            ColumnType::Int,
            ColumnType::Float,
            ColumnType::Text,
            ColumnType::Uuid,
            ColumnType::Timestamp,
            ColumnType::Json,
        ]
        .into_iter()
        .find(|ty| ty.name() == name)
    }
}

/// One column value of an entity version.
///
/// Equality is by value: floats compare by their bits (so an unchanged `NaN`
/// is not a change) and JSON compares as a document, never as bytes.
#[derive(Debug, Clone)]
pub enum Value {
    /// SQL `NULL` (a `None`).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// A UUID.
    Uuid(Uuid),
    /// A UTC timestamp, microsecond precision.
    Timestamp(DateTime<Utc>),
    /// A JSON document.
    Json(serde_json::Value),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Text(a), Text(b)) => a == b,
            (Uuid(a), Uuid(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            (Json(a), Json(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Uuid(_) => "uuid",
            Value::Timestamp(_) => "timestamp",
            Value::Json(_) => "json",
        }
    }
}

/// A readable rendering for diffs and tools: text is quoted and escaped,
/// timestamps are RFC 3339 with microseconds, JSON is compact.
///
/// ```
/// use verso_core::Value;
/// assert_eq!(Value::Text("a \"b\"".into()).to_string(), r#""a \"b\"""#);
/// assert_eq!(Value::Null.to_string(), "null");
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Timestamp(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
            Value::Json(j) => write!(f, "{j}"),
        }
    }
}
