//! How SQLite takes a batch of rows fastest, through rusqlite: the whole
//! batch as one JSON text parameter read back with `json_each` and
//! `value->>N` (Verso's first batch path), bound multi-row `VALUES` (its
//! path now), or one prepared single-row insert per row.
//!
//! `cargo bench -p verso-bench --bench sqlite_batches`

use rusqlite::{params_from_iter, Connection};
use std::time::{Duration, Instant};

const COLUMNS: &str = "ecs_id, lineage_id, parent_id, created_at, role, content, parent_message";

fn table() -> Connection {
    let conn = Connection::open_in_memory().expect("an in-memory database");
    conn.execute_batch(
        "CREATE TABLE m (id INTEGER PRIMARY KEY, ecs_id TEXT NOT NULL, lineage_id TEXT NOT NULL, \
         parent_id TEXT, created_at TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, \
         parent_message TEXT); \
         CREATE UNIQUE INDEX m_ecs_id ON m (ecs_id); \
         CREATE INDEX m_lineage ON m (lineage_id, created_at, id);",
    )
    .expect("the table");
    conn
}

/// Rows of five text values (the other two columns are NULL).
fn rows(n: usize) -> Vec<[String; 5]> {
    (0..n)
        .map(|i| {
            [
                uuid::Uuid::now_v7().to_string(),
                uuid::Uuid::now_v7().to_string(),
                "2026-12-01T10:00:00.000000Z".into(),
                "user".into(),
                format!("message number {i}, a line of text"),
            ]
        })
        .collect()
}

fn json(conn: &Connection, rows: &[[String; 5]]) {
    let batch: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!([r[0], r[1], null, r[2], r[3], r[4], null]))
        .collect();
    let picks = (0..7)
        .map(|i| format!("value->>{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO m ({COLUMNS}) SELECT {picks} FROM json_each(?1)");
    let text = serde_json::Value::Array(batch).to_string();
    conn.prepare_cached(&sql).unwrap().execute([text]).unwrap();
}

fn values(conn: &Connection, rows: &[[String; 5]]) {
    for part in rows.chunks(500) {
        let row = "(?, ?, NULL, ?, ?, ?, NULL)";
        let sql = format!(
            "INSERT INTO m ({COLUMNS}) VALUES {}",
            vec![row; part.len()].join(", ")
        );
        let mut statement = conn.prepare_cached(&sql).unwrap();
        statement
            .execute(params_from_iter(part.iter().flatten()))
            .unwrap();
    }
}

fn row_by_row(conn: &Connection, rows: &[[String; 5]]) {
    let sql = format!("INSERT INTO m ({COLUMNS}) VALUES (?1, ?2, NULL, ?3, ?4, ?5, NULL)");
    let mut statement = conn.prepare_cached(&sql).unwrap();
    for row in rows {
        statement.execute(params_from_iter(row.iter())).unwrap();
    }
}

/// Median time of `insert` over fresh tables, statements prepared once
/// beforehand.
fn median(n: usize, insert: fn(&Connection, &[[String; 5]])) -> Duration {
    let rounds = if n >= 10_000 { 7 } else { 31 };
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let conn = table();
            insert(&conn, &rows(n)); // prepares the statements
            conn.execute_batch("DELETE FROM m").unwrap();
            let data = rows(n);
            let start = Instant::now();
            conn.execute_batch("BEGIN").unwrap();
            insert(&conn, &data);
            conn.execute_batch("COMMIT").unwrap();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("| rows | JSON parameter | bound VALUES (500 rows a statement) | row by row | JSON / VALUES |");
    println!("|---:|---:|---:|---:|---:|");
    for n in [10, 1_000, 10_000] {
        let (j, v, r) = (median(n, json), median(n, values), median(n, row_by_row));
        println!(
            "| {n} | {j:.1?} | {v:.1?} | {r:.1?} | {:.2}× |",
            j.as_secs_f64() / v.as_secs_f64()
        );
    }
}
