//! Commit metadata and commits over several roots: each commit stores one
//! row (id, time, author, message, key/values) with the versions it wrote,
//! lookups by commit and by lineage are one statement each, and several
//! roots commit atomically under one id.

use super::census;
use crate::cost;
use crate::gate::{GatedDriver, Hold};
use crate::model::*;
use verso::{CommitInfo, Error, Fault, Store, Uuid};

/// A thread of two messages and the usage record it bumps, both stored.
async fn thread_and_usage(store: &Store) -> (ChatThread, Usage) {
    let mut thread = ChatThread::with_messages("thread", 2);
    let mut usage = Usage::new("model", 0, 0);
    store
        .commit_set()
        .root(&mut thread)
        .root(&mut usage)
        .commit()
        .await
        .expect("first commit");
    (thread, usage)
}

/// A new message in `thread` and one more prompt token in `usage`.
fn bump(thread: &mut ChatThread, usage: &mut Usage) {
    thread
        .history
        .push(ChatMessage::new(MessageRole::User, "one more"));
    usage.prompt_tokens += 1;
}

pub async fn a_commit_records_its_author_message_and_key_values(store: &Store) {
    let mut thread = ChatThread::with_messages("audited", 1);
    let info = CommitInfo::new()
        .author("ana")
        .message("first draft")
        .meta("ticket", "42")
        .meta("tool", "cli");
    let report = store.commit_with(&mut thread, info.clone()).await.unwrap();
    let commit_id = report.commit_id.expect("a commit that wrote has an id");
    assert_eq!(commit_id.get_version_num(), 7, "commit ids are UUID v7");

    let (cost, record) = cost!(store, store.commit_info(commit_id).await.unwrap());
    assert_eq!(cost.statements, 1, "one statement, by primary key");
    assert_eq!(record.id, commit_id);
    assert_eq!(record.info, info);
    assert_eq!(
        record.created_at,
        thread.meta.created_at(),
        "the time of the commit's new versions"
    );

    // A plain commit has an id and a row too, with no author or message.
    thread.name = "renamed".into();
    let plain = store.commit(&mut thread).await.unwrap();
    let record = store.commit_info(plain.commit_id.unwrap()).await.unwrap();
    assert_eq!(record.info, CommitInfo::new());
    assert_ne!(plain.commit_id, Some(commit_id), "each commit its own id");
}

pub async fn a_commit_without_change_stores_no_commit_row(store: &Store) {
    let mut thread = ChatThread::with_messages("unchanged", 1);
    store.commit(&mut thread).await.unwrap();
    let before = store.commits::<ChatThread>(thread.meta.lineage_id()).await;
    let info = CommitInfo::new().author("ana").message("nothing");
    let (cost, report) = cost!(store, store.commit_with(&mut thread, info).await.unwrap());
    assert!(
        report.is_empty() && report.commit_id.is_none(),
        "{report:?}"
    );
    assert_eq!(cost.statements, 0, "nothing sent");
    let after = store.commits::<ChatThread>(thread.meta.lineage_id()).await;
    assert_eq!(after.unwrap(), before.unwrap(), "no commit row");
}

