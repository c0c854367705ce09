//! Verso's reliability suite (issue 10): what a store keeps when many
//! writers commit at once, when a writer is killed mid-commit, and when the
//! database connection is lost.
//!
//! Each part is a module run at two sizes from the same code: small by the
//! integration tests in `tests/` (part of `cargo test --workspace`), large
//! by `cargo run -p verso-reliability --release -- soak`, which prints the
//! figures of `docs/reliability.md`.
//!
//! * [`concurrency`]: N writers × M commits, as tasks or processes, on own
//!   lineages or one shared lineage (`commit_on_head` with retries);
//! * [`crash`]: a child committing large trees, killed with SIGKILL;
//! * [`connection_loss`]: a private PostgreSQL server restarted under
//!   running writers.
//!
//! Every part records each acknowledged commit ([`event::Ack`]) and checks
//! afterwards ([`verify`]) that it reads back exactly, and that nothing
//! partial is visible.

#![warn(missing_docs)]

pub mod child;
pub mod concurrency;
pub mod connection_loss;
pub mod crash;
pub mod event;
pub mod jobs;
pub mod model;
pub mod pg_server;
pub mod report;
pub mod retry;
pub mod target;
pub mod verify;

use std::time::Duration;

/// A random duration between zero and `max`.
pub fn random_duration(max: Duration) -> Duration {
    let nanos = max.as_nanos().max(1);
    let random = uuid::Uuid::new_v4().as_u128() % nanos;
    Duration::from_nanos(random as u64)
}
