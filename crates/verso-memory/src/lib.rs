//! Verso's in-memory store: no database, same semantics, for tests and
//! ephemeral use.
//!
//! It keeps rows exactly as a database would (values, not the caller's
//! objects), so editing a loaded entity can never change what is stored.
//! Its statement counter counts the statements an SQL backend would send
//! for the same work, so query-count tests hold on every backend.

#![warn(missing_docs)]

use async_trait::async_trait;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;
use verso_core::{
    CatalogEntry, ChunkRow, ColumnType, CommitPlan, CommitRow, CommitVersion, DbErrorKind, Driver,
    EntityQuery, EntityType, Error, GainedChild, Instrument, LineageSummary, ListChange, ListRow,
    LoadRequest, LoadRun, LoadStep, LoadedRows, Lookup, Result, RowMeta, StoredRow, TypeCounts,
    Value, VersionCommit, VersionFilter, VersionQuery,
};

/// A store held in process memory.
///
/// A transaction ([`Driver::begin`]) holds the store's write gate from its
/// beginning to its commit: commits made meanwhile (and other
/// transactions' beginnings) wait for it to end, reads do not.
///
/// ```
/// let driver = verso_memory::MemoryDriver::new();
/// ```
#[derive(Default)]
pub struct MemoryDriver {
    state: Arc<Mutex<State>>,
    instrument: Arc<Instrument>,
    /// Taken by every commit, held by an open transaction until its end.
    gate: Arc<tokio::sync::Mutex<()>>,
    /// In a transaction's view: the gate it holds, until its commit.
    transaction: Option<Mutex<Option<OwnedMutexGuard<()>>>>,
}

#[derive(Default)]
struct State {
    tables: HashMap<&'static str, Table>,
    /// The child lists of each version.
    lists_by_parent: HashMap<Uuid, Vec<ListRow>>,
    /// Chunks by id, shared by every list that holds them.
    chunks: HashMap<Uuid, ChunkRow>,
    /// List changes by the child gained or lost.
    changes_by_child: HashMap<Uuid, Vec<ListChange>>,
    /// List changes by the version whose list changed.
    changes_by_parent: HashMap<Uuid, Vec<ListChange>>,
    next_row_id: i64,
    /// Commit rows by commit id.
    commits: HashMap<Uuid, CommitRow>,
    /// The versions each commit wrote, in its order.
    versions_by_commit: HashMap<Uuid, Vec<CommitVersion>>,
    /// The versions of each lineage that commits wrote, as `(commit,
    /// version)`, in the order they were stored.
    commits_by_lineage: HashMap<Uuid, Vec<(Uuid, Uuid)>>,
}

struct Table {
    entity_type: &'static EntityType,
    /// The stored columns (name, type), in row order: those of the type
    /// that created the table, then any nullable column added later.
    layout: Vec<StoredColumn>,
    /// Rows with their values in `layout` order.
    rows: Vec<StoredRow>,
    by_ecs_id: HashMap<Uuid, usize>,
    by_lineage: HashMap<Uuid, Vec<usize>>,
    /// The versions forked from each version.
    by_parent: HashMap<Uuid, Vec<usize>>,
}

