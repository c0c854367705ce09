//! Edge cases of values, schemas, polymorphism, errors and failed
//! commits. Each scenario names the behaviour that must hold on every
//! backend.

use crate::cost;
use crate::model::*;
use serde_json::json;
use std::collections::BTreeMap;
use verso::{
    ColumnType, DateTime, Entity, Error, Fault, Field, Meta, Node, Stats, Store, Utc, Uuid, Value,
    Versions,
};

/// One number of every scalar kind that travels badly.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Measure {
    pub meta: Meta,
    pub x: f64,
    pub maybe: Option<f64>,
    pub n: i64,
    pub label: String,
}

impl Measure {
    pub fn new(x: f64) -> Self {
        Measure {
            meta: Meta::new(),
            x,
            maybe: Some(x),
            n: 0,
            label: String::new(),
        }
    }
}

/// Many measures in one tree, so one commit and one load cover them all.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Series {
    pub meta: Meta,
    pub name: String,
    #[verso(child)]
    pub points: Vec<Measure>,
}

/// Timestamps, required and optional.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Event {
    pub meta: Meta,
    pub at: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

fn bits(points: &[Measure]) -> Vec<(u64, Option<u64>, i64)> {
    points
        .iter()
        .map(|p| (p.x.to_bits(), p.maybe.map(f64::to_bits), p.n))
        .collect()
}

async fn stored_series(store: &Store, points: Vec<Measure>) -> (Series, Series) {
    let mut series = Series {
        meta: Meta::new(),
        name: "series".into(),
        points,
    };
    store.commit(&mut series).await.expect("commit the series");
    let loaded: Series = store
        .get(series.meta.ecs_id())
        .await
        .expect("load the series");
    (series, loaded)
}

pub async fn infinities_round_trip_required_and_optional(store: &Store) {
    let points = [f64::INFINITY, f64::NEG_INFINITY]
        .into_iter()
        .map(|x| Measure {
            maybe: Some(x),
            ..Measure::new(x)
        })
        .collect();
    let (series, loaded) = stored_series(store, points).await;
    assert_eq!(bits(&loaded.points), bits(&series.points));
}

pub async fn nan_round_trips_or_is_refused_naming_the_entity(store: &Store) {
    for (required, optional) in [(f64::NAN, Some(1.0)), (1.0, Some(f64::NAN))] {
        let point = Measure {
            maybe: optional,
            ..Measure::new(required)
        };
        let id = point.meta.ecs_id();
        let mut series = Series {
            meta: Meta::new(),
            name: "nan".into(),
            points: vec![point],
        };
        match store.commit(&mut series).await {
            Ok(_) => {
                let loaded: Series = store.get(series.meta.ecs_id()).await.unwrap();
                assert_eq!(
                    bits(&loaded.points),
                    bits(&series.points),
                    "NaN comes back as NaN"
                );
            }
            // SQLite has no NaN: it would silently store NULL.
            Err(Error::InvalidInput {
                type_name,
                id: named,
                ..
            }) => {
                assert_eq!((type_name.as_str(), named), ("Measure", id));
            }
            Err(other) => panic!("expected a round trip or InvalidInput, got {other:?}"),
        }
    }
}

pub async fn negative_zero_is_stored_as_zero_everywhere(store: &Store) {
    let mut point = Measure::new(-0.0);
    point.maybe = Some(-0.0);
    let (mut series, loaded) = stored_series(store, vec![point]).await;
    assert_eq!(
        bits(&loaded.points),
        vec![(0.0f64.to_bits(), Some(0.0f64.to_bits()), 0)],
        "SQLite keeps no sign on zero, so no backend does"
    );
    let (cost, report) = cost!(store, store.commit(&mut series).await.unwrap());
    assert!(
        report.is_empty() && cost.statements == 0,
        "-0.0 and 0.0 are the same value"
    );
}

/// A small deterministic generator, for values without a dependency.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

