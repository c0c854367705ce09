//! Queries over the versions of one entity type: which versions
//! ([`Scope`]), which of them match ([`Filter`]), in which order
//! ([`OrderKey`]), and which page ([`Cursor`], limit).
//!
//! A query is data: the facade builds it from typed column handles
//! ([`Col`](crate::Col)), each SQL backend renders it as one statement
//! (`verso_sql::query`), and the memory backend evaluates it with
//! [`EntityQuery::matches`] and [`EntityQuery::sort`], with the same
//! semantics:
//!
//! - comparisons follow SQL: a comparison with `NULL` matches nothing,
//!   except that `eq(None)` and `ne(None)` test for `NULL`;
//! - text compares and sorts by its bytes (code points), on every backend;
//! - every order ends with the row id, so pages never skip nor repeat a
//!   version (keyset pagination).

use crate::driver::{RowMeta, StoredRow};
use crate::schema::EntityType;
use crate::value::Value;
use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// Which versions of the type a query considers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The newest version of each lineage (by `created_at`, then row id,
    /// like [`Store::latest`]): one version per lineage. With
    /// [`EntityQuery::as_of`], the newest created at or before that time.
    #[default]
    Newest,
    /// Every version of every lineage (created at or before
    /// [`EntityQuery::as_of`] when it is set).
    AllVersions,
}

/// A column a query can filter or order by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryColumn {
    /// A column of the type's own fields, by name.
    Field(&'static str),
    /// The version's creation time.
    CreatedAt,
    /// The version's lineage id.
    LineageId,
    /// The version id.
    EcsId,
}

impl QueryColumn {
    /// The column's name in the entity table.
    pub fn name(self) -> &'static str {
        match self {
            QueryColumn::Field(name) => name,
            QueryColumn::CreatedAt => "created_at",
            QueryColumn::LineageId => "lineage_id",
            QueryColumn::EcsId => "ecs_id",
        }
    }

    /// The column's value in `row`; `None` when the type has no such
    /// column.
    pub fn value_in<'r>(self, ty: &EntityType, row: &'r StoredRow) -> Option<ValueRef<'r>> {
        match self {
            QueryColumn::Field(name) => {
                let index = ty.columns.iter().position(|c| c.name == name)?;
                row.values.get(index).map(ValueRef::Stored)
            }
            QueryColumn::CreatedAt => Some(ValueRef::Time(row.meta.created_at)),
            QueryColumn::LineageId => Some(ValueRef::Id(row.meta.lineage_id)),
            QueryColumn::EcsId => Some(ValueRef::Id(row.meta.ecs_id)),
        }
    }
}

/// A column value, borrowed from a row or taken from its metadata.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'r> {
    /// A value of the type's columns.
    Stored(&'r Value),
    /// A metadata timestamp.
    Time(DateTime<Utc>),
    /// A metadata id.
    Id(uuid::Uuid),
}

impl ValueRef<'_> {
    /// The value, owned.
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Stored(value) => value.clone(),
            ValueRef::Time(time) => Value::Timestamp(time),
            ValueRef::Id(id) => Value::Uuid(id),
        }
    }
}

/// How a [`Filter::Compare`] compares a column with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=` (with a `NULL` value: `IS NULL`).
    Eq,
    /// `<>` (with a `NULL` value: `IS NOT NULL`).
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// Text that contains the value (case-sensitive).
    Contains,
    /// Text that starts with the value (case-sensitive).
    StartsWith,
}

/// Which versions of the scope a query keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// A column compared with a value.
    Compare {
        /// The column.
        column: QueryColumn,
        /// The comparison.
        op: CompareOp,
        /// The value (of the column's type).
        value: Value,
    },
    /// The column holds one of the values (none: matches nothing).
    In {
        /// The column.
        column: QueryColumn,
        /// The values.
        values: Vec<Value>,
    },
    /// Every filter matches (none: matches everything).
    All(Vec<Filter>),
    /// Some filter matches (none: matches nothing).
    Any(Vec<Filter>),
    /// The filter does not match (SQL `NOT`: unknown stays unknown).
    Not(Box<Filter>),
}

impl Filter {
    /// Both filters.
    pub fn and(self, other: Filter) -> Filter {
        match self {
            Filter::All(mut all) => {
                all.push(other);
                Filter::All(all)
            }
            first => Filter::All(vec![first, other]),
        }
    }

    /// Either filter.
    pub fn or(self, other: Filter) -> Filter {
        match self {
            Filter::Any(mut any) => {
                any.push(other);
                Filter::Any(any)
            }
            first => Filter::Any(vec![first, other]),
        }
    }

