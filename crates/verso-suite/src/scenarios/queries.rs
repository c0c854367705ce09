//! Typed queries: filters, orders, limits and keyset pages over the newest
//! versions or every version of a type, counted, as of a time, with their
//! trees loaded in a bounded number of statements.

use crate::cost;
use std::time::Duration;
use verso::{Col, DateTime, Entity, Error, Meta, Ref, Store, Utc};

/// A note: every comparable column kind, and an optional one.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct QueryNote {
    meta: Meta,
    title: String,
    stars: i64,
    rating: f64,
    pinned: bool,
    subtitle: Option<String>,
    due: DateTime<Utc>,
    shelf: Option<Ref<QueryShelf>>,
}

/// A shelf owning notes, for queries whose results are trees.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct QueryShelf {
    meta: Meta,
    label: String,
    #[verso(child)]
    notes: Vec<QueryNote>,
}

fn note(title: &str, stars: i64) -> QueryNote {
    QueryNote {
        meta: Meta::new(),
        title: title.into(),
        stars,
        rating: stars as f64 / 2.0,
        pinned: stars % 2 == 0,
        subtitle: None,
        due: DateTime::UNIX_EPOCH + Duration::from_secs(86_400 * stars as u64),
        shelf: None,
    }
}

async fn stored(store: &Store, notes: &[(&str, i64)]) -> Vec<QueryNote> {
    let mut stored = Vec::new();
    for (title, stars) in notes {
        let mut note = note(title, *stars);
        store.commit(&mut note).await.unwrap();
        stored.push(note);
    }
    stored
}

fn titles(notes: &[QueryNote]) -> Vec<&str> {
    notes.iter().map(|n| n.title.as_str()).collect()
}

pub async fn a_query_filters_orders_and_limits_the_newest_versions(store: &Store) {
    let mut notes = stored(
        store,
        &[
            ("rust tips", 3),
            ("cooking", 5),
            ("rust traits", 4),
            ("rust macros", 1),
            ("gardening", 2),
        ],
    )
    .await;
    // A new version of "rust macros" leaves the old title behind.
    notes[3].title = "macros in depth".into();
    store.commit(&mut notes[3]).await.unwrap();

    let fields = QueryNote::FIELDS;
    let found = store
        .query::<QueryNote>()
        .filter(fields.title.contains("rust"))
        .order_by(fields.stars.desc())
        .limit(2)
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&found), ["rust traits", "rust tips"]);
    assert_eq!(found[0], notes[2], "whole versions, ids and fields");

    let renamed = store
        .query::<QueryNote>()
        .filter(fields.title.starts_with("macros"))
        .fetch()
        .await
        .unwrap();
    assert_eq!(renamed, [notes[3].clone()], "the newest version only");
    let old = store
        .query::<QueryNote>()
        .filter(fields.title.eq("rust macros"))
        .fetch()
        .await
        .unwrap();
    assert!(old.is_empty(), "a superseded version is not a newest one");
}

pub async fn every_comparison_kind_selects_what_sql_would(store: &Store) {
    let mut notes = stored(store, &[("a", 1), ("b", 2), ("c", 3), ("d", 4)]).await;
    notes[1].subtitle = Some("second".into());
    store.commit(&mut notes[1]).await.unwrap();
    let f = QueryNote::FIELDS;
    let select = |filter: verso::Where<QueryNote>| async move {
        let found = store
            .query::<QueryNote>()
            .filter(filter)
            .order_by(f.title.asc())
            .fetch()
            .await
            .unwrap();
        titles(&found).join("")
    };
    assert_eq!(select(f.stars.gt(2)).await, "cd");
    assert_eq!(select(f.stars.ge(2)).await, "bcd");
    assert_eq!(select(f.stars.lt(2)).await, "a");
    assert_eq!(select(f.stars.le(2)).await, "ab");
    assert_eq!(select(f.stars.ne(2)).await, "acd");
    assert_eq!(select(f.stars.is_in([1, 4, 9])).await, "ad");
    assert_eq!(select(f.stars.is_in(Vec::<i64>::new())).await, "");
    assert_eq!(select(f.rating.lt(1.5)).await, "ab");
    assert_eq!(select(f.pinned.eq(true)).await, "bd");
    let day = DateTime::UNIX_EPOCH + Duration::from_secs(3 * 86_400);
    assert_eq!(select(f.due.ge(day)).await, "cd");
    assert_eq!(select(f.stars.eq(1) | f.stars.eq(3)).await, "ac");
    assert_eq!(select(f.stars.gt(1) & f.pinned.eq(false)).await, "c");
    assert_eq!(select(!f.pinned.eq(true)).await, "ac");
    // NULL: `eq(None)` tests for it; a comparison with a missing value is
    // unknown, and so is its negation.
    assert_eq!(select(f.subtitle.is_null()).await, "acd");
    assert_eq!(select(f.subtitle.eq(None)).await, "acd");
    assert_eq!(select(f.subtitle.is_not_null()).await, "b");
    assert_eq!(select(f.subtitle.ne(Some("x".to_string()))).await, "b");
    assert_eq!(select(f.subtitle.gt("r")).await, "b");
    assert_eq!(select(!f.subtitle.gt("r")).await, "");
    assert_eq!(select(f.subtitle.contains("eco")).await, "b");
    let lineage = notes[2].meta.lineage_id();
    assert_eq!(select(Col::lineage_id().eq(lineage)).await, "c");
    assert_eq!(select(Col::ecs_id().eq(notes[1].meta.ecs_id())).await, "b");
}

