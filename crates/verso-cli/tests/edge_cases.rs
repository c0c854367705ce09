//! Edge cases of the `verso` binary on histories the shared cases do not write
//! (swapped children, polymorphic tools changing variant, a lineage with
//! three branches, child lineages), ids written in other forms, and a
//! database file closed by its application.

#[macro_use]
mod support;

use assert_cmd::assert::Assert;
use support::{render_dot, verso, verso_on, Printed};
use verso::{Meta, Store, Uuid};
use verso_suite::model::*;
use verso_suite::{Backend, Harness};

/// A thread whose three messages were swapped (first and last), whose
/// first tool changed from callable to structured, and which was forked
/// three times from its first version.
struct Written {
    harness: Harness,
    url: String,
    first: Uuid,
    swapped: Uuid,
    messages: [Uuid; 3],
    message_lineages: [Uuid; 3],
    tool_lineage: Uuid,
    structured_tool: Uuid,
}

fn meta(tool: &Tool) -> &Meta {
    match tool {
        Tool::Callable(t) => &t.meta,
        Tool::Structured(t) => &t.meta,
    }
}

impl Written {
    async fn write(backend: Backend) -> Option<Written> {
        let harness = Harness::start(backend).await?;
        let url = harness.database_url().expect("reachable from a process");
        let store: &Store = &harness.store;
        let mut thread = ChatThread::with_messages("review", 3);
        thread.tools = vec![Tool::callable("add")];
        store.commit(&mut thread).await.unwrap();
        let first = thread.meta.ecs_id();
        let messages = [0, 1, 2].map(|i| thread.history[i].meta.ecs_id());
        let message_lineages = [0, 1, 2].map(|i| thread.history[i].meta.lineage_id());
        let mut branches = [thread.clone(), thread.clone()];

        thread.history.swap(0, 2);
        store.commit(&mut thread).await.unwrap();
        let swapped = thread.meta.ecs_id();

        let mut structured = Tool::structured("add");
        if let Tool::Structured(s) = &mut structured {
            s.meta = meta(&thread.tools[0]).clone();
        }
        thread.tools[0] = structured;
        store.commit(&mut thread).await.unwrap();
        for (i, branch) in branches.iter_mut().enumerate() {
            branch.name = format!("branch {i}");
            store.commit(branch).await.unwrap();
        }
        Some(Written {
            url,
            first,
            swapped,
            messages,
            message_lineages,
            tool_lineage: meta(&thread.tools[0]).lineage_id(),
            structured_tool: meta(&thread.tools[0]).ecs_id(),
            harness,
        })
    }

    fn verso(&self, args: &[&str]) -> Assert {
        verso_on(&self.url, args)
    }
}

