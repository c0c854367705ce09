//! Concurrent writers on one store: N writers × M commits, as tasks of one
//! process or as N processes, each on lineages of its own or all on one
//! shared lineage through `commit_on_head`. Afterwards every acknowledged
//! commit must read back exactly, and the shared lineage must be one chain
//! holding every writer's every message once.

use crate::child::Worker;
use crate::event::{acks, Ack, Event};
use crate::model::Thread;
use crate::retry::{self, Attempts, Policy};
use crate::target::Target;
use crate::verify;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use uuid::Uuid;
use verso::Store;

/// Each writer alternates between this many lineages of its own.
pub const LINEAGES_PER_WRITER: usize = 2;

/// Which lineages the writers write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each writer appends to lineages of its own, with `commit`.
    OwnLineages,
    /// Every writer appends to one lineage, with `commit_on_head`,
    /// reloading the head on a conflict.
    SharedLineage,
}

/// How the writers run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    /// Tokio tasks of this process, each with a store of its own.
    Tasks,
    /// Worker processes of this executable (the suite's binary).
    Processes(PathBuf),
}

/// One run's size and shape.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of writers.
    pub writers: u32,
    /// Commits per writer.
    pub commits: u64,
    /// Own lineages or one shared lineage.
    pub mode: Mode,
    /// Tasks or processes.
    pub runner: Runner,
}

/// What a run measured and found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Commits acknowledged, all writers together.
    pub acknowledged: u64,
    /// Commit attempts, all writers together.
    pub tries: u64,
    /// From starting the writers to the last one ending.
    pub elapsed: Duration,
    /// Everything that broke a property; empty when the run passed.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Acknowledged commits per second, all writers together.
    pub fn commits_per_second(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64()
    }

    /// Attempts per acknowledged commit.
    pub fn tries_per_commit(&self) -> f64 {
        self.tries as f64 / self.acknowledged.max(1) as f64
    }
}

/// The work of one writer: `commits` commits, each reported to `report`
/// once the store acknowledged it; then the number of attempts.
pub async fn write(
    store: &Store,
    writer: i64,
    commits: u64,
    shared: Option<Uuid>,
    report: &mut (dyn FnMut(Event) + Send),
) -> verso::Result<Attempts> {
    let policy = Policy::default();
    let mut attempts = Attempts::default();
    match shared {
        None => {
            let mut threads: Vec<Thread> = (0..LINEAGES_PER_WRITER)
                .map(|_| Thread::new(writer))
                .collect();
            for step in 0..commits {
                let thread = &mut threads[step as usize % LINEAGES_PER_WRITER];
                thread.append(writer, step as i64, 0);
                retry::commit(store, thread, &policy, &mut attempts).await?;
                report(Event::Ack(Ack::of(thread)));
            }
        }
        Some(lineage) => {
            for step in 0..commits {
                let append = |head: &mut Thread| head.append(writer, step as i64, 0);
                let head =
                    retry::commit_on_head(store, lineage, append, &policy, &mut attempts).await?;
                report(Event::Ack(Ack::of(&head)));
            }
        }
    }
    report(Event::Tries(attempts.tries));
    Ok(attempts)
}

