//! Loading trees and version metadata.

use crate::census::has_catalog;
use crate::decode::{parse_uuid, row_meta, stored_row};
use crate::dialect::Sqlite;
use crate::encode::uuid_text;
use crate::error::db_error;
use crate::sql;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use sea_query::SqliteQueryBuilder;
use std::borrow::Cow;
use uuid::Uuid;
use verso_core::{
    EntityType, Error, Instrument, LinkRow, LoadRequest, LoadedRows, Result, RowMeta,
    VersionFilter, VersionQuery,
};
use verso_sql::LINK_COLUMNS;

pub(crate) fn id_array(ids: impl IntoIterator<Item = Uuid>) -> String {
    serde_json::Value::Array(
        ids.into_iter()
            .map(|id| serde_json::Value::String(uuid_text(&id)))
            .collect(),
    )
    .to_string()
}

/// Loads the roots, every link below them, then the children, one query per
/// child type.
pub(crate) fn load(
    conn: &Connection,
    instrument: &Instrument,
    request: &LoadRequest,
) -> Result<LoadedRows> {
    let mut loaded = LoadedRows::default();
    let roots = id_array(request.roots.iter().copied());
    select_rows(conn, instrument, request.root_type, &roots, &mut loaded)?;
    if loaded.rows.is_empty() {
        return Ok(loaded);
    }
    instrument.query();
    let mut statement = conn.prepare_cached(sql::LINK_CLOSURE).map_err(db_error)?;
    let parent_types = serde_json::to_string(&request.parent_types())
        .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e.to_string()))?;
    let mut rows = statement.query([roots, parent_types]).map_err(db_error)?;
    while let Some(row) = rows.next().map_err(db_error)? {
        loaded.links.push(link_row(row)?);
    }
    for (ty, ids) in request.missing_children(&loaded)? {
        select_rows(conn, instrument, ty, &id_array(ids), &mut loaded)?;
    }
    Ok(loaded)
}

fn select_rows(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    ids: &str,
    loaded: &mut LoadedRows,
) -> Result<()> {
    instrument.query();
    let sql = verso_sql::select_by_ids(ty, &Sqlite).to_string(SqliteQueryBuilder);
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let mut rows = statement.query([ids]).map_err(db_error)?;
    while let Some(row) = rows.next().map_err(db_error)? {
        let stored = stored_row(row, ty)?;
        loaded.rows.insert(stored.meta.ecs_id, stored);
    }
    Ok(())
}

fn link_row(row: &rusqlite::Row<'_>) -> Result<LinkRow> {
    let text = |index: usize| -> Result<String> { row.get(index).map_err(db_error) };
    let uuid = |index: usize| -> Result<Uuid> {
        parse_uuid(&text(index)?).map_err(|detail| Error::Decode {
            type_name: "verso_links".into(),
            id: Uuid::nil(),
            column: LINK_COLUMNS[index].name.into(),
            detail,
        })
    };
    Ok(LinkRow {
        parent: uuid(0)?,
        field: Cow::Owned(text(1)?),
        position: row.get(2).map_err(db_error)?,
        child: uuid(3)?,
        child_type: Cow::Owned(text(4)?),
    })
}

/// The versions of `ty` a query selects, oldest first.
pub(crate) fn select_versions(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &VersionQuery,
) -> Result<Vec<RowMeta>> {
    instrument.query();
    let sql = verso_sql::select_versions(ty, query, &Sqlite).to_string(SqliteQueryBuilder);
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let mut rows = match &query.filter {
        VersionFilter::All => statement.query([]),
        VersionFilter::In { ids, .. } => statement.query([id_array(ids.iter().copied())]),
    }
    .map_err(db_error)?;
    let mut metas = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        metas.push(row_meta(row, ty.name)?);
    }
    Ok(metas)
}

/// The type of the version (`column` = `ecs_id`) or lineage (`column` =
/// `lineage_id`) `id`, across every table in the catalog.
pub(crate) fn find_type(
    conn: &Connection,
    instrument: &Instrument,
    column: &str,
    id: Uuid,
) -> Result<Option<String>> {
    if !has_catalog(conn, instrument)? {
        return Ok(None);
    }
    instrument.query();
    let mut statement = conn
        .prepare("SELECT type_name, table_name FROM verso_catalog ORDER BY type_name")
        .map_err(db_error)?;
    let catalog = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(db_error)?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()
        .map_err(db_error)?;
    if catalog.is_empty() {
        return Ok(None);
    }
    let tables: Vec<&str> = catalog.iter().map(|(_, table)| table.as_str()).collect();
    let union = verso_sql::find_type(&tables, column, &Sqlite).to_string(SqliteQueryBuilder);
    // `?1` the id, then one type name per table.
    let params = std::iter::once(uuid_text(&id)).chain(catalog.into_iter().map(|(name, _)| name));
    instrument.query();
    conn.query_row(&union, params_from_iter(params), |row| row.get(0))
        .optional()
        .map_err(db_error)
}