pub async fn the_versions_a_commit_wrote_are_found_by_its_id(store: &Store) {
    let mut thread = ChatThread::with_messages("thread", 3);
    store.commit(&mut thread).await.unwrap();
    thread.history[1].content = "edited".into();
    let report = store.commit(&mut thread).await.unwrap();
    let commit_id = report.commit_id.unwrap();

    let (cost, wrote) = cost!(store, store.versions_of_commit(commit_id).await.unwrap());
    assert_eq!(cost.statements, 1, "one statement on an index");
    let listed: Vec<(&str, Uuid, Uuid)> = wrote
        .iter()
        .map(|v| (v.type_name.as_str(), v.ecs_id, v.lineage_id))
        .collect();
    let message = &thread.history[1].meta;
    assert_eq!(
        listed,
        [
            ("ChatMessage", message.ecs_id(), message.lineage_id()),
            ("ChatThread", thread.meta.ecs_id(), thread.meta.lineage_id()),
        ],
        "the edited message, then the thread above it; nothing unchanged"
    );
    assert!(wrote.iter().all(|v| v.commit_id == commit_id));

    let unknown = Uuid::now_v7();
    assert!(store.versions_of_commit(unknown).await.unwrap().is_empty());
    match store.commit_info(unknown).await {
        Err(Error::NotFound { type_name, id }) => {
            assert_eq!((type_name.as_str(), id), ("commit", unknown));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn the_commits_of_a_lineage_come_oldest_first_with_their_metadata(store: &Store) {
    let mut thread = ChatThread::with_messages("thread", 2);
    let mut ids = Vec::new();
    for (n, message) in ["create", "edit first", "edit second"].iter().enumerate() {
        if n > 0 {
            thread.history[n - 1].content = format!("edit {n}");
        }
        let info = CommitInfo::new().author("bo").message(*message);
        let report = store.commit_with(&mut thread, info).await.unwrap();
        ids.push(report.commit_id.unwrap());
    }
    // A commit of another thread is no commit of this lineage.
    let mut other = ChatThread::with_messages("other", 1);
    store.commit(&mut other).await.unwrap();

    let (cost, commits) = cost!(
        store,
        store
            .commits::<ChatThread>(thread.meta.lineage_id())
            .await
            .unwrap()
    );
    assert_eq!(
        cost.statements, 1,
        "one statement, however long the lineage"
    );
    let found: Vec<(Uuid, Option<&str>)> = commits
        .iter()
        .map(|c| (c.id, c.info.message.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (ids[0], Some("create")),
            (ids[1], Some("edit first")),
            (ids[2], Some("edit second")),
        ]
    );
    assert!(commits
        .iter()
        .all(|c| c.info.author.as_deref() == Some("bo")));
    assert!(commits
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));

    // The first message was written by the first two commits only.
    let first = thread.history[0].meta.lineage_id();
    let of_message: Vec<Uuid> = store
        .commits::<ChatMessage>(first)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(of_message, ids[..2]);
}

pub async fn commit_metadata_holding_a_nul_character_is_refused_and_nothing_is_stored(
    store: &Store,
) {
    let mut thread = ChatThread::with_messages("thread", 1);
    let working = thread.clone();
    let before = census(store).await;
    let info = CommitInfo::new().author("ana").meta("ticket", "4\u{0}2");
    match store.commit_with(&mut thread, info).await {
        Err(Error::InvalidInput {
            type_name, detail, ..
        }) => {
            assert_eq!(type_name, "commit");
            assert!(detail.contains("meta value"), "{detail}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(thread, working, "the working copy is untouched");
    assert_eq!(census(store).await, before, "nothing stored");
}

pub async fn several_roots_commit_together_under_one_commit_id(store: &Store) {
    let (mut thread, mut usage) = thread_and_usage(store).await;
    bump(&mut thread, &mut usage);
    let info = CommitInfo::new().author("agent").message("reply and count");
    let report = store
        .commit_set()
        .root(&mut thread)
        .root(&mut usage)
        .info(info.clone())
        .commit()
        .await
        .unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    let created: Vec<&str> = report.created.iter().map(|c| c.type_name).collect();
    assert_eq!(forked, ["ChatThread", "Usage"], "roots in the order given");
    assert_eq!(created, ["ChatMessage"]);

    let commit_id = report.commit_id.unwrap();
    assert_eq!(store.commit_info(commit_id).await.unwrap().info, info);
    let wrote: Vec<Uuid> = store
        .versions_of_commit(commit_id)
        .await
        .unwrap()
        .iter()
        .map(|v| v.ecs_id)
        .collect();
    assert_eq!(
        wrote,
        [
            thread.history[2].meta.ecs_id(),
            thread.meta.ecs_id(),
            usage.meta.ecs_id()
        ]
    );
    let stored: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(stored, thread);
    let stored: Usage = store.get(usage.meta.ecs_id()).await.unwrap();
    assert_eq!(stored, usage);
    let usage_commits = store.commits::<Usage>(usage.meta.lineage_id()).await;
    let thread_commits = store.commits::<ChatThread>(thread.meta.lineage_id()).await;
    assert_eq!(usage_commits.unwrap(), thread_commits.unwrap(), "shared");

    // Nothing changed in either root: nothing is sent.
    let (cost, report) = cost!(
        store,
        store
            .commit_set()
            .root(&mut thread)
            .root(&mut usage)
            .commit()
            .await
            .unwrap()
    );
    assert!(report.is_empty() && cost.statements == 0);
}

pub async fn a_set_of_roots_failing_at_any_statement_stores_nothing(store: &Store) {
    let (mut thread, mut usage) = thread_and_usage(store).await;
    bump(&mut thread, &mut usage);
    let before = census(store).await;
    let commits_before = store
        .commits::<Usage>(usage.meta.lineage_id())
        .await
        .unwrap();
    let mut statement = 1;
    loop {
        let (mut attempt_thread, mut attempt_usage) = (thread.clone(), usage.clone());
        store.driver().instrument().inject(Fault {
            fail_at_statement: statement,
        });
        let outcome = store
            .commit_set()
            .root(&mut attempt_thread)
            .root(&mut attempt_usage)
            .info(CommitInfo::new().message("bump"))
            .commit()
            .await;
        match outcome {
            Err(Error::InjectedFault { statement: failed }) => {
                assert_eq!(failed, statement);
                assert_eq!(attempt_thread, thread, "statement {statement}: thread");
                assert_eq!(attempt_usage, usage, "statement {statement}: usage");
                assert_eq!(census(store).await, before, "statement {statement}");
                let commits = store.commits::<Usage>(usage.meta.lineage_id()).await;
                assert_eq!(commits.unwrap(), commits_before, "no commit row");
            }
            Ok(report) => {
                // More statements than the commit has: disarm the fault.
                store.driver().instrument().inject(Fault {
                    fail_at_statement: u64::MAX,
                });
                assert!(
                    statement > 6,
                    "the versions of both roots, the commit row and its links"
                );
                assert_eq!(report.forked.len(), 2);
                let stored: Usage = store.get(attempt_usage.meta.ecs_id()).await.unwrap();
                assert_eq!(stored.prompt_tokens, 1);
                break;
            }
            Err(other) => panic!("statement {statement}: {other:?}"),
        }
        statement += 1;
    }
    let after = census(store).await;
    assert_eq!(after, [before[0] + 1, before[1] + 1, before[2] + 1]);
}

pub async fn a_set_of_roots_on_the_head_refuses_to_branch_as_a_whole(store: &Store) {
    let (mut thread, mut usage) = thread_and_usage(store).await;
    // Someone else bumps the counter first.
    let mut elsewhere = usage.clone();
    elsewhere.completion_tokens = 5;
    store.commit(&mut elsewhere).await.unwrap();

    bump(&mut thread, &mut usage);
    let (working_thread, working_usage) = (thread.clone(), usage.clone());
    let before = census(store).await;
    let outcome = store
        .commit_set()
        .root(&mut thread)
        .root(&mut usage)
        .on_head()
        .commit()
        .await;
    match outcome {
        Err(Error::Conflict { type_name, .. }) => assert_eq!(type_name, "Usage"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(
        (thread, usage),
        (working_thread, working_usage),
        "untouched"
    );
    assert_eq!(census(store).await, before, "not even the thread is stored");
}

pub async fn a_set_of_roots_interrupted_after_landing_is_taken_as_committed(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let (mut thread, mut usage) = thread_and_usage(store).await;
    bump(&mut thread, &mut usage);
    gate.hold_next_commit(Hold::AfterLanding);
    tokio::select! {
        outcome = gated.commit_set().root(&mut thread).root(&mut usage).commit() => {
            panic!("a held commit does not finish: {outcome:?}")
        }
        () = gate.reached() => {}
    }
    assert!(thread.meta.is_unsettled() && usage.meta.is_unsettled());

    let report = store
        .commit_set()
        .root(&mut thread)
        .root(&mut usage)
        .commit()
        .await
        .unwrap();
    assert!(report.is_empty(), "the landed commit is taken: {report:?}");
    assert!(!thread.meta.is_unsettled() && !usage.meta.is_unsettled());
    let versions = store.versions::<Usage>(usage.meta.lineage_id()).await;
    assert_eq!(versions.unwrap().len(), 2, "stored once, no branch");
    let heads: Vec<ChatThread> = store.heads(thread.meta.lineage_id()).await.unwrap();
    assert_eq!(heads, [thread.clone()]);
    let commits = store.commits::<Usage>(usage.meta.lineage_id()).await;
    assert_eq!(
        commits.unwrap().len(),
        2,
        "one commit row per landed commit"
    );
}