/// Runs the writers on `target`, then checks what they acknowledged.
pub async fn run(target: &Target, config: &Config) -> Outcome {
    let mut problems = Vec::new();
    let store = match target.open().await {
        Ok(store) => store,
        Err(error) => return failed(format!("cannot open {target:?}: {error}")),
    };
    if let Err(error) = store.register::<Thread>().await {
        return failed(format!("cannot create the tables: {error}"));
    }
    let shared = match config.mode {
        Mode::OwnLineages => None,
        Mode::SharedLineage => {
            let mut thread = Thread::new(-1);
            if let Err(error) = store.commit(&mut thread).await {
                return failed(format!("cannot create the shared thread: {error}"));
            }
            Some(thread.meta.lineage_id())
        }
    };

    let started = Instant::now();
    let results = match &config.runner {
        Runner::Tasks => in_tasks(target, config, shared).await,
        Runner::Processes(exe) => in_processes(exe, target, config, shared).await,
    };
    let elapsed = started.elapsed();

    let mut all_acks = Vec::new();
    let mut tries = 0;
    for (writer, result) in results.into_iter().enumerate() {
        match result {
            Ok(events) => {
                let acked = acks(&events);
                if acked.len() as u64 != config.commits {
                    problems.push(format!(
                        "writer {writer} acknowledged {} commits of {}",
                        acked.len(),
                        config.commits
                    ));
                }
                tries += events
                    .iter()
                    .filter_map(|event| match event {
                        Event::Tries(n) => Some(*n),
                        _ => None,
                    })
                    .sum::<u64>();
                all_acks.extend(acked);
            }
            Err(error) => problems.push(format!("writer {writer} failed: {error}")),
        }
    }

    let reader = target.open().await.unwrap_or(store);
    problems.extend(verify::acked_versions(&reader, &all_acks).await);
    match shared {
        Some(lineage) => problems.extend(
            verify::shared_chain(&reader, lineage, &all_acks, config.writers, config.commits).await,
        ),
        None => {
            let lineages = verify::by_lineage(&all_acks);
            let expected =
                config.writers as usize * LINEAGES_PER_WRITER.min(config.commits as usize);
            if lineages.len() != expected {
                problems.push(format!(
                    "{} lineages acknowledged, expected {expected}",
                    lineages.len()
                ));
            }
            for (lineage, acked) in &lineages {
                let found = verify::lineage(&reader, *lineage, acked).await;
                if found.versions != acked.len() {
                    problems.push(format!(
                        "lineage {lineage} has {} versions for {} acknowledged commits",
                        found.versions,
                        acked.len()
                    ));
                }
                problems.extend(found.problems);
            }
        }
    }
    Outcome {
        acknowledged: all_acks.len() as u64,
        tries,
        elapsed,
        problems,
    }
}

fn failed(problem: String) -> Outcome {
    Outcome {
        acknowledged: 0,
        tries: 0,
        elapsed: Duration::ZERO,
        problems: vec![problem],
    }
}

/// Each writer's reports, or why it failed.
type WriterResults = Vec<Result<Vec<Event>, String>>;

async fn in_tasks(target: &Target, config: &Config, shared: Option<Uuid>) -> WriterResults {
    let mut tasks = Vec::new();
    for writer in 0..config.writers {
        let target = target.clone();
        let commits = config.commits;
        tasks.push(tokio::spawn(async move {
            let store = target.open().await.map_err(|e| e.to_string())?;
            let mut events = Vec::new();
            let mut report = |event| events.push(event);
            write(&store, i64::from(writer), commits, shared, &mut report)
                .await
                .map_err(|e| e.to_string())?;
            Ok(events)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| Err(format!("panicked: {e}"))));
    }
    results
}

async fn in_processes(
    exe: &std::path::Path,
    target: &Target,
    config: &Config,
    shared: Option<Uuid>,
) -> WriterResults {
    let mut workers = Vec::new();
    for writer in 0..config.writers {
        let mut options = vec![
            ("writer", writer.to_string()),
            ("commits", config.commits.to_string()),
        ];
        if let Some(lineage) = shared {
            options.push(("shared", lineage.to_string()));
        }
        let args = crate::jobs::args("concurrency", target, &options);
        workers.push(Worker::spawn(exe, &args));
    }
    let mut results = Vec::new();
    for worker in workers {
        let result = match worker {
            Ok(worker) => tokio::task::spawn_blocking(move || worker.wait())
                .await
                .map_err(|e| e.to_string())
                .and_then(|ended| ended.map_err(|e| e.to_string()))
                .and_then(|ended| {
                    if ended.status.success() {
                        Ok(ended.events)
                    } else {
                        Err(format!("exited with {}: {}", ended.status, ended.stderr))
                    }
                }),
            Err(error) => Err(format!("cannot start: {error}")),
        };
        results.push(result);
    }
    results
}
