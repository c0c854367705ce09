//! Verso against hand-written SQL as histories grow, on SQLite and
//! PostgreSQL:
//!
//! - **growth**: a thread grown turn by turn (append one message, commit,
//!   repeat): commit time at turns 10, 100, 1,000, 2,000 (and 10,000 with
//!   `long`), total time, bytes stored per turn, rows and statements per
//!   commit. Verso and the baseline each grow their own thread in their own
//!   fresh database, turns alternating.
//! - **lookups**: latest, as_of, heads, one page of versions and old_ids
//!   on lineages of 10, 1,000 and 100,000 versions of a tiny entity.
//! - **ingest**: one thread of 10,000 messages committed at once.
//!
//! ```text
//! cargo bench -p verso-bench --bench growth                 # everything
//! cargo bench -p verso-bench --bench growth -- sqlite growth long
//! ```
//!
//! Arguments after `--` narrow the run: backends (`sqlite`, `postgres`),
//! sections (`growth`, `lookups`, `ingest`), `long` (10,000 turns; also
//! `VERSO_BENCH_LONG=1`). Sizes: `VERSO_BENCH_TURNS` (default 2,000, or
//! 10,000 when long), `VERSO_BENCH_LINEAGES` (default `10,1000,100000`),
//! `VERSO_BENCH_INGEST` (default 10,000); `VERSO_BENCH_QUICK=1` runs fewer
//! iterations. The tables are printed and written to
//! `target/bench-growth-results.md`.

use std::hint::black_box;
use std::time::{Duration, Instant};
use verso::{RowMeta, Store, Uuid};
use verso_bench::harness::{self, in_task, timed, AnyBaseline, Args, Backend, Site};
use verso_bench::lists::assert_stored_list;
use verso_bench::measure::{alternate, format_duration, PerOp, Samples};
use verso_bench::model::{ChatMessage, ChatThread, Tick};
use verso_bench::plain::{
    assert_same_thread, assert_same_tick, assert_same_version, PlainMessage, PlainThread,
};
use verso_bench::report::{markdown_table, thousands, Measurement};

/// Turns whose commit time is reported (those within the run).
const CHECKPOINTS: [usize; 5] = [10, 100, 1_000, 2_000, 10_000];
/// A checkpoint's commit time is the median of the turns this close to it.
const WINDOW: usize = 10;

fn main() {
    let args = Args::parse();
    let sections: Vec<&str> = ["growth", "lookups", "ingest"]
        .into_iter()
        .filter(|s| args.wants_section(s))
        .collect();
    if sections.is_empty() {
        return;
    }
    let turns = harness::env_size("VERSO_BENCH_TURNS", if args.long { 10_000 } else { 2_000 });
    let lineages = harness::env_sizes("VERSO_BENCH_LINEAGES", &[10, 1_000, 100_000]);
    let ingest_size = harness::env_size("VERSO_BENCH_INGEST", 10_000);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let mut notes = Vec::new();
    let backends = runtime.block_on(harness::backends(&args, &mut notes));
    let mut growth = Vec::new();
    let mut lookups = Vec::new();
    let mut ingests = Vec::new();
    for backend in &backends {
        if sections.contains(&"growth") {
            let backend = backend.clone();
            growth.push(runtime.block_on(in_task(grow(backend, turns))));
        }
        if sections.contains(&"lookups") {
            let (backend, lineages) = (backend.clone(), lineages.clone());
            let (measured, note) = runtime.block_on(in_task(lookup_case(backend, lineages)));
            lookups.extend(measured);
            notes.push(note);
        }
        if sections.contains(&"ingest") {
            let backend = backend.clone();
            ingests.push(runtime.block_on(in_task(ingest(backend, ingest_size))));
        }
    }

    let mut document = format!(
        "# Verso benchmark results: growth, lookups, ingest\n\n\
         `cargo bench -p verso-bench --bench growth`, {} CPU(s), whole run {:.0} s. \
         Times are medians (means in parentheses) unless marked; ratios compare medians.\n\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        started.elapsed().as_secs_f64(),
    );
    if !args.words.is_empty() {
        notes.push(format!("Partial run: `-- {}`", args.words.join(" ")));
    }
    for note in &notes {
        document.push_str(&format!("- {note}\n"));
    }
    if !growth.is_empty() {
        document.push_str("\n## Growth: append one message, commit, repeat\n\n");
        document.push_str(&growth_table(&growth));
    }
    if !lookups.is_empty() {
        document.push_str("\n## Lookups on a lineage of N versions\n\n");
        document.push_str(&markdown_table(&lookups));
    }
    if !ingests.is_empty() {
        document.push_str("\n## Ingest: one thread of N messages committed at once\n\n");
        document.push_str(&markdown_table(&ingests));
    }
    println!("\n{document}");
    let path = harness::results_path("bench-growth-results.md");
    match std::fs::write(&path, &document) {
        Ok(()) => println!("written to {}", path.display()),
        Err(error) => eprintln!("could not write {}: {error}", path.display()),
    }
}