pub async fn every_finite_float_and_integer_round_trips_bit_for_bit(store: &Store) {
    let mut values = vec![
        0.0,
        1.0,
        0.1,
        0.1 + 0.2,
        1.0 / 3.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        5e-324,                     // the smallest subnormal
        2.225_073_858_507_201e-308, // the largest subnormal
        9_007_199_254_740_993.0,    // 2^53 + 1, rounded
        1e16,
        1e300,
        123_456_789.123_456_78,
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15;
    while values.len() < 2_000 {
        let candidate = f64::from_bits(xorshift(&mut state));
        if candidate.is_finite() {
            values.push(candidate);
        }
    }
    let integers = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let points: Vec<Measure> = values
        .iter()
        .enumerate()
        .map(|(i, &x)| Measure {
            n: integers[i % integers.len()],
            ..Measure::new(x)
        })
        .collect();
    let (series, loaded) = stored_series(store, points).await;
    let sent = bits(&series.points);
    let back = bits(&loaded.points);
    let differing: Vec<String> = sent
        .iter()
        .zip(&back)
        .filter(|(a, b)| a != b)
        .take(5)
        .map(|(a, b)| {
            format!(
                "sent {:e} / {}, read {:e} / {}",
                f64::from_bits(a.0),
                a.2,
                f64::from_bits(b.0),
                b.2
            )
        })
        .collect();
    assert!(differing.is_empty(), "values changed: {differing:?}");
}

pub async fn long_and_unusual_unicode_text_round_trips(store: &Store) {
    let controls: String = (1u8..32).map(char::from).collect();
    let unusual = format!(
        "{controls}\u{7f} \\ \" ' ` $1 %s {{}} 👩‍👩‍👧 e\u{301} \u{202e}RTL\u{202c} \u{feff} \u{fffd} \u{10ffff} 中文"
    );
    let mut long = String::new();
    while long.len() < 1 << 20 {
        long.push_str(&unusual);
    }
    let points = [unusual.clone(), long, String::new()]
        .into_iter()
        .map(|label| Measure {
            label,
            ..Measure::new(1.0)
        })
        .collect();
    let (series, loaded) = stored_series(store, points).await;
    for (sent, back) in series.points.iter().zip(&loaded.points) {
        assert!(
            sent.label == back.label,
            "text of {} bytes came back as {} bytes",
            sent.label.len(),
            back.label.len()
        );
    }
}

/// Stores `measure` and expects it back unchanged, or an `InvalidInput`
/// naming its type and id with nothing stored.
async fn round_trips_or_is_refused(store: &Store, mut measure: Measure) {
    let id = measure.meta.ecs_id();
    match store.commit(&mut measure).await {
        Ok(_) => {
            let loaded = store.get::<Measure>(id).await;
            match loaded {
                Ok(loaded) => assert!(
                    loaded.label == measure.label,
                    "{:?} came back as {:?}",
                    measure.label,
                    loaded.label
                ),
                Err(error) => panic!("stored, but cannot be read back: {error}"),
            }
        }
        Err(Error::InvalidInput {
            type_name,
            id: named,
            ..
        }) => {
            assert_eq!((type_name.as_str(), named), ("Measure", id));
            assert!(matches!(
                store.get::<Measure>(id).await,
                Err(Error::NotFound { .. })
            ));
        }
        Err(other) => panic!(
            "expected the text to round-trip, or an InvalidInput naming Measure {id}; got {other:?}"
        ),
    }
}

pub async fn a_nul_character_in_text_round_trips_or_is_invalid_input(store: &Store) {
    let measure = Measure {
        label: "before\0after".into(),
        ..Measure::new(1.0)
    };
    round_trips_or_is_refused(store, measure).await;
}

pub async fn a_nul_character_in_a_json_string_round_trips_or_is_invalid_input(store: &Store) {
    let mut thread = ChatThread::new("nul", Vec::new());
    thread
        .settings
        .insert("stop".into(), json!(["\u{0}", "end\u{0}"]));
    let id = thread.meta.ecs_id();
    match store.commit(&mut thread).await {
        Ok(_) => {
            let loaded: ChatThread = store.get(id).await.expect("read back");
            assert_eq!(loaded.settings, thread.settings);
        }
        Err(Error::InvalidInput { type_name, id: named, .. }) => {
            assert_eq!((type_name.as_str(), named), ("ChatThread", id));
        }
        Err(other) => panic!(
            "expected the document to round-trip, or an InvalidInput naming ChatThread {id}; got {other:?}"
        ),
    }
}

pub async fn a_json_value_that_cannot_be_read_back_is_refused_at_commit(store: &Store) {
    // serde_json turns a NaN into `null`, which an f64 cannot be read from.
    let mut sample = Sample {
        meta: Meta::new(),
        text: "t".into(),
        small: 1,
        big: 2,
        ratio: 0.5,
        flag: false,
        key: Uuid::new_v4(),
        at: verso::now(),
        maybe_text: None,
        maybe_int: None,
        maybe_at: None,
        settings: Settings {
            temperature: f64::NAN,
            stop: Vec::new(),
        },
        tags: BTreeMap::new(),
    };
    let id = sample.meta.ecs_id();
    match store.commit(&mut sample).await {
        Err(Error::InvalidInput {
            type_name,
            id: named,
            detail,
        }) => {
            assert_eq!((type_name.as_str(), named), ("Sample", id), "{detail}");
        }
        Ok(_) => {
            let loaded = store.get::<Sample>(id).await;
            assert!(
                loaded.is_ok(),
                "the commit stored a version that can never be read back: {loaded:?}"
            );
        }
        Err(other) => panic!("expected InvalidInput naming Sample {id}, got {other:?}"),
    }
}

pub async fn json_numbers_keep_their_value(store: &Store) {
    let mut thread = ChatThread::new("numbers", Vec::new());
    thread.settings = BTreeMap::from([
        ("big".to_string(), json!(1e16)),
        ("huge".to_string(), json!(1e300)),
        ("tokens".to_string(), json!(4096)),
        ("ratio".to_string(), json!(0.5)),
        ("whole".to_string(), json!(2.0)),
        ("max".to_string(), json!(u64::MAX)),
    ]);
    store.commit(&mut thread).await.unwrap();
    let mut loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    for (key, value) in &thread.settings {
        let read = &loaded.settings[key];
        assert_eq!(read.as_f64(), value.as_f64(), "{key}: the same number");
        if let Some(integer) = value.as_u64() {
            assert_eq!(read.as_u64(), Some(integer), "{key}: integers stay exact");
        }
    }
    // PostgreSQL's jsonb may write 1e16 as 10000000000000000; reading it back
    // is no change.
    let (cost, report) = cost!(store, store.commit(&mut loaded).await.unwrap());
    assert!(report.is_empty() && cost.statements == 0);
}

fn at(seconds: i64, nanos: u32) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(seconds, nanos).expect("a valid time")
}

