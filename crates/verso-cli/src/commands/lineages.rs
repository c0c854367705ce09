//! `verso lineages TYPE`: the lineages of a type, oldest first.

use crate::cli::Limit;
use crate::database::Database;
use crate::failure::Failure;
use crate::render::{json, table::table, time, Style};
use serde_json::json;

/// Lists the lineages of the type called `type_name` (the first `limit`).
pub async fn run(
    database: &Database,
    type_name: &str,
    limit: Limit,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    let ty = database.type_named(type_name)?;
    let lineages = database.driver().lineages(ty).await?;
    let lineages = limit.first(&lineages);
    if as_json {
        let listed: Vec<_> = lineages
            .iter()
            .map(|l| {
                json!({
                    "lineage": l.lineage_id.to_string(),
                    "versions": l.versions,
                    "heads": l.heads,
                    "first_created_at": time(l.first_created_at),
                    "head": l.head.to_string(),
                    "head_created_at": time(l.head_created_at),
                })
            })
            .collect();
        return Ok(json::to_text(
            &json!({ "type": ty.name, "lineages": listed }),
        ));
    }
    let rows: Vec<Vec<String>> = lineages
        .iter()
        .map(|l| {
            vec![
                l.lineage_id.to_string(),
                l.versions.to_string(),
                l.heads.to_string(),
                time(l.head_created_at),
                l.head.to_string(),
            ]
        })
        .collect();
    Ok(table(
        &["LINEAGE", "VERSIONS", "HEADS", "NEWEST TIME", "NEWEST"],
        &rows,
        &[1, 2],
        style,
    ))
}
