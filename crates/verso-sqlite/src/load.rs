//! Loading trees and version metadata.

use crate::census::has_catalog;
use crate::decode::{parse_uuid, row_meta, stored_row};
use crate::dialect::Sqlite;
use crate::encode::{timestamp_text, uuid_text};
use crate::error::db_error;
use crate::sql;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use sea_query::SqliteQueryBuilder;
use std::borrow::Cow;
use uuid::Uuid;
use verso_core::{
    ChunkRow, EntityType, Error, GainedChild, Instrument, ListRow, LoadRequest, LoadRun, LoadStep,
    LoadedRows, Lookup, Result, RowMeta, VersionFilter, VersionQuery,
};
use verso_sql::storage::{LookupParam, WalkShape, CHANGES_TABLE, CHUNKS_TABLE, LISTS_TABLE};

/// The ids as the text of a JSON array of UUID texts, written directly
/// (a load binds thousands of them).
pub(crate) fn id_array(ids: impl IntoIterator<Item = Uuid>) -> String {
    let ids = ids.into_iter();
    let mut text = String::with_capacity(2 + 39 * ids.size_hint().0);
    text.push('[');
    for (i, id) in ids.enumerate() {
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

/// Loads the roots of `request` and everything below them.
pub(crate) fn load(
    conn: &Connection,
    instrument: &Instrument,
    request: &LoadRequest,
) -> Result<LoadedRows> {
    run(conn, instrument, LoadRun::new(request))
}

/// Runs the steps of a load ([`LoadRun`]): the roots, one walk over the
/// lists below them, one select per child type.
pub(crate) fn run(
    conn: &Connection,
    instrument: &Instrument,
    mut run: LoadRun<'_>,
) -> Result<LoadedRows> {
    while let Some(step) = run.next_step()? {
        match step {
            LoadStep::Query { ty, query } => {
                crate::query::select_into(conn, instrument, ty, &query, &mut run)?
            }
            LoadStep::Versions { ty, ids } => {
                select_versions_by_id(conn, instrument, ty, &ids, run.rows())?
            }
            LoadStep::Walk {
                roots,
                nested,
                parent_types,
            } => walk_lists(conn, instrument, &roots, nested, &parent_types, run.rows())?,
        }
    }
    Ok(run.finish())
}

/// Adds the versions of `ty` among `ids` to `loaded`: one id travels as
/// itself, several as a JSON array.
fn select_versions_by_id(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    ids: &[Uuid],
    loaded: &mut LoadedRows,
) -> Result<()> {
    let (select, param) = match ids {
        [id] => (
            verso_sql::rendered(("sqlite", "select_by_id"), ty, || {
                verso_sql::select_by_id(ty, &Sqlite).to_string(SqliteQueryBuilder)
            }),
            uuid_text(id),
        ),
        ids => (select_by_ids(ty), id_array(ids.iter().copied())),
    };
    select_rows(conn, instrument, ty, &select, &param, loaded)
}

fn select_by_ids(ty: &'static EntityType) -> std::sync::Arc<String> {
    verso_sql::rendered(("sqlite", "select_by_ids"), ty, || {
        verso_sql::select_by_ids(ty, &Sqlite).to_string(SqliteQueryBuilder)
    })
}

/// Runs `sql`, a select of whole versions of `ty` bound to `ids`.
fn select_rows(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    sql: &str,
    ids: &str,
    loaded: &mut LoadedRows,
) -> Result<()> {
    instrument.query();
    let mut statement = conn.prepare_cached(sql).map_err(db_error)?;
    let mut rows = statement.query([ids]).map_err(db_error)?;
    while let Some(row) = rows.next().map_err(db_error)? {
        let stored = stored_row(row, ty)?;
        loaded.rows.insert(stored.meta.ecs_id, stored);
    }
    Ok(())
}

/// Reads every list below `roots` and every chunk below those lists.
fn walk_lists(
    conn: &Connection,
    instrument: &Instrument,
    roots: &[Uuid],
    nested: bool,
    parent_types: &[&str],
    loaded: &mut LoadedRows,
) -> Result<()> {
    let shape = WalkShape {
        single_root: roots.len() == 1,
        nested,
    };
    let roots = match roots {
        [root] => uuid_text(root),
        roots => id_array(roots.iter().copied()),
    };
    instrument.query();
    let mut statement = conn
        .prepare_cached(sql::walk_lists(shape))
        .map_err(db_error)?;
    let mut rows = if nested {
        let parent_types = serde_json::to_string(parent_types)
            .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e.to_string()))?;
        statement.query([roots, parent_types])
    } else {
        statement.query([roots])
    }
    .map_err(db_error)?;
    while let Some(row) = rows.next().map_err(db_error)? {
        let chunk_id: Option<String> = row.get(2).map_err(db_error)?;
        let height: i64 = row.get(3).map_err(db_error)?;
        let entries = row.get_ref(4).map_err(db_error)?;
        let entries = entries.as_str().map_err(|e| Error::Decode {
            type_name: LISTS_TABLE.into(),
            id: Uuid::nil(),
            column: "entries".into(),
            detail: e.to_string(),
        })?;
        match chunk_id {
            Some(id) => {
                let id = list_uuid(CHUNKS_TABLE, Uuid::nil(), "chunk_id", &id)?;
                let entries = id_list(CHUNKS_TABLE, id, entries)?;
                loaded.chunks.insert(
                    id,
                    ChunkRow {
                        id,
                        height,
                        entries,
                    },
                );
            }
            None => {
                let parent: String = row.get(0).map_err(db_error)?;
                let parent = list_uuid(LISTS_TABLE, Uuid::nil(), "parent_ecs_id", &parent)?;
                let field: String = row.get(1).map_err(db_error)?;
                let child_type: String = row.get(5).map_err(db_error)?;
                loaded.lists.push(ListRow {
                    parent,
                    field: Cow::Owned(field),
                    child_type: Cow::Owned(child_type),
                    height,
                    entries: id_list(LISTS_TABLE, parent, entries)?,
                });
            }
        }
    }
    Ok(())
}

