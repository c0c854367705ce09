//! Commit metadata: who committed, why, and which versions a commit wrote.
//!
//! Every commit that writes a version gets a commit id (UUID v7, the
//! planner's token for the commit, see [`PlannedCommit`](crate::PlannedCommit))
//! and one [`CommitRow`] in the store, written in the same transaction as
//! its versions, with each version linked to it. A commit with no change
//! writes nothing, not even its row.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The type name errors about commit metadata carry (with the commit id).
pub const COMMIT_TYPE_NAME: &str = "commit";

/// What a caller tells about a commit: an author, a message and free-form
/// key/values, all optional.
///
/// ```
/// let info = verso_core::CommitInfo::new()
///     .author("ana")
///     .message("fix typo")
///     .meta("ticket", "42");
/// assert_eq!(info.meta_value("ticket"), Some("42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CommitInfo {
    /// Who made the commit.
    pub author: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// Free-form key/values (stored as one JSON object).
    pub meta: BTreeMap<String, String>,
}

impl CommitInfo {
    /// No author, no message, no key/values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the author.
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = Some(author.into());
        self
    }

    /// Sets the message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds (or replaces) the key/value `key`.
    pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }

    /// The value of key `key`, if set.
    pub fn meta_value(&self, key: &str) -> Option<&str> {
        self.meta.get(key).map(String::as_str)
    }

    /// The stored form of this metadata for commit `id`, created at
    /// `created_at`. Text holding a NUL character (which PostgreSQL cannot
    /// store) is an [`Error::InvalidInput`] naming the commit, so every
    /// backend refuses it alike.
    pub fn to_row(&self, id: Uuid, created_at: DateTime<Utc>) -> Result<CommitRow> {
        let texts = self
            .author
            .iter()
            .map(|a| ("author", a.as_str()))
            .chain(self.message.iter().map(|m| ("message", m.as_str())))
            .chain(
                self.meta
                    .iter()
                    .flat_map(|(k, v)| [("meta key", k.as_str()), ("meta value", v.as_str())]),
            );
        for (what, text) in texts {
            if text.contains('\0') {
                return Err(Error::InvalidInput {
                    type_name: COMMIT_TYPE_NAME.into(),
                    id,
                    detail: format!("the {what} holds a NUL character, which no backend stores"),
                });
            }
        }
        Ok(CommitRow {
            id,
            created_at,
            author: self.author.clone(),
            message: self.message.clone(),
            meta_json: serde_json::to_string(&self.meta).expect("a map of strings is JSON"),
        })
    }
}

/// One commit as stored: its row in the commits table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRow {
    /// Commit id.
    pub id: Uuid,
    /// When the commit was planned (the creation time of its new versions).
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub author: Option<String>,
    /// Why.
    pub message: Option<String>,
    /// The key/values, as a JSON object of strings.
    pub meta_json: String,
}

impl CommitRow {
    /// The commit this row stores; a `meta_json` that is not a JSON object
    /// of strings (a tampered row) is an [`Error::Decode`] naming the
    /// commit and the column.
    pub fn record(self) -> Result<CommitRecord> {
        let meta = serde_json::from_str(&self.meta_json).map_err(|e| Error::Decode {
            type_name: COMMIT_TYPE_NAME.into(),
            id: self.id,
            column: "meta".into(),
            detail: format!("not a JSON object of strings: {e}"),
        })?;
        Ok(CommitRecord {
            id: self.id,
            created_at: self.created_at,
            info: CommitInfo {
                author: self.author,
                message: self.message,
                meta,
            },
        })
    }
}

/// A stored commit with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CommitRecord {
    /// Commit id.
    pub id: Uuid,
    /// When the commit was made.
    pub created_at: DateTime<Utc>,
    /// Author, message and key/values.
    pub info: CommitInfo,
}

/// A version of a lineage with the commit that wrote it (see
/// [`Driver::lineage_commits`](crate::Driver::lineage_commits)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCommit {
    /// The version.
    pub ecs_id: Uuid,
    /// The commit that wrote it.
    pub commit: CommitRow,
}

/// One version a commit wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CommitVersion {
    /// The commit.
    pub commit_id: Uuid,
    /// The version's type name.
    pub type_name: String,
    /// The version.
    pub ecs_id: Uuid,
    /// Its lineage.
    pub lineage_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_through_its_row() {
        let info = CommitInfo::new()
            .author("ana")
            .message("fix")
            .meta("ticket", "42");
        let id = Uuid::from_u128(7);
        let row = info.to_row(id, DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(row.meta_json, r#"{"ticket":"42"}"#);
        let record = row.record().unwrap();
        assert_eq!((record.id, record.info), (id, info));
    }

    #[test]
    fn a_nul_character_is_invalid_input_naming_the_commit() {
        let id = Uuid::from_u128(9);
        let error = CommitInfo::new()
            .message("a\0b")
            .to_row(id, DateTime::UNIX_EPOCH)
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidInput { ref type_name, id: got, .. } if type_name == "commit" && got == id),
            "{error:?}"
        );
    }

    #[test]
    fn a_tampered_meta_column_is_a_decode_error() {
        let row = CommitRow {
            id: Uuid::from_u128(1),
            created_at: DateTime::UNIX_EPOCH,
            author: None,
            message: None,
            meta_json: "[1]".into(),
        };
        assert!(matches!(row.record(), Err(Error::Decode { column, .. }) if column == "meta"));
    }
}
