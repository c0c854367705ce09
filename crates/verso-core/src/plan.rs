//! Commit planning: which versions a commit creates, decided without I/O.
//!
//! [`plan_commit`] walks the working copy bottom-up. A node is written when
//! it was never stored, or when its content (its columns and the ids of its
//! children, in order) differs from the content it was loaded or last
//! committed with. Because a changed child gets a new id, every ancestor's
//! content changes too, so propagation reaches the root however deep the
//! tree. Nothing is mutated until the driver has stored the plan; then
//! [`apply_commit`] updates the working copy's metadata in the same order.

use crate::commit_info::{CommitInfo, CommitRow};
use crate::content::Content;
use crate::entity::Node;
use crate::error::{Error, Result};
use crate::ids::{new_uuid, now};
use crate::list::{self, ChunkRow, ChunkedList, ListChange, ListRow};
use crate::meta::PendingVersion;
use crate::report::{CommitReport, Created, Forked};
use crate::schema::EntityType;
use crate::value::Value;
use chrono::{DateTime, Duration, Utc};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// One version to insert.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// Version id.
    pub ecs_id: Uuid,
    /// Lineage id.
    pub lineage_id: Uuid,
    /// Parent version, `None` for a first version.
    pub parent_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Column values, in the order of the type's columns.
    pub values: Vec<Value>,
}

/// The versions of one commit that go into one table.
#[derive(Debug, Clone)]
pub struct TableBatch {
    /// The type (and so the table).
    pub entity_type: &'static EntityType,
    /// Versions to insert.
    pub rows: Vec<NewVersion>,
}

/// Everything one commit writes: new versions by table, the child lists of
/// every new version with the chunks they do not share with the versions
/// they fork from, and which children each list gained or lost. Drivers
/// store it in one transaction, and keep each lineage's heads with it
/// ([`new_heads`](Self::new_heads), [`replaced_heads`](Self::replaced_heads)).
#[derive(Debug, Clone, Default)]
pub struct CommitPlan {
    /// New versions, grouped by table, in the order tables were first met.
    pub batches: Vec<TableBatch>,
    /// The non-empty child lists of the new versions.
    pub lists: Vec<ListRow>,
    /// Chunks the lists need that the versions they fork from did not
    /// hold (a chunk stored elsewhere already is stored once: drivers
    /// insert chunks idempotently).
    pub chunks: Vec<ChunkRow>,
    /// Children each new version's lists gained or lost against the
    /// version it forks from.
    pub changes: Vec<ListChange>,
    /// Fail with [`Error::Conflict`] instead of branching: no version this
    /// plan forks may already have a child version.
    pub refuse_branches: bool,
    /// The references the new versions hold that the versions they fork
    /// from did not: what must be stored for the commit to be valid (see
    /// [`reference_checks`](Self::reference_checks)).
    pub references: Vec<crate::NewReference>,
    /// The commit's own row (its id and metadata), stored with its
    /// versions, each linked to it; `None` in a hand-built plan, which
    /// then writes no commit row.
    pub commit: Option<CommitRow>,
}

impl CommitPlan {
    /// Per table, the versions this plan forks from (the parents of its new
    /// versions): what a driver checks when [`refuse_branches`](Self::refuse_branches) is set.
    pub fn forked_parents(&self) -> Vec<(&'static EntityType, Vec<Uuid>)> {
        self.batches
            .iter()
            .map(|b| {
                (
                    b.entity_type,
                    b.rows
                        .iter()
                        .filter_map(|r| r.parent_id)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, parents)| !parents.is_empty())
            .collect()
    }
    /// Whether the commit writes nothing.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
    /// Number of new versions.
    pub fn version_count(&self) -> usize {
        self.batches.iter().map(|b| b.rows.len()).sum()
    }
    /// Number of rows the plan inserts: versions, lists, chunks, list
    /// changes and one head per new version; with a commit row, that row
    /// and one link per new version.
    pub fn row_count(&self) -> usize {
        let commit = self.commit.as_ref().map_or(0, |_| 1 + self.version_count());
        2 * self.version_count()
            + self.lists.len()
            + self.chunks.len()
            + self.changes.len()
            + commit
    }
    /// `(lineage_id, ecs_id)` of every new version: each is a head of its
    /// lineage once stored.
    pub fn new_heads(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.batches
            .iter()
            .flat_map(|b| &b.rows)
            .map(|r| (r.lineage_id, r.ecs_id))
    }
    /// `(lineage_id, parent_id)` of every forked version: none of them is a
    /// head once the plan is stored.
    pub fn replaced_heads(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.batches
            .iter()
            .flat_map(|b| &b.rows)
            .filter_map(|r| r.parent_id.map(|p| (r.lineage_id, p)))
    }
}

/// What the commit does to one node of the working copy, in post-order.
/// Small (one pointer) since a big tree has one per node, nearly all
/// unchanged.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Unchanged,
    Stored(Arc<PendingVersion>),
}

