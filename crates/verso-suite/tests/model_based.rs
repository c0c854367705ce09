//! Model-based property test: random sequences of edits and lookups run
//! against a [`Store`] and against a plain in-memory reference model (maps
//! of the expected versions, their parents and contents), on every backend.
//! After each step every observable result of the store (commit reports,
//! `get`, `latest`, `heads`, `versions`, `old_ids`, `as_of`, `containing`,
//! the `Conflict` of `commit_on_head`) must equal what the model predicts.
//!
//! The number of sequences is `VERSO_PROPTEST_CASES` (default
//! [`DEFAULT_CASES`]); each sequence has up to [`MAX_STEPS`] steps:
//!
//! ```sh
//! VERSO_PROPTEST_CASES=500 cargo test -p verso-suite --test model_based
//! ```

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashMap;
use verso::{CommitReport, DateTime, Entity, Error, Meta, Store, Utc, Uuid};
use verso_suite::{Backend, Harness};

/// Sequences per backend when `VERSO_PROPTEST_CASES` is unset: small enough
/// for CI (a few seconds per backend in debug).
const DEFAULT_CASES: u32 = 48;
/// The longest sequence of steps.
const MAX_STEPS: usize = 30;

/// A conversation: a title and an ordered list of owned messages.
#[derive(Clone, Debug, PartialEq, Entity)]
struct MbThread {
    meta: Meta,
    title: String,
    #[verso(child)]
    messages: Vec<MbMessage>,
}

/// One message of a [`MbThread`].
#[derive(Clone, Debug, PartialEq, Entity)]
struct MbMessage {
    meta: Meta,
    text: String,
}

fn message(text: &str) -> MbMessage {
    MbMessage {
        meta: Meta::new(),
        text: text.into(),
    }
}

/// One step of a sequence. Indices are taken modulo what exists when the
/// step runs, so every shrunk sequence is still a valid one.
#[derive(Clone, Debug)]
enum Op {
    /// A new thread holding new messages.
    Create { title: String, texts: Vec<String> },
    /// A new message at the end of a thread.
    Append { thread: usize, text: String },
    /// A message's text replaced (possibly by the same text: no change).
    Edit {
        thread: usize,
        at: usize,
        text: String,
    },
    /// A message taken out of a thread.
    Remove { thread: usize, at: usize },
    /// Two messages of a thread swapped (the same one twice: no change).
    Swap { thread: usize, a: usize, b: usize },
    /// A message moved from one thread to the end of another.
    Move { from: usize, to: usize, at: usize },
    /// `Store::fork`: a new version without change.
    Fork { thread: usize },
    /// `Store::revert` to one of the lineage's versions.
    Revert { thread: usize, version: usize },
    /// An older version loaded by id, renamed and committed: a branch.
    Branch {
        thread: usize,
        version: usize,
        title: String,
    },
    /// An older version loaded, renamed and committed with
    /// `commit_on_head`: a `Conflict` when that version was forked already.
    StaleOnHead {
        thread: usize,
        version: usize,
        title: String,
    },
    /// Lookups of one version: `get`, `as_of` its creation time,
    /// `containing` of one of its messages.
    Probe { thread: usize, version: usize },
}

fn text() -> impl Strategy<Value = String> {
    // Few distinct texts, so that edits to the same text (no change) occur.
    prop_oneof![Just("a".to_string()), Just("b".to_string()), "[a-z ]{0,6}"]
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..64;
    prop_oneof![
        2 => (text(), prop::collection::vec(text(), 0..4))
            .prop_map(|(title, texts)| Op::Create { title, texts }),
        3 => (i(), text()).prop_map(|(thread, text)| Op::Append { thread, text }),
        3 => (i(), i(), text()).prop_map(|(thread, at, text)| Op::Edit { thread, at, text }),
        2 => (i(), i()).prop_map(|(thread, at)| Op::Remove { thread, at }),
        2 => (i(), i(), i()).prop_map(|(thread, a, b)| Op::Swap { thread, a, b }),
        2 => (i(), i(), i()).prop_map(|(from, to, at)| Op::Move { from, to, at }),
        1 => i().prop_map(|thread| Op::Fork { thread }),
        2 => (i(), i()).prop_map(|(thread, version)| Op::Revert { thread, version }),
        2 => (i(), i(), text()).prop_map(|(thread, version, title)| Op::Branch { thread, version, title }),
        2 => (i(), i(), text())
            .prop_map(|(thread, version, title)| Op::StaleOnHead { thread, version, title }),
        2 => (i(), i()).prop_map(|(thread, version)| Op::Probe { thread, version }),
    ]
}

