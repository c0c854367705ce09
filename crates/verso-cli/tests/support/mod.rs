//! A known history written with the suite's model types, and a way to run
//! the built `verso` binary on it.

#![allow(dead_code)] // each test file uses its own part

pub mod cases;

use assert_cmd::assert::Assert;
use std::io::Write;
use std::process::{Command, Stdio};
use verso::{CommitInfo, RowMeta, Store, Uuid};
use verso_suite::model::{ChatMessage, ChatThread, MessageRole};
use verso_suite::{Backend, Harness};

/// The built `verso` binary, with none of the caller's settings that
/// change what it does: no `VERSO_DATABASE_URL`, no pager, no forced
/// colours.
pub fn verso_command() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("verso").expect("the verso binary is built");
    for variable in [
        "VERSO_DATABASE_URL",
        "VERSO_PAGER",
        "PAGER",
        "CLICOLOR_FORCE",
        "NO_COLOR",
        "CLICOLOR",
    ] {
        command.env_remove(variable);
    }
    command
}

/// Runs `verso --db URL ARGS` on the database at `url`.
pub fn verso_on(url: &str, args: &[&str]) -> Assert {
    verso_command().arg("--db").arg(url).args(args).assert()
}

/// Runs `verso ARGS`; assert on the result with assert_cmd.
pub fn verso(args: &[&str]) -> Assert {
    verso_command().args(args).assert()
}

/// What a successful run printed.
pub trait Printed {
    /// The standard output of a successful run, as text.
    fn text(self) -> String;
    /// The standard output of a successful `--json` run, parsed.
    fn json(self) -> serde_json::Value;
}

impl Printed for Assert {
    fn text(self) -> String {
        let output = self.success().get_output().clone();
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    fn json(self) -> serde_json::Value {
        serde_json::from_str(&self.text()).expect("verso --json prints JSON")
    }
}

/// The standard error of a run, as text.
pub fn stderr_of(run: &Assert) -> String {
    String::from_utf8(run.get_output().stderr.clone()).expect("UTF-8 errors")
}

/// Renders Graphviz source to SVG with `dot -Tsvg`; the SVG, or a panic
/// with dot's complaint.
pub fn render_dot(source: &str) -> String {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Graphviz `dot` is installed (apt-get install graphviz; .ci/run does it)");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(source.as_bytes())
        .expect("dot reads its input");
    let output = child.wait_with_output().expect("dot finishes");
    assert!(
        output.status.success(),
        "dot rejected the graph: {}\n{source}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("SVG is UTF-8")
}

/// A thread's history, branched:
///
/// 1. "Support" with a greeting and a reply answering it (by ana: "Open
///    the ticket", key `ticket: 42`);
/// 2. the reply edited (by bo: "Polish the reply");
/// 3. renamed "Support (escalated)" and a "Thanks" message appended (by
///    ana, no message);
/// 4. from version 2 again: renamed "Support (draft)" (a second head; a
///    plain commit, no author or message).
pub struct History {
    harness: Harness,
    /// The URL `verso --db` takes.
    pub url: String,
    /// The thread's lineage.
    pub lineage: Uuid,
    /// The thread's versions, oldest first: v1, v2, v3, branch.
    pub versions: Vec<RowMeta>,
    /// The reply's versions (v1, v2).
    pub reply: [Uuid; 2],
    /// The message appended in version 3.
    pub thanks: Uuid,
    /// The commit of each version of the thread, oldest first.
    pub commits: Vec<Uuid>,
}

impl History {
    /// Writes the history on `backend`; `None` when PostgreSQL is
    /// unreachable and not required (the harness says so loudly).
    pub async fn write(backend: Backend) -> Option<History> {
        let harness = Harness::start(backend).await?;
        let url = harness
            .database_url()
            .expect("the backend is reachable from another process");
        let store: &Store = &harness.store;
        let hello = ChatMessage::new(MessageRole::User, "Hello");
        let reply = ChatMessage::reply_to(&hello, MessageRole::Assistant, "Hi there");
        let mut thread = ChatThread::new("Support", vec![hello, reply]);
        let mut commits = Vec::new();
        let ana = || CommitInfo::new().author("ana");
        let info = ana().message("Open the ticket").meta("ticket", "42");
        let report = store.commit_with(&mut thread, info).await.unwrap();
        commits.extend(report.commit_id);
        let first_reply = thread.history[1].meta.ecs_id();

        thread.history[1].content = "Hi there! How can I help?".into();
        let info = CommitInfo::new().author("bo").message("Polish the reply");
        let report = store.commit_with(&mut thread, info).await.unwrap();
        commits.extend(report.commit_id);
        let second_reply = thread.history[1].meta.ecs_id();
        let mut draft = thread.clone();

        thread.name = "Support (escalated)".into();
        thread
            .history
            .push(ChatMessage::new(MessageRole::User, "Thanks"));
        let report = store.commit_with(&mut thread, ana()).await.unwrap();
        commits.extend(report.commit_id);

        draft.name = "Support (draft)".into();
        let report = store.commit(&mut draft).await.unwrap();
        commits.extend(report.commit_id);

        let lineage = thread.meta.lineage_id();
        let versions = store.versions::<ChatThread>(lineage).await.unwrap();
        assert_eq!(versions.len(), 4);
        Some(History {
            url,
            lineage,
            versions,
            reply: [first_reply, second_reply],
            thanks: thread.history[2].meta.ecs_id(),
            commits,
            harness,
        })
    }

    /// Runs `verso --db URL ARGS`.
    pub fn verso(&self, args: &[&str]) -> Assert {
        verso_on(&self.url, args)
    }

    /// Version `n` of the thread (0: v1 ... 3: the branch).
    pub fn version(&self, n: usize) -> String {
        self.versions[n].ecs_id.to_string()
    }

    /// When version `n` was created, as verso prints it.
    pub fn time(&self, n: usize) -> String {
        self.versions[n]
            .created_at
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string()
    }

    /// Removes the database.
    pub async fn finish(self) {
        self.harness.finish().await;
    }
}

/// One `#[tokio::test]` per case of [`cases`], on `backend`.
#[macro_export]
macro_rules! cli_cases {
    ($backend:expr) => {
        $crate::cli_cases!(@each $backend;
            types_lists_each_type_with_its_counts,
            lineages_lists_versions_and_head_times,
            log_shows_the_lineage_newest_first_with_what_changed,
            show_draws_a_version_with_its_fields_and_children,
            show_lists_what_a_commit_wrote_with_its_author_and_message,
            diff_reports_fields_and_children,
            tree_draws_the_branches,
            tree_exports_dot_that_graphviz_renders_and_mermaid,
            errors_name_the_problem_and_exit_with_1,
            usage_errors_exit_with_2,
            short_ids_name_the_one_version_or_lineage_they_start,
            limit_keeps_the_first_entries_of_log_lineages_and_tree,
        );
    };
    (@each $backend:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(history) = support::History::write($backend).await else {
                    return;
                };
                support::cases::$case(&history);
                history.finish().await;
            }
        )*
    };
}
