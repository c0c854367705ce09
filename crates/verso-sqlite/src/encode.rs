//! Values as SQLite stores them, packed into JSON batch parameters.
//!
//! A batch travels as the text of one JSON array of rows, each row an array
//! of values, which `json_each` and `value->>N` turn back into SQL values.
//! The text is written here rather than through `serde_json::Value` so that
//! infinite floats can travel: SQLite (3.42 and later) reads the JSON5
//! tokens `Infinity` and `-Infinity` as IEEE infinities.

use chrono::{DateTime, Utc};
use std::fmt::Write;
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

/// A value SQLite cannot store.
#[derive(Debug)]
pub(crate) struct Unstorable(pub &'static str);

/// The JSON text of a batch: one array per row.
#[derive(Default)]
pub(crate) struct BatchText {
    text: String,
    row_open: bool,
}

impl BatchText {
    /// Starts the next row.
    pub(crate) fn row(&mut self) {
        self.close_row();
        self.text.push(if self.text.is_empty() { '[' } else { ',' });
        self.text.push('[');
        self.row_open = true;
    }

    fn close_row(&mut self) {
        if self.row_open {
            self.text.push(']');
            self.row_open = false;
        }
    }

    fn separator(&mut self) {
        if !self.text.ends_with('[') {
            self.text.push(',');
        }
    }

    /// Appends a text element.
    pub(crate) fn text(&mut self, text: &str) {
        self.separator();
        let quoted = serde_json::to_string(text).expect("a string always serializes");
        self.text.push_str(&quoted);
    }

    /// Appends an integer element.
    pub(crate) fn int(&mut self, value: i64) {
        self.separator();
        let _ = write!(self.text, "{value}");
    }

    /// Appends a list of ids as a nested JSON array of UUID texts: what
    /// `value->>N` hands to a list column as its JSON text.
    pub(crate) fn ids(&mut self, ids: &[Uuid]) {
        self.separator();
        self.text.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            self.text.push('"');
            self.text
                .push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
            self.text.push('"');
        }
        self.text.push(']');
    }

    /// Appends a `null` element.
    pub(crate) fn null(&mut self) {
        self.separator();
        self.text.push_str("null");
    }

    /// Appends a column value; `value->>N` turns it back into the SQL value
    /// stored in the column.
    pub(crate) fn value(&mut self, value: &Value) -> Result<(), Unstorable> {
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.int(i64::from(*b)),
            Value::Int(i) => self.int(*i),
            Value::Float(f) if f.is_nan() => {
                return Err(Unstorable("SQLite cannot store NaN (it would store NULL)"))
            }
            Value::Float(f) if f.is_infinite() => {
                self.separator();
                self.text
                    .push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" });
            }
            Value::Float(f) => {
                self.separator();
                // Debug prints the shortest text that reads back exactly.
                let _ = write!(self.text, "{f:?}");
            }
            Value::Text(s) => self.text(s),
            Value::Uuid(u) => self.text(&uuid_text(u)),
            Value::Timestamp(t) => self.text(&timestamp_text(t)),
            // A JSON document is stored as its text, so it travels as a string.
            Value::Json(doc) => self.text(&doc.to_string()),
        }
        Ok(())
    }

    /// The finished JSON text.
    pub(crate) fn finish(mut self) -> String {
        self.close_row();
        if self.text.is_empty() {
            self.text.push('[');
        }
        self.text.push(']');
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_arrays_of_json_values() {
        let mut batch = BatchText::default();
        batch.row();
        batch.text("a \"quoted\"\nline");
        batch.value(&Value::Float(0.1)).unwrap();
        batch.value(&Value::Bool(true)).unwrap();
        batch.row();
        batch.value(&Value::Float(f64::NEG_INFINITY)).unwrap();
        batch.null();
        assert_eq!(
            batch.finish(),
            r#"[["a \"quoted\"\nline",0.1,1],[-Infinity,null]]"#
        );
    }

    #[test]
    fn nan_cannot_be_stored() {
        let mut batch = BatchText::default();
        batch.row();
        assert!(batch.value(&Value::Float(f64::NAN)).is_err());
    }

    #[test]
    fn an_empty_batch_is_an_empty_array() {
        assert_eq!(BatchText::default().finish(), "[]");
    }
}
