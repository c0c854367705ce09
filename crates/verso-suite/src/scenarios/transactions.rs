//! Transactions: reads at one snapshot, then one commit of what was
//! staged, in one database transaction. SQLite and the memory backend
//! make other writers wait for an open transaction; PostgreSQL
//! (`REPEATABLE READ`) lets them run and fails the second of two
//! transactions forking one head with a retryable error.

use super::census;
use crate::cost;
use crate::gate::{Gate, GatedDriver, Hold};
use crate::model::*;
use verso::{DbErrorKind, Error, Fault, Store, Uuid};

/// Whether the backend makes writers wait for an open transaction (rather
/// than detect conflicts when the second one commits).
fn transactions_block_writers(store: &Store) -> bool {
    store.driver().backend() != "postgres"
}

/// A usage record with no tokens, stored; returns it and its lineage.
async fn stored_counter(store: &Store) -> (Usage, Uuid) {
    let mut usage = Usage::new("counter", 0, 0);
    store.commit(&mut usage).await.expect("first version");
    let lineage = usage.meta.lineage_id();
    (usage, lineage)
}

/// Reads the newest version of the counter in a transaction, adds one
/// token and commits it there: "read, decide, write".
async fn increment(store: &Store, lineage: Uuid) -> verso::Result<Usage> {
    let mut tx = store.begin().await?;
    let mut current: Usage = tx.latest(lineage).await?;
    current.prompt_tokens += 1;
    tx.stage(&mut current);
    tx.finish().await?;
    Ok(current)
}

pub async fn a_transaction_reads_decides_and_writes_a_counter(store: &Store) {
    let (usage, lineage) = stored_counter(store).await;
    for expected in 1..=3 {
        let counted = increment(store, lineage).await.unwrap();
        assert_eq!(counted.prompt_tokens, expected);
        let latest: Usage = store.latest(lineage).await.unwrap();
        assert_eq!(
            latest.meta.ecs_id(),
            counted.meta.ecs_id(),
            "the root holds its new version"
        );
        assert_eq!(latest.prompt_tokens, expected);
    }
    assert_eq!(store.versions::<Usage>(lineage).await.unwrap().len(), 4);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
    let first: Usage = store.get(usage.meta.ecs_id()).await.unwrap();
    assert_eq!(first.prompt_tokens, 0, "the first version is unchanged");
}

pub async fn a_transaction_commit_costs_the_statements_of_a_plain_commit(store: &Store) {
    let (mut usage, lineage) = stored_counter(store).await;
    usage.prompt_tokens += 1;
    let (plain, _) = cost!(store, store.commit(&mut usage).await.unwrap());

    let mut tx = store.begin().await.unwrap();
    let mut current: Usage = tx.latest(lineage).await.unwrap();
    current.prompt_tokens += 1;
    tx.stage(&mut current);
    let (in_transaction, report) = cost!(store, tx.finish().await.unwrap());
    assert_eq!(report.forked.len(), 1);
    assert_eq!(in_transaction.statements, plain.statements);
    assert_eq!(in_transaction.rows_written, plain.rows_written);
}

pub async fn racing_transactions_on_one_lineage_never_branch(store: &Store) {
    let (usage, lineage) = stored_counter(store).await;
    let mut tx = store.begin().await.unwrap();
    let mut first: Usage = tx.latest(lineage).await.unwrap();
    assert_eq!(first.prompt_tokens, 0);
    if transactions_block_writers(store) {
        // The second transaction begins only once the first has ended, and
        // then reads what it committed.
        let other = store.clone();
        let racer = tokio::spawn(async move { increment(&other, lineage).await });
        first.prompt_tokens += 1;
        tx.stage(&mut first);
        tx.finish().await.unwrap();
        let second = racer.await.unwrap().unwrap();
        assert_eq!(second.prompt_tokens, 2, "the second saw the first's commit");
    } else {
        // Both read one snapshot; the second to commit fails, retryably.
        let mut late = store.begin().await.unwrap();
        let mut second: Usage = late.latest(lineage).await.unwrap();
        assert_eq!(second.prompt_tokens, 0);
        first.prompt_tokens += 1;
        tx.stage(&mut first);
        tx.finish().await.unwrap();
        second.prompt_tokens += 1;
        late.stage(&mut second);
        let error = late.finish().await.unwrap_err();
        assert!(error.is_retryable(), "{error:?}");
        assert_eq!(
            error.database_kind(),
            Some(DbErrorKind::SerializationFailure)
        );
        assert_eq!(
            second.meta.ecs_id(),
            usage.meta.ecs_id(),
            "the losing root keeps its version"
        );
        assert_eq!(store.versions::<Usage>(lineage).await.unwrap().len(), 2);
        let retried = increment(store, lineage).await.unwrap();
        assert_eq!(retried.prompt_tokens, 2, "the retry reads the new head");
    }
    let latest: Usage = store.latest(lineage).await.unwrap();
    assert_eq!(latest.prompt_tokens, 2);
    assert_eq!(store.versions::<Usage>(lineage).await.unwrap().len(), 3);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
}

