//! The checks run after a part: every acknowledged version reads back as
//! exactly what was committed, every stored version is whole, and a
//! lineage holds what its writers made of it and nothing else.

use crate::event::Ack;
use crate::model::Thread;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;
use verso::{Error, Store};

/// How many versions are loaded per query.
const CHUNK: usize = 32;

/// A read that fails with a retryable error (a pooled connection broken
/// by a server restart) is tried again, as the error invites, up to this
/// many times.
const READ_RETRIES: u32 = 20;

/// Evaluates the read `$call` (an expression making a future), again
/// while it fails with a retryable error, at most [`READ_RETRIES`] times.
macro_rules! read {
    ($call:expr) => {{
        let mut retries = 0;
        loop {
            match $call.await {
                Err(error) if error.is_retryable() && retries < READ_RETRIES => {
                    retries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                outcome => break outcome,
            }
        }
    }};
}

/// Every acknowledged version loads, belongs to its lineage, is whole and
/// has the fingerprint its writer reported. Returns the problems found.
pub async fn acked_versions(store: &Store, acks: &[Ack]) -> Vec<String> {
    let mut problems = Vec::new();
    for chunk in acks.chunks(CHUNK) {
        let ids: Vec<Uuid> = chunk.iter().map(|ack| ack.version).collect();
        let loaded = match read!(store.get_many::<Thread>(&ids)) {
            Ok(loaded) => loaded,
            Err(_) => {
                // Find which ones fail, one by one.
                let mut one_by_one = Vec::new();
                for ack in chunk {
                    match read!(store.get::<Thread>(ack.version)) {
                        Ok(thread) => one_by_one.push(thread),
                        Err(error) => problems.push(format!(
                            "acknowledged version {} of lineage {} does not load: {error}",
                            ack.version, ack.lineage
                        )),
                    }
                }
                one_by_one
            }
        };
        let by_id: HashMap<Uuid, &Thread> = loaded.iter().map(|t| (t.meta.ecs_id(), t)).collect();
        for ack in chunk {
            let Some(thread) = by_id.get(&ack.version) else {
                continue;
            };
            problems.extend(against_ack(thread, ack));
        }
    }
    problems
}

/// How `thread` differs from what `ack` says was committed.
fn against_ack(thread: &Thread, ack: &Ack) -> Vec<String> {
    let mut problems = thread.defects();
    if thread.meta.lineage_id() != ack.lineage {
        problems.push(format!(
            "version {} is in lineage {}, acknowledged in {}",
            ack.version,
            thread.meta.lineage_id(),
            ack.lineage
        ));
    }
    if thread.messages.len() as i64 != ack.messages || thread.fingerprint() != ack.fingerprint {
        problems.push(format!(
            "version {} holds {} messages (fingerprint {:016x}); acknowledged with {} ({:016x})",
            ack.version,
            thread.messages.len(),
            thread.fingerprint(),
            ack.messages,
            ack.fingerprint
        ));
    }
    problems
}

/// What one lineage holds, as found by [`lineage`].
#[derive(Debug, Clone, Default)]
pub struct LineageFindings {
    /// Versions stored.
    pub versions: usize,
    /// Versions stored that no writer acknowledged (a commit that landed
    /// while its writer was killed or lost its connection).
    pub unacknowledged: usize,
    /// Heads of the lineage.
    pub heads: usize,
    /// Problems found.
    pub problems: Vec<String>,
}

/// Checks a lineage against its acknowledgments: every stored version is
/// whole, every acknowledged version is among them, and the lineage has
/// one head. A lineage that does not exist is reported as holding nothing
/// (which is a problem only if something was acknowledged in it).
pub async fn lineage(store: &Store, lineage: Uuid, acks: &[Ack]) -> LineageFindings {
    let mut findings = LineageFindings::default();
    let versions = match read!(store.versions::<Thread>(lineage)) {
        Ok(versions) => versions,
        Err(Error::NotFound { .. }) => {
            if !acks.is_empty() {
                findings.problems.push(format!(
                    "lineage {lineage} is gone but {} commits were acknowledged in it",
                    acks.len()
                ));
            }
            return findings;
        }
        Err(error) => {
            findings
                .problems
                .push(format!("versions of lineage {lineage}: {error}"));
            return findings;
        }
    };
    findings.versions = versions.len();
    let stored: HashSet<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
    let acked: HashSet<Uuid> = acks.iter().map(|a| a.version).collect();
    for ack in acks {
        if !stored.contains(&ack.version) {
            findings.problems.push(format!(
                "acknowledged version {} is not among the {} versions of lineage {lineage}",
                ack.version,
                versions.len()
            ));
        }
    }
    findings.unacknowledged = stored.difference(&acked).count();
    let ids: Vec<Uuid> = versions.iter().map(|v| v.ecs_id).collect();
    for chunk in ids.chunks(CHUNK) {
        match read!(store.get_many::<Thread>(chunk)) {
            Ok(threads) => {
                for thread in threads {
                    findings.problems.extend(thread.defects());
                }
            }
            Err(error) => findings.problems.push(format!(
                "versions of lineage {lineage} do not all load: {error}"
            )),
        }
    }
    match read!(store.heads::<Thread>(lineage)) {
        Ok(heads) => {
            findings.heads = heads.len();
            if heads.len() != 1 {
                findings.problems.push(format!(
                    "lineage {lineage} has {} heads, expected 1",
                    heads.len()
                ));
            }
        }
        Err(error) => findings
            .problems
            .push(format!("heads of lineage {lineage}: {error}")),
    }
    findings
}

/// The acknowledgments grouped by lineage.
pub fn by_lineage(acks: &[Ack]) -> BTreeMap<Uuid, Vec<Ack>> {
    let mut grouped: BTreeMap<Uuid, Vec<Ack>> = BTreeMap::new();
    for ack in acks {
        grouped.entry(ack.lineage).or_default().push(*ack);
    }
    grouped
}

/// Checks a lineage every writer appended to with `commit_on_head`: one
/// chain from its first version (committed before the writers started)
/// to one head, whose path passes through every acknowledged version, with
/// exactly one version per acknowledgment after the first, and a head
/// holding each writer's `commits` messages exactly once (no lost update).
pub async fn shared_chain(
    store: &Store,
    lineage: Uuid,
    acks: &[Ack],
    writers: u32,
    commits: u64,
) -> Vec<String> {
    let mut problems = Vec::new();
    let versions = match read!(store.versions::<Thread>(lineage)) {
        Ok(versions) => versions,
        Err(error) => return vec![format!("versions of the shared lineage: {error}")],
    };
    if versions.len() != acks.len() + 1 {
        problems.push(format!(
            "the shared lineage has {} versions for {} acknowledged commits (+1 first version)",
            versions.len(),
            acks.len()
        ));
    }
    let heads = match read!(store.heads::<Thread>(lineage)) {
        Ok(heads) => heads,
        Err(error) => return vec![format!("heads of the shared lineage: {error}")],
    };
    let [head] = heads.as_slice() else {
        problems.push(format!(
            "the shared lineage has {} heads: commit_on_head let it branch",
            heads.len()
        ));
        return problems;
    };
    let mut path: HashSet<Uuid> = match read!(store.old_ids::<Thread>(head.meta.ecs_id())) {
        Ok(ids) => ids.into_iter().collect(),
        Err(error) => return vec![format!("path to the shared head: {error}")],
    };
    path.insert(head.meta.ecs_id());
    for ack in acks {
        if !path.contains(&ack.version) {
            problems.push(format!(
                "acknowledged version {} is not on the path to the head: its update is lost",
                ack.version
            ));
        }
    }
    let mut appended: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for message in &head.messages {
        *appended.entry((message.writer, message.step)).or_default() += 1;
    }
    for writer in 0..i64::from(writers) {
        for step in 0..commits as i64 {
            match appended.get(&(writer, step)).copied().unwrap_or(0) {
                1 => {}
                0 => problems.push(format!(
                    "the head lacks message {step} of writer {writer}: a lost update"
                )),
                n => problems.push(format!(
                    "the head holds message {step} of writer {writer} {n} times"
                )),
            }
        }
    }
    let expected = u64::from(writers) * commits;
    if head.messages.len() as u64 != expected {
        problems.push(format!(
            "the head holds {} messages, expected {expected}",
            head.messages.len()
        ));
    }
    problems.extend(head.defects());
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thread;

    async fn store_with_thread() -> (Store, Thread, Ack) {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut thread = Thread::new(0);
        thread.append(0, 0, 10);
        store.commit(&mut thread).await.unwrap();
        let ack = Ack::of(&thread);
        (store, thread, ack)
    }

    #[tokio::test]
    async fn a_version_as_acknowledged_passes() {
        let (store, thread, ack) = store_with_thread().await;
        assert_eq!(acked_versions(&store, &[ack]).await, Vec::<String>::new());
        let found = lineage(&store, thread.meta.lineage_id(), &[ack]).await;
        assert_eq!(found.problems, Vec::<String>::new());
        assert_eq!(
            (found.versions, found.unacknowledged, found.heads),
            (1, 0, 1)
        );
    }

    #[tokio::test]
    async fn an_acknowledgment_the_store_does_not_match_is_reported() {
        let (store, _, ack) = store_with_thread().await;
        let other_content = Ack {
            fingerprint: ack.fingerprint ^ 1,
            ..ack
        };
        assert_eq!(acked_versions(&store, &[other_content]).await.len(), 1);
        let never_stored = Ack {
            version: Uuid::new_v4(),
            ..ack
        };
        assert_eq!(acked_versions(&store, &[never_stored]).await.len(), 1);
    }

    #[tokio::test]
    async fn a_branch_and_an_unacknowledged_version_are_counted() {
        let (store, thread, ack) = store_with_thread().await;
        let mut left = thread.clone();
        let mut right = thread.clone();
        left.append(0, 1, 10);
        right.append(1, 0, 10);
        store.commit(&mut left).await.unwrap();
        store.commit(&mut right).await.unwrap();
        let found = lineage(&store, thread.meta.lineage_id(), &[ack, Ack::of(&left)]).await;
        assert_eq!(
            (found.versions, found.unacknowledged, found.heads),
            (3, 1, 2)
        );
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    }

    #[tokio::test]
    async fn a_lost_update_on_the_shared_lineage_is_reported() {
        let (store, thread, _) = store_with_thread().await;
        let lineage_id = thread.meta.lineage_id();
        // The first version holds writer 0's message 0; writer 0 appends
        // message 1 on the head: a chain.
        let mut first = thread.clone();
        first.append(0, 1, 10);
        store.commit(&mut first).await.unwrap();
        let problems = shared_chain(&store, lineage_id, &[Ack::of(&first)], 1, 2).await;
        assert_eq!(problems, Vec::<String>::new());

        // A stale copy of the first version, committed without
        // commit_on_head, branches the lineage: message 1 is lost on the
        // new branch.
        let mut stale = thread.clone();
        stale.append(0, 2, 10);
        store.commit(&mut stale).await.unwrap();
        let problems = shared_chain(
            &store,
            lineage_id,
            &[Ack::of(&first), Ack::of(&stale)],
            1,
            3,
        )
        .await;
        assert!(
            problems.iter().any(|p| p.contains("2 heads")),
            "{problems:?}"
        );
    }
}