// ---------------------------------------------------------------- growth

/// One turn of both sides.
#[derive(Clone, Copy, Debug)]
struct Turn {
    verso: Duration,
    verso_statements: u64,
    verso_rows: u64,
    baseline: Duration,
    baseline_statements: u64,
    baseline_rows: u64,
}

/// The figures at one checkpoint turn.
#[derive(Clone, Debug)]
struct Checkpoint {
    turn: usize,
    /// The turns the medians are taken over.
    window: (usize, usize),
    verso: Samples,
    baseline: Samples,
    verso_statements: PerOp,
    baseline_statements: PerOp,
    verso_rows: PerOp,
    baseline_rows: PerOp,
    /// Database bytes after this turn, Verso's and the baseline's.
    bytes: (u64, u64),
}

/// One growth run.
#[derive(Clone, Debug)]
struct Growth {
    backend: &'static str,
    turns: usize,
    checkpoints: Vec<Checkpoint>,
    /// Sum of the commit times of every turn.
    total: (Duration, Duration),
    /// Bytes of the databases before the first turn (tables, one empty
    /// thread).
    empty_bytes: (u64, u64),
}

/// Verso and the baseline each grow a thread in their own fresh database,
/// one message per commit, turns alternating (and alternating who goes
/// first).
async fn grow(backend: Backend, turns: usize) -> Growth {
    let name = backend.name();
    let verso_site = Site::open(&backend, "growth_verso")
        .await
        .expect("database");
    let plain_site = Site::open(&backend, "growth_baseline")
        .await
        .expect("database");
    let store = &verso_site.store;
    // The baseline that grows its thread, and one that only measures
    // Verso's database.
    let mut baseline = plain_site.baseline().await.expect("baseline");
    let mut verso_bytes = verso_site.baseline().await.expect("baseline");

    let mut thread = ChatThread::with_messages("grown thread", 0);
    store
        .commit(&mut thread)
        .await
        .expect("Verso: the empty thread");
    let mut plain = PlainThread::with_messages("grown thread", 0);
    baseline
        .commit_new(&mut plain)
        .await
        .expect("baseline: the empty thread");
    let empty_bytes = (
        verso_bytes.bytes().await.expect("bytes"),
        baseline.bytes().await.expect("bytes"),
    );

    let checkpoints: Vec<usize> = CHECKPOINTS
        .into_iter()
        .filter(|&t| t < turns)
        .chain([turns])
        .collect();
    let mut bytes_at = Vec::new();
    let mut samples: Vec<Turn> = Vec::with_capacity(turns);
    let started = Instant::now();
    eprintln!("{name}: growing two threads to {} turns", thousands(turns));
    for turn in 1..=turns {
        let message = ChatMessage::turn(turn - 1, thread.history.last());
        // The baseline's message has the ids of Verso's (the databases are
        // separate): both threads list the same ids, so both cut the same
        // chunks and store the same bytes, and their sizes compare exactly.
        let mut plain_message = PlainMessage::turn(turn - 1, plain.history.last());
        plain_message.version.ecs_id = message.meta.ecs_id();
        plain_message.version.lineage_id = message.meta.lineage_id();
        thread.history.push(message);
        let verso = async {
            let before = store.stats();
            let (elapsed, report) = timed(store.commit(&mut thread)).await;
            let report = report.expect("Verso commit");
            debug_assert_eq!(report.created.len(), 1);
            (elapsed, store.stats() - before)
        };
        let hand_written = async {
            let (statements, rows) = baseline.counts();
            let (elapsed, outcome) = timed(baseline.commit_append(&mut plain, plain_message)).await;
            outcome.expect("baseline commit");
            let (statements_after, rows_after) = baseline.counts();
            (elapsed, statements_after - statements, rows_after - rows)
        };
        let (v, b) = alternate(turn, verso, hand_written).await;
        samples.push(Turn {
            verso: v.0,
            verso_statements: v.1.statements,
            verso_rows: v.1.rows_written,
            baseline: b.0,
            baseline_statements: b.1,
            baseline_rows: b.2,
        });
        if checkpoints.contains(&turn) {
            let bytes = (
                verso_bytes.bytes().await.expect("bytes"),
                baseline.bytes().await.expect("bytes"),
            );
            bytes_at.push(bytes);
            eprintln!(
                "{name}: turn {}: Verso {}, baseline {}, {:.1} s so far",
                thousands(turn),
                format_duration(v.0),
                format_duration(b.0),
                started.elapsed().as_secs_f64()
            );
        }
    }

    // Each side reads what the other wrote, and both stored the list Verso
    // cuts from the children.
    let verso_view: ChatThread = plain_site
        .store
        .get(plain.version.ecs_id)
        .await
        .expect("Verso loads the baseline's thread");
    assert_same_thread(&verso_view, &plain);
    let baseline_view = verso_bytes
        .load(thread.meta.ecs_id())
        .await
        .expect("the baseline loads Verso's thread");
    assert_same_thread(&thread, &baseline_view);
    let encode = baseline.entries_text();
    let children: Vec<Uuid> = thread.history.iter().map(|m| m.meta.ecs_id()).collect();
    let stored = verso_bytes
        .stored_list(thread.meta.ecs_id())
        .await
        .expect("list");
    assert_stored_list(&stored, &children, encode, "Verso's grown thread");
    let plain_stored = baseline
        .stored_list(plain.version.ecs_id)
        .await
        .expect("list");
    assert_stored_list(
        &plain_stored,
        &plain.children(),
        encode,
        "the baseline's grown thread",
    );
    assert_eq!(
        stored, plain_stored,
        "both grown threads store the same list"
    );

    let checkpoints = checkpoints
        .iter()
        .zip(bytes_at)
        .map(|(&turn, bytes)| {
            let window = (
                turn.saturating_sub(WINDOW).max(1),
                (turn + WINDOW).min(turns),
            );
            let around = &samples[window.0 - 1..window.1];
            let mut point = Checkpoint {
                turn,
                window,
                verso: Samples(around.iter().map(|t| t.verso).collect()),
                baseline: Samples(around.iter().map(|t| t.baseline).collect()),
                verso_statements: PerOp::EMPTY,
                baseline_statements: PerOp::EMPTY,
                verso_rows: PerOp::EMPTY,
                baseline_rows: PerOp::EMPTY,
                bytes,
            };
            for t in around {
                point.verso_statements.record(t.verso_statements);
                point.baseline_statements.record(t.baseline_statements);
                point.verso_rows.record(t.verso_rows);
                point.baseline_rows.record(t.baseline_rows);
            }
            point
        })
        .collect();
    let total = (
        samples.iter().map(|t| t.verso).sum(),
        samples.iter().map(|t| t.baseline).sum(),
    );
    eprintln!(
        "{name}: {} turns in {:.1} s",
        thousands(turns),
        started.elapsed().as_secs_f64()
    );
    baseline.close().await;
    verso_bytes.close().await;
    verso_site.close().await;
    plain_site.close().await;
    Growth {
        backend: name,
        turns,
        checkpoints,
        total,
        empty_bytes,
    }
}