pub async fn a_dropped_transaction_stores_nothing_and_its_roots_commit_afterwards(store: &Store) {
    let (usage, lineage) = stored_counter(store).await;
    let before = census(store).await;
    let mut edited = usage.clone();
    let mut thread = ChatThread::with_messages("never stored", 2);
    {
        let mut tx = store.begin().await.unwrap();
        let current: Usage = tx.latest(lineage).await.unwrap();
        edited.prompt_tokens = current.prompt_tokens + 5;
        tx.stage(&mut edited).stage(&mut thread);
        // Dropped without `finish`: rolled back.
    }
    assert_eq!(census(store).await, before, "nothing stored");
    assert_eq!(edited.meta, usage.meta, "the staged root keeps its version");
    assert!(!edited.meta.is_unsettled(), "nothing is left to settle");

    let report = store.commit(&mut edited).await.unwrap();
    assert_eq!(report.forked.len(), 1);
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.created.len(), 3, "the thread and its two messages");
    let latest: Usage = store.latest(lineage).await.unwrap();
    assert_eq!(latest.prompt_tokens, 5);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
    assert_eq!(
        census(store).await,
        [before[0] + 1, before[1] + 2, before[2] + 1]
    );
}

pub async fn a_transaction_failing_at_any_statement_stores_nothing(store: &Store) {
    let (usage, lineage) = stored_counter(store).await;
    let thread = ChatThread::with_messages("staged", 1);
    let before = census(store).await;
    let mut statement = 1;
    loop {
        let (mut attempt_usage, mut attempt_thread) = (usage.clone(), thread.clone());
        let mut tx = store.begin().await.unwrap();
        let current: Usage = tx.latest(lineage).await.unwrap();
        attempt_usage.prompt_tokens = current.prompt_tokens + 1;
        tx.stage(&mut attempt_usage).stage(&mut attempt_thread);
        store.driver().instrument().inject(Fault {
            fail_at_statement: statement,
        });
        match tx.finish().await {
            Err(Error::InjectedFault { statement: failed }) => {
                assert_eq!(failed, statement);
                assert_eq!(
                    attempt_usage.meta, usage.meta,
                    "statement {statement}: usage"
                );
                assert_eq!(attempt_thread, thread, "statement {statement}: thread");
                assert_eq!(census(store).await, before, "statement {statement}");
            }
            Ok(report) => {
                // More statements than the commit has: disarm the fault.
                store.driver().instrument().inject(Fault {
                    fail_at_statement: u64::MAX,
                });
                assert!(
                    statement > 6,
                    "versions of two tables, lists, heads, commit"
                );
                assert_eq!(report.forked.len(), 1);
                assert_eq!(report.created.len(), 2);
                break;
            }
            Err(other) => panic!("statement {statement}: {other:?}"),
        }
        statement += 1;
    }
    assert_eq!(
        census(store).await,
        [before[0] + 1, before[1] + 1, before[2] + 1]
    );
    let latest: Usage = store.latest(lineage).await.unwrap();
    assert_eq!(latest.prompt_tokens, 1);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
}

