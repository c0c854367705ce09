//! Verso against hand-written SQL: committing one edited message of a
//! thread of N messages, and loading the thread, on SQLite and PostgreSQL.
//!
//! Run with `cargo bench -p verso-bench` (add `-- sqlite` or `-- postgres`
//! to run one backend, a size such as `-- 1000` to run one size, `-- edit`
//! to run this bench alone). Sizes: `VERSO_BENCH_EDIT_SIZES` (default
//! `10,1000,10000,100000`); `VERSO_BENCH_QUICK=1` runs a tenth of the
//! iterations. PostgreSQL is `postgres://postgres@127.0.0.1:5432/test` or
//! `$VERSO_POSTGRES_URL`; each size runs in a fresh schema (SQLite: a fresh
//! file), dropped at the end (`VERSO_BENCH_KEEP_SCHEMA=1` keeps the
//! schemas). The table is printed and written to `target/bench-results.md`.
//!
//! Verso and the baseline run on the same database and the same tables,
//! and their iterations alternate, so both see the same table sizes and the
//! same background load.

use std::hint::black_box;
use std::time::Instant;
use verso_bench::harness::{self, in_task, timed, AnyBaseline, Args, Backend, Site};
use verso_bench::lists::{assert_stored_list, Change};
use verso_bench::measure::{alternate, PerOp, Samples};
use verso_bench::model::ChatThread;
use verso_bench::plain::{assert_same_thread, PlainThread};
use verso_bench::report::{markdown_table, thousands, Measurement};

/// How long to run one size: untimed warm-up iterations, then timed ones.
#[derive(Clone, Copy, Debug)]
struct Plan {
    n: usize,
    warmup: usize,
    commits: usize,
    loads: usize,
}

impl Plan {
    /// The iterations for a thread of `n` messages: fewer for larger
    /// threads, a tenth with `VERSO_BENCH_QUICK`.
    fn for_size(n: usize) -> Plan {
        let (warmup, timed) = match n {
            0..=100 => (30, 300),
            101..=2_000 => (5, 60),
            2_001..=20_000 => (2, 20),
            _ => (1, 7),
        };
        let timed = if harness::quick() {
            (timed / 10).max(3)
        } else {
            timed
        };
        Plan {
            n,
            warmup: warmup.min(timed),
            commits: timed,
            loads: timed,
        }
    }
}

fn main() {
    let args = Args::parse();
    if !args.wants_section("edit") {
        return;
    }
    let sizes = if args.sizes.is_empty() {
        harness::env_sizes("VERSO_BENCH_EDIT_SIZES", &[10, 1_000, 10_000, 100_000])
    } else {
        args.sizes.clone()
    };
    let plans: Vec<Plan> = sizes.iter().map(|&n| Plan::for_size(n)).collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let mut notes = Vec::new();
    let backends = runtime.block_on(harness::backends(&args, &mut notes));
    let mut results = Vec::new();
    for backend in &backends {
        for &plan in &plans {
            let backend = backend.clone();
            results.extend(runtime.block_on(in_task(run_case(backend, plan))));
        }
    }

    let table = markdown_table(&results);
    let mut document = format!(
        "# Verso benchmark results: edit and load\n\n\
         `cargo bench -p verso-bench --bench commit_load`, {} CPU(s), whole run {:.0} s. \
         Times are median (mean) over the timed iterations; the ratio compares medians.\n\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        started.elapsed().as_secs_f64(),
    );
    if !args.words.is_empty() {
        notes.push(format!("Partial run: `-- {}`", args.words.join(" ")));
    }
    for note in &notes {
        document.push_str(&format!("- {note}\n"));
    }
    document.push('\n');
    document.push_str(&table);
    println!("\n{document}");
    let path = harness::results_path("bench-results.md");
    match std::fs::write(&path, &document) {
        Ok(()) => println!("written to {}", path.display()),
        Err(error) => eprintln!("could not write {}: {error}", path.display()),
    }
}

/// The two operations at one size on one backend, in a fresh database.
async fn run_case(backend: Backend, plan: Plan) -> Vec<Measurement> {
    let site = Site::open(&backend, &format!("edit_{}", plan.n))
        .await
        .expect("open a fresh database");
    let baseline = site.baseline().await.expect("open the baseline");
    let measured = measure(backend.name(), &site, baseline, plan).await;
    site.close().await;
    measured
}

