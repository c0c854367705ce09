//! Verso against hand-written SQL: committing one edited message of a
//! thread of N messages, and loading the thread, on SQLite and PostgreSQL.
//!
//! Run with `cargo bench -p verso-bench` (add `-- sqlite` or `-- postgres`
//! to run one backend, a size such as `-- 1000` to run one size;
//! `VERSO_BENCH_KEEP_SCHEMA=1` keeps the PostgreSQL schemas for inspection). PostgreSQL is `postgres://postgres@127.0.0.1:5432/test`
//! or `$VERSO_POSTGRES_URL`; each size runs in a fresh schema, dropped at the
//! end. The table is printed and written to `target/bench-results.md`.
//!
//! Verso and the baseline run on the same database and the same tables, and
//! their iterations alternate, so both see the same table sizes and the
//! same background load.

use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uuid::Uuid;
use verso::Store;
use verso_bench::baseline_postgres::PostgresBaseline;
use verso_bench::baseline_sqlite::SqliteBaseline;
use verso_bench::measure::{PerOp, Samples};
use verso_bench::model::ChatThread;
use verso_bench::plain::{assert_same_thread, PlainThread};
use verso_bench::report::{markdown_table, thousands, Measurement};

type Error = Box<dyn std::error::Error + Send + Sync>;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long to run one size: untimed warm-up iterations, then timed ones.
#[derive(Clone, Copy, Debug)]
struct Plan {
    n: usize,
    warmup: usize,
    commits: usize,
    loads: usize,
}

const PLANS: [Plan; 3] = [
    Plan {
        n: 10,
        warmup: 30,
        commits: 400,
        loads: 400,
    },
    Plan {
        n: 1_000,
        warmup: 5,
        commits: 80,
        loads: 80,
    },
    Plan {
        n: 10_000,
        warmup: 2,
        commits: 20,
        loads: 20,
    },
];

impl Plan {
    /// Rows in `verso_links` during the load phase: the first version's
    /// links, then one thread version per commit on each side.
    fn links_at_load(&self) -> usize {
        (1 + 2 * (self.warmup + self.commits)) * self.n
    }
}

/// The hand-written side, for either backend.
trait Baseline: Send {
    /// Loads a thread version with its messages.
    fn load(&mut self, ecs_id: Uuid) -> impl Future<Output = Result<PlainThread, Error>> + Send;
    /// Stores the edit of message `index` as new versions.
    fn commit(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> impl Future<Output = Result<(), Error>> + Send;
    /// Statements sent and rows written so far.
    fn counts(&self) -> (u64, u64);
}

impl Baseline for SqliteBaseline {
    async fn load(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        self.load_thread(ecs_id)
    }
    async fn commit(&mut self, thread: &mut PlainThread, index: usize) -> Result<(), Error> {
        self.commit_edited_message(thread, index)
    }
    fn counts(&self) -> (u64, u64) {
        (self.statements, self.rows_written)
    }
}

impl Baseline for PostgresBaseline {
    async fn load(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        self.load_thread(ecs_id).await
    }
    async fn commit(&mut self, thread: &mut PlainThread, index: usize) -> Result<(), Error> {
        self.commit_edited_message(thread, index).await
    }
    fn counts(&self) -> (u64, u64) {
        (self.statements, self.rows_written)
    }
}

fn main() {
    // Arguments narrow the run: backend names (`sqlite`, `postgres`) and
    // sizes (`1000`); cargo's own flags (`--bench`) are ignored.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.to_lowercase())
        .collect();
    let (sizes, backends): (Vec<&String>, Vec<&String>) =
        args.iter().partition(|a| a.parse::<usize>().is_ok());
    let wanted = |backend: &str| {
        backends.is_empty() || backends.iter().any(|f| backend.contains(f.as_str()))
    };
    let plans: Vec<Plan> = PLANS
        .into_iter()
        .filter(|p| sizes.is_empty() || sizes.iter().any(|s| s.parse() == Ok(p.n)))
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let mut results = Vec::new();
    let mut notes = vec![
        format!(
            "SQLite {} (bundled, WAL, synchronous=NORMAL)",
            rusqlite::version()
        ),
        format!(
            "Loads run after the commits, so `verso_links` then holds {} rows (N = {})",
            plans
                .iter()
                .map(|p| thousands(p.links_at_load()))
                .collect::<Vec<_>>()
                .join(" / "),
            plans
                .iter()
                .map(|p| thousands(p.n))
                .collect::<Vec<_>>()
                .join(" / "),
        ),
    ];

    if wanted("sqlite") {
        for &plan in &plans {
            results.extend(runtime.block_on(sqlite_case(plan)));
        }
    }
    if wanted("postgres") {
        let url =
            std::env::var("VERSO_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        match runtime.block_on(postgres_version(&url)) {
            Ok(version) => {
                notes.push(version);
                for &plan in &plans {
                    results.extend(runtime.block_on(postgres_case(&url, plan)));
                }
            }
            Err(error) => {
                let line = format!("PostgreSQL at {} is unreachable: {error}", redact(&url));
                eprintln!(
                    "\n{}\n!!! SKIPPED PostgreSQL: {line}\n{}\n",
                    "!".repeat(78),
                    "!".repeat(78)
                );
                notes.push(format!("**SKIPPED PostgreSQL**: {line}"));
            }
        }
    }

    let table = markdown_table(&results);
    let elapsed = started.elapsed();
    let mut document = format!(
        "# Verso benchmark results\n\n\
         `cargo bench -p verso-bench`, {} CPU(s), whole run {:.0} s. \
         Times are median (mean) over the timed iterations; the ratio compares medians.\n\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        elapsed.as_secs_f64(),
    );
    if !args.is_empty() {
        notes.push(format!("Partial run: `-- {}`", args.join(" ")));
    }
    for note in &notes {
        document.push_str(&format!("- {note}\n"));
    }
    document.push('\n');
    document.push_str(&table);
    println!("\n{document}");
    let path = results_path();
    match std::fs::write(&path, &document) {
        Ok(()) => println!("written to {}", path.display()),
        Err(error) => eprintln!("could not write {}: {error}", path.display()),
    }
}

/// `target/bench-results.md`, `target` being the directory the bench binary
/// was built in (`target/release/deps/commit_load-*`).
fn results_path() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.file_name().is_some_and(|name| name == "deps"))
                .and_then(|deps| deps.parent()?.parent())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-results.md")
}

