//! `verso-reliability`: the long runs of the reliability suite, and the
//! worker processes its parts start.
//!
//! ```sh
//! cargo run -p verso-reliability --release -- soak
//! cargo run -p verso-reliability --release -- concurrency --writers 8 --commits 500
//! ```

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::time::Duration;
use verso_reliability::concurrency::{self, Mode, Runner};
use verso_reliability::jobs::Job;
use verso_reliability::pg_server::{PrivateServer, StopMode};
use verso_reliability::report::{verdict, Table};
use verso_reliability::target::{Backend, Scratch};
use verso_reliability::{connection_loss, crash};

#[derive(Parser)]
#[command(about = "Verso's reliability suite, long runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every part, at the soak sizes, with a figures table.
    Soak(Sizes),
    /// Concurrent writers only.
    Concurrency(Sizes),
    /// Killed writers only.
    Crash(Sizes),
    /// Lost connections only.
    ConnectionLoss(Sizes),
    /// A worker process started by a part (not for direct use).
    #[command(hide = true, subcommand)]
    Worker(Job),
}

/// The sizes of the long runs.
#[derive(clap::Args, Clone)]
struct Sizes {
    /// Concurrent writers.
    #[arg(long, default_value_t = 8)]
    writers: u32,
    /// Commits per writer, own lineages.
    #[arg(long, default_value_t = 500)]
    commits: u64,
    /// Commits per writer, shared lineage.
    #[arg(long, default_value_t = 100)]
    shared_commits: u64,
    /// Kill rounds per backend.
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    /// Messages in each crash child's first version.
    #[arg(long, default_value_t = 2000)]
    initial: i64,
    /// Messages each later crash commit appends.
    #[arg(long, default_value_t = 200)]
    append: i64,
    /// Restarts of the private server (alternately immediate and fast).
    #[arg(long, default_value_t = 6)]
    restarts: u32,
    /// Commits per writer in the connection-loss part, own lineages.
    #[arg(long, default_value_t = 300)]
    loss_commits: u64,
    /// Commits per writer in the connection-loss part, shared lineage.
    #[arg(long, default_value_t = 100)]
    loss_shared_commits: u64,
    /// Only these backends (default: both).
    #[arg(long, value_parser = parse_backend)]
    backend: Vec<Backend>,
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    match name {
        "sqlite" => Ok(Backend::SqliteFile),
        "postgres" => Ok(Backend::Postgres),
        _ => Err("sqlite or postgres".into()),
    }
}