impl MemoryDriver {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The stored state; in a transaction's view, refused once its commit
    /// ended it.
    fn state(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        if let Some(held) = &self.transaction {
            if held.lock().unwrap_or_else(|p| p.into_inner()).is_none() {
                return Err(Error::transaction_ended());
            }
        }
        Ok(self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs the steps of a load under one lock, one counted step each.
    fn run_load(&self, mut run: LoadRun<'_>) -> Result<LoadedRows> {
        let state = self.state()?;
        while let Some(step) = run.next_step()? {
            self.instrument.query();
            match step {
                LoadStep::Versions { ty, ids } => state.rows_by_ids(ty, &ids, run.rows())?,
                LoadStep::Query { ty, query } => {
                    for row in state.query(ty, &query)? {
                        run.add_selected(row);
                    }
                }
                LoadStep::Walk {
                    roots,
                    parent_types,
                    ..
                } => state.walk_lists(&roots, &parent_types, run.rows()),
            }
        }
        Ok(run.finish())
    }

    /// Stores `plan` (not empty) whole, or nothing of it: everything an
    /// SQL backend would reject is checked before anything changes.
    fn store_plan(&self, state: &mut State, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        // Check everything an SQL backend would reject before changing
        // anything, so a failure leaves no trace.
        let mut statement = 1;
        self.instrument.commit_statement(statement)?;
        if plan.refuse_branches {
            for (ty, parents) in plan.forked_parents() {
                statement += 2; // an SQL backend locks the parents, then looks for children
                self.instrument.commit_statement(statement - 1)?;
                self.instrument.commit_statement(statement)?;
                let parents: HashSet<Uuid> = parents.into_iter().collect();
                let table = state.table(ty)?;
                if let Some(child) = table
                    .rows
                    .iter()
                    .find(|row| row.meta.parent_id.is_some_and(|p| parents.contains(&p)))
                {
                    let parent = child.meta.parent_id.unwrap_or_default();
                    return Err(Error::branch_conflict(ty.name, parent));
                }
            }
        }
        let mut new_ids = HashSet::new();
        for batch in &plan.batches {
            statement += 1;
            self.instrument.commit_statement(statement)?;
            let table = state.table(batch.entity_type)?;
            for row in &batch.rows {
                if table.by_ecs_id.contains_key(&row.ecs_id) || !new_ids.insert(row.ecs_id) {
                    return Err(Error::database(
                        DbErrorKind::UniqueViolation,
                        format!(
                            "{} {} is already stored",
                            batch.entity_type.name, row.ecs_id
                        ),
                    ));
                }
            }
        }
        if let Some(commit) = &plan.commit {
            // The commit's row and its links to its versions.
            statement += 2;
            self.instrument.commit_statement(statement - 1)?;
            self.instrument.commit_statement(statement)?;
            if state.commits.contains_key(&commit.id) {
                return Err(Error::database(
                    DbErrorKind::UniqueViolation,
                    format!("commit {} is already stored", commit.id),
                ));
            }
        }
        // The shared tables, in the order the SQL backends write them:
        // lists, chunks, list changes, replaced heads, new heads.
        let writes = [
            !plan.lists.is_empty(),
            !plan.chunks.is_empty(),
            !plan.changes.is_empty(),
            plan.replaced_heads().next().is_some(),
            true,
        ];
        for _ in writes.into_iter().filter(|w| *w) {
            statement += 1;
            self.instrument.commit_statement(statement)?;
        }
        statement += 1;
        self.instrument.commit_statement(statement)?;

        let mut row_ids = HashMap::new();
        for batch in &plan.batches {
            for row in &batch.rows {
                state.next_row_id += 1;
                let id = state.next_row_id;
                let table = state
                    .tables
                    .get_mut(batch.entity_type.table)
                    .expect("checked above");
                let index = table.rows.len();
                let mut values = vec![Value::Null; table.layout.len()];
                for (position, value) in table
                    .positions(batch.entity_type)
                    .into_iter()
                    .zip(&row.values)
                {
                    if let Some(position) = position {
                        values[position] = value.clone();
                    }
                }
                table.rows.push(StoredRow {
                    entity_type: table.entity_type,
                    meta: RowMeta {
                        id,
                        ecs_id: row.ecs_id,
                        lineage_id: row.lineage_id,
                        parent_id: row.parent_id,
                        created_at: row.created_at,
                    },
                    values,
                });
                table.by_ecs_id.insert(row.ecs_id, index);
                table
                    .by_lineage
                    .entry(row.lineage_id)
                    .or_default()
                    .push(index);
                if let Some(parent) = row.parent_id {
                    table.by_parent.entry(parent).or_default().push(index);
                }
                row_ids.insert(row.ecs_id, id);
            }
            self.instrument.rows_written(batch.rows.len() as u64);
        }
        for list in &plan.lists {
            state
                .lists_by_parent
                .entry(list.parent)
                .or_default()
                .push(owned_list(list));
        }
        let mut new_chunks = 0;
        for chunk in &plan.chunks {
            if let std::collections::hash_map::Entry::Vacant(slot) = state.chunks.entry(chunk.id) {
                slot.insert(chunk.clone());
                new_chunks += 1;
            }
        }
        for change in &plan.changes {
            let change = ListChange {
                field: Cow::Owned(change.field.to_string()),
                ..change.clone()
            };
            state
                .changes_by_child
                .entry(change.child)
                .or_default()
                .push(change.clone());
            state
                .changes_by_parent
                .entry(change.parent)
                .or_default()
                .push(change);
        }
        let commit_rows = state.store_commit(plan);
        self.instrument.rows_written(
            (plan.lists.len() + new_chunks + plan.changes.len() + plan.version_count()) as u64
                + commit_rows,
        );
        Ok(row_ids)
    }
}

impl Table {
    fn new(entity_type: &'static EntityType) -> Self {
        Table {
            entity_type,
            layout: entity_type.columns.iter().map(StoredColumn::of).collect(),
            rows: Vec::new(),
            by_ecs_id: HashMap::new(),
            by_lineage: HashMap::new(),
            by_parent: HashMap::new(),
        }
    }

    /// The layout positions of `ty`'s columns; `None` for a column the
    /// table lacks.
    fn positions(&self, ty: &EntityType) -> Vec<Option<usize>> {
        ty.columns
            .iter()
            .map(|c| self.layout.iter().position(|s| s.name == c.name))
            .collect()
    }

    /// Row `index` as a version of `ty`.
    fn project(&self, ty: &'static EntityType, index: usize) -> StoredRow {
        let row = &self.rows[index];
        StoredRow {
            entity_type: ty,
            meta: row.meta.clone(),
            values: self
                .positions(ty)
                .into_iter()
                .map(|p| p.map_or(Value::Null, |p| row.values[p].clone()))
                .collect(),
        }
    }

    /// Checks `ty` against the table as an SQL backend would; returns the
    /// nullable columns to add.
    fn check(&self, ty: &EntityType) -> Result<Vec<StoredColumn>> {
        let mismatch = |column: &str, detail: String| Error::SchemaMismatch {
            table: ty.table.to_string(),
            column: column.to_string(),
            detail,
        };
        if self.entity_type.name != ty.name {
            return Err(mismatch(
                "*",
                format!(
                    "the table stores {}, not {}",
                    self.entity_type.name, ty.name
                ),
            ));
        }
        let mut added = Vec::new();
        for column in ty.columns {
            match self.layout.iter().find(|s| s.name == column.name) {
                Some(found) if found.ty != column.ty => {
                    return Err(mismatch(
                        column.name,
                        format!(
                            "expected type {}, found {}",
                            column.ty.name(),
                            found.ty.name()
                        ),
                    ))
                }
                Some(found) if column.nullable && !found.nullable => {
                    return Err(mismatch(
                        column.name,
                        "the field is optional but the column is NOT NULL; the column must \
                         accept NULL"
                            .into(),
                    ))
                }
                Some(_) => {}
                None if column.nullable => added.push(StoredColumn::of(column)),
                None => {
                    return Err(mismatch(
                        column.name,
                        "the column is missing and the field is required; make the field an \
                         Option so Verso can add the column"
                            .into(),
                    ))
                }
            }
        }
        for stored in &self.layout {
            if !stored.nullable && !ty.columns.iter().any(|c| c.name == stored.name) {
                return Err(mismatch(
                    stored.name,
                    "the type has no such field, but the column is NOT NULL, which every \
                     insert would violate"
                        .into(),
                ));
            }
        }
        Ok(added)
    }
}

/// A column of a table as the memory store keeps it.
#[derive(Debug, Clone, Copy)]
struct StoredColumn {
    name: &'static str,
    ty: ColumnType,
    nullable: bool,
}

impl StoredColumn {
    fn of(column: &verso_core::Column) -> Self {
        StoredColumn {
            name: column.name,
            ty: column.ty,
            nullable: column.nullable,
        }
    }
}

/// A list row that owns its strings, as a database returns it.
fn owned_list(list: &ListRow) -> ListRow {
    ListRow {
        field: Cow::Owned(list.field.to_string()),
        child_type: Cow::Owned(list.child_type.to_string()),
        ..list.clone()
    }
}

impl State {
    /// Stores the commit row of `plan` and its links to the plan's
    /// versions; returns the rows written.
    fn store_commit(&mut self, plan: &CommitPlan) -> u64 {
        let Some(commit) = &plan.commit else {
            return 0;
        };
        let versions: Vec<CommitVersion> = plan
            .batches
            .iter()
            .flat_map(|b| {
                b.rows.iter().map(|row| CommitVersion {
                    commit_id: commit.id,
                    type_name: b.entity_type.name.to_string(),
                    ecs_id: row.ecs_id,
                    lineage_id: row.lineage_id,
                })
            })
            .collect();
        for version in &versions {
            self.commits_by_lineage
                .entry(version.lineage_id)
                .or_default()
                .push((commit.id, version.ecs_id));
        }
        let rows = 1 + versions.len() as u64;
        self.versions_by_commit.insert(commit.id, versions);
        self.commits.insert(commit.id, commit.clone());
        rows
    }

    /// What the SQL walk returns: the lists of the loaded roots, the chunks
    /// below them, and the lists of children whose type has child fields,
    /// each once.
    fn walk_lists(&self, roots: &[Uuid], parent_types: &[&str], loaded: &mut LoadedRows) {
        let mut queue: VecDeque<Uuid> = roots.iter().copied().collect();
        let mut visited: HashSet<Uuid> = queue.iter().copied().collect();
        while let Some(parent) = queue.pop_front() {
            for list in self.lists_by_parent.get(&parent).into_iter().flatten() {
                loaded.lists.push(list.clone());
                let follow = parent_types.contains(&list.child_type.as_ref());
                let mut nodes = vec![(list.height, list.entries.clone())];
                while let Some((height, entries)) = nodes.pop() {
                    for entry in entries {
                        if height > 0 {
                            if let Some(chunk) = self.chunks.get(&entry) {
                                if let std::collections::hash_map::Entry::Vacant(slot) =
                                    loaded.chunks.entry(entry)
                                {
                                    slot.insert(chunk.clone());
                                    nodes.push((chunk.height, chunk.entries.clone()));
                                }
                            }
                        } else if follow && visited.insert(entry) {
                            queue.push_back(entry);
                        }
                    }
                }
            }
        }
    }

    fn table(&self, ty: &EntityType) -> Result<&Table> {
        self.tables.get(ty.table).ok_or_else(|| {
            Error::database(DbErrorKind::Other, format!("no such table: {}", ty.table))
        })
    }

    /// The versions of `ty` that `query` selects, in its order.
    fn query(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<Vec<StoredRow>> {
        let table = self.table(ty)?;
        let versions: Vec<StoredRow> = (0..table.rows.len())
            .map(|index| table.project(ty, index))
            .collect();
        Ok(query.select(ty, &versions).into_iter().cloned().collect())
    }

    fn rows_by_ids(
        &self,
        ty: &'static EntityType,
        ids: &[Uuid],
        loaded: &mut LoadedRows,
    ) -> Result<()> {
        let table = self.table(ty)?;
        for id in ids {
            if let Some(&index) = table.by_ecs_id.get(id) {
                loaded.rows.insert(*id, table.project(ty, index));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Driver for MemoryDriver {
    fn backend(&self) -> &'static str {
        "memory"
    }

    fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    async fn ensure_tables(&self, types: &[&'static EntityType]) -> Result<()> {
        let mut state = self.state()?;
        let mut additions = Vec::new();
        for ty in types {
            if let Some(existing) = state.tables.get(ty.table) {
                additions.push((ty.table, existing.check(ty)?));
            }
            let elsewhere = state
                .tables
                .iter()
                .find(|(table, t)| t.entity_type.name == ty.name && **table != ty.table);
            if let Some((table, _)) = elsewhere {
                return Err(Error::SchemaMismatch {
                    table: ty.table.to_string(),
                    column: "*".into(),
                    detail: format!(
                        "the type name {} is stored in table {table} already",
                        ty.name
                    ),
                });
            }
        }
        for (table, added) in additions {
            let table = state.tables.get_mut(table).expect("checked above");
            for column in added {
                table.layout.push(column);
                for row in &mut table.rows {
                    row.values.push(Value::Null);
                }
            }
        }
        for ty in types {
            self.instrument.query();
            state
                .tables
                .entry(ty.table)
                .or_insert_with(|| Table::new(ty));
        }
        Ok(())
    }

    async fn commit(&self, plan: &CommitPlan) -> Result<HashMap<Uuid, i64>> {
        let Some(held) = &self.transaction else {
            if plan.is_empty() {
                return Ok(HashMap::new());
            }
            let _gate = self.gate.lock().await;
            return self.store_plan(&mut *self.state()?, plan);
        };
        let stored = if plan.is_empty() {
            self.state().map(|_| HashMap::new())
        } else {
            self.state()
                .and_then(|mut state| self.store_plan(&mut state, plan))
        };
        // A transaction's commit ends it: the gate opens, stored or not.
        drop(held.lock().unwrap_or_else(|p| p.into_inner()).take());
        stored
    }

    async fn begin(&self) -> Result<Box<dyn Driver>> {
        if self.transaction.is_some() {
            return Err(Error::database(
                DbErrorKind::Other,
                "a transaction cannot begin another one",
            ));
        }
        let gate = Arc::clone(&self.gate).lock_owned().await;
        Ok(Box::new(MemoryDriver {
            state: Arc::clone(&self.state),
            instrument: Arc::clone(&self.instrument),
            gate: Arc::clone(&self.gate),
            transaction: Some(Mutex::new(Some(gate))),
        }))
    }

    async fn commit_record(&self, commit_id: Uuid) -> Result<Option<CommitRow>> {
        self.instrument.query();
        Ok(self.state()?.commits.get(&commit_id).cloned())
    }

    async fn commit_versions(&self, commit_id: Uuid) -> Result<Vec<CommitVersion>> {
        self.instrument.query();
        let state = self.state()?;
        Ok(state
            .versions_by_commit
            .get(&commit_id)
            .cloned()
            .unwrap_or_default())
    }

    async fn lineage_commits(&self, lineage_id: Uuid) -> Result<Vec<VersionCommit>> {
        self.instrument.query();
        let state = self.state()?;
        let mut versions: Vec<VersionCommit> = state
            .commits_by_lineage
            .get(&lineage_id)
            .into_iter()
            .flatten()
            .filter_map(|(commit, ecs_id)| {
                let commit = state.commits.get(commit)?.clone();
                Some(VersionCommit {
                    ecs_id: *ecs_id,
                    commit,
                })
            })
            .collect();
        // Stable: a commit's versions keep their order.
        versions.sort_by_key(|v| (v.commit.created_at, v.commit.id));
        Ok(versions)
    }

    async fn load(&self, request: &LoadRequest) -> Result<LoadedRows> {
        self.run_load(LoadRun::new(request))
    }

    async fn load_query(&self, request: &LoadRequest, query: &EntityQuery) -> Result<LoadedRows> {
        self.run_load(LoadRun::for_query(request, query))
    }

    async fn count(&self, ty: &'static EntityType, query: &EntityQuery) -> Result<u64> {
        self.instrument.query();
        Ok(self.state()?.query(ty, &query.for_count())?.len() as u64)
    }

    async fn select_versions(
        &self,
        ty: &'static EntityType,
        query: &VersionQuery,
    ) -> Result<Vec<RowMeta>> {
        self.instrument.query();
        let state = self.state()?;
        let table = state.table(ty)?;
        let wanted: HashSet<Uuid> = match &query.filter {
            VersionFilter::In { ids, .. } => ids.iter().copied().collect(),
            VersionFilter::All => HashSet::new(),
        };
        let matches = |row: &StoredRow| match &query.filter {
            VersionFilter::All => true,
            VersionFilter::In { column, .. } => {
                let value = match *column {
                    "ecs_id" => Some(row.meta.ecs_id),
                    "lineage_id" => Some(row.meta.lineage_id),
                    "parent_id" => row.meta.parent_id,
                    _ => match table
                        .layout
                        .iter()
                        .position(|s| s.name == *column)
                        .map(|p| &row.values[p])
                    {
                        Some(Value::Uuid(id)) => Some(*id),
                        // A list of references: a JSON array of ids.
                        Some(list @ Value::Json(_)) => {
                            return verso_core::reference_ids(list)
                                .is_ok_and(|ids| ids.iter().any(|id| wanted.contains(id)))
                        }
                        _ => None,
                    },
                };
                value.is_some_and(|v| wanted.contains(&v))
            }
        };
        let mut rows: Vec<&StoredRow> = if query.newest_per_lineage {
            // The newest version of each lineage, kept when it matches (as
            // the SQL backends rank whole lineages before filtering).
            let mut newest: HashMap<Uuid, &StoredRow> = HashMap::new();
            for row in &table.rows {
                let key = (row.meta.created_at, row.meta.id);
                newest
                    .entry(row.meta.lineage_id)
                    .and_modify(|kept| {
                        if (kept.meta.created_at, kept.meta.id) < key {
                            *kept = row;
                        }
                    })
                    .or_insert(row);
            }
            newest.into_values().filter(|row| matches(row)).collect()
        } else {
            table.rows.iter().filter(|row| matches(row)).collect()
        };
        rows.sort_by_key(|row| (row.meta.created_at, row.meta.id));
        Ok(rows.into_iter().map(|row| row.meta.clone()).collect())
    }

    async fn lookup(&self, ty: &'static EntityType, lookup: &Lookup) -> Result<Vec<RowMeta>> {
        self.instrument.query();
        let state = self.state()?;
        let table = state.table(ty)?;
        let by_time = |a: &&StoredRow, b: &&StoredRow| {
            (a.meta.created_at, a.meta.id).cmp(&(b.meta.created_at, b.meta.id))
        };
        let lineage = |id: &Uuid| -> Vec<&StoredRow> {
            let mut rows: Vec<&StoredRow> = table
                .by_lineage
                .get(id)
                .into_iter()
                .flatten()
                .map(|&i| &table.rows[i])
                .collect();
            rows.sort_by(by_time);
            rows
        };
        let rows: Vec<&StoredRow> = match lookup {
            Lookup::Newest { lineage_id, at } => lineage(lineage_id)
                .into_iter()
                .rfind(|row| at.is_none_or(|at| row.meta.created_at <= at))
                .into_iter()
                .collect(),
            Lookup::Heads { lineage_id } => lineage(lineage_id)
                .into_iter()
                .filter(|row| !table.by_parent.contains_key(&row.meta.ecs_id))
                .collect(),
            Lookup::Ancestors { ecs_id } => {
                let mut path = Vec::new();
                let mut seen = HashSet::new();
                let mut next = table
                    .by_ecs_id
                    .get(ecs_id)
                    .and_then(|&i| table.rows[i].meta.parent_id);
                while let Some(id) = next.filter(|id| seen.insert(*id)) {
                    let Some(&index) = table.by_ecs_id.get(&id) else {
                        break;
                    };
                    path.push(&table.rows[index]);
                    next = table.rows[index].meta.parent_id;
                }
                path.sort_by(by_time);
                path
            }
            Lookup::Versions {
                lineage_id,
                after,
                limit,
            } => lineage(lineage_id)
                .into_iter()
                .filter(|row| after.is_none_or(|after| (row.meta.created_at, row.meta.id) > after))
                .take(limit.map_or(usize::MAX, |l| l as usize))
                .collect(),
            Lookup::Containing { field, child } => {
                let changes = state.changes_by_child.get(child).into_iter().flatten();
                let changed: HashSet<Uuid> = changes
                    .clone()
                    .filter(|c| c.field == *field)
                    .map(|c| c.parent)
                    .collect();
                let mut holding: Vec<usize> = changes
                    .filter(|c| c.field == *field && c.added)
                    .filter_map(|c| table.by_ecs_id.get(&c.parent).copied())
                    .collect();
                let mut seen: HashSet<usize> = holding.iter().copied().collect();
                let mut next = 0;
                while next < holding.len() {
                    let id = table.rows[holding[next]].meta.ecs_id;
                    for &forked in table.by_parent.get(&id).into_iter().flatten() {
                        let forked_id = table.rows[forked].meta.ecs_id;
                        if !changed.contains(&forked_id) && seen.insert(forked) {
                            holding.push(forked);
                        }
                    }
                    next += 1;
                }
                let mut rows: Vec<&StoredRow> = holding.iter().map(|&i| &table.rows[i]).collect();
                rows.sort_by(by_time);
                rows
            }
        };
        Ok(rows.into_iter().map(|row| row.meta.clone()).collect())
    }

    async fn gained_children(
        &self,
        ty: &'static EntityType,
        lineage_id: Uuid,
        field: &'static str,
    ) -> Result<Vec<GainedChild>> {
        self.instrument.query();
        let state = self.state()?;
        let table = state.table(ty)?;
        let mut versions: Vec<&StoredRow> = table
            .by_lineage
            .get(&lineage_id)
            .into_iter()
            .flatten()
            .map(|&i| &table.rows[i])
            .collect();
        versions.sort_by_key(|row| (row.meta.created_at, row.meta.id));
        let mut gained = Vec::new();
        for version in versions {
            let mut changes: Vec<&ListChange> = state
                .changes_by_parent
                .get(&version.meta.ecs_id)
                .into_iter()
                .flatten()
                .filter(|c| c.field == field && c.added)
                .collect();
            changes.sort_by_key(|c| c.position);
            gained.extend(changes.into_iter().map(|c| GainedChild {
                parent: c.parent,
                child: c.child,
            }));
        }
        Ok(gained)
    }

    async fn find_type(&self, ecs_id: Uuid) -> Result<Option<String>> {
        self.instrument.query();
        let state = self.state()?;
        Ok(state
            .tables
            .values()
            .find(|table| table.by_ecs_id.contains_key(&ecs_id))
            .map(|table| table.entity_type.name.to_string()))
    }

    async fn find_lineage_type(&self, lineage_id: Uuid) -> Result<Option<String>> {
        self.instrument.query();
        let state = self.state()?;
        Ok(state
            .tables
            .values()
            .find(|table| table.by_lineage.contains_key(&lineage_id))
            .map(|table| table.entity_type.name.to_string()))
    }

    /// The types of the tables made so far; `None` before the first.
    async fn catalog(&self) -> Result<Option<Vec<CatalogEntry>>> {
        self.instrument.query();
        let state = self.state()?;
        if state.tables.is_empty() {
            return Ok(None);
        }
        let mut entries: Vec<CatalogEntry> = state
            .tables
            .values()
            .map(|table| CatalogEntry {
                type_name: table.entity_type.name.to_string(),
                table_name: table.entity_type.table.to_string(),
                definition: table.entity_type.definition(),
            })
            .collect();
        entries.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        Ok(Some(entries))
    }

    async fn count_versions(&self, types: &[&'static EntityType]) -> Result<Vec<TypeCounts>> {
        if types.is_empty() {
            return Ok(Vec::new());
        }
        self.instrument.query();
        let state = self.state()?;
        types
            .iter()
            .map(|ty| {
                let table = state.table(ty)?;
                Ok(TypeCounts {
                    lineages: table.by_lineage.len() as u64,
                    versions: table.rows.len() as u64,
                })
            })
            .collect()
    }

    async fn lineages(&self, ty: &'static EntityType) -> Result<Vec<LineageSummary>> {
        self.instrument.query();
        let state = self.state()?;
        let table = state.table(ty)?;
        let mut summaries: Vec<LineageSummary> = table
            .by_lineage
            .iter()
            .map(|(lineage_id, rows)| {
                let metas = rows.iter().map(|&index| &table.rows[index].meta);
                let first = metas.clone().map(|m| m.created_at).min();
                let heads = metas
                    .clone()
                    .filter(|m| !table.by_parent.contains_key(&m.ecs_id))
                    .count();
                let head = metas
                    .max_by_key(|m| (m.created_at, m.id))
                    .expect("a lineage has a version");
                LineageSummary {
                    lineage_id: *lineage_id,
                    versions: rows.len() as u64,
                    first_created_at: first.expect("a lineage has a version"),
                    head: head.ecs_id,
                    head_created_at: head.created_at,
                    heads: heads as u64,
                }
            })
            .collect();
        summaries.sort_by_key(|s| (s.first_created_at, s.lineage_id));
        Ok(summaries)
    }

    /// A scan of the ids of each table: the in-memory store has no ordered
    /// index of them.
    async fn find_prefix(
        &self,
        types: &[&'static EntityType],
        prefix: &verso_core::IdPrefix,
        limit: usize,
    ) -> Result<Vec<verso_core::PrefixMatch>> {
        use verso_core::{IdKind, PrefixMatch};
        self.instrument.query();
        let state = self.state()?;
        let mut found = Vec::new();
        for &entity_type in types {
            let Some(table) = state.tables.get(entity_type.table) else {
                continue;
            };
            let versions = table.by_ecs_id.keys().map(|&id| (IdKind::Version, id));
            let lineages = table.by_lineage.keys().map(|&id| (IdKind::Lineage, id));
            for (kind, id) in versions.chain(lineages) {
                if found.len() == limit {
                    return Ok(found);
                }
                if prefix.matches(id) {
                    found.push(PrefixMatch {
                        entity_type,
                        kind,
                        id,
                    });
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod transaction_tests {
    use super::*;

    #[tokio::test]
    async fn a_transaction_ends_with_its_commit_and_opens_the_gate() {
        let driver = MemoryDriver::new();
        let tx = driver.begin().await.unwrap();
        assert!(driver.gate.try_lock().is_err(), "commits wait for it");
        let plan = CommitPlan::default();
        assert!(tx.commit(&plan).await.unwrap().is_empty());
        let again = tx.commit(&plan).await.unwrap_err();
        assert!(
            again.to_string().contains("transaction has ended"),
            "{again}"
        );
        assert!(tx.catalog().await.is_err(), "reads are refused too");
        assert!(driver.gate.try_lock().is_ok(), "the gate is open again");
    }

    #[tokio::test]
    async fn a_dropped_transaction_opens_the_gate() {
        let driver = MemoryDriver::new();
        let tx = driver.begin().await.unwrap();
        drop(tx);
        assert!(driver.gate.try_lock().is_ok());
    }
}