fn list_uuid(table: &str, row: Uuid, column: &str, text: &str) -> Result<Uuid> {
    parse_uuid(text).map_err(|detail| Error::Decode {
        type_name: table.into(),
        id: row,
        column: column.into(),
        detail,
    })
}

/// The ids of a list column: a JSON array of UUID texts.
pub(crate) fn id_list(table: &str, row: Uuid, text: &str) -> Result<Vec<Uuid>> {
    let texts: Vec<&str> = serde_json::from_str(text).map_err(|e| Error::Decode {
        type_name: table.into(),
        id: row,
        column: "entries".into(),
        detail: format!("not a JSON array of ids: {e}"),
    })?;
    texts
        .into_iter()
        .map(|t| list_uuid(table, row, "entries", t))
        .collect()
}

/// The versions of `ty` a lookup finds.
pub(crate) fn lookup(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    lookup: &Lookup,
) -> Result<Vec<RowMeta>> {
    let kind = ("sqlite", verso_sql::storage::lookup_kind(lookup));
    let statement =
        verso_sql::rendered(kind, ty, || verso_sql::storage::lookup(ty, lookup, &Sqlite));
    let (sql, params) = statement.as_ref();
    let values: Vec<rusqlite::types::Value> = params
        .iter()
        .map(|param| lookup_value(lookup, *param))
        .collect();
    instrument.query();
    let mut statement = conn.prepare_cached(sql).map_err(db_error)?;
    let mut rows = statement
        .query(params_from_iter(values))
        .map_err(db_error)?;
    let mut metas = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        metas.push(row_meta(row, ty.name)?);
    }
    Ok(metas)
}

/// The value of one parameter of a lookup statement.
fn lookup_value(lookup: &Lookup, param: LookupParam) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match (lookup, param) {
        (
            Lookup::Newest { lineage_id, .. }
            | Lookup::Heads { lineage_id }
            | Lookup::Versions { lineage_id, .. },
            LookupParam::Lineage,
        ) => V::Text(uuid_text(lineage_id)),
        (Lookup::Ancestors { ecs_id }, LookupParam::Version) => V::Text(uuid_text(ecs_id)),
        (Lookup::Containing { child, .. }, LookupParam::Child) => V::Text(uuid_text(child)),
        (Lookup::Containing { field, .. }, LookupParam::Field) => V::Text(field.to_string()),
        (Lookup::Newest { at: Some(at), .. }, LookupParam::Time) => V::Text(timestamp_text(at)),
        (
            Lookup::Versions {
                after: Some((at, _)),
                ..
            },
            LookupParam::Time,
        ) => V::Text(timestamp_text(at)),
        (
            Lookup::Versions {
                after: Some((_, id)),
                ..
            },
            LookupParam::RowId,
        ) => V::Integer(*id),
        (
            Lookup::Versions {
                limit: Some(limit), ..
            },
            LookupParam::Limit,
        ) => V::Integer(i64::try_from(*limit).unwrap_or(i64::MAX)),
        _ => V::Null,
    }
}

/// The children the versions of a lineage gained in one field.
pub(crate) fn gained_children(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    lineage_id: Uuid,
    field: &str,
) -> Result<Vec<GainedChild>> {
    instrument.query();
    let sql = verso_sql::rendered(("sqlite", "gained_children"), ty, || {
        verso_sql::storage::gained_children(ty, &Sqlite)
    });
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let mut rows = statement
        .query(rusqlite::params![uuid_text(&lineage_id), field])
        .map_err(db_error)?;
    let mut gained = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let parent: String = row.get(0).map_err(db_error)?;
        let child: String = row.get(1).map_err(db_error)?;
        let parent = list_uuid(CHANGES_TABLE, Uuid::nil(), "parent_ecs_id", &parent)?;
        gained.push(GainedChild {
            parent,
            child: list_uuid(CHANGES_TABLE, parent, "child_ecs_id", &child)?,
        });
    }
    Ok(gained)
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

/// Which of `ids` the metadata column `column` of `ty` holds.
pub(crate) fn stored_ids(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    column: &str,
    ids: &[Uuid],
) -> Result<Vec<Uuid>> {
    instrument.query();
    let sql = verso_sql::stored_ids(ty, column, &Sqlite);
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let mut rows = statement
        .query([id_array(ids.iter().copied())])
        .map_err(db_error)?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let text: String = row.get(0).map_err(db_error)?;
        found.push(parse_uuid(&text).map_err(|detail| Error::Decode {
            type_name: ty.name.to_string(),
            id: Uuid::nil(),
            column: column.to_string(),
            detail,
        })?);
    }
    Ok(found)
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
    // A bounded number of tables per statement, until one holds the id.
    for part in catalog.chunks(verso_sql::UNION_BRANCHES) {
        let tables: Vec<&str> = part.iter().map(|(_, table)| table.as_str()).collect();
        let union = verso_sql::find_type(&tables, column, &Sqlite).to_string(SqliteQueryBuilder);
        // `?1` the id, then one type name per table.
        let names = part.iter().map(|(name, _)| name.clone());
        let params = std::iter::once(uuid_text(&id)).chain(names);
        instrument.query();
        let found: Option<String> = conn
            .query_row(&union, params_from_iter(params), |row| row.get(0))
            .optional()
            .map_err(db_error)?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