/// One size on SQLite: a fresh database file in a temporary directory.
async fn sqlite_case(plan: Plan) -> Vec<Measurement> {
    let dir = std::env::temp_dir().join(format!("verso-bench-{}-{}", std::process::id(), plan.n));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join("bench.db");
    let task_path = path.clone();
    let outcome = tokio::spawn(async move {
        let store = Store::open(&format!("sqlite:{}", task_path.display()))
            .await
            .expect("open the SQLite store");
        store.register::<ChatThread>().await.expect("create tables");
        let baseline = SqliteBaseline::open(&task_path).expect("open the baseline connection");
        run_case("SQLite", &store, baseline, plan).await
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
}

/// One size on PostgreSQL: a fresh schema, dropped at the end (also when
/// the case fails).
async fn postgres_case(url: &str, plan: Plan) -> Vec<Measurement> {
    let schema = format!("verso_bench_{}_{}", std::process::id(), plan.n);
    drop_schema(url, &schema).await;
    let (task_url, task_schema) = (url.to_string(), schema.clone());
    let outcome = tokio::spawn(async move {
        let driver = verso::drivers::PostgresDriver::connect_in_schema(&task_url, &task_schema)
            .await
            .expect("connect Verso to PostgreSQL");
        let store = Store::with_driver(driver);
        store.register::<ChatThread>().await.expect("create tables");
        let baseline = PostgresBaseline::connect(&task_url, &task_schema)
            .await
            .expect("connect the baseline to PostgreSQL");
        let measured = run_case("PostgreSQL", &store, baseline, plan).await;
        drop(store);
        measured
    })
    .await;
    if std::env::var_os("VERSO_BENCH_KEEP_SCHEMA").is_some() {
        eprintln!("kept schema {schema} (VERSO_BENCH_KEEP_SCHEMA is set)");
    } else {
        drop_schema(url, &schema).await;
    }
    outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
}

/// The server's version, or why it cannot be reached (within 5 s).
async fn postgres_version(url: &str) -> Result<String, Error> {
    use sqlx::Connection;
    let mut conn = tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(url))
        .await
        .map_err(|_| "no answer within 5 s")??;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(format!("PostgreSQL {version} on {}", redact(url)))
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn drop_schema(url: &str, schema: &str) {
    use sqlx::{Connection, Executor};
    let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
        eprintln!("could not connect to drop schema {schema}");
        return;
    };
    if let Err(error) = conn
        .execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
        .await
    {
        eprintln!("could not drop schema {schema}: {error}");
    }
    let _ = conn.close().await;
}

/// The two operations at one size on one backend.
async fn run_case<B: Baseline>(
    backend: &'static str,
    store: &Store,
    mut baseline: B,
    plan: Plan,
) -> Vec<Measurement> {
    let n = plan.n;
    let case_started = Instant::now();
    eprintln!("{backend}, N = {}: storing the thread", thousands(n));
    let mut thread = ChatThread::with_messages("benchmark thread", n);
    store.commit(&mut thread).await.expect("store the thread");
    let mut plain = baseline
        .load(thread.meta.ecs_id())
        .await
        .expect("baseline load");
    assert_same_thread(&thread, &plain);

    // 1. Commit one edited message. Both sides fork the same first version
    // of the thread, each its own lineage branch.
    let mut commit = Measurement {
        backend,
        n,
        operation: "commit one edited message",
        verso: Samples::default(),
        baseline: Samples::default(),
        verso_statements: PerOp::EMPTY,
        baseline_statements: PerOp::EMPTY,
        rows_written: Some((PerOp::EMPTY, PerOp::EMPTY)),
    };
    let (mut verso_rows, mut baseline_rows) = (PerOp::EMPTY, PerOp::EMPTY);
    for i in 0..plan.warmup + plan.commits {
        let timed = i >= plan.warmup;
        // Spread the edits over the thread: first, middle and last
        // messages all get edited.
        let index = (i * 7_919) % n;
        let content = format!("edited {i}: {}", "the quick brown fox ".repeat(4));
        thread.history[index].content.clone_from(&content);
        plain.history[index].content = content;

        let verso = async {
            let before = store.stats();
            let start = Instant::now();
            let report = store.commit(&mut thread).await.expect("Verso commit");
            let elapsed = start.elapsed();
            assert_eq!(report.forked.len(), 2, "the message and the thread fork");
            (elapsed, store.stats() - before)
        };
        let hand_written = async {
            let (statements, rows) = baseline.counts();
            let start = Instant::now();
            baseline
                .commit(&mut plain, index)
                .await
                .expect("baseline commit");
            let elapsed = start.elapsed();
            let (statements_after, rows_after) = baseline.counts();
            (elapsed, statements_after - statements, rows_after - rows)
        };
        // Alternate which side goes first, so neither always follows the other.
        let (v, b) = if i % 2 == 0 {
            let v = verso.await;
            (v, hand_written.await)
        } else {
            let b = hand_written.await;
            (verso.await, b)
        };
        if timed {
            commit.verso.push(v.0);
            commit.verso_statements.record(v.1.statements);
            verso_rows.record(v.1.rows_written);
            commit.baseline.push(b.0);
            commit.baseline_statements.record(b.1);
            baseline_rows.record(b.2);
        }
    }
    commit.rows_written = Some((verso_rows, baseline_rows));

    // Each side reads what the other wrote: the baseline writes exactly the
    // rows Verso would, and reads them back the way Verso does.
    let verso_view: ChatThread = store
        .get(plain.version.ecs_id)
        .await
        .expect("Verso loads the baseline's version");
    assert_same_thread(&verso_view, &plain);
    let baseline_view = baseline
        .load(thread.meta.ecs_id())
        .await
        .expect("the baseline loads Verso's version");
    assert_same_thread(&thread, &baseline_view);

    // 2. Load the thread: both sides load the same version (Verso's latest).
    let id = thread.meta.ecs_id();
    let mut load = Measurement {
        backend,
        n,
        operation: "load the thread",
        verso: Samples::default(),
        baseline: Samples::default(),
        verso_statements: PerOp::EMPTY,
        baseline_statements: PerOp::EMPTY,
        rows_written: None,
    };
    for i in 0..plan.warmup + plan.loads {
        let timed = i >= plan.warmup;
        let verso = async {
            let before = store.stats();
            let start = Instant::now();
            let loaded: ChatThread = store.get(id).await.expect("Verso load");
            let elapsed = start.elapsed();
            assert_eq!(loaded.history.len(), n);
            let delta = store.stats() - before;
            drop(black_box(loaded));
            (elapsed, delta.statements)
        };
        let hand_written = async {
            let (before, _) = baseline.counts();
            let start = Instant::now();
            let loaded = baseline.load(id).await.expect("baseline load");
            let elapsed = start.elapsed();
            assert_eq!(loaded.history.len(), n);
            drop(black_box(loaded));
            (elapsed, baseline.counts().0 - before)
        };
        let (v, b) = if i % 2 == 0 {
            let v = verso.await;
            (v, hand_written.await)
        } else {
            let b = hand_written.await;
            (verso.await, b)
        };
        if timed {
            load.verso.push(v.0);
            load.verso_statements.record(v.1);
            load.baseline.push(b.0);
            load.baseline_statements.record(b.1);
        }
    }
    eprintln!(
        "{backend}, N = {}: done in {:.1} s (commit {:.2}×, load {:.2}×)",
        thousands(n),
        case_started.elapsed().as_secs_f64(),
        commit.ratio(),
        load.ratio()
    );
    vec![commit, load]
}
