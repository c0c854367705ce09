//! Versioning: identity, commits, propagation, sharing, reading back.

use crate::cost;
use crate::model::*;
use std::collections::{BTreeMap, HashSet};
use verso::{Error, Fault, Meta, Ref, Stats, Store, Uuid};

fn ids(messages: &[ChatMessage]) -> Vec<Uuid> {
    messages.iter().map(|m| m.meta.ecs_id()).collect()
}

async fn stored_thread(store: &Store, n: usize) -> ChatThread {
    let mut thread = ChatThread::with_messages("thread", n);
    store.commit(&mut thread).await.expect("commit");
    thread
}

pub async fn round_trip_keeps_ids_and_fields(store: &Store) {
    let mut thread = ChatThread::new(
        "Test Thread",
        vec![
            ChatMessage::new(MessageRole::User, "Hello, world!"),
            ChatMessage::new(MessageRole::Assistant, "Hi there! How can I help?"),
        ],
    );
    thread.history[1].parent_message = Some(Ref::to(&thread.history[0]));
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.created.len(), 3);
    assert!(report.forked.is_empty());

    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, thread, "same ids, metadata and fields");
    let row_ids: HashSet<i64> = loaded
        .history
        .iter()
        .map(|m| m.meta.id().expect("stored messages have a row id"))
        .collect();
    assert_eq!(row_ids.len(), 2, "each message has its own row");
    assert_ne!(
        loaded.history[0].meta.ecs_id(),
        loaded.history[1].meta.ecs_id()
    );
}

pub async fn every_scalar_kind_round_trips(store: &Store) {
    let mut sample = Sample {
        meta: Meta::new(),
        text: "ünïcode ✓ 'quoted' \"double\"".into(),
        small: -42,
        big: i64::MAX,
        ratio: 0.1 + 0.2,
        flag: true,
        key: Uuid::new_v4(),
        at: verso::now(),
        maybe_text: None,
        maybe_int: Some(-7),
        maybe_at: Some(verso::now()),
        settings: Settings {
            temperature: 0.7,
            stop: vec!["\n".into(), "END".into()],
        },
        tags: BTreeMap::from([("b".into(), "2".into()), ("a".into(), "1".into())]),
    };
    store.commit(&mut sample).await.unwrap();
    let loaded: Sample = store.get(sample.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, sample);

    let mut reloaded = loaded.clone();
    let (_, report) = cost!(store, store.commit(&mut reloaded).await.unwrap());
    assert!(
        report.is_empty(),
        "a loaded value compares equal to what was stored"
    );
}

pub async fn editing_a_field_forks_a_new_version(store: &Store) {
    let mut thread = stored_thread(store, 2).await;
    let before = thread.clone();
    let old_message = thread.history[1].meta.clone();

    thread.history[1].content = "Updated response".into();
    let report = store.commit(&mut thread).await.unwrap();

    let message = &thread.history[1].meta;
    assert_ne!(message.ecs_id(), old_message.ecs_id(), "new ecs_id");
    assert_eq!(
        message.parent_id(),
        Some(old_message.ecs_id()),
        "parent is the old version"
    );
    assert_eq!(
        message.lineage_id(),
        old_message.lineage_id(),
        "same lineage"
    );
    assert!(
        message.created_at() > old_message.created_at(),
        "created later than its parent"
    );
    let old_ids = store
        .old_ids::<ChatMessage>(message.ecs_id())
        .await
        .unwrap();
    assert_eq!(
        old_ids.last(),
        Some(&old_message.ecs_id()),
        "old_ids ends with the old id"
    );
    assert_eq!(report.forked.len(), 2, "the message and its thread");

    let old: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(old, before, "the original version is unchanged");
    let lineage = store
        .versions::<ChatMessage>(message.lineage_id())
        .await
        .unwrap();
    assert_eq!(
        lineage.iter().map(|v| v.ecs_id).collect::<Vec<_>>(),
        vec![old_message.ecs_id(), message.ecs_id()]
    );
}

