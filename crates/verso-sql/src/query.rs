//! The statements of a typed query ([`EntityQuery`]): one `SELECT` of the
//! whole versions it selects, in its order, or one `COUNT`.
//!
//! Every value travels as a bound parameter; the statement is returned
//! with its parameters in order. The newest version of each lineage is
//! found by an anti-join on the lineage index (`lineage_id, created_at,
//! id`): a version is kept when no version of its lineage is newer (one
//! index probe per candidate). Text compares and sorts by bytes on every
//! backend (the [`Dialect`]'s byte collation), so pages agree across
//! backends and with the memory store.

use crate::layout::meta_columns;
use crate::storage::quoted;
use crate::Dialect;
use sea_query::{Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use verso_core::{
    ColumnType, CompareOp, EntityQuery, EntityType, Filter, QueryColumn, Scope, Value,
};

/// The alias of the queried table.
const ROW: &str = "v";

/// A statement and its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundStatement {
    /// The statement, rendered by the caller's builder.
    pub select: SelectStatement,
    /// The values of its parameters, the first for placeholder 1.
    pub params: Vec<Value>,
}

/// The whole versions (metadata, then the type's columns, as a load reads
/// them) of `ty` that `query` selects, in its order.
pub fn select_query(ty: &EntityType, query: &EntityQuery, d: &impl Dialect) -> BoundStatement {
    let mut builder = Builder::new(ty, d);
    let mut select = Query::select();
    select
        .columns(
            meta_columns()
                .chain(ty.columns.iter().map(|c| c.name))
                .map(|c| (ROW, c)),
        )
        .from_as(ty.table, ROW);
    builder.restrict(&mut select, query);
    if let Some(cursor) = &query.after {
        let after = builder.after_cursor(query, &cursor.keys, cursor.row_id);
        select.cond_where(after);
    }
    for key in &query.order {
        let order = if key.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        select.order_by_expr(builder.comparable(key.column), order);
    }
    let id_order = if query.row_id_descending() {
        Order::Desc
    } else {
        Order::Asc
    };
    select.order_by((ROW, "id"), id_order);
    if let Some(limit) = query.limit {
        select.limit(limit);
    }
    builder.finish(select)
}

/// `COUNT(*)` of the versions of `ty` that `query` selects, ignoring its
/// order, cursor and limit.
pub fn count_query(ty: &EntityType, query: &EntityQuery, d: &impl Dialect) -> BoundStatement {
    let mut builder = Builder::new(ty, d);
    let mut select = Query::select();
    select.expr(Expr::cust("COUNT(*)")).from_as(ty.table, ROW);
    builder.restrict(&mut select, query);
    builder.finish(select)
}

/// Builds one statement's conditions, numbering its parameters.
struct Builder<'a, D> {
    ty: &'a EntityType,
    d: &'a D,
    params: Vec<Value>,
}

impl<'a, D: Dialect> Builder<'a, D> {
    fn new(ty: &'a EntityType, d: &'a D) -> Self {
        Builder {
            ty,
            d,
            params: Vec::new(),
        }
    }

    fn finish(self, select: SelectStatement) -> BoundStatement {
        BoundStatement {
            select,
            params: self.params,
        }
    }

    /// A placeholder for `value`.
    fn param(&mut self, value: Value) -> Expr {
        self.params.push(value);
        self.d.parameter(self.params.len())
    }

    /// The scope, time bound and filter of `query`.
    fn restrict(&mut self, select: &mut SelectStatement, query: &EntityQuery) {
        if let Some(at) = query.as_of {
            let bound = self.param(Value::Timestamp(at));
            select.and_where(Expr::col((ROW, "created_at")).lte(bound));
        }
        if query.scope == Scope::Newest {
            select.and_where(self.newest_of_lineage(query));
        }
        if let Some(filter) = &query.filter {
            let condition = self.filter(filter);
            select.cond_where(condition);
        }
    }

    /// No version of the row's lineage (created by the time bound) is
    /// newer: one probe of the lineage index.
    fn newest_of_lineage(&mut self, query: &EntityQuery) -> Expr {
        let table = quoted(self.ty.table);
        let bound = match query.as_of {
            None => String::new(),
            Some(at) => {
                self.params.push(Value::Timestamp(at));
                format!(" AND n.created_at <= {}", self.d.param(self.params.len()))
            }
        };
        Expr::cust(format!(
            "NOT EXISTS (SELECT 1 FROM {table} AS n WHERE n.lineage_id = {ROW}.lineage_id \
             AND (n.created_at, n.id) > ({ROW}.created_at, {ROW}.id){bound})"
        ))
    }