/// A thread version as the model expects it.
#[derive(Clone, Debug)]
struct ThreadVersion {
    lineage: Uuid,
    parent: Option<Uuid>,
    title: String,
    messages: Vec<Uuid>,
    /// Creation order over the whole store (the model's clock).
    seq: usize,
    /// The time the store gave it, once observed (it must never change).
    created_at: Option<DateTime<Utc>>,
}

/// A message version as the model expects it.
#[derive(Clone, Debug)]
struct MessageVersion {
    lineage: Uuid,
    parent: Option<Uuid>,
    text: String,
}

/// One position of a list being committed, before the store assigns ids.
enum Slot {
    /// A version already stored, unchanged.
    Kept(Uuid),
    /// A stored version whose text changes: the commit forks it.
    Edited(Uuid, String),
    /// A new message.
    New(String),
}

/// The reference model: plain maps of what must be stored.
#[derive(Default)]
struct Model {
    threads: HashMap<Uuid, ThreadVersion>,
    messages: HashMap<Uuid, MessageVersion>,
    /// Thread lineages, in creation order (the `thread` index of an op).
    lineages: Vec<Uuid>,
    /// Each lineage's versions, oldest first.
    order: HashMap<Uuid, Vec<Uuid>>,
    /// The version each working copy stands for, per lineage index.
    base: Vec<Uuid>,
    clock: usize,
}

impl Model {
    fn content(&self, ecs_id: Uuid) -> (String, Vec<(Uuid, String)>) {
        let v = &self.threads[&ecs_id];
        let messages = v
            .messages
            .iter()
            .map(|m| (*m, self.messages[m].text.clone()))
            .collect();
        (v.title.clone(), messages)
    }

    /// Versions forked from `ecs_id`.
    fn has_children(&self, ecs_id: Uuid) -> bool {
        self.threads.values().any(|v| v.parent == Some(ecs_id))
    }

    fn heads(&self, lineage: Uuid) -> Vec<Uuid> {
        self.order[&lineage]
            .iter()
            .copied()
            .filter(|v| !self.has_children(*v))
            .collect()
    }

    fn newest(&self, lineage: Uuid) -> Uuid {
        *self.order[&lineage].last().unwrap()
    }

    fn ancestry(&self, ecs_id: Uuid) -> Vec<Uuid> {
        let mut path = Vec::new();
        let mut at = self.threads[&ecs_id].parent;
        while let Some(p) = at {
            path.push(p);
            at = self.threads[&p].parent;
        }
        path.reverse();
        path
    }

    fn version_of(&self, lineage_index: usize, version: usize) -> Uuid {
        let order = &self.order[&self.lineages[lineage_index]];
        order[version % order.len()]
    }

    fn record_thread(&mut self, ecs_id: Uuid, version: ThreadVersion) {
        self.order.entry(version.lineage).or_default().push(ecs_id);
        assert!(
            self.threads.insert(ecs_id, version).is_none(),
            "{ecs_id} reused"
        );
    }

    fn tick(&mut self) -> usize {
        self.clock += 1;
        self.clock
    }
}

/// `report` made exactly the versions predicted: `created` first versions
/// (by type) and new versions of `forked` (type, from).
fn assert_report(report: &CommitReport, mut created: Vec<&str>, mut forked: Vec<(&str, Uuid)>) {
    let mut got_created: Vec<&str> = report.created.iter().map(|c| c.type_name).collect();
    let mut got_forked: Vec<(&str, Uuid)> = report
        .forked
        .iter()
        .map(|f| (f.type_name, f.from))
        .collect();
    for list in [&mut created, &mut got_created] {
        list.sort();
    }
    forked.sort();
    got_forked.sort();
    assert_eq!(got_created, created, "first versions of {report:?}");
    assert_eq!(got_forked, forked, "new versions of {report:?}");
}

/// The system under test and the model side by side.
struct Run<'a> {
    store: &'a Store,
    model: Model,
    /// One working copy per lineage, in `model.lineages` order.
    working: Vec<MbThread>,
}