fn growth_table(runs: &[Growth]) -> String {
    let mut out = String::from(
        "Commit time at a turn is the median over the turns around it (window shown). \
         Bytes per turn: database bytes after that turn (SQLite: `page_count * page_size` \
         after `PRAGMA wal_checkpoint(TRUNCATE)`; PostgreSQL: sum of `pg_total_relation_size` \
         of the schema's tables) divided by the turn; Verso and the baseline each grow their \
         own thread in their own database.\n\n\
         | backend | turn (window) | Verso commit | baseline commit | Verso / baseline | \
         Verso statements/commit | baseline statements/commit | Verso rows/commit | \
         baseline rows/commit | Verso bytes/turn | baseline bytes/turn |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for run in runs {
        for c in &run.checkpoints {
            out.push_str(&format!(
                "| {} | {} ({}–{}) | {} | {} | {:.2}× | {} | {} | {} | {} | {} | {} |\n",
                run.backend,
                thousands(c.turn),
                thousands(c.window.0),
                thousands(c.window.1),
                format_duration(c.verso.median()),
                format_duration(c.baseline.median()),
                c.verso.median().as_secs_f64() / c.baseline.median().as_secs_f64(),
                c.verso_statements,
                c.baseline_statements,
                c.verso_rows,
                c.baseline_rows,
                thousands((c.bytes.0 / c.turn as u64) as usize),
                thousands((c.bytes.1 / c.turn as u64) as usize),
            ));
        }
    }
    out.push('\n');
    for run in runs {
        let last = run
            .checkpoints
            .last()
            .expect("the last turn is a checkpoint");
        out.push_str(&format!(
            "- {}: {} turns, total commit time Verso {:.2} s, baseline {:.2} s ({:.2}×); \
             database after the last turn: Verso {} bytes, baseline {} bytes \
             ({} and {} bytes before the first turn)\n",
            run.backend,
            thousands(run.turns),
            run.total.0.as_secs_f64(),
            run.total.1.as_secs_f64(),
            run.total.0.as_secs_f64() / run.total.1.as_secs_f64(),
            thousands(last.bytes.0 as usize),
            thousands(last.bytes.1 as usize),
            thousands(run.empty_bytes.0 as usize),
            thousands(run.empty_bytes.1 as usize),
        ));
    }
    out
}

