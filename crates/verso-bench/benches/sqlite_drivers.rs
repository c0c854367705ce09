//! Why the SQLite driver is built on rusqlite: the cost of one statement
//! through rusqlite and through sqlx's SQLite driver, same database
//! settings (file, WAL, `synchronous=NORMAL`), same statements.
//!
//! ```text
//! cargo bench -p verso-bench --features sqlx-sqlite --bench sqlite_drivers
//! ```

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::path::PathBuf;
use std::time::Instant;

const STATEMENTS: usize = 20_000;

fn fresh(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("verso-bench-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn per_statement(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e6 / STATEMENTS as f64
}

fn rusqlite_costs(path: &PathBuf) -> (f64, f64) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
         CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
    )
    .expect("schema");
    conn.execute_batch("BEGIN").expect("begin");
    let started = Instant::now();
    {
        let mut insert = conn
            .prepare_cached("INSERT INTO t (v) VALUES (?1)")
            .expect("prepare");
        for i in 0..STATEMENTS {
            insert.execute([format!("value {i}")]).expect("insert");
        }
    }
    let insert = per_statement(started);
    conn.execute_batch("COMMIT").expect("commit");
    let started = Instant::now();
    for i in 0..STATEMENTS {
        let _: i64 = conn
            .query_row("SELECT id FROM t WHERE id = ?1", [i as i64 + 1], |row| {
                row.get(0)
            })
            .expect("select");
    }
    (insert, per_statement(started))
}

async fn sqlx_costs(path: &PathBuf) -> (f64, f64) {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await
        .expect("open");
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("schema");
    let mut tx = conn.begin().await.expect("begin");
    let started = Instant::now();
    for i in 0..STATEMENTS {
        sqlx::query("INSERT INTO t (v) VALUES (?1)")
            .bind(format!("value {i}"))
            .execute(&mut *tx)
            .await
            .expect("insert");
    }
    let insert = per_statement(started);
    tx.commit().await.expect("commit");
    let started = Instant::now();
    for i in 0..STATEMENTS {
        let _: (i64,) = sqlx::query_as("SELECT id FROM t WHERE id = ?1")
            .bind(i as i64 + 1)
            .fetch_one(&mut conn)
            .await
            .expect("select");
    }
    (insert, per_statement(started))
}

#[tokio::main]
async fn main() {
    let (rusqlite_path, sqlx_path) = (fresh("rusqlite"), fresh("sqlx"));
    let (r_insert, r_select) = rusqlite_costs(&rusqlite_path);
    let (s_insert, s_select) = sqlx_costs(&sqlx_path).await;
    println!("{STATEMENTS} statements each, microseconds per statement:\n");
    println!("| statement | rusqlite | sqlx (SQLite) | sqlx / rusqlite |");
    println!("|---|---:|---:|---:|");
    println!(
        "| insert (prepared, in a transaction) | {r_insert:.2} | {s_insert:.2} | {:.1}x |",
        s_insert / r_insert
    );
    println!(
        "| select one row by key | {r_select:.2} | {s_select:.2} | {:.1}x |",
        s_select / r_select
    );
    for path in [rusqlite_path, sqlx_path] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
