//! What each command prints on the known [`History`], on any backend.

use super::{render_dot, stderr_of, History, Printed};
use predicates::prelude::*;
use serde_json::json;
use verso::Uuid;

fn line_starting<'a>(text: &'a str, start: &str) -> Vec<&'a str> {
    text.lines()
        .find(|line| line.starts_with(start))
        .unwrap_or_else(|| panic!("a line starting with {start:?} in:\n{text}"))
        .split_whitespace()
        .collect()
}

pub fn types_lists_each_type_with_its_counts(history: &History) {
    let text = history.verso(&["types"]).text();
    let text = text.as_str();
    assert_eq!(
        line_starting(text, "TYPE"),
        ["TYPE", "TABLE", "LINEAGES", "VERSIONS"]
    );
    assert_eq!(
        line_starting(text, "ChatThread "),
        ["ChatThread", "chat_thread", "1", "4"]
    );
    // hello, the reply (two versions) and thanks.
    assert_eq!(
        line_starting(text, "ChatMessage "),
        ["ChatMessage", "chat_message", "3", "4"]
    );

    let json = history.verso(&["types", "--json"]).json();
    let thread = json["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "ChatThread")
        .expect("ChatThread is listed");
    assert_eq!(thread["lineages"], 1);
    assert_eq!(thread["versions"], 4);
    assert_eq!(thread["table"], "chat_thread");
    assert_eq!(thread["definition"]["children"][0]["name"], "history");
}

pub fn lineages_lists_versions_and_head_times(history: &History) {
    let text = history.verso(&["lineages", "ChatThread"]).text();
    let lineage = history.lineage.to_string();
    assert_eq!(
        line_starting(&text, "LINEAGE"),
        ["LINEAGE", "VERSIONS", "HEADS", "NEWEST", "TIME", "NEWEST"]
    );
    assert_eq!(
        line_starting(&text, &lineage),
        [
            lineage.as_str(),
            "4",
            "2",
            history.time(3).as_str(),
            history.version(3).as_str()
        ],
        "two heads; the newest version is the branch"
    );
    // Each message lineage has one version and one head.
    let messages = history.verso(&["lineages", "ChatMessage", "--json"]).json();
    let heads: Vec<(u64, u64)> = messages["lineages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["versions"].as_u64().unwrap(),
                l["heads"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(heads, [(1, 1), (2, 1), (1, 1)], "hello, the reply, thanks");

    let json = history.verso(&["--json", "lineages", "ChatThread"]).json();
    assert_eq!(
        json,
        json!({
            "type": "ChatThread",
            "lineages": [{
                "lineage": lineage,
                "versions": 4,
                "heads": 2,
                "first_created_at": history.time(0),
                "head": history.version(3),
                "head_created_at": history.time(3),
            }],
        })
    );
}

pub fn log_shows_the_lineage_newest_first_with_what_changed(history: &History) {
    let (v, t) = (|n| history.version(n), |n| history.time(n));
    let expected = format!(
        "ChatThread lineage {lineage} (4 versions, 2 heads)\n\
         \n\
         version {b} (head)\n\
         commit  {cb}\n\
         parent  {v2}\n\
         date    {tb}\n\
         \n\
         \x20   name changed\n\
         \n\
         version {v3} (head)\n\
         commit  {c3}\n\
         author  ana\n\
         parent  {v2}\n\
         date    {t3}\n\
         \n\
         \x20   name changed; history: 1 added\n\
         \n\
         version {v2}\n\
         commit  {c2}\n\
         author  bo\n\
         parent  {v1}\n\
         date    {t2}\n\
         \n\
         \x20   Polish the reply\n\
         \x20   history: 1 changed\n\
         \n\
         version {v1}\n\
         commit  {c1}\n\
         author  ana\n\
         date    {t1}\n\
         \n\
         \x20   Open the ticket\n\
         \x20   first version\n",
        c1 = history.commits[0],
        c2 = history.commits[1],
        c3 = history.commits[2],
        cb = history.commits[3],
        lineage = history.lineage,
        b = v(3),
        v3 = v(2),
        v2 = v(1),
        v1 = v(0),
        tb = t(3),
        t3 = t(2),
        t2 = t(1),
        t1 = t(0),
    );
    history
        .verso(&["log", &history.lineage.to_string()])
        .success()
        .stdout(expected.clone());
    let by_version = history.verso(&["log", &v(0)]).text();
    assert_eq!(by_version, expected, "any version id names its lineage");

    let json = history.verso(&["log", &v(0), "--json"]).json();
    let versions = json["versions"].as_array().unwrap();
    let ids: Vec<&str> = versions
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [v(3), v(2), v(1), v(0)]);
    let heads: Vec<bool> = versions
        .iter()
        .map(|e| e["head"].as_bool().unwrap())
        .collect();
    assert_eq!(heads, [true, true, false, false]);
    assert_eq!(versions[1]["summary"], "name changed; history: 1 added");
    assert_eq!(
        versions[3]["commit"],
        json!({
            "id": history.commits[0].to_string(),
            "created_at": t(0),
            "author": "ana",
            "message": "Open the ticket",
            "meta": {"ticket": "42"},
        })
    );
    assert_eq!(versions[0]["commit"]["author"], json!(null));
    assert_eq!(versions[1]["parent"], v(1));
    let added = &versions[1]["diff"]["children"][0]["added"][0];
    assert_eq!(added["position"], 2);
    assert_eq!(added["child"]["fields"]["content"], "Thanks");
    assert_eq!(
        versions[3]["diff"],
        json!(null),
        "the first version has no parent"
    );
}

pub fn show_lists_what_a_commit_wrote_with_its_author_and_message(history: &History) {
    let [_, second_reply] = history.reply;
    let commit = history.commits[1].to_string();
    let text = history.verso(&["show", &commit]).text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..6],
        [
            format!("commit {commit}"),
            "author  bo".to_string(),
            format!("date    {}", history.time(1)),
            String::new(),
            "    Polish the reply".to_string(),
            String::new(),
        ],
        "{text}"
    );
    assert_eq!(lines[6], "wrote 2 versions");
    assert!(
        lines[7].starts_with(&format!("  ChatMessage  {second_reply}  lineage ")),
        "{text}"
    );
    assert_eq!(
        lines[8],
        format!(
            "  ChatThread   {}  lineage {}",
            history.version(1),
            history.lineage
        )
    );

    let json = history.verso(&["show", &commit, "--json"]).json();
    assert_eq!(json["id"], commit);
    assert_eq!(json["author"], "bo");
    assert_eq!(json["message"], "Polish the reply");
    let wrote: Vec<(&str, &str)> = json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["type"].as_str().unwrap(), v["version"].as_str().unwrap()))
        .collect();
    let (reply, thread) = (second_reply.to_string(), history.version(1));
    assert_eq!(wrote, [("ChatMessage", &*reply), ("ChatThread", &*thread)]);

    // The first commit's key/values.
    let first = history
        .verso(&["show", &history.commits[0].to_string()])
        .text();
    assert!(first.contains("\nmeta    ticket: 42\n"), "{first}");
}

