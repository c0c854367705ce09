//! Turning result rows back into Verso's metadata, values and links.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::borrow::Cow;
use uuid::Uuid;
use verso_core::{ColumnType, EntityType, Error, LinkRow, Result, RowMeta, StoredRow, Value};

/// Number of metadata columns before a type's own columns.
const META_WIDTH: usize = 5;

/// A decoding failure of `column` of version `id` of `type_name`.
fn decode_error(type_name: &str, id: Uuid, column: &str, error: sqlx::Error) -> Error {
    Error::Decode {
        type_name: type_name.to_string(),
        id,
        column: column.to_string(),
        detail: error.to_string(),
    }
}

/// The metadata columns (`id, ecs_id, lineage_id, parent_id, created_at`,
/// in that order) of a row of `type_name`'s table.
pub(crate) fn row_meta(row: &PgRow, type_name: &str) -> Result<RowMeta> {
    let ecs_id: Uuid = row
        .try_get(1)
        .map_err(|e| decode_error(type_name, Uuid::nil(), "ecs_id", e))?;
    let fail = |column: &'static str| move |e| decode_error(type_name, ecs_id, column, e);
    Ok(RowMeta {
        id: row.try_get(0).map_err(fail("id"))?,
        ecs_id,
        lineage_id: row.try_get(2).map_err(fail("lineage_id"))?,
        parent_id: row.try_get(3).map_err(fail("parent_id"))?,
        created_at: row.try_get(4).map_err(fail("created_at"))?,
    })
}

/// A whole version of `ty`: metadata, then its columns by their types.
pub(crate) fn stored_row(row: &PgRow, ty: &'static EntityType) -> Result<StoredRow> {
    let meta = row_meta(row, ty.name)?;
    let values = ty
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            value(row, META_WIDTH + i, column.ty)
                .map_err(|e| decode_error(ty.name, meta.ecs_id, column.name, e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(StoredRow {
        entity_type: ty,
        meta,
        values,
    })
}

/// Column `index` read as `ty`; SQL `NULL` is [`Value::Null`].
fn value(row: &PgRow, index: usize, ty: ColumnType) -> Result<Value, sqlx::Error> {
    fn get<T, F>(row: &PgRow, index: usize, wrap: F) -> Result<Value, sqlx::Error>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        F: FnOnce(T) -> Value,
    {
        Ok(row
            .try_get::<Option<T>, _>(index)?
            .map_or(Value::Null, wrap))
    }
    match ty {
        ColumnType::Bool => get(row, index, Value::Bool),
        ColumnType::Int => get(row, index, Value::Int),
        ColumnType::Float => get(row, index, Value::Float),
        ColumnType::Text => get(row, index, Value::Text),
        ColumnType::Uuid => get(row, index, Value::Uuid),
        ColumnType::Timestamp => get::<DateTime<Utc>, _>(row, index, Value::Timestamp),
        ColumnType::Json => get(row, index, Value::Json),
    }
}

/// A row of `verso_links` (`parent_ecs_id, field, position, child_ecs_id,
/// child_type`).
pub(crate) fn link_row(row: &PgRow) -> Result<LinkRow> {
    let parent: Uuid = row
        .try_get(0)
        .map_err(|e| decode_error("verso_links", Uuid::nil(), "parent_ecs_id", e))?;
    let fail = |column: &'static str| move |e| decode_error("verso_links", parent, column, e);
    Ok(LinkRow {
        parent,
        field: Cow::Owned(row.try_get(1).map_err(fail("field"))?),
        position: row.try_get(2).map_err(fail("position"))?,
        child: row.try_get(3).map_err(fail("child_ecs_id"))?,
        child_type: Cow::Owned(row.try_get(4).map_err(fail("child_type"))?),
    })
}