    fn filter(&mut self, filter: &Filter) -> Cond {
        match filter {
            Filter::Compare { column, op, value } => {
                Cond::all().add(self.compare(*column, *op, value.clone()))
            }
            Filter::In { column, values } => {
                if values.is_empty() {
                    return Cond::all().add(Expr::cust("1 = 0"));
                }
                let column_expr = self.comparable(*column);
                let params: Vec<Expr> = values.iter().map(|v| self.param(v.clone())).collect();
                Cond::all().add(Expr::expr(column_expr).is_in(params))
            }
            Filter::All(filters) => filters
                .iter()
                .fold(Cond::all(), |all, f| all.add(self.filter(f))),
            Filter::Any(filters) => {
                if filters.is_empty() {
                    return Cond::all().add(Expr::cust("1 = 0"));
                }
                filters
                    .iter()
                    .fold(Cond::any(), |any, f| any.add(self.filter(f)))
            }
            Filter::Not(filter) => self.filter(filter).not(),
        }
    }

    fn compare(&mut self, column: QueryColumn, op: CompareOp, value: Value) -> Expr {
        let is_null = matches!(value, Value::Null);
        match (op, is_null) {
            (CompareOp::Eq, true) => return Expr::expr(self.plain(column)).is_null(),
            (CompareOp::Ne, true) => return Expr::expr(self.plain(column)).is_not_null(),
            // A comparison with NULL is unknown: it selects nothing.
            (_, true) => return Expr::cust("1 = 0"),
            _ => {}
        }
        if matches!(op, CompareOp::Contains | CompareOp::StartsWith) {
            let text = self.plain(column);
            let part = self.param(value);
            let position = Expr::expr(Func::cust(self.d.text_position()).arg(text).arg(part));
            return if op == CompareOp::Contains {
                position.gt(0)
            } else {
                position.eq(1)
            };
        }
        let left = Expr::expr(self.comparable(column));
        let right = self.param(value);
        match op {
            CompareOp::Eq => left.eq(right),
            CompareOp::Ne => left.ne(right),
            CompareOp::Lt => left.lt(right),
            CompareOp::Le => left.lte(right),
            CompareOp::Gt => left.gt(right),
            CompareOp::Ge => left.gte(right),
            CompareOp::Contains | CompareOp::StartsWith => unreachable!("handled above"),
        }
    }

    /// Rows after the cursor in the query's order: `(k1, .., id) > (c1,
    /// .., cid)` when every key runs one way, else the expanded
    /// lexicographic comparison.
    fn after_cursor(&mut self, query: &EntityQuery, keys: &[Value], row_id: i64) -> Cond {
        let descending = query.row_id_descending();
        let mut columns: Vec<(Expr, bool)> = query
            .order
            .iter()
            .map(|key| (self.comparable(key.column), key.descending))
            .collect();
        columns.push((Expr::col((ROW, "id")), descending));
        let mut bounds: Vec<Value> = keys.to_vec();
        bounds.push(Value::Int(row_id));
        let mut any = Cond::any();
        for step in 0..columns.len() {
            let mut all = Cond::all();
            for (index, (column, key_descending)) in columns.iter().enumerate().take(step + 1) {
                let bound = self.param(bounds[index].clone());
                let column = Expr::expr(column.clone());
                all = all.add(if index < step {
                    column.eq(bound)
                } else if *key_descending {
                    column.lt(bound)
                } else {
                    column.gt(bound)
                });
            }
            any = any.add(all);
        }
        any
    }

    /// The column as stored.
    fn plain(&self, column: QueryColumn) -> Expr {
        Expr::col((ROW, column.name()))
    }

    /// The column as compared and sorted: text under the byte collation.
    fn comparable(&self, column: QueryColumn) -> Expr {
        let plain = self.plain(column);
        match (self.column_type(column), self.d.byte_collation()) {
            (Some(ColumnType::Text), Some(collation)) => Expr::cust(format!(
                "{}.{} COLLATE {collation}",
                quoted(ROW),
                quoted(column.name())
            )),
            _ => plain,
        }
    }

    fn column_type(&self, column: QueryColumn) -> Option<ColumnType> {
        match column {
            QueryColumn::Field(name) => self
                .ty
                .columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.ty),
            QueryColumn::CreatedAt => Some(ColumnType::Timestamp),
            QueryColumn::LineageId | QueryColumn::EcsId => Some(ColumnType::Uuid),
        }
    }
}
