//! Keeping the newest version of each lineage.

use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement, WindowStatement};

/// The name of the rank column in the ranked subquery.
const RANK: &str = "verso_rank";

/// Adds `row_number() OVER (PARTITION BY lineage_id ORDER BY created_at
/// DESC, id DESC)` to `select` as its rank column: 1 on the newest version
/// of each lineage (the row id breaks ties between equal timestamps).
pub(crate) fn rank_by_lineage(select: &mut SelectStatement) {
    select.expr_window_as(
        Func::cust("row_number"),
        WindowStatement::partition_by("lineage_id")
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .take(),
        RANK,
    );
}

/// `SELECT <columns> FROM (<ranked>) AS ranked WHERE verso_rank = 1`: the
/// rows of `ranked` (ranked by [`rank_by_lineage`]) that are the newest of
/// their lineage.
pub(crate) fn newest_of_each_lineage(
    ranked: SelectStatement,
    columns: impl IntoIterator<Item = &'static str>,
) -> SelectStatement {
    Query::select()
        .columns(columns)
        .from_subquery(ranked, "ranked")
        .and_where(Expr::col(RANK).eq(1))
        .take()
}