// --------------------------------------------------------------- lookups

/// A lineage of ticks, as built.
struct Lineage {
    versions: usize,
    lineage_id: Uuid,
    /// The newest version.
    newest: RowMeta,
    /// The version in the middle (as_of's time, the versions page cursor).
    middle: RowMeta,
}

fn row_meta(tick: &Tick) -> RowMeta {
    RowMeta {
        id: tick.meta.id().expect("stored"),
        ecs_id: tick.meta.ecs_id(),
        lineage_id: tick.meta.lineage_id(),
        parent_id: tick.meta.parent_id(),
        created_at: tick.meta.created_at(),
    }
}

/// Commits a tick `versions` times (its first version, then one new
/// version per commit).
async fn build_lineage(store: &Store, versions: usize) -> Lineage {
    let mut tick = Tick {
        meta: verso::Meta::new(),
        step: 0,
    };
    store.commit(&mut tick).await.expect("first tick");
    let mut middle = row_meta(&tick);
    for step in 1..versions {
        tick.step = step as i64;
        store.commit(&mut tick).await.expect("tick");
        if step == versions / 2 {
            middle = row_meta(&tick);
        }
    }
    Lineage {
        versions,
        lineage_id: tick.meta.lineage_id(),
        newest: row_meta(&tick),
        middle,
    }
}

/// The lookups measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lookup {
    Latest,
    AsOf,
    Heads,
    VersionsPage,
    OldIds,
}

