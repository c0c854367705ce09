//! Edge cases of history and relationships: diffs of reordered, duplicated,
//! nested, optional and polymorphic children, time travel and revert on
//! branched lineages, `referencing` after a link moved, and traced edits
//! that panic or await the store they run on.

use crate::model::*;
use std::any::Any;
use std::collections::BTreeSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use verso::{Diff, Error, Meta, Ref, Store, Uuid, Value};

async fn pause() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

fn moved_lineages(diff: &Diff, field: &str) -> BTreeSet<Uuid> {
    diff.children
        .iter()
        .filter(|c| c.field == field)
        .flat_map(|c| c.moved.iter().map(|m| m.lineage_id))
        .collect()
}

fn tool_meta(tool: &Tool) -> &Meta {
    match tool {
        Tool::Callable(t) => &t.meta,
        Tool::Structured(t) => &t.meta,
    }
}

/// Polls a future, turning a panic inside it into an `Err`.
struct CatchUnwind<F: Future>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.get_mut().0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// Swapping the first and the last of three children: the middle child
/// kept its place and must not be reported as moved (`[1 -> 1]`), while
/// the first one, which did move, must be.
pub async fn swapping_two_children_reports_those_two_as_moved(store: &Store) {
    let mut thread = ChatThread::with_messages("swap", 3);
    store.commit(&mut thread).await.unwrap();
    let first = thread.meta.ecs_id();
    let [a, b, c] = [0, 1, 2].map(|i| thread.history[i].meta.lineage_id());
    thread.history.swap(0, 2);
    store.commit(&mut thread).await.unwrap();

    let diff = store
        .diff::<ChatThread>(first, thread.meta.ecs_id())
        .await
        .unwrap();
    let history = &diff.children[0];
    let in_place: Vec<_> = history
        .moved
        .iter()
        .filter(|m| m.from == m.to)
        .map(|m| (m.lineage_id, m.from))
        .collect();
    assert!(
        in_place.is_empty(),
        "a child at the same position is reported as moved: {in_place:?} (b = {b})\n{diff}"
    );
    assert_eq!(
        moved_lineages(&diff, "history"),
        BTreeSet::from([a, c]),
        "the two swapped children moved\n{diff}"
    );
}

/// A list holding two versions of one child lineage, reordered: no child
/// version changed, the same two versions are there in another order. The
/// diff should say one moved, not that both changed into each other.
pub async fn reordering_two_versions_of_one_child_lineage_is_a_move_not_two_changes(store: &Store) {
    let mut thread = ChatThread::with_messages("duplicates", 1);
    store.commit(&mut thread).await.unwrap();
    let mut edited = thread.history[0].clone();
    edited.content = "second version".into();
    thread.history.push(edited);
    store.commit(&mut thread).await.unwrap();
    let before = thread.meta.ecs_id();
    let [v1, v2] = [0, 1].map(|i| thread.history[i].meta.ecs_id());
    assert_ne!(v1, v2);
    assert_eq!(
        thread.history[0].meta.lineage_id(),
        thread.history[1].meta.lineage_id(),
        "two versions of one lineage in one list"
    );

    thread.history.swap(0, 1);
    store.commit(&mut thread).await.unwrap();
    let diff = store
        .diff::<ChatThread>(before, thread.meta.ecs_id())
        .await
        .unwrap();
    let history = &diff.children[0];
    assert!(
        history.changed.is_empty(),
        "no child version changed, the list holds the same two versions: {}\n{diff}",
        diff.summary()
    );
    assert_eq!(history.moved.len(), 1, "one move explains it\n{diff}");
}

/// Two levels of lists changed at once: branches swapped, the leaves of
/// one reordered, a leaf of the other edited.
pub async fn a_diff_two_levels_deep_reports_each_level(store: &Store) {
    let mut root = Root::sample();
    store.commit(&mut root).await.unwrap();
    let first = root.meta.ecs_id();
    let left = root.branches[0].meta.lineage_id();
    let right = root.branches[1].meta.lineage_id();
    let right_leaf = root.branches[1].leaves[1].meta.lineage_id();

    root.branches.swap(0, 1);
    root.branches[1].leaves.swap(0, 1); // left's leaves
    root.branches[0].leaves[1].value = 99; // right's second leaf
    store.commit(&mut root).await.unwrap();

    let diff = store.diff::<Root>(first, root.meta.ecs_id()).await.unwrap();
    assert_eq!(diff.summary(), "branches: 1 moved, 2 changed", "{diff}");
    let branches = &diff.children[0];
    let change = |lineage: Uuid| {
        &branches
            .changed
            .iter()
            .find(|c| c.diff.lineage_id == lineage)
            .unwrap_or_else(|| panic!("{lineage} changed\n{diff}"))
            .diff
    };
    let left_diff = change(left);
    assert_eq!(left_diff.summary(), "leaves: 1 moved", "{diff}");
    let moved = &left_diff.children[0].moved;
    assert_eq!(moved.len(), 1, "{diff}");
    assert_ne!(moved[0].from, moved[0].to, "{diff}");
    assert!(left_diff.children[0].changed.is_empty(), "{diff}");
    let right_diff = change(right);
    assert_eq!(right_diff.summary(), "leaves: 1 changed", "{diff}");
    let leaf = &right_diff.children[0].changed[0];
    assert_eq!(leaf.diff.lineage_id, right_leaf);
    assert_eq!((leaf.from, leaf.to), (1, 1));
    assert_eq!(leaf.diff.fields[0].new, Value::Int(99));
}