pub async fn timestamps_of_every_year_round_trip(store: &Store) {
    let times = [
        at(-62_135_596_800, 0),           // 0001-01-01
        at(-1, 999_999_000),              // 1969-12-31T23:59:59.999999
        at(253_402_300_799, 999_999_000), // 9999-12-31T23:59:59.999999
        at(253_402_300_800, 0),           // 10000-01-01
    ];
    for time in times {
        let mut event = Event {
            meta: Meta::new(),
            at: time,
            until: Some(time),
        };
        match store.commit(&mut event).await {
            Ok(_) => {
                let loaded = store.get::<Event>(event.meta.ecs_id()).await;
                assert!(
                    matches!(&loaded, Ok(e) if *e == event),
                    "{time:?} was stored but read back as {loaded:?}"
                );
            }
            Err(Error::InvalidInput { type_name, .. }) if type_name == "Event" => {}
            Err(other) => panic!("{time:?}: expected a round trip or InvalidInput, got {other:?}"),
        }
    }
}

pub async fn sub_microsecond_digits_are_dropped_and_are_no_change(store: &Store) {
    let mut event = Event {
        meta: Meta::new(),
        at: at(1_700_000_000, 123_456_789),
        until: Some(at(1_700_000_000, 999_999_999)),
    };
    store.commit(&mut event).await.unwrap();
    let mut loaded: Event = store.get(event.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded.at, at(1_700_000_000, 123_456_000));
    assert_eq!(loaded.until, Some(at(1_700_000_000, 999_999_000)));
    let (cost, report) = cost!(store, store.commit(&mut event).await.unwrap());
    assert!(report.is_empty() && cost == Stats::default());
    loaded.at = at(1_700_000_000, 123_456_999);
    let (cost, report) = cost!(store, store.commit(&mut loaded).await.unwrap());
    assert!(
        report.is_empty() && cost == Stats::default(),
        "a change below a microsecond is not stored, so it is no change"
    );
}

/// Successive shapes of one table.
mod shapes {
    use verso::{Entity, Meta};

    pub mod required {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Person", table = "edge_person")]
        pub struct Person {
            pub meta: Meta,
            pub name: String,
            pub age: i64,
        }
    }

    /// `age` became optional, over a `NOT NULL` column.
    pub mod optional {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Person", table = "edge_person")]
        pub struct Person {
            pub meta: Meta,
            pub name: String,
            pub age: Option<i64>,
        }
    }

    /// `age` was removed from the type; its `NOT NULL` column remains.
    pub mod dropped {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Person", table = "edge_person")]
        pub struct Person {
            pub meta: Meta,
            pub name: String,
        }
    }

    /// `items` held many children, then one at most, then exactly one.
    pub mod many {
        use super::*;
        use crate::model::Leaf;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Crate", table = "edge_crate")]
        pub struct Crate {
            pub meta: Meta,
            #[verso(child)]
            pub items: Vec<Leaf>,
        }
    }

