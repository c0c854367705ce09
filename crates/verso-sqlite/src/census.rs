//! What the database holds: its catalog, counts per type, lineage summaries.

use crate::decode::{parse_timestamp, parse_uuid};
use crate::dialect::Sqlite;
use crate::encode::uuid_text;
use crate::error::db_error;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};
use sea_query::SqliteQueryBuilder;
use verso_core::{
    CatalogEntry, EntityType, Error, IdPrefix, Instrument, LineageSummary, PrefixMatch, Result,
    TypeCounts,
};

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
    let heads: i64 = row.get(5).map_err(|e| ("heads", e.to_string()))?;
    Ok(LineageSummary {
        lineage_id: parse_uuid(&text(0, "lineage_id")?).map_err(|e| ("lineage_id", e))?,
        head: parse_uuid(&text(1, "ecs_id")?).map_err(|e| ("ecs_id", e))?,
        head_created_at: parse_timestamp(&text(2, "created_at")?).map_err(|e| ("created_at", e))?,
        versions: versions as u64,
        first_created_at: parse_timestamp(&text(4, "created_at")?)
            .map_err(|e| ("created_at", e))?,
        heads: heads as u64,
    })
}

/// The versions and lineages of `types` whose id starts with `prefix`, at
/// most `limit`: one range scan per id index, in statements of at most
/// [`verso_sql::PREFIX_TABLES`] tables, until `limit` are found.
///
/// Ids are stored as hyphenated lower-case text, whose order is the order
/// of the ids, so the range is the prefix's bounds written the same way.
pub(crate) fn find_prefix(
    conn: &Connection,
    instrument: &Instrument,
    types: &[&'static EntityType],
    prefix: &IdPrefix,
    limit: usize,
) -> Result<Vec<PrefixMatch>> {
    let bounds = [uuid_text(&prefix.low()), uuid_text(&prefix.high())];
    let mut found = Vec::new();
    for (part, chunk) in types.chunks(verso_sql::PREFIX_TABLES).enumerate() {
        if found.len() >= limit {
            break;
        }
        let first = part * verso_sql::PREFIX_TABLES;
        let tables: Vec<&str> = chunk.iter().map(|ty| ty.table).collect();
        let left = (limit - found.len()) as u64;
        let sql =
            verso_sql::find_prefix(&tables, first, left, &Sqlite).to_string(SqliteQueryBuilder);
        instrument.query();
        let mut statement = conn.prepare(&sql).map_err(db_error)?;
        let rows = statement
            .query_map(params_from_iter(&bounds), |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(db_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_error)?;
        for (index, kind, id) in rows {
            let entity_type = types[index as usize];
            let id = parse_uuid(&id).map_err(|detail| Error::Decode {
                type_name: entity_type.name.to_string(),
                id: uuid::Uuid::nil(),
                column: "ecs_id".into(),
                detail,
            })?;
            found.push(PrefixMatch {
                entity_type,
                kind: verso_sql::prefix_kind(kind),
                id,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use crate::SqliteDriver;
    use verso_core::{Driver, EntityType, IdKind, IdPrefix, Origin};

    static NOTE: EntityType = EntityType {
        name: "Note",
        table: "notes",
        origin: Origin::UNKNOWN,
        columns: &[],
        children: &[],
        variants: &[],
    };

    /// `EXPLAIN QUERY PLAN`'s detail lines for a prefix lookup on [`NOTE`].
    fn plan(conn: &rusqlite::Connection) -> Vec<String> {
        use sea_query::SqliteQueryBuilder;
        let sql = verso_sql::find_prefix(&["notes"], 0, 10, &crate::dialect::Sqlite)
            .to_string(SqliteQueryBuilder);
        let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        statement
            .query_map(["a", "b"], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[tokio::test]
    async fn a_prefix_finds_versions_and_lineages_by_range_scans_on_their_indexes() {
        let dir = std::env::temp_dir().join(format!("verso-prefix-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notes.db");
        let driver = SqliteDriver::open(&path).unwrap();
        driver.ensure_tables(&[&NOTE]).await.unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        let insert = "INSERT INTO notes (ecs_id, lineage_id, parent_id, created_at) \
                      VALUES (?1, ?2, NULL, '2026-01-01T00:00:00.000000Z')";
        let ids = [
            (
                "0190a1b2-0000-7000-8000-000000000001",
                "0190ffff-0000-7000-8000-00000000000a",
            ),
            (
                "0190a1b2-ffff-7000-8000-000000000002",
                "0190ffff-0000-7000-8000-00000000000a",
            ),
            (
                "0190a1b3-0000-7000-8000-000000000003",
                "0190a1b2-9999-7000-8000-00000000000b",
            ),
        ];
        for (ecs_id, lineage_id) in ids {
            conn.execute(insert, [ecs_id, lineage_id]).unwrap();
        }
        let find = |text: &str, limit| {
            let prefix = IdPrefix::parse(text).unwrap();
            let driver = &driver;
            async move {
                let mut found: Vec<(IdKind, String)> = driver
                    .find_prefix(&[&NOTE], &prefix, limit)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| (m.kind, m.id.to_string()))
                    .collect();
                found.sort();
                found
            }
        };
        assert_eq!(
            find("0190A1B2", 10).await,
            [
                (IdKind::Version, ids[0].0.to_string()),
                (IdKind::Version, ids[1].0.to_string()),
                (IdKind::Lineage, ids[2].1.to_string()),
            ]
        );
        assert_eq!(
            find("0190-ffff", 10).await,
            [(IdKind::Lineage, ids[0].1.to_string())],
            "a lineage of two versions comes once"
        );
        assert_eq!(find("0190a1b2", 2).await.len(), 2, "at most the limit");
        assert!(find("0191", 10).await.is_empty());
        let whole = find(ids[2].0, 10).await;
        assert_eq!(whole, [(IdKind::Version, ids[2].0.to_string())]);

        let plan = plan(&conn);
        assert!(
            plan.iter().any(
                |l| l.contains("USING COVERING INDEX notes_ecs_id_key (ecs_id>? AND ecs_id<?)")
            ),
            "{plan:?}"
        );
        assert!(
            plan.iter().any(|l| l.contains(
                "USING COVERING INDEX notes_lineage_idx (lineage_id>? AND lineage_id<?)"
            )),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:?}");
        drop(conn);
        drop(driver);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
