//! `verso log ID`: the versions of a lineage, newest first, with what
//! each one changed.

use crate::database::Database;
use crate::failure::Failure;
use crate::history::LineageHistory;
use crate::render::{json, time, Style};
use serde_json::json;
use verso::Uuid;

/// The history of the lineage `id` names, newest version first.
pub async fn run(
    database: &Database,
    id: Uuid,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    let history = LineageHistory::of(database, id).await?;
    let tree = &history.tree;
    let newest_first = (0..tree.versions.len()).rev();
    if as_json {
        let versions: Vec<_> = newest_first
            .map(|i| {
                let mut entry = history.json_entry(i);
                entry.insert(
                    "diff".into(),
                    history.diffs[i].as_ref().map_or(json!(null), json::diff),
                );
                serde_json::Value::Object(entry)
            })
            .collect();
        return Ok(history.json_document(versions));
    }
    let heads = tree.heads().count();
    let mut out = format!(
        "{} lineage {} ({} version{}, {} head{})\n",
        style.bold(&tree.type_name),
        tree.lineage_id,
        tree.versions.len(),
        plural(tree.versions.len()),
        heads,
        plural(heads),
    );
    for i in newest_first {
        let node = &tree.versions[i];
        let version = &node.version;
        let head = if node.children.is_empty() {
            format!(" {}", style.green("(head)"))
        } else {
            String::new()
        };
        out.push('\n');
        out.push_str(&style.yellow(&format!("version {}", version.ecs_id)));
        out.push_str(&head);
        out.push('\n');
        if let Some(parent) = version.parent_id {
            out.push_str(&format!("parent  {parent}\n"));
        }
        out.push_str(&format!("date    {}\n\n", time(version.created_at)));
        out.push_str(&format!("    {}\n", history.summary(i)));
    }
    Ok(out)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