    /// Every column the filter reads.
    pub fn columns(&self, into: &mut Vec<QueryColumn>) {
        match self {
            Filter::Compare { column, .. } | Filter::In { column, .. } => into.push(*column),
            Filter::All(filters) | Filter::Any(filters) => {
                filters.iter().for_each(|f| f.columns(into))
            }
            Filter::Not(filter) => filter.columns(into),
        }
    }

    /// The filter on `row` under SQL's three-valued logic: `None` when it
    /// is unknown (a comparison with `NULL`).
    pub fn eval(&self, ty: &EntityType, row: &StoredRow) -> Option<bool> {
        match self {
            Filter::Compare { column, op, value } => {
                let stored = column.value_in(ty, row)?.to_value();
                compare(&stored, *op, value)
            }
            Filter::In { column, values } => {
                let stored = column.value_in(ty, row)?.to_value();
                if matches!(stored, Value::Null) {
                    return None;
                }
                Some(
                    values
                        .iter()
                        .any(|v| sql_cmp(&stored, v) == Some(Ordering::Equal)),
                )
            }
            Filter::All(filters) => {
                // false AND unknown = false; true AND unknown = unknown.
                let mut unknown = false;
                for filter in filters {
                    match filter.eval(ty, row) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                (!unknown).then_some(true)
            }
            Filter::Any(filters) => {
                let results: Vec<Option<bool>> = filters.iter().map(|f| f.eval(ty, row)).collect();
                if results.contains(&Some(true)) {
                    Some(true)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(false)
                }
            }
            Filter::Not(filter) => filter.eval(ty, row).map(|b| !b),
        }
    }
}

/// `stored op value` under SQL semantics (see the module docs).
fn compare(stored: &Value, op: CompareOp, value: &Value) -> Option<bool> {
    match (op, value) {
        (CompareOp::Eq, Value::Null) => return Some(matches!(stored, Value::Null)),
        (CompareOp::Ne, Value::Null) => return Some(!matches!(stored, Value::Null)),
        _ => {}
    }
    if matches!(stored, Value::Null) || matches!(value, Value::Null) {
        return None;
    }
    if let (Value::Json(a), Value::Json(b)) = (stored, value) {
        // JSON (a list of references) compares as a document, unordered.
        return match op {
            CompareOp::Eq => Some(a == b),
            CompareOp::Ne => Some(a != b),
            _ => None,
        };
    }
    match op {
        CompareOp::Contains | CompareOp::StartsWith => match (stored, value) {
            (Value::Text(text), Value::Text(part)) => Some(if op == CompareOp::Contains {
                text.contains(part.as_str())
            } else {
                text.starts_with(part.as_str())
            }),
            _ => None,
        },
        _ => {
            let ordering = sql_cmp(stored, value)?;
            Some(match op {
                CompareOp::Eq => ordering == Ordering::Equal,
                CompareOp::Ne => ordering != Ordering::Equal,
                CompareOp::Lt => ordering == Ordering::Less,
                CompareOp::Le => ordering != Ordering::Greater,
                CompareOp::Gt => ordering == Ordering::Greater,
                CompareOp::Ge => ordering != Ordering::Less,
                CompareOp::Contains | CompareOp::StartsWith => unreachable!("handled above"),
            })
        }
    }
}

/// How two non-`NULL` values of one column type compare in SQL: text by
/// bytes, numbers by value, `false` before `true`. `None` for `NULL`,
/// values of different kinds, and JSON (which has no order).
pub fn sql_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        (Value::Int(a), Value::Float(b)) => (*a as f64).partial_cmp(b),
        (Value::Float(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)),
        (Value::Text(a), Value::Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Value::Uuid(a), Value::Uuid(b)) => Some(a.cmp(b)),
        (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// One key of a query's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// The column (of a type that has an order, never `NULL`).
    pub column: QueryColumn,
    /// Largest first.
    pub descending: bool,
}

/// Where a page ends: the order keys' values and the row id of its last
/// version. The next page starts after it. A cursor belongs to the query
/// (filter and order) that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The values of the order keys in the last version, in key order.
    pub keys: Vec<Value>,
    /// The last version's row id, which breaks ties.
    pub row_id: i64,
}

