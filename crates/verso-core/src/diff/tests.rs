//! Diffs of hand-built trees.

use super::*;
use crate::driver::RowMeta;
use crate::schema::{ChildField, ChildKind, Column, EntityType, RefKind, Reference, TypeRef};
use crate::tree::ChildList;
use crate::value::ColumnType;

static USAGE_COLUMNS: [Column; 1] = [Column {
    name: "tokens",
    ty: ColumnType::Int,
    nullable: false,
    references: None,
}];
static USAGE: EntityType = EntityType {
    name: "Usage",
    table: "usage",
    origin: crate::Origin::UNKNOWN,
    columns: &USAGE_COLUMNS,
    children: &[],
    variants: &[],
};
static MESSAGE_COLUMNS: [Column; 1] = [Column {
    name: "content",
    ty: ColumnType::Text,
    nullable: false,
    references: None,
}];
static MESSAGE_CHILDREN: [ChildField; 1] = [ChildField {
    name: "usage",
    kind: ChildKind::Optional,
    target: TypeRef::Named("Usage"),
}];
static MESSAGE: EntityType = EntityType {
    name: "Message",
    table: "message",
    origin: crate::Origin::UNKNOWN,
    columns: &MESSAGE_COLUMNS,
    children: &MESSAGE_CHILDREN,
    variants: &[],
};
static THREAD_COLUMNS: [Column; 2] = [
    Column {
        name: "title",
        ty: ColumnType::Text,
        nullable: false,
        references: None,
    },
    Column {
        name: "pinned",
        ty: ColumnType::Uuid,
        nullable: true,
        references: Some(Reference::one(TypeRef::Named("Message"), RefKind::Version)),
    },
];
static THREAD_CHILDREN: [ChildField; 1] = [ChildField {
    name: "history",
    kind: ChildKind::Many,
    target: TypeRef::Named("Message"),
}];
static THREAD: EntityType = EntityType {
    name: "Thread",
    table: "thread",
    origin: crate::Origin::UNKNOWN,
    columns: &THREAD_COLUMNS,
    children: &THREAD_CHILDREN,
    variants: &[],
};

/// Version `version` of lineage `lineage`.
fn node(
    ty: &'static EntityType,
    lineage: u128,
    version: u128,
    values: Vec<Value>,
    children: Vec<Vec<VersionTree>>,
) -> VersionTree {
    VersionTree {
        entity_type: ty,
        meta: RowMeta {
            id: version as i64,
            ecs_id: Uuid::from_u128(lineage * 100 + version),
            lineage_id: Uuid::from_u128(lineage),
            parent_id: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        },
        values,
        children: ty
            .children
            .iter()
            .zip(children)
            .map(|(field, versions)| ChildList {
                field: field.name,
                versions,
            })
            .collect(),
    }
}

fn message(lineage: u128, version: u128, content: &str, usage: Option<i64>) -> VersionTree {
    let usage = usage
        .map(|tokens| node(&USAGE, lineage + 50, 1, vec![Value::Int(tokens)], vec![]))
        .into_iter()
        .collect();
    node(
        &MESSAGE,
        lineage,
        version,
        vec![Value::Text(content.into())],
        vec![usage],
    )
}

fn thread(
    version: u128,
    title: &str,
    pinned: Option<u128>,
    history: Vec<VersionTree>,
) -> VersionTree {
    node(
        &THREAD,
        1,
        version,
        vec![
            Value::Text(title.into()),
            pinned.map_or(Value::Null, |id| Value::Uuid(Uuid::from_u128(id))),
        ],
        vec![history],
    )
}

/// a, b, c, d at their first versions.
fn first_history() -> Vec<VersionTree> {
    vec![
        message(10, 1, "a", None),
        message(20, 1, "b", None),
        message(30, 1, "c", None),
        message(40, 1, "d", None),
    ]
}

#[test]
fn fields_and_references_report_old_and_new_values() {
    let old = thread(1, "Support", None, vec![]);
    let new = thread(2, "Support (escalated)", Some(7), vec![]);
    let diff = diff(&old, &new);
    assert_eq!(diff.type_name, "Thread");
    assert_eq!(diff.old, old.meta.ecs_id);
    assert_eq!(diff.new, new.meta.ecs_id);
    assert_eq!(
        diff.fields,
        vec![
            FieldChange {
                field: "title",
                old: Value::Text("Support".into()),
                new: Value::Text("Support (escalated)".into()),
                references: None,
            },
            FieldChange {
                field: "pinned",
                old: Value::Null,
                new: Value::Uuid(Uuid::from_u128(7)),
                references: Some("Message"),
            },
        ]
    );
    assert!(diff.children.is_empty());
}

