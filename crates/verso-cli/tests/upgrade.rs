//! `verso upgrade` on a copy of the SQLite fixture written by Verso's first
//! storage layout (`crates/verso-sqlite/tests/fixtures`).

mod support;

use predicates::prelude::*;
use std::path::{Path, PathBuf};
use support::{verso, Printed};

/// A private copy of the fixture, removed (with its WAL files) on drop.
struct Copy(PathBuf);

impl Copy {
    fn of_fixture(name: &str) -> Copy {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../verso-sqlite/tests/fixtures/layout1.db");
        let path = std::env::temp_dir().join(format!(
            "verso-cli-upgrade-{}-{name}.db",
            verso::Uuid::new_v4().simple()
        ));
        std::fs::copy(fixture, &path).unwrap();
        Copy(path)
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.0.display())
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The lineage of the fixture's branched chat thread (two heads), from
/// its manifest.
fn a_thread_lineage() -> String {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../verso-sqlite/tests/fixtures/layout1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    manifest["lineages"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, l)| l["type"] == "ChatThread" && l["heads"].as_array().unwrap().len() == 2)
        .map(|(id, _)| id.clone())
        .unwrap()
}

#[test]
fn upgrade_migrates_the_database_and_says_what_it_did() {
    let copy = Copy::of_fixture("text");
    let lineage = a_thread_lineage();

    // Before: reading the history points to `verso upgrade`.
    verso(&["--db", &copy.url(), "log", &lineage])
        .code(1)
        .stderr(predicate::str::contains("run `verso upgrade --db URL`"));

    let text = verso(&["--db", &copy.url(), "upgrade"]).text();
    assert!(
        text.starts_with(&format!(
            "Upgraded {} to the current storage layout (one transaction)\n",
            copy.0.display()
        )),
        "{text}"
    );
    assert!(text.contains("  83 versions kept"), "{text}");
    assert!(
        text.contains("  179 link rows read from verso_links, which was dropped"),
        "{text}"
    );

    // After: the history reads, and a second upgrade has nothing to do.
    verso(&["--db", &copy.url(), "log", &lineage])
        .success()
        .stdout(predicate::str::contains("2 heads"));
    verso(&["--db", &copy.url(), "upgrade"])
        .success()
        .stdout(format!(
            "{} already uses the current storage layout: nothing to upgrade\n",
            copy.0.display()
        ));
}

#[test]
fn upgrade_prints_json() {
    let copy = Copy::of_fixture("json");
    let json = verso(&["--db", &copy.url(), "--json", "upgrade"]).json();
    assert_eq!(json["upgraded"], true);
    assert_eq!(json["links_read"], 179);
    assert_eq!(json["versions"], 83);
    assert!(json["lists"].as_u64().unwrap() > 0);
    let again = verso(&["--db", &copy.url(), "upgrade", "--json"]).json();
    assert_eq!(
        again,
        serde_json::json!({
            "upgraded": false, "links_read": 0, "versions": 0, "lists": 0, "chunks": 0
        })
    );
}

#[test]
fn upgrade_creates_no_file() {
    let path = std::env::temp_dir().join(format!(
        "verso-cli-upgrade-{}-missing.db",
        verso::Uuid::new_v4().simple()
    ));
    verso(&["--db", &format!("sqlite:{}", path.display()), "upgrade"])
        .code(1)
        .stderr(format!("error: no database file at {}\n", path.display()));
    assert!(!path.exists());
}
