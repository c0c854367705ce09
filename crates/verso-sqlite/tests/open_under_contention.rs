//! Opening a database file another connection holds locked waits for the
//! lock as long as commits do (10 s), instead of failing with "database is
//! locked" after SQLite's default 5 s (issue 10, defect 4: one of 8
//! processes opening a file others were committing to failed so).

use std::time::Duration;
use verso_sqlite::SqliteDriver;

#[test]
fn opening_a_locked_file_waits_for_the_lock() {
    let path = std::env::temp_dir().join(format!("verso-open-{}.db", uuid::Uuid::new_v4()));
    // A database in rollback-journal mode, exclusively locked by another
    // connection: switching it to WAL needs that lock.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
        .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(6));
        holder.execute_batch("COMMIT").unwrap();
    });
    let opened = SqliteDriver::open(&path);
    release.join().unwrap();
    assert!(opened.is_ok(), "{:?}", opened.err());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
