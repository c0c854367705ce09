//! The jobs a worker process can be given, as command-line arguments the
//! parent writes and the worker parses with the same definitions.

use crate::target::Target;
use std::path::PathBuf;

/// Where the worker writes.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// SQLite database file.
    #[arg(long)]
    pub sqlite: Option<PathBuf>,
    /// PostgreSQL server URL (with --schema).
    #[arg(long)]
    pub postgres: Option<String>,
    /// PostgreSQL schema holding the tables.
    #[arg(long)]
    pub schema: Option<String>,
}

impl TargetArgs {
    /// The target these arguments name.
    pub fn target(&self) -> Result<Target, String> {
        Target::from_args(
            self.sqlite.clone(),
            self.postgres.clone(),
            self.schema.clone(),
        )
    }
}

/// A job for a worker process.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Job {
    /// One writer of the concurrency part.
    Concurrency {
        #[command(flatten)]
        /// Where to write.
        target: TargetArgs,
        /// This writer's number.
        #[arg(long)]
        writer: i64,
        /// Commits to make.
        #[arg(long)]
        commits: u64,
        /// The shared lineage to append to with `commit_on_head`; without
        /// it the writer makes lineages of its own.
        #[arg(long)]
        shared: Option<uuid::Uuid>,
    },
    /// The committing child of the crash part: commits ever larger trees
    /// until it is killed.
    Crash {
        #[command(flatten)]
        /// Where to write.
        target: TargetArgs,
        /// Messages in the first version.
        #[arg(long)]
        initial: i64,
        /// Messages appended by each later commit.
        #[arg(long)]
        append: i64,
        /// Length of each message body.
        #[arg(long)]
        padding: usize,
    },
}

/// The arguments (after `worker`) that give `target` and a job to a worker.
pub fn args(subcommand: &str, target: &Target, options: &[(&str, String)]) -> Vec<String> {
    let mut args = vec![subcommand.to_string()];
    args.extend(target.to_args());
    for (name, value) in options {
        args.push(format!("--{name}"));
        args.push(value.clone());
    }
    args
}
