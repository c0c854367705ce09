//! Interrupted commits: a commit future dropped, or cut off from its
//! database, at each moment that matters. Whatever the moment, the next
//! commit succeeds and the history gets each change once, with no branch.

use crate::gate::{Gate, GatedDriver, Hold};
use crate::model::*;
use verso::{Entity, Node, Store, Uuid};

/// Commits `root` through `gated` and drops the commit as soon as the
/// gate says it got where it is held.
async fn interrupt<N: Node>(gated: &Store, gate: &Gate, root: &mut N) {
    tokio::select! {
        outcome = gated.commit(root) => panic!("a held commit does not finish: {outcome:?}"),
        () = gate.reached() => {}
    }
}

/// A stored thread of two messages, edited: one message changed, one added.
async fn edited_thread(store: &Store) -> ChatThread {
    let mut thread = ChatThread::with_messages("thread", 2);
    store.commit(&mut thread).await.expect("commit");
    thread.history[0].content = "edited".into();
    thread
        .history
        .push(ChatMessage::new(MessageRole::User, "added"));
    thread
}

/// Every lineage of the thread has one head, the thread has `versions`
/// versions, and the stored head reads back as `thread`.
async fn assert_one_line_of_history(store: &Store, thread: &ChatThread, versions: usize) {
    let lineage = thread.meta.lineage_id();
    let heads: Vec<ChatThread> = store.heads(lineage).await.unwrap();
    assert_eq!(heads.len(), 1, "the thread did not branch");
    assert_eq!(heads[0], *thread, "the head is the working copy");
    let stored = store.versions::<ChatThread>(lineage).await.unwrap();
    assert_eq!(stored.len(), versions, "each change is stored once");
    for message in &thread.history {
        let heads: Vec<ChatMessage> = store.heads(message.meta.lineage_id()).await.unwrap();
        assert_eq!(heads.len(), 1, "message {} did not branch", message.content);
    }
}

fn ids(thread: &ChatThread) -> Vec<Uuid> {
    std::iter::once(thread.meta.ecs_id())
        .chain(thread.history.iter().map(|m| m.meta.ecs_id()))
        .collect()
}

pub async fn a_commit_cancelled_before_sending_is_made_by_the_next_commit(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut thread = edited_thread(store).await;
    let shown = ids(&thread);
    gate.hold_next_commit(Hold::BeforeSending);
    interrupt(&gated, &gate, &mut thread).await;
    assert_eq!(ids(&thread), shown, "the tree shows the versions it had");
    assert!(thread.meta.is_unsettled());

    let report = store.commit(&mut thread).await.expect("the next commit");
    assert_eq!(report.created.len(), 1, "the added message");
    assert_eq!(report.forked.len(), 2, "the edited message and the thread");
    assert!(!thread.meta.is_unsettled());
    assert_one_line_of_history(store, &thread, 2).await;
}

pub async fn a_commit_cancelled_after_it_landed_is_taken_as_committed(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut thread = edited_thread(store).await;
    gate.hold_next_commit(Hold::AfterLanding);
    interrupt(&gated, &gate, &mut thread).await;
    let versions = store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 2, "the commit landed");
    assert_ne!(
        thread.meta.ecs_id(),
        versions[1].ecs_id,
        "unknown to the tree"
    );

    // The new message's first version is stored already: before, this
    // commit failed ("this version is stored already") or branched.
    let report = store.commit(&mut thread).await.expect("the next commit");
    assert!(report.is_empty(), "the landed commit made the change");
    assert_eq!(thread.meta.ecs_id(), versions[1].ecs_id);
    assert_one_line_of_history(store, &thread, 2).await;

    thread.history[1].content = "and then this".into();
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.forked[1].from, versions[1].ecs_id);
    assert_one_line_of_history(store, &thread, 3).await;
}

pub async fn an_edit_after_a_cancelled_commit_continues_the_landed_history(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut thread = edited_thread(store).await;
    gate.hold_next_commit(Hold::AfterLanding);
    interrupt(&gated, &gate, &mut thread).await;
    let landed_message = store
        .versions::<ChatMessage>(thread.history[0].meta.lineage_id())
        .await
        .unwrap()[1]
        .ecs_id;
    thread.history[0].content = "edited twice".into();

    let report = store.commit(&mut thread).await.expect("the next commit");
    assert_eq!(report.forked[0].from, landed_message);
    assert_eq!(thread.history[0].meta.parent_id(), Some(landed_message));
    assert_one_line_of_history(store, &thread, 3).await;
}

pub async fn a_commit_cut_off_after_it_landed_is_settled_by_the_retry(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut thread = edited_thread(store).await;
    gate.hold_next_commit(Hold::LoseConnectionAfterLanding);
    let error = gated.commit(&mut thread).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert!(thread.meta.is_unsettled(), "the outcome is unknown");

    gated.commit(&mut thread).await.expect("the retry");
    assert_one_line_of_history(store, &thread, 2).await;
}

pub async fn a_cancelled_commit_landing_between_lookups_is_taken_whole(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut thread = edited_thread(store).await;
    gate.hold_next_commit(Hold::LandAfterNextLookup);
    interrupt(&gated, &gate, &mut thread).await;

    // The first lookup of the next commit finds nothing of the messages,
    // then the held commit lands: the thread is found, so the messages
    // are asked for again rather than taken as not stored.
    let report = gated.commit(&mut thread).await.expect("the next commit");
    assert!(report.is_empty(), "{report:?}");
    assert_one_line_of_history(store, &thread, 2).await;
}

pub async fn a_cancelled_commit_landing_during_the_retry_is_stored_once(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let mut usage = Usage::new("model", 1, 2);
    store.commit(&mut usage).await.unwrap();
    usage.completion_tokens = 3;
    gate.hold_next_commit(Hold::LandAfterNextLookup);
    interrupt(&gated, &gate, &mut usage).await;

    // Nothing is found, then the held commit lands before the retry
    // writes: the retry, which stores the same version under the same
    // id, collides with it and takes it.
    let report = gated.commit(&mut usage).await.expect("the next commit");
    assert!(report.is_empty(), "{report:?}");
    let lineage = usage.meta.lineage_id();
    let heads: Vec<Usage> = store.heads(lineage).await.unwrap();
    assert_eq!(heads, [usage.clone()]);
    assert_eq!(store.versions::<Usage>(lineage).await.unwrap().len(), 2);
    assert_eq!(Usage::entity_type().name, "Usage");
}
