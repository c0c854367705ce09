//! Reading: whole trees, version metadata, and the type of an id.

use crate::decode::{link_row, row_meta, stored_row};
use crate::error::{db_error, sqlstate, UNDEFINED_TABLE};
use crate::sql;
use sqlx::{PgPool, Row};
use uuid::Uuid;
use verso_core::{
    EntityType, Error, Instrument, LoadRequest, LoadedRows, Result, RowMeta, VersionFilter,
    VersionQuery,
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
    // Child ids by type, in the order of `request.types` for a stable
    // statement order.
    let mut children: Vec<(&'static EntityType, Vec<Uuid>)> = Vec::new();
    for row in &links {
        let link = link_row(row)?;
        if !loaded.rows.contains_key(&link.child) {
            let slot = match children.iter().position(|(t, _)| t.name == link.child_type) {
                Some(slot) => slot,
                None => {
                    children.push((child_type(request, &link.child_type)?, Vec::new()));
                    children.len() - 1
                }
            };
            children[slot].1.push(link.child);
        }
        loaded.links.push(link);
    }
    children.sort_by_key(|(ty, _)| request.types.iter().position(|t| t.name == ty.name));
    for (ty, mut ids) in children {
        ids.sort_unstable();
        ids.dedup();
        select_rows(pool, instrument, ty, &ids, &mut loaded).await?;
    }
    Ok(loaded)
}

/// The type called `name` among the request's types.
fn child_type(request: &LoadRequest, name: &str) -> Result<&'static EntityType> {
    request
        .types
        .iter()
        .copied()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::SchemaMismatch {
            table: sql::LINKS_TABLE.into(),
            column: "child_type".into(),
            detail: format!(
                "a link points to type {name}, which {} cannot contain",
                request.root_type.name
            ),
        })
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
    let rows = sqlx::query(&sql::select_by_ids(ty))
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
    let sql = sql::select_versions(ty, query);
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
    let union = sql::find_type(&tables, column);
    let query = names
        .into_iter()
        .fold(sqlx::query(&union).bind(id), |query, name| query.bind(name));
    instrument.query();
    let row = query.fetch_optional(pool).await.map_err(db_error)?;
    row.map(|row| row.try_get::<String, _>(0).map_err(db_error))
        .transpose()
}
