//! Mapping of scalar Rust field types to column values.

use crate::value::{ColumnType, Value};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

/// A Rust type stored in one typed column.
///
/// Implemented for `String`, `bool`, integers up to 64 bits (`u64` up to
/// `i64::MAX`, see below), floats, [`Uuid`], [`DateTime<Utc>`],
/// [`Ref<T>`](crate::Ref), [`LineageRef<T>`](crate::LineageRef), `Option`
/// of each, and `Vec<Ref<T>>` / `Vec<LineageRef<T>>` (one JSON column
/// holding the ids in order).
///
/// Every integer is stored in a signed 64-bit column. `u8`, `u16` and
/// `u32` fit whole; a `u64` above `i64::MAX` is refused at commit with an
/// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the type, id
/// and field. A stored value out of range of the field's type (a negative
/// number read into a `u64`, 300 into a `u8`) is a decode error naming
/// the column.
/// Fields of other serde types are stored as JSON with `#[verso(json)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "no column type for this field",
    note = "columns hold String, bool, integers, floats, Uuid, DateTime<Utc>, Ref, LineageRef, Option of those, Vec<Ref<T>>, Vec<LineageRef<T>>, and enums with `#[derive(verso::Field)]`; store other serde types with `#[verso(json)]`, and owned entities with `#[verso(child)]`"
)]
pub trait Field: Sized {
    /// Column type.
    const COLUMN: ColumnType;
    /// Whether `NULL` is a valid value (true for `Option`).
    const NULLABLE: bool = false;
    /// For references: the referenced entity type, and how it is referenced.
    const REFERENCES: Option<crate::Reference> = None;
    /// The column value of this field.
    fn to_value(&self) -> Value;
    /// The column value a commit stores, or why this value cannot be
    /// stored (a `u64` above `i64::MAX`). Defaults to
    /// [`to_value`](Self::to_value).
    fn try_to_value(&self) -> Result<Value, String> {
        Ok(self.to_value())
    }
    /// Whether [`to_value`](Self::to_value) would be `value`: what change
    /// detection asks of every field of every entity in a commit, so types
    /// whose value allocates (text) answer without building it.
    fn equals_value(&self, value: &Value) -> bool {
        self.to_value() == *value
    }
    /// Reads the field back; the error says what was found instead.
    fn from_value(value: Value) -> Result<Self, String>;
}

fn unexpected(expected: &str, found: &Value) -> String {
    format!("expected {expected}, found {}", found.kind())
}

impl Field for String {
    const COLUMN: ColumnType = ColumnType::Text;
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn equals_value(&self, value: &Value) -> bool {
        matches!(value, Value::Text(text) if text == self)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(unexpected("text", &other)),
        }
    }
}

impl Field for bool {
    const COLUMN: ColumnType = ColumnType::Bool;
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            other => Err(unexpected("bool", &other)),
        }
    }
}

macro_rules! integer_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            const COLUMN: ColumnType = ColumnType::Int;
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
            fn from_value(value: Value) -> Result<Self, String> {
                match value {
                    Value::Int(i) => <$t>::try_from(i)
                        .map_err(|_| format!("{i} does not fit in {}", stringify!($t))),
                    other => Err(unexpected("int", &other)),
                }
            }
        }
    )*};
}
integer_field!(i8, i16, i32, i64, u8, u16, u32);

/// Stored as a signed 64-bit integer: values up to `i64::MAX` round-trip,
/// larger ones are refused at commit ([`try_to_value`](Field::try_to_value)).
/// [`to_value`](Field::to_value), which cannot fail, saturates them at
/// `i64::MAX`; [`equals_value`](Field::equals_value) compares exactly.
impl Field for u64 {
    const COLUMN: ColumnType = ColumnType::Int;
    fn to_value(&self) -> Value {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
    fn try_to_value(&self) -> Result<Value, String> {
        i64::try_from(*self).map(Value::Int).map_err(|_| {
            format!(
                "holds {self}, above {}, the largest integer Verso stores",
                i64::MAX
            )
        })
    }
    fn equals_value(&self, value: &Value) -> bool {
        matches!(value, Value::Int(i) if u64::try_from(*i) == Ok(*self))
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => u64::try_from(i).map_err(|_| format!("{i} does not fit in u64")),
            other => Err(unexpected("int", &other)),
        }
    }
}

