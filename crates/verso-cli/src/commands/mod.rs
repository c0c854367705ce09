//! One module per command; each returns the whole output as text.

mod completions;
mod diff;
mod lineages;
mod log;
mod show;
mod tree;
mod types;
mod upgrade;

use crate::cli::{Cli, Command};
use crate::database::Database;
use crate::failure::Failure;
use crate::render::Style;

/// Runs the command the command line names, on the database it names.
pub async fn run(cli: Cli, style: Style) -> Result<String, Failure> {
    let json = cli.json;
    if let Command::Completions { shell } = cli.command {
        return Ok(completions::script(shell));
    }
    if let Command::Upgrade = cli.command {
        // The one command that writes, and that must work on a database
        // the others cannot read yet.
        return upgrade::run(cli.database(), json, style).await;
    }
    let database = Database::open(cli.database()).await?;
    match cli.command {
        Command::Upgrade | Command::Completions { .. } => unreachable!("run above"),
        Command::Types => types::run(&database, json, style).await,
        Command::Lineages { type_name, limit } => {
            lineages::run(&database, &type_name, limit, json, style).await
        }
        Command::Log { id, limit } => log::run(&database, &id, limit, json, style).await,
        Command::Show { id } => show::run(&database, &id, json, style).await,
        Command::Diff { old, new } => diff::run(&database, &old, &new, json, style).await,
        Command::Tree { id, format, limit } => {
            tree::run(&database, &id, format, limit, json, style).await
        }
    }
}
