//! A lineage with what changed at each version: what `log` and `tree` show.

use crate::cli::Limit;
use crate::database::Database;
use crate::failure::Failure;
use crate::id::IdArg;
use crate::render::json;
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;
use verso::{diff, Assembly, CommitRecord, Diff, EntityType, LineageTree, Uuid};

/// The versions of a lineage (all, or the newest few), each with its diff
/// against its parent.
pub struct LineageHistory {
    /// The versions shown as a tree, oldest first. The newest versions of a
    /// lineage hold every version forked from them (a fork is always newer),
    /// so a version is a head here exactly when it is one in the lineage.
    pub tree: LineageTree,
    /// For each version of `tree`, its diff against its parent (which may
    /// be older than the versions shown); `None` for a root of the lineage.
    pub diffs: Vec<Option<Diff>>,
    /// How many versions the whole lineage has.
    pub total_versions: usize,
    /// How many heads the whole lineage has.
    pub total_heads: usize,
    /// The commit that wrote each version, by version id (none for
    /// versions written before Verso recorded commits).
    pub commits: HashMap<Uuid, CommitRecord>,
}

impl LineageHistory {
    /// The history of the lineage `id` names (a lineage id, or any version
    /// id: its lineage), its newest `limit` versions.
    pub async fn of(
        database: &Database,
        id: &IdArg,
        limit: Limit,
    ) -> Result<LineageHistory, Failure> {
        let found = database.resolve(id).await?;
        Self::read(database, found.ty(), found.lineage_id(), limit).await
    }

    /// Reads the metadata of every version of the lineage (one indexed
    /// statement), then the newest `limit` versions and their parents with
    /// their subtrees (one load), and the commits of the lineage (one
    /// indexed statement).
    async fn read(
        database: &Database,
        ty: &'static EntityType,
        lineage_id: Uuid,
        limit: Limit,
    ) -> Result<LineageHistory, Failure> {
        let whole = LineageTree::new(
            ty.name,
            lineage_id,
            database.versions(ty, lineage_id).await?,
        );
        let shown_from = whole.versions.len() - limit.count(whole.versions.len());
        let shown = &whole.versions[shown_from..];
        let parent_of = |node: &verso::LineageNode| node.parent.map(|p| &whole.versions[p]);
        let mut ids: Vec<Uuid> = shown.iter().map(|node| node.version.ecs_id).collect();
        ids.extend(shown.iter().filter_map(parent_of).map(|p| p.version.ecs_id));
        ids.sort_unstable();
        ids.dedup();
        let loaded = database.load(ty, ids).await?;
        let assembly = Assembly::new(&loaded)?;
        let diffs = shown
            .iter()
            .map(|node| {
                parent_of(node)
                    .map(|parent| {
                        let old = assembly.tree(parent.version.ecs_id)?;
                        Ok(diff(&old, &assembly.tree(node.version.ecs_id)?))
                    })
                    .transpose()
            })
            .collect::<verso::Result<Vec<_>>>()?;
        let metas = shown.iter().map(|node| node.version.clone()).collect();
        Ok(LineageHistory {
            tree: LineageTree::new(ty.name, lineage_id, metas),
            diffs,
            total_versions: whole.versions.len(),
            total_heads: whole.heads().count(),
            commits: database.commits_of_lineage(lineage_id).await?,
        })
    }

    /// The commit that wrote version `index`, if recorded.
    pub fn commit(&self, index: usize) -> Option<&CommitRecord> {
        self.commits.get(&self.tree.versions[index].version.ecs_id)
    }

    /// Version `index` as JSON: its metadata, the commit that wrote it
    /// (`null` if none is recorded), whether it is a head, and its summary;
    /// commands add their own keys.
    pub fn json_entry(&self, index: usize) -> Map<String, Json> {
        let node = &self.tree.versions[index];
        let mut entry = json::meta(&node.version);
        let commit = self.commit(index).map_or(Json::Null, json::commit);
        entry.insert("commit".into(), commit);
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
