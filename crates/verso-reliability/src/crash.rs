//! Killed writers: a child process commits large trees in a loop (a first
//! version with many messages, then appends and edits), printing an
//! acknowledgment after each commit; the parent kills it with SIGKILL at a
//! random moment. After each kill the store is reopened: every
//! acknowledged version must load whole and exactly as reported, at most
//! the one commit in flight may have landed unacknowledged, nothing partial
//! may be visible, and an SQLite file must pass `PRAGMA integrity_check`.

use crate::child::Worker;
use crate::event::{acks, Event};
use crate::model::Thread;
use crate::target::{wait_for_sessions_to_end, Target};
use crate::verify;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use verso::Store;

/// How long a crash child runs at most (a hang guard for a parent that
/// died before killing it).
pub const CHILD_LIFETIME: Duration = Duration::from_secs(300);

/// One run's size.
#[derive(Debug, Clone)]
pub struct Config {
    /// Kill rounds.
    pub rounds: u32,
    /// Messages in each child's first version.
    pub initial: i64,
    /// Messages appended by each later commit.
    pub append: i64,
    /// Length of each message body.
    pub padding: usize,
    /// The kill comes at a random moment between 0 and this long after
    /// the child's first acknowledgment.
    pub max_delay: Duration,
    /// The suite's binary.
    pub exe: PathBuf,
}

/// What a run measured and found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Rounds run.
    pub rounds: u32,
    /// Commits acknowledged before the kills, all rounds together.
    pub acknowledged: u64,
    /// Commits that landed although the child was killed before
    /// acknowledging them (a kill between COMMIT and the ack line).
    pub landed_unacknowledged: u64,
    /// Messages in the largest version acknowledged.
    pub largest_tree: i64,
    /// Everything that broke a property; empty when the run passed.
    pub problems: Vec<String>,
}

/// The child's loop: commit, acknowledge, grow the tree, repeat, until
/// killed (or [`CHILD_LIFETIME`] passes).
pub async fn child(
    target: &Target,
    initial: i64,
    append: i64,
    padding: usize,
) -> verso::Result<()> {
    let store = target.open().await?;
    let started = Instant::now();
    let mut thread = Thread::new(0);
    let mut step = 0;
    while step < initial {
        thread.append(0, step, padding);
        step += 1;
    }
    Event::Lineage(thread.meta.lineage_id()).print();
    while started.elapsed() < CHILD_LIFETIME {
        store.commit(&mut thread).await?;
        Event::Ack(crate::event::Ack::of(&thread)).print();
        for _ in 0..append {
            thread.append(0, step, padding);
            step += 1;
        }
        let edited = (step as usize * 7919) % thread.messages.len();
        thread.edit(edited);
    }
    Ok(())
}

