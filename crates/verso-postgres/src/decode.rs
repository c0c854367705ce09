//! Turning result rows back into Verso's metadata, values, lists and
//! chunks.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::borrow::Cow;
use uuid::Uuid;
use verso_core::{
    ChunkRow, ColumnType, EntityType, Error, GainedChild, ListRow, Result, RowMeta, StoredRow,
    Value,
};
use verso_sql::storage::{CHANGES_TABLE, CHUNKS_TABLE, LISTS_TABLE};

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
///
/// Errors are [`Error::Decode`]s naming the type, the column and the
/// version (the row id when the version id itself cannot be read), and
/// [`RowMeta::check`]'s.
pub(crate) fn row_meta(row: &PgRow, type_name: &str) -> Result<RowMeta> {
    let id: i64 = row
        .try_get(0)
        .map_err(|e| decode_error(type_name, Uuid::nil(), "id", e))?;
    let ecs_id: Uuid = row.try_get(1).map_err(|e| Error::Decode {
        type_name: type_name.to_string(),
        id: Uuid::nil(),
        column: "ecs_id".into(),
        detail: format!("row {id}: {e}"),
    })?;
    let fail = |column: &'static str| move |e| decode_error(type_name, ecs_id, column, e);
    let meta = RowMeta {
        id,
        ecs_id,
        lineage_id: row.try_get(2).map_err(fail("lineage_id"))?,
        parent_id: row.try_get(3).map_err(fail("parent_id"))?,
        created_at: row.try_get(4).map_err(fail("created_at"))?,
    };
    meta.check(type_name)?;
    Ok(meta)
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
    let stored = StoredRow {
        entity_type: ty,
        meta,
        values,
    };
    stored.check()?;
    Ok(stored)
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

/// One row of the walk over the lists: a list or a chunk.
#[derive(Debug)]
pub(crate) enum Walked {
    /// A row of `verso_lists`.
    List(ListRow),
    /// A row of `verso_chunks`.
    Chunk(ChunkRow),
}

/// A row of the walk (`parent_ecs_id, field, chunk_id, height, entries,
/// child_type`): a chunk when `chunk_id` is set, a list otherwise. Errors
/// name the table and the row's id (the chunk's, or the list's parent).
pub(crate) fn walked(row: &PgRow) -> Result<Walked> {
    let chunk_id: Option<Uuid> = row
        .try_get(2)
        .map_err(|e| decode_error(CHUNKS_TABLE, Uuid::nil(), "chunk_id", e))?;
    if let Some(id) = chunk_id {
        let fail = |column: &'static str| move |e| decode_error(CHUNKS_TABLE, id, column, e);
        return Ok(Walked::Chunk(ChunkRow {
            id,
            height: row.try_get(3).map_err(fail("height"))?,
            entries: row.try_get(4).map_err(fail("entries"))?,
        }));
    }
    let parent: Uuid = row
        .try_get(0)
        .map_err(|e| decode_error(LISTS_TABLE, Uuid::nil(), "parent_ecs_id", e))?;
    let fail = |column: &'static str| move |e| decode_error(LISTS_TABLE, parent, column, e);
    Ok(Walked::List(ListRow {
        parent,
        field: Cow::Owned(row.try_get(1).map_err(fail("field"))?),
        child_type: Cow::Owned(row.try_get(5).map_err(fail("child_type"))?),
        height: row.try_get(3).map_err(fail("height"))?,
        entries: row.try_get(4).map_err(fail("entries"))?,
    }))
}

/// A row of the gained children (`parent_ecs_id, child_ecs_id` of
/// `verso_list_changes`).
pub(crate) fn gained_child(row: &PgRow) -> Result<GainedChild> {
    let parent: Uuid = row
        .try_get(0)
        .map_err(|e| decode_error(CHANGES_TABLE, Uuid::nil(), "parent_ecs_id", e))?;
    Ok(GainedChild {
        parent,
        child: row
            .try_get(1)
            .map_err(|e| decode_error(CHANGES_TABLE, parent, "child_ecs_id", e))?,
    })
}
