//! The storage layout of child lists and lineages, in one place: the shared
//! tables, the walk that loads a tree's lists, and the lookups answered by
//! indexes (`docs/storage.md`).
//!
//! A version's children are stored as a chunk tree
//! ([`verso_core::list`]): its root inline in a [`LISTS_TABLE`] row, the
//! chunks below it in [`CHUNKS_TABLE`], shared by every list that holds
//! them. [`CHANGES_TABLE`] keeps which children each version gained or
//! lost, for "which versions hold this child"; [`HEADS_TABLE`] keeps the
//! heads of every lineage.
//!
//! The statements are text: recursive walks over arrays of ids are
//! plainer written out than built with sea-query. Identifiers of entity
//! tables are quoted; placeholders and array handling come from the
//! [`Dialect`].

use crate::layout::meta_columns;
use crate::Dialect;
use verso_core::{EntityType, Lookup};

/// The table of child lists: one row per version and non-empty child field.
pub const LISTS_TABLE: &str = "verso_lists";
/// The table of chunks below the lists' roots, addressed by content hash.
pub const CHUNKS_TABLE: &str = "verso_chunks";
/// The table of children each version's lists gained or lost.
pub const CHANGES_TABLE: &str = "verso_list_changes";
/// The table of the heads of every lineage.
pub const HEADS_TABLE: &str = "verso_heads";
/// The link table of Verso's first layout (one row per child of every
/// version), which an upgrade replaces.
pub const LEGACY_LINKS_TABLE: &str = "verso_links";

/// How a database walks a recursive query over arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recursion {
    /// Several recursive `SELECT`s joined by `UNION`, each reading the
    /// table-valued expansion of the previous row's array (SQLite).
    Compound,
    /// One recursive term that expands the array and looks up each entry
    /// with a `LATERAL` subquery (PostgreSQL, which allows one recursive
    /// reference).
    Lateral,
}

/// A quoted identifier.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name of index `suffix` of `table`: `<table>_<suffix>`, or, when
/// that is longer than the 63 bytes PostgreSQL keeps (it would truncate it,
/// and the truncated name could be the table's own, or another index's, so
/// that `IF NOT EXISTS` skipped the index), its first 46 bytes and a hash
/// of the whole name.
pub fn index_name(table: &str, suffix: &str) -> String {
    const MAX: usize = 63;
    let full = format!("{table}_{suffix}");
    if full.len() <= MAX {
        return full;
    }
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = full.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut cut = MAX - 17;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:016x}", &full[..cut])
}

/// `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX IF NOT EXISTS` for the
/// shared tables, each justified by the statement that reads it.
pub fn shared_tables(d: &impl Dialect) -> Vec<String> {
    let uuid = d.column_type(verso_core::ColumnType::Uuid);
    let text = d.column_type(verso_core::ColumnType::Text);
    let int = d.column_type(verso_core::ColumnType::Int);
    let boolean = d.column_type(verso_core::ColumnType::Bool);
    let ids = d.id_list_type();
    let keyed = d.keyed_table_suffix();
    let mut tables = vec![
        // Read by the walk (by parent) and the upgrade.
        format!(
            "CREATE TABLE IF NOT EXISTS {LISTS_TABLE} (parent_ecs_id {uuid} NOT NULL, \
             field {text} NOT NULL, child_type {text} NOT NULL, height {int} NOT NULL, \
             entries {ids} NOT NULL, PRIMARY KEY (parent_ecs_id, field)){keyed}"
        ),
        // Read by the walk (by id); written idempotently (shared chunks).
        format!(
            "CREATE TABLE IF NOT EXISTS {CHUNKS_TABLE} (chunk_id {uuid} NOT NULL PRIMARY KEY, \
             height {int} NOT NULL, entries {ids} NOT NULL)"
        ),
        // Keyed by child: "which versions hold this child" (Containing).
        format!(
            "CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (child_ecs_id {uuid} NOT NULL, \
             parent_ecs_id {uuid} NOT NULL, field {text} NOT NULL, position {int} NOT NULL, \
             added {boolean} NOT NULL, PRIMARY KEY (child_ecs_id, parent_ecs_id, field)){keyed}"
        ),
        // By parent: the children a lineage's versions gained.
        format!(
            "CREATE INDEX IF NOT EXISTS {CHANGES_TABLE}_parent_idx \
             ON {CHANGES_TABLE} (parent_ecs_id)"
        ),
        // Keyed by lineage: heads, and the delete of replaced heads.
        format!(
            "CREATE TABLE IF NOT EXISTS {HEADS_TABLE} (lineage_id {uuid} NOT NULL, \
             ecs_id {uuid} NOT NULL, PRIMARY KEY (lineage_id, ecs_id)){keyed}"
        ),
    ];
    tables.extend(crate::commits::commit_tables(d));
    tables
}