pub async fn text_compares_and_sorts_by_bytes_on_every_backend(store: &Store) {
    stored(
        store,
        &[
            ("b", 1),
            ("B", 2),
            ("_x", 3),
            ("é", 4),
            ("a", 5),
            ("Rust", 6),
        ],
    )
    .await;
    let f = QueryNote::FIELDS;
    let sorted = store
        .query::<QueryNote>()
        .order_by(f.title.asc())
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&sorted), ["B", "Rust", "_x", "a", "b", "é"]);
    let matched = store
        .query::<QueryNote>()
        .filter(f.title.contains("rust") | f.title.gt("b"))
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&matched), ["é"], "case-sensitive, byte order");
}

pub async fn pages_follow_one_another_without_skipping_or_repeating(store: &Store) {
    let stars: Vec<(String, i64)> = (0..23).map(|i| (format!("note {i:02}"), i % 4)).collect();
    let pairs: Vec<(&str, i64)> = stars.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    stored(store, &pairs).await;
    let f = QueryNote::FIELDS;
    let query = || {
        store
            .query::<QueryNote>()
            .order_by(f.stars.desc())
            .order_by(f.title.asc())
            .limit(5)
    };
    let mut seen = Vec::new();
    let mut costs = Vec::new();
    let mut page = query().page().await.unwrap();
    loop {
        seen.extend(page.items.iter().map(|n| (n.stars, n.title.clone())));
        let Some(next) = page.next.take() else { break };
        let (cost, next_page) = cost!(store, query().after(next).page().await.unwrap());
        costs.push(cost.statements);
        page = next_page;
    }
    let mut expected: Vec<(i64, String)> = stars.iter().map(|(t, s)| (*s, t.clone())).collect();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(seen, expected, "every note once, in order");
    assert!(
        costs.iter().all(|&c| c == 1),
        "one statement per page: {costs:?}"
    );

    // Mixed directions and ties on every key: the row id ends the order.
    let mut newest = Vec::new();
    let mut cursor = None;
    loop {
        let mut q = store
            .query::<QueryNote>()
            .order_by(f.pinned.asc())
            .newest_first()
            .limit(4);
        if let Some(c) = cursor.take() {
            q = q.after(c);
        }
        let page = q.page().await.unwrap();
        newest.extend(page.items.iter().map(|n| n.meta.ecs_id()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let all = store
        .query::<QueryNote>()
        .order_by(f.pinned.asc())
        .newest_first()
        .fetch()
        .await
        .unwrap();
    let all: Vec<_> = all.iter().map(|n| n.meta.ecs_id()).collect();
    assert_eq!(newest, all);
    assert_eq!(all.len(), 23);
}

pub async fn a_query_loads_whole_trees_in_statements_independent_of_the_page(store: &Store) {
    let mut cost_of_page = Vec::new();
    for shelves in [2_usize, 20] {
        for index in 0..shelves {
            let mut shelf = QueryShelf {
                meta: Meta::new(),
                label: format!("{shelves}-{index:02}"),
                notes: (0..3).map(|n| note(&format!("n{n}"), n)).collect(),
            };
            store.commit(&mut shelf).await.unwrap();
        }
        let prefix = format!("{shelves}-");
        let (cost, page) = cost!(
            store,
            store
                .query::<QueryShelf>()
                .filter(QueryShelf::FIELDS.label.starts_with(&prefix))
                .order_by(QueryShelf::FIELDS.label.desc())
                .fetch()
                .await
                .unwrap()
        );
        assert_eq!(page.len(), shelves);
        assert_eq!(page[0].label, format!("{shelves}-{:02}", shelves - 1));
        let stored: QueryShelf = store.get(page[0].meta.ecs_id()).await.unwrap();
        assert_eq!(page[0], stored, "the whole tree");
        cost_of_page.push(cost.statements);
    }
    assert_eq!(cost_of_page[0], cost_of_page[1], "{cost_of_page:?}");
    assert!(
        cost_of_page[0] <= 3,
        "query, walk, children: {cost_of_page:?}"
    );
}

pub async fn all_versions_and_as_of_travel_back_in_time(store: &Store) {
    let mut notes = stored(store, &[("first", 1), ("other", 2)]).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let between = verso::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    notes[0].title = "first, edited".into();
    store.commit(&mut notes[0]).await.unwrap();

    let f = QueryNote::FIELDS;
    let then = store
        .query::<QueryNote>()
        .as_of(between)
        .order_by(f.title.asc())
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&then), ["first", "other"]);
    let now = store
        .query::<QueryNote>()
        .order_by(f.title.asc())
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&now), ["first, edited", "other"]);
    let every = store
        .query::<QueryNote>()
        .all_versions()
        .filter(f.stars.eq(1))
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&every), ["first", "first, edited"], "row order");
    let every_then = store
        .query::<QueryNote>()
        .all_versions()
        .as_of(between)
        .count()
        .await
        .unwrap();
    assert_eq!(every_then, 2);
}

