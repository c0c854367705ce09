//! Typed queries: filter, order, limit and keyset pagination over the
//! versions of one entity type, built from the handles `#[derive(Entity)]`
//! generates (`T::FIELDS`).

use crate::Store;
use chrono::{DateTime, Utc};
use std::marker::PhantomData;
use verso_core::{
    reachable_types, Assembly, Cursor, Entity, EntityQuery, Error, LoadRequest, Order, QueryColumn,
    Result, Scope, Where,
};

/// A query over the versions of `T`, from [`Store::query`]. By default it
/// selects the newest version of each lineage, in row order (the order
/// they were stored); each method narrows or orders it.
///
/// A query runs as one statement that selects the whole matching
/// versions, followed by the same statements a load of their trees
/// needs: about one per table, whatever the page size. Filters on
/// `lineage_id`, `ecs_id` and reference fields use the table's indexes;
/// other filters read each candidate version of the type.
///
/// ```
/// use verso::{Col, Entity, Meta, Store};
///
/// #[derive(Clone, Debug, Entity)]
/// struct Note {
///     meta: Meta,
///     title: String,
///     stars: i64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> verso::Result<()> {
/// let store = Store::open("sqlite::memory:").await?;
/// for (title, stars) in [("rust tips", 5), ("cooking", 3), ("rust traits", 4)] {
///     let mut note = Note { meta: Meta::new(), title: title.into(), stars };
///     store.commit(&mut note).await?;
/// }
/// let page = store
///     .query::<Note>()
///     .filter(Note::FIELDS.title.contains("rust"))
///     .order_by(Note::FIELDS.stars.desc())
///     .limit(1)
///     .page()
///     .await?;
/// assert_eq!(page.items[0].title, "rust tips");
///
/// let next = store
///     .query::<Note>()
///     .filter(Note::FIELDS.title.contains("rust"))
///     .order_by(Note::FIELDS.stars.desc())
///     .limit(1)
///     .after(page.next.unwrap())
///     .fetch()
///     .await?;
/// assert_eq!(next[0].title, "rust traits");
/// assert_eq!(store.query::<Note>().filter(Note::FIELDS.stars.ge(4)).count().await?, 2);
/// # let _ = Col::<Note, _>::created_at();
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until it is fetched or counted"]
pub struct Query<'s, T> {
    store: &'s Store,
    query: EntityQuery,
    marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Query<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl<T> Clone for Query<'_, T> {
    fn clone(&self) -> Self {
        Query {
            store: self.store,
            query: self.query.clone(),
            marker: PhantomData,
        }
    }
}

/// One page of a query's results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The versions of the page, in the query's order, each with its
    /// subtree.
    pub items: Vec<T>,
    /// Where the next page starts ([`Query::after`]); `None` when this
    /// page was not full, so nothing follows.
    pub next: Option<Cursor>,
}

impl Store {
    /// A query over the versions of `T`: see [`Query`].
    pub fn query<T: Entity>(&self) -> Query<'_, T> {
        Query {
            store: self,
            query: EntityQuery::default(),
            marker: PhantomData,
        }
    }
}

impl<'s, T: Entity> Query<'s, T> {
    /// Keeps the versions that match `filter` too (filters add up with
    /// AND; combine with `&`, `|` and `!` for more).
    pub fn filter(mut self, filter: Where<T>) -> Self {
        let filter = filter.into_filter();
        self.query.filter = Some(match self.query.filter.take() {
            Some(existing) => existing.and(filter),
            None => filter,
        });
        self
    }

    /// Orders by `key` after the keys given before; the row id (the order
    /// versions were stored) breaks ties, in the direction of the last
    /// key.
    pub fn order_by(mut self, key: Order<T>) -> Self {
        self.query.order.push(key.key());
        self
    }

    /// Newest versions first (by `created_at`, then row id).
    pub fn newest_first(self) -> Self {
        self.order_by(verso_core::Col::created_at().desc())
    }

    /// Considers every version of every lineage instead of the newest of
    /// each.
    pub fn all_versions(mut self) -> Self {
        self.query.scope = Scope::AllVersions;
        self
    }

    /// Only versions created at or before `time`: the newest of each
    /// lineage as it was then (or, with [`all_versions`](Self::all_versions),
    /// every version that existed then).
    pub fn as_of(mut self, time: DateTime<Utc>) -> Self {
        self.query.as_of = Some(time);
        self
    }

    /// At most `limit` versions.
    pub fn limit(mut self, limit: u64) -> Self {
        self.query.limit = Some(limit);
        self
    }

    /// Only versions after `cursor`, the [`Page::next`] of the previous
    /// page of this same query (same filter and order).
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.query.after = Some(cursor);
        self
    }

    /// The query as data, as the drivers receive it.
    pub fn as_entity_query(&self) -> &EntityQuery {
        &self.query
    }

    /// The selected versions, each with its subtree, in the query's order.
    pub async fn fetch(self) -> Result<Vec<T>> {
        Ok(self.page().await?.items)
    }

    /// The selected versions as a [`Page`], with the cursor of the next
    /// one when this one is full.
    ///
    /// Errors: [`Error::InvalidQuery`] when the cursor does not fit the
    /// query's order (one value per order key).
    pub async fn page(self) -> Result<Page<T>> {
        let ty = T::entity_type();
        self.check()?;
        let store = self.store;
        store.ensure(ty).await?;
        let request = LoadRequest {
            root_type: ty,
            roots: Vec::new(),
            types: reachable_types(ty),
        };
        let loaded = store
            .recreating_dropped_tables(&[ty], || store.driver.load_query(&request, &self.query))
            .await?;
        let mut assembly = Assembly::new(&loaded)?;
        let items = loaded
            .selected
            .iter()
            .map(|&id| assembly.build::<T>(id))
            .collect::<Result<Vec<T>>>()?;
        let full = self
            .query
            .limit
            .is_some_and(|limit| limit > 0 && items.len() as u64 == limit);
        let next = match loaded.selected.last() {
            Some(last) if full => Some(self.query.cursor_after(ty, &loaded.rows[last])),
            _ => None,
        };
        Ok(Page { items, next })
    }

    /// How many versions the query selects, ignoring its order, cursor and
    /// limit. One statement.
    pub async fn count(self) -> Result<u64> {
        let ty = T::entity_type();
        self.check()?;
        self.store.ensure(ty).await?;
        self.store.driver.count(ty, &self.query.for_count()).await
    }

    /// Refuses what no backend could run: a column the type does not have
    /// (a handle built by hand), or a cursor of another order.
    fn check(&self) -> Result<()> {
        let ty = T::entity_type();
        let invalid = |detail: String| Error::InvalidQuery {
            type_name: ty.name.to_string(),
            detail,
        };
        let mut columns: Vec<QueryColumn> = self.query.order.iter().map(|k| k.column).collect();
        if let Some(filter) = &self.query.filter {
            filter.columns(&mut columns);
        }
        for column in columns {
            if let QueryColumn::Field(name) = column {
                if !ty.columns.iter().any(|c| c.name == name) {
                    return Err(invalid(format!("{} has no column {name:?}", ty.name)));
                }
            }
        }
        if let Some(cursor) = &self.query.after {
            if cursor.keys.len() != self.query.order.len() {
                return Err(invalid(format!(
                    "the cursor holds {} order values, the query orders by {} keys: \
                     a cursor continues the query that made it",
                    cursor.keys.len(),
                    self.query.order.len()
                )));
            }
        }
        Ok(())
    }
}