impl Sizes {
    fn backends(&self) -> Vec<Backend> {
        if self.backend.is_empty() {
            vec![Backend::SqliteFile, Backend::Postgres]
        } else {
            self.backend.clone()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let exe = std::env::current_exe().expect("the path of this executable");
    let mut problems = Vec::new();
    let started = std::time::Instant::now();
    let date = chrono_free_date();
    match cli.command {
        Command::Worker(job) => return worker(job).await,
        Command::Soak(sizes) => {
            problems.extend(run_concurrency(&exe, &sizes).await);
            problems.extend(run_crash(&exe, &sizes).await);
            problems.extend(run_connection_loss(&sizes).await);
        }
        Command::Concurrency(sizes) => problems.extend(run_concurrency(&exe, &sizes).await),
        Command::Crash(sizes) => problems.extend(run_crash(&exe, &sizes).await),
        Command::ConnectionLoss(sizes) => problems.extend(run_connection_loss(&sizes).await),
    }
    println!(
        "\nRun of {date}, {} s wall time, {} problems.",
        started.elapsed().as_secs(),
        problems.len()
    );
    for problem in &problems {
        println!("- {problem}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Today's date (UTC) from `date`, for the report's heading.
fn chrono_free_date() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default()
}

async fn worker(job: Job) -> ExitCode {
    let result = match job {
        Job::Concurrency {
            target,
            writer,
            commits,
            shared,
        } => match target.target() {
            Ok(target) => match target.open().await {
                Ok(store) => {
                    let mut print = |event: verso_reliability::event::Event| event.print();
                    concurrency::write(&store, writer, commits, shared, &mut print)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
                Err(error) => Err(error.to_string()),
            },
            Err(error) => Err(error),
        },
        Job::Crash {
            target,
            initial,
            append,
            padding,
        } => match target.target() {
            Ok(target) => crash::child(&target, initial, append, padding)
                .await
                .map_err(|e| e.to_string()),
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run_concurrency(exe: &std::path::Path, sizes: &Sizes) -> Vec<String> {
    let mut table = Table::new(&[
        "backend",
        "runner",
        "mode",
        "writers × commits",
        "acked",
        "s",
        "commits/s",
        "tries/commit",
        "checks",
    ]);
    let mut problems = Vec::new();
    for backend in sizes.backends() {
        for mode in [Mode::OwnLineages, Mode::SharedLineage] {
            for runner in [Runner::Tasks, Runner::Processes(exe.to_path_buf())] {
                let Some(scratch) = Scratch::new(backend).await else {
                    continue;
                };
                let commits = match mode {
                    Mode::OwnLineages => sizes.commits,
                    Mode::SharedLineage => sizes.shared_commits,
                };
                let config = concurrency::Config {
                    writers: sizes.writers,
                    commits,
                    mode,
                    runner: runner.clone(),
                };
                let outcome = concurrency::run(scratch.target(), &config).await;
                scratch.finish().await;
                table.row(vec![
                    backend.name().into(),
                    match runner {
                        Runner::Tasks => "tasks".into(),
                        Runner::Processes(_) => "processes".into(),
                    },
                    match mode {
                        Mode::OwnLineages => "own lineages".into(),
                        Mode::SharedLineage => "shared lineage".into(),
                    },
                    format!("{} × {commits}", sizes.writers),
                    outcome.acknowledged.to_string(),
                    format!("{:.1}", outcome.elapsed.as_secs_f64()),
                    format!("{:.1}", outcome.commits_per_second()),
                    format!("{:.2}", outcome.tries_per_commit()),
                    verdict(&outcome.problems),
                ]);
                eprintln!("concurrency {backend:?} {mode:?} done");
                problems.extend(outcome.problems);
            }
        }
    }
    println!("\n### Concurrency\n\n{}", table.to_markdown());
    problems
}

async fn run_crash(exe: &std::path::Path, sizes: &Sizes) -> Vec<String> {
    let mut table = Table::new(&[
        "backend",
        "kill rounds",
        "first version",
        "acked commits",
        "largest acked tree",
        "landed unacked",
        "checks",
    ]);
    let mut problems = Vec::new();
    for backend in sizes.backends() {
        let Some(scratch) = Scratch::new(backend).await else {
            continue;
        };
        let config = crash::Config {
            rounds: sizes.rounds,
            initial: sizes.initial,
            append: sizes.append,
            padding: 200,
            max_delay: Duration::from_millis(1500),
            exe: exe.to_path_buf(),
        };
        let outcome = crash::run(scratch.target(), &config).await;
        scratch.finish().await;
        table.row(vec![
            backend.name().into(),
            outcome.rounds.to_string(),
            format!("{} messages", sizes.initial),
            outcome.acknowledged.to_string(),
            format!("{} messages", outcome.largest_tree),
            outcome.landed_unacknowledged.to_string(),
            verdict(&outcome.problems),
        ]);
        eprintln!("crash {backend:?} done");
        problems.extend(outcome.problems);
    }
    println!("\n### Crash (SIGKILL)\n\n{}", table.to_markdown());
    problems
}

async fn run_connection_loss(sizes: &Sizes) -> Vec<String> {
    let server = match PrivateServer::start() {
        Ok(server) => server,
        Err(error) => {
            println!("\n### Connection loss\n\nSKIPPED: no private server: {error}\n");
            return vec![format!("connection loss not run: {error}")];
        }
    };
    let restarts: Vec<StopMode> = (0..sizes.restarts)
        .map(|i| {
            if i % 2 == 0 {
                StopMode::Immediate
            } else {
                StopMode::Fast
            }
        })
        .collect();
    let mut table = Table::new(&[
        "mode",
        "writers × commits",
        "restarts",
        "acked",
        "acked after last restart",
        "errors retried",
        "not retryable",
        "landed although failed",
        "checks",
    ]);
    let mut problems = Vec::new();
    let mut messages = std::collections::BTreeMap::new();
    for (mode, commits) in [
        (Mode::OwnLineages, sizes.loss_commits),
        (Mode::SharedLineage, sizes.loss_shared_commits),
    ] {
        let config = connection_loss::Config {
            writers: 4,
            mode,
            commits,
            restarts: restarts.clone(),
            outage: Duration::from_millis(500),
            padding: 200,
        };
        let outcome = connection_loss::run(&server, &config).await;
        table.row(vec![
            match mode {
                Mode::OwnLineages => "own lineages".into(),
                Mode::SharedLineage => "shared lineage".into(),
            },
            format!("{} × {}", config.writers, config.commits),
            format!("{} (immediate/fast, 0.5 s down)", config.restarts.len()),
            outcome.acknowledged.to_string(),
            outcome.acknowledged_after_last_restart.to_string(),
            outcome.errors.to_string(),
            outcome.non_retryable.len().to_string(),
            outcome.landed_unacknowledged.to_string(),
            verdict(&outcome.problems),
        ]);
        for (message, count) in outcome.error_messages {
            *messages.entry(message).or_insert(0) += count;
        }
        eprintln!("connection loss {mode:?} done");
        problems.extend(outcome.problems);
    }
    drop(server);
    println!("\n### Connection loss\n\n{}", table.to_markdown());
    println!("Errors seen (retryable unless listed under problems):\n");
    for (message, count) in &messages {
        println!("- {count} × `{message}`");
    }
    problems
}
