//! `serde` support (the `serde` feature), to send versions, references,
//! reports and diffs over the wire.
//!
//! - [`Meta`], [`Ref`], [`LineageRef`] and [`RowMeta`] serialize and
//!   deserialize: a `Ref` or `LineageRef` is its id, a `Meta` its ids and
//!   time. A deserialized `Meta` is detached: it names a version but holds
//!   none of the stored content change detection compares against, so
//!   committing an entity that was deserialized stores it as new. To
//!   change a version received over the wire, load it by its id
//!   ([`Meta::ecs_id`]) and edit the loaded copy.
//! - [`Value`] serializes as plain JSON (text as a string, a UUID or a
//!   timestamp as its text, JSON as itself).
//! - [`VersionTree`] serializes as `{type, meta, fields, children}`.
//!   `CommitReport`, `Diff` and its parts, `DiffLine`, `LineageTree` and
//!   `UpgradeReport` derive `Serialize` (where they are declared). They
//!   name types by their stored name, which only a store can turn back
//!   into a type, so they do not deserialize.

use crate::driver::RowMeta;
use crate::meta::Meta;
use crate::reference::{LineageRef, Ref};
use crate::tree::VersionTree;
use crate::value::Value;
use chrono::{DateTime, Utc};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The wire form of [`Meta`] and [`RowMeta`].
#[derive(Serialize, Deserialize)]
struct MetaWire {
    id: Option<i64>,
    ecs_id: Uuid,
    lineage_id: Uuid,
    parent_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MetaWire {
            id: self.id,
            ecs_id: self.ecs_id,
            lineage_id: self.lineage_id,
            parent_id: self.parent_id,
            created_at: self.created_at,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = MetaWire::deserialize(deserializer)?;
        Ok(Meta {
            id: wire.id,
            ecs_id: wire.ecs_id,
            lineage_id: wire.lineage_id,
            parent_id: wire.parent_id,
            created_at: wire.created_at,
            stored: None,
            pending: None,
        })
    }
}

impl Serialize for RowMeta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MetaWire {
            id: Some(self.id),
            ecs_id: self.ecs_id,
            lineage_id: self.lineage_id,
            parent_id: self.parent_id,
            created_at: self.created_at,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RowMeta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = MetaWire::deserialize(deserializer)?;
        Ok(RowMeta {
            id: wire
                .id
                .ok_or_else(|| serde::de::Error::missing_field("id"))?,
            ecs_id: wire.ecs_id,
            lineage_id: wire.lineage_id,
            parent_id: wire.parent_id,
            created_at: wire.created_at,
        })
    }
}

impl<T> Serialize for Ref<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.id().serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Ref<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Ref::from_id)
    }
}

impl<T> Serialize for LineageRef<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.lineage_id().serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for LineageRef<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(LineageRef::from_id)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Text(s) => serializer.serialize_str(s),
            Value::Uuid(u) => u.serialize(serializer),
            Value::Timestamp(t) => t.serialize(serializer),
            Value::Json(j) => j.serialize(serializer),
        }
    }
}

impl Serialize for VersionTree {
    /// `{"type", "meta", "fields": {column: value}, "children": {field: [tree]}}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Fields<'a>(&'a VersionTree);
        impl Serialize for Fields<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let fields = self.0.entity_type.fields_of(&self.0.values);
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (column, value) in fields {
                    map.serialize_entry(column.name, value)?;
                }
                map.end()
            }
        }
        struct Children<'a>(&'a VersionTree);
        impl Serialize for Children<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.children.len()))?;
                for list in &self.0.children {
                    map.serialize_entry(list.field, &list.versions)?;
                }
                map.end()
            }
        }
        let mut tree = serializer.serialize_struct("VersionTree", 4)?;
        tree.serialize_field("type", self.entity_type.name)?;
        tree.serialize_field("meta", &self.meta)?;
        tree.serialize_field("fields", &Fields(self))?;
        tree.serialize_field("children", &Children(self))?;
        tree.end()
    }
}

#[cfg(test)]
mod tests {
    use crate::{plan_commit, Entity, LineageRef, Meta, Ref, Value};
    use serde_json::json;
    use verso_derive::Entity;

    #[derive(Clone, Debug, PartialEq, Entity)]
    #[verso(crate = "crate")]
    struct Note {
        meta: Meta,
        text: String,
    }

    #[test]
    fn a_meta_goes_over_the_wire_and_comes_back_detached() {
        let meta = Meta::new();
        let wire = serde_json::to_value(&meta).unwrap();
        assert_eq!(wire["ecs_id"], json!(meta.ecs_id()));
        assert_eq!(wire["lineage_id"], json!(meta.lineage_id()));
        assert_eq!(wire["id"], json!(null));
        let back: Meta = serde_json::from_value(wire).unwrap();
        assert_eq!(back, meta);
        assert!(!back.is_stored());
    }

    #[test]
    fn references_are_their_ids() {
        let note = Note {
            meta: Meta::new(),
            text: "a".into(),
        };
        let pinned = Ref::to(&note);
        let following = LineageRef::to(&note);
        assert_eq!(
            serde_json::to_value(pinned).unwrap(),
            json!(note.meta.ecs_id())
        );
        let back: Ref<Note> = serde_json::from_value(json!(note.meta.ecs_id())).unwrap();
        assert_eq!(back, pinned);
        let back: LineageRef<Note> = serde_json::from_value(json!(note.meta.lineage_id())).unwrap();
        assert_eq!(back, following);
    }

    #[test]
    fn values_are_plain_json() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let values = [
            Value::Null,
            Value::Int(3),
            Value::Text("hi".into()),
            Value::Timestamp(at),
            Value::Json(json!({"k": [1]})),
        ];
        assert_eq!(
            serde_json::to_value(values).unwrap(),
            json!([null, 3, "hi", "2026-12-01T12:00:00Z", {"k": [1]}])
        );
    }

    #[test]
    fn a_commit_report_names_types_and_ids() {
        let note = Note {
            meta: Meta::new(),
            text: "a".into(),
        };
        let report = plan_commit(&note, false).unwrap().report;
        let wire = serde_json::to_value(&report).unwrap();
        assert_eq!(
            wire,
            json!({"created": [{"type_name": "Note", "lineage_id": note.meta.lineage_id(),
                                "ecs_id": note.meta.ecs_id()}], "forked": [],
                   "commit_id": report.commit_id})
        );
        assert_eq!(Note::entity_type().name, "Note");
    }
}