#[test]
fn children_are_matched_by_lineage_into_added_removed_moved_and_changed() {
    let old = thread(1, "t", None, first_history());
    // d moved to the front, b edited (a new version of its lineage) and
    // given a usage, c removed, e added at the end.
    let new = thread(
        3,
        "t",
        None,
        vec![
            message(40, 1, "d", None),
            message(10, 1, "a", None),
            message(20, 2, "b, edited", Some(12)),
            message(50, 1, "e", None),
        ],
    );
    let diff = diff(&old, &new);
    assert!(diff.fields.is_empty());
    let [history] = diff.children.as_slice() else {
        panic!("one child field differs: {diff:?}")
    };
    assert_eq!(history.field, "history");

    let placed = |list: &[PlacedChild]| -> Vec<(usize, Uuid)> {
        list.iter()
            .map(|p| (p.position, p.child.meta.lineage_id))
            .collect()
    };
    assert_eq!(placed(&history.added), vec![(3, Uuid::from_u128(50))]);
    assert_eq!(placed(&history.removed), vec![(2, Uuid::from_u128(30))]);
    let moved: Vec<_> = history
        .moved
        .iter()
        .map(|m| (m.lineage_id, m.from, m.to))
        .collect();
    assert_eq!(
        moved,
        vec![(Uuid::from_u128(40), 3, 0)],
        "only d moved: a and b shifted because of it"
    );

    let [changed] = history.changed.as_slice() else {
        panic!("only b changed: {history:?}")
    };
    assert_eq!((changed.from, changed.to), (1, 2));
    assert_eq!(changed.diff.type_name, "Message");
    assert_eq!(
        changed.diff.fields,
        vec![FieldChange {
            field: "content",
            old: Value::Text("b".into()),
            new: Value::Text("b, edited".into()),
            references: None,
        }]
    );
    let [usage] = changed.diff.children.as_slice() else {
        panic!("the usage was added to b")
    };
    assert_eq!(usage.field, "usage");
    assert_eq!(usage.added.len(), 1);
    assert_eq!(
        diff.summary(),
        "history: 1 added, 1 removed, 1 moved, 1 changed"
    );
}

#[test]
fn the_same_version_has_an_empty_diff() {
    let old = thread(1, "t", None, first_history());
    let diff = diff(&old, &old.clone());
    assert!(diff.is_empty());
    assert_eq!(diff.summary(), "no change");
    assert_eq!(diff.lines().len(), 1, "only the header");
}

#[test]
fn repeated_children_of_one_lineage_are_matched_in_order() {
    let a1 = message(10, 1, "a", None);
    let a2 = message(10, 2, "a2", None);
    let old = thread(1, "t", None, vec![a1.clone(), a1.clone()]);
    let new = thread(2, "t", None, vec![a1, a2]);
    let diff = diff(&old, &new);
    let history = &diff.children[0];
    assert!(history.added.is_empty() && history.removed.is_empty());
    assert!(history.moved.is_empty());
    assert_eq!(history.changed.len(), 1);
    assert_eq!((history.changed[0].from, history.changed[0].to), (1, 1));
}

#[test]
fn the_text_form_marks_each_kind_of_change() {
    let old = thread(1, "Support", None, first_history());
    let new = thread(
        2,
        "Help",
        None,
        vec![
            message(40, 1, "d", None),
            message(10, 1, "a", None),
            message(20, 2, "b2", None),
            message(50, 1, "e", Some(3)),
        ],
    );
    let id = |lineage: u128, version: u128| Uuid::from_u128(lineage * 100 + version);
    let expected = format!(
        "Thread {} -> {}\n\
         \x20 ~ title: \"Support\" -> \"Help\"\n\
         \x20 history:\n\
         \x20   + [3] Message {}  content: \"e\"  (usage: 1)\n\
         \x20   - [2] Message {}  content: \"c\"\n\
         \x20   > [3 -> 0] Message {}\n\
         \x20   ~ [1 -> 2] Message {} -> {}\n\
         \x20     ~ content: \"b\" -> \"b2\"\n",
        id(1, 1),
        id(1, 2),
        id(50, 1),
        id(30, 1),
        id(40, 1),
        id(20, 1),
        id(20, 2),
    );
    let diff = diff(&old, &new);
    assert_eq!(diff.to_string(), expected);
    let kinds: Vec<LineKind> = diff.lines().iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        vec![
            LineKind::Header,
            LineKind::Field,
            LineKind::Group,
            LineKind::Added,
            LineKind::Removed,
            LineKind::Moved,
            LineKind::Changed,
            LineKind::Field,
        ]
    );
    assert_eq!(
        diff.summary(),
        "title changed; history: 1 added, 1 removed, 1 moved, 1 changed"
    );
}

#[test]
fn long_values_are_shortened_inline() {
    let old = thread(1, "t", None, vec![]);
    let long = "x".repeat(100);
    let new = thread(2, "t", None, vec![message(10, 1, &long, None)]);
    let text = diff(&old, &new).to_string();
    let shown = format!("\"{}…", "x".repeat(38));
    assert!(text.contains(&shown), "{text}");
    assert!(!text.contains(&long));
}

#[test]
fn lines_naming_names_each_reference_as_the_caller_says() {
    let old = thread(1, "t", None, vec![]);
    let new = thread(2, "t", Some(7), vec![]);
    let diff = diff(&old, &new);
    let seven = Uuid::from_u128(7);
    let default: Vec<String> = diff.lines().into_iter().map(|l| l.text).collect();
    assert_eq!(
        default[1],
        format!("~ pinned (reference to Message): null -> {seven}")
    );
    let named: Vec<String> = diff
        .lines_naming(&|target, value| format!("Ref to {target} {value}"))
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        named[1],
        format!("~ pinned (Ref to Message {seven}): null -> {seven}"),
        "named after the new value"
    );
}