/// `-0.0` is stored as `0.0`: SQLite keeps no sign on zero, and every
/// backend must read back the same value.
impl Field for f64 {
    const COLUMN: ColumnType = ColumnType::Float;
    fn to_value(&self) -> Value {
        Value::Float(if *self == 0.0 { 0.0 } else { *self })
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(unexpected("float", &other)),
        }
    }
}

impl Field for f32 {
    const COLUMN: ColumnType = ColumnType::Float;
    fn to_value(&self) -> Value {
        f64::from(*self).to_value()
    }
    fn from_value(value: Value) -> Result<Self, String> {
        f64::from_value(value).map(|f| f as f32)
    }
}

impl Field for Uuid {
    const COLUMN: ColumnType = ColumnType::Uuid;
    fn to_value(&self) -> Value {
        Value::Uuid(*self)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Uuid(u) => Ok(u),
            other => Err(unexpected("uuid", &other)),
        }
    }
}

/// Timestamps are stored with microsecond precision; finer digits are
/// dropped on the way in, so comparisons match what is stored.
impl Field for DateTime<Utc> {
    const COLUMN: ColumnType = ColumnType::Timestamp;
    fn to_value(&self) -> Value {
        Value::Timestamp(self.trunc_subsecs(6))
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Timestamp(t) => Ok(t),
            other => Err(unexpected("timestamp", &other)),
        }
    }
}

impl<T: Field> Field for Option<T> {
    const COLUMN: ColumnType = T::COLUMN;
    const NULLABLE: bool = true;
    const REFERENCES: Option<crate::Reference> = T::REFERENCES;
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
    fn try_to_value(&self) -> Result<Value, String> {
        match self {
            Some(v) => v.try_to_value(),
            None => Ok(Value::Null),
        }
    }
    fn equals_value(&self, value: &Value) -> bool {
        match self {
            Some(v) => v.equals_value(value),
            None => matches!(value, Value::Null),
        }
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// The column value of the field `field_name` of `meta`'s entity of type
/// `ty`, as a commit stores it; a value the column cannot hold is an
/// [`Error::InvalidInput`](crate::Error::InvalidInput) naming type, id and
/// field.
pub fn column_value<T: Field>(
    field: &T,
    ty: &crate::EntityType,
    meta: &crate::Meta,
    field_name: &str,
) -> crate::Result<Value> {
    field
        .try_to_value()
        .map_err(|detail| crate::Error::InvalidInput {
            type_name: ty.name.to_string(),
            id: meta.ecs_id(),
            detail: format!("field {field_name} {detail}"),
        })
}

/// The column value of the `#[verso(json)]` field `field_name` of `meta`'s
/// entity of type `ty`; a value serde cannot serialize is an
/// [`Error::InvalidInput`](crate::Error::InvalidInput) naming type, id and field.
///
/// serde_json writes a non-finite float as `null`; a document holding a
/// `null` is therefore read back once here, so a value that could never be
/// loaded again is refused now rather than stored.
pub fn json_to_value<T: Serialize + DeserializeOwned>(
    field: &T,
    ty: &crate::EntityType,
    meta: &crate::Meta,
    field_name: &str,
) -> crate::Result<Value> {
    let invalid = |detail: String| crate::Error::InvalidInput {
        type_name: ty.name.to_string(),
        id: meta.ecs_id(),
        detail: format!("field {field_name} cannot be stored as JSON: {detail}"),
    };
    let doc = serde_json::to_value(field).map_err(|e| invalid(e.to_string()))?;
    if has_null(&doc) {
        serde_json::from_value::<T>(doc.clone()).map_err(|e| {
            invalid(format!(
                "it would not read back ({e}); is a float NaN or infinite?"
            ))
        })?;
    }
    Ok(Value::Json(doc))
}

fn has_null(doc: &serde_json::Value) -> bool {
    match doc {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.iter().any(has_null),
        serde_json::Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

/// Reads a `#[verso(json)]` field back.
pub fn json_from_value<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    match value {
        Value::Json(json) => serde_json::from_value(json).map_err(|e| e.to_string()),
        Value::Null => serde_json::from_value(serde_json::Value::Null).map_err(|e| e.to_string()),
        other => Err(unexpected("json", &other)),
    }
}