pub async fn change_in_a_grandchild_forks_every_ancestor(store: &Store) {
    let mut root = Root::sample();
    store.commit(&mut root).await.unwrap();
    let before = root.clone();

    root.branches[1].leaves[0].value += 1;
    let report = store.commit(&mut root).await.unwrap();

    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(
        forked,
        ["Leaf", "Branch", "Root"],
        "leaf, branch and root, in one commit"
    );
    assert_ne!(root.meta.ecs_id(), before.meta.ecs_id());
    assert_ne!(
        root.branches[1].meta.ecs_id(),
        before.branches[1].meta.ecs_id()
    );
    assert_eq!(
        root.branches[0], before.branches[0],
        "sibling branch keeps its id"
    );
    assert_eq!(
        root.branches[1].leaves[1], before.branches[1].leaves[1],
        "sibling leaf keeps its id"
    );
    assert_eq!(root.anchor, before.anchor);

    let loaded: Root = store.get(root.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, root);
}

pub async fn commit_without_change_writes_nothing(store: &Store) {
    let mut thread = stored_thread(store, 3).await;
    let (cost, report) = cost!(store, store.commit(&mut thread).await.unwrap());
    assert!(report.is_empty());
    assert_eq!(cost, Stats::default(), "zero statements, zero rows");

    let mut loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let (cost, report) = cost!(store, store.commit(&mut loaded).await.unwrap());
    assert!(report.is_empty());
    assert_eq!(cost, Stats::default());
}

pub async fn fork_makes_a_version_without_change(store: &Store) {
    let mut thread = stored_thread(store, 2).await;
    let before = thread.clone();
    let report = store.fork(&mut thread).await.unwrap();
    assert_eq!(report.forked.len(), 1, "only the root is forced");
    assert_eq!(thread.meta.parent_id(), Some(before.meta.ecs_id()));
    assert_eq!(
        ids(&thread.history),
        ids(&before.history),
        "children are shared"
    );
}

pub async fn reordering_children_forks_the_parent(store: &Store) {
    let mut thread = stored_thread(store, 3).await;
    let before = thread.clone();
    thread.history.swap(0, 2);
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(
        report.forked.len(),
        1,
        "only the thread: the messages did not change"
    );
    assert_eq!(report.forked[0].from, before.meta.ecs_id());
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(
        ids(&loaded.history),
        ids(&thread.history),
        "new order is stored"
    );
    let old: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(ids(&old.history), ids(&before.history), "old order is kept");
}

pub async fn removing_a_child_forks_the_parent(store: &Store) {
    let mut thread = stored_thread(store, 3).await;
    let before = thread.clone();
    thread.history.remove(1);
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.forked.len(), 1);
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(ids(&loaded.history), ids(&thread.history));
    let old: ChatThread = store.get(before.meta.ecs_id()).await.unwrap();
    assert_eq!(old.history.len(), 3);
}

pub async fn adding_a_child_forks_the_parent(store: &Store) {
    let mut root = Root::sample();
    store.commit(&mut root).await.unwrap();
    let before = root.clone();
    root.pinned = Some(leaf(7));
    let report = store.commit(&mut root).await.unwrap();
    assert_eq!(report.created.len(), 1, "the new leaf");
    assert_eq!(report.forked.len(), 1, "the root");
    let loaded: Root = store.get(root.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded.pinned.as_ref().map(|l| l.value), Some(7));
    let old: Root = store.get(before.meta.ecs_id()).await.unwrap();
    assert!(old.pinned.is_none());
}

pub async fn appending_messages_keeps_each_history(store: &Store) {
    let mut thread = stored_thread(store, 0).await;
    let mut versions = vec![thread.meta.ecs_id()];
    for turn in 0..3 {
        thread
            .history
            .push(ChatMessage::new(MessageRole::User, &format!("turn {turn}")));
        store.commit(&mut thread).await.unwrap();
        versions.push(thread.meta.ecs_id());
    }
    let lineage = store
        .lineage::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(lineage.len(), 4);
    for (n, version) in versions.iter().enumerate() {
        let old: ChatThread = store.get(*version).await.unwrap();
        let contents: Vec<String> = old.history.iter().map(|m| m.content.clone()).collect();
        let expected: Vec<String> = (0..n).map(|t| format!("turn {t}")).collect();
        assert_eq!(
            contents, expected,
            "version {n} shows exactly its own history"
        );
        assert_eq!(lineage[n], old, "lineage is oldest first");
    }
}

