//! What the database holds: its catalog, counts per type, lineage summaries.

use crate::dialect::Postgres;
use crate::error::{db_error, sqlstate, UNDEFINED_TABLE};
use crate::sql;
use crate::statement::audited;
use sea_query::PostgresQueryBuilder;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use verso_core::{
    CatalogEntry, EntityType, Error, IdPrefix, Instrument, LineageSummary, PrefixMatch, Result,
    TypeCounts,
};

/// Every catalog row whose table exists, by type name; `None` without a
/// catalog table in the current schema.
pub(crate) async fn catalog(
    conn: &mut PgConnection,
    instrument: &Instrument,
) -> Result<Option<Vec<CatalogEntry>>> {
    instrument.query();
    let rows = match sqlx::query(sql::SELECT_CATALOG_DEFINITIONS)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(error) if sqlstate(&error).as_deref() == Some(UNDEFINED_TABLE) => return Ok(None),
        Err(error) => return Err(db_error(error)),
    };
    let entries = rows
        .iter()
        .map(|row| {
            Ok(CatalogEntry {
                type_name: row.try_get(0).map_err(db_error)?,
                table_name: row.try_get(1).map_err(db_error)?,
                definition: row.try_get(2).map_err(db_error)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(entries))
}

/// Lineage and version counts of each type, in one statement.
pub(crate) async fn count_versions(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<Vec<TypeCounts>> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts = Vec::with_capacity(types.len());
    for (part, chunk) in types.chunks(verso_sql::UNION_BRANCHES).enumerate() {
        instrument.query();
        let first = part * verso_sql::UNION_BRANCHES;
        let sql = verso_sql::count_versions(chunk, first).to_string(PostgresQueryBuilder);
        let rows = sqlx::query(audited(sql))
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        for row in &rows {
            counts.push(
                (|| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))()
                    .map_err(db_error)?,
            );
        }
    }
    Ok(verso_sql::type_counts(types.len(), counts))
}

/// Every lineage of `ty` with its count and newest version, in one statement.
pub(crate) async fn lineages(
    conn: &mut PgConnection,
    instrument: &Instrument,
    ty: &'static EntityType,
) -> Result<Vec<LineageSummary>> {
    instrument.query();
    let sql = verso_sql::lineages(ty).to_string(PostgresQueryBuilder);
    let rows = sqlx::query(audited(sql))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|row| {
            summary(row).map_err(|e| Error::Decode {
                type_name: ty.name.to_string(),
                id: uuid::Uuid::nil(),
                column: "lineage summary".into(),
                detail: e.to_string(),
            })
        })
        .collect()
}

fn summary(row: &PgRow) -> Result<LineageSummary, sqlx::Error> {
    let versions: i64 = row.try_get(3)?;
    let heads: i64 = row.try_get(5)?;
    Ok(LineageSummary {
        lineage_id: row.try_get(0)?,
        head: row.try_get(1)?,
        head_created_at: row.try_get(2)?,
        versions: versions as u64,
        first_created_at: row.try_get(4)?,
        heads: heads as u64,
    })
}

/// The versions and lineages of `types` whose id starts with `prefix`, at
/// most `limit`: one range scan per id index (`uuid` compares as its
/// bytes, the order of the prefix's bounds), in statements of at most
/// [`verso_sql::PREFIX_TABLES`] tables, until `limit` are found.
pub(crate) async fn find_prefix(
    conn: &mut PgConnection,
    instrument: &Instrument,
    types: &[&'static EntityType],
    prefix: &IdPrefix,
    limit: usize,
) -> Result<Vec<PrefixMatch>> {
    let mut found = Vec::new();
    for (part, chunk) in types.chunks(verso_sql::PREFIX_TABLES).enumerate() {
        if found.len() >= limit {
            break;
        }
        let first = part * verso_sql::PREFIX_TABLES;
        let tables: Vec<&str> = chunk.iter().map(|ty| ty.table).collect();
        let left = (limit - found.len()) as u64;
        let sql =
            verso_sql::find_prefix(&tables, first, left, &Postgres).to_string(PostgresQueryBuilder);
        instrument.query();
        let rows = sqlx::query(audited(sql))
            .persistent(false)
            .bind(prefix.low())
            .bind(prefix.high())
            .fetch_all(&mut *conn)
            .await
            .map_err(db_error)?;
        for row in &rows {
            let (index, kind, id): (i64, i64, uuid::Uuid) =
                (|| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))()
                    .map_err(db_error)?;
            found.push(PrefixMatch {
                entity_type: types[index as usize],
                kind: verso_sql::prefix_kind(kind),
                id,
            });
        }
    }
    Ok(found)
}
