//! The JSON forms of values, version trees and diffs (`--json`).

use super::time;
use crate::references::References;
use serde_json::{json, Map, Value as Json};
use verso::{
    ChildrenDiff, CommitRecord, CommitVersion, Diff, PlacedChild, RowMeta, Value, VersionTree,
};

/// A column value: JSON's own types where they fit; UUIDs and times as
/// strings; JSON columns as they are.
pub fn value(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or_else(|| json!(f.to_string()), Json::Number)
        }
        Value::Text(s) => json!(s),
        Value::Uuid(u) => json!(u.to_string()),
        Value::Timestamp(t) => json!(time(*t)),
        Value::Json(j) => j.clone(),
    }
}

/// A commit: `id`, `created_at`, `author`, `message` (each `null` when not
/// given) and the key/values as `meta`.
pub fn commit(commit: &CommitRecord) -> Json {
    json!({
        "id": commit.id.to_string(),
        "created_at": time(commit.created_at),
        "author": commit.info.author,
        "message": commit.info.message,
        "meta": commit.info.meta,
    })
}

/// A version a commit wrote: `type`, `version`, `lineage`.
pub fn commit_version(version: &CommitVersion) -> Json {
    json!({
        "type": version.type_name,
        "version": version.ecs_id.to_string(),
        "lineage": version.lineage_id.to_string(),
    })
}

/// `version`, `lineage`, `parent`, `created_at` of a version.
pub fn meta(meta: &RowMeta) -> Map<String, Json> {
    let mut object = Map::new();
    object.insert("version".into(), json!(meta.ecs_id.to_string()));
    object.insert("lineage".into(), json!(meta.lineage_id.to_string()));
    object.insert(
        "parent".into(),
        meta.parent_id.map_or(Json::Null, |p| json!(p.to_string())),
    );
    object.insert("created_at".into(), json!(time(meta.created_at)));
    object
}

/// A version with its metadata, `fields` by name, the `references` among
/// them (`{"kind": "Ref" | "LineageRef" | "missing", "type": ...}` by
/// field) and `children` by field.
pub fn version_tree(tree: &VersionTree, references: &References) -> Json {
    let mut object = Map::new();
    object.insert("type".into(), json!(tree.entity_type.name));
    object.extend(meta(&tree.meta));
    let fields: Map<String, Json> = tree
        .entity_type
        .fields_of(&tree.values)
        .into_iter()
        .map(|(column, v)| (column.name.to_string(), value(v)))
        .collect();
    object.insert("fields".into(), Json::Object(fields));
    object.insert("references".into(), references.json_of(tree));
    let children: Map<String, Json> = tree
        .children
        .iter()
        .map(|list| {
            let versions = list
                .versions
                .iter()
                .map(|child| version_tree(child, references))
                .collect();
            (list.field.to_string(), Json::Array(versions))
        })
        .collect();
    object.insert("children".into(), Json::Object(children));
    Json::Object(object)
}

/// A diff, recursively: changed `fields` with old and new values (and, for
/// a reference, its `reference` kind), and per child field the `added`,
/// `removed`, `moved` and `changed` children.
pub fn diff(diff: &Diff, references: &References) -> Json {
    let fields: Vec<Json> = diff
        .fields
        .iter()
        .map(|f| {
            json!({
                "field": f.field,
                "old": value(&f.old),
                "new": value(&f.new),
                "references": f.references,
                "reference": f.references.map(|target| {
                    let value = if f.new == Value::Null { &f.old } else { &f.new };
                    references.json(target, value)
                }),
            })
        })
        .collect();
    json!({
        "type": diff.type_name,
        "lineage": diff.lineage_id.to_string(),
        "old": diff.old.to_string(),
        "new": diff.new.to_string(),
        "summary": diff.summary(),
        "fields": fields,
        "children": diff
            .children
            .iter()
            .map(|c| children(c, references))
            .collect::<Vec<_>>(),
    })
}

fn children(children: &ChildrenDiff, references: &References) -> Json {
    let placed = |list: &[PlacedChild]| -> Vec<Json> {
        list.iter()
            .map(|p| json!({"position": p.position, "child": version_tree(&p.child, references)}))
            .collect()
    };
    let moved: Vec<Json> = children
        .moved
        .iter()
        .map(|m| {
            json!({
                "type": m.type_name,
                "lineage": m.lineage_id.to_string(),
                "version": m.ecs_id.to_string(),
                "from": m.from,
                "to": m.to,
            })
        })
        .collect();
    let changed: Vec<Json> = children
        .changed
        .iter()
        .map(|c| json!({"from": c.from, "to": c.to, "diff": diff(&c.diff, references)}))
        .collect();
    json!({
        "field": children.field,
        "added": placed(&children.added),
        "removed": placed(&children.removed),
        "moved": moved,
        "changed": changed,
    })
}

/// Pretty-printed JSON with a final newline.
pub fn to_text(value: &Json) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}