pub fn show_draws_a_version_with_its_fields_and_children(history: &History) {
    let [first_reply, second_reply] = history.reply;
    let text = history.verso(&["show", &history.version(1)]).text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("ChatThread {}", history.version(1)));
    assert_eq!(
        lines[1],
        format!(
            "lineage {}  parent {}  created {}",
            history.lineage,
            history.version(0),
            history.time(1)
        )
    );
    for expected in [
        "├── name: \"Support\"",
        "├── use_history: true",
        "├── history (2)",
        &format!("│   └── [1] ChatMessage {second_reply}"),
        "│       ├── content: \"Hi there! How can I help?\"",
        "│       ├── usage (0)",
        "├── prompt_source: null",
        "└── usages (0)",
    ] {
        assert!(
            lines.contains(&expected),
            "{expected:?} is a line of:\n{text}"
        );
    }
    assert!(!text.contains(&first_reply.to_string()));

    // A lineage id shows its newest version.
    let json = history
        .verso(&["show", &history.lineage.to_string(), "--json"])
        .json();
    assert_eq!(json["version"], history.version(3));
    assert_eq!(json["type"], "ChatThread");
    assert_eq!(json["fields"]["name"], "Support (draft)");
    assert_eq!(json["fields"]["settings"], json!({}));
    let messages = json["children"]["history"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["version"], second_reply.to_string());
    assert_eq!(messages[1]["fields"]["role"], "assistant");
    assert_eq!(
        messages[1]["fields"]["parent_message"], messages[0]["version"],
        "a reference is the target's version id"
    );
}