    pub mod optional_child {
        use super::*;
        use crate::model::Leaf;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Crate", table = "edge_crate")]
        pub struct Crate {
            pub meta: Meta,
            #[verso(child)]
            pub items: Option<Leaf>,
        }
    }

    pub mod one_child {
        use super::*;
        use crate::model::Leaf;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Crate", table = "edge_crate")]
        pub struct Crate {
            pub meta: Meta,
            #[verso(child)]
            pub items: Leaf,
        }
    }
}

async fn stored_person(store: &Store) {
    let mut person = shapes::required::Person {
        meta: Meta::new(),
        name: "Ada".into(),
        age: 36,
    };
    store.commit(&mut person).await.unwrap();
}

pub async fn a_field_made_optional_over_a_not_null_column_is_a_schema_mismatch(store: &Store) {
    stored_person(store).await;
    match store.register::<shapes::optional::Person>().await {
        Err(Error::SchemaMismatch { table, column, .. }) => {
            assert_eq!((table.as_str(), column.as_str()), ("edge_person", "age"));
        }
        other => {
            let mut person = shapes::optional::Person {
                meta: Meta::new(),
                name: "Grace".into(),
                age: None,
            };
            let commit = store.commit(&mut person).await;
            panic!(
                "expected a SchemaMismatch on edge_person.age at registration, got {other:?}; \
                 a commit with age = None then gives {commit:?}"
            );
        }
    }
}

pub async fn a_not_null_column_the_type_no_longer_has_is_a_schema_mismatch(store: &Store) {
    stored_person(store).await;
    match store.register::<shapes::dropped::Person>().await {
        Err(Error::SchemaMismatch { table, column, .. }) => {
            assert_eq!((table.as_str(), column.as_str()), ("edge_person", "age"));
        }
        other => {
            let mut person = shapes::dropped::Person {
                meta: Meta::new(),
                name: "Grace".into(),
            };
            let commit = store.commit(&mut person).await;
            panic!(
                "expected a SchemaMismatch on edge_person.age at registration, got {other:?}; \
                 a commit then gives {commit:?}"
            );
        }
    }
}

pub async fn children_that_do_not_fit_the_field_are_a_decode_error(store: &Store) {
    let mut two = shapes::many::Crate {
        meta: Meta::new(),
        items: vec![leaf(1), leaf(2)],
    };
    let mut none = shapes::many::Crate {
        meta: Meta::new(),
        items: Vec::new(),
    };
    store.commit(&mut two).await.unwrap();
    store.commit(&mut none).await.unwrap();

    let decode_error = |result: verso::Result<()>, id: Uuid| match result {
        Err(Error::Decode {
            type_name,
            id: named,
            column,
            ..
        }) => assert_eq!(
            (type_name.as_str(), named, column.as_str()),
            ("Crate", id, "items")
        ),
        other => panic!("expected a Decode error naming Crate {id} and items, got {other:?}"),
    };
    let id = two.meta.ecs_id();
    decode_error(
        store
            .get::<shapes::optional_child::Crate>(id)
            .await
            .map(drop),
        id,
    );
    decode_error(
        store.get::<shapes::one_child::Crate>(id).await.map(drop),
        id,
    );
    let id = none.meta.ecs_id();
    decode_error(
        store.get::<shapes::one_child::Crate>(id).await.map(drop),
        id,
    );
    let read: shapes::optional_child::Crate = store.get(id).await.unwrap();
    assert_eq!(read.items, None);
}

/// A leaf folder of the polymorphic storage unit.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Folder {
    pub meta: Meta,
    pub name: String,
    #[verso(child)]
    pub items: Vec<Leaf>,
}

/// A shelf: its `items` are branches, not leaves.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Shelf {
    pub meta: Meta,
    pub name: String,
    #[verso(child)]
    pub items: Vec<Branch>,
}

/// Two variants with a child field of one name and two child types.
#[derive(Clone, Debug, PartialEq, Entity)]
pub enum Unit {
    Folder(Folder),
    Shelf(Shelf),
}

#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Cabinet {
    pub meta: Meta,
    #[verso(child)]
    pub units: Vec<Unit>,
}

pub async fn variants_may_hold_different_child_types_under_one_field_name(store: &Store) {
    let branch = Branch {
        meta: Meta::new(),
        label: "b".into(),
        leaves: vec![leaf(3)],
    };
    let mut cabinet = Cabinet {
        meta: Meta::new(),
        units: vec![
            Unit::Folder(Folder {
                meta: Meta::new(),
                name: "folder".into(),
                items: vec![leaf(1), leaf(2)],
            }),
            Unit::Shelf(Shelf {
                meta: Meta::new(),
                name: "shelf".into(),
                items: vec![branch],
            }),
        ],
    };
    let report = store.commit(&mut cabinet).await;
    assert!(report.is_ok(), "commit: {report:?}");
    let loaded = store.get::<Cabinet>(cabinet.meta.ecs_id()).await;
    assert!(
        matches!(&loaded, Ok(c) if *c == cabinet),
        "read back: {loaded:?}"
    );

    if let Unit::Shelf(shelf) = &mut cabinet.units[1] {
        shelf.items[0].leaves[0].value = 30;
    }
    let report = store.commit(&mut cabinet).await.unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["Leaf", "Branch", "Unit", "Cabinet"]);
}

