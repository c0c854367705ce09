//! A typed query against the same query written by hand, on SQLite and
//! PostgreSQL: published articles scoring at least 500, the newest version
//! of each of N lineages (every tenth lineage has two versions), best
//! first, 50 per page; the first page, the page after its cursor, and the
//! count. Both sides run the same plan (a scan of the type's versions with
//! one probe of the lineage index each, then a top-N sort), so the ratio
//! is Verso's own cost: building the statement, binding, decoding and
//! assembling entities.
//!
//! ```text
//! cargo bench -p verso-bench --bench query                  # both backends
//! cargo bench -p verso-bench --bench query -- sqlite
//! ```
//!
//! Sizes: `VERSO_BENCH_QUERY_LINEAGES` (default `1000,10000,100000`);
//! `VERSO_BENCH_QUICK=1` runs fewer iterations. The tables are printed and
//! written to `target/bench-query-results.md`.

use std::time::Instant;
use verso::{Cursor, Meta, Store};
use verso_bench::harness::{self, Args, Backend, Error, Site};
use verso_bench::measure::{alternate, PerOp, Samples};
use verso_bench::query::{articles, Article, ArticleShelf, PlainArticle, MIN_SCORE};
use verso_bench::report::{markdown_table, thousands, Measurement};

const PAGE: u64 = 50;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let mut notes = Vec::new();
    let backends = harness::backends(&args, &mut notes).await;
    let sizes = harness::env_sizes("VERSO_BENCH_QUERY_LINEAGES", &[1_000, 10_000, 100_000]);
    let iterations = if harness::quick() { 3 } else { 15 };
    let mut measurements = Vec::new();
    let mut statements = Vec::new();
    for backend in &backends {
        for &n in &sizes {
            let site = Site::open(backend, &format!("query_{n}")).await?;
            build_fixture(&site, n).await?;
            let baseline = Baseline::open(&site).await?;
            measurements.extend(measure(&site, &site.store, &baseline, n, iterations).await?);
            statements.push(statements_per_page(&site, &site.store, n).await?);
            baseline.close().await;
            site.close().await;
        }
    }
    let mut report = String::from("## Typed query against hand-written SQL\n\n");
    for note in &notes {
        report.push_str(&format!("- {note}\n"));
    }
    report.push('\n');
    report.push_str(&markdown_table(&measurements));
    report.push_str("\n| backend | N | statements per page of 10 / 50 / 500 |\n|---|---:|---|\n");
    for line in &statements {
        report.push_str(line);
    }
    println!("{report}");
    let path = harness::results_path("bench-query-results.md");
    std::fs::write(&path, &report)?;
    eprintln!("written to {}", path.display());
    Ok(())
}

/// `n` articles in one commit, then every tenth edited in a second one.
async fn build_fixture(site: &Site, n: usize) -> Result<(), Error> {
    let setup = site.setup_store().await?;
    let store = setup.as_ref().unwrap_or(&site.store);
    let mut shelf = ArticleShelf {
        meta: Meta::new(),
        articles: articles(n),
    };
    store.commit(&mut shelf).await?;
    for article in shelf.articles.iter_mut().step_by(10) {
        article.title.push_str(" (edited)");
        article.score = (article.score + 250) % 1000;
    }
    store.commit(&mut shelf).await?;
    site.vacuum_analyze().await?;
    Ok(())
}

/// The typed query of the benchmark.
fn verso_query(store: &Store, limit: u64, after: Option<Cursor>) -> verso::Query<'_, Article> {
    let f = Article::FIELDS;
    let query = store
        .query::<Article>()
        .filter(f.published.eq(true) & f.score.ge(MIN_SCORE))
        .order_by(f.score.desc())
        .limit(limit);
    match after {
        Some(cursor) => query.after(cursor),
        None => query,
    }
}