/// `verso diff` of a swap of the first and last of three messages: the
/// middle message kept its place and must not be shown as `> [1 -> 1]`.
async fn a_swap_moves_the_two_swapped_children(backend: Backend) {
    let Some(w) = Written::write(backend).await else {
        return;
    };
    let (first, swapped) = (w.first.to_string(), w.swapped.to_string());
    let text = w.verso(&["diff", &first, &swapped]).text();
    let json = w.verso(&["diff", &first, &swapped, "--json"]).json();
    w.harness.finish().await;
    assert!(
        !text.contains("[1 -> 1]"),
        "the middle message did not move:\n{text}"
    );
    let moved: Vec<(u64, u64)> = json["children"][0]["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from"].as_u64().unwrap(), m["to"].as_u64().unwrap()))
        .collect();
    let mut moved = moved;
    moved.sort_unstable();
    assert_eq!(moved, [(0, 2), (2, 0)], "{json:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_moves_the_two_swapped_children_sqlite() {
    a_swap_moves_the_two_swapped_children(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_moves_the_two_swapped_children_postgres() {
    a_swap_moves_the_two_swapped_children(Backend::Postgres).await;
}

/// `verso show` of a structured tool: the fields of a structured tool,
/// not the callable variant's columns printed as `null`.
async fn show_of_a_variant_lists_its_own_fields(backend: Backend) {
    let Some(w) = Written::write(backend).await else {
        return;
    };
    let id = w.structured_tool.to_string();
    let text = w.verso(&["show", &id]).text();
    let json = w.verso(&["show", &id, "--json"]).json();
    w.harness.finish().await;
    assert!(
        text.contains("├── description: \"Answers as add.\""),
        "{text}"
    );
    assert_eq!(json["fields"]["variant"], "structured");
    for other_variant in [
        "callable_text",
        "docstring",
        "input_schema",
        "output_schema",
    ] {
        assert!(
            !text.contains(other_variant),
            "{other_variant} is a field of callable tools, not of this structured one:\n{text}"
        );
        assert!(
            json["fields"].get(other_variant).is_none(),
            "{other_variant} in {json:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_of_a_variant_lists_its_own_fields_sqlite() {
    show_of_a_variant_lists_its_own_fields(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_of_a_variant_lists_its_own_fields_postgres() {
    show_of_a_variant_lists_its_own_fields(Backend::Postgres).await;
}

/// Ids in upper case, without hyphens, braced or as URNs name the same
/// versions and lineages; every command prints the same as for the
/// canonical form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_in_any_uuid_spelling_give_the_same_output() {
    let Some(w) = Written::write(Backend::SqliteFile).await else {
        return;
    };
    let spellings = |id: Uuid| {
        [
            id.to_string(),
            id.to_string().to_uppercase(),
            id.simple().to_string(),
            id.braced().to_string(),
            id.urn().to_string(),
        ]
    };
    let message = w.messages[0];
    for command in ["log", "show", "tree"] {
        for id in [w.first, message, w.message_lineages[1], w.tool_lineage] {
            let [canonical, rest @ ..] = spellings(id);
            let expected = w.verso(&[command, &canonical]).text();
            for other in rest {
                assert_eq!(
                    w.verso(&[command, &other]).text(),
                    expected,
                    "{command} {other}"
                );
            }
        }
    }
    let expected = w
        .verso(&["diff", &w.first.to_string(), &w.swapped.to_string()])
        .text();
    let upper = w.verso(&[
        "diff",
        &w.first.simple().to_string().to_uppercase(),
        &w.swapped.to_string().to_uppercase(),
    ]);
    upper.success().stdout(expected);
    w.harness.finish().await;
}

/// Every command on a child lineage and on a polymorphic lineage: JSON
/// parses and says what the text says; a lineage with three heads draws
/// three branches, and its dot renders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_and_polymorphic_lineages_in_every_command() {
    let Some(w) = Written::write(Backend::SqliteFile).await else {
        return;
    };
    let tool = w.tool_lineage.to_string();
    let log = w.verso(&["log", &tool]).text();
    let log_json = w.verso(&["log", &tool, "--json"]).json();
    assert!(log.starts_with("Tool lineage "), "{log}");
    assert_eq!(log_json["type"], "Tool");
    let versions = log_json["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], w.structured_tool.to_string());
    let summary = versions[0]["summary"].as_str().unwrap();
    assert!(summary.starts_with("variant, "), "{summary}");
    assert!(log.contains(&format!("    {summary}\n")), "{log}");
    let variant = &versions[0]["diff"]["fields"][0];
    assert_eq!(
        (variant["old"].as_str(), variant["new"].as_str()),
        (Some("callable"), Some("structured"))
    );

    let lineages = w.verso(&["lineages", "Tool", "--json"]).json();
    assert_eq!(
        lineages["lineages"][0]["head"],
        w.structured_tool.to_string()
    );

    // A message's version id names the message's own lineage.
    let message = w.messages[1].to_string();
    let tree = w.verso(&["tree", &message, "--json"]).json();
    assert_eq!(tree["type"], "ChatMessage");
    assert_eq!(tree["lineage"], w.message_lineages[1].to_string());

    // The thread: first version, swap, variant change, and two more
    // branches from the first version.
    let thread_tree = w.verso(&["tree", &w.first.to_string()]).text();
    let stars = thread_tree.lines().filter(|l| l.contains('*')).count();
    assert_eq!(stars, 5, "{thread_tree}");
    let heads = thread_tree.matches("(head)").count();
    assert_eq!(heads, 3, "{thread_tree}");
    let json = w.verso(&["tree", &w.first.to_string(), "--json"]).json();
    assert_eq!(json["versions"][0]["children"].as_array().unwrap().len(), 3);
    let dot = w
        .verso(&["tree", &w.first.to_string(), "--format", "dot"])
        .text();
    assert_eq!(dot.matches(" -> ").count(), 4, "{dot}");
    assert_eq!(dot.matches("style=bold").count(), 3, "{dot}");
    render_dot(&dot);
    w.harness.finish().await;
}

/// The files beside a database: its write-ahead log and shared-memory
/// index.
fn companions(path: &std::path::Path) -> [std::path::PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        name.into()
    })
}

/// Every read-only command on the file of an application that has closed
/// it changes no byte of the database and leaves no `-wal` or `-shm` file
/// beside it, whatever it prints or fails with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_closed_database_writes_nothing_not_even_beside_it() {
    let dir = std::env::temp_dir().join(format!("verso-review-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.db");
    let url = format!("sqlite:{}", path.display());
    let (first, second, lineage) = {
        let store = Store::open(&url).await.unwrap();
        let mut thread = ChatThread::with_messages("closed", 2);
        store.commit(&mut thread).await.unwrap();
        let first = thread.meta.ecs_id();
        thread.name = "closed, renamed".into();
        store.commit(&mut thread).await.unwrap();
        (first, thread.meta.ecs_id(), thread.meta.lineage_id())
    };
    for file in companions(&path) {
        let _ = std::fs::remove_file(file);
    }
    let before = std::fs::read(&path).unwrap();
    let (first, second, lineage) = (first.to_string(), second.to_string(), lineage.to_string());
    let short = &lineage.replace('-', "")[..28];
    let unknown = Uuid::new_v4().to_string();
    let reads: Vec<Vec<&str>> = vec![
        vec!["types"],
        vec!["lineages", "ChatThread"],
        vec!["lineages", "ChatThread", "-n", "1"],
        vec!["log", &lineage],
        vec!["log", short, "--json"],
        vec!["show", &second],
        vec!["show", &lineage, "--json"],
        vec!["diff", &first, &second],
        vec!["diff", &first, &second, "--json"],
        vec!["tree", &lineage],
        vec!["tree", &lineage, "--format", "dot"],
        vec!["log", &unknown],
        vec!["lineages", "Nothing"],
    ];
    let mut printed = Vec::new();
    for args in &reads {
        let run = verso_on(&url, args);
        let output = run.get_output();
        printed.push((args.join(" "), output.status.code(), output.stdout.len()));
        let left: Vec<_> = companions(&path)
            .into_iter()
            .filter(|f| f.exists())
            .collect();
        assert!(left.is_empty(), "`verso {}` left {left:?}", args.join(" "));
        assert!(
            std::fs::read(&path).unwrap() == before,
            "`verso {}` changed the file",
            args.join(" ")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The reads did read: the commands succeeded but the last two.
    for (args, code, length) in &printed[..printed.len() - 2] {
        assert_eq!(*code, Some(0), "verso {args}");
        assert!(*length > 0, "verso {args} printed nothing");
    }
}

/// A database an application still has open (its `-wal` present) is read
/// with what the write-ahead log holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_an_open_database_sees_its_write_ahead_log() {
    let dir = std::env::temp_dir().join(format!("verso-open-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.db");
    let url = format!("sqlite:{}", path.display());
    let store = Store::open(&url).await.unwrap();
    let mut thread = ChatThread::with_messages("open", 2);
    store.commit(&mut thread).await.unwrap();
    assert!(companions(&path)[0].exists(), "the application's -wal");
    verso(&["--db", &url, "show", &thread.meta.ecs_id().to_string()])
        .success()
        .stdout(predicates::str::contains("name: \"open\""));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
