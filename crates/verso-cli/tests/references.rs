//! How `show` and `diff` name references: a `Ref` pins a version, a
//! `LineageRef` follows a lineage; and a swap of two children, which
//! `diff` shows as two moves.

mod support;

use assert_cmd::assert::Assert;
use support::{verso_on, Printed};
use verso::{LineageRef, Meta, Ref, Store, Uuid};
use verso_suite::model::*;
use verso_suite::{Backend, Harness};

/// A thread following a prompt's lineage, whose reply pins the question
/// it answers; then the thread follows another prompt, gains a second
/// reply, and has its first and third messages swapped.
struct Written {
    harness: Harness,
    url: String,
    before: Uuid,
    after: Uuid,
    prompts: [Uuid; 2],
    question: Uuid,
}

impl Written {
    async fn write(backend: Backend) -> Option<Written> {
        let harness = Harness::start(backend).await?;
        let url = harness.database_url().expect("reachable from a process");
        let store: &Store = &harness.store;
        let mut prompts = ["be brief", "be kind"].map(|content| SystemPrompt {
            meta: Meta::new(),
            name: "house style".into(),
            content: content.into(),
        });
        for prompt in &mut prompts {
            store.commit(prompt).await.unwrap();
        }
        let question = ChatMessage::new(MessageRole::User, "Why?");
        let answer = ChatMessage::reply_to(&question, MessageRole::Assistant, "Because.");
        let thanks = ChatMessage::new(MessageRole::User, "Thanks.");
        let mut thread = ChatThread::new("refs", vec![question.clone(), answer, thanks]);
        thread.prompt_source = Some(LineageRef::to(&prompts[0]));
        store.commit(&mut thread).await.unwrap();
        let before = thread.meta.ecs_id();

        thread.prompt_source = Some(LineageRef::to(&prompts[1]));
        let mut again = ChatMessage::new(MessageRole::Assistant, "Still because.");
        again.parent_message = Some(Ref::to(&question));
        thread.history.swap(0, 2);
        thread.history.push(again);
        store.commit(&mut thread).await.unwrap();
        Some(Written {
            url,
            before,
            after: thread.meta.ecs_id(),
            prompts: prompts.map(|p| p.meta.lineage_id()),
            question: question.meta.ecs_id(),
            harness,
        })
    }

    fn verso(&self, args: &[&str]) -> Assert {
        verso_on(&self.url, args)
    }
}