pub async fn a_variant_child_is_linked_under_its_own_type(store: &Store) {
    // With every table in place, only the links are left to get right.
    store.register::<Root>().await.unwrap();
    store.register::<Cabinet>().await.unwrap();
    let mut shelf = Unit::Shelf(Shelf {
        meta: Meta::new(),
        name: "shelf".into(),
        items: vec![Branch {
            meta: Meta::new(),
            label: "b".into(),
            leaves: vec![leaf(1)],
        }],
    });
    store.commit(&mut shelf).await.unwrap();
    let loaded = store.get::<Unit>(shelf.meta().ecs_id()).await;
    assert!(
        matches!(&loaded, Ok(u) if *u == shelf),
        "read back: {loaded:?}"
    );
}

pub async fn a_lineage_of_another_type_is_a_wrong_type_error(store: &Store) {
    let mut thread = ChatThread::with_messages("typed", 1);
    store.commit(&mut thread).await.unwrap();
    let message_lineage = thread.history[0].meta.lineage_id();
    let expect_wrong_type = |result: verso::Result<()>, call: &str| match result {
        Err(Error::WrongType {
            expected,
            actual,
            id,
        }) => assert_eq!(
            (expected.as_str(), actual.as_str(), id),
            ("ChatThread", "ChatMessage", message_lineage),
            "{call}"
        ),
        other => panic!(
            "{call} on a ChatMessage lineage: expected WrongType naming ChatThread and \
             ChatMessage, got {other:?}"
        ),
    };
    expect_wrong_type(
        store.latest::<ChatThread>(message_lineage).await.map(drop),
        "latest",
    );
    expect_wrong_type(
        store
            .versions::<ChatThread>(message_lineage)
            .await
            .map(drop),
        "versions",
    );
    expect_wrong_type(
        store.heads::<ChatThread>(message_lineage).await.map(drop),
        "heads",
    );
}

/// A hand-written field mapping that yields `NULL` for a required column.
#[derive(Clone, Debug, PartialEq)]
pub struct Blank;

impl Field for Blank {
    const COLUMN: ColumnType = ColumnType::Text;
    fn to_value(&self) -> Value {
        Value::Null
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(Blank),
            other => Err(format!("expected null, found {}", other.kind())),
        }
    }
}

/// A hand-written field mapping that yields an integer for a timestamp
/// column.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks(pub i64);

impl Field for Ticks {
    const COLUMN: ColumnType = ColumnType::Timestamp;
    fn to_value(&self) -> Value {
        Value::Int(self.0)
    }
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => Ok(Ticks(i)),
            other => Err(format!("expected int, found {}", other.kind())),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Form {
    pub meta: Meta,
    pub title: String,
    pub blank: Blank,
}

#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Clock {
    pub meta: Meta,
    pub ticks: Ticks,
}

pub async fn a_null_in_a_required_column_is_invalid_input(store: &Store) {
    let mut form = Form {
        meta: Meta::new(),
        title: "form".into(),
        blank: Blank,
    };
    let id = form.meta.ecs_id();
    let result = store.commit(&mut form).await;
    assert!(
        matches!(&result, Err(Error::InvalidInput { type_name, id: named, .. })
            if type_name == "Form" && *named == id),
        "expected InvalidInput naming Form {id}, got {result:?}"
    );
    assert!(matches!(
        store.get::<Form>(id).await,
        Err(Error::NotFound { .. })
    ));
}

pub async fn a_value_of_another_kind_than_its_column_is_invalid_input(store: &Store) {
    let mut clock = Clock {
        meta: Meta::new(),
        ticks: Ticks(42),
    };
    let id = clock.meta.ecs_id();
    let result = store.commit(&mut clock).await;
    let read = store.get::<Clock>(id).await;
    assert!(
        matches!(&result, Err(Error::InvalidInput { type_name, id: named, .. })
            if type_name == "Clock" && *named == id),
        "expected InvalidInput naming Clock {id}, got {result:?} (reading it back gives {read:?})"
    );
}