pub async fn a_message_shared_by_two_threads_is_stored_once(store: &Store) {
    let mut first = ChatThread::new(
        "first",
        vec![ChatMessage::new(MessageRole::System, "You are helpful.")],
    );
    store.commit(&mut first).await.unwrap();
    let shared = first.history[0].clone();
    let mut second = ChatThread::new(
        "second",
        vec![shared, ChatMessage::new(MessageRole::User, "hi")],
    );
    let mut both = Root::sample();
    let (cost, report) = cost!(store, store.commit(&mut second).await.unwrap());
    let created: Vec<&str> = report.created.iter().map(|c| c.type_name).collect();
    assert_eq!(
        created,
        ["ChatMessage", "ChatThread"],
        "only the new message and the thread"
    );
    assert_eq!(
        cost.rows_written,
        2 + 2 + 1 + 2 + 1 + 2,
        "two versions, their heads, the thread's list, the two children it gained, \
         the commit's row and its links to the two versions"
    );
    assert_eq!(
        first.history[0].meta, second.history[0].meta,
        "the same version, same row"
    );

    // Within one commit too: two clones of a new entity are one version.
    both.pinned = Some(both.anchor.clone());
    let report = store.commit(&mut both).await.unwrap();
    assert_eq!(
        report
            .created
            .iter()
            .filter(|c| c.type_name == "Leaf")
            .count(),
        5
    );
    let loaded: Root = store.get(both.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded.pinned.as_ref(), Some(&loaded.anchor));
}

pub async fn reference_cycles_round_trip(store: &Store) {
    let mut a = Station {
        meta: Meta::new(),
        name: "A".into(),
        next: None,
    };
    let mut b = Station {
        meta: Meta::new(),
        name: "B".into(),
        next: None,
    };
    let mut c = Station {
        meta: Meta::new(),
        name: "C".into(),
        next: None,
    };
    a.next = Some(Ref::to(&b));
    b.next = Some(Ref::to(&c));
    c.next = Some(Ref::to(&a));
    // Each pinned reference points to a version of the same commit.
    let mut line = Line {
        meta: Meta::new(),
        stations: vec![a, b, c],
    };
    store.commit(&mut line).await.unwrap();
    let a = line.stations[0].clone();
    let mut names = Vec::new();
    let mut at: Station = store.get(a.meta.ecs_id()).await.unwrap();
    for _ in 0..3 {
        names.push(at.name.clone());
        at = store
            .resolve(&at.next.expect("every station has a next"))
            .await
            .unwrap();
    }
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(at, a, "C leads back to A");
}

pub async fn wrong_type_and_unknown_id_are_typed_errors(store: &Store) {
    let thread = stored_thread(store, 1).await;
    let message_id = thread.history[0].meta.ecs_id();
    match store.get::<ChatThread>(message_id).await {
        Err(Error::WrongType {
            expected,
            actual,
            id,
        }) => {
            assert_eq!(
                (expected.as_str(), actual.as_str(), id),
                ("ChatThread", "ChatMessage", message_id)
            );
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    let unknown = Uuid::new_v4();
    let error = store.get::<ChatThread>(unknown).await.unwrap_err();
    assert!(
        matches!(error, Error::NotFound { ref type_name, id } if type_name == "ChatThread" && id == unknown)
    );
    let message = error.to_string();
    assert!(
        message.contains("ChatThread") && message.contains(&unknown.to_string()),
        "{message}"
    );
}

pub async fn failed_commit_leaves_no_trace(store: &Store) {
    let mut thread = stored_thread(store, 2).await;
    thread.history[0].content = "edited".into();
    thread
        .history
        .push(ChatMessage::new(MessageRole::User, "new"));
    let working_copy = thread.clone();

    // Statement 1 is BEGIN, 2 inserts the messages: fail right after them.
    store.driver().instrument().inject(Fault {
        fail_at_statement: 3,
    });
    let error = store.commit(&mut thread).await.unwrap_err();
    assert!(
        matches!(error, Error::InjectedFault { statement: 3 }),
        "{error:?}"
    );
    assert_eq!(
        thread, working_copy,
        "the working copy's metadata is unchanged"
    );
    assert_eq!(thread.history[2].meta.id(), None);
    let new_message = thread.history[2].meta.ecs_id();
    assert!(
        matches!(
            store.get::<ChatMessage>(new_message).await,
            Err(Error::NotFound { .. })
        ),
        "no row of the failed commit is stored"
    );
    let versions = store
        .versions::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);

    let report = store.commit(&mut thread).await.expect("a retry succeeds");
    assert_eq!(report.created.len(), 1);
    assert_eq!(report.forked.len(), 2);
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, thread);
}

