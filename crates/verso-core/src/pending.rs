//! Commits interrupted with their outcome unknown.
//!
//! A commit whose future is dropped (a timeout, a cancelled task) may still
//! land: the driver's transaction can run to its end without the caller,
//! and a connection lost while `COMMIT` is in flight says nothing of the
//! outcome. The working copy cannot be updated then, so it keeps the
//! version it had, and [`mark_unsettled`] notes in each node the version
//! the commit planned for it. The next commit holding such a node asks the
//! store which of those versions exist ([`PlannedCommit::unsettled`]) and
//! [`settle`]s the tree: a node whose version landed becomes that version,
//! the others keep their note, so that committing the same content again
//! reuses the same ids (a late landing then collides instead of making a
//! second version beside it).

use crate::entity::Node;
use crate::plan::{Outcome, PlannedCommit, Unsettled};
use crate::schema::EntityType;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Groups versions by type, each id once, types in the order first met.
fn by_type<'a>(
    versions: impl Iterator<Item = &'a Unsettled>,
) -> Vec<(&'static EntityType, Vec<Uuid>)> {
    let mut grouped: Vec<(&'static EntityType, Vec<Uuid>)> = Vec::new();
    let mut seen = HashSet::new();
    for version in versions.filter(|v| seen.insert(v.ecs_id)) {
        let index = match grouped
            .iter()
            .position(|(t, _)| t.table == version.entity_type.table)
        {
            Some(index) => index,
            None => {
                grouped.push((version.entity_type, Vec::new()));
                grouped.len() - 1
            }
        };
        grouped[index].1.push(version.ecs_id);
    }
    grouped
}

impl PlannedCommit {
    /// The versions, by type, that interrupted commits may have stored for
    /// nodes of the tree (each id once). Empty unless a commit holding one
    /// of these nodes was interrupted; when it is not, the caller looks
    /// them up, [`settle`]s the tree and plans again.
    pub fn unsettled(&self) -> Vec<(&'static EntityType, Vec<Uuid>)> {
        by_type(self.unsettled.iter())
    }

    /// Of the [`unsettled`](Self::unsettled) versions, those missing from
    /// `found` although another version of their commit is in it. A commit
    /// lands whole, so they landed too, after they were looked up (the
    /// commit finished meanwhile): the caller looks them up again before
    /// it settles the tree, so the tree never takes half a commit.
    pub fn unsettled_of_landed_commits(
        &self,
        found: &HashMap<Uuid, i64>,
    ) -> Vec<(&'static EntityType, Vec<Uuid>)> {
        let landed: HashSet<Uuid> = self
            .unsettled
            .iter()
            .filter(|u| found.contains_key(&u.ecs_id))
            .map(|u| u.commit)
            .collect();
        by_type(
            self.unsettled
                .iter()
                .filter(|u| landed.contains(&u.commit) && !found.contains_key(&u.ecs_id)),
        )
    }

    /// Whether the plan stores again, under the same ids, versions that an
    /// interrupted commit planned: if the store holds one of them already,
    /// that commit landed after all, and the tree must be settled again.
    pub fn replays_interrupted(&self) -> bool {
        self.replays
    }
}

/// Notes in every node that `planned` writes a version for that version,
/// because the commit was interrupted with its outcome unknown. The nodes
/// keep showing the versions they had.
pub fn mark_unsettled(root: &mut dyn Node, planned: &PlannedCommit) {
    mark_unsettled_roots(&mut [root], planned);
}

/// [`mark_unsettled`] for a plan of several roots, given in the order they
/// were planned.
pub fn mark_unsettled_roots(roots: &mut [&mut dyn Node], planned: &PlannedCommit) {
    for (root, outcomes) in roots.iter_mut().zip(&planned.outcomes) {
        mark_node(&mut **root, &mut outcomes.iter(), 0);
    }
}

fn mark_node<'a>(node: &mut dyn Node, outcomes: &mut std::slice::Iter<'a, Outcome>, depth: usize) {
    node.for_each_child_mut(&mut |_, child| {
        crate::deep::descend_at(depth + 1, || mark_node(child, outcomes, depth + 1))
    });
    if let Some(Outcome::Stored(version)) = outcomes.next() {
        node.meta_mut().pending = Some(version.clone());
    }
}

/// Settles the nodes interrupted commits left unsettled: one whose noted
/// version is in `landed` (version id to row id) becomes that version;
/// the others keep their note.
pub fn settle(root: &mut dyn Node, landed: &HashMap<Uuid, i64>) {
    settle_node(root, landed, 0);
}