/// Versions of every type a chat thread holds.
async fn census(store: &Store) -> [usize; 6] {
    [
        store.list::<ChatThread>(Versions::All).await.unwrap().len(),
        store
            .list::<ChatMessage>(Versions::All)
            .await
            .unwrap()
            .len(),
        store.list::<Tool>(Versions::All).await.unwrap().len(),
        store.list::<Usage>(Versions::All).await.unwrap().len(),
        store
            .list::<SystemPrompt>(Versions::All)
            .await
            .unwrap()
            .len(),
        store
            .list::<MessageUsage>(Versions::All)
            .await
            .unwrap()
            .len(),
    ]
}

pub async fn a_commit_failing_at_any_statement_leaves_no_trace(store: &Store) {
    let mut thread = ChatThread::with_messages("faults", 3);
    thread.tools = vec![Tool::callable("search")];
    store.commit(&mut thread).await.unwrap();

    // One commit that writes into every table.
    thread.name = "edited".into();
    thread.history[1].content = "edited".into();
    let usage = Usage::new("gpt", 1, 2);
    thread.history[2].usage = Some(usage.clone());
    thread.usages.push(MessageUsage {
        meta: Meta::new(),
        message: verso::Ref::to(&thread.history[2]),
        usage: verso::Ref::to(&usage),
        timestamp: verso::now(),
        context_size: 10,
    });
    thread.system_prompt = Some(SystemPrompt {
        meta: Meta::new(),
        name: "p".into(),
        content: "Be brief.".into(),
    });
    if let Tool::Callable(tool) = &mut thread.tools[0] {
        tool.strict_schema = false;
    }
    let working = thread.clone();
    let before = census(store).await;

    let mut statement = 1;
    let report = loop {
        let mut attempt = working.clone();
        store.driver().instrument().inject(Fault {
            fail_at_statement: statement,
        });
        match store.commit(&mut attempt).await {
            Err(Error::InjectedFault { statement: failed }) => {
                assert_eq!(failed, statement);
                assert_eq!(attempt, working, "statement {statement}: working copy");
                assert!(
                    attempt.history[2]
                        .usage
                        .as_ref()
                        .unwrap()
                        .meta
                        .id()
                        .is_none()
                        && !attempt.system_prompt.as_ref().unwrap().meta.is_stored(),
                    "statement {statement}: new entities are still unstored"
                );
                assert_eq!(
                    census(store).await,
                    before,
                    "statement {statement}: no version of the failed commit is stored"
                );
            }
            Ok(report) => {
                // More statements than the commit has: disarm the fault.
                store.driver().instrument().inject(Fault {
                    fail_at_statement: u64::MAX,
                });
                assert!(statement > 4, "the commit failed nowhere");
                let loaded: ChatThread = store.get(attempt.meta.ecs_id()).await.unwrap();
                assert_eq!(loaded, attempt);
                break report;
            }
            Err(other) => panic!("statement {statement}: {other:?}"),
        }
        statement += 1;
    };
    assert_eq!(report.created.len(), 3, "usage, association, prompt");
    assert_eq!(report.forked.len(), 4, "two messages, tool, thread");
    let after = census(store).await;
    assert_eq!(
        after.iter().sum::<usize>(),
        before.iter().sum::<usize>() + 7
    );
}

fn types(report: &verso::CommitReport) -> (Vec<&'static str>, Vec<&'static str>) {
    (
        report.created.iter().map(|c| c.type_name).collect(),
        report.forked.iter().map(|f| f.type_name).collect(),
    )
}

/// Commits `root`, checks what was created and forked, that the stored
/// version reads back as the working copy, that the version committed
/// before (`last`) is unchanged, and that committing again writes nothing.
async fn commit_expecting(
    store: &Store,
    root: &mut Root,
    last: &mut Root,
    created: &[&str],
    forked: &[&str],
) {
    let report = store.commit(root).await.unwrap();
    let (c, f) = types(&report);
    assert_eq!((c.as_slice(), f.as_slice()), (created, forked));
    assert_eq!(root.meta.parent_id(), Some(last.meta.ecs_id()));
    let loaded: Root = store.get(root.meta.ecs_id()).await.unwrap();
    assert_eq!(&loaded, root, "the new version reads back as committed");
    let old: Root = store.get(last.meta.ecs_id()).await.unwrap();
    assert_eq!(&old, last, "the previous version is unchanged");
    let (cost, report) = cost!(store, store.commit(root).await.unwrap());
    assert!(report.is_empty() && cost == Stats::default(), "{report:?}");
    let mut reloaded = loaded;
    let (cost, report) = cost!(store, store.commit(&mut reloaded).await.unwrap());
    assert!(report.is_empty() && cost == Stats::default(), "{report:?}");
    *last = root.clone();
}