pub fn diff_reports_fields_and_children(history: &History) {
    let [first_reply, second_reply] = history.reply;
    let (v1, v3) = (history.version(0), history.version(2));
    let text = history.verso(&["diff", &v1, &v3]).text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("ChatThread {v1} -> {v3}"));
    assert_eq!(lines[1], "  ~ name: \"Support\" -> \"Support (escalated)\"");
    assert_eq!(lines[2], "  history:");
    assert!(
        lines[3].starts_with(&format!(
            "    + [2] ChatMessage {}  role: \"user\", content: \"Thanks\"",
            history.thanks
        )),
        "{text}"
    );
    assert_eq!(
        lines[4],
        format!("    ~ [1] ChatMessage {first_reply} -> {second_reply}")
    );
    assert_eq!(
        lines[5],
        "      ~ content: \"Hi there\" -> \"Hi there! How can I help?\""
    );
    assert_eq!(lines.len(), 6, "{text}");

    let json = history.verso(&["diff", &v1, &v3, "--json"]).json();
    assert_eq!(json["old"], v1);
    assert_eq!(json["new"], v3);
    assert_eq!(
        json["fields"],
        json!([{
            "field": "name", "old": "Support", "new": "Support (escalated)",
            "references": null, "reference": null,
        }])
    );
    let children = &json["children"][0];
    assert_eq!(children["field"], "history");
    assert_eq!(
        children["added"][0]["child"]["version"],
        history.thanks.to_string()
    );
    assert_eq!(children["removed"], json!([]));
    assert_eq!(children["moved"], json!([]));
    let changed = &children["changed"][0];
    assert_eq!(
        (changed["from"].clone(), changed["to"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        changed["diff"]["fields"][0]["new"],
        "Hi there! How can I help?"
    );

    // Two branches compare as well as parent and child.
    let across = history
        .verso(&["diff", &v3, &history.version(3), "--json"])
        .json();
    assert_eq!(across["summary"], "name changed; history: 1 removed");
}

pub fn tree_draws_the_branches(history: &History) {
    let (v, t) = (|n| history.version(n), |n| history.time(n));
    let expected = format!(
        "ChatThread lineage {}\n\
         *  {} (head)  {}  name changed\n\
         | *  {} (head)  {}  name changed; history: 1 added\n\
         |/\n\
         *  {}  {}  history: 1 changed\n\
         *  {}  {}  first version\n",
        history.lineage,
        v(3),
        t(3),
        v(2),
        t(2),
        v(1),
        t(1),
        v(0),
        t(0),
    );
    history.verso(&["tree", &v(2)]).success().stdout(expected);

    let json = history
        .verso(&["tree", &history.lineage.to_string(), "--json"])
        .json();
    let versions = json["versions"].as_array().unwrap();
    assert_eq!(versions[0]["version"], v(0), "oldest first");
    assert_eq!(
        versions[1]["children"],
        json!([v(2), v(3)]),
        "the branch point"
    );
    assert_eq!(versions[3]["parent"], v(1));
    assert_eq!(versions[3]["head"], true);
}

pub fn tree_exports_dot_that_graphviz_renders_and_mermaid(history: &History) {
    let lineage = history.lineage.to_string();
    let dot = history.verso(&["tree", &lineage, "--format", "dot"]).text();
    let dot = dot.as_str();
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert!(dot.contains(&format!(
        "\"{}\" -> \"{}\";",
        history.version(1),
        history.version(3)
    )));
    let svg = render_dot(dot);
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("name changed; history: 1 added"));

    let mermaid = history
        .verso(&["tree", &lineage, "--format", "mermaid"])
        .text();
    let lines: Vec<&str> = mermaid.lines().collect();
    assert_eq!(lines[0], "flowchart TD");
    assert_eq!(
        lines[1],
        format!(
            "  v0[\"{}<br/>{}<br/>first version\"]",
            history.version(0),
            history.time(0)
        )
    );
    for edge in ["  v0 --> v1", "  v1 --> v2", "  v1 --> v3"] {
        assert!(lines.contains(&edge), "{edge:?} in:\n{mermaid}");
    }
}