/// A plan together with what is needed to update the working copy once it
/// is stored.
#[derive(Debug)]
pub struct PlannedCommit {
    /// What to write.
    pub plan: CommitPlan,
    /// What the commit does, for the caller.
    pub report: CommitReport,
    /// Per root, in the order the roots were given.
    pub(crate) outcomes: Vec<Vec<Outcome>>,
    /// Versions interrupted commits may have stored for nodes of the tree
    /// (see [`Meta::is_unsettled`](crate::Meta::is_unsettled)).
    pub(crate) unsettled: Vec<Unsettled>,
    /// Whether the plan stores again a version an interrupted commit
    /// planned, under the same id.
    pub(crate) replays: bool,
}

/// Plans the commit of the tree under `root`. With `force_root`, the root
/// gets a new version even if nothing changed (a fork).
pub fn plan_commit(root: &dyn Node, force_root: bool) -> Result<PlannedCommit> {
    plan_commit_with(root, force_root, false)
}

/// [`plan_commit`], refusing to branch when `refuse_branches` is set (see
/// [`CommitPlan::refuse_branches`]).
pub fn plan_commit_with(
    root: &dyn Node,
    force_root: bool,
    refuse_branches: bool,
) -> Result<PlannedCommit> {
    plan_commit_roots(&[root], force_root, refuse_branches, &CommitInfo::default())
}

/// Plans one commit of several trees: their versions are stored together
/// in one transaction, under one commit id and its metadata `info`. With
/// `force_roots`, every root gets a new version even if nothing changed.
/// An entity shared by two trees is planned once, as within one tree.
pub fn plan_commit_roots(
    roots: &[&dyn Node],
    force_roots: bool,
    refuse_branches: bool,
    info: &CommitInfo,
) -> Result<PlannedCommit> {
    let mut planner = Planner {
        now: now(),
        plan: CommitPlan::default(),
        report: CommitReport::default(),
        outcomes: Vec::new(),
        seen: HashMap::new(),
        batch_of_table: HashMap::new(),
        planned_chunks: HashSet::new(),
        unsettled: Vec::new(),
        replays: false,
        commit: new_uuid(),
    };
    let commit_row = info.to_row(planner.commit, planner.now)?;
    let mut outcomes = Vec::with_capacity(roots.len());
    for root in roots {
        planner.visit(*root, force_roots, 0)?;
        outcomes.push(std::mem::take(&mut planner.outcomes));
    }
    planner.plan.refuse_branches = refuse_branches;
    if !planner.plan.is_empty() {
        planner.plan.commit = Some(commit_row);
        planner.report.commit_id = Some(planner.commit);
    }
    Ok(PlannedCommit {
        plan: planner.plan,
        report: planner.report,
        outcomes,
        unsettled: planner.unsettled,
        replays: planner.replays,
    })
}

/// Updates the working copy's metadata after `planned` was stored.
/// `row_ids` maps each inserted version to its row id. Every node of the
/// tree is settled afterwards: no interrupted commit is pending.
pub fn apply_commit(root: &mut dyn Node, planned: PlannedCommit, row_ids: &HashMap<Uuid, i64>) {
    apply_commit_roots(&mut [root], planned, row_ids);
}