/// The stored rows of the newest version each side committed are the rows
/// Verso would write: list and chunks as [`verso::ChunkedList::build`] cuts
/// the children, the change rows of an edit of message `index` that
/// replaced `old`, and the lineage's heads are exactly the two sides'
/// newest versions.
async fn cross_check(
    site: &Site,
    baseline: &mut AnyBaseline,
    verso: (&ChatThread, verso::Uuid),
    plain: (&PlainThread, verso::Uuid),
    index: usize,
) {
    let encode = baseline.entries_text();
    let (thread, verso_old) = verso;
    let children: Vec<verso::Uuid> = thread.history.iter().map(|m| m.meta.ecs_id()).collect();
    let stored = baseline
        .stored_list(thread.meta.ecs_id())
        .await
        .expect("list");
    assert_stored_list(&stored, &children, encode, "Verso's version");
    let (plain, plain_old) = plain;
    let stored = baseline
        .stored_list(plain.version.ecs_id)
        .await
        .expect("list");
    assert_stored_list(&stored, &plain.children(), encode, "the baseline's version");

    let edit = |new: verso::Uuid, old: verso::Uuid| {
        let mut changes = vec![
            Change {
                child: new,
                position: index as i64,
                added: true,
            },
            Change {
                child: old,
                position: index as i64,
                added: false,
            },
        ];
        changes.sort();
        changes
    };
    let changes = baseline
        .stored_changes(thread.meta.ecs_id())
        .await
        .expect("changes");
    assert_eq!(changes, edit(children[index], verso_old), "Verso's changes");
    let changes = baseline
        .stored_changes(plain.version.ecs_id)
        .await
        .expect("changes");
    assert_eq!(
        changes,
        edit(plain.history[index].version.ecs_id, plain_old),
        "the baseline's changes"
    );

    let heads: Vec<ChatThread> = site
        .store
        .heads(thread.meta.lineage_id())
        .await
        .expect("heads");
    let mut heads: Vec<verso::Uuid> = heads.iter().map(|h| h.meta.ecs_id()).collect();
    heads.sort();
    let mut expected = vec![thread.meta.ecs_id(), plain.version.ecs_id];
    expected.sort();
    assert_eq!(
        heads, expected,
        "the thread's heads are both sides' newest versions"
    );
}

/// Commit one edited message, then load the thread, Verso and the baseline
/// alternating.
async fn measure(
    backend: &'static str,
    site: &Site,
    mut baseline: AnyBaseline,
    plan: Plan,
) -> Vec<Measurement> {
    let store = &site.store;
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
        rows_written: None,
    };
    let (mut verso_rows, mut baseline_rows) = (PerOp::EMPTY, PerOp::EMPTY);
    let mut last_edit = (0, verso::Uuid::nil(), verso::Uuid::nil());
    for i in 0..plan.warmup + plan.commits {
        let timed_iteration = i >= plan.warmup;
        // Spread the edits over the thread: first, middle and last
        // messages all get edited.
        let index = (i * 7_919) % n;
        let content = format!("edited {i}: {}", "the quick brown fox ".repeat(4));
        thread.history[index].content.clone_from(&content);
        plain.history[index].content = content;
        last_edit = (
            index,
            thread.history[index].meta.ecs_id(),
            plain.history[index].version.ecs_id,
        );

        let verso = async {
            let before = store.stats();
            let (elapsed, report) = timed(store.commit(&mut thread)).await;
            let report = report.expect("Verso commit");
            assert_eq!(report.forked.len(), 2, "the message and the thread fork");
            (elapsed, store.stats() - before)
        };
        let hand_written = async {
            let (statements, rows) = baseline.counts();
            let (elapsed, outcome) = timed(baseline.commit_edit(&mut plain, index)).await;
            outcome.expect("baseline commit");
            let (statements_after, rows_after) = baseline.counts();
            (elapsed, statements_after - statements, rows_after - rows)
        };
        // Alternate which side goes first, so neither always follows the other.
        let (v, b) = alternate(i, verso, hand_written).await;
        if timed_iteration {
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
    let (index, verso_old, plain_old) = last_edit;
    cross_check(
        site,
        &mut baseline,
        (&thread, verso_old),
        (&plain, plain_old),
        index,
    )
    .await;

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
        let timed_iteration = i >= plan.warmup;
        let verso = async {
            let before = store.stats();
            let (elapsed, loaded) = timed(store.get::<ChatThread>(id)).await;
            let loaded = loaded.expect("Verso load");
            assert_eq!(loaded.history.len(), n);
            let delta = store.stats() - before;
            drop(black_box(loaded));
            (elapsed, delta.statements)
        };
        let hand_written = async {
            let (before, _) = baseline.counts();
            let (elapsed, loaded) = timed(baseline.load(id)).await;
            let loaded = loaded.expect("baseline load");
            assert_eq!(loaded.history.len(), n);
            drop(black_box(loaded));
            (elapsed, baseline.counts().0 - before)
        };
        let (v, b) = alternate(i, verso, hand_written).await;
        if timed_iteration {
            load.verso.push(v.0);
            load.verso_statements.record(v.1);
            load.baseline.push(b.0);
            load.baseline_statements.record(b.1);
        }
    }
    baseline.close().await;
    eprintln!(
        "{backend}, N = {}: done in {:.1} s (commit {:.2}×, load {:.2}×)",
        thousands(n),
        case_started.elapsed().as_secs_f64(),
        commit.ratio(),
        load.ratio()
    );
    vec![commit, load]
}