const LOOKUPS: [Lookup; 5] = [
    Lookup::Latest,
    Lookup::AsOf,
    Lookup::Heads,
    Lookup::VersionsPage,
    Lookup::OldIds,
];

/// The size of a versions page.
const PAGE: u64 = 100;

impl Lookup {
    fn operation(self) -> &'static str {
        match self {
            Lookup::Latest => "latest",
            Lookup::AsOf => "as_of (the middle version's time)",
            Lookup::Heads => "heads",
            Lookup::VersionsPage => "versions_page (100 after the middle)",
            Lookup::OldIds => "old_ids (of the newest version)",
        }
    }

    /// Runs the lookup through Verso; returns what it found, as ids.
    async fn verso(self, store: &Store, lineage: &Lineage) -> Vec<Uuid> {
        let id = lineage.lineage_id;
        match self {
            Lookup::Latest => vec![store
                .latest::<Tick>(id)
                .await
                .expect("latest")
                .meta
                .ecs_id()],
            Lookup::AsOf => vec![store
                .as_of::<Tick>(id, lineage.middle.created_at)
                .await
                .expect("as_of")
                .meta
                .ecs_id()],
            Lookup::Heads => store
                .heads::<Tick>(id)
                .await
                .expect("heads")
                .iter()
                .map(|t| t.meta.ecs_id())
                .collect(),
            Lookup::VersionsPage => store
                .versions_page::<Tick>(id, Some(&lineage.middle), PAGE)
                .await
                .expect("versions_page")
                .iter()
                .map(|v| v.ecs_id)
                .collect(),
            Lookup::OldIds => store
                .old_ids::<Tick>(lineage.newest.ecs_id)
                .await
                .expect("old_ids"),
        }
    }

    /// Runs the lookup through the baseline; returns what it found, as ids.
    async fn baseline(self, baseline: &mut AnyBaseline, lineage: &Lineage) -> Vec<Uuid> {
        let id = lineage.lineage_id;
        let middle = &lineage.middle;
        match self {
            Lookup::Latest => vec![
                baseline
                    .newest_tick(id, None)
                    .await
                    .expect("latest")
                    .version
                    .ecs_id,
            ],
            Lookup::AsOf => vec![
                baseline
                    .newest_tick(id, Some(middle.created_at))
                    .await
                    .expect("as_of")
                    .version
                    .ecs_id,
            ],
            Lookup::Heads => baseline
                .tick_heads(id)
                .await
                .expect("heads")
                .iter()
                .map(|t| t.version.ecs_id)
                .collect(),
            Lookup::VersionsPage => baseline
                .tick_versions_page(id, Some((middle.created_at, middle.id)), PAGE)
                .await
                .expect("versions_page")
                .iter()
                .map(|v| v.ecs_id)
                .collect(),
            Lookup::OldIds => baseline
                .tick_old_ids(lineage.newest.ecs_id)
                .await
                .expect("old_ids"),
        }
    }
}

/// Both sides find the same versions with the same rows.
async fn check_lookups(store: &Store, baseline: &mut AnyBaseline, lineage: &Lineage) {
    for lookup in LOOKUPS {
        let v = lookup.verso(store, lineage).await;
        let b = lookup.baseline(baseline, lineage).await;
        assert_eq!(v, b, "{lookup:?} on {} versions", lineage.versions);
    }
    let id = lineage.lineage_id;
    let latest: Tick = store.latest(id).await.expect("latest");
    let plain = baseline.newest_tick(id, None).await.expect("latest");
    assert_same_tick(&latest, &plain, "latest");
    assert_eq!(latest.step as usize, lineage.versions - 1);
    let then: Tick = store
        .as_of(id, lineage.middle.created_at)
        .await
        .expect("as_of");
    let plain = baseline
        .newest_tick(id, Some(lineage.middle.created_at))
        .await
        .expect("as_of");
    assert_same_tick(&then, &plain, "as_of");
    assert_eq!(then.meta.ecs_id(), lineage.middle.ecs_id);
    let page = store
        .versions_page::<Tick>(id, Some(&lineage.middle), PAGE)
        .await
        .expect("page");
    let plain = baseline
        .tick_versions_page(
            id,
            Some((lineage.middle.created_at, lineage.middle.id)),
            PAGE,
        )
        .await
        .expect("page");
    assert_eq!(page.len(), plain.len());
    for (i, (meta, row)) in page.iter().zip(&plain).enumerate() {
        assert_same_version(meta, row, &format!("page entry {i}"));
    }
    let old = Lookup::OldIds.verso(store, lineage).await;
    assert_eq!(
        old.len(),
        lineage.versions - 1,
        "old_ids of the newest version"
    );
    assert_eq!(old.last(), lineage.newest.parent_id.as_ref());
}