async fn measure(
    site: &Site,
    store: &Store,
    baseline: &Baseline,
    n: usize,
    iterations: usize,
) -> Result<Vec<Measurement>, Error> {
    // Both sides select the same versions.
    let first = verso_query(store, PAGE, None).page().await?;
    let plain_first = baseline.page(PAGE as i64, None).await?;
    assert_same(&first.items, &plain_first);
    let cursor = first.next.clone().expect("a full first page");
    let plain_cursor = plain_first.last().map(|a| (a.score, a.id));
    let second = verso_query(store, PAGE, Some(cursor.clone()))
        .fetch()
        .await?;
    assert_same(&second, &baseline.page(PAGE as i64, plain_cursor).await?);
    let count = verso_query(store, PAGE, None).count().await?;
    assert_eq!(count as i64, baseline.count().await?, "counts differ");

    let backend = site.backend.name();
    let mut out = Vec::new();
    for operation in ["first page of 50", "page after a cursor", "count"] {
        let mut m = Measurement {
            backend,
            n,
            operation,
            verso: Samples::default(),
            baseline: Samples::default(),
            verso_statements: PerOp::EMPTY,
            baseline_statements: PerOp::EMPTY,
            rows_written: None,
        };
        for turn in 0..iterations + 1 {
            let before = store.stats();
            let verso_side = async {
                let start = Instant::now();
                match operation {
                    "first page of 50" => drop(verso_query(store, PAGE, None).fetch().await?),
                    "page after a cursor" => drop(
                        verso_query(store, PAGE, Some(cursor.clone()))
                            .fetch()
                            .await?,
                    ),
                    _ => drop(verso_query(store, PAGE, None).count().await?),
                }
                Ok::<_, Error>(start.elapsed())
            };
            let baseline_side = async {
                let start = Instant::now();
                match operation {
                    "first page of 50" => drop(baseline.page(PAGE as i64, None).await?),
                    "page after a cursor" => drop(baseline.page(PAGE as i64, plain_cursor).await?),
                    _ => drop(baseline.count().await?),
                }
                Ok::<_, Error>(start.elapsed())
            };
            let (verso_time, baseline_time) = alternate(turn, verso_side, baseline_side).await;
            let (verso_time, baseline_time) = (verso_time?, baseline_time?);
            let spent = store.stats() - before;
            if turn == 0 {
                continue; // warm-up
            }
            m.verso.push(verso_time);
            m.baseline.push(baseline_time);
            m.verso_statements.record(spent.statements);
            m.baseline_statements.record(1);
        }
        out.push(m);
    }
    Ok(out)
}

/// Verso's statements for one page of 10, 50 and 500.
async fn statements_per_page(site: &Site, store: &Store, n: usize) -> Result<String, Error> {
    let mut counts = Vec::new();
    for limit in [10, 50, 500] {
        let before = store.stats();
        verso_query(store, limit, None).fetch().await?;
        counts.push((store.stats() - before).statements.to_string());
    }
    Ok(format!(
        "| {} | {} | {} |\n",
        site.backend.name(),
        thousands(n),
        counts.join(" / ")
    ))
}

fn assert_same(verso: &[Article], plain: &[PlainArticle]) {
    let verso: Vec<_> = verso
        .iter()
        .map(|a| (a.meta.ecs_id(), a.score, a.title.clone()))
        .collect();
    let plain: Vec<_> = plain
        .iter()
        .map(|a| (a.ecs_id, a.score, a.title.clone()))
        .collect();
    assert_eq!(verso, plain, "Verso and the hand-written query disagree");
}

/// The hand-written side, on the site's database.
enum Baseline {
    #[cfg(feature = "sqlite")]
    Sqlite(std::sync::Mutex<rusqlite::Connection>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

impl Baseline {
    async fn open(site: &Site) -> Result<Baseline, Error> {
        match &site.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => {
                let path = site.sqlite_path().expect("a SQLite site has a file");
                Ok(Baseline::Sqlite(std::sync::Mutex::new(
                    rusqlite::Connection::open(path)?,
                )))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => {
                let (url, schema) = site.postgres_schema().expect("a PostgreSQL site");
                let settings = verso_bench::baseline_postgres::session_settings();
                Ok(Baseline::Postgres(
                    verso_bench::baseline_postgres::schema_pool(url, schema, &settings, 1).await?,
                ))
            }
            #[allow(unreachable_patterns)]
            other => Err(format!("{} is not built in", other.name()).into()),
        }
    }

    async fn page(
        &self,
        limit: i64,
        after: Option<(i64, i64)>,
    ) -> Result<Vec<PlainArticle>, Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Baseline::Sqlite(conn) => Ok(verso_bench::query::sqlite::page(
                &conn.lock().unwrap(),
                limit,
                after,
            )?),
            #[cfg(feature = "postgres")]
            Baseline::Postgres(pool) => {
                Ok(verso_bench::query::postgres::page(pool, limit, after).await?)
            }
        }
    }

    async fn count(&self) -> Result<i64, Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Baseline::Sqlite(conn) => Ok(verso_bench::query::sqlite::count(&conn.lock().unwrap())?),
            #[cfg(feature = "postgres")]
            Baseline::Postgres(pool) => Ok(verso_bench::query::postgres::count(pool).await?),
        }
    }

    async fn close(self) {
        match self {
            #[cfg(feature = "sqlite")]
            Baseline::Sqlite(conn) => drop(conn),
            #[cfg(feature = "postgres")]
            Baseline::Postgres(pool) => pool.close().await,
        }
    }
}
