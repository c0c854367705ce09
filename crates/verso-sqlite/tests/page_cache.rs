//! This workspace builds the bundled SQLite without
//! `SQLITE_ENABLE_MEMORY_MANAGEMENT` (`.cargo/config.toml`): with it, the
//! connections of a process share one page cache, and a store's reader
//! connections starve one another (docs/performance.md, "SQLite
//! connections that starve").

#[test]
fn the_bundled_sqlite_gives_each_connection_its_own_page_cache() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let options: Vec<String> = conn
        .prepare("PRAGMA compile_options")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(
        options.iter().any(|o| o == "THREADSAFE=1"),
        "compile options are readable: {options:?}"
    );
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "SQLite was built with ENABLE_MEMORY_MANAGEMENT: is LIBSQLITE3_FLAGS of \
         .cargo/config.toml set? {options:?}"
    );
}