pub async fn a_transaction_reads_one_snapshot_while_others_commit(store: &Store) {
    let (usage, lineage) = stored_counter(store).await;
    let mut outside = usage.clone();
    outside.prompt_tokens = 10;
    let tx = store.begin().await.unwrap();
    let seen: Usage = tx.latest(lineage).await.unwrap();
    assert_eq!(seen.prompt_tokens, 0);
    if transactions_block_writers(store) {
        // A commit made meanwhile waits for the transaction to end.
        let other = store.clone();
        let writer = tokio::spawn(async move { other.commit(&mut outside).await.map(|_| outside) });
        let again: Usage = tx.latest(lineage).await.unwrap();
        assert_eq!(again.prompt_tokens, 0, "the snapshot holds");
        assert_eq!(tx.heads::<Usage>(lineage).await.unwrap().len(), 1);
        tx.finish().await.unwrap();
        writer.await.unwrap().unwrap();
    } else {
        // A commit made meanwhile lands at once, unseen by the transaction.
        store.commit(&mut outside).await.unwrap();
        let again: Usage = tx.latest(lineage).await.unwrap();
        assert_eq!(again.prompt_tokens, 0, "the snapshot holds");
        let queried = tx
            .query::<Usage>()
            .filter(Usage::FIELDS.prompt_tokens.eq(10))
            .count()
            .await
            .unwrap();
        assert_eq!(queried, 0, "queries read the snapshot too");
        let heads = tx.heads::<Usage>(lineage).await.unwrap();
        assert_eq!(heads[0].meta.ecs_id(), usage.meta.ecs_id());
        tx.finish().await.unwrap();
    }
    let latest: Usage = store.latest(lineage).await.unwrap();
    assert_eq!(latest.prompt_tokens, 10, "the outside commit landed");
}

/// Finishes a transaction through `gated` that stages `counter`, and drops
/// it as soon as the gate says its commit got where it is held.
async fn interrupt_finish(gated: &Store, gate: &Gate, counter: &mut Usage) {
    let finish = async {
        let mut tx = gated.begin().await?;
        tx.stage(counter);
        tx.finish().await
    };
    tokio::select! {
        outcome = finish => panic!("a held commit does not finish: {outcome:?}"),
        () = gate.reached() => {}
    }
}

pub async fn a_transaction_interrupted_after_it_landed_is_taken_as_committed(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let (usage, lineage) = stored_counter(store).await;
    let mut counter = usage.clone();
    counter.prompt_tokens = 1;
    gate.hold_next_commit(Hold::AfterLanding);
    interrupt_finish(&gated, &gate, &mut counter).await;
    let versions = store.versions::<Usage>(lineage).await.unwrap();
    assert_eq!(versions.len(), 2, "the commit landed");
    assert_eq!(
        counter.meta.ecs_id(),
        usage.meta.ecs_id(),
        "unknown to the root"
    );
    assert!(counter.meta.is_unsettled());

    let report = store.commit(&mut counter).await.unwrap();
    assert!(report.is_empty(), "the landed commit made the change");
    assert_eq!(counter.meta.ecs_id(), versions[1].ecs_id);
    let counted = increment(store, lineage).await.unwrap();
    assert_eq!(counted.prompt_tokens, 2);
    assert_eq!(store.versions::<Usage>(lineage).await.unwrap().len(), 3);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
}

pub async fn a_transaction_interrupted_before_sending_is_made_by_the_next_commit(store: &Store) {
    let (gated, gate) = GatedDriver::store(store);
    let (usage, lineage) = stored_counter(store).await;
    let mut counter = usage.clone();
    counter.prompt_tokens = 1;
    gate.hold_next_commit(Hold::BeforeSending);
    interrupt_finish(&gated, &gate, &mut counter).await;
    assert_eq!(
        store.versions::<Usage>(lineage).await.unwrap().len(),
        1,
        "nothing landed"
    );
    assert_eq!(counter.meta.ecs_id(), usage.meta.ecs_id());

    let report = store.commit(&mut counter).await.unwrap();
    assert_eq!(report.forked.len(), 1, "made by the next commit");
    let latest: Usage = store.latest(lineage).await.unwrap();
    assert_eq!(latest.meta.ecs_id(), counter.meta.ecs_id());
    assert_eq!(latest.prompt_tokens, 1);
    assert_eq!(
        store.heads::<Usage>(lineage).await.unwrap().len(),
        1,
        "no branch"
    );
}
