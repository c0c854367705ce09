//! One module per command; each returns the whole output as text.

mod diff;
mod lineages;
mod log;
mod show;
mod tree;
mod types;

use crate::cli::{Cli, Command};
use crate::database::Database;
use crate::failure::Failure;
use crate::render::Style;

/// Runs the command the command line names, on the database it names.
pub async fn run(cli: Cli, style: Style) -> Result<String, Failure> {
    let database = Database::open(cli.database()).await?;
    let json = cli.json;
    match cli.command {
        Command::Types => types::run(&database, json, style).await,
        Command::Lineages { type_name } => lineages::run(&database, &type_name, json, style).await,
        Command::Log { id } => log::run(&database, id, json, style).await,
        Command::Show { id } => show::run(&database, id, json, style).await,
        Command::Diff { old, new } => diff::run(&database, old, new, json, style).await,
        Command::Tree { id, format } => tree::run(&database, id, format, json, style).await,
    }
}