/// An `Option` child set, replaced by another entity, edited, and cleared.
pub async fn an_optional_child_added_replaced_edited_and_removed(store: &Store) {
    let mut root = Root::sample();
    store.commit(&mut root).await.unwrap();
    let v1 = root.meta.ecs_id();
    root.pinned = Some(leaf(7));
    store.commit(&mut root).await.unwrap();
    let v2 = root.meta.ecs_id();
    let first_pin = root.pinned.as_ref().unwrap().meta.lineage_id();
    root.pinned = Some(leaf(8));
    store.commit(&mut root).await.unwrap();
    let v3 = root.meta.ecs_id();
    let second_pin = root.pinned.as_ref().unwrap().meta.lineage_id();
    root.pinned.as_mut().unwrap().value = 9;
    store.commit(&mut root).await.unwrap();
    let v4 = root.meta.ecs_id();
    root.pinned = None;
    store.commit(&mut root).await.unwrap();
    let v5 = root.meta.ecs_id();

    let summary = |diff: Diff| diff.summary();
    assert_eq!(
        summary(store.diff::<Root>(v1, v2).await.unwrap()),
        "pinned: 1 added"
    );
    let replaced = store.diff::<Root>(v2, v3).await.unwrap();
    assert_eq!(replaced.summary(), "pinned: 1 added, 1 removed");
    assert_eq!(
        replaced.children[0].removed[0].child.meta.lineage_id,
        first_pin
    );
    assert_eq!(
        replaced.children[0].added[0].child.meta.lineage_id,
        second_pin
    );
    assert_eq!(
        summary(store.diff::<Root>(v3, v4).await.unwrap()),
        "pinned: 1 changed"
    );
    assert_eq!(
        summary(store.diff::<Root>(v4, v5).await.unwrap()),
        "pinned: 1 removed"
    );
    assert_eq!(
        summary(store.diff::<Root>(v1, v5).await.unwrap()),
        "no change",
        "v1 and v5 hold the same content in different versions"
    );
}

/// A tool changing variant, as a root and as a child: the discriminator is
/// among the changed fields.
pub async fn a_diff_across_a_variant_change_names_the_variant(store: &Store) {
    let mut thread = ChatThread::with_messages("tools", 1);
    thread.tools = vec![Tool::callable("search")];
    store.commit(&mut thread).await.unwrap();
    let first = thread.meta.ecs_id();
    let old_tool = tool_meta(&thread.tools[0]).ecs_id();
    let mut structured = Tool::structured("search");
    if let Tool::Structured(s) = &mut structured {
        s.meta = tool_meta(&thread.tools[0]).clone();
    }
    thread.tools[0] = structured;
    store.commit(&mut thread).await.unwrap();
    let new_tool = tool_meta(&thread.tools[0]).ecs_id();

    let diff = store.diff::<Tool>(old_tool, new_tool).await.unwrap();
    let variant = diff
        .fields
        .iter()
        .find(|f| f.field == "variant")
        .unwrap_or_else(|| panic!("variant changed\n{diff}"));
    assert_eq!(variant.old, Value::Text("callable".into()));
    assert_eq!(variant.new, Value::Text("structured".into()));
    assert!(!diff.fields.iter().any(|f| f.field == "name"), "{diff}");

    let thread_diff = store
        .diff::<ChatThread>(first, thread.meta.ecs_id())
        .await
        .unwrap();
    assert_eq!(thread_diff.summary(), "tools: 1 changed");
    assert_eq!(thread_diff.children[0].changed[0].diff, diff);
}