impl Run<'_> {
    /// Commits working copy `index` after an edit whose expected list is
    /// `slots` and title `title`, and checks the store made exactly the
    /// versions the model predicts.
    async fn commit_edit(&mut self, index: usize, title: String, slots: Vec<Slot>) {
        let base = self.model.base[index];
        let before = self.model.threads[&base].clone();
        let changed_messages: Vec<Uuid> = slots
            .iter()
            .filter_map(|s| match s {
                Slot::Edited(from, _) => Some(*from),
                _ => None,
            })
            .collect();
        let new_messages = slots.iter().filter(|s| matches!(s, Slot::New(_))).count();
        let ids_unchanged = changed_messages.is_empty()
            && new_messages == 0
            && slots
                .iter()
                .map(|s| match s {
                    Slot::Kept(id) => Some(*id),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .as_ref()
                == Some(&before.messages);
        let unchanged = ids_unchanged && title == before.title;

        let working = &mut self.working[index];
        let report = self.store.commit(working).await.unwrap();
        if unchanged {
            assert!(report.is_empty(), "no change, no version: {report:?}");
            assert_eq!(working.meta.ecs_id(), base);
            return;
        }
        let mut forked = vec![("MbThread", base)];
        forked.extend(changed_messages.iter().map(|m| ("MbMessage", *m)));
        assert_report(&report, vec!["MbMessage"; new_messages], forked);

        let working = &self.working[index];
        assert_eq!(working.messages.len(), slots.len());
        let mut ids = Vec::new();
        for (slot, stored) in slots.into_iter().zip(&working.messages) {
            let id = stored.meta.ecs_id();
            match slot {
                Slot::Kept(kept) => assert_eq!(id, kept, "an unchanged message keeps its id"),
                Slot::Edited(from, text) => {
                    let f = report.forked.iter().find(|f| f.from == from).unwrap();
                    assert_eq!(id, f.to);
                    let lineage = self.model.messages[&from].lineage;
                    assert_eq!(f.lineage_id, lineage);
                    self.model.messages.insert(
                        id,
                        MessageVersion {
                            lineage,
                            parent: Some(from),
                            text,
                        },
                    );
                }
                Slot::New(text) => {
                    let c = report.created.iter().find(|c| c.ecs_id == id).unwrap();
                    self.model.messages.insert(
                        id,
                        MessageVersion {
                            lineage: c.lineage_id,
                            parent: None,
                            text,
                        },
                    );
                }
            }
            ids.push(id);
        }
        let new_id = working.meta.ecs_id();
        let f = report.forked.iter().find(|f| f.from == base).unwrap();
        assert_eq!((f.to, f.lineage_id), (new_id, before.lineage));
        let seq = self.model.tick();
        self.model.record_thread(
            new_id,
            ThreadVersion {
                lineage: before.lineage,
                parent: Some(base),
                title,
                messages: ids,
                seq,
                created_at: None,
            },
        );
        self.model.base[index] = new_id;
    }

    /// The slots of working copy `index` as it is stored.
    fn kept_slots(&self, index: usize) -> Vec<Slot> {
        self.model.threads[&self.model.base[index]]
            .messages
            .iter()
            .map(|m| Slot::Kept(*m))
            .collect()
    }

    fn title(&self, index: usize) -> String {
        self.model.threads[&self.model.base[index]].title.clone()
    }

    async fn apply(&mut self, op: Op) {
        let threads = self.model.lineages.len();
        if threads == 0 && !matches!(op, Op::Create { .. }) {
            return;
        }
        match op {
            Op::Create { title, texts } => {
                let mut thread = MbThread {
                    meta: Meta::new(),
                    title: title.clone(),
                    messages: texts.iter().map(|t| message(t)).collect(),
                };
                let report = self.store.commit(&mut thread).await.unwrap();
                let mut created = vec!["MbMessage"; texts.len()];
                created.push("MbThread");
                assert_report(&report, created, vec![]);
                for (m, text) in thread.messages.iter().zip(texts) {
                    assert!(m.meta.is_stored());
                    self.model.messages.insert(
                        m.meta.ecs_id(),
                        MessageVersion {
                            lineage: m.meta.lineage_id(),
                            parent: None,
                            text,
                        },
                    );
                }
                let seq = self.model.tick();
                let lineage = thread.meta.lineage_id();
                self.model.record_thread(
                    thread.meta.ecs_id(),
                    ThreadVersion {
                        lineage,
                        parent: None,
                        title,
                        messages: thread.messages.iter().map(|m| m.meta.ecs_id()).collect(),
                        seq,
                        created_at: None,
                    },
                );
                self.model.lineages.push(lineage);
                self.model.base.push(thread.meta.ecs_id());
                self.working.push(thread);
            }
            Op::Append { thread, text } => {
                let i = thread % threads;
                self.working[i].messages.push(message(&text));
                let mut slots = self.kept_slots(i);
                slots.push(Slot::New(text));
                self.commit_edit(i, self.title(i), slots).await;
            }
            Op::Edit { thread, at, text } => {
                let i = thread % threads;
                let len = self.working[i].messages.len();
                if len == 0 {
                    return;
                }
                let at = at % len;
                let mut slots = self.kept_slots(i);
                let Slot::Kept(id) = slots[at] else {
                    unreachable!()
                };
                if self.model.messages[&id].text != text {
                    slots[at] = Slot::Edited(id, text.clone());
                }
                self.working[i].messages[at].text = text;
                self.commit_edit(i, self.title(i), slots).await;
            }
            Op::Remove { thread, at } => {
                let i = thread % threads;
                let len = self.working[i].messages.len();
                if len == 0 {
                    return;
                }
                self.working[i].messages.remove(at % len);
                let mut slots = self.kept_slots(i);
                slots.remove(at % len);
                self.commit_edit(i, self.title(i), slots).await;
            }
            Op::Swap { thread, a, b } => {
                let i = thread % threads;
                let len = self.working[i].messages.len();
                if len == 0 {
                    return;
                }
                self.working[i].messages.swap(a % len, b % len);
                let mut slots = self.kept_slots(i);
                slots.swap(a % len, b % len);
                self.commit_edit(i, self.title(i), slots).await;
            }
            Op::Move { from, to, at } => {
                let (from, to) = (from % threads, to % threads);
                let len = self.working[from].messages.len();
                if from == to || len == 0 {
                    return;
                }
                let at = at % len;
                let moved = self.model.threads[&self.model.base[from]].messages[at];
                if self.model.threads[&self.model.base[to]]
                    .messages
                    .contains(&moved)
                {
                    return; // a list holds a version once
                }
                let message = self.working[from].messages.remove(at);
                let mut slots = self.kept_slots(from);
                slots.remove(at);
                self.commit_edit(from, self.title(from), slots).await;
                self.working[to].messages.push(message);
                let mut slots = self.kept_slots(to);
                slots.push(Slot::Kept(moved));
                self.commit_edit(to, self.title(to), slots).await;
            }
            Op::Fork { thread } => {
                let i = thread % threads;
                let base = self.model.base[i];
                let report = self.store.fork(&mut self.working[i]).await.unwrap();
                assert_report(&report, vec![], vec![("MbThread", base)]);
                let to = self.working[i].meta.ecs_id();
                let mut version = self.model.threads[&base].clone();
                version.parent = Some(base);
                version.seq = self.model.tick();
                version.created_at = None;
                self.model.record_thread(to, version);
                self.model.base[i] = to;
            }
            Op::Revert { thread, version } => {
                let i = thread % threads;
                let old = self.model.version_of(i, version);
                let newest = self.model.newest(self.model.lineages[i]);
                let (reverted, report) = self.store.revert::<MbThread>(old).await.unwrap();
                if self.model.content(old) == self.model.content(newest) {
                    assert!(report.is_empty(), "reverting to equal content: {report:?}");
                    assert_eq!(reverted.meta.ecs_id(), newest);
                } else {
                    assert_report(&report, vec![], vec![("MbThread", newest)]);
                    let mut v = self.model.threads[&old].clone();
                    v.parent = Some(newest);
                    v.seq = self.model.tick();
                    v.created_at = None;
                    self.model.record_thread(reverted.meta.ecs_id(), v);
                }
                self.model.base[i] = reverted.meta.ecs_id();
                self.working[i] = reverted;
            }
            Op::Branch {
                thread,
                version,
                title,
            } => {
                let i = thread % threads;
                let old = self.model.version_of(i, version);
                let mut copy: MbThread = self.store.get(old).await.unwrap();
                copy.title = title.clone();
                self.working[i] = copy;
                self.model.base[i] = old;
                let slots = self.kept_slots(i);
                self.commit_edit(i, title, slots).await;
            }
            Op::StaleOnHead {
                thread,
                version,
                title,
            } => {
                let i = thread % threads;
                let old = self.model.version_of(i, version);
                let mut copy: MbThread = self.store.get(old).await.unwrap();
                let unchanged = copy.title == title;
                copy.title = title.clone();
                let before = copy.clone();
                let result = self.store.commit_on_head(&mut copy).await;
                if unchanged {
                    assert!(result.unwrap().is_empty());
                } else if self.model.has_children(old) {
                    match result {
                        Err(Error::Conflict { type_name, id, .. }) => {
                            assert_eq!((type_name.as_str(), id), ("MbThread", old))
                        }
                        other => panic!("expected a Conflict on {old}, got {other:?}"),
                    }
                    assert_eq!(copy, before, "a refused commit leaves the copy alone");
                } else {
                    let report = result.unwrap();
                    assert_report(&report, vec![], vec![("MbThread", old)]);
                    let mut v = self.model.threads[&old].clone();
                    v.parent = Some(old);
                    v.title = title;
                    v.seq = self.model.tick();
                    v.created_at = None;
                    self.model.record_thread(copy.meta.ecs_id(), v);
                }
            }
            Op::Probe { thread, version } => {
                let i = thread % threads;
                let v = self.model.version_of(i, version);
                self.check_version(v).await;
                self.check_as_of(self.model.lineages[i], v).await;
                if let Some(m) = self.model.threads[&v].messages.first() {
                    self.check_containing(*m).await;
                }
            }
        }
    }

    /// `get` of a thread version returns the model's content and identity.
    async fn check_version(&self, ecs_id: Uuid) {
        let loaded: MbThread = self.store.get(ecs_id).await.unwrap();
        self.assert_is(&loaded, ecs_id);
    }

    fn assert_is(&self, loaded: &MbThread, ecs_id: Uuid) {
        let want = &self.model.threads[&ecs_id];
        assert_eq!(loaded.meta.ecs_id(), ecs_id);
        assert_eq!(
            (loaded.meta.lineage_id(), loaded.meta.parent_id()),
            (want.lineage, want.parent),
            "identity of {ecs_id}"
        );
        let got = (
            loaded.title.clone(),
            loaded
                .messages
                .iter()
                .map(|m| (m.meta.ecs_id(), m.text.clone()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(got, self.model.content(ecs_id), "content of {ecs_id}");
        for m in &loaded.messages {
            let want = &self.model.messages[&m.meta.ecs_id()];
            assert_eq!(
                (m.meta.lineage_id(), m.meta.parent_id()),
                (want.lineage, want.parent),
                "identity of message {}",
                m.meta.ecs_id()
            );
        }
    }

    /// `as_of` the creation time of `v` is the newest version of the
    /// lineage created by then (`v`, or a version made in the same
    /// microsecond after it).
    async fn check_as_of(&self, lineage: Uuid, v: Uuid) {
        let Some(at) = self.model.threads[&v].created_at else {
            return;
        };
        let expected = self.model.order[&lineage]
            .iter()
            .copied()
            .filter(|w| self.model.threads[w].created_at.is_some_and(|t| t <= at))
            .max_by_key(|w| self.model.threads[w].seq)
            .unwrap();
        let then: MbThread = self.store.as_of(lineage, at).await.unwrap();
        self.assert_is(&then, expected);
        let first = self.model.order[&lineage][0];
        let before_first = self.model.threads[&first].created_at.unwrap() - chrono_micro();
        assert!(matches!(
            self.store.as_of::<MbThread>(lineage, before_first).await,
            Err(Error::NotFound { id, .. }) if id == lineage
        ));
    }

    /// `containing` a message is every thread version holding it, oldest
    /// first.
    async fn check_containing(&self, message: Uuid) {
        let mut holders: Vec<&Uuid> = self
            .model
            .threads
            .iter()
            .filter(|(_, v)| v.messages.contains(&message))
            .map(|(id, _)| id)
            .collect();
        holders.sort_by_key(|id| self.model.threads[*id].seq);
        let got: Vec<Uuid> = self
            .store
            .containing(MbThread::FIELDS.messages, message)
            .await
            .unwrap()
            .iter()
            .map(|v| v.ecs_id)
            .collect();
        let want: Vec<Uuid> = holders.into_iter().copied().collect();
        assert_eq!(got, want, "versions containing {message}");
    }

    /// Everything the store says about lineage `index` matches the model;
    /// records the creation times it gave.
    async fn check_lineage(&mut self, index: usize) {
        let lineage = self.model.lineages[index];
        let versions = self.store.versions::<MbThread>(lineage).await.unwrap();
        let got: Vec<(Uuid, Option<Uuid>)> =
            versions.iter().map(|v| (v.ecs_id, v.parent_id)).collect();
        let want: Vec<(Uuid, Option<Uuid>)> = self.model.order[&lineage]
            .iter()
            .map(|id| (*id, self.model.threads[id].parent))
            .collect();
        assert_eq!(got, want, "versions of {lineage}, oldest first");
        for v in &versions {
            assert_eq!(v.lineage_id, lineage);
            let known = &mut self.model.threads.get_mut(&v.ecs_id).unwrap().created_at;
            assert_eq!(*known.get_or_insert(v.created_at), v.created_at);
        }

        let heads = self.store.heads::<MbThread>(lineage).await.unwrap();
        let head_ids: Vec<Uuid> = heads.iter().map(|h| h.meta.ecs_id()).collect();
        assert_eq!(head_ids, self.model.heads(lineage), "heads of {lineage}");
        for head in &heads {
            self.assert_is(head, head.meta.ecs_id());
        }

        let latest: MbThread = self.store.latest(lineage).await.unwrap();
        self.assert_is(&latest, self.model.newest(lineage));

        let base = self.model.base[index];
        self.check_version(base).await;
        let old_ids = self.store.old_ids::<MbThread>(base).await.unwrap();
        assert_eq!(old_ids, self.model.ancestry(base), "old_ids of {base}");
        for m in self.model.threads[&base].messages.clone() {
            let loaded: MbMessage = self.store.get(m).await.unwrap();
            assert_eq!(loaded.text, self.model.messages[&m].text);
            self.check_containing(m).await;
        }
    }

    /// The whole store against the whole model (after the last step).
    async fn check_everything(&mut self) {
        for index in 0..self.model.lineages.len() {
            self.check_lineage(index).await;
        }
        let all: Vec<Uuid> = self.model.threads.keys().copied().collect();
        let loaded: Vec<MbThread> = self.store.get_many(&all).await.unwrap();
        for (thread, id) in loaded.iter().zip(&all) {
            self.assert_is(thread, *id);
        }
        let unknown = Uuid::new_v4();
        assert!(matches!(
            self.store.get::<MbThread>(unknown).await,
            Err(Error::NotFound { id, .. }) if id == unknown
        ));
    }
}

fn chrono_micro() -> chrono::Duration {
    chrono::Duration::microseconds(1)
}

/// Runs one sequence on a fresh store of `backend`.
async fn run_sequence(backend: Backend, ops: Vec<Op>) {
    let Some(harness) = Harness::start(backend).await else {
        return;
    };
    let mut run = Run {
        store: &harness.store,
        model: Model::default(),
        working: Vec::new(),
    };
    for op in ops {
        let touched = touched_lineages(&op, run.model.lineages.len());
        run.apply(op).await;
        for index in touched {
            if index < run.model.lineages.len() {
                run.check_lineage(index).await;
            }
        }
    }
    run.check_everything().await;
    harness.finish().await;
}

/// The lineages a step may change (checked right after it).
fn touched_lineages(op: &Op, threads: usize) -> Vec<usize> {
    let n = threads.max(1);
    match *op {
        Op::Create { .. } => vec![threads],
        Op::Append { thread, .. }
        | Op::Edit { thread, .. }
        | Op::Remove { thread, .. }
        | Op::Swap { thread, .. }
        | Op::Fork { thread }
        | Op::Revert { thread, .. }
        | Op::Branch { thread, .. }
        | Op::StaleOnHead { thread, .. } => vec![thread % n],
        Op::Move { from, to, .. } => vec![from % n, to % n],
        Op::Probe { .. } => vec![],
    }
}

fn cases() -> u32 {
    std::env::var("VERSO_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs the property on `backend`; skipped (loudly, by the harness) when
/// the backend is PostgreSQL and no server is reachable.
fn property(backend: Backend) {
    if backend == Backend::Postgres {
        let reachable = tokio::runtime::Runtime::new().unwrap().block_on(async {
            match Harness::start(backend).await {
                Some(harness) => {
                    harness.finish().await;
                    true
                }
                None => false,
            }
        });
        if !reachable {
            return;
        }
    }
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(&prop::collection::vec(op(), 1..=MAX_STEPS), |ops| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(run_sequence(backend, ops));
            Ok(())
        })
        .unwrap();
}

#[test]
fn store_matches_the_model_in_memory() {
    property(Backend::Memory);
}

#[test]
fn store_matches_the_model_on_sqlite_in_memory() {
    property(Backend::SqliteMemory);
}

#[test]
fn store_matches_the_model_on_a_sqlite_file() {
    property(Backend::SqliteFile);
}

#[test]
fn store_matches_the_model_on_postgres() {
    property(Backend::Postgres);
}
