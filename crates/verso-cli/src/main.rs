//! # `verso`: the history of a Verso database, at the terminal
//!
//! Reads any Verso database (SQLite file or PostgreSQL) through its
//! catalog, without the application's Rust types. `upgrade`, the one
//! command that writes, migrates a database written by an earlier storage
//! layout of Verso in place.
//!
//! ```text
//! verso --db sqlite:walkthrough.db types          entity types, lineage and version counts
//! verso --db sqlite:walkthrough.db lineages TYPE  lineages of a type, version counts, head times
//! verso --db sqlite:walkthrough.db log ID         history of a lineage, newest first
//! verso --db sqlite:walkthrough.db show ID        one version with its fields and children
//! verso --db sqlite:walkthrough.db show COMMIT    what a commit wrote, with its author and message
//! verso --db sqlite:walkthrough.db diff ID1 ID2   what changed between two versions
//! verso --db sqlite:walkthrough.db tree ID        the lineage as a graph (--format text|dot|mermaid)
//! verso --db sqlite:old.db upgrade                migrate a database of an earlier storage layout
//! ```
//!
//! `ID` is a lineage id or any version id: `log` and `tree` show the
//! version's lineage, `show` shows the newest version of a lineage, and
//! `diff` needs two versions of one lineage. A short id (the first 4 or
//! more hex digits of an id) names the one version or lineage it starts.
//! Every command takes `--json`; `log`, `lineages` and `tree` take
//! `-n/--limit N`. `verso completions bash|zsh|fish` prints a completion
//! script.
//!
//! The database is `--db URL` or the `VERSO_DATABASE_URL` environment
//! variable: `sqlite:PATH` (opened read-only, but by `upgrade`) or
//! `postgres://USER@HOST:PORT/DB`; a PostgreSQL store kept in its own schema
//! is reached with `?options[search_path]=SCHEMA`.
//!
//! Text output is coloured when standard output is a terminal (see
//! `anstream`: `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`), and goes through a
//! pager when it does not fit on the terminal, unless `--no-pager` (see
//! [`output`]).
//!
//! ## Exit codes
//!
//! * `0`: success.
//! * `1`: failure: an unknown id or type, ids that do not fit the command
//!   (a lineage where a version is needed, versions of two lineages), a
//!   database that is not a Verso database, a database that cannot be
//!   reached or read.
//! * `2`: usage error: unknown command or option, missing `--db`, malformed
//!   UUID or database URL.

mod cli;
mod commands;
mod commits;
mod database;
mod failure;
mod history;
mod id;
mod output;
mod references;
mod render;
mod resolve;

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse_checked();
    let may_page = cli.may_page();
    // Painted always; `output` keeps the colours or removes them.
    match commands::run(cli, render::Style::ansi()).await {
        Ok(text) => {
            match output::write(&text, may_page) {
                // A reader that stopped early (`verso log ID | head`) is fine.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the output: {e}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}
