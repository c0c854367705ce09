//! # Verso
//!
//! A versioned entity ORM. Derive [`Entity`] on plain structs, [`commit`](Store::commit)
//! them, and every change becomes a new immutable version linked to its
//! lineage: unchanged children are shared between versions, changes in a
//! child propagate to every parent, and any past version can be read back
//! whole.
//!
//! ```
//! use verso::{Entity, Meta, Store};
//!
//! #[derive(Clone, Debug, Entity)]
//! struct ChatMessage {
//!     meta: Meta,
//!     role: String,
//!     content: String,
//! }
//!
//! #[derive(Clone, Debug, Entity)]
//! struct ChatThread {
//!     meta: Meta,
//!     name: String,
//!     #[verso(child)]
//!     history: Vec<ChatMessage>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> verso::Result<()> {
//! let store = Store::open("sqlite::memory:").await?;
//! let mut thread = ChatThread {
//!     meta: Meta::new(),
//!     name: "Test Thread".into(),
//!     history: vec![ChatMessage { meta: Meta::new(), role: "user".into(), content: "Hello".into() }],
//! };
//! store.commit(&mut thread).await?;
//! let first = thread.meta.ecs_id();
//!
//! thread.history[0].content = "Hello, world!".into();
//! let report = store.commit(&mut thread).await?;
//! assert_eq!(report.forked.len(), 2); // the message and its thread
//!
//! let old: ChatThread = store.get(first).await?;
//! assert_eq!(old.history[0].content, "Hello");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod commit_set;
mod commits;
mod history;
mod lineage;
mod open;
mod query;
mod read;
mod references;
mod store;
mod trace;
mod traced;
mod transaction;
mod upgrade;

pub use commit_set::CommitSet;
pub use lineage::Versions;
pub use query::{Page, Query};
pub use store::Store;
pub use trace::Edited;
pub use transaction::Transaction;
pub use verso_core::*;
pub use verso_derive::{Entity, Field};

pub use chrono::{DateTime, Utc};
pub use uuid::Uuid;

/// The backends, for building a [`Store`] from a configured driver.
pub mod drivers {
    pub use verso_memory::MemoryDriver;
    #[cfg(feature = "postgres")]
    pub use verso_postgres::{PostgresDriver, PostgresOptions};
    #[cfg(feature = "sqlite")]
    pub use verso_sqlite::{SqliteDriver, SqliteOptions, Synchronous};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