pub async fn two_working_copies_make_two_heads(store: &Store) {
    let thread = stored_thread(store, 1).await;
    let mut left: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let mut right = left.clone();
    left.name = "left".into();
    right.name = "right".into();
    store.commit(&mut left).await.unwrap();
    store.commit(&mut right).await.unwrap();
    let heads = store
        .heads::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    let names: HashSet<String> = heads.iter().map(|h| h.name.clone()).collect();
    assert_eq!(
        names,
        HashSet::from(["left".to_string(), "right".to_string()])
    );
    assert!(heads
        .iter()
        .all(|h| h.meta.parent_id() == Some(thread.meta.ecs_id())));
}

pub async fn loading_costs_the_same_queries_for_any_size(store: &Store) {
    let mut costs = Vec::new();
    for n in [1, 100, 10_000] {
        let thread = stored_thread(store, n).await;
        let (cost, loaded) = cost!(
            store,
            store.get::<ChatThread>(thread.meta.ecs_id()).await.unwrap()
        );
        assert_eq!(loaded.history.len(), n);
        costs.push(cost.statements);
    }
    assert_eq!(costs[0], costs[1], "{costs:?}");
    assert_eq!(costs[1], costs[2], "{costs:?}");
    assert!(costs[0] <= 3, "root, lists, messages: {costs:?}");
}

pub async fn editing_one_message_costs_the_same_statements_for_any_size(store: &Store) {
    let mut statements = Vec::new();
    let mut rows = Vec::new();
    for n in [10, 1_000, 10_000] {
        let mut thread = stored_thread(store, n).await;
        thread.history[n / 2].content = "edited".into();
        let (cost, report) = cost!(store, store.commit(&mut thread).await.unwrap());
        assert_eq!(report.forked.len(), 2);
        statements.push(cost.statements);
        rows.push(cost.rows_written);
    }
    // Two versions, their heads, the thread's list row, the message it
    // gained and the one it lost, the commit's row and its two links: 10
    // rows; then one new chunk per level of the list's chunk tree (a list
    // of 10 may sit in its row).
    assert!(rows[0] >= 10 && rows[2] <= 10 + 8, "rows written: {rows:?}");
    assert!(
        rows[2] <= 3 * rows[0],
        "rows written grow with the change: {rows:?}"
    );
    assert_eq!(statements[1], statements[2], "{statements:?}");
    assert!(
        statements[2] <= statements[0] + 1,
        "at most the chunks' insert more: {statements:?}"
    );
}

pub async fn appending_to_a_long_thread_writes_a_bounded_number_of_rows(store: &Store) {
    let mut rows = Vec::new();
    for n in [10, 1_000, 10_000] {
        let mut thread = stored_thread(store, n).await;
        let mut most = 0;
        for turn in 0..5 {
            thread
                .history
                .push(ChatMessage::new(MessageRole::User, &format!("turn {turn}")));
            let (cost, _) = cost!(store, store.commit(&mut thread).await.unwrap());
            most = most.max(cost.rows_written);
        }
        rows.push(most);
        let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
        assert_eq!(loaded, thread, "the grown thread reads back whole");
    }
    // Two versions, their heads, the list row, the gained message: 6 rows,
    // plus the chunks on the list's right edge (one per level at most,
    // sometimes two where a chunk splits).
    assert!(
        rows.iter().all(|&r| (6..=6 + 8).contains(&r)),
        "rows written: {rows:?}"
    );
}