/// [`apply_commit`] for a plan of several roots ([`plan_commit_roots`]),
/// given in the order they were planned.
pub fn apply_commit_roots(
    roots: &mut [&mut dyn Node],
    planned: PlannedCommit,
    row_ids: &HashMap<Uuid, i64>,
) {
    for (root, outcomes) in roots.iter_mut().zip(planned.outcomes) {
        apply_node(&mut **root, &mut outcomes.into_iter(), row_ids, 0);
    }
}

fn apply_node(
    node: &mut dyn Node,
    outcomes: &mut std::vec::IntoIter<Outcome>,
    row_ids: &HashMap<Uuid, i64>,
    depth: usize,
) {
    node.for_each_child_mut(&mut |_, child| {
        crate::deep::descend_at(depth + 1, || {
            apply_node(child, outcomes, row_ids, depth + 1)
        })
    });
    let meta = node.meta_mut();
    meta.pending = None;
    if let Some(Outcome::Stored(stored)) = outcomes.next() {
        meta.id = row_ids.get(&stored.ecs_id).copied().or(meta.id);
        meta.ecs_id = stored.ecs_id;
        meta.parent_id = stored.parent_id;
        meta.created_at = stored.created_at;
        meta.set_stored(stored.content.clone());
    }
}

struct Planner {
    now: DateTime<Utc>,
    plan: CommitPlan,
    report: CommitReport,
    /// One entry per visited node, in post-order.
    outcomes: Vec<Outcome>,
    /// New versions planned so far by the id their node had in the working
    /// copy, so that equal clones of one entity (a shared child) are
    /// written once.
    seen: HashMap<Uuid, Vec<Arc<PendingVersion>>>,
    batch_of_table: HashMap<&'static str, usize>,
    /// Chunks already in the plan.
    planned_chunks: HashSet<Uuid>,
    unsettled: Vec<Unsettled>,
    replays: bool,
    /// Identifies this commit in the versions it plans.
    commit: Uuid,
}

/// A version an interrupted commit planned for a node of the tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unsettled {
    pub(crate) entity_type: &'static EntityType,
    pub(crate) ecs_id: Uuid,
    pub(crate) commit: Uuid,
}

