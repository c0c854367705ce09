//! `verso show ID`: one version with its fields and children, or one
//! commit with its metadata and the versions it wrote.

use crate::database::Database;
use crate::failure::Failure;
use crate::id::IdArg;
use crate::references::References;
use crate::render::{json, time, version_text, Style};
use crate::resolve::Found;
use serde_json::json;
use verso::{Assembly, CommitRecord, CommitVersion};

/// The version `id` names (a lineage: its newest version), as a tree; or,
/// for the whole id of a commit, that commit.
pub async fn run(
    database: &Database,
    id: &IdArg,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    if let IdArg::Whole(id) = id {
        if let Some(commit) = database.commit(*id).await? {
            let versions = database.versions_of_commit(commit.id).await?;
            return Ok(if as_json {
                commit_json(&commit, &versions)
            } else {
                commit_text(&commit, &versions, style)
            });
        }
    }
    let (ty, version) = match database.resolve(id).await? {
        Found::Version { ty, meta } => (ty, meta.ecs_id),
        Found::Lineage { ty, lineage_id } => {
            let versions = database.versions(ty, lineage_id).await?;
            let newest = versions.last().expect("a found lineage has versions");
            (ty, newest.ecs_id)
        }
    };
    let loaded = database.load(ty, vec![version]).await?;
    let tree = Assembly::new(&loaded)?.tree(version)?;
    let references = References::of_trees(database, &[&tree]).await?;
    if as_json {
        return Ok(json::to_text(&json::version_tree(&tree, &references)));
    }
    Ok(version_text::version_tree(&tree, &references, style))
}

/// A commit as JSON: its metadata, and the versions it wrote under
/// `versions`.
fn commit_json(commit: &CommitRecord, versions: &[CommitVersion]) -> String {
    let mut document = json::commit(commit);
    document["versions"] = json!(versions
        .iter()
        .map(json::commit_version)
        .collect::<Vec<_>>());
    json::to_text(&document)
}

/// A commit as text: id, author, date, key/values, message, then one line
/// per version it wrote (type, version, lineage).
fn commit_text(commit: &CommitRecord, versions: &[CommitVersion], style: Style) -> String {
    let mut out = style.yellow(&format!("commit {}", commit.id));
    out.push('\n');
    if let Some(author) = &commit.info.author {
        out.push_str(&format!("author  {author}\n"));
    }
    out.push_str(&format!("date    {}\n", time(commit.created_at)));
    for (key, value) in &commit.info.meta {
        out.push_str(&format!("meta    {key}: {value}\n"));
    }
    if let Some(message) = &commit.info.message {
        out.push('\n');
        for line in message.lines() {
            out.push_str(&format!("    {}\n", style.bold(line)));
        }
    }
    let count = versions.len();
    out.push_str(&format!(
        "\nwrote {count} version{}\n",
        super::log::plural(count)
    ));
    let width = versions
        .iter()
        .map(|v| v.type_name.len())
        .max()
        .unwrap_or(0);
    for version in versions {
        out.push_str(&format!(
            "  {:width$}  {}  lineage {}\n",
            version.type_name, version.ecs_id, version.lineage_id
        ));
    }
    out
}
