//! Loading trees and version metadata.

use crate::census::has_catalog;
use crate::decode::{parse_uuid, row_meta, stored_row};
use crate::encode::uuid_text;
use crate::error::db_error;
use crate::sql;
use rusqlite::{Connection, OptionalExtension};
use std::borrow::Cow;
use std::collections::BTreeMap;
use uuid::Uuid;
use verso_core::{
    EntityType, Error, Instrument, LinkRow, LoadRequest, LoadedRows, Result, RowMeta,
    VersionFilter, VersionQuery,
};

fn id_array(ids: impl IntoIterator<Item = Uuid>) -> String {
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
    let mut children_by_type: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let link = link_row(row)?;
        if !loaded.rows.contains_key(&link.child) {
            children_by_type
                .entry(link.child_type.to_string())
                .or_default()
                .push(link.child);
        }
        loaded.links.push(link);
    }
    for (type_name, ids) in children_by_type {
        let ty = request
            .types
            .iter()
            .find(|t| t.name == type_name)
            .ok_or_else(|| Error::SchemaMismatch {
                table: "verso_links".into(),
                column: "child_type".into(),
                detail: format!(
                    "a link points to type {type_name}, which {} cannot contain",
                    request.root_type.name
                ),
            })?;
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
    let mut statement = conn
        .prepare_cached(&sql::select_by_ids(ty))
        .map_err(db_error)?;
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
            column: sql::LINK_COLUMN_NAMES[index].into(),
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
    let mut statement = conn
        .prepare_cached(&sql::select_versions(ty, query))
        .map_err(db_error)?;
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
    let tables = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(db_error)?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()
        .map_err(db_error)?;
    if tables.is_empty() {
        return Ok(None);
    }
    instrument.query();
    conn.query_row(&sql::find_type(&tables, column), [uuid_text(&id)], |row| {
        row.get(0)
    })
    .optional()
    .map_err(db_error)
}
