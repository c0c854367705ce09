//! The storage of commit metadata: one row per commit in [`COMMITS_TABLE`],
//! one link per version it wrote in [`COMMIT_VERSIONS_TABLE`], written in
//! the commit's own transaction, and the three lookups by commit and by
//! lineage.
//!
//! The links live in a table of their own rather than in a column of every
//! entity table: existing databases gain them by `CREATE TABLE IF NOT
//! EXISTS` alone (no `ALTER TABLE` of the user's tables, no column name
//! taken from the user's fields), and "what did this commit write" is one
//! indexed statement however many types the store holds.

use crate::writes::{Cell, CellType, Write, WriteAction};
use crate::Dialect;
use verso_core::{ColumnType, CommitPlan};

/// One row per commit: id, time, author, message, key/values (JSON text).
pub const COMMITS_TABLE: &str = "verso_commits";
/// One row per version a commit wrote: the version, its commit, its type
/// and lineage, and its place in the commit.
pub const COMMIT_VERSIONS_TABLE: &str = "verso_commit_versions";

/// The columns [`commit_record`] returns, in order (and [`lineage_commits`]
/// after the version's id).
pub const COMMIT_COLUMNS: &str = "commit_id, created_at, author, message, meta";

/// `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX IF NOT EXISTS` for the
/// commit tables, each justified by the statement that reads it.
pub fn commit_tables(d: &impl Dialect) -> Vec<String> {
    let uuid = d.column_type(ColumnType::Uuid);
    let text = d.column_type(ColumnType::Text);
    let int = d.column_type(ColumnType::Int);
    let time = d.column_type(ColumnType::Timestamp);
    let keyed = d.keyed_table_suffix();
    vec![
        // Keyed by id: commit_record, and the join of lineage_commits.
        format!(
            "CREATE TABLE IF NOT EXISTS {COMMITS_TABLE} (commit_id {uuid} NOT NULL PRIMARY KEY, \
             created_at {time} NOT NULL, author {text}, message {text}, meta {text} NOT NULL)"
        ),
        // Keyed by version: each version is written by one commit.
        format!(
            "CREATE TABLE IF NOT EXISTS {COMMIT_VERSIONS_TABLE} (ecs_id {uuid} NOT NULL \
             PRIMARY KEY, commit_id {uuid} NOT NULL, type_name {text} NOT NULL, \
             lineage_id {uuid} NOT NULL, position {int} NOT NULL){keyed}"
        ),
        // commit_versions: what one commit wrote, in order.
        format!(
            "CREATE INDEX IF NOT EXISTS {COMMIT_VERSIONS_TABLE}_commit_idx \
             ON {COMMIT_VERSIONS_TABLE} (commit_id, position)"
        ),
        // lineage_commits: the commits of one lineage.
        format!(
            "CREATE INDEX IF NOT EXISTS {COMMIT_VERSIONS_TABLE}_lineage_idx \
             ON {COMMIT_VERSIONS_TABLE} (lineage_id, commit_id)"
        ),
    ]
}

/// The commit row of `plan` and the link of each of its versions, in that
/// order; none for a plan without a commit row (a hand-built plan).
pub fn commit_writes(plan: &CommitPlan) -> Vec<Write<'_>> {
    let Some(commit) = &plan.commit else {
        return Vec::new();
    };
    let uuid = CellType::Column(ColumnType::Uuid);
    let text = CellType::Column(ColumnType::Text);
    let mut row = Write::new(
        COMMITS_TABLE,
        vec![
            ("commit_id", uuid),
            ("created_at", CellType::Column(ColumnType::Timestamp)),
            ("author", text),
            ("message", text),
            ("meta", text),
        ],
        WriteAction::Insert,
    );
    row.push([
        Cell::Uuid(commit.id),
        Cell::Timestamp(commit.created_at),
        optional(&commit.author),
        optional(&commit.message),
        Cell::Text(&commit.meta_json),
    ]);
    let mut links = Write::new(
        COMMIT_VERSIONS_TABLE,
        vec![
            ("ecs_id", uuid),
            ("commit_id", uuid),
            ("type_name", text),
            ("lineage_id", uuid),
            ("position", CellType::Column(ColumnType::Int)),
        ],
        WriteAction::Insert,
    );
    let versions = plan
        .batches
        .iter()
        .flat_map(|b| b.rows.iter().map(move |r| (b.entity_type.name, r)));
    for (position, (type_name, version)) in versions.enumerate() {
        links.push([
            Cell::Uuid(version.ecs_id),
            Cell::Uuid(commit.id),
            Cell::Text(type_name),
            Cell::Uuid(version.lineage_id),
            Cell::Int(position as i64),
        ]);
    }
    vec![row, links]
}

/// The cell of an optional text.
fn optional(text: &Option<String>) -> Cell<'_> {
    text.as_deref().map_or(Cell::Null, Cell::Text)
}

/// The commit whose id is bound as parameter 1: [`COMMIT_COLUMNS`].
pub fn commit_record(d: &impl Dialect) -> String {
    format!(
        "SELECT {COMMIT_COLUMNS} FROM {COMMITS_TABLE} WHERE commit_id = {}",
        d.param(1)
    )
}

/// The versions the commit bound as parameter 1 wrote, in its order:
/// `commit_id, type_name, ecs_id, lineage_id`.
pub fn commit_versions(d: &impl Dialect) -> String {
    format!(
        "SELECT commit_id, type_name, ecs_id, lineage_id FROM {COMMIT_VERSIONS_TABLE} \
         WHERE commit_id = {} ORDER BY position",
        d.param(1)
    )
}

/// The versions of the lineage bound as parameter 1 with the commits that
/// wrote them, oldest commit first: `ecs_id`, then [`COMMIT_COLUMNS`].
pub fn lineage_commits(d: &impl Dialect) -> String {
    format!(
        "SELECT l.ecs_id, c.commit_id, c.created_at, c.author, c.message, c.meta \
         FROM {COMMIT_VERSIONS_TABLE} AS l JOIN {COMMITS_TABLE} AS c \
         ON c.commit_id = l.commit_id WHERE l.lineage_id = {} \
         ORDER BY c.created_at, c.commit_id, l.position",
        d.param(1)
    )
}
