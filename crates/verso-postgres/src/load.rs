//! Reading: whole trees, version metadata, and the type of an id.

use crate::decode::{link_row, row_meta, stored_row};
use crate::dialect::Postgres;
use crate::error::{db_error, sqlstate, UNDEFINED_TABLE};
use crate::sql;
use sea_query::PostgresQueryBuilder;
use sqlx::{PgPool, Row};
use uuid::Uuid;
use verso_core::{
    EntityType, Instrument, LoadRequest, LoadedRows, Result, RowMeta, VersionFilter, VersionQuery,
};

/// Loads the roots, every link below them (one recursive query), then the
/// children, one query per child type present: `2 + child types` queries
/// however large the trees (one query when no root exists).
pub(crate) async fn load(
    pool: &PgPool,
    instrument: &Instrument,
    request: &LoadRequest,
) -> Result<LoadedRows> {
    let mut loaded = LoadedRows::default();
    if request.roots.is_empty() {
        return Ok(loaded);
    }
    select_rows(
        pool,
        instrument,
        request.root_type,
        &request.roots,
        &mut loaded,
    )
    .await?;
    if loaded.rows.is_empty() {
        return Ok(loaded);
    }
    let found_roots: Vec<Uuid> = loaded.rows.keys().copied().collect();
    instrument.query();
    let links = sqlx::query(sql::LINK_CLOSURE)
        .bind(&found_roots)
        .bind(request.parent_types())
        .fetch_all(pool)
        .await
        .map_err(db_error)?;
    for row in &links {
        loaded.links.push(link_row(row)?);
    }
    // Child ids by type, in the order of `request.types` for a stable
    // statement order.
    for (ty, ids) in request.missing_children(&loaded)? {
        select_rows(pool, instrument, ty, &ids, &mut loaded).await?;
    }
    Ok(loaded)
}

/// Adds the versions of `ty` among `ids` to `loaded`.
async fn select_rows(
    pool: &PgPool,
    instrument: &Instrument,
    ty: &'static EntityType,
    ids: &[Uuid],
    loaded: &mut LoadedRows,
) -> Result<()> {
    instrument.query();
    let sql = verso_sql::select_by_ids(ty, &Postgres).to_string(PostgresQueryBuilder);
    let rows = sqlx::query(&sql)
        .bind(ids)
        .fetch_all(pool)
        .await
        .map_err(db_error)?;
    for row in &rows {
        let stored = stored_row(row, ty)?;
        loaded.rows.insert(stored.meta.ecs_id, stored);
    }
    Ok(())
}

/// The versions of `ty` a query selects, oldest first.
pub(crate) async fn select_versions(
    pool: &PgPool,
    instrument: &Instrument,
    ty: &'static EntityType,
    query: &VersionQuery,
) -> Result<Vec<RowMeta>> {
    instrument.query();
    let sql = verso_sql::select_versions(ty, query, &Postgres).to_string(PostgresQueryBuilder);
    let statement = sqlx::query(&sql);
    let statement = match &query.filter {
        VersionFilter::All => statement,
        VersionFilter::In { ids, .. } => statement.bind(ids.clone()),
    };
    let rows = statement.fetch_all(pool).await.map_err(db_error)?;
    rows.iter().map(|row| row_meta(row, ty.name)).collect()
}

/// The type holding the version (`column` = `ecs_id`) or lineage
/// (`column` = `lineage_id`) `id`: reads the catalog, then asks every
/// catalogued table at once. `None` without a catalog or when no table
/// holds the id.
pub(crate) async fn find_type(
    pool: &PgPool,
    instrument: &Instrument,
    column: &str,
    id: Uuid,
) -> Result<Option<String>> {
    instrument.query();
    let catalog = match sqlx::query(sql::SELECT_CATALOG).fetch_all(pool).await {
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
    let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
    let union = verso_sql::find_type(&tables, column, &Postgres).to_string(PostgresQueryBuilder);
    let query = names
        .into_iter()
        .fold(sqlx::query(&union).bind(id), |query, name| query.bind(name));
    instrument.query();
    let row = query.fetch_optional(pool).await.map_err(db_error)?;
    row.map(|row| row.try_get::<String, _>(0).map_err(db_error))
        .transpose()
}
