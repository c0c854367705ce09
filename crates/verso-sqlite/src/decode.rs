//! Reading SQLite values back into Verso values.

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::Row;
use uuid::Uuid;
use verso_core::{ColumnType, EntityType, Error, Result, RowMeta, StoredRow, Value};

/// Column value `index` of `row`, read as `ty`; `Err` holds the reason.
pub(crate) fn value(row: &Row<'_>, index: usize, ty: ColumnType) -> Result<Value, String> {
    let raw = row.get_ref(index).map_err(|e| e.to_string())?;
    // Borrowed: only a text column keeps its own copy.
    fn text(raw: ValueRef<'_>) -> Result<&str, String> {
        raw.as_str()
            .map_err(|_| format!("expected text, found {:?}", raw.data_type()))
    }
    Ok(match (ty, raw) {
        (_, ValueRef::Null) => Value::Null,
        (ColumnType::Bool, ValueRef::Integer(i)) => Value::Bool(i != 0),
        (ColumnType::Int, ValueRef::Integer(i)) => Value::Int(i),
        (ColumnType::Float, ValueRef::Real(f)) => Value::Float(f),
        (ColumnType::Float, ValueRef::Integer(i)) => Value::Float(i as f64),
        (ColumnType::Text, raw) => Value::Text(text(raw)?.to_owned()),
        (ColumnType::Uuid, raw) => Value::Uuid(parse_uuid(text(raw)?)?),
        (ColumnType::Timestamp, raw) => Value::Timestamp(parse_timestamp(text(raw)?)?),
        (ColumnType::Json, raw) => {
            Value::Json(serde_json::from_str(text(raw)?).map_err(|e| e.to_string())?)
        }
        (ty, raw) => {
            return Err(format!(
                "expected {}, found SQLite {:?}",
                ty.name(),
                raw.data_type()
            ))
        }
    })
}

pub(crate) fn parse_uuid(text: &str) -> Result<Uuid, String> {
    Uuid::parse_str(text).map_err(|e| format!("{text:?} is not a UUID: {e}"))
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{text:?} is not a timestamp: {e}"))
}

/// The metadata columns at the start of `row`.
///
/// Errors are [`Error::Decode`]s naming the type, the column and the
/// version (or, when the version id itself is unreadable, the row id): text
/// that is no UUID or timestamp, and `NULL` in `ecs_id`, `lineage_id` or
/// `created_at`, which Verso never writes (a tampered database).
pub(crate) fn row_meta(row: &Row<'_>, type_name: &str) -> Result<RowMeta> {
    let fail = |column: &str, detail: String, id: Uuid| Error::Decode {
        type_name: type_name.to_string(),
        id,
        column: column.to_string(),
        detail,
    };
    let id: i64 = row
        .get(0)
        .map_err(|e| fail("id", e.to_string(), Uuid::nil()))?;
    let uuid_at = |index: usize, column: &str, ecs_id: Uuid| -> Result<Option<Uuid>> {
        match value(row, index, ColumnType::Uuid) {
            Ok(Value::Uuid(u)) => Ok(Some(u)),
            Ok(_) => Ok(None),
            Err(detail) => Err(fail(column, format!("row {id}: {detail}"), ecs_id)),
        }
    };
    let required = |found: Option<Uuid>, column: &str, ecs_id: Uuid| {
        found.ok_or_else(|| {
            fail(
                column,
                format!("row {id}: NULL in a required column"),
                ecs_id,
            )
        })
    };
    let ecs_id = required(uuid_at(1, "ecs_id", Uuid::nil())?, "ecs_id", Uuid::nil())?;
    let lineage_id = required(uuid_at(2, "lineage_id", ecs_id)?, "lineage_id", ecs_id)?;
    let parent_id = uuid_at(3, "parent_id", ecs_id)?;
    let created_at = match value(row, 4, ColumnType::Timestamp) {
        Ok(Value::Timestamp(t)) => t,
        Ok(other) => {
            return Err(fail(
                "created_at",
                format!("row {id}: found {}", other.kind()),
                ecs_id,
            ))
        }
        Err(detail) => return Err(fail("created_at", format!("row {id}: {detail}"), ecs_id)),
    };
    let meta = RowMeta {
        id,
        ecs_id,
        lineage_id,
        parent_id,
        created_at,
    };
    meta.check(type_name)?;
    Ok(meta)
}

/// A whole entity row (metadata then the type's columns).
pub(crate) fn stored_row(row: &Row<'_>, ty: &'static EntityType) -> Result<StoredRow> {
    let meta = row_meta(row, ty.name)?;
    let mut values = Vec::with_capacity(ty.columns.len());
    for (offset, column) in ty.columns.iter().enumerate() {
        let v = value(row, 5 + offset, column.ty).map_err(|detail| Error::Decode {
            type_name: ty.name.to_string(),
            id: meta.ecs_id,
            column: column.name.to_string(),
            detail,
        })?;
        values.push(v);
    }
    let stored = StoredRow {
        entity_type: ty,
        meta,
        values,
    };
    stored.check()?;
    Ok(stored)
}