/// Runs the kill rounds on `target`.
pub async fn run(target: &Target, config: &Config) -> Outcome {
    let mut outcome = Outcome {
        rounds: config.rounds,
        ..Outcome::default()
    };
    let mut lineages_with_versions = 0u64;
    let mut versions_seen = 0u64;
    for round in 0..config.rounds {
        let options = [
            ("initial", config.initial.to_string()),
            ("append", config.append.to_string()),
            ("padding", config.padding.to_string()),
        ];
        let session = format!("verso_crash_{}", uuid::Uuid::new_v4().simple());
        let args = crate::jobs::args("crash", &target.with_session_name(&session), &options);
        let exe = config.exe.clone();
        let delay = crate::random_duration(config.max_delay);
        let ended = tokio::task::spawn_blocking(move || kill_after_first_ack(&exe, &args, delay))
            .await
            .map_err(|e| e.to_string())
            .and_then(|ended| ended);
        let events = match ended {
            Ok(events) => events,
            Err(error) => {
                outcome.problems.push(format!("round {round}: {error}"));
                continue;
            }
        };
        match target {
            Target::SqliteFile(path) => {
                if let Err(problem) = integrity_check(path) {
                    outcome.problems.push(format!("round {round}: {problem}"));
                }
            }
            Target::Postgres { url, .. } => {
                // The killed child's server process ends its transaction
                // (commits it if COMMIT had arrived, else rolls it back)
                // only when it notices: until then the outcome is not final.
                if !wait_for_sessions_to_end(url, &session, Duration::from_secs(30)).await {
                    outcome.problems.push(format!(
                        "round {round}: the killed child's session was still open after 30 s"
                    ));
                }
            }
        }
        let acked = acks(&events);
        outcome.acknowledged += acked.len() as u64;
        outcome.largest_tree = acked
            .iter()
            .map(|ack| ack.messages)
            .fold(outcome.largest_tree, i64::max);
        let Some(lineage) = events.iter().find_map(|event| match event {
            Event::Lineage(id) => Some(*id),
            _ => None,
        }) else {
            outcome
                .problems
                .push(format!("round {round}: the child never named its lineage"));
            continue;
        };
        // A store opened after the kill, as a restarted application would.
        let store = match target.open().await {
            Ok(store) => store,
            Err(error) => {
                outcome
                    .problems
                    .push(format!("round {round}: cannot reopen: {error}"));
                continue;
            }
        };
        let mut problems = verify::acked_versions(&store, &acked).await;
        let found = verify::lineage(&store, lineage, &acked).await;
        problems.extend(found.problems);
        if found.unacknowledged > 1 {
            problems.push(format!(
                "{} versions landed unacknowledged; only the commit in flight may",
                found.unacknowledged
            ));
        }
        outcome.landed_unacknowledged += found.unacknowledged as u64;
        if found.versions > 0 {
            lineages_with_versions += 1;
            versions_seen += found.versions as u64;
        }
        problems.extend(census(&store, lineages_with_versions, versions_seen).await);
        outcome
            .problems
            .extend(problems.into_iter().map(|p| format!("round {round}: {p}")));
    }
    outcome
}

/// Starts a crash child, waits for its first acknowledgment (so that the
/// kill finds it committing), then `delay` more, and kills it.
fn kill_after_first_ack(
    exe: &Path,
    args: &[String],
    delay: Duration,
) -> Result<Vec<Event>, String> {
    let mut worker = Worker::spawn(exe, args).map_err(|e| format!("cannot start: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !worker.has_acknowledged() {
        if Instant::now() > deadline {
            worker.kill();
            let ended = worker.wait().map_err(|e| e.to_string())?;
            return Err(format!("no first commit within 120 s: {}", ended.stderr));
        }
        if let Some(status) = worker.exited() {
            let ended = worker.wait().map_err(|e| e.to_string())?;
            return Err(format!(
                "the child ended ({status}) before it was killed: {}",
                ended.stderr
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(delay);
    worker.kill();
    let ended = worker.wait().map_err(|e| e.to_string())?;
    if ended.status.success() {
        return Err("the child ended on its own before it was killed".into());
    }
    Ok(ended.events)
}

/// The store holds exactly the thread lineages and versions the rounds
/// found: nothing of a killed commit is visible elsewhere.
async fn census(store: &Store, lineages: u64, versions: u64) -> Vec<String> {
    let ty = <Thread as verso::Entity>::entity_type();
    match store.driver().count_versions(&[ty]).await {
        Ok(counts) => {
            let counts = counts[0];
            if counts.lineages != lineages || counts.versions != versions {
                vec![format!(
                    "the store counts {} thread lineages and {} versions; the rounds found {lineages} and {versions}",
                    counts.lineages, counts.versions
                )]
            } else {
                Vec::new()
            }
        }
        Err(error) => vec![format!("count_versions: {error}")],
    }
}

/// `PRAGMA integrity_check` on an SQLite file.
pub fn integrity_check(path: &Path) -> Result<(), String> {
    let connection =
        rusqlite::Connection::open(path).map_err(|e| format!("cannot open the file: {e}"))?;
    let verdict: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|e| format!("integrity_check: {e}"))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(format!("PRAGMA integrity_check says {verdict:?}"))
    }
}
