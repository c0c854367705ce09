//! Typed queries ([`EntityQuery`]): the statements of `verso_sql::query`,
//! with their values bound as SQLite stores them.

use crate::decode::stored_row;
use crate::dialect::Sqlite;
use crate::encode::{timestamp_text, uuid_text};
use crate::error::db_error;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};
use sea_query::SqliteQueryBuilder;
use verso_core::{
    EntityQuery, EntityType, Instrument, LoadRequest, LoadRun, LoadedRows, Result, Value,
};

/// Runs `query` and loads the trees of the versions it selects.
pub(crate) fn load_query(
    conn: &Connection,
    instrument: &Instrument,
    request: &LoadRequest,
    query: &EntityQuery,
) -> Result<LoadedRows> {
    crate::load::run(conn, instrument, LoadRun::for_query(request, query))
}

/// Adds the versions of `ty` that `query` selects to `run`, in its order.
pub(crate) fn select_into(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &EntityQuery,
    run: &mut LoadRun<'_>,
) -> Result<()> {
    let bound = verso_sql::select_query(ty, query, &Sqlite);
    let sql = bound.select.to_string(SqliteQueryBuilder);
    instrument.query();
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let mut rows = statement
        .query(params_from_iter(bound.params.iter().map(bind)))
        .map_err(db_error)?;
    while let Some(row) = rows.next().map_err(db_error)? {
        run.add_selected(stored_row(row, ty)?);
    }
    Ok(())
}

/// How many versions of `ty` the query selects.
pub(crate) fn count(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &EntityQuery,
) -> Result<u64> {
    let bound = verso_sql::count_query(ty, query, &Sqlite);
    let sql = bound.select.to_string(SqliteQueryBuilder);
    instrument.query();
    let mut statement = conn.prepare_cached(&sql).map_err(db_error)?;
    let count: i64 = statement
        .query_row(params_from_iter(bound.params.iter().map(bind)), |row| {
            row.get(0)
        })
        .map_err(db_error)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// A value as SQLite stores it: UUIDs and timestamps as their text forms,
/// booleans as 0 and 1, JSON as its text.
fn bind(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::Float(x) => SqlValue::Real(*x),
        Value::Text(text) => SqlValue::Text(text.clone()),
        Value::Uuid(id) => SqlValue::Text(uuid_text(id)),
        Value::Timestamp(time) => SqlValue::Text(timestamp_text(time)),
        Value::Json(json) => SqlValue::Text(json.to_string()),
    }
}
