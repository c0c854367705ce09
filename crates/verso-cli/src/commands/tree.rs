//! `verso tree ID`: a lineage drawn as a graph of versions.

use crate::cli::{Limit, TreeFormat};
use crate::database::Database;
use crate::failure::Failure;
use crate::history::LineageHistory;
use crate::id::IdArg;
use crate::render::{dot::dot, graph::graph, mermaid::mermaid, time, Style};
use serde_json::json;

/// The lineage `id` names (its newest `limit` versions), drawn in `format`
/// (or as JSON).
pub async fn run(
    database: &Database,
    id: &IdArg,
    format: TreeFormat,
    limit: Limit,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    let history = LineageHistory::of(database, id, limit).await?;
    let tree = &history.tree;
    let is_head = |i: usize| tree.versions[i].children.is_empty();
    if as_json {
        let versions: Vec<_> = tree
            .versions
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let mut entry = history.json_entry(i);
                let children: Vec<String> = node
                    .children
                    .iter()
                    .map(|&c| tree.versions[c].version.ecs_id.to_string())
                    .collect();
                entry.insert("children".into(), json!(children));
                serde_json::Value::Object(entry)
            })
            .collect();
        return Ok(history.json_document(versions));
    }
    let lines = |i: usize| -> Vec<String> {
        let version = &tree.versions[i].version;
        let id = if is_head(i) {
            format!("{} (head)", version.ecs_id)
        } else {
            version.ecs_id.to_string()
        };
        vec![id, time(version.created_at), history.summary(i)]
    };
    Ok(match format {
        TreeFormat::Dot => dot(tree, &lines),
        TreeFormat::Mermaid => mermaid(tree, &lines),
        TreeFormat::Text => {
            let heading = format!(
                "{} lineage {}\n",
                style.bold(&tree.type_name),
                tree.lineage_id
            );
            let label = |i: usize| {
                let version = &tree.versions[i].version;
                let head = if is_head(i) {
                    format!(" {}", style.green("(head)"))
                } else {
                    String::new()
                };
                format!(
                    "{}{head}  {}  {}",
                    style.yellow(&version.ecs_id.to_string()),
                    style.dim(&time(version.created_at)),
                    history.summary(i)
                )
            };
            heading + &graph(tree, &label)
        }
    })
}