/// `as_of` on a lineage with two branches: at each time, the newest
/// version of any branch created at or before it, with its own children.
pub async fn as_of_follows_every_branch_of_a_lineage(store: &Store) {
    let mut thread = ChatThread::with_messages("root", 1);
    store.commit(&mut thread).await.unwrap();
    let root = thread.clone();
    let mut other = thread.clone();
    pause().await;
    thread.history[0].content = "left".into();
    store.commit(&mut thread).await.unwrap();
    let left = thread.clone();
    pause().await;
    let between = verso::now();
    pause().await;
    other.name = "right".into();
    store.commit(&mut other).await.unwrap();
    let lineage = root.meta.lineage_id();

    let at = |time| store.as_of::<ChatThread>(lineage, time);
    assert_eq!(at(root.meta.created_at()).await.unwrap(), root);
    assert_eq!(at(left.meta.created_at()).await.unwrap(), left);
    assert_eq!(
        at(between).await.unwrap().history[0].content,
        "left",
        "the left branch, with its own children"
    );
    assert_eq!(at(other.meta.created_at()).await.unwrap(), other);
    assert_eq!(
        at(other.meta.created_at() + Duration::from_secs(3600))
            .await
            .unwrap(),
        other,
        "after the last version, the newest"
    );
    assert!(matches!(
        at(root.meta.created_at() - Duration::from_micros(1)).await,
        Err(Error::NotFound { id, .. }) if id == lineage
    ));
}

/// Reverting to a version of another branch: the new head's parent is the
/// newest version, its subtree is the old version's, every version stays.
pub async fn revert_to_a_version_of_another_branch(store: &Store) {
    let mut thread = ChatThread::with_messages("root", 2);
    store.commit(&mut thread).await.unwrap();
    let mut other = thread.clone();
    thread.history[1].content = "left".into();
    thread.tools.push(Tool::callable("left tool"));
    store.commit(&mut thread).await.unwrap();
    let left = thread.clone();
    other.name = "right".into();
    other.history.remove(0);
    store.commit(&mut other).await.unwrap();

    let (head, report) = store
        .revert::<ChatThread>(left.meta.ecs_id())
        .await
        .unwrap();
    assert_eq!(head.meta.parent_id(), Some(other.meta.ecs_id()));
    assert_eq!(report.forked.len(), 1, "{report:?}");
    assert!(report.created.is_empty());
    let reread: ChatThread = store.get(head.meta.ecs_id()).await.unwrap();
    assert_eq!(reread.history, left.history, "the old subtree, as it was");
    assert_eq!(reread.tools, left.tools);
    assert_eq!(reread.name, left.name);
    assert!(store
        .diff::<ChatThread>(left.meta.ecs_id(), head.meta.ecs_id())
        .await
        .unwrap()
        .is_empty());
    let tree = store
        .lineage_tree::<ChatThread>(left.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(tree.versions.len(), 4);
    let heads: Vec<Uuid> = tree.heads().map(|n| n.version.ecs_id).collect();
    assert_eq!(heads, vec![left.meta.ecs_id(), head.meta.ecs_id()]);
}

/// Reverting a tool to the variant it had before.
pub async fn revert_brings_back_the_earlier_variant_of_a_tool(store: &Store) {
    let mut tool = Tool::callable("search");
    store.commit(&mut tool).await.unwrap();
    let callable = tool.clone();
    let mut structured = Tool::structured("search");
    if let Tool::Structured(s) = &mut structured {
        s.meta = tool_meta(&tool).clone();
    }
    tool = structured;
    store.commit(&mut tool).await.unwrap();
    let (head, report) = store
        .revert::<Tool>(tool_meta(&callable).ecs_id())
        .await
        .unwrap();
    assert_eq!(report.forked.len(), 1);
    assert!(matches!(head, Tool::Callable(_)), "{head:?}");
    assert_eq!(
        tool_meta(&head).parent_id(),
        Some(tool_meta(&tool).ecs_id())
    );
    let latest: Tool = store.latest(tool_meta(&tool).lineage_id()).await.unwrap();
    match (&latest, &callable) {
        (Tool::Callable(now), Tool::Callable(then)) => {
            assert_eq!(now.callable_text, then.callable_text);
            assert_eq!(now.input_schema, then.input_schema);
        }
        other => panic!("a callable tool: {other:?}"),
    }
}

/// An association re-pointed at another message no longer belongs to the
/// first one: `referencing(first message)` must not hand back the link's
/// superseded version as if it were current.
pub async fn referencing_skips_links_that_moved_to_another_target(store: &Store) {
    let first = ChatMessage::new(MessageRole::User, "first");
    let second = ChatMessage::new(MessageRole::User, "second");
    let usage = Usage::new("gpt", 1, 1);
    let mut thread = ChatThread::new("links", vec![first.clone(), second.clone()]);
    thread.history[0].usage = Some(usage.clone());
    thread.usages.push(MessageUsage {
        meta: Meta::new(),
        message: Ref::to(&first),
        usage: Ref::to(&usage),
        timestamp: verso::now(),
        context_size: 10,
    });
    store.commit(&mut thread).await.unwrap();
    let stale = thread.usages[0].meta.ecs_id();

    thread.usages[0].message = Ref::to(&second);
    store.commit(&mut thread).await.unwrap();
    let current = thread.usages[0].meta.ecs_id();

    let to_second: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.message, &[second.meta.ecs_id()])
        .await
        .unwrap();
    assert_eq!(to_second, thread.usages);
    let to_first: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.message, &[first.meta.ecs_id()])
        .await
        .unwrap();
    let ids: Vec<Uuid> = to_first.iter().map(|u| u.meta.ecs_id()).collect();
    assert!(
        ids.is_empty(),
        "the link now points at the second message (head {current}), yet referencing the \
         first returns its superseded version(s) {ids:?} (stale {stale})"
    );
}

