//! What each command prints on the known [`History`], on any backend.

use super::{render_dot, History};
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
    let text = history.verso(&["types"]);
    let text = text.ok();
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
    let text = history.verso(&["lineages", "ChatThread"]);
    let lineage = history.lineage.to_string();
    assert_eq!(
        line_starting(text.ok(), &lineage),
        [
            lineage.as_str(),
            "4",
            history.time(3).as_str(),
            history.version(3).as_str()
        ],
        "the head is the newest version, the branch"
    );

    let json = history.verso(&["--json", "lineages", "ChatThread"]).json();
    assert_eq!(
        json,
        json!({
            "type": "ChatThread",
            "lineages": [{
                "lineage": lineage,
                "versions": 4,
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
         parent  {v2}\n\
         date    {tb}\n\
         \n\
         \x20   name changed\n\
         \n\
         version {v3} (head)\n\
         parent  {v2}\n\
         date    {t3}\n\
         \n\
         \x20   name changed; history: 1 added\n\
         \n\
         version {v2}\n\
         parent  {v1}\n\
         date    {t2}\n\
         \n\
         \x20   history: 1 changed\n\
         \n\
         version {v1}\n\
         date    {t1}\n\
         \n\
         \x20   first version\n",
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
    let by_lineage = history.verso(&["log", &history.lineage.to_string()]);
    assert_eq!(by_lineage.ok(), expected);
    let by_version = history.verso(&["log", &v(0)]);
    assert_eq!(
        by_version.ok(),
        expected,
        "any version id names its lineage"
    );

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

pub fn show_draws_a_version_with_its_fields_and_children(history: &History) {
    let [first_reply, second_reply] = history.reply;
    let text = history.verso(&["show", &history.version(1)]);
    let text = text.ok();
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
    let text = history.verso(&["diff", &v1, &v3]);
    let text = text.ok();
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
        json!([{"field": "name", "old": "Support", "new": "Support (escalated)", "references": null}])
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
    assert_eq!(history.verso(&["tree", &v(2)]).ok(), expected);

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
    let dot = history.verso(&["tree", &lineage, "--format", "dot"]);
    let dot = dot.ok();
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert!(dot.contains(&format!(
        "\"{}\" -> \"{}\";",
        history.version(1),
        history.version(3)
    )));
    let svg = render_dot(dot);
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains("name changed; history: 1 added"));

    let mermaid = history.verso(&["tree", &lineage, "--format", "mermaid"]);
    let mermaid = mermaid.ok();
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
        let run = history.verso(&[command, &unknown]);
        assert_eq!(run.code, 1, "{command}: {run:?}");
        assert_eq!(
            run.stderr,
            format!("error: no version or lineage with id {unknown} in this database\n")
        );
        assert!(run.stdout.is_empty());
    }

    let lineage = history.lineage.to_string();
    let run = history.verso(&["diff", &lineage, &history.version(0)]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: {lineage} is a lineage of ChatThread, not a version: diff needs version ids \
             (list them with `verso log {lineage}`)\n"
        )
    );

    let reply = history.reply[0].to_string();
    let run = history.verso(&["diff", &history.version(0), &reply]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("are not versions of one lineage"),
        "{}",
        run.stderr
    );

    let run = history.verso(&["lineages", "ChatThreads"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: no entity type ChatThreads in this database; its types are: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ChatThread,"), "{}", run.stderr);
}

pub fn usage_errors_exit_with_2(history: &History) {
    let run = history.verso(&["log", "not-a-uuid"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("invalid value 'not-a-uuid' for '<ID>'"),
        "{}",
        run.stderr
    );
    let run = history.verso(&["diff", &history.version(0), "0123"]);
    assert_eq!(run.code, 2, "{run:?}");

    let run = history.verso(&["tree", &history.version(0), "--json", "--format", "dot"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run
        .stderr
        .contains("--json and --format cannot be combined"));

    let run = history.verso(&["tree", &history.version(0), "--format", "png"]);
    assert_eq!(run.code, 2, "{run:?}");
}
