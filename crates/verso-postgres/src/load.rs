//! Reading: whole trees, version metadata, indexed lookups, and the type
//! of an id.

use crate::decode::{gained_child, row_meta, stored_row, walked, Walked};
use crate::dialect::Postgres;
use crate::error::{db_error, sqlstate, UNDEFINED_TABLE};
use crate::sql;
use crate::statement::audited;
use chrono::{DateTime, Utc};
use sea_query::PostgresQueryBuilder;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres as Pg, Row};
use std::sync::Arc;
use uuid::Uuid;
use verso_core::{
    EntityType, GainedChild, Instrument, LoadRequest, LoadRun, LoadStep, LoadedRows, Lookup,
    Result, RowMeta, VersionFilter, VersionQuery,
};
use verso_sql::storage::{LookupParam, WalkShape};

/// Loads the roots of `request` and everything below them.
pub(crate) async fn load(
    conn: &mut PgConnection,
    instrument: &Instrument,
    request: &LoadRequest,
) -> Result<LoadedRows> {
    run(conn, instrument, LoadRun::new(request)).await
}

/// Runs the steps of a load ([`LoadRun`]): the roots, one walk over the
/// lists below them, one select per child type present.
pub(crate) async fn run(
    conn: &mut PgConnection,
    instrument: &Instrument,
    mut run: LoadRun<'_>,
) -> Result<LoadedRows> {
    while let Some(step) = run.next_step()? {
        match step {
            LoadStep::Query { ty, query } => {
                crate::query::select_into(&mut *conn, instrument, ty, &query, &mut run).await?
            }
            LoadStep::Versions { ty, ids } => {
                select_rows(&mut *conn, instrument, ty, &ids, run.rows()).await?
            }
            LoadStep::Walk {
                roots,
                nested,
                parent_types,
            } => {
                walk_lists(
                    &mut *conn,
                    instrument,
                    &roots,
                    nested,
                    parent_types,
                    run.rows(),
                )
                .await?
            }
        }
    }
    Ok(run.finish())
}

/// Reads every list below `roots` and every chunk below those lists.
async fn walk_lists(
    conn: &mut PgConnection,
    instrument: &Instrument,
    roots: &[Uuid],
    nested: bool,
    parent_types: Vec<&'static str>,
    loaded: &mut LoadedRows,
) -> Result<()> {
    let shape = WalkShape {
        single_root: roots.len() == 1,
        nested,
    };
    instrument.query();
    let walk = sqlx::query(sql::walk_lists(shape));
    let walk = match roots {
        [root] => walk.bind(*root),
        roots => walk.bind(roots),
    };
    let walk = if nested {
        walk.bind(parent_types)
    } else {
        walk
    };
    let rows = walk.fetch_all(&mut *conn).await.map_err(db_error)?;
    for row in &rows {
        match walked(row)? {
            Walked::List(list) => loaded.lists.push(list),
            Walked::Chunk(chunk) => {
                loaded.chunks.insert(chunk.id, chunk);
            }
        }
    }
    Ok(())
}

/// Adds the versions of `ty` among `ids` to `loaded`.
async fn select_rows(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    ids: &[Uuid],
    loaded: &mut LoadedRows,
) -> Result<()> {
    instrument.query();
    // One id travels as itself (`= $1`), several as an array (`= ANY($1)`).
    let rows = match ids {
        [id] => {
            let sql = verso_sql::rendered(("postgres", "select_by_id"), ty, || {
                verso_sql::select_by_id(ty, &Postgres).to_string(PostgresQueryBuilder)
            });
            sqlx::query(audited(Arc::clone(&sql)))
                .bind(*id)
                .fetch_all(&mut *conn)
                .await
        }
        ids => {
            let sql = verso_sql::rendered(("postgres", "select_by_ids"), ty, || {
                verso_sql::select_by_ids(ty, &Postgres).to_string(PostgresQueryBuilder)
            });
            sqlx::query(audited(Arc::clone(&sql)))
                .bind(ids)
                .fetch_all(&mut *conn)
                .await
        }
    }
    .map_err(db_error)?;
    for row in &rows {
        let stored = stored_row(row, ty)?;
        loaded.rows.insert(stored.meta.ecs_id, stored);
    }
    Ok(())
}

/// The versions of `ty` a lookup finds, in one statement.
pub(crate) async fn lookup(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    lookup: &Lookup,
) -> Result<Vec<RowMeta>> {
    let kind = ("postgres", verso_sql::storage::lookup_kind(lookup));
    let statement = verso_sql::rendered(kind, ty, || {
        verso_sql::storage::lookup(ty, lookup, &Postgres)
    });
    let (sql, params) = statement.as_ref();
    let query = params
        .iter()
        .fold(sqlx::query(audited(sql.as_str())), |query, param| {
            bind_lookup_param(query, lookup, *param)
        });
    instrument.query();
    let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
    rows.iter().map(|row| row_meta(row, ty.name)).collect()
}