/// A traced edit whose code panics: nothing is stored, the store keeps
/// working, and the working copy is not left half edited.
pub async fn a_traced_edit_that_panics_stores_nothing(store: &Store) {
    let mut thread = ChatThread::with_messages("stable", 2);
    store.commit(&mut thread).await.unwrap();
    let before = thread.clone();
    let stats = store.stats();
    let outcome = CatchUnwind(Box::pin(store.edit(&mut thread, |t| {
        t.name = "half done".into();
        t.history.pop();
        if t.history.len() < 5 {
            panic!("the edit panics halfway");
        }
        Ok::<_, Error>(())
    })))
    .await;
    assert!(outcome.is_err(), "the panic reaches the caller");
    assert_eq!(store.stats().statements, stats.statements, "nothing sent");
    let versions = store
        .versions::<ChatThread>(before.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    let reread: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(reread, before, "the store is as it was");

    let mut other = ChatThread::with_messages("after", 1);
    store.commit(&mut other).await.unwrap();
    assert!(other.meta.is_stored(), "the store keeps working");

    assert_eq!(
        thread, before,
        "the working copy is left half edited after a panic (an error restores it)"
    );
}

/// An async traced edit whose code awaits reads and commits on the same
/// store: no deadlock, and the outer commit versions only what is left.
pub async fn an_async_traced_edit_may_await_the_same_store(store: &Store) {
    let mut thread = ChatThread::with_messages("busy", 1);
    store.commit(&mut thread).await.unwrap();
    let first = thread.meta.ecs_id();
    let mut side = ChatThread::with_messages("side", 1);
    let work = store.edit_async(&mut thread, async |t: &mut ChatThread| {
        let old: ChatThread = store.get(t.meta.ecs_id()).await?;
        store.commit(&mut side).await?;
        t.name = format!("{} + {}", old.name, side.name);
        store.commit(t).await?;
        t.history
            .push(ChatMessage::new(MessageRole::Assistant, "after"));
        Ok::<_, Error>(side.meta.ecs_id())
    });
    let edited = tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .expect("no deadlock")
        .unwrap();
    assert!(side.meta.is_stored());
    assert_eq!(edited.value, side.meta.ecs_id());
    let forked: Vec<&str> = edited.report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["ChatThread"], "only the append is left to commit");
    assert_eq!(edited.report.created.len(), 1);
    let versions = store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1].parent_id, Some(first));
    let latest: ChatThread = store.latest(thread.meta.lineage_id()).await.unwrap();
    assert_eq!(latest, thread);
    assert_eq!(latest.name, "busy + side");
}

/// `lineage_tree` of a lineage forked three times from one version, one
/// branch edited again: one root, three children, three heads.
pub async fn the_lineage_tree_of_a_fan_out(store: &Store) {
    let mut thread = ChatThread::with_messages("fan", 1);
    store.commit(&mut thread).await.unwrap();
    let mut copies = [thread.clone(), thread.clone(), thread.clone()];
    for (i, copy) in copies.iter_mut().enumerate() {
        copy.name = format!("copy {i}");
        store.commit(copy).await.unwrap();
    }
    copies[0].name = "copy 0 again".into();
    store.commit(&mut copies[0]).await.unwrap();

    let tree = store
        .lineage_tree::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(tree.versions.len(), 5);
    assert_eq!(tree.roots().count(), 1);
    assert_eq!(tree.versions[0].children, vec![1, 2, 3]);
    assert_eq!(tree.versions[4].parent, Some(1));
    let heads: Vec<Uuid> = tree.heads().map(|n| n.version.ecs_id).collect();
    assert_eq!(
        heads,
        vec![
            copies[1].meta.ecs_id(),
            copies[2].meta.ecs_id(),
            copies[0].meta.ecs_id()
        ]
    );
    let listed: Vec<Uuid> = store
        .heads::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap()
        .iter()
        .map(|t| t.meta.ecs_id())
        .collect();
    assert_eq!(listed, heads, "heads and the tree agree");
}