/// The indexes of an entity table besides its row id, each named after the
/// lookup that uses it.
pub fn entity_index_statements(ty: &EntityType) -> Vec<String> {
    let table = ty.table;
    let q = quoted(table);
    let mut statements = vec![
        // get, get_many, resolve, the walk's roots, ancestry.
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {q} (ecs_id)",
            quoted(&index_name(table, "ecs_id_key"))
        ),
        // latest, as_of, versions (pages), lineage_tree, gained children.
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {q} (lineage_id, created_at, id)",
            quoted(&index_name(table, "lineage_idx"))
        ),
        // Forks of a version: the branch check of commit_on_head, and
        // the descent of Containing.
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {q} (parent_id)",
            quoted(&index_name(table, "parent_id_idx"))
        ),
    ];
    // referencing: who points here. A list of references is a JSON array,
    // which a B-tree cannot index element by element (PostgreSQL indexes it
    // with GIN, see its driver's dialect).
    let single = |c: &&verso_core::Column| c.references.is_some_and(|r| !r.many);
    for column in ty.columns.iter().filter(single) {
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS {} ON {q} ({})",
            quoted(&index_name(table, &format!("{}_idx", column.name))),
            quoted(column.name)
        ));
    }
    statements
}

/// Which walk a load needs (see [`walk_lists`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalkShape {
    /// One root, bound as one id rather than a list.
    pub single_root: bool,
    /// Some child below the roots has child lists of its own, so the walk
    /// follows children into their lists (else it reads the roots' lists
    /// and their chunks only).
    pub nested: bool,
}

/// Every list below the roots bound as parameter 1 (one id, or a list of
/// ids, as `shape` says), with every chunk below those lists; when
/// `shape.nested`, following children whose type is in the list of type
/// names bound as parameter 2 into their own lists. Rows: `parent_ecs_id,
/// field, chunk_id, height, entries, child_type`; a list row has no
/// `chunk_id`, a chunk row no `parent_ecs_id` and `field`.
///
/// Each step goes down in height (`c.height < w.height`: an inequality, so
/// no database turns it into a hash join), so even a damaged chunk cannot
/// make the walk loop; the reader checks each chunk's exact height. With several roots or nested
/// lists, `UNION` drops repeated rows, so a chunk or subtree shared by
/// several lists is read once; one root's own lists share nothing worth
/// the deduplication, and read with `UNION ALL`.
pub fn walk_lists(d: &impl Dialect, shape: WalkShape) -> String {
    let roots = if shape.single_root {
        format!("parent_ecs_id = {}", d.param(1))
    } else {
        d.in_ids("parent_ecs_id", 1)
    };
    let union = if shape.single_root && !shape.nested {
        "UNION ALL"
    } else {
        "UNION"
    };
    let each = d.each_id("w.entries", "e");
    let columns = "parent_ecs_id, field, chunk_id, height, entries, child_type";
    // The height check filters the chunk found by its key; SQLite would
    // rather pick an index by it (`+` keeps it from doing so).
    let height = match d.recursion() {
        Recursion::Compound => "+c.height",
        Recursion::Lateral => "c.height",
    };
    if !shape.nested {
        let anchor_chunk = match d.recursion() {
            Recursion::Compound => "NULL",
            Recursion::Lateral => "NULL::uuid",
        };
        let step_list = match d.recursion() {
            Recursion::Compound => "NULL, NULL",
            Recursion::Lateral => "NULL::uuid, NULL::text",
        };
        return format!(
            "WITH RECURSIVE w({columns}) AS (\
             SELECT parent_ecs_id, field, {anchor_chunk}, height, entries, child_type \
             FROM {LISTS_TABLE} WHERE {roots} \
             {union} \
             SELECT {step_list}, c.chunk_id, c.height, c.entries, w.child_type \
             FROM w CROSS JOIN {each} JOIN {CHUNKS_TABLE} AS c \
             ON c.chunk_id = e.value AND {height} < w.height \
             WHERE w.height > 0) \
             SELECT {columns} FROM w"
        );
    }
    let parent_types = d.in_texts("w.child_type", 2);
    match d.recursion() {
        Recursion::Compound => format!(
            "WITH RECURSIVE w({columns}) AS (\
             SELECT parent_ecs_id, field, NULL, height, entries, child_type \
             FROM {LISTS_TABLE} WHERE {roots} \
             UNION \
             SELECT NULL, NULL, c.chunk_id, c.height, c.entries, w.child_type \
             FROM w, {each} JOIN {CHUNKS_TABLE} AS c \
             ON c.chunk_id = e.value AND +c.height < w.height \
             WHERE w.height > 0 \
             UNION \
             SELECT l.parent_ecs_id, l.field, NULL, l.height, l.entries, l.child_type \
             FROM w, {each} JOIN {LISTS_TABLE} AS l ON l.parent_ecs_id = e.value \
             WHERE w.height = 0 AND {parent_types}) \
             SELECT {columns} FROM w",
        ),
        Recursion::Lateral => format!(
            "WITH RECURSIVE w AS (\
             SELECT parent_ecs_id, field, NULL::uuid AS chunk_id, height, entries, child_type \
             FROM {LISTS_TABLE} WHERE {roots} \
             UNION \
             SELECT n.parent_ecs_id, n.field, n.chunk_id, n.height, n.entries, n.child_type \
             FROM w CROSS JOIN LATERAL {each} CROSS JOIN LATERAL (\
             SELECT NULL::uuid AS parent_ecs_id, NULL::text AS field, c.chunk_id, c.height, \
             c.entries, w.child_type FROM {CHUNKS_TABLE} AS c \
             WHERE w.height > 0 AND c.chunk_id = e.value AND c.height < w.height \
             UNION ALL \
             SELECT l.parent_ecs_id, l.field, NULL::uuid, l.height, l.entries, l.child_type \
             FROM {LISTS_TABLE} AS l \
             WHERE w.height = 0 AND {parent_types} AND l.parent_ecs_id = e.value) AS n) \
             SELECT {columns} FROM w",
        ),
    }
}

