//! A lineage with what changed at each version: what `log` and `tree` show.

use crate::database::Database;
use crate::failure::Failure;
use crate::render::json;
use serde_json::{json, Map, Value as Json};
use verso::{diff, Assembly, Diff, EntityType, LineageTree, Uuid};

/// Every version of a lineage, with its diff against its parent.
pub struct LineageHistory {
    /// The versions as a tree, oldest first.
    pub tree: LineageTree,
    /// For each version of `tree`, its diff against its parent; `None` for
    /// a root.
    pub diffs: Vec<Option<Diff>>,
}

impl LineageHistory {
    /// The history of the lineage `id` names: a lineage id, or any version
    /// id (its lineage).
    pub async fn of(database: &Database, id: Uuid) -> Result<LineageHistory, Failure> {
        let found = database.resolve(id).await?;
        Self::read(database, found.ty(), found.lineage_id()).await
    }

    /// Reads every version of the lineage with its subtree (one load).
    async fn read(
        database: &Database,
        ty: &'static EntityType,
        lineage_id: Uuid,
    ) -> Result<LineageHistory, Failure> {
        let versions = database.versions(ty, lineage_id).await?;
        let ids: Vec<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
        let loaded = database.load(ty, ids).await?;
        let assembly = Assembly::new(&loaded)?;
        let tree = LineageTree::new(ty.name, lineage_id, versions);
        let trees = tree
            .versions
            .iter()
            .map(|node| assembly.tree(node.version.ecs_id))
            .collect::<verso::Result<Vec<_>>>()?;
        let diffs = tree
            .versions
            .iter()
            .enumerate()
            .map(|(i, node)| node.parent.map(|p| diff(&trees[p], &trees[i])))
            .collect();
        Ok(LineageHistory { tree, diffs })
    }

    /// Version `index` as JSON: its metadata, whether it is a head, and its
    /// summary; commands add their own keys.
    pub fn json_entry(&self, index: usize) -> Map<String, Json> {
        let node = &self.tree.versions[index];
        let mut entry = json::meta(&node.version);
        entry.insert("head".into(), json!(node.children.is_empty()));
        entry.insert("summary".into(), json!(self.summary(index)));
        entry
    }

    /// The JSON document of the lineage holding `versions`.
    pub fn json_document(&self, versions: Vec<Json>) -> String {
        json::to_text(&json!({
            "type": self.tree.type_name,
            "lineage": self.tree.lineage_id.to_string(),
            "versions": versions,
        }))
    }

    /// What version `index` changed, in a few words.
    pub fn summary(&self, index: usize) -> String {
        match &self.diffs[index] {
            Some(diff) => diff.summary(),
            None => "first version".into(),
        }
    }
}