/// Binds one parameter of a lookup statement with its type: ids as
/// `uuid`, the field as `text`, times as `timestamptz`, the row id as
/// `int8`. A parameter the lookup has no value for is a typed `NULL`.
fn bind_lookup_param<'q>(
    query: Query<'q, Pg, PgArguments>,
    lookup: &Lookup,
    param: LookupParam,
) -> Query<'q, Pg, PgArguments> {
    match param {
        LookupParam::Lineage => query.bind(match lookup {
            Lookup::Newest { lineage_id, .. }
            | Lookup::Heads { lineage_id }
            | Lookup::Versions { lineage_id, .. } => Some(*lineage_id),
            _ => None,
        }),
        LookupParam::Version => query.bind(match lookup {
            Lookup::Ancestors { ecs_id } => Some(*ecs_id),
            _ => None,
        }),
        LookupParam::Child => query.bind(match lookup {
            Lookup::Containing { child, .. } => Some(*child),
            _ => None,
        }),
        LookupParam::Field => query.bind(match lookup {
            Lookup::Containing { field, .. } => Some(*field),
            _ => None,
        }),
        LookupParam::Time => query.bind(match lookup {
            Lookup::Newest { at, .. } => *at,
            Lookup::Versions { after, .. } => after.map(|(at, _)| at),
            _ => None::<DateTime<Utc>>,
        }),
        LookupParam::RowId => query.bind(match lookup {
            Lookup::Versions { after, .. } => after.map(|(_, id)| id),
            _ => None,
        }),
        LookupParam::Limit => query.bind(match lookup {
            Lookup::Versions { limit, .. } => limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
            _ => None,
        }),
    }
}

/// The children the versions of a lineage gained in one field, in one
/// statement.
pub(crate) async fn gained_children(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    lineage_id: Uuid,
    field: &str,
) -> Result<Vec<GainedChild>> {
    let sql = verso_sql::rendered(("postgres", "gained_children"), ty, || {
        verso_sql::storage::gained_children(ty, &Postgres)
    });
    instrument.query();
    let rows = sqlx::query(audited(Arc::clone(&sql)))
        .bind(lineage_id)
        .bind(field)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    rows.iter().map(gained_child).collect()
}

/// The versions of `ty` a query selects, oldest first.
pub(crate) async fn select_versions(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &VersionQuery,
) -> Result<Vec<RowMeta>> {
    instrument.query();
    let sql = verso_sql::select_versions(ty, query, &Postgres).to_string(PostgresQueryBuilder);
    let select = sqlx::query(audited(sql));
    let select = match &query.filter {
        VersionFilter::All => select,
        VersionFilter::In { ids, .. } => select.bind(ids.clone()),
    };
    let rows = select.fetch_all(&mut *conn).await.map_err(db_error)?;
    rows.iter().map(|row| row_meta(row, ty.name)).collect()
}

/// Which of `ids` the metadata column `column` of `ty` holds.
pub(crate) async fn stored_ids(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
    column: &str,
    ids: &[Uuid],
) -> Result<Vec<Uuid>> {
    instrument.query();
    let sql = verso_sql::stored_ids(ty, column, &Postgres);
    sqlx::query_scalar(audited(sql))
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)
}

/// The type holding the version (`column` = `ecs_id`) or lineage
/// (`column` = `lineage_id`) `id`: reads the catalog, then asks every
/// catalogued table at once. `None` without a catalog or when no table
/// holds the id.
pub(crate) async fn find_type(
    conn: &mut PgConnection,
    instrument: &Instrument,
    column: &str,
    id: Uuid,
) -> Result<Option<String>> {
    instrument.query();
    let catalog = match sqlx::query(sql::SELECT_CATALOG).fetch_all(&mut *conn).await {
        Ok(rows) => rows,
        Err(error) if sqlstate(&error).as_deref() == Some(UNDEFINED_TABLE) => return Ok(None),
        Err(error) => return Err(db_error(error)),
    };
    let mut names = Vec::with_capacity(catalog.len());
    let mut tables = Vec::with_capacity(catalog.len());
    for row in &catalog {
        names.push(row.try_get::<String, _>(0).map_err(db_error)?);
        tables.push(row.try_get::<String, _>(1).map_err(db_error)?);
    }
    if tables.is_empty() {
        return Ok(None);
    }
    // A bounded number of tables per statement, until one holds the id.
    let parts = tables
        .chunks(verso_sql::UNION_BRANCHES)
        .zip(names.chunks(verso_sql::UNION_BRANCHES));
    for (tables, names) in parts {
        let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
        let union =
            verso_sql::find_type(&tables, column, &Postgres).to_string(PostgresQueryBuilder);
        let query = names
            .iter()
            .fold(sqlx::query(audited(union)).bind(id), |query, name| {
                query.bind(name)
            });
        instrument.query();
        let row = query.fetch_optional(&mut *conn).await.map_err(db_error)?;
        if let Some(row) = row {
            return row.try_get::<String, _>(0).map(Some).map_err(db_error);
        }
    }
    Ok(None)
}
