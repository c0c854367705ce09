//! The `verso` binary on an SQLite file written by the test, and the
//! failures that need no server.

#[macro_use]
mod support;

use predicates::prelude::*;
use support::{verso, verso_command, History, Printed};
use verso_suite::Backend;

cli_cases!(Backend::SqliteFile);

/// A file path that no other test uses.
fn scratch(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "verso-cli-{}-{name}",
        verso::Uuid::new_v4().simple()
    ))
}

#[test]
fn a_database_without_a_catalog_is_not_a_verso_database() {
    // An empty file is an empty SQLite database.
    let path = scratch("empty.db");
    std::fs::write(&path, b"").unwrap();
    let url = format!("sqlite:{}", path.display());
    let run = verso(&["--db", &url, "types"]);
    let _ = std::fs::remove_file(&path);
    run.code(1).stderr(format!(
        "error: {} is not a Verso database: it has no verso_catalog table\n",
        path.display()
    ));
}

#[test]
fn a_file_that_is_not_sqlite_cannot_be_read() {
    let path = scratch("notes.txt");
    std::fs::write(&path, "these are notes, not a database\n".repeat(100)).unwrap();
    let url = format!("sqlite:{}", path.display());
    let run = verso(&["--db", &url, "types"]);
    let _ = std::fs::remove_file(&path);
    run.code(1).stderr(
        predicate::str::starts_with(format!("error: cannot read {}: ", path.display()))
            .and(predicate::str::contains("not a database")),
    );
}

#[test]
fn a_missing_file_is_named_and_not_created() {
    let path = scratch("missing.db");
    verso(&["--db", &format!("sqlite:{}", path.display()), "types"])
        .code(1)
        .stderr(format!("error: no database file at {}\n", path.display()));
    assert!(!path.exists(), "a read-only tool creates nothing");
}

#[test]
fn an_unreachable_server_is_named() {
    verso(&["--db", "postgres://postgres@127.0.0.1:1/test", "types"])
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: the database cannot be reached: cannot connect to PostgreSQL at 127.0.0.1:1",
        ));
}

#[test]
fn a_missing_or_unsupported_database_url_is_a_usage_error() {
    verso(&["types"])
        .code(2)
        .stderr(predicate::str::contains("VERSO_DATABASE_URL"));
    verso(&["--db", "mysql://localhost/app", "types"])
        .code(2)
        .stderr(predicate::str::contains(
            "use a file path, sqlite:PATH or postgres://",
        ));
}

