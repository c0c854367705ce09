//! What the database holds: counts per type, lineage summaries.

use crate::rank::{newest_of_each_lineage, rank_by_lineage};
use sea_query::{
    Alias, Asterisk, Expr, Func, Order, Query, SelectStatement, UnionType, WindowStatement,
};
use verso_core::{EntityType, TypeCounts};

/// At most this many tables in one `UNION ALL` ([`count_versions`],
/// [`find_type`](crate::find_type)): SQLite refuses a compound select of
/// more than 500 terms, so a store of more types asks in several
/// statements.
pub const UNION_BRANCHES: usize = 400;

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
            .expr(Expr::val((first + i) as i64).cast_as(Alias::new("int8")))
            .expr(Func::count(Expr::col(Asterisk)))
            .expr(Func::count_distinct(Expr::col(Alias::new("lineage_id"))))
            .from(Alias::new(ty.table))
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
/// `created_at`, the version count and the first `created_at`; oldest
/// lineage first.
pub fn lineages(ty: &EntityType) -> SelectStatement {
    let per_lineage = || WindowStatement::partition_by(Alias::new("lineage_id"));
    let mut ranked = Query::select();
    ranked
        .columns(["lineage_id", "ecs_id", "created_at"].map(Alias::new))
        .expr_window_as(
            Func::count(Expr::col(Asterisk)),
            per_lineage(),
            Alias::new("versions"),
        )
        .expr_window_as(
            Func::min(Expr::col(Alias::new("created_at"))),
            per_lineage(),
            Alias::new("first_at"),
        )
        .from(Alias::new(ty.table));
    rank_by_lineage(&mut ranked);
    newest_of_each_lineage(
        ranked,
        ["lineage_id", "ecs_id", "created_at", "versions", "first_at"],
    )
    .order_by(Alias::new("first_at"), Order::Asc)
    .order_by(Alias::new("lineage_id"), Order::Asc)
    .take()
}
