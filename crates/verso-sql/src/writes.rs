//! What a commit writes, table by table and in order: one description of
//! the rows, which each SQL driver only encodes and sends (bound `VALUES`
//! on SQLite, one array per column on PostgreSQL).
//!
//! The order is the order of the statements: the versions of each entity
//! table, then the commit's row and its links to them
//! ([`crate::commits`]), the lists, the new chunks, the list changes, the replaced
//! heads and the new heads. A write with no rows is left out.

use crate::layout::VERSION_COLUMNS;
use crate::storage::{CHANGES_TABLE, CHUNKS_TABLE, HEADS_TABLE, LISTS_TABLE};
use chrono::{DateTime, Utc};
use uuid::Uuid;
use verso_core::{ChunkRow, ColumnType, CommitPlan, EntityType, Error, ListChange, ListRow, Value};

/// What a column written holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellType {
    /// A value of a column type.
    Column(ColumnType),
    /// An ordered list of ids (`entries`).
    Ids,
}

/// One value written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// `NULL`.
    Null,
    /// A UUID.
    Uuid(Uuid),
    /// Text.
    Text(&'a str),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A timestamp.
    Timestamp(DateTime<Utc>),
    /// An ordered list of ids.
    Ids(&'a [Uuid]),
    /// A field's value, in a column of the field's type.
    Value(&'a Value),
}

/// What a write does with its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAction {
    /// Inserts them and returns `id, ecs_id` of each (versions).
    InsertReturningIds,
    /// Inserts them.
    Insert,
    /// Inserts those whose key is not stored yet (shared chunks).
    InsertNew,
    /// Deletes the rows whose columns equal them (replaced heads).
    Delete,
}

/// The rows one statement (or, past a driver's batch limit, a few) writes
/// into one table.
#[derive(Debug, Clone)]
pub struct Write<'a> {
    /// The table.
    pub table: &'static str,
    /// Its columns written, in order.
    pub columns: Vec<(&'static str, CellType)>,
    /// What is done with the rows.
    pub action: WriteAction,
    /// The entity type whose versions the rows are, for an entity table:
    /// errors about a row name it and the row's first cell, its `ecs_id`.
    pub entity: Option<&'static EntityType>,
    cells: Vec<Cell<'a>>,
}

impl<'a> Write<'a> {
    pub(crate) fn new(
        table: &'static str,
        columns: Vec<(&'static str, CellType)>,
        action: WriteAction,
    ) -> Self {
        Write {
            table,
            columns,
            action,
            entity: None,
            cells: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: impl IntoIterator<Item = Cell<'a>>) {
        self.cells.extend(row);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.cells.len() / self.columns.len()
    }

    /// Whether the write has no rows.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The rows, each one cell per column.
    pub fn rows(&self) -> impl Iterator<Item = &[Cell<'a>]> {
        self.cells.chunks(self.columns.len())
    }

    /// The cells of column `index`, row by row.
    pub fn column(&self, index: usize) -> impl Iterator<Item = &Cell<'a>> {
        self.cells.iter().skip(index).step_by(self.columns.len())
    }

    /// The error for a value of `row` that column `column` cannot take: an
    /// `InvalidInput` naming the version the row stores (its type and
    /// `ecs_id`), or the table for a row of a shared table.
    pub fn invalid(&self, row: &[Cell<'_>], column: &str, why: impl std::fmt::Display) -> Error {
        let (type_name, id) = match (self.entity, row.first()) {
            (Some(ty), Some(Cell::Uuid(id))) => (ty.name, *id),
            _ => (self.table, Uuid::nil()),
        };
        Error::InvalidInput {
            type_name: type_name.to_string(),
            id,
            detail: format!("column {column}: {why}"),
        }
    }

    /// The rows, `rows` at a time, as cells: how a driver with a limit on
    /// a statement's parameters cuts the write.
    pub fn row_groups(&self, rows: usize) -> impl Iterator<Item = &[Cell<'a>]> {
        self.cells.chunks(rows.max(1) * self.columns.len())
    }
}

/// Every write of `plan`, in statement order.
pub fn commit_writes(plan: &CommitPlan) -> Vec<Write<'_>> {
    let mut writes = Vec::with_capacity(plan.batches.len() + 5);
    for batch in &plan.batches {
        let ty = batch.entity_type;
        let columns = VERSION_COLUMNS
            .iter()
            .map(|c| (c.name, CellType::Column(c.ty)))
            .chain(ty.columns.iter().map(|c| (c.name, CellType::Column(c.ty))))
            .collect();
        let mut write = Write::new(ty.table, columns, WriteAction::InsertReturningIds);
        write.entity = Some(ty);
        for row in &batch.rows {
            write.push([
                Cell::Uuid(row.ecs_id),
                Cell::Uuid(row.lineage_id),
                row.parent_id.map_or(Cell::Null, Cell::Uuid),
                Cell::Timestamp(row.created_at),
            ]);
            write.push(row.values.iter().map(Cell::Value));
        }
        writes.push(write);
    }
    writes.extend(crate::commits::commit_writes(plan));
    let replaced = {
        let mut heads: Vec<(Uuid, Uuid)> = plan.replaced_heads().collect();
        heads.sort_unstable();
        heads.dedup();
        heads
    };
    // A new version that another version of the same plan forks is no head
    // (only a hand-built plan holds both).
    let new_heads = plan
        .new_heads()
        .filter(|head| replaced.binary_search(head).is_err())
        .collect();
    writes.extend(list_writes(
        &plan.lists,
        &plan.chunks,
        &plan.changes,
        replaced,
        new_heads,
    ));
    writes.retain(|w| !w.is_empty());
    writes
}

/// The writes of the shared tables: `lists`, `chunks` (each unless stored
/// already), `changes`, the delete of `replaced` heads and the insert of
/// `heads`, in that order, empty ones included. What a commit writes after
/// its versions, and what an upgrade from the first layout writes.
pub fn list_writes<'a>(
    lists: &'a [ListRow],
    chunks: &'a [ChunkRow],
    changes: &'a [ListChange],
    replaced: Vec<(Uuid, Uuid)>,
    heads: Vec<(Uuid, Uuid)>,
) -> Vec<Write<'a>> {
    use CellType::{Column, Ids};
    let uuid = Column(ColumnType::Uuid);
    let text = Column(ColumnType::Text);
    let int = Column(ColumnType::Int);

    let mut list_rows = Write::new(
        LISTS_TABLE,
        vec![
            ("parent_ecs_id", uuid),
            ("field", text),
            ("child_type", text),
            ("height", int),
            ("entries", Ids),
        ],
        WriteAction::Insert,
    );
    for list in lists {
        list_rows.push([
            Cell::Uuid(list.parent),
            Cell::Text(&list.field),
            Cell::Text(&list.child_type),
            Cell::Int(list.height),
            Cell::Ids(&list.entries),
        ]);
    }

    let mut chunk_rows = Write::new(
        CHUNKS_TABLE,
        vec![("chunk_id", uuid), ("height", int), ("entries", Ids)],
        WriteAction::InsertNew,
    );
    // In id order: two commits storing the same new chunks at once wait for
    // each other's inserts in one order, never in a cycle.
    let mut sorted: Vec<&ChunkRow> = chunks.iter().collect();
    sorted.sort_unstable_by_key(|c| c.id);
    for chunk in sorted {
        chunk_rows.push([
            Cell::Uuid(chunk.id),
            Cell::Int(chunk.height),
            Cell::Ids(&chunk.entries),
        ]);
    }

    let mut change_rows = Write::new(
        CHANGES_TABLE,
        vec![
            ("child_ecs_id", uuid),
            ("parent_ecs_id", uuid),
            ("field", text),
            ("position", int),
            ("added", Column(ColumnType::Bool)),
        ],
        WriteAction::Insert,
    );
    for change in changes {
        change_rows.push([
            Cell::Uuid(change.child),
            Cell::Uuid(change.parent),
            Cell::Text(&change.field),
            Cell::Int(change.position),
            Cell::Bool(change.added),
        ]);
    }

    let head_columns = vec![("lineage_id", uuid), ("ecs_id", uuid)];
    let mut deleted = Write::new(HEADS_TABLE, head_columns.clone(), WriteAction::Delete);
    for (lineage, version) in replaced {
        deleted.push([Cell::Uuid(lineage), Cell::Uuid(version)]);
    }
    let mut inserted = Write::new(HEADS_TABLE, head_columns, WriteAction::Insert);
    for (lineage, version) in heads {
        inserted.push([Cell::Uuid(lineage), Cell::Uuid(version)]);
    }
    vec![list_rows, chunk_rows, change_rows, deleted, inserted]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_written_in_id_order_and_empty_writes_are_left_out() {
        let chunk = |n: u128| ChunkRow {
            id: Uuid::from_u128(n),
            height: 0,
            entries: vec![Uuid::from_u128(n + 100)],
        };
        let plan = CommitPlan {
            chunks: vec![chunk(3), chunk(1), chunk(2)],
            ..CommitPlan::default()
        };
        let writes = commit_writes(&plan);
        let tables: Vec<&str> = writes.iter().map(|w| w.table).collect();
        assert_eq!(tables, [CHUNKS_TABLE]);
        let ids: Vec<Cell> = writes[0].column(0).copied().collect();
        assert_eq!(
            ids,
            [1, 2, 3].map(|n| Cell::Uuid(Uuid::from_u128(n))).to_vec()
        );
    }

    #[test]
    fn a_version_forked_within_the_plan_is_no_head() {
        use verso_core::{NewVersion, TableBatch};
        static THING: EntityType = EntityType {
            name: "Thing",
            table: "things",
            origin: verso_core::Origin::UNKNOWN,
            columns: &[],
            children: &[],
            variants: &[],
        };
        let lineage = Uuid::from_u128(1);
        let version = |id: u128, parent: Option<u128>| NewVersion {
            ecs_id: Uuid::from_u128(id),
            lineage_id: lineage,
            parent_id: parent.map(Uuid::from_u128),
            created_at: DateTime::UNIX_EPOCH,
            values: Vec::new(),
        };
        let plan = CommitPlan {
            batches: vec![TableBatch {
                entity_type: &THING,
                rows: vec![version(2, None), version(3, Some(2))],
            }],
            ..CommitPlan::default()
        };
        let writes = commit_writes(&plan);
        let heads: Vec<(WriteAction, Vec<Cell>)> = writes
            .iter()
            .filter(|w| w.table == HEADS_TABLE)
            .map(|w| (w.action, w.column(1).copied().collect()))
            .collect();
        let id = |n: u128| Cell::Uuid(Uuid::from_u128(n));
        assert_eq!(
            heads,
            [
                (WriteAction::Delete, vec![id(2)]),
                (WriteAction::Insert, vec![id(3)])
            ]
        );
        assert_eq!(writes[0].entity.map(|t| t.name), Some("Thing"));
    }
}