#[test]
fn help_documents_the_exit_codes_short_ids_and_the_pager() {
    let help = verso(&["--help"]).text();
    for line in [
        "Exit codes:",
        "0  success",
        "1  failure",
        "2  usage error",
        "A short id, the first 4 or more hex digits",
        "--no-pager",
    ] {
        assert!(help.contains(line), "{line:?} in:\n{help}");
    }
    let log = verso(&["log", "--help"]).text();
    assert!(log.contains("-n, --limit <N>"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_can_come_from_the_environment_and_output_is_plain_in_a_pipe() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    verso_command()
        .arg("types")
        .env("VERSO_DATABASE_URL", &history.url)
        .assert()
        .success()
        .stdout(predicate::str::contains("ChatThread"));
    let diff = history
        .verso(&["diff", &history.version(0), &history.version(2)])
        .text();
    assert!(!diff.contains('\x1b'), "no colours outside a terminal");
    history.finish().await;
}

/// Colours follow `CLICOLOR_FORCE` and `NO_COLOR` (through anstream), and
/// never reach JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colours_follow_clicolor_force_and_no_color() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    let diff = ["diff", &history.version(0), &history.version(2)].map(String::from);
    let run = |env: &[(&str, &str)], json: bool| {
        let mut command = verso_command();
        command.arg("--db").arg(&history.url).args(&diff);
        if json {
            command.arg("--json");
        }
        command.envs(env.iter().copied()).assert().text()
    };
    let forced = run(&[("CLICOLOR_FORCE", "1")], false);
    assert!(
        forced.contains("    \x1b[32m+ [2] ChatMessage"),
        "additions in green:\n{forced:?}"
    );
    let plain = run(&[], false);
    assert_eq!(
        anstream::adapter::strip_str(&forced).to_string(),
        plain,
        "the same text, painted"
    );
    assert_eq!(
        run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        plain,
        "NO_COLOR wins"
    );
    assert!(!run(&[("CLICOLOR_FORCE", "1")], true).contains('\x1b'));
    history.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_path_names_an_sqlite_file() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    let path = history.url.strip_prefix("sqlite:").unwrap().to_string();
    let by_url = history.verso(&["log", &history.lineage.to_string()]).text();
    verso(&["--db", &path, "types"])
        .success()
        .stdout(predicate::str::contains("ChatThread"));
    verso(&["--db", &path, "log", &history.lineage.to_string()])
        .success()
        .stdout(by_url);
    history.finish().await;
}

#[test]
fn completions_are_scripts_for_bash_zsh_and_fish_and_need_no_database() {
    for shell in ["bash", "zsh", "fish"] {
        let script = verso(&["completions", shell]).text();
        for word in ["lineages", "upgrade", "no-pager", "limit", "mermaid"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    // The bash script is valid bash, and completes the commands.
    let script = verso(&["completions", "bash"]).text();
    let path = scratch("verso.bash");
    std::fs::write(&path, &script).unwrap();
    let completed = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && COMP_WORDS=(verso li) COMP_CWORD=1 && _verso verso li verso \
             && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .expect("bash runs");
    let _ = std::fs::remove_file(&path);
    assert!(completed.status.success(), "{completed:?}");
    assert_eq!(String::from_utf8_lossy(&completed.stdout), "lineages\n");
    verso(&["completions", "powershell"]).code(2);
}

/// Runs `verso --db URL ARGS` on a terminal of 80 columns and `rows` rows
/// (a pseudo-terminal made by util-linux `script`), with a pager that
/// writes what it receives to a file. Returns what reached the terminal
/// and what reached the pager (`None`: no pager ran).
fn on_a_terminal(
    url: &str,
    args: &[&str],
    rows: u16,
    env: &[(&str, &str)],
) -> (String, Option<String>) {
    let paged = scratch("paged.txt");
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_verso"))
        .chain(["--db", url])
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect();
    let output = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("stty rows {rows} cols 80; exec {}", quoted.join(" ")),
            "/dev/null",
        ])
        .env("PAGER", format!("cat > '{}'", paged.display()))
        .env("TERM", "xterm-256color")
        .env_remove("VERSO_PAGER")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .output()
        .expect("util-linux `script` runs");
    assert!(output.status.success(), "{output:?}");
    let pager = std::fs::read_to_string(&paged).ok();
    let _ = std::fs::remove_file(&paged);
    (String::from_utf8_lossy(&output.stdout).to_string(), pager)
}

/// On a terminal, output longer than the screen goes through `$PAGER`,
/// coloured; output that fits, `--no-pager` and an empty pager print
/// directly; in a pipe (every other test) no pager runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_output_on_a_terminal_goes_through_the_pager() {
    let Some(history) = History::write(Backend::SqliteFile).await else {
        return;
    };
    let lineage = history.lineage.to_string();
    let plain = history.verso(&["log", &lineage]).text();
    let rows = plain.lines().count() as u16;

    let (screen, paged) = on_a_terminal(&history.url, &["log", &lineage], rows - 1, &[]);
    let paged = paged.expect("the pager ran");
    assert_eq!(anstream::adapter::strip_str(&paged).to_string(), plain);
    assert!(
        paged.contains("\x1b[33mversion "),
        "colours reach the pager: {paged:?}"
    );
    assert!(
        !screen.contains("version "),
        "nothing else on the screen: {screen:?}"
    );

    let (screen, paged) = on_a_terminal(&history.url, &["log", &lineage], rows + 1, &[]);
    assert_eq!(paged, None, "it fits on the screen");
    assert!(
        screen.contains("\x1b[33mversion "),
        "coloured on the terminal: {screen:?}"
    );

    let (screen, paged) = on_a_terminal(
        &history.url,
        &["log", &lineage, "--no-pager"],
        rows - 1,
        &[],
    );
    assert_eq!(paged, None, "--no-pager");
    assert!(screen.contains("first version"), "{screen:?}");
    let (_, paged) = on_a_terminal(&history.url, &["log", &lineage], 2, &[("VERSO_PAGER", "")]);
    assert_eq!(paged, None, "an empty VERSO_PAGER turns the pager off");
    let (screen, paged) = on_a_terminal(&history.url, &["log", &lineage], 2, &[("NO_COLOR", "1")]);
    assert!(
        !paged.expect("paged").contains('\x1b'),
        "NO_COLOR: {screen:?}"
    );
    history.finish().await;
}
