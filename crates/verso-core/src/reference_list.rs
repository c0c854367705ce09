//! Lists of references: `Vec<Ref<T>>` and `Vec<LineageRef<T>>` fields.
//!
//! A list of references is many-to-many by reference, not ownership: its
//! targets are not part of the holder's tree. It is stored in one JSON
//! column holding the ids as an array of strings, in order (SQLite: `TEXT`,
//! PostgreSQL: `JSONB` with a GIN index for `Store::referencing`), and is
//! loaded with its row: loading a holder reads no target. Reordering,
//! adding or removing an id is a change of the holder.

use crate::entity::Entity;
use crate::field::Field;
use crate::reference::{LineageRef, Ref};
use crate::schema::{RefKind, Reference, TypeRef};
use crate::value::{ColumnType, Value};
use uuid::Uuid;

/// The JSON array of `ids`, in order.
fn ids_value(ids: impl Iterator<Item = Uuid>) -> Value {
    Value::Json(serde_json::Value::Array(
        ids.map(|id| serde_json::Value::String(id.to_string()))
            .collect(),
    ))
}

/// The ids of a stored list of references, in order. `NULL` is the empty
/// list; anything but a JSON array of ids is refused, saying what it is.
pub fn reference_ids(value: &Value) -> Result<Vec<Uuid>, String> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Json(serde_json::Value::Array(items)) => items,
        Value::Json(other) => return Err(format!("expected a JSON array of ids, found {other}")),
        other => return Err(format!("expected json, found {}", other.kind())),
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .and_then(|text| Uuid::parse_str(text).ok())
                .ok_or_else(|| format!("expected an id in the list, found {item}"))
        })
        .collect()
}

impl<T: Entity> Field for Vec<Ref<T>> {
    const COLUMN: ColumnType = ColumnType::Json;
    const REFERENCES: Option<Reference> = Some(Reference::many(
        TypeRef::Static(T::entity_type),
        RefKind::Version,
    ));
    fn to_value(&self) -> Value {
        ids_value(self.iter().map(Ref::id))
    }
    fn from_value(value: Value) -> Result<Self, String> {
        reference_ids(&value).map(|ids| ids.into_iter().map(Ref::from_id).collect())
    }
}

impl<T: Entity> Field for Vec<LineageRef<T>> {
    const COLUMN: ColumnType = ColumnType::Json;
    const REFERENCES: Option<Reference> = Some(Reference::many(
        TypeRef::Static(T::entity_type),
        RefKind::Lineage,
    ));
    fn to_value(&self) -> Value {
        ids_value(self.iter().map(LineageRef::lineage_id))
    }
    fn from_value(value: Value) -> Result<Self, String> {
        reference_ids(&value).map(|ids| ids.into_iter().map(LineageRef::from_id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_a_json_array_of_ids_in_order() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let value = ids_value([b, a, b].into_iter());
        assert_eq!(reference_ids(&value).unwrap(), [b, a, b]);
        assert!(reference_ids(&Value::Null).unwrap().is_empty());
    }

    #[test]
    fn anything_but_an_array_of_ids_is_refused_saying_what_was_found() {
        let error = reference_ids(&Value::Json(serde_json::json!(["x"]))).unwrap_err();
        assert!(error.contains("\"x\""), "{error}");
        let error = reference_ids(&Value::Json(serde_json::json!({"a": 1}))).unwrap_err();
        assert!(error.contains("JSON array"), "{error}");
        assert!(reference_ids(&Value::Int(1)).unwrap_err().contains("int"));
    }
}
