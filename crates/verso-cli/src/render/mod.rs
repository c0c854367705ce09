//! Output formats: coloured text, JSON, and graph formats for `tree`.

pub mod diff_text;
pub mod dot;
pub mod graph;
pub mod json;
pub mod mermaid;
mod style;
pub mod table;
pub mod version_text;

pub use style::Style;

use verso::{DateTime, Utc};

/// A time as every command prints it: RFC 3339, UTC, microseconds.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}