pub async fn count_ignores_order_cursor_and_limit(store: &Store) {
    stored(store, &[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]).await;
    let f = QueryNote::FIELDS;
    let (cost, count) = cost!(
        store,
        store
            .query::<QueryNote>()
            .filter(f.stars.ge(2))
            .order_by(f.stars.asc())
            .limit(2)
            .count()
            .await
            .unwrap()
    );
    assert_eq!(count, 4);
    assert_eq!(cost.statements, 1);
    assert_eq!(store.query::<QueryNote>().count().await.unwrap(), 5);
}

pub async fn a_reference_filter_finds_who_points_at_a_version(store: &Store) {
    let mut shelf = QueryShelf {
        meta: Meta::new(),
        label: "target".into(),
        notes: Vec::new(),
    };
    store.commit(&mut shelf).await.unwrap();
    let mut notes = stored(store, &[("pointing", 1), ("not", 2)]).await;
    notes[0].shelf = Some(Ref::to(&shelf));
    store.commit(&mut notes[0]).await.unwrap();
    let found = store
        .query::<QueryNote>()
        .filter(QueryNote::FIELDS.shelf.eq(Some(Ref::to(&shelf))))
        .fetch()
        .await
        .unwrap();
    assert_eq!(titles(&found), ["pointing"]);
}

pub async fn a_cursor_of_another_order_or_an_unknown_column_is_refused(store: &Store) {
    stored(store, &[("a", 1), ("b", 2)]).await;
    let f = QueryNote::FIELDS;
    let page = store
        .query::<QueryNote>()
        .order_by(f.stars.asc())
        .order_by(f.title.asc())
        .limit(1)
        .page()
        .await
        .unwrap();
    let cursor = page.next.expect("a full page has a next cursor");
    let other_order = store
        .query::<QueryNote>()
        .order_by(f.stars.asc())
        .after(cursor)
        .fetch()
        .await;
    assert!(
        matches!(&other_order, Err(Error::InvalidQuery { type_name, .. }) if type_name == "QueryNote"),
        "{other_order:?}"
    );
    // A handle built by hand, on a column the type lacks.
    let unknown = store
        .query::<QueryNote>()
        .filter(Col::<QueryNote, i64>::field("stras").eq(1))
        .count()
        .await;
    assert!(
        matches!(&unknown, Err(Error::InvalidQuery { detail, .. }) if detail.contains("stras")),
        "{unknown:?}"
    );
}
