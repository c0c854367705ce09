//! What the database holds: its catalog, counts per type, lineage summaries.

use crate::decode::{parse_timestamp, parse_uuid};
use crate::error::db_error;
use rusqlite::{Connection, OptionalExtension, Row};
use sea_query::SqliteQueryBuilder;
use verso_core::{CatalogEntry, EntityType, Error, Instrument, LineageSummary, Result, TypeCounts};

/// Whether the database has a `verso_catalog` table.
pub(crate) fn has_catalog(conn: &Connection, instrument: &Instrument) -> Result<bool> {
    instrument.query();
    let found = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'verso_catalog'",
            [],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_error)?;
    Ok(found.is_some())
}

/// Every catalog row, by type name; `None` without a catalog table.
pub(crate) fn catalog(
    conn: &Connection,
    instrument: &Instrument,
) -> Result<Option<Vec<CatalogEntry>>> {
    if !has_catalog(conn, instrument)? {
        return Ok(None);
    }
    instrument.query();
    let mut statement = conn
        .prepare("SELECT type_name, table_name, definition FROM verso_catalog ORDER BY type_name")
        .map_err(db_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(db_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_error)?;
    let entries = rows
        .into_iter()
        .map(|(type_name, table_name, definition)| {
            let definition =
                serde_json::from_str(&definition).map_err(|e| Error::SchemaMismatch {
                    table: "verso_catalog".into(),
                    column: "definition".into(),
                    detail: format!("the definition of {type_name} is not JSON: {e}"),
                })?;
            Ok(CatalogEntry {
                type_name,
                table_name,
                definition,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(entries))
}

/// Lineage and version counts of each type, in one statement.
pub(crate) fn count_versions(
    conn: &Connection,
    instrument: &Instrument,
    types: &[&'static EntityType],
) -> Result<Vec<TypeCounts>> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(types.len());
    for (part, chunk) in types.chunks(verso_sql::UNION_BRANCHES).enumerate() {
        instrument.query();
        let first = part * verso_sql::UNION_BRANCHES;
        let sql = verso_sql::count_versions(chunk, first).to_string(SqliteQueryBuilder);
        let mut statement = conn.prepare(&sql).map_err(db_error)?;
        let found = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(db_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_error)?;
        rows.extend(found);
    }
    Ok(verso_sql::type_counts(types.len(), rows))
}

/// Every lineage of `ty` with its count and newest version, in one statement.
pub(crate) fn lineages(
    conn: &Connection,
    instrument: &Instrument,
    ty: &'static EntityType,
) -> Result<Vec<LineageSummary>> {
    instrument.query();
    let sql = verso_sql::lineages(ty).to_string(SqliteQueryBuilder);
    let mut statement = conn.prepare(&sql).map_err(db_error)?;
    let mut rows = statement.query([]).map_err(db_error)?;
    let mut summaries = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        summaries.push(summary(row).map_err(|(column, detail)| Error::Decode {
            type_name: ty.name.to_string(),
            id: uuid::Uuid::nil(),
            column: column.to_string(),
            detail,
        })?);
    }
    Ok(summaries)
}

/// A row of [`verso_sql::lineages`]; the error names the column that failed.
fn summary(row: &Row<'_>) -> Result<LineageSummary, (&'static str, String)> {
    let text = |index: usize, column: &'static str| -> Result<String, (&'static str, String)> {
        row.get(index).map_err(|e| (column, e.to_string()))
    };
    let versions: i64 = row.get(3).map_err(|e| ("versions", e.to_string()))?;
    Ok(LineageSummary {
        lineage_id: parse_uuid(&text(0, "lineage_id")?).map_err(|e| ("lineage_id", e))?,
        head: parse_uuid(&text(1, "ecs_id")?).map_err(|e| ("ecs_id", e))?,
        head_created_at: parse_timestamp(&text(2, "created_at")?).map_err(|e| ("created_at", e))?,
        versions: versions as u64,
        first_created_at: parse_timestamp(&text(4, "created_at")?)
            .map_err(|e| ("created_at", e))?,
    })
}
