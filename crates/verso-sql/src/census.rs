//! What the database holds: counts per type, lineage summaries.

use crate::rank::{newest_of_each_lineage, rank_by_lineage};
use crate::storage::HEADS_TABLE;
use crate::Dialect;
use sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, Order, Query, SelectStatement, UnionType,
    WindowStatement,
};
use verso_core::{EntityType, IdKind, TypeCounts};

/// At most this many tables in one `UNION ALL` ([`count_versions`],
/// [`find_type`](crate::find_type)): SQLite refuses a compound select of
/// more than 500 terms, so a store of more types asks in several
/// statements.
pub const UNION_BRANCHES: usize = 400;

/// At most this many tables in one [`find_prefix`]: it has two branches
/// per table, so that it stays within [`UNION_BRANCHES`] terms.
pub const PREFIX_TABLES: usize = UNION_BRANCHES / 2;
const _: () = assert!(2 * PREFIX_TABLES <= UNION_BRANCHES);

/// The ids of the tables `tables` (at most [`PREFIX_TABLES`]) between the
/// ids bound as parameters 1 and 2 (inclusive): rows `(first + i, kind,
/// id)` with `i` the table's index and `kind` [`prefix_kind`]'s number,
/// at most `limit` rows.
///
/// Per table, one branch scans the unique `ecs_id` index over the range
/// and one the lineage index (`lineage_id, created_at, id`), grouped so
/// that each lineage comes once, in index order: a prefix of an id is a
/// range of ids, so neither needs a `LIKE` over every row.
///
/// # Panics
///
/// When `tables` is empty.
pub fn find_prefix(
    tables: &[&str],
    first: usize,
    limit: u64,
    dialect: &impl Dialect,
) -> SelectStatement {
    let branch = |i: usize, table: &str, kind: IdKind| {
        let column = match kind {
            IdKind::Version => "ecs_id",
            IdKind::Lineage => "lineage_id",
        };
        let mut select = Query::select();
        select
            .expr(Expr::val((first + i) as i64).cast_as("int8"))
            .expr(Expr::val(kind_number(kind)).cast_as("int8"))
            .column(column)
            .from(Alias::new(table))
            .and_where(Expr::col(column).between(dialect.parameter(1), dialect.parameter(2)));
        if kind == IdKind::Lineage {
            select.group_by_col(column);
        }
        select
    };
    let mut branches = tables.iter().enumerate().flat_map(|(i, table)| {
        [IdKind::Version, IdKind::Lineage].map(|kind| branch(i, table, kind))
    });
    let mut union = branches.next().expect("at least one table");
    for next in branches {
        union.union(UnionType::All, next);
    }
    union.limit(limit).take()
}

fn kind_number(kind: IdKind) -> i64 {
    match kind {
        IdKind::Version => 0,
        IdKind::Lineage => 1,
    }
}

/// The kind a row of [`find_prefix`] names by its second column.
pub fn prefix_kind(number: i64) -> IdKind {
    if number == 0 {
        IdKind::Version
    } else {
        IdKind::Lineage
    }
}

/// `SELECT <first + i>, count(*), count(DISTINCT lineage_id) FROM <table i>`,
/// one `UNION ALL` branch per type of `types` (at most [`UNION_BRANCHES`]
/// of them); the index is a 64-bit integer, counted from `first`.
///
/// # Panics
///
/// When `types` is empty.
pub fn count_versions(types: &[&EntityType], first: usize) -> SelectStatement {
    let mut branches = types.iter().enumerate().map(|(i, ty)| {
        Query::select()
            .expr(Expr::val((first + i) as i64).cast_as("int8"))
            .expr(Func::count(Expr::col(Asterisk)))
            .expr(Func::count_distinct(Expr::col("lineage_id")))
            .from(ty.table)
            .take()
    });
    let mut union = branches.next().expect("at least one type");
    for branch in branches {
        union.union(UnionType::All, branch);
    }
    union
}

/// The counts of the `type_count` types of a [`count_versions`], in
/// order, from its rows `(i, versions, lineages)`.
pub fn type_counts(
    type_count: usize,
    rows: impl IntoIterator<Item = (i64, i64, i64)>,
) -> Vec<TypeCounts> {
    let mut counts = vec![
        TypeCounts {
            lineages: 0,
            versions: 0
        };
        type_count
    ];
    for (index, versions, lineages) in rows {
        counts[index as usize] = TypeCounts {
            lineages: lineages as u64,
            versions: versions as u64,
        };
    }
    counts
}

/// Per lineage of `ty`: `lineage_id`, the newest version's `ecs_id` and
/// `created_at`, the version count, the first `created_at` and the number
/// of heads (from the heads table, by its key); oldest lineage first.
pub fn lineages(ty: &EntityType) -> SelectStatement {
    let per_lineage = || WindowStatement::partition_by("lineage_id");
    let mut ranked = Query::select();
    ranked
        .columns(["lineage_id", "ecs_id", "created_at"])
        .expr_window_as(Func::count(Expr::col(Asterisk)), per_lineage(), "versions")
        .expr_window_as(
            Func::min(Expr::col("created_at")),
            per_lineage(),
            "first_at",
        )
        .from(ty.table);
    rank_by_lineage(&mut ranked);
    newest_of_each_lineage(
        ranked,
        ["lineage_id", "ecs_id", "created_at", "versions", "first_at"],
    )
    .expr(Expr::cust(format!(
        "(SELECT count(*) FROM {HEADS_TABLE} AS verso_h \
         WHERE verso_h.lineage_id = ranked.lineage_id)"
    )))
    .order_by("first_at", Order::Asc)
    .order_by("lineage_id", Order::Asc)
    .take()
}