fn settle_node(node: &mut dyn Node, landed: &HashMap<Uuid, i64>, depth: usize) {
    node.for_each_child_mut(&mut |_, child| {
        crate::deep::descend_at(depth + 1, || settle_node(child, landed, depth + 1))
    });
    let meta = node.meta_mut();
    let Some(pending) = meta.pending.as_deref() else {
        return;
    };
    if let Some(&row_id) = landed.get(&pending.ecs_id) {
        meta.id = Some(row_id);
        meta.ecs_id = pending.ecs_id;
        meta.parent_id = pending.parent_id;
        meta.created_at = pending.created_at;
        let content = pending.content.clone();
        meta.set_stored(content);
        meta.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::{apply_commit, plan_commit};
    use crate::Meta;
    use std::collections::HashMap;
    use verso_derive::Entity;

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Note {
        meta: Meta,
        text: String,
    }

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Book {
        meta: Meta,
        #[verso(child)]
        notes: Vec<Note>,
    }

    fn note(text: &str) -> Note {
        Note {
            meta: Meta::new(),
            text: text.into(),
        }
    }

    /// A book stored with two notes, as if a driver had stored it.
    fn stored_book() -> Book {
        let mut book = Book {
            meta: Meta::new(),
            notes: vec![note("a"), note("b")],
        };
        let planned = plan_commit(&book, false).unwrap();
        let row_ids = row_ids(&planned);
        apply_commit(&mut book, planned, &row_ids);
        book
    }

    fn row_ids(planned: &super::PlannedCommit) -> HashMap<uuid::Uuid, i64> {
        planned
            .plan
            .batches
            .iter()
            .flat_map(|b| &b.rows)
            .enumerate()
            .map(|(i, row)| (row.ecs_id, 100 + i as i64))
            .collect()
    }

    /// Interrupts the commit of `book`: plans it and marks it unsettled.
    fn interrupt(book: &mut Book) -> super::PlannedCommit {
        let planned = plan_commit(book, false).unwrap();
        super::mark_unsettled(book, &planned);
        planned
    }

    #[test]
    fn an_interrupted_commit_leaves_the_versions_shown_and_notes_the_planned_ones() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        let shown = book.clone();
        interrupt(&mut book);
        assert_eq!(book, shown, "the tree shows the versions it had");
        assert!(book.meta.is_unsettled() && book.notes[1].meta.is_unsettled());
        assert!(
            !book.notes[0].meta.is_unsettled(),
            "unchanged: nothing planned"
        );
    }

    #[test]
    fn the_next_plan_asks_for_the_noted_versions() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        let interrupted = interrupt(&mut book);
        let next = plan_commit(&book, false).unwrap();
        let asked: Vec<(&str, usize)> = next
            .unsettled()
            .iter()
            .map(|(ty, ids)| (ty.name, ids.len()))
            .collect();
        assert_eq!(asked, [("Note", 1), ("Book", 1)]);
        assert!(next.replays_interrupted());
        let ids = |p: &super::PlannedCommit| -> Vec<uuid::Uuid> {
            p.plan
                .batches
                .iter()
                .flat_map(|b| &b.rows)
                .map(|r| r.ecs_id)
                .collect()
        };
        assert_eq!(ids(&next), ids(&interrupted), "same content, same ids");
    }

    #[test]
    fn a_landed_commit_is_taken_as_committed() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        let interrupted = interrupt(&mut book);
        let landed = row_ids(&interrupted);
        super::settle(&mut book, &landed);
        assert!(!book.meta.is_unsettled() && !book.notes[1].meta.is_unsettled());
        let new_book = &interrupted.report.forked.last().unwrap();
        assert_eq!(book.meta.ecs_id(), new_book.to);
        assert_eq!(book.meta.parent_id(), Some(new_book.from));
        assert!(
            plan_commit(&book, false).unwrap().plan.is_empty(),
            "nothing left to commit"
        );
    }

    #[test]
    fn versions_of_a_commit_found_in_part_are_asked_for_again() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        let interrupted = interrupt(&mut book);
        let next = plan_commit(&book, false).unwrap();
        let book_only: HashMap<uuid::Uuid, i64> = row_ids(&interrupted)
            .into_iter()
            .filter(|(id, _)| *id == interrupted.report.forked[1].to)
            .collect();
        let again = next.unsettled_of_landed_commits(&book_only);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].0.name, "Note");
        assert_eq!(again[0].1, [interrupted.report.forked[0].to]);
        assert!(next.unsettled_of_landed_commits(&HashMap::new()).is_empty());
    }

    #[test]
    fn an_edit_after_a_landed_commit_forks_from_the_landed_version() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        let interrupted = interrupt(&mut book);
        book.notes[1].text = "edited again".into();
        super::settle(&mut book, &row_ids(&interrupted));
        let next = plan_commit(&book, false).unwrap();
        let landed_note = interrupted.report.forked[0].to;
        assert_eq!(next.report.forked[0].from, landed_note);
        assert!(!next.replays_interrupted());
    }

    #[test]
    fn a_commit_that_did_not_land_keeps_its_note_until_a_commit_succeeds() {
        let mut book = stored_book();
        book.notes[1].text = "edited".into();
        interrupt(&mut book);
        super::settle(&mut book, &HashMap::new());
        assert!(book.meta.is_unsettled(), "still unknown: kept");
        let planned = plan_commit(&book, false).unwrap();
        let row_ids = row_ids(&planned);
        apply_commit(&mut book, planned, &row_ids);
        assert!(!book.meta.is_unsettled() && !book.notes[1].meta.is_unsettled());
    }

    #[test]
    fn a_new_entity_interrupted_keeps_its_first_version_time() {
        let mut book = Book {
            meta: Meta::new(),
            notes: vec![note("a")],
        };
        let interrupted = interrupt(&mut book);
        let next = plan_commit(&book, false).unwrap();
        let time = |p: &super::PlannedCommit| p.plan.batches[0].rows[0].created_at;
        assert_eq!(time(&next), time(&interrupted));
        assert!(next.replays_interrupted());
    }
}
