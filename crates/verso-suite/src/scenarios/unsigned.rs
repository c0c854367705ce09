//! Unsigned integers: stored in the signed 64-bit integer column every
//! backend has, `u64` up to `i64::MAX`.

use verso::{Entity, Error, Meta, Store};

/// One field of each unsigned width.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Counters {
    pub meta: Meta,
    pub tiny: u8,
    pub small: u16,
    pub medium: u32,
    pub large: u64,
    pub maybe: Option<u64>,
}

/// A gauge as one program wrote it: a signed reading.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(name = "Gauge")]
pub struct SignedGauge {
    pub meta: Meta,
    pub reading: i64,
}

/// The same stored type read as a byte.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(name = "Gauge")]
pub struct ByteGauge {
    pub meta: Meta,
    pub reading: u8,
}

/// The same stored type read as a `u64`.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(name = "Gauge")]
pub struct WideGauge {
    pub meta: Meta,
    pub reading: u64,
}

fn counters(tiny: u8, small: u16, medium: u32, large: u64, maybe: Option<u64>) -> Counters {
    Counters {
        meta: Meta::new(),
        tiny,
        small,
        medium,
        large,
        maybe,
    }
}

pub async fn unsigned_integers_round_trip_at_their_bounds(store: &Store) {
    let largest = i64::MAX as u64;
    for mut value in [
        counters(0, 0, 0, 0, None),
        counters(u8::MAX, u16::MAX, u32::MAX, largest, Some(largest)),
        counters(1, 2, 3, 4, Some(0)),
    ] {
        store.commit(&mut value).await.unwrap();
        let loaded: Counters = store.get(value.meta.ecs_id()).await.unwrap();
        assert_eq!(loaded, value);
        let report = store.commit(&mut value).await.unwrap();
        assert!(report.is_empty(), "a stored value is no change");
    }
}

pub async fn a_u64_above_i64_max_is_refused_naming_type_id_and_field(store: &Store) {
    for (large, maybe, field) in [
        (i64::MAX as u64 + 1, None, "large"),
        (0, Some(u64::MAX), "maybe"),
    ] {
        let mut value = counters(0, 0, 0, large, maybe);
        let before = value.clone();
        match store.commit(&mut value).await {
            Err(Error::InvalidInput {
                type_name,
                id,
                detail,
            }) => {
                assert_eq!((type_name.as_str(), id), ("Counters", value.meta.ecs_id()));
                assert!(detail.contains(&format!("field {field}")), "{detail}");
                assert!(detail.contains(&i64::MAX.to_string()), "{detail}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        assert_eq!(value, before);
        assert!(matches!(
            store.get::<Counters>(value.meta.ecs_id()).await,
            Err(Error::NotFound { .. })
        ));
    }
    // Edited above the bound, a stored value is refused the same way.
    let mut value = counters(0, 0, 0, 1, None);
    store.commit(&mut value).await.unwrap();
    value.large = u64::MAX;
    assert!(matches!(
        store.commit(&mut value).await,
        Err(Error::InvalidInput { .. })
    ));
}

pub async fn a_stored_integer_out_of_range_of_its_field_is_a_decode_error_naming_the_column(
    store: &Store,
) {
    for reading in [300, -1] {
        let mut written = SignedGauge {
            meta: Meta::new(),
            reading,
        };
        store.commit(&mut written).await.unwrap();
        let id = written.meta.ecs_id();
        let as_byte = store.get::<ByteGauge>(id).await;
        let as_wide = store.get::<WideGauge>(id).await;
        for (result, fits) in [
            (as_byte.map(|g| g.reading.into()), false),
            (as_wide.map(|g| g.reading), reading >= 0),
        ] {
            match result {
                Ok(read) if fits => assert_eq!(read, reading as u64),
                Err(Error::Decode {
                    type_name,
                    id: named,
                    column,
                    detail,
                }) if !fits => {
                    assert_eq!((type_name.as_str(), named), ("Gauge", id));
                    assert_eq!(column, "reading");
                    assert!(detail.contains(&reading.to_string()), "{detail}");
                }
                other => panic!("reading {reading}: unexpected {other:?}"),
            }
        }
    }
}
