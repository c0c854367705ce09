//! The command line: commands, options and their validation.

use crate::id::IdArg;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The exit codes, shown at the end of `--help`.
const EXIT_CODES: &str = "\
IDs:
  An ID is a lineage id or any version id: log and tree show the version's
  lineage, show shows the newest version of a lineage, diff needs two
  versions of one lineage. A short id, the first 4 or more hex digits of an
  id (dashes optional), names the one version or lineage it starts.

Output:
  Long text output goes through a pager on a terminal: $VERSO_PAGER, else
  $PAGER, else `less` (with LESS=FRX unless LESS is set); --no-pager or an
  empty pager turns it off. Colours follow NO_COLOR, CLICOLOR and
  CLICOLOR_FORCE.

Exit codes:
  0  success
  1  failure: unknown id or type, ids that do not fit the command, not a
     Verso database, database unreachable or unreadable
  2  usage error: unknown command or option, missing --db, malformed UUID
     or database URL";

/// Read the history of a Verso database: its types, lineages, version
/// logs, diffs and version trees, without the application's Rust types;
/// upgrade a database written by an earlier version of Verso.
#[derive(Debug, Parser)]
#[command(name = "verso", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// The database: a file path or sqlite:PATH (read-only but for upgrade), or postgres://USER@HOST:PORT/DB
    /// (add ?options[search_path]=SCHEMA for a store kept in a schema).
    #[arg(long, global = true, env = "VERSO_DATABASE_URL", hide_env_values = true, value_name = "URL",
          value_parser = parse_database_url)]
    pub db: Option<DatabaseUrl>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never send the output through a pager.
    #[arg(long, global = true)]
    pub no_pager: bool,
    /// What to show.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the entity types, with their numbers of lineages and versions.
    Types,
    /// List the lineages of a type, with their version counts and head times.
    Lineages {
        /// An entity type name, as `verso types` lists them.
        #[arg(value_name = "TYPE")]
        type_name: String,
        #[command(flatten)]
        limit: Limit,
    },
    /// Show the history of a lineage, newest first: each version with the
    /// commit that wrote it (id, author, message), its parent, time and
    /// what changed.
    Log {
        /// A lineage id or any version id of the lineage (or a short id).
        #[arg(value_parser = IdArg::parse)]
        id: IdArg,
        #[command(flatten)]
        limit: Limit,
    },
    /// Show one version with its fields and its children, as a tree; or one
    /// commit with its author, message and the versions it wrote.
    Show {
        /// A version id, a lineage id for its newest version (or a short
        /// id), or the whole id of a commit.
        #[arg(value_parser = IdArg::parse)]
        id: IdArg,
    },
    /// Show what changed between two versions of one lineage.
    Diff {
        /// The version to compare from (or a short id).
        #[arg(value_parser = IdArg::parse)]
        old: IdArg,
        /// The version to compare to (or a short id).
        #[arg(value_parser = IdArg::parse)]
        new: IdArg,
    },
    /// Draw a lineage as a graph of versions, branches included.
    Tree {
        /// A lineage id or any version id of the lineage (or a short id).
        #[arg(value_parser = IdArg::parse)]
        id: IdArg,
        /// text: drawn like `git log --graph`; dot: Graphviz; mermaid: Mermaid.
        #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
        #[command(flatten)]
        limit: Limit,
    },
    /// Migrate a database written by an earlier storage layout of Verso to
    /// the current one, in place and in one transaction, keeping every
    /// version; a database already in the current layout is left as it is.
    /// The only command that writes.
    Upgrade,
    /// Print a completion script for a shell, e.g.
    /// `verso completions bash > ~/.local/share/bash-completion/completions/verso`.
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// `-n/--limit N`: how many entries a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Limit {
    /// Show only the first N entries (log and tree: the N newest versions).
    #[arg(short = 'n', long = "limit", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

impl Limit {
    /// The first entries of `items` this limit keeps.
    pub fn first<T>(self, items: &[T]) -> &[T] {
        &items[..self.count(items.len())]
    }

    /// How many of `total` entries this limit keeps.
    pub fn count(self, total: usize) -> usize {
        self.limit.map_or(total, |n| {
            total.min(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }
}

/// The shells `verso completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

/// The formats of `verso tree`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    /// A graph drawn with text, newest version first.
    Text,
    /// Graphviz `dot` source.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server (the whole URL).
    Postgres(String),
}

fn parse_database_url(url: &str) -> Result<DatabaseUrl, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(url.to_string()));
    }
    match url.strip_prefix("sqlite:") {
        Some(path) => {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                Err("sqlite: needs the path of a database file".into())
            } else {
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
            }
        }
        // A bare path names an SQLite file; another scheme is refused.
        None if url.contains("://") || url.is_empty() || url == "memory:" => {
            Err("use a file path, sqlite:PATH or postgres://USER@HOST:PORT/DB".into())
        }
        None => Ok(DatabaseUrl::Sqlite(PathBuf::from(url))),
    }
}

impl Cli {
    /// The command line, checked; exits with code 2 and clap's usage message
    /// on a usage error.
    pub fn parse_checked() -> Cli {
        let cli = Cli::parse();
        let fail = |kind, message: &str| Cli::command().error(kind, message).exit();
        if cli.db.is_none() && cli.needs_a_database() {
            fail(
                ErrorKind::MissingRequiredArgument,
                "no database: pass --db URL or set VERSO_DATABASE_URL",
            );
        }
        if let Command::Tree { format, .. } = cli.command {
            if cli.json && format != TreeFormat::Text {
                fail(
                    ErrorKind::ArgumentConflict,
                    "--json and --format cannot be combined",
                );
            }
        }
        cli
    }

    /// Whether the command reads or writes a database (all but
    /// `completions`).
    pub fn needs_a_database(&self) -> bool {
        !matches!(self.command, Command::Completions { .. })
    }

    /// Whether the output may go through a pager: text of a command that
    /// reads the database, unless `--no-pager`.
    pub fn may_page(&self) -> bool {
        !self.no_pager && self.needs_a_database()
    }

    /// The database URL (present after [`parse_checked`](Self::parse_checked)).
    pub fn database(&self) -> &DatabaseUrl {
        self.db.as_ref().expect("checked by parse_checked")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            parse_database_url("sqlite:a/b.db"),
            Ok(DatabaseUrl::Sqlite("a/b.db".into()))
        );
        assert_eq!(
            parse_database_url("sqlite:///tmp/x.db"),
            Ok(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert!(parse_database_url("postgresql://u@h/db").is_ok());
        assert!(parse_database_url("sqlite::memory:").is_err());
        assert!(parse_database_url("mysql://h/db").is_err());
        assert_eq!(
            parse_database_url("walkthrough.db"),
            Ok(DatabaseUrl::Sqlite("walkthrough.db".into())),
            "a bare path is an SQLite file"
        );
        assert!(parse_database_url("memory:").is_err());
    }

    #[test]
    fn a_limit_keeps_the_first_entries() {
        let none = Limit { limit: None };
        let two = Limit { limit: Some(2) };
        assert_eq!(none.first(&[1, 2, 3]), [1, 2, 3]);
        assert_eq!(two.first(&[1, 2, 3]), [1, 2]);
        assert_eq!(two.first(&[1]), [1]);
        assert_eq!(
            Limit {
                limit: Some(u64::MAX)
            }
            .count(5),
            5
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