/// Builds every lineage first (so every lookup runs on the same table),
/// then measures each lookup on each, Verso and the baseline alternating.
async fn lookup_case(backend: Backend, lengths: Vec<usize>) -> (Vec<Measurement>, String) {
    let name = backend.name();
    let site = Site::open(&backend, "lookups").await.expect("database");
    let setup = site.setup_store().await.expect("setup store");
    let builder = setup.as_ref().unwrap_or(&site.store);
    let mut lineages = Vec::new();
    let mut built = Vec::new();
    for &versions in &lengths {
        let (elapsed, lineage) = timed(build_lineage(builder, versions)).await;
        eprintln!(
            "{name}: a lineage of {} versions built in {:.1} s",
            thousands(versions),
            elapsed.as_secs_f64()
        );
        built.push(format!(
            "{} in {:.1} s ({:.0} µs per commit)",
            thousands(versions),
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e6 / versions as f64
        ));
        lineages.push(lineage);
    }
    drop(setup);
    let vacuumed = site.vacuum_analyze().await.expect("VACUUM ANALYZE");
    let note = format!(
        "{name} lookups: the lineages were built by one Verso commit per version{}: {}{}",
        if matches!(backend, Backend::Sqlite) {
            ""
        } else {
            " (through a second store whose connections set `synchronous_commit = off`; \
             the lookups run through an ordinary one)"
        },
        built.join(", "),
        if vacuumed {
            "; then `VACUUM ANALYZE` of the schema's tables, as autovacuum would do"
        } else {
            ""
        }
    );

    let store = &site.store;
    let mut baseline = site.baseline().await.expect("baseline");
    let (budget, most) = if harness::quick() {
        (Duration::from_millis(200), 20)
    } else {
        (Duration::from_millis(1_500), 300)
    };
    let mut out = Vec::new();
    for lineage in &lineages {
        check_lookups(store, &mut baseline, lineage).await;
        for lookup in LOOKUPS {
            let mut m = Measurement {
                backend: name,
                n: lineage.versions,
                operation: lookup.operation(),
                verso: Samples::default(),
                baseline: Samples::default(),
                verso_statements: PerOp::EMPTY,
                baseline_statements: PerOp::EMPTY,
                rows_written: None,
            };
            let started = Instant::now();
            let mut i = 0;
            // Two warm-up iterations, then at least 5 timed ones, up to
            // `most` or until the time budget is spent.
            while i < 7 || (i < most + 2 && started.elapsed() < budget) {
                let verso = async {
                    let before = store.stats();
                    let (elapsed, found) = timed(lookup.verso(store, lineage)).await;
                    drop(black_box(found));
                    (elapsed, (store.stats() - before).statements)
                };
                let hand_written = async {
                    let (before, _) = baseline.counts();
                    let (elapsed, found) = timed(lookup.baseline(&mut baseline, lineage)).await;
                    drop(black_box(found));
                    (elapsed, baseline.counts().0 - before)
                };
                let (v, b) = alternate(i, verso, hand_written).await;
                if i >= 2 {
                    m.verso.push(v.0);
                    m.verso_statements.record(v.1);
                    m.baseline.push(b.0);
                    m.baseline_statements.record(b.1);
                }
                i += 1;
            }
            eprintln!(
                "{name}, {} versions, {}: Verso {}, baseline {}",
                thousands(lineage.versions),
                lookup.operation(),
                format_duration(m.verso.median()),
                format_duration(m.baseline.median())
            );
            out.push(m);
        }
    }
    baseline.close().await;
    site.close().await;
    (out, note)
}

