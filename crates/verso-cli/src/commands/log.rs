//! `verso log ID`: the versions of a lineage, newest first, with the
//! commit that wrote each (id, author, message) and what each one changed.

use crate::cli::Limit;
use crate::database::Database;
use crate::failure::Failure;
use crate::history::LineageHistory;
use crate::id::IdArg;
use crate::references::References;
use crate::render::{json, time, Style};
use serde_json::json;

/// The history of the lineage `id` names, newest version first (the newest
/// `limit` versions).
pub async fn run(
    database: &Database,
    id: &IdArg,
    limit: Limit,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    let history = LineageHistory::of(database, id, limit).await?;
    let tree = &history.tree;
    let newest_first = (0..tree.versions.len()).rev();
    if as_json {
        let diffs: Vec<&verso::Diff> = history.diffs.iter().flatten().collect();
        let references = References::of_diffs(database, &diffs).await?;
        let versions: Vec<_> = newest_first
            .map(|i| {
                let mut entry = history.json_entry(i);
                entry.insert(
                    "diff".into(),
                    history.diffs[i]
                        .as_ref()
                        .map_or(json!(null), |d| json::diff(d, &references)),
                );
                serde_json::Value::Object(entry)
            })
            .collect();
        return Ok(history.json_document(versions));
    }
    let (versions, heads) = (history.total_versions, history.total_heads);
    let mut out = format!(
        "{} lineage {} ({} version{}, {} head{})\n",
        style.bold(&tree.type_name),
        tree.lineage_id,
        versions,
        plural(versions),
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
        let commit = history.commit(i);
        if let Some(commit) = commit {
            out.push_str(&format!("commit  {}\n", commit.id));
            if let Some(author) = &commit.info.author {
                out.push_str(&format!("author  {author}\n"));
            }
        }
        if let Some(parent) = version.parent_id {
            out.push_str(&format!("parent  {parent}\n"));
        }
        out.push_str(&format!("date    {}\n\n", time(version.created_at)));
        if let Some(message) = commit.and_then(|c| c.info.message.as_deref()) {
            for line in message.lines() {
                out.push_str(&format!("    {}\n", style.bold(line)));
            }
        }
        out.push_str(&format!("    {}\n", history.summary(i)));
    }
    Ok(out)
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