pub async fn every_structural_edit_forks_exactly_its_ancestors(store: &Store) {
    let mut root = Root::sample();
    root.pinned = Some(leaf(7));
    store.commit(&mut root).await.unwrap();
    let mut last = root.clone();

    // An Option child set to None.
    root.pinned = None;
    commit_expecting(store, &mut root, &mut last, &[], &["Root"]).await;

    // A child moved from one field to another, a new one in its place.
    root.pinned = Some(root.anchor.clone());
    root.anchor = leaf(8);
    commit_expecting(store, &mut root, &mut last, &["Leaf"], &["Root"]).await;

    // A child moved from one parent to another.
    let moved = root.branches[0].leaves.remove(0);
    let moved_id = moved.meta.ecs_id();
    root.branches[1].leaves.insert(1, moved);
    commit_expecting(
        store,
        &mut root,
        &mut last,
        &[],
        &["Branch", "Branch", "Root"],
    )
    .await;
    assert_eq!(root.branches[1].leaves[1].meta.ecs_id(), moved_id);

    // Reordering one level down, and at the top at once.
    root.branches[1].leaves.reverse();
    root.branches.swap(0, 1);
    commit_expecting(store, &mut root, &mut last, &[], &["Branch", "Root"]).await;

    // A list emptied.
    root.branches[0].leaves.clear();
    commit_expecting(store, &mut root, &mut last, &[], &["Branch", "Root"]).await;

    // Back to content an earlier version had is still a new version.
    root.pinned = None;
    commit_expecting(store, &mut root, &mut last, &[], &["Root"]).await;
    let versions = store
        .versions::<Root>(root.meta.lineage_id())
        .await
        .unwrap();
    assert_eq!(versions.len(), 7);
}

pub async fn one_edit_of_every_copy_of_a_shared_child_makes_one_version(store: &Store) {
    let tool = Tool::callable("search");
    let mut thread = ChatThread::with_messages("shared tool", 3);
    thread.tools = vec![tool.clone()];
    for message in &mut thread.history {
        message.tool_calls = vec![tool.clone(), Tool::structured("answer")];
    }
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(
        report
            .created
            .iter()
            .filter(|c| c.type_name == "Tool")
            .count(),
        4,
        "the shared tool once, each structured tool once"
    );

    let edit = |tool: &mut Tool| {
        if let Tool::Callable(t) = tool {
            t.docstring = None;
        }
    };
    edit(&mut thread.tools[0]);
    for message in &mut thread.history {
        edit(&mut message.tool_calls[0]);
    }
    let report = store.commit(&mut thread).await.unwrap();
    let (created, forked) = types(&report);
    assert!(created.is_empty());
    assert_eq!(
        forked,
        [
            "Tool",
            "ChatMessage",
            "ChatMessage",
            "ChatMessage",
            "ChatThread"
        ],
        "one new version of the shared tool, every holder forked"
    );
    let new_tool = thread.tools[0].meta().ecs_id();
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert!(loaded
        .history
        .iter()
        .all(|m| m.tool_calls[0].meta().ecs_id() == new_tool));
    assert_eq!(loaded, thread);
}

pub async fn empty_id_lists_find_nothing(store: &Store) {
    let mut thread = ChatThread::with_messages("one", 1);
    store.commit(&mut thread).await.unwrap();
    let (_, found) = cost!(store, store.get_many::<ChatThread>(&[]).await.unwrap());
    assert!(found.is_empty());
    let found: Vec<MessageUsage> = store
        .referencing(MessageUsage::FIELDS.message, &[])
        .await
        .unwrap();
    assert!(found.is_empty());
    assert!(store
        .resolve_all::<ChatMessage>(&[])
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .follow_all::<SystemPrompt>(&[])
        .await
        .unwrap()
        .is_empty());
}

/// JSON fields that may be absent.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Note {
    pub meta: Meta,
    #[verso(json)]
    pub extra: Option<serde_json::Value>,
    #[verso(json)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

pub async fn a_json_key_holding_null_is_kept(store: &Store) {
    let mut note = Note {
        meta: Meta::new(),
        extra: None,
        fields: BTreeMap::from([("a".to_string(), json!(null))]),
    };
    store.commit(&mut note).await.unwrap();
    let loaded: Note = store.get(note.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, note, "a key holding null is kept");
    note.fields.clear();
    assert_eq!(store.commit(&mut note).await.unwrap().forked.len(), 1);
    // `None` and `Some(Value::Null)` of an `Option<serde_json::Value>` are
    // the same JSON document, `null`: a documented limit of JSON fields.
}