// ---------------------------------------------------------------- ingest

/// A new thread of `n` messages committed at once, Verso and the baseline
/// alternating in one database.
async fn ingest(backend: Backend, n: usize) -> Measurement {
    let name = backend.name();
    let site = Site::open(&backend, "ingest").await.expect("database");
    let store = &site.store;
    let mut baseline = site.baseline().await.expect("baseline");
    let (warmup, iterations) = if harness::quick() { (0, 2) } else { (1, 6) };
    let mut m = Measurement {
        backend: name,
        n,
        operation: "commit a new thread of N messages",
        verso: Samples::default(),
        baseline: Samples::default(),
        verso_statements: PerOp::EMPTY,
        baseline_statements: PerOp::EMPTY,
        rows_written: None,
    };
    let (mut verso_rows, mut baseline_rows) = (PerOp::EMPTY, PerOp::EMPTY);
    let mut last = None;
    for i in 0..warmup + iterations {
        let mut thread = ChatThread::with_messages("ingested thread", n);
        let mut plain = PlainThread::with_messages("ingested thread", n);
        let verso = async {
            let before = store.stats();
            let (elapsed, report) = timed(store.commit(&mut thread)).await;
            let report = report.expect("Verso commit");
            assert_eq!(report.created.len(), n + 1);
            (elapsed, store.stats() - before)
        };
        let hand_written = async {
            let (statements, rows) = baseline.counts();
            let (elapsed, outcome) = timed(baseline.commit_new(&mut plain)).await;
            outcome.expect("baseline commit");
            let (statements_after, rows_after) = baseline.counts();
            (elapsed, statements_after - statements, rows_after - rows)
        };
        let (v, b) = alternate(i, verso, hand_written).await;
        if i >= warmup {
            m.verso.push(v.0);
            m.verso_statements.record(v.1.statements);
            verso_rows.record(v.1.rows_written);
            m.baseline.push(b.0);
            m.baseline_statements.record(b.1);
            baseline_rows.record(b.2);
        }
        last = Some((thread, plain));
    }
    m.rows_written = Some((verso_rows, baseline_rows));

    let (thread, plain) = last.expect("at least one iteration");
    let verso_view: ChatThread = store
        .get(plain.version.ecs_id)
        .await
        .expect("Verso loads the baseline's thread");
    assert_same_thread(&verso_view, &plain);
    let baseline_view = baseline
        .load(thread.meta.ecs_id())
        .await
        .expect("the baseline loads Verso's thread");
    assert_same_thread(&thread, &baseline_view);
    let encode = baseline.entries_text();
    let children: Vec<Uuid> = thread.history.iter().map(|m| m.meta.ecs_id()).collect();
    let stored = baseline
        .stored_list(thread.meta.ecs_id())
        .await
        .expect("list");
    assert_stored_list(&stored, &children, encode, "Verso's thread");
    let stored = baseline
        .stored_list(plain.version.ecs_id)
        .await
        .expect("list");
    assert_stored_list(&stored, &plain.children(), encode, "the baseline's thread");
    for id in [thread.meta.ecs_id(), plain.version.ecs_id] {
        let changes = baseline.stored_changes(id).await.expect("changes");
        assert_eq!(changes.len(), n, "one gained child per message");
        assert!(changes.iter().all(|c| c.added));
    }
    eprintln!(
        "{name}: ingest of {}: Verso {}, baseline {}",
        thousands(n),
        format_duration(m.verso.median()),
        format_duration(m.baseline.median())
    );
    baseline.close().await;
    site.close().await;
    m
}