pub async fn the_versions_holding_a_child_are_found_by_index(store: &Store) {
    let mut thread = stored_thread(store, 3).await;
    let kept = thread.history[0].meta.ecs_id();
    let dropped = thread.history[2].meta.ecs_id();
    let first = thread.meta.ecs_id();
    thread.name = "renamed".into();
    store.commit(&mut thread).await.unwrap();
    let second = thread.meta.ecs_id();
    thread.history.pop();
    store.commit(&mut thread).await.unwrap();
    let third = thread.meta.ecs_id();
    let mut branch: ChatThread = store.get(first).await.unwrap();
    branch.name = "branch".into();
    store.commit(&mut branch).await.unwrap();
    let mut elsewhere = ChatThread::new("elsewhere", vec![thread.history[0].clone()]);
    store.commit(&mut elsewhere).await.unwrap();

    let ids = |versions: Vec<verso::RowMeta>| versions.iter().map(|v| v.ecs_id).collect::<Vec<_>>();
    let holding_kept = store
        .containing(ChatThread::FIELDS.history, kept)
        .await
        .unwrap();
    assert_eq!(
        ids(holding_kept),
        [
            first,
            second,
            third,
            branch.meta.ecs_id(),
            elsewhere.meta.ecs_id()
        ]
    );
    let holding_dropped = store
        .containing(ChatThread::FIELDS.history, dropped)
        .await
        .unwrap();
    assert_eq!(ids(holding_dropped), [first, second, branch.meta.ecs_id()]);
    assert!(matches!(
        // A handle built by hand on a field the type lacks.
        store
            .containing(
                verso::ChildCol::<ChatThread, Vec<ChatMessage>>::field("nothing"),
                kept
            )
            .await,
        Err(Error::InvalidInput { .. })
    ));
}

pub async fn a_long_lineage_is_read_page_by_page(store: &Store) {
    let mut thread = stored_thread(store, 1).await;
    for turn in 0..24 {
        thread.name = format!("turn {turn}");
        store.commit(&mut thread).await.unwrap();
    }
    let lineage = thread.meta.lineage_id();
    let all = store.versions::<ChatThread>(lineage).await.unwrap();
    assert_eq!(all.len(), 25);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .versions_page::<ChatThread>(lineage, after.as_ref(), 10)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().cloned();
        paged.extend(page);
    }
    assert_eq!(paged, all);
    let ancestry = store
        .old_ids::<ChatThread>(thread.meta.ecs_id())
        .await
        .unwrap();
    let expected: Vec<_> = all[..24].iter().map(|v| v.ecs_id).collect();
    assert_eq!(ancestry, expected);
}

pub async fn lineage_latest_and_heads_follow_the_version_tree(store: &Store) {
    let mut thread = stored_thread(store, 1).await;
    let first = thread.clone();
    thread.name = "second".into();
    store.commit(&mut thread).await.unwrap();
    thread.name = "third".into();
    store.commit(&mut thread).await.unwrap();

    let lineage = thread.meta.lineage_id();
    let latest: ChatThread = store.latest(lineage).await.unwrap();
    assert_eq!(latest, thread);
    let heads = store.heads::<ChatThread>(lineage).await.unwrap();
    assert_eq!(heads, vec![thread.clone()], "a straight line has one head");

    // Continuing from the first version starts a branch.
    let mut branch: ChatThread = store.get(first.meta.ecs_id()).await.unwrap();
    branch.name = "branch".into();
    store.commit(&mut branch).await.unwrap();
    let heads = store.heads::<ChatThread>(lineage).await.unwrap();
    assert_eq!(heads.len(), 2);
    let old_ids = store
        .old_ids::<ChatThread>(thread.meta.ecs_id())
        .await
        .unwrap();
    assert_eq!(old_ids.len(), 2);
    assert_eq!(old_ids[0], first.meta.ecs_id());
    assert_eq!(
        store
            .old_ids::<ChatThread>(branch.meta.ecs_id())
            .await
            .unwrap(),
        vec![first.meta.ecs_id()]
    );
    let missing = Uuid::new_v4();
    assert!(matches!(
        store.latest::<ChatThread>(missing).await,
        Err(Error::NotFound { id, .. }) if id == missing
    ));
}

