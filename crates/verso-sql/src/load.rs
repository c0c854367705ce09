//! The queries of a load: versions by id, version metadata, and which
//! table holds an id.

use crate::layout::meta_columns;
use crate::rank::{newest_of_each_lineage, rank_by_lineage};
use crate::Dialect;
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement, UnionType};
use verso_core::{EntityType, VersionFilter, VersionQuery};

/// The whole versions of `ty` (metadata, then the type's columns) whose
/// `ecs_id` is in the id list bound as parameter 1.
pub fn select_by_ids(ty: &EntityType, dialect: &impl Dialect) -> SelectStatement {
    select_whole(ty)
        .and_where(dialect.in_id_list("ecs_id", 1))
        .take()
}

/// The whole version of `ty` whose `ecs_id` is bound as parameter 1.
pub fn select_by_id(ty: &EntityType, dialect: &impl Dialect) -> SelectStatement {
    select_whole(ty)
        .and_where(Expr::col("ecs_id").eq(dialect.parameter(1)))
        .take()
}

fn select_whole(ty: &EntityType) -> SelectStatement {
    Query::select()
        .columns(meta_columns().chain(ty.columns.iter().map(|c| c.name)))
        .from(ty.table)
        .take()
}

/// The metadata of the versions of `ty` that `query` selects, oldest
/// first. A filter on a column reads its values from the id list bound as
/// parameter 1.
///
/// A filter on a list of references (`Vec<Ref<T>>`) selects the versions
/// whose list holds one of the ids.
///
/// With `newest_per_lineage`, a version is selected when it is the newest of
/// its lineage *and* matches the filter: a link re-pointed elsewhere in its
/// newest version no longer counts as pointing here.
pub fn select_versions(
    ty: &EntityType,
    query: &VersionQuery,
    dialect: &impl Dialect,
) -> SelectStatement {
    let mut select = Query::select();
    select.columns(meta_columns()).from(ty.table);
    let filter = match &query.filter {
        VersionFilter::In { column, .. } => Some(*column),
        VersionFilter::All => None,
    };
    // A list of references holds the ids as a JSON array.
    let holds = |column: &str| {
        let list = ty
            .columns
            .iter()
            .any(|c| c.name == column && c.references.is_some_and(|r| r.many));
        if list {
            dialect.list_holds_any(column, 1)
        } else {
            dialect.in_id_list(column, 1)
        }
    };
    match (filter, query.newest_per_lineage) {
        (None, false) => {}
        (Some(column), false) => {
            select.and_where(holds(column));
        }
        (filter, true) => {
            if let Some(column) = filter {
                // Rank every version of the lineages with a matching version.
                let lineages = Query::select()
                    .column("lineage_id")
                    .from(ty.table)
                    .and_where(holds(column))
                    .take();
                select.and_where(Expr::col("lineage_id").in_subquery(lineages));
                if !meta_columns().any(|c| c == column) {
                    select.column(column);
                }
            }
            rank_by_lineage(&mut select);
            select = newest_of_each_lineage(select, meta_columns());
            if let Some(column) = filter {
                select.and_where(holds(column));
            }
        }
    }
    select
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .take()
}

/// The name of the type whose table holds the version (`column` =
/// `ecs_id`) or lineage (`column` = `lineage_id`) bound as parameter 1,
/// one `UNION ALL` branch per table of `tables`: each branch returns the
/// type name bound as parameter 2 for the first table, 3 for the second,
/// and so on. At most one row.
///
/// # Panics
///
/// When `tables` is empty.
pub fn find_type(tables: &[&str], column: &str, dialect: &impl Dialect) -> SelectStatement {
    let mut branches = tables.iter().enumerate().map(|(i, table)| {
        Query::select()
            .expr(dialect.parameter(i + 2).cast_as("text"))
            .from(Alias::new(*table))
            .and_where(Expr::col(Alias::new(column)).eq(dialect.parameter(1)))
            .take()
    });
    let mut union = branches.next().expect("at least one table");
    for branch in branches {
        union.union(UnionType::All, branch);
    }
    union.limit(1).take()
}

/// Which ids of the id list bound as parameter 1 the column `column`
/// (`ecs_id` or `lineage_id`) of `ty`'s table holds: one row `value` per
/// id found. Each id is answered by an `EXISTS` on the column's index, so
/// the cost is that of the ids, however long their lineages.
pub fn stored_ids(ty: &EntityType, column: &str, dialect: &impl Dialect) -> String {
    format!(
        "SELECT w.value FROM {} WHERE EXISTS (SELECT 1 FROM {} AS v WHERE v.{column} = w.value)",
        dialect.each_id(&dialect.param(1), "w"),
        crate::storage::quoted(ty.table),
    )
}

/// The versions of `ty` forked from the versions in the id list bound as
/// parameter 1: what a commit that refuses to branch looks for.
pub fn forks_of(ty: &EntityType, dialect: &impl Dialect) -> SelectStatement {
    select_versions(ty, &VersionQuery::in_column("parent_id"), dialect)
}

/// The versions of `ty` in the id list bound as parameter 1, locked until
/// the end of the transaction (`FOR UPDATE`), so concurrent forks of them
/// take turns.
pub fn lock_versions(ty: &EntityType, dialect: &impl Dialect) -> SelectStatement {
    select_versions(ty, &VersionQuery::in_column("ecs_id"), dialect)
        .lock(sea_query::LockType::Update)
        .take()
}
