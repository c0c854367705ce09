//! The text forms SQLite stores UUIDs and timestamps in.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The text form of a timestamp: fixed-width, so text order is time order.
pub(crate) fn timestamp_text(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The text form of a UUID: lowercase, hyphenated.
pub(crate) fn uuid_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}
