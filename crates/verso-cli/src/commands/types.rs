//! `verso types`: the entity types, with lineage and version counts.

use crate::database::Database;
use crate::failure::Failure;
use crate::render::{json, table::table, Style};
use serde_json::json;

/// Lists every catalogued type with its table and counts.
pub async fn run(database: &Database, as_json: bool, style: Style) -> Result<String, Failure> {
    let types = database.types();
    let counts = database.driver().count_versions(types).await?;
    if as_json {
        let listed: Vec<_> = types
            .iter()
            .zip(&counts)
            .map(|(ty, count)| {
                json!({
                    "type": ty.name,
                    "table": ty.table,
                    "lineages": count.lineages,
                    "versions": count.versions,
                    "definition": ty.definition(),
                })
            })
            .collect();
        return Ok(json::to_text(&json!({ "types": listed })));
    }
    let rows: Vec<Vec<String>> = types
        .iter()
        .zip(&counts)
        .map(|(ty, count)| {
            vec![
                ty.name.to_string(),
                ty.table.to_string(),
                count.lineages.to_string(),
                count.versions.to_string(),
            ]
        })
        .collect();
    Ok(table(
        &["TYPE", "TABLE", "LINEAGES", "VERSIONS"],
        &rows,
        &[2, 3],
        style,
    ))
}
