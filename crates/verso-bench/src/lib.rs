//! Verso's benchmark: commit and load through Verso against hand-written SQL
//! doing the same work through the same driver crates (rusqlite for SQLite,
//! sqlx for PostgreSQL), on the tables Verso created.
//!
//! The bench binary is `benches/commit_load.rs`; run it with
//! `cargo bench -p verso-bench`. See `docs/performance.md`.

pub mod baseline_postgres;
pub mod baseline_sqlite;
pub mod measure;
pub mod model;
pub mod plain;
pub mod report;