/// A query over the versions of one type (see the module docs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityQuery {
    /// Which versions the query considers.
    pub scope: Scope,
    /// Only versions created at or before this time (and, for
    /// [`Scope::Newest`], the newest of each lineage among them).
    pub as_of: Option<DateTime<Utc>>,
    /// Which of them match (`None`: all).
    pub filter: Option<Filter>,
    /// The order, before the row id that ends every order (ascending
    /// unless the last key is descending).
    pub order: Vec<OrderKey>,
    /// Only versions after this cursor, in the query's order.
    pub after: Option<Cursor>,
    /// At most this many versions.
    pub limit: Option<u64>,
}

impl EntityQuery {
    /// Whether the row id at the end of the order runs descending: it
    /// follows the last key, so `created_at DESC` pages newest first.
    pub fn row_id_descending(&self) -> bool {
        self.order.last().is_some_and(|key| key.descending)
    }

    /// The cursor after `row`, the last version of a page.
    pub fn cursor_after(&self, ty: &EntityType, row: &StoredRow) -> Cursor {
        Cursor {
            keys: self.order_values(ty, row),
            row_id: row.meta.id,
        }
    }

    /// The values of the order keys in `row`.
    fn order_values(&self, ty: &EntityType, row: &StoredRow) -> Vec<Value> {
        self.order
            .iter()
            .map(|key| {
                key.column
                    .value_in(ty, row)
                    .map_or(Value::Null, ValueRef::to_value)
            })
            .collect()
    }

    /// How two positions `(order values, row id)` compare in the query's
    /// order (row id last).
    fn compare_positions(&self, a: (&[Value], i64), b: (&[Value], i64)) -> Ordering {
        for ((key, x), y) in self.order.iter().zip(a.0).zip(b.0) {
            let ordering = sql_cmp(x, y).unwrap_or(Ordering::Equal);
            let ordering = if key.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        let ordering = a.1.cmp(&b.1);
        if self.row_id_descending() {
            ordering.reverse()
        } else {
            ordering
        }
    }

    /// Whether the version at `position` comes after the query's cursor
    /// (always, without one).
    fn is_after_cursor(&self, position: (&[Value], i64)) -> bool {
        self.after.as_ref().is_none_or(|cursor| {
            self.compare_positions(position, (&cursor.keys, cursor.row_id)) == Ordering::Greater
        })
    }

    /// The versions among `versions` (every stored version of the type)
    /// that the query selects, in its order: scope, time bound, filter,
    /// cursor and limit applied. The memory backend's evaluation, and the
    /// specification the SQL backends' statements follow.
    pub fn select<'r>(&self, ty: &EntityType, versions: &'r [StoredRow]) -> Vec<&'r StoredRow> {
        let in_time = |row: &&StoredRow| self.as_of.is_none_or(|at| row.meta.created_at <= at);
        let mut candidates: Vec<&StoredRow> = versions.iter().filter(in_time).collect();
        if self.scope == Scope::Newest {
            let mut newest: std::collections::HashMap<uuid::Uuid, &StoredRow> =
                std::collections::HashMap::new();
            for row in candidates {
                let entry = newest.entry(row.meta.lineage_id).or_insert(row);
                if newer(&row.meta, &entry.meta) {
                    *entry = row;
                }
            }
            candidates = newest.into_values().collect();
        }
        // Each version with its position in the order, computed once.
        let mut selected: Vec<(Vec<Value>, &StoredRow)> = candidates
            .into_iter()
            .filter(|row| self.matches(ty, row))
            .map(|row| (self.order_values(ty, row), row))
            .filter(|(keys, row)| self.is_after_cursor((keys, row.meta.id)))
            .collect();
        selected.sort_by(|(a, x), (b, y)| self.compare_positions((a, x.meta.id), (b, y.meta.id)));
        if let Some(limit) = self.limit {
            selected.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        selected.into_iter().map(|(_, row)| row).collect()
    }

    /// Whether `row` passes the query's filter (an unknown result does
    /// not, as in SQL's `WHERE`).
    pub fn matches(&self, ty: &EntityType, row: &StoredRow) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|filter| filter.eval(ty, row) == Some(true))
    }

    /// The query without its order, cursor and limit: what
    /// [`count`](crate::Driver::count) counts.
    pub fn for_count(&self) -> EntityQuery {
        EntityQuery {
            scope: self.scope,
            as_of: self.as_of,
            filter: self.filter.clone(),
            order: Vec::new(),
            after: None,
            limit: None,
        }
    }
}

/// Whether `a` is newer than `b` in a lineage: later `created_at`, then
/// larger row id.
fn newer(a: &RowMeta, b: &RowMeta) -> bool {
    (a.created_at, a.id) > (b.created_at, b.id)
}