/// The metadata columns of `alias`'s table, comma separated.
fn meta_of(alias: &str) -> String {
    meta_columns()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement answering `lookup` in the table of `ty`, returning the
/// metadata columns, and the parameters it takes, in order. Lookups of one
/// [`lookup_kind`] have the same statement.
pub fn lookup(ty: &EntityType, lookup: &Lookup, d: &impl Dialect) -> (String, Vec<LookupParam>) {
    let t = quoted(ty.table);
    let meta = meta_of("v");
    let p = |n| d.param(n);
    match lookup {
        Lookup::Newest { at, .. } => {
            let (bound, params) = match at {
                Some(_) => (
                    format!(" AND v.created_at <= {}", p(2)),
                    vec![LookupParam::Lineage, LookupParam::Time],
                ),
                None => (String::new(), vec![LookupParam::Lineage]),
            };
            (
                format!(
                    "SELECT {meta} FROM {t} AS v WHERE v.lineage_id = {}{bound} \
                     ORDER BY v.created_at DESC, v.id DESC LIMIT 1",
                    p(1)
                ),
                params,
            )
        }
        Lookup::Heads { .. } => (
            // Only the listed versions that nobody forked: a damaged index
            // row naming a forked version is no head (one probe of the
            // parent index per head). The lineage of each is checked by
            // the caller.
            format!(
                "SELECT {meta} FROM {t} AS v WHERE v.ecs_id IN \
                 (SELECT h.ecs_id FROM {HEADS_TABLE} AS h WHERE h.lineage_id = {}) \
                 AND NOT EXISTS (SELECT 1 FROM {t} AS c WHERE c.parent_id = v.ecs_id) \
                 ORDER BY v.created_at, v.id",
                p(1)
            ),
            vec![LookupParam::Lineage],
        ),
        Lookup::Ancestors { .. } => (
            // UNION, not UNION ALL: a damaged parent cycle ends the walk.
            format!(
                "WITH RECURSIVE up(ecs_id) AS (\
                 SELECT parent_id FROM {t} WHERE ecs_id = {} AND parent_id IS NOT NULL \
                 UNION SELECT s.parent_id FROM {t} AS s JOIN up ON s.ecs_id = up.ecs_id \
                 WHERE s.parent_id IS NOT NULL) \
                 SELECT {meta} FROM {t} AS v WHERE v.ecs_id IN (SELECT ecs_id FROM up) \
                 ORDER BY v.created_at, v.id",
                p(1)
            ),
            vec![LookupParam::Version],
        ),
        Lookup::Versions { after, limit, .. } => {
            let mut params = vec![LookupParam::Lineage];
            let mut sql = format!("SELECT {meta} FROM {t} AS v WHERE v.lineage_id = {}", p(1));
            if after.is_some() {
                sql.push_str(&format!(" AND (v.created_at, v.id) > ({}, {})", p(2), p(3)));
                params.extend([LookupParam::Time, LookupParam::RowId]);
            }
            sql.push_str(" ORDER BY v.created_at, v.id");
            if limit.is_some() {
                sql.push_str(&format!(" LIMIT {}", p(params.len() + 1)));
                params.push(LookupParam::Limit);
            }
            (sql, params)
        }
        Lookup::Containing { .. } => (
            // Versions that gained the child, then their descendants that
            // neither lost nor regained it (a gain is a start already).
            format!(
                "WITH RECURSIVE holding(ecs_id) AS (\
                 SELECT parent_ecs_id FROM {CHANGES_TABLE} \
                 WHERE child_ecs_id = {c} AND field = {f} AND added \
                 UNION SELECT s.ecs_id FROM {t} AS s JOIN holding ON s.parent_id = holding.ecs_id \
                 WHERE NOT EXISTS (SELECT 1 FROM {CHANGES_TABLE} AS x \
                 WHERE x.child_ecs_id = {c} AND x.parent_ecs_id = s.ecs_id AND x.field = {f})) \
                 SELECT {meta} FROM {t} AS v WHERE v.ecs_id IN (SELECT ecs_id FROM holding) \
                 ORDER BY v.created_at, v.id",
                c = p(1),
                f = p(2)
            ),
            vec![LookupParam::Child, LookupParam::Field],
        ),
    }
}

/// A name for the shape of `lookup`'s statement: lookups of one shape
/// share their text (see [`rendered`](crate::rendered)).
pub fn lookup_kind(lookup: &Lookup) -> &'static str {
    match lookup {
        Lookup::Newest { at: None, .. } => "newest",
        Lookup::Newest { at: Some(_), .. } => "newest at",
        Lookup::Heads { .. } => "heads",
        Lookup::Ancestors { .. } => "ancestors",
        Lookup::Versions { after, limit, .. } => match (after.is_some(), limit.is_some()) {
            (false, false) => "versions",
            (true, false) => "versions after",
            (false, true) => "versions limited",
            (true, true) => "versions after limited",
        },
        Lookup::Containing { .. } => "containing",
    }
}