impl Planner {
    fn visit(&mut self, node: &dyn Node, force: bool, depth: usize) -> Result<Uuid> {
        let ty = node.node_type();
        // Sized as the stored lists were: most commits keep their length.
        let stored_children = node.meta().stored.as_deref().map(|s| &s.children);
        let mut children: Vec<Vec<Uuid>> = if ty.children.is_empty() {
            Vec::new()
        } else {
            (0..ty.children.len())
                .map(|field| {
                    let stored = stored_children
                        .and_then(|c| c.get(field))
                        .map_or(0, Vec::len);
                    Vec::with_capacity(stored)
                })
                .collect()
        };
        let mut failure = None;
        node.for_each_child(&mut |field, child| {
            if failure.is_none() {
                match crate::deep::descend_at(depth + 1, || self.visit(child, false, depth + 1)) {
                    Ok(id) => children[field].push(id),
                    Err(e) => failure = Some(e),
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let meta = node.meta();
        if let Some(pending) = &meta.pending {
            self.unsettled.push(Unsettled {
                entity_type: ty,
                ecs_id: pending.ecs_id,
                commit: pending.commit,
            });
        }
        // Most of a big tree is unchanged: settle that first, comparing in
        // place and remembering nothing (a later copy equal to the stored
        // content is unchanged by the same test).
        if let Some(stored) = meta.stored.as_deref().filter(|_| !force) {
            if stored.children == children && node.columns_equal(&stored.values)? {
                self.outcomes.push(Outcome::Unchanged);
                return Ok(meta.ecs_id);
            }
        }
        let mut content = Content::new(node.column_values()?, children);
        if let Some(planned) = self.seen.get(&meta.ecs_id) {
            if let Some(earlier) = planned.iter().find(|v| *v.content == content) {
                let id = earlier.ecs_id;
                self.outcomes.push(Outcome::Stored(earlier.clone()));
                return Ok(id);
            }
            if meta.stored.is_some() {
                return Err(Error::InvalidInput {
                    type_name: ty.name.to_string(),
                    id: meta.ecs_id,
                    detail: "two copies of this version in the tree were edited differently, \
                             which would make two diverging versions of one lineage; edit \
                             every copy alike, or give one copy its own Meta::new()"
                        .into(),
                });
            }
        }
        crate::validate::check_values(ty, meta.ecs_id, &content.values)?;
        crate::reference_check::new_references(
            ty,
            meta.ecs_id,
            &content.values,
            meta.stored.as_deref().map(|s| s.values.as_slice()),
            &mut self.plan.references,
        );
        // The version an interrupted commit planned for this same content
        // is stored under its id, so that it cannot land beside this one.
        let replayed = meta.pending.as_deref().filter(|pending| {
            let base = meta.stored.as_ref().map(|_| meta.ecs_id);
            pending.parent_id == base && *pending.content == content
        });
        self.replays |= replayed.is_some();
        let (ecs_id, parent_id, created_at) = if meta.stored.is_none() {
            if self.seen.contains_key(&meta.ecs_id) {
                return Err(Error::InvalidInput {
                    type_name: ty.name.to_string(),
                    id: meta.ecs_id,
                    detail: "a new entity appears twice in the tree with different content; \
                             give each copy its own Meta::new()"
                        .into(),
                });
            }
            self.report.created.push(Created {
                type_name: ty.name,
                lineage_id: meta.lineage_id,
                ecs_id: meta.ecs_id,
            });
            (
                meta.ecs_id,
                None,
                replayed.map_or(self.now, |p| p.created_at),
            )
        } else {
            let ecs_id = replayed.map_or_else(new_uuid, |p| p.ecs_id);
            self.report.forked.push(Forked {
                type_name: ty.name,
                lineage_id: meta.lineage_id,
                from: meta.ecs_id,
                to: ecs_id,
            });
            let after_parent = meta.created_at + Duration::microseconds(1);
            let created_at = replayed.map_or(self.now.max(after_parent), |p| p.created_at);
            (ecs_id, Some(meta.ecs_id), created_at)
        };
        content.lists = self.plan_lists(ty, ecs_id, meta.stored.as_deref(), &content.children);
        let content = Arc::new(content);
        self.batch(ty).rows.push(NewVersion {
            ecs_id,
            lineage_id: meta.lineage_id,
            parent_id,
            created_at,
            values: content.values.clone(),
        });
        let stored = Arc::new(PendingVersion {
            commit: self.commit,
            ecs_id,
            parent_id,
            created_at,
            content,
        });
        self.outcomes.push(Outcome::Stored(stored.clone()));
        self.seen.entry(meta.ecs_id).or_default().push(stored);
        Ok(ecs_id)
    }

    /// Plans the child lists of the new version `ecs_id` of `ty`: a list
    /// row per non-empty child field, the chunks the version's lists hold
    /// that the version it forks from (`stored`) did not, and the children
    /// each list gained or lost. Returns the chunk tree of each field.
    fn plan_lists(
        &mut self,
        ty: &'static EntityType,
        ecs_id: Uuid,
        stored: Option<&Content>,
        children: &[Vec<Uuid>],
    ) -> Vec<Option<Arc<ChunkedList>>> {
        let mut shapes = Vec::with_capacity(children.len());
        for (index, (field, ids)) in ty.children.iter().zip(children).enumerate() {
            let old_ids = stored
                .and_then(|s| s.children.get(index))
                .map_or(&[][..], Vec::as_slice);
            let old_shape = stored.and_then(|s| s.list(index));
            list::changes(ecs_id, field.name, old_ids, ids, &mut self.plan.changes);
            if ids.is_empty() {
                shapes.push(None);
                continue;
            }
            let shape = match old_shape {
                Some(shape) if old_ids == ids.as_slice() => shape.clone(),
                _ => {
                    // From the stored tree, only the chunks around the
                    // change are cut again; without one, every chunk is
                    // sent (those stored already are not written twice).
                    let built = match old_shape {
                        Some(old) => old.rebuild(old_ids, ids),
                        None => ChunkedList::build(ids),
                    };
                    for chunk in built.chunks {
                        if self.planned_chunks.insert(chunk.id) {
                            self.plan.chunks.push(chunk);
                        }
                    }
                    built.shape
                }
            };
            self.plan.lists.push(ListRow {
                parent: ecs_id,
                field: Cow::Borrowed(field.name),
                child_type: Cow::Borrowed(field.target.name()),
                height: shape.height() as i64,
                entries: shape.root().to_vec(),
            });
            shapes.push(Some(shape));
        }
        shapes
    }

    fn batch(&mut self, ty: &'static EntityType) -> &mut TableBatch {
        let index = *self.batch_of_table.entry(ty.table).or_insert_with(|| {
            self.plan.batches.push(TableBatch {
                entity_type: ty,
                rows: Vec::new(),
            });
            self.plan.batches.len() - 1
        });
        &mut self.plan.batches[index]
    }
}

#[cfg(test)]
impl CommitPlan {
    /// Row ids 1, 2, ... for the plan's versions in order, as a driver
    /// that stored it would return them: for tests that apply a plan.
    pub(crate) fn numbered_row_ids(&self) -> HashMap<Uuid, i64> {
        self.batches
            .iter()
            .flat_map(|b| &b.rows)
            .enumerate()
            .map(|(i, row)| (row.ecs_id, i as i64 + 1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Meta;
    use verso_derive::Entity;

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Leaf {
        meta: Meta,
        value: i64,
    }

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Branch {
        meta: Meta,
        #[verso(child)]
        leaves: Vec<Leaf>,
    }

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Root {
        meta: Meta,
        title: String,
        #[verso(child)]
        branches: Vec<Branch>,
    }

    fn leaf(value: i64) -> Leaf {
        Leaf {
            meta: Meta::new(),
            value,
        }
    }

    fn tree() -> Root {
        Root {
            meta: Meta::new(),
            title: "root".into(),
            branches: vec![
                Branch {
                    meta: Meta::new(),
                    leaves: vec![leaf(1), leaf(2)],
                },
                Branch {
                    meta: Meta::new(),
                    leaves: vec![leaf(3)],
                },
            ],
        }
    }

    /// Plans and applies a commit as if the driver stored it.
    fn commit(root: &mut Root, force: bool) -> Result<(CommitPlan, CommitReport)> {
        let planned = plan_commit(root, force)?;
        let plan = planned.plan.clone();
        let report = planned.report.clone();
        let row_ids = plan.numbered_row_ids();
        apply_commit(root, planned, &row_ids);
        Ok((plan, report))
    }

    #[test]
    fn a_new_tree_creates_every_entity_with_its_lists_in_order() {
        let mut root = tree();
        let (plan, report) = commit(&mut root, false).unwrap();
        assert_eq!(report.created.len(), 6);
        assert_eq!(plan.batches.len(), 3, "one batch per table");
        let root_list = plan
            .lists
            .iter()
            .find(|l| l.parent == root.meta.ecs_id())
            .unwrap();
        assert_eq!(root_list.height, 0, "a short list sits in its row");
        assert_eq!(
            root_list.entries,
            [
                root.branches[0].meta.ecs_id(),
                root.branches[1].meta.ecs_id()
            ]
        );
        assert!(root.meta.is_stored() && root.meta.id().is_some());
    }

    #[test]
    fn an_unchanged_tree_plans_nothing() {
        let mut root = tree();
        commit(&mut root, false).unwrap();
        let planned = plan_commit(&root, false).unwrap();
        assert!(planned.plan.is_empty());
        assert!(planned.report.is_empty());
    }

    #[test]
    fn a_leaf_change_forks_every_ancestor_and_nothing_else() {
        let mut root = tree();
        commit(&mut root, false).unwrap();
        let before = root.clone();
        root.branches[0].leaves[1].value = 20;
        let (plan, report) = commit(&mut root, false).unwrap();
        let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
        assert_eq!(forked, ["Leaf", "Branch", "Root"]);
        assert_eq!(plan.version_count(), 3);
        assert_eq!(plan.lists.len(), 2, "the new branch's and the new root's");
        assert!(plan.chunks.is_empty(), "short lists need no chunks");
        let changed: Vec<(Uuid, bool)> = plan.changes.iter().map(|c| (c.child, c.added)).collect();
        assert_eq!(
            changed,
            [
                (root.branches[0].leaves[1].meta.ecs_id(), true),
                (before.branches[0].leaves[1].meta.ecs_id(), false),
                (root.branches[0].meta.ecs_id(), true),
                (before.branches[0].meta.ecs_id(), false),
            ]
        );
        assert_eq!(root.branches[1], before.branches[1]);
        assert_eq!(root.branches[0].leaves[0], before.branches[0].leaves[0]);
        let leaf = &root.branches[0].leaves[1].meta;
        assert_eq!(
            leaf.parent_id(),
            Some(before.branches[0].leaves[1].meta.ecs_id())
        );
        assert!(leaf.created_at() > before.branches[0].leaves[1].meta.created_at());
    }

    #[test]
    fn a_forced_fork_versions_only_the_root() {
        let mut root = tree();
        commit(&mut root, false).unwrap();
        let (plan, report) = commit(&mut root, true).unwrap();
        assert_eq!(report.forked.len(), 1);
        assert_eq!(plan.lists.len(), 1);
        assert_eq!(
            plan.lists[0].entries.len(),
            2,
            "the new root lists the same branches"
        );
        assert!(plan.changes.is_empty(), "and gains or loses none");
    }

    #[test]
    fn clones_of_a_new_entity_are_one_version() {
        let mut root = tree();
        let shared = leaf(9);
        root.branches[0].leaves.push(shared.clone());
        root.branches[1].leaves.push(shared);
        let (plan, _) = commit(&mut root, false).unwrap();
        let leaves = plan
            .batches
            .iter()
            .find(|b| b.entity_type.name == "Leaf")
            .unwrap();
        assert_eq!(leaves.rows.len(), 4);
    }

    #[test]
    fn a_new_entity_twice_with_different_content_is_invalid_input() {
        let mut root = tree();
        let shared = leaf(9);
        let mut changed = shared.clone();
        changed.value = 10;
        root.branches[0].leaves.push(shared.clone());
        root.branches[1].leaves.push(changed);
        let before = root.clone();
        match commit(&mut root, false) {
            Err(Error::InvalidInput { type_name, id, .. }) => {
                assert_eq!((type_name.as_str(), id), ("Leaf", shared.meta.ecs_id()));
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        assert_eq!(root, before, "nothing was applied");
    }

    #[test]
    fn two_differently_edited_copies_of_one_version_are_invalid_input() {
        let mut root = tree();
        commit(&mut root, false).unwrap();
        let shared = root.branches[0].clone();
        let mut copy = shared.clone();
        copy.leaves.pop();
        root.branches.push(copy);
        root.branches[0].leaves[0].value = 100;
        let before = root.clone();
        match commit(&mut root, false) {
            Err(Error::InvalidInput { type_name, id, .. }) => {
                assert_eq!((type_name.as_str(), id), ("Branch", shared.meta.ecs_id()));
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        assert_eq!(root, before, "nothing was applied");
    }

    #[test]
    fn several_roots_are_one_plan_under_one_commit_and_each_gets_its_own_versions() {
        let mut root = tree();
        let mut other = leaf(7);
        let info = CommitInfo::new().author("ana");
        let planned = plan_commit_roots(&[&root, &other], false, false, &info).unwrap();
        let commit = planned.plan.commit.clone().expect("a commit row");
        assert_eq!(planned.report.commit_id, Some(commit.id));
        assert_eq!(commit.author.as_deref(), Some("ana"));
        assert_eq!(planned.report.created.len(), 7, "six in the tree, one leaf");
        assert_eq!(planned.plan.batches.len(), 3, "leaves share their table");
        let row_ids = planned.plan.numbered_row_ids();
        apply_commit_roots(&mut [&mut root, &mut other], planned, &row_ids);
        assert!(root.meta.is_stored() && other.meta.is_stored());
        assert_eq!(other.meta.id(), row_ids.get(&other.meta.ecs_id()).copied());
    }

    #[test]
    fn an_unchanged_set_of_roots_plans_no_commit_row() {
        let mut root = tree();
        commit(&mut root, false).unwrap();
        let planned = plan_commit_roots(&[&root], false, false, &CommitInfo::new()).unwrap();
        assert!(planned.plan.is_empty() && planned.plan.commit.is_none());
        assert_eq!(planned.report.commit_id, None);
    }
}
