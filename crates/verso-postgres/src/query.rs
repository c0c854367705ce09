//! Typed queries ([`EntityQuery`]): the statements of `verso_sql::query`,
//! with their values bound as PostgreSQL's typed parameters.

use crate::decode::stored_row;
use crate::dialect::Postgres;
use crate::error::db_error;
use crate::statement::audited;
use sea_query::PostgresQueryBuilder;
use sqlx::postgres::PgArguments;
use sqlx::{PgConnection, Postgres as Pg, Row};
use verso_core::{
    EntityQuery, EntityType, Instrument, LoadRequest, LoadRun, LoadedRows, Result, Value,
};

/// Runs `query` and loads the trees of the versions it selects.
pub(crate) async fn load_query(
    conn: &mut PgConnection,
    instrument: &Instrument,
    request: &LoadRequest,
    query: &EntityQuery,
) -> Result<LoadedRows> {
    crate::load::run(conn, instrument, LoadRun::for_query(request, query)).await
}

/// Adds the versions of `ty` that `query` selects to `run`, in its order.
pub(crate) async fn select_into(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &EntityQuery,
    run: &mut LoadRun<'_>,
) -> Result<()> {
    let (sql, params) = rendered(verso_sql::select_query(ty, query, &Postgres));
    instrument.query();
    let rows = bind_all(sqlx::query(audited(sql)), &params)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    for row in &rows {
        run.add_selected(stored_row(row, ty)?);
    }
    Ok(())
}

/// How many versions of `ty` the query selects.
pub(crate) async fn count(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &EntityQuery,
) -> Result<u64> {
    let (sql, params) = rendered(verso_sql::count_query(ty, query, &Postgres));
    instrument.query();
    let row = bind_all(sqlx::query(audited(sql)), &params)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_error)?;
    let count: i64 = row.try_get(0).map_err(db_error)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The statement's text and parameters (the syntax tree is not `Send`,
/// so it does not live across an await).
fn rendered(bound: verso_sql::BoundStatement) -> (String, Vec<Value>) {
    (bound.select.to_string(PostgresQueryBuilder), bound.params)
}

type PgQuery<'q> = sqlx::query::Query<'q, Pg, PgArguments>;

/// Binds each value as the parameter type of its column.
fn bind_all<'q>(mut query: PgQuery<'q>, values: &'q [Value]) -> PgQuery<'q> {
    for value in values {
        query = match value {
            Value::Null => query.bind(None::<String>),
            Value::Bool(b) => query.bind(*b),
            Value::Int(i) => query.bind(*i),
            Value::Float(x) => query.bind(*x),
            Value::Text(text) => query.bind(text.as_str()),
            Value::Uuid(id) => query.bind(*id),
            Value::Timestamp(time) => query.bind(*time),
            Value::Json(json) => query.bind(sqlx::types::Json(json)),
        };
    }
    query
}