/// A chain of owned children, one per level.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Chain {
    pub meta: Meta,
    pub depth: i64,
    #[verso(child)]
    pub next: Vec<Chain>,
}

/// A chain `depth` levels deep, built without recursion.
fn chain(depth: i64) -> Chain {
    let mut node = Chain {
        meta: Meta::new(),
        depth: depth - 1,
        next: Vec::new(),
    };
    for level in (0..depth - 1).rev() {
        node = Chain {
            meta: Meta::new(),
            depth: level,
            next: vec![node],
        };
    }
    node
}

/// Takes a chain apart without recursion (dropping it whole recurses once
/// per level), returning its depths in order.
fn dismantle(chain: Chain) -> Vec<i64> {
    let mut depths = Vec::new();
    let mut next = vec![chain];
    while let Some(mut node) = next.pop() {
        depths.push(node.depth);
        next.append(&mut node.next);
    }
    depths
}

pub async fn a_tree_ten_thousand_levels_deep_commits_and_loads(store: &Store) {
    const DEPTH: i64 = 10_000;
    // Planning, storing and assembling recurse once per level; a stack
    // overflow here would abort the whole test binary.
    let mut root = chain(DEPTH);
    let report = store.commit(&mut root).await.unwrap();
    assert_eq!(report.created.len(), DEPTH as usize);
    let loaded: Chain = store.get(root.meta.ecs_id()).await.unwrap();
    assert_eq!(dismantle(loaded), (0..DEPTH).collect::<Vec<_>>());
    dismantle(root);
}

/// Successive shapes of one polymorphic type.
mod kinds {
    use verso::{Entity, Meta};

    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Alpha {
        pub meta: Meta,
        pub a: i64,
    }

    #[derive(Clone, Debug, PartialEq, Entity)]
    pub struct Beta {
        pub meta: Meta,
        pub b: String,
    }

    pub mod both {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Kind", table = "edge_kind")]
        pub enum Kind {
            Alpha(Alpha),
            Beta(Beta),
        }
    }

    pub mod alpha_only {
        use super::*;
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(name = "Kind", table = "edge_kind")]
        pub enum Kind {
            Alpha(Alpha),
        }
    }
}

pub async fn a_stored_variant_the_type_no_longer_has_is_a_decode_error(store: &Store) {
    let mut beta = kinds::both::Kind::Beta(kinds::Beta {
        meta: Meta::new(),
        b: "b".into(),
    });
    store.commit(&mut beta).await.unwrap();
    let id = beta.meta().ecs_id();
    match store.get::<kinds::alpha_only::Kind>(id).await {
        Err(Error::Decode {
            type_name,
            id: named,
            column,
            ..
        }) => assert_eq!(
            (type_name.as_str(), named, column.as_str()),
            ("Kind", id, "variant")
        ),
        other => panic!("expected a Decode error naming Kind {id} and variant, got {other:?}"),
    }
}

/// Two shapes of a type whose table name is longer than PostgreSQL's
/// 63-byte identifiers.
mod long_names {
    pub mod text {
        use verso::{Entity, Meta};
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(
            name = "Summary",
            table = "conversation_summary_records_of_the_assistant_for_each_customer_account"
        )]
        pub struct Summary {
            pub meta: Meta,
            pub body: String,
        }
    }

    pub mod number {
        use verso::{Entity, Meta};
        #[derive(Clone, Debug, PartialEq, Entity)]
        #[verso(
            name = "Summary",
            table = "conversation_summary_records_of_the_assistant_for_each_customer_account"
        )]
        pub struct Summary {
            pub meta: Meta,
            pub body: i64,
        }
    }
}

pub async fn a_long_table_name_is_checked_like_any_other(store: &Store) {
    const TABLE: &str = "conversation_summary_records_of_the_assistant_for_each_customer_account";
    let mut summary = long_names::text::Summary {
        meta: Meta::new(),
        body: "all good".into(),
    };
    match store.commit(&mut summary).await {
        Ok(_) => {}
        // Refusing the name up front, naming the table, is fine too.
        Err(Error::SchemaMismatch { table, .. }) if table == TABLE => return,
        Err(other) => panic!("{other:?}"),
    }
    let registered = store.register::<long_names::number::Summary>().await;
    let read = store
        .get::<long_names::number::Summary>(summary.meta.ecs_id())
        .await;
    assert!(
        matches!(&registered, Err(Error::SchemaMismatch { table, column, .. })
            if table == TABLE && column == "body"),
        "expected a SchemaMismatch on {TABLE}.body at registration, got {registered:?}; \
         reading the stored version as the new shape then gives {read:?}"
    );
}
