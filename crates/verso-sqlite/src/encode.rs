//! Values as SQLite stores them, packed into JSON batch parameters.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use uuid::Uuid;
use verso_core::Value;

/// The text form of a timestamp: fixed-width, so text order is time order.
pub(crate) fn timestamp_text(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The text form of a UUID: lowercase, hyphenated.
pub(crate) fn uuid_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

/// One value as an element of a JSON batch row; `value->>N` turns it back
/// into the SQL value stored in the column.
pub(crate) fn batch_element(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        // Infinite floats travel as 9e999, which SQLite reads back as ±Inf.
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| non_finite(*f)),
        Value::Text(s) => Json::String(s.clone()),
        Value::Uuid(u) => Json::String(uuid_text(u)),
        Value::Timestamp(t) => Json::String(timestamp_text(t)),
        // A JSON document is stored as its text, so it travels as a string.
        Value::Json(doc) => Json::String(doc.to_string()),
    }
}

fn non_finite(f: f64) -> Json {
    if f.is_nan() {
        Json::Null
    } else if f > 0.0 {
        serde_json::from_str("9e999").unwrap_or(Json::Null)
    } else {
        serde_json::from_str("-9e999").unwrap_or(Json::Null)
    }
}
