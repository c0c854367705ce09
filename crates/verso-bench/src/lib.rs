//! Verso's benchmark: commits, loads and lookups through Verso against
//! hand-written SQL doing the same work through the same driver crates
//! (rusqlite for SQLite, sqlx for PostgreSQL), on the tables Verso created.
//!
//! The bench binaries are `benches/commit_load.rs` (edit one message of a
//! thread of N, load it) and `benches/growth.rs` (a thread grown turn by
//! turn, lookups on long lineages, one large ingest); run both with
//! `cargo bench -p verso-bench`; `benches/sqlite_batches.rs` compares
//! SQLite's batch insert forms; `benches/query.rs` a filtered, ordered,
//! limited query over the newest versions of up to 100,000 lineages. See `docs/performance.md`.
//!
//! Each backend is a feature (`sqlite`, `postgres`, both by default); the
//! bench binaries need at least one.

#[cfg(feature = "postgres")]
pub mod baseline_postgres;
#[cfg(feature = "sqlite")]
pub mod baseline_sqlite;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod harness;
pub mod lists;
pub mod measure;
pub mod model;
pub mod pending;
pub mod plain;
pub mod query;
pub mod report;