pub fn errors_name_the_problem_and_exit_with_1(history: &History) {
    let unknown = Uuid::new_v4().to_string();
    for command in ["log", "show", "tree"] {
        history
            .verso(&[command, &unknown])
            .code(1)
            .stdout("")
            .stderr(format!(
                "error: no version or lineage with id {unknown} in this database\n"
            ));
    }

    let lineage = history.lineage.to_string();
    history
        .verso(&["diff", &lineage, &history.version(0)])
        .code(1)
        .stderr(format!(
            "error: {lineage} is a lineage of ChatThread, not a version: diff needs version ids \
             (list them with `verso log {lineage}`)\n"
        ));

    let reply = history.reply[0].to_string();
    history
        .verso(&["diff", &history.version(0), &reply])
        .code(1)
        .stderr(predicate::str::contains("are not versions of one lineage"));

    history.verso(&["lineages", "ChatThreads"]).code(1).stderr(
        predicate::str::starts_with(
            "error: no entity type ChatThreads in this database; its types are: ",
        )
        .and(predicate::str::contains("ChatThread,")),
    );
}

pub fn usage_errors_exit_with_2(history: &History) {
    history.verso(&["log", "not-a-uuid"]).code(2).stderr(
        predicate::str::contains("invalid value 'not-a-uuid' for '<ID>'").and(
            predicate::str::contains("at least 4 of its leading hex digits"),
        ),
    );
    // Three digits are too few for a short id.
    history.verso(&["diff", &history.version(0), "012"]).code(2);

    history
        .verso(&["tree", &history.version(0), "--json", "--format", "dot"])
        .code(2)
        .stderr(predicate::str::contains(
            "--json and --format cannot be combined",
        ));

    history
        .verso(&["tree", &history.version(0), "--format", "png"])
        .code(2);
    for zero in ["-n0", "--limit=0", "--limit=many"] {
        history.verso(&["log", &history.version(0), zero]).code(2);
    }
}

/// The shortest prefix of `id` (from 4 digits) that no other id of the
/// history starts, written without dashes.
fn shortest_unique(id: Uuid, others: &[Uuid]) -> String {
    let digits = id.simple().to_string();
    (4..=32)
        .map(|n| digits[..n].to_string())
        .find(|p| {
            !others
                .iter()
                .filter(|o| **o != id)
                .any(|o| o.simple().to_string().starts_with(p.as_str()))
        })
        .expect("ids differ")
}

/// Every version and lineage id of the history: (id, "TYPE KIND").
fn every_id(history: &History) -> Vec<(Uuid, String)> {
    let parse = |v: &serde_json::Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
    let mut ids: Vec<(Uuid, String)> = history
        .versions
        .iter()
        .map(|v| (v.ecs_id, "ChatThread version".to_string()))
        .collect();
    ids.push((history.lineage, "ChatThread lineage".into()));
    let listed = history.verso(&["lineages", "ChatMessage", "--json"]).json();
    for lineage in listed["lineages"].as_array().unwrap() {
        ids.push((parse(&lineage["lineage"]), "ChatMessage lineage".into()));
    }
    let first = history
        .verso(&["show", &history.version(0), "--json"])
        .json();
    let hello = parse(&first["children"]["history"][0]["version"]);
    for version in [hello, history.reply[0], history.reply[1], history.thanks] {
        ids.push((version, "ChatMessage version".into()));
    }
    ids
}