/// What each parameter of a [`lookup`] statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupParam {
    /// The lookup's lineage id.
    Lineage,
    /// The lookup's version id.
    Version,
    /// The lookup's child version id.
    Child,
    /// The lookup's child field name.
    Field,
    /// The lookup's time bound or cursor time.
    Time,
    /// The cursor's row id.
    RowId,
    /// The most rows to return.
    Limit,
}

/// The children the versions of the lineage bound as parameter 1 gained in
/// the child field bound as parameter 2: `parent_ecs_id, child_ecs_id`,
/// versions oldest first, then by position.
pub fn gained_children(ty: &EntityType, d: &impl Dialect) -> String {
    format!(
        "SELECT c.parent_ecs_id, c.child_ecs_id FROM {t} AS v \
         JOIN {CHANGES_TABLE} AS c ON c.parent_ecs_id = v.ecs_id \
         WHERE v.lineage_id = {} AND c.field = {} AND c.added \
         ORDER BY v.created_at, v.id, c.position",
        d.param(1),
        d.param(2),
        t = quoted(ty.table)
    )
}

/// The children of one version's child field, in order, read from its list
/// and chunks with plain SQL: parameter 1 is the version's `ecs_id`,
/// parameter 2 the field's name; one row `child_ecs_id` per child. This is
/// the query `docs/storage.md` gives for `sqlite3` and `psql` users.
///
/// Each chunk's place is its path from the root (an entry index per level,
/// as digits of base 65, above any chunk's length); every leaf is at the
/// same depth, so ordering leaves by path, then entries by index, is list
/// order.
pub fn children_in_order(d: &impl Dialect) -> String {
    format!(
        "WITH RECURSIVE node(height, entries, path) AS (\
         SELECT height, entries, CAST(0 AS BIGINT) FROM {LISTS_TABLE} \
         WHERE parent_ecs_id = {} AND field = {} \
         UNION ALL \
         SELECT c.height, c.entries, node.path * 65 + e.key \
         FROM node CROSS JOIN {each} JOIN {CHUNKS_TABLE} AS c ON c.chunk_id = e.value \
         WHERE node.height > 0) \
         SELECT e.value AS child_ecs_id FROM node CROSS JOIN {each} \
         WHERE node.height = 0 ORDER BY node.path, e.key",
        d.param(1),
        d.param(2),
        each = d.each_id("node.entries", "e"),
    )
}
