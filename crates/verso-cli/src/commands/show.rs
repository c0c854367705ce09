//! `verso show ID`: one version with its fields and children.

use crate::database::Database;
use crate::failure::Failure;
use crate::id::IdArg;
use crate::references::References;
use crate::render::{json, version_text, Style};
use crate::resolve::Found;
use verso::Assembly;

/// The version `id` names (a lineage: its newest version), as a tree.
pub async fn run(
    database: &Database,
    id: &IdArg,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
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