pub fn short_ids_name_the_one_version_or_lineage_they_start(history: &History) {
    let named = every_id(history);
    let ids: Vec<Uuid> = named.iter().map(|(id, _)| *id).collect();
    // A version: every command prints what it prints for the whole id.
    let version = history.versions[2].ecs_id;
    let short = shortest_unique(version, &ids);
    for command in ["log", "show", "tree"] {
        let whole = history.verso(&[command, &version.to_string()]).text();
        history.verso(&[command, &short]).success().stdout(whole);
    }
    // Dashes and upper case as the whole id has them.
    let hyphenated = version.to_string();
    let upper = hyphenated[..(short.len() + 4).min(36)].to_uppercase();
    let whole = history.verso(&["show", &hyphenated]).text();
    history.verso(&["show", &upper]).success().stdout(whole);
    // diff takes short ids too, and a short lineage id is still no version.
    let first = shortest_unique(history.versions[0].ecs_id, &ids);
    let whole = history
        .verso(&["diff", &history.version(0), &hyphenated])
        .text();
    history
        .verso(&["diff", &first, &short])
        .success()
        .stdout(whole);
    let lineage = shortest_unique(history.lineage, &ids);
    history
        .verso(&["diff", &lineage, &short])
        .code(1)
        .stderr(predicate::str::starts_with(format!(
            "error: {} is a lineage of ChatThread, not a version",
            history.lineage
        )));
    // A lineage.
    let whole = history.verso(&["log", &history.lineage.to_string()]).text();
    history.verso(&["log", &lineage]).success().stdout(whole);

    // Ambiguous: a prefix that several ids start lists each, with its type
    // and kind. (The ids of one test are UUID v7: they share their leading,
    // time-ordered digits.)
    let (prefix, starting) = (4..32)
        .rev()
        .find_map(|n| {
            let prefix = version.simple().to_string()[..n].to_string();
            let starting: Vec<&(Uuid, String)> = named
                .iter()
                .filter(|(id, _)| id.simple().to_string().starts_with(&prefix))
                .collect();
            (starting.len() > 1 && starting.len() <= 10).then_some((prefix, starting))
        })
        .expect("ids that share their leading digits");
    let run = history.verso(&["show", &prefix]).code(1).stdout("");
    let stderr = stderr_of(&run);
    let mut expected = format!("error: the short id {prefix} is ambiguous; it starts:\n");
    let mut lines: Vec<String> = starting
        .iter()
        .map(|(id, what)| format!("  {what} {id}\n"))
        .collect();
    lines.sort();
    expected.extend(lines);
    expected.push_str("give more of its digits\n");
    assert_eq!(stderr, expected);

    // None: a prefix no id starts.
    let unused = (0..16u8)
        .map(|d| format!("{d:x}000"))
        .find(|p| !ids.iter().any(|id| id.simple().to_string().starts_with(p)))
        .expect("some four digits start no id");
    history.verso(&["log", &unused]).code(1).stderr(format!(
        "error: no version or lineage id starts with {unused} in this database\n"
    ));
}

pub fn limit_keeps_the_first_entries_of_log_lineages_and_tree(history: &History) {
    let (v, t) = (|n| history.version(n), |n| history.time(n));
    let lineage = history.lineage.to_string();
    // log -n 2: the two newest versions, with the whole lineage's counts.
    let expected = format!(
        "ChatThread lineage {lineage} (4 versions, 2 heads)\n\
         \n\
         version {b} (head)\n\
         commit  {cb}\n\
         parent  {v2}\n\
         date    {tb}\n\
         \n\
         \x20   name changed\n\
         \n\
         version {v3} (head)\n\
         commit  {c3}\n\
         author  ana\n\
         parent  {v2}\n\
         date    {t3}\n\
         \n\
         \x20   name changed; history: 1 added\n",
        cb = history.commits[3],
        c3 = history.commits[2],
        b = v(3),
        v3 = v(2),
        v2 = v(1),
        tb = t(3),
        t3 = t(2),
    );
    history
        .verso(&["log", &lineage, "-n", "2"])
        .success()
        .stdout(expected);
    let json = history
        .verso(&["log", &lineage, "--limit", "3", "--json"])
        .json();
    let shown: Vec<&str> = json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(shown, [v(3), v(2), v(1)]);
    assert_eq!(
        json["versions"][2]["summary"], "history: 1 changed",
        "the oldest shown is still compared with its parent"
    );
    let all = history.verso(&["log", &lineage]).text();
    history
        .verso(&["log", &lineage, "-n", "99"])
        .success()
        .stdout(all);

    // tree -n 3: the three newest versions, the branch still drawn.
    let expected = format!(
        "ChatThread lineage {lineage}\n\
         *  {} (head)  {}  name changed\n\
         | *  {} (head)  {}  name changed; history: 1 added\n\
         |/\n\
         *  {}  {}  history: 1 changed\n",
        v(3),
        t(3),
        v(2),
        t(2),
        v(1),
        t(1),
    );
    history
        .verso(&["tree", &lineage, "-n3"])
        .success()
        .stdout(expected);

    // lineages -n 2: the first two rows of the listing.
    let listed = history.verso(&["lineages", "ChatMessage", "--json"]).json();
    let limited = history
        .verso(&["lineages", "ChatMessage", "--json", "-n", "2"])
        .json();
    assert_eq!(
        limited["lineages"].as_array().unwrap()[..],
        listed["lineages"].as_array().unwrap()[..2]
    );
    let text = history
        .verso(&["lineages", "ChatMessage", "-n", "1"])
        .text();
    assert_eq!(
        text.lines().count(),
        2,
        "the header and one lineage:\n{text}"
    );
}