async fn show_and_diff_name_ref_and_lineage_ref(backend: Backend) {
    let Some(w) = Written::write(backend).await else {
        return;
    };
    let (before, after) = (w.before.to_string(), w.after.to_string());
    let show = w.verso(&["show", &before]).text();
    let show_json = w.verso(&["show", &before, "--json"]).json();
    let diff = w.verso(&["diff", &before, &after]).text();
    let diff_json = w.verso(&["diff", &before, &after, "--json"]).json();
    w.harness.finish().await;
    let (question, prompts) = (w.question, w.prompts);

    assert!(
        show.contains(&format!(
            "├── prompt_source: {} (LineageRef to SystemPrompt)\n",
            prompts[0]
        )),
        "{show}"
    );
    assert!(
        show.contains(&format!(
            "── parent_message: {question} (Ref to ChatMessage)\n"
        )),
        "{show}"
    );
    assert_eq!(
        show_json["references"]["prompt_source"],
        serde_json::json!({"kind": "LineageRef", "type": "SystemPrompt"})
    );
    let reply = &show_json["children"]["history"][1];
    assert_eq!(
        reply["references"]["parent_message"],
        serde_json::json!({"kind": "Ref", "type": "ChatMessage"})
    );
    assert_eq!(
        show_json["children"]["history"][0]["references"],
        serde_json::json!({})
    );

    assert!(
        diff.contains(&format!(
            "  ~ prompt_source (LineageRef to SystemPrompt): {} -> {}\n",
            prompts[0], prompts[1]
        )),
        "{diff}"
    );
    let added = diff
        .lines()
        .find(|l| l.starts_with("    + [3] ChatMessage "))
        .unwrap_or_else(|| panic!("an added message in:\n{diff}"));
    assert!(
        added.ends_with(&format!("parent_message: {question} (Ref to ChatMessage)")),
        "the added line keeps the reference type: {added}"
    );
    assert_eq!(
        diff_json["fields"][0]["reference"],
        serde_json::json!({"kind": "LineageRef", "type": "SystemPrompt"})
    );

    // The swap of the first and third messages: both moved, not the
    // second, which kept its place.
    let moves: Vec<&str> = diff.lines().filter(|l| l.contains("> [")).collect();
    assert_eq!(moves.len(), 2, "{diff}");
    assert!(
        moves[0].trim_start().starts_with("> [2 -> 0] ChatMessage"),
        "{diff}"
    );
    assert!(
        moves[1].trim_start().starts_with("> [0 -> 2] ChatMessage"),
        "{diff}"
    );
    let summary = diff_json["summary"].as_str().unwrap();
    assert_eq!(summary, "prompt_source changed; history: 1 added, 2 moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_diff_name_ref_and_lineage_ref_sqlite() {
    show_and_diff_name_ref_and_lineage_ref(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_diff_name_ref_and_lineage_ref_postgres() {
    show_and_diff_name_ref_and_lineage_ref(Backend::Postgres).await;
}

/// A playlist pinning two songs and following a curator's lineage, one of
/// whose songs is then re-pointed: `show` and `diff` name the lists by
/// the kind the catalog records.
async fn show_and_diff_name_lists_of_references(backend: Backend) {
    use verso_suite::scenarios::{Playlist, Song};
    let Some(harness) = Harness::start(backend).await else {
        return;
    };
    let url = harness.database_url().expect("reachable from a process");
    let store: &Store = &harness.store;
    let mut songs = ["a", "b", "c"].map(|title| Song {
        meta: Meta::new(),
        title: title.into(),
    });
    for song in &mut songs {
        store.commit(song).await.unwrap();
    }
    let mut curator = SystemPrompt {
        meta: Meta::new(),
        name: "curator".into(),
        content: "jazz".into(),
    };
    store.commit(&mut curator).await.unwrap();
    let mut list = Playlist {
        meta: Meta::new(),
        name: "mix".into(),
        songs: vec![Ref::to(&songs[1]), Ref::to(&songs[0])],
        curators: vec![LineageRef::to(&curator)],
    };
    store.commit(&mut list).await.unwrap();
    let before = list.meta.ecs_id().to_string();
    list.songs[1] = Ref::to(&songs[2]);
    store.commit(&mut list).await.unwrap();
    let after = list.meta.ecs_id().to_string();
    let verso = |args: &[&str]| verso_on(&url, args);
    let show = verso(&["show", &before]).text();
    let show_json = verso(&["show", &before, "--json"]).json();
    let diff = verso(&["diff", &before, &after]).text();
    harness.finish().await;

    let ids = |songs: &[&Song]| {
        let ids: Vec<String> = songs
            .iter()
            .map(|s| format!("\"{}\"", s.meta.ecs_id()))
            .collect();
        format!("[{}]", ids.join(","))
    };
    let pinned = ids(&[&songs[1], &songs[0]]);
    assert!(
        show.contains(&format!("songs: {pinned} (Ref list to Song)\n")),
        "{show}"
    );
    let followed = format!("[\"{}\"]", curator.meta.lineage_id());
    assert!(
        show.contains(&format!(
            "curators: {followed} (LineageRef list to SystemPrompt)\n"
        )),
        "{show}"
    );
    assert_eq!(
        show_json["references"]["songs"],
        serde_json::json!({"kind": "Ref", "type": "Song", "many": true})
    );
    assert_eq!(
        show_json["references"]["curators"],
        serde_json::json!({"kind": "LineageRef", "type": "SystemPrompt", "many": true})
    );
    let repointed = ids(&[&songs[1], &songs[2]]);
    assert!(
        diff.contains(&format!(
            "~ songs (Ref list to Song): {pinned} -> {repointed}\n"
        )),
        "{diff}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_diff_name_lists_of_references_sqlite() {
    show_and_diff_name_lists_of_references(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_and_diff_name_lists_of_references_postgres() {
    show_and_diff_name_lists_of_references(Backend::Postgres).await;
}
