//! Commit planning: which versions a commit creates, decided without I/O.
//!
//! [`plan_commit`] walks the working copy bottom-up. A node is written when
//! it was never stored, or when its content (its columns and the ids of its
//! children, in order) differs from the content it was loaded or last
//! committed with. Because a changed child gets a new id, every ancestor's
//! content changes too, so propagation reaches the root however deep the
//! tree. Nothing is mutated until the driver has stored the plan; then
//! [`apply_commit`] updates the working copy's metadata in the same order.

use crate::content::Content;
use crate::driver::LinkRow;
use crate::entity::Node;
use crate::error::{Error, Result};
use crate::ids::{new_uuid, now};
use crate::report::{CommitReport, Created, Forked};
use crate::schema::EntityType;
use crate::value::Value;
use chrono::{DateTime, Duration, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
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

/// Everything one commit writes: new versions by table, and the child links
/// of every new version. Drivers store it in one transaction.
#[derive(Debug, Clone, Default)]
pub struct CommitPlan {
    /// New versions, grouped by table, in the order tables were first met.
    pub batches: Vec<TableBatch>,
    /// Child links of the new versions.
    pub links: Vec<LinkRow>,
}

impl CommitPlan {
    /// Whether the commit writes nothing.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty() && self.links.is_empty()
    }
    /// Number of rows the plan inserts (versions and links).
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(|b| b.rows.len()).sum::<usize>() + self.links.len()
    }
}

#[derive(Debug, Clone)]
enum Outcome {
    Unchanged,
    Stored {
        ecs_id: Uuid,
        parent_id: Option<Uuid>,
        created_at: DateTime<Utc>,
        content: Arc<Content>,
    },
}

/// A plan together with what is needed to update the working copy once it
/// is stored.
#[derive(Debug)]
pub struct PlannedCommit {
    /// What to write.
    pub plan: CommitPlan,
    /// What the commit does, for the caller.
    pub report: CommitReport,
    outcomes: Vec<Outcome>,
}

/// Plans the commit of the tree under `root`. With `force_root`, the root
/// gets a new version even if nothing changed (a fork).
pub fn plan_commit(root: &dyn Node, force_root: bool) -> Result<PlannedCommit> {
    let mut planner = Planner {
        now: now(),
        plan: CommitPlan::default(),
        report: CommitReport::default(),
        outcomes: Vec::new(),
        seen: HashMap::new(),
        batch_of_table: HashMap::new(),
    };
    planner.visit(root, force_root)?;
    Ok(PlannedCommit {
        plan: planner.plan,
        report: planner.report,
        outcomes: planner.outcomes,
    })
}

/// Updates the working copy's metadata after `planned` was stored.
/// `row_ids` maps each inserted version to its row id.
pub fn apply_commit(root: &mut dyn Node, planned: PlannedCommit, row_ids: &HashMap<Uuid, i64>) {
    let mut outcomes = planned.outcomes.into_iter();
    apply_node(root, &mut outcomes, row_ids);
}

fn apply_node(
    node: &mut dyn Node,
    outcomes: &mut std::vec::IntoIter<Outcome>,
    row_ids: &HashMap<Uuid, i64>,
) {
    node.for_each_child_mut(&mut |_, child| apply_node(child, outcomes, row_ids));
    if let Some(Outcome::Stored {
        ecs_id,
        parent_id,
        created_at,
        content,
    }) = outcomes.next()
    {
        let meta = node.meta_mut();
        meta.id = row_ids.get(&ecs_id).copied().or(meta.id);
        meta.ecs_id = ecs_id;
        meta.parent_id = parent_id;
        meta.created_at = created_at;
        meta.set_stored(content);
    }
}

struct Planner {
    now: DateTime<Utc>,
    plan: CommitPlan,
    report: CommitReport,
    /// One entry per visited node, in post-order.
    outcomes: Vec<Outcome>,
    /// Versions planned so far by the id they had in the working copy, so
    /// that clones of one entity (a shared child) are written once.
    seen: HashMap<Uuid, Vec<(Arc<Content>, Outcome)>>,
    batch_of_table: HashMap<&'static str, usize>,
}

impl Planner {
    fn visit(&mut self, node: &dyn Node, force: bool) -> Result<Uuid> {
        let ty = node.node_type();
        let mut children: Vec<Vec<Uuid>> = vec![Vec::new(); ty.children.len()];
        let mut failure = None;
        node.for_each_child(&mut |field, child| {
            if failure.is_none() {
                match self.visit(child, false) {
                    Ok(id) => children[field].push(id),
                    Err(e) => failure = Some(e),
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let content = Content {
            values: node.column_values()?,
            children,
        };
        let meta = node.meta();
        if let Some(earlier) = self.seen.get(&meta.ecs_id).and_then(|planned| {
            planned
                .iter()
                .find(|(c, _)| **c == content)
                .map(|(_, o)| o.clone())
        }) {
            let id = match &earlier {
                Outcome::Stored { ecs_id, .. } => *ecs_id,
                Outcome::Unchanged => meta.ecs_id,
            };
            self.outcomes.push(earlier);
            return Ok(id);
        }
        let unchanged = meta.stored.as_deref() == Some(&content) && !force;
        if unchanged {
            self.outcomes.push(Outcome::Unchanged);
            self.remember(meta.ecs_id, Arc::new(content), Outcome::Unchanged);
            return Ok(meta.ecs_id);
        }
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
            (meta.ecs_id, None, self.now)
        } else {
            let ecs_id = new_uuid();
            self.report.forked.push(Forked {
                type_name: ty.name,
                lineage_id: meta.lineage_id,
                from: meta.ecs_id,
                to: ecs_id,
            });
            let after_parent = meta.created_at + Duration::microseconds(1);
            (ecs_id, Some(meta.ecs_id), self.now.max(after_parent))
        };
        for (field, ids) in ty.children.iter().zip(&content.children) {
            let child_type = field.target.name();
            for (position, child) in ids.iter().enumerate() {
                self.plan.links.push(LinkRow {
                    parent: ecs_id,
                    field: Cow::Borrowed(field.name),
                    position: position as i64,
                    child: *child,
                    child_type: Cow::Borrowed(child_type),
                });
            }
        }
        let content = Arc::new(content);
        self.batch(ty).rows.push(NewVersion {
            ecs_id,
            lineage_id: meta.lineage_id,
            parent_id,
            created_at,
            values: content.values.clone(),
        });
        let outcome = Outcome::Stored {
            ecs_id,
            parent_id,
            created_at,
            content: content.clone(),
        };
        self.outcomes.push(outcome.clone());
        self.remember(meta.ecs_id, content, outcome);
        Ok(ecs_id)
    }

    fn remember(&mut self, source: Uuid, content: Arc<Content>, outcome: Outcome) {
        self.seen
            .entry(source)
            .or_default()
            .push((content, outcome));
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