pub async fn clones_share_no_state_with_the_store(store: &Store) {
    let thread = stored_thread(store, 2).await;
    let mut first: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    first.history[0].content = "changed in memory only".into();
    let second: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(
        second, thread,
        "editing a loaded copy does not touch storage"
    );
}

pub async fn a_second_copy_of_a_new_entity_is_an_error_naming_it(store: &Store) {
    let message = ChatMessage::new(MessageRole::User, "copied before storing");
    let mut first = ChatThread::new("first", vec![message.clone()]);
    let mut second = ChatThread::new("second", vec![message.clone()]);
    store.commit(&mut first).await.unwrap();
    let before = second.clone();
    match store.commit(&mut second).await {
        Err(Error::InvalidInput { type_name, id, .. }) => {
            assert_eq!(
                (type_name.as_str(), id),
                ("ChatMessage", message.meta.ecs_id())
            );
        }
        other => panic!("expected InvalidInput naming the message, got {other:?}"),
    }
    assert_eq!(second, before, "the working copy is untouched");
    assert!(matches!(
        store.get::<ChatThread>(second.meta.ecs_id()).await,
        Err(Error::NotFound { .. })
    ));
}

pub async fn committing_on_the_head_refuses_to_branch(store: &Store) {
    let thread = stored_thread(store, 2).await;
    let lineage = thread.meta.lineage_id();
    let mut left: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let mut right = left.clone();
    left.history[0].content = "left".into();
    assert_eq!(
        store.commit_on_head(&mut left).await.unwrap().forked.len(),
        2
    );

    right.history[1].content = "right".into();
    let before = right.clone();
    match store.commit_on_head(&mut right).await {
        Err(Error::Conflict { type_name, id, .. }) => {
            assert_eq!(
                (type_name.as_str(), id),
                ("ChatThread", thread.meta.ecs_id())
            );
        }
        other => panic!("expected a Conflict on the thread, got {other:?}"),
    }
    assert_eq!(right, before, "the working copy is untouched");
    let versions = store.versions::<ChatThread>(lineage).await.unwrap();
    assert_eq!(versions.len(), 2, "nothing of the refused commit is stored");

    // Committing on the newest version works; a plain commit may branch.
    let mut newest: ChatThread = store.latest(lineage).await.unwrap();
    newest.name = "renamed".into();
    store.commit_on_head(&mut newest).await.unwrap();
    store.commit(&mut right).await.unwrap();
    assert_eq!(store.heads::<ChatThread>(lineage).await.unwrap().len(), 2);
}

pub async fn concurrent_commits_on_the_head_let_exactly_one_win(store: &Store) {
    let thread = stored_thread(store, 1).await;
    for round in 0..5 {
        let head: ChatThread = store.latest(thread.meta.lineage_id()).await.unwrap();
        let (mut a, mut b) = (head.clone(), head.clone());
        a.name = format!("a{round}");
        b.name = format!("b{round}");
        let (first, second) =
            tokio::join!(store.commit_on_head(&mut a), store.commit_on_head(&mut b));
        let conflicts = [&first, &second]
            .iter()
            .filter(|r| matches!(r, Err(Error::Conflict { .. })))
            .count();
        assert_eq!(
            (first.is_ok() as usize + second.is_ok() as usize, conflicts),
            (1, 1),
            "round {round}: {first:?} / {second:?}"
        );
    }
    let heads = store
        .heads::<ChatThread>(thread.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(heads.len(), 1, "the lineage never branched");
}

pub async fn clones_of_a_store_share_its_backend(store: &Store) {
    let clone = store.clone();
    let mut thread = ChatThread::new("shared", vec![ChatMessage::new(MessageRole::User, "hi")]);
    let task = tokio::spawn(async move {
        clone.commit(&mut thread).await.unwrap();
        thread
    });
    let thread = task.await.unwrap();
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, thread, "what a clone commits, the original reads");
}
