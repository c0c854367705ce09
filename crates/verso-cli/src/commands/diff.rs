//! `verso diff ID1 ID2`: what changed between two versions of a lineage.

use crate::database::Database;
use crate::failure::Failure;
use crate::id::IdArg;
use crate::references::References;
use crate::render::{diff_text, json, Style};
use verso::{diff, Assembly};

/// The diff from version `old` to version `new` of one lineage.
pub async fn run(
    database: &Database,
    old: &IdArg,
    new: &IdArg,
    as_json: bool,
    style: Style,
) -> Result<String, Failure> {
    let old_found = database.resolve(old).await?;
    let ty = old_found.ty();
    let old_version = old_found.into_version("diff")?;
    let new_found = database.resolve(new).await?;
    let new_type = new_found.ty();
    let new_version = new_found.into_version("diff")?;
    let (old, new) = (old_version.ecs_id, new_version.ecs_id);
    if old_version.lineage_id != new_version.lineage_id {
        return Err(Failure::new(format!(
            "{old} and {new} are not versions of one lineage: the first is a {} of lineage {}, \
             the second a {} of lineage {}",
            ty.name, old_version.lineage_id, new_type.name, new_version.lineage_id
        )));
    }
    let loaded = database.load(ty, vec![old, new]).await?;
    let assembly = Assembly::new(&loaded)?;
    let diff = diff(&assembly.tree(old)?, &assembly.tree(new)?);
    let references = References::of_diffs(database, &[&diff]).await?;
    if as_json {
        return Ok(json::to_text(&json::diff(&diff, &references)));
    }
    Ok(diff_text::diff(&diff, &references, style))
}
