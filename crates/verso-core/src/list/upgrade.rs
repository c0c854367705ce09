//! Planning the upgrade of a database written by Verso's first storage
//! layout, without I/O: what a driver writes so that the database holds,
//! in this layout, exactly the children and heads it held.
//!
//! The first layout stored one link row per child of every version
//! (`verso_links(parent_ecs_id, field, position, child_ecs_id,
//! child_type)`) and found heads by scanning a lineage. This layout needs,
//! for the same versions:
//!
//! * a [`ListRow`] per version and non-empty child field, with every
//!   distinct [`ChunkRow`] below those rows once ([`ChunkedList::build`]);
//! * the [`ListChange`]s of each version against the version it was
//!   forked from ([`list::changes`](super::changes)), a first version
//!   gaining all its children, as a commit would have written them;
//! * the heads of every lineage: its versions no other version of the
//!   lineage was forked from.
//!
//! A driver reads the link rows and every version's metadata, calls
//! [`plan_upgrade`], writes the plan and drops the link table, all in one
//! transaction. The whole link table is held in memory while planning.

use super::{changes, ChunkRow, ChunkedList, ListChange, ListRow};
use crate::driver::UpgradeReport;
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The link table of the first layout, which an upgrade reads and drops.
pub const LEGACY_LINKS: &str = "verso_links";

/// One row of the first layout's link table: the child at `position` of
/// the list `field` of the version `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyLink {
    /// The version holding the list.
    pub parent: Uuid,
    /// The parent's child field.
    pub field: String,
    /// The child's position in the list (lists are read in position order).
    pub position: i64,
    /// The child version.
    pub child: Uuid,
    /// The child's entity type name.
    pub child_type: String,
}

/// The lineage metadata of one stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionInfo {
    /// Version id.
    pub ecs_id: Uuid,
    /// Lineage id.
    pub lineage_id: Uuid,
    /// The version it was forked from, `None` for a first version.
    pub parent_id: Option<Uuid>,
}

/// Every version of one entity type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeVersions {
    /// The type's name, as link rows name child types.
    pub type_name: String,
    /// Its versions, in the order the plan should list them (oldest first
    /// keeps the plan readable; any order gives the same rows).
    pub versions: Vec<VersionInfo>,
}

/// What an upgrade writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradePlan {
    /// The non-empty child lists of every version: by type and version in
    /// the order given, then by field name.
    pub lists: Vec<ListRow>,
    /// Every distinct chunk below those lists' roots, each once.
    pub chunks: Vec<ChunkRow>,
    /// The children each version's lists gained or lost against the
    /// version it was forked from.
    pub changes: Vec<ListChange>,
    /// `(lineage_id, ecs_id)` of every head.
    pub heads: Vec<(Uuid, Uuid)>,
    /// Link rows read.
    pub links_read: u64,
    /// Versions read, every type together.
    pub versions: u64,
}

impl UpgradePlan {
    /// The report of an upgrade that stored this plan.
    pub fn report(&self) -> UpgradeReport {
        UpgradeReport {
            upgraded: true,
            links_read: self.links_read,
            versions: self.versions,
            lists: self.lists.len() as u64,
            chunks: self.chunks.len() as u64,
        }
    }
}

/// One child list as the links hold it.
struct LegacyList {
    child_type: String,
    /// `(position, child)`, sorted by position once every link is read.
    entries: Vec<(i64, Uuid)>,
}

/// Plans the upgrade of the versions `types` and the link rows `links`
/// (in any order: they are grouped by parent and field and sorted by
/// position here).
///
/// Link rows that do not describe stored versions are refused rather than
/// dropped, each as an [`Error::Decode`] on `verso_links` naming the parent
/// version and the field: a parent that is no version of any type, a child
/// type that is no type of `types`, a child that is no version of its
/// type, two child types in one list, two children at one position. So is
/// a version id stored in two types.
pub fn plan_upgrade(
    types: &[TypeVersions],
    links: impl IntoIterator<Item = LegacyLink>,
) -> Result<UpgradePlan> {
    // Which type holds each version.
    let mut type_of: HashMap<Uuid, usize> = HashMap::new();
    for (index, ty) in types.iter().enumerate() {
        for version in &ty.versions {
            if let Some(other) = type_of.insert(version.ecs_id, index) {
                return Err(Error::Decode {
                    type_name: ty.type_name.clone(),
                    id: version.ecs_id,
                    column: "ecs_id".into(),
                    detail: format!(
                        "the version id is stored in two types, {} and {}",
                        types[other].type_name, ty.type_name
                    ),
                });
            }
        }
    }
    let type_index: HashMap<&str, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.type_name.as_str(), i))
        .collect();

    // The links, grouped by parent and field.
    let mut lists: HashMap<Uuid, BTreeMap<String, LegacyList>> = HashMap::new();
    let mut links_read = 0u64;
    for link in links {
        links_read += 1;
        let broken = |column: &str, detail: String| Error::Decode {
            type_name: LEGACY_LINKS.into(),
            id: link.parent,
            column: column.into(),
            detail: format!("field {} position {}: {detail}", link.field, link.position),
        };
        if !type_of.contains_key(&link.parent) {
            return Err(broken(
                "parent_ecs_id",
                "the parent is no version of any catalogued type".into(),
            ));
        }
        let Some(&child_type) = type_index.get(link.child_type.as_str()) else {
            return Err(broken(
                "child_type",
                format!("the child type {:?} is not in the catalog", link.child_type),
            ));
        };
        if type_of.get(&link.child) != Some(&child_type) {
            return Err(broken(
                "child_ecs_id",
                format!(
                    "the child {} is no version of {}",
                    link.child, link.child_type
                ),
            ));
        }
        let fields = lists.entry(link.parent).or_default();
        let list = match fields.get_mut(&link.field) {
            Some(list) => list,
            None => fields.entry(link.field.clone()).or_insert(LegacyList {
                child_type: link.child_type.clone(),
                entries: Vec::new(),
            }),
        };
        if list.child_type != link.child_type {
            return Err(broken(
                "child_type",
                format!(
                    "the list holds children of two types, {} and {}",
                    list.child_type, link.child_type
                ),
            ));
        }
        list.entries.push((link.position, link.child));
    }

    // Each version's children, in position order.
    let mut children: HashMap<Uuid, BTreeMap<String, (String, Vec<Uuid>)>> =
        HashMap::with_capacity(lists.len());
    for (parent, fields) in lists {
        let mut ordered = BTreeMap::new();
        for (field, mut list) in fields {
            list.entries.sort_unstable_by_key(|(position, _)| *position);
            if let Some(pair) = list.entries.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(Error::Decode {
                    type_name: LEGACY_LINKS.into(),
                    id: parent,
                    column: "position".into(),
                    detail: format!(
                        "field {field} position {}: two children, {} and {}",
                        pair[0].0, pair[0].1, pair[1].1
                    ),
                });
            }
            let ids = list.entries.into_iter().map(|(_, child)| child).collect();
            ordered.insert(field, (list.child_type, ids));
        }
        children.insert(parent, ordered);
    }

    let mut plan = UpgradePlan {
        links_read,
        ..UpgradePlan::default()
    };
    let mut planned_chunks = HashSet::new();
    let none = BTreeMap::new();
    for ty in types {
        // Versions some version of the same lineage was forked from.
        let forked: HashSet<(Uuid, Uuid)> = ty
            .versions
            .iter()
            .filter_map(|v| v.parent_id.map(|p| (v.lineage_id, p)))
            .collect();
        for version in &ty.versions {
            plan.versions += 1;
            if !forked.contains(&(version.lineage_id, version.ecs_id)) {
                plan.heads.push((version.lineage_id, version.ecs_id));
            }
            let own = children.get(&version.ecs_id).unwrap_or(&none);
            let before = version
                .parent_id
                .and_then(|p| children.get(&p))
                .unwrap_or(&none);
            for (field, (child_type, ids)) in own {
                let built = ChunkedList::build(ids);
                for chunk in built.chunks {
                    if planned_chunks.insert(chunk.id) {
                        plan.chunks.push(chunk);
                    }
                }
                plan.lists.push(ListRow {
                    parent: version.ecs_id,
                    field: Cow::Owned(field.clone()),
                    child_type: Cow::Owned(child_type.clone()),
                    height: built.shape.height() as i64,
                    entries: built.shape.root().to_vec(),
                });
            }
            // Every field either list holds, in name order.
            let fields: std::collections::BTreeSet<&String> =
                own.keys().chain(before.keys()).collect();
            for field in fields {
                let old = before.get(field).map_or(&[][..], |(_, ids)| ids.as_slice());
                let new = own.get(field).map_or(&[][..], |(_, ids)| ids.as_slice());
                changes(
                    version.ecs_id,
                    Cow::Owned(field.clone()),
                    old,
                    new,
                    &mut plan.changes,
                );
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::changes as list_changes;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1)
    }

    fn version(ecs: u128, lineage: u128, parent: Option<u128>) -> VersionInfo {
        VersionInfo {
            ecs_id: id(ecs),
            lineage_id: id(lineage),
            parent_id: parent.map(id),
        }
    }

    fn link(parent: u128, field: &str, position: i64, child: u128, ty: &str) -> LegacyLink {
        LegacyLink {
            parent: id(parent),
            field: field.into(),
            position,
            child: id(child),
            child_type: ty.into(),
        }
    }

    /// The links of `parent`'s list `field` holding `children` in order.
    fn list_links(parent: u128, field: &str, children: &[u128], ty: &str) -> Vec<LegacyLink> {
        children
            .iter()
            .enumerate()
            .map(|(i, c)| link(parent, field, i as i64, *c, ty))
            .collect()
    }

    /// Reads the children of `parent`'s list `field` back from the plan.
    fn read_back(plan: &UpgradePlan, parent: u128, field: &str) -> Option<Vec<Uuid>> {
        let chunks = plan.chunks.iter().map(|c| (c.id, c.clone())).collect();
        let row = plan
            .lists
            .iter()
            .find(|l| l.parent == id(parent) && l.field == field)?;
        Some(ChunkedList::read(row, &chunks).unwrap().0)
    }

    fn changes_of(plan: &UpgradePlan, parent: u128) -> Vec<(String, Uuid, i64, bool)> {
        plan.changes
            .iter()
            .filter(|c| c.parent == id(parent))
            .map(|c| (c.field.to_string(), c.child, c.position, c.added))
            .collect()
    }

    /// Threads 10.. (lineage 1): 10 first with messages 100, 101; 11 appends
    /// 102; 12 removes 100; 13 forks 11 a second time and reorders.
    fn threads() -> (Vec<TypeVersions>, Vec<LegacyLink>) {
        let types = vec![
            TypeVersions {
                type_name: "Thread".into(),
                versions: vec![
                    version(10, 1, None),
                    version(11, 1, Some(10)),
                    version(12, 1, Some(11)),
                    version(13, 1, Some(11)),
                ],
            },
            TypeVersions {
                type_name: "Message".into(),
                versions: (100..103).map(|m| version(m, m + 1000, None)).collect(),
            },
        ];
        let mut links = Vec::new();
        links.extend(list_links(10, "history", &[100, 101], "Message"));
        links.extend(list_links(11, "history", &[100, 101, 102], "Message"));
        links.extend(list_links(12, "history", &[101, 102], "Message"));
        links.extend(list_links(13, "history", &[102, 101, 100], "Message"));
        // Rows arrive in any order.
        links.reverse();
        (types, links)
    }

    #[test]
    fn every_list_reads_back_in_position_order() {
        let (types, links) = threads();
        let plan = plan_upgrade(&types, links).unwrap();
        assert_eq!(plan.links_read, 10);
        assert_eq!(plan.versions, 7);
        assert_eq!(plan.lists.len(), 4, "one row per version with children");
        let expect = |parent, children: &[u128]| {
            assert_eq!(
                read_back(&plan, parent, "history"),
                Some(children.iter().copied().map(id).collect::<Vec<_>>()),
                "version {parent}"
            );
        };
        expect(10, &[100, 101]);
        expect(11, &[100, 101, 102]);
        expect(12, &[101, 102]);
        expect(13, &[102, 101, 100]);
        let row = plan.lists.iter().find(|l| l.parent == id(10)).unwrap();
        assert_eq!(row.child_type, "Message");
        assert!(
            plan.lists.iter().all(|l| l.parent != id(100)),
            "leaves have no lists"
        );
    }

    #[test]
    fn changes_are_those_a_commit_would_write() {
        let (types, links) = threads();
        let plan = plan_upgrade(&types, links).unwrap();
        let history = "history".to_string();
        assert_eq!(
            changes_of(&plan, 10),
            vec![
                (history.clone(), id(100), 0, true),
                (history.clone(), id(101), 1, true)
            ],
            "a first version gains all its children"
        );
        assert_eq!(
            changes_of(&plan, 11),
            vec![(history.clone(), id(102), 2, true)]
        );
        assert_eq!(
            changes_of(&plan, 12),
            vec![(history.clone(), id(100), 0, false)]
        );
        assert_eq!(
            changes_of(&plan, 13),
            vec![],
            "a reorder gains and loses nothing"
        );
        // The same as list::changes against the parent's list.
        let mut expected = Vec::new();
        list_changes(
            id(12),
            "history",
            &[id(100), id(101), id(102)],
            &[id(101), id(102)],
            &mut expected,
        );
        let found: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.parent == id(12))
            .cloned()
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn heads_are_versions_nobody_forked_from() {
        let (types, links) = threads();
        let plan = plan_upgrade(&types, links).unwrap();
        let mut heads = plan.heads.clone();
        heads.sort();
        let mut expected = vec![(id(1), id(12)), (id(1), id(13))];
        expected.extend((100..103).map(|m| (id(m + 1000), id(m))));
        expected.sort();
        assert_eq!(
            heads, expected,
            "a branch has two heads; a lone version is one"
        );
    }

    #[test]
    fn a_version_that_empties_a_list_loses_every_child() {
        let types = vec![
            TypeVersions {
                type_name: "Thread".into(),
                versions: vec![version(10, 1, None), version(11, 1, Some(10))],
            },
            TypeVersions {
                type_name: "Message".into(),
                versions: vec![version(100, 2, None)],
            },
        ];
        let plan = plan_upgrade(&types, list_links(10, "history", &[100], "Message")).unwrap();
        assert_eq!(
            read_back(&plan, 11, "history"),
            None,
            "an empty list has no row"
        );
        assert_eq!(
            changes_of(&plan, 11),
            vec![("history".to_string(), id(100), 0, false)]
        );
    }

    #[test]
    fn several_fields_optional_children_and_shared_children() {
        // Document 10 (summary: note 50; sections: 20, 21); section 20 and
        // 21 share paragraph 30; document 11 drops the summary.
        let types = vec![
            TypeVersions {
                type_name: "Document".into(),
                versions: vec![version(10, 1, None), version(11, 1, Some(10))],
            },
            TypeVersions {
                type_name: "Section".into(),
                versions: vec![version(20, 2, None), version(21, 3, None)],
            },
            TypeVersions {
                type_name: "Paragraph".into(),
                versions: vec![version(30, 4, None)],
            },
            TypeVersions {
                type_name: "Note".into(),
                versions: vec![version(50, 5, None)],
            },
        ];
        let mut links = list_links(10, "summary", &[50], "Note");
        links.extend(list_links(10, "sections", &[20, 21], "Section"));
        links.extend(list_links(11, "sections", &[20, 21], "Section"));
        links.extend(list_links(20, "paragraphs", &[30], "Paragraph"));
        links.extend(list_links(21, "paragraphs", &[30], "Paragraph"));
        let plan = plan_upgrade(&types, links).unwrap();
        assert_eq!(read_back(&plan, 10, "summary"), Some(vec![id(50)]));
        assert_eq!(read_back(&plan, 11, "summary"), None);
        assert_eq!(read_back(&plan, 21, "paragraphs"), Some(vec![id(30)]));
        assert_eq!(
            changes_of(&plan, 11),
            vec![("summary".to_string(), id(50), 0, false)]
        );
        // Fields of one version by name.
        let fields: Vec<&str> = plan
            .lists
            .iter()
            .filter(|l| l.parent == id(10))
            .map(|l| l.field.as_ref())
            .collect();
        assert_eq!(fields, ["sections", "summary"]);
    }

    #[test]
    fn long_lists_are_chunked_and_equal_chunks_stored_once() {
        let messages: Vec<u128> = (1000..1300).collect();
        let types = vec![
            TypeVersions {
                type_name: "Thread".into(),
                versions: vec![
                    version(10, 1, None),
                    version(11, 1, Some(10)),
                    version(12, 2, None),
                ],
            },
            TypeVersions {
                type_name: "Message".into(),
                versions: messages.iter().map(|m| version(*m, *m, None)).collect(),
            },
        ];
        let mut appended = messages[..299].to_vec();
        let mut links = list_links(10, "history", &appended, "Message");
        appended.push(1299);
        links.extend(list_links(11, "history", &appended, "Message"));
        // Another lineage with the very same list: its chunks are shared.
        links.extend(list_links(12, "history", &appended, "Message"));
        let plan = plan_upgrade(&types, links).unwrap();
        let ids: HashSet<Uuid> = plan.chunks.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), plan.chunks.len(), "each chunk once");
        let one_list = ChunkedList::build(&appended.iter().copied().map(id).collect::<Vec<_>>());
        assert!(one_list.shape.height() >= 1);
        assert!(
            plan.chunks.len() < 2 * one_list.chunks.len(),
            "the append shares most chunks: {} chunks for lists of {}",
            plan.chunks.len(),
            one_list.chunks.len()
        );
        assert_eq!(
            read_back(&plan, 12, "history"),
            Some(appended.iter().copied().map(id).collect())
        );
        assert_eq!(
            changes_of(&plan, 11),
            vec![("history".to_string(), id(1299), 299, true)]
        );
    }

    #[test]
    fn a_child_listed_twice_is_kept_twice_and_gained_once() {
        let types = vec![
            TypeVersions {
                type_name: "Thread".into(),
                versions: vec![version(10, 1, None)],
            },
            TypeVersions {
                type_name: "Message".into(),
                versions: vec![version(100, 2, None)],
            },
        ];
        let plan = plan_upgrade(&types, list_links(10, "history", &[100, 100], "Message")).unwrap();
        assert_eq!(
            read_back(&plan, 10, "history"),
            Some(vec![id(100), id(100)])
        );
        assert_eq!(changes_of(&plan, 10).len(), 1);
    }

    #[test]
    fn links_that_describe_no_stored_versions_are_refused() {
        let (types, links) = threads();
        let refuse = |edit: &dyn Fn(&mut Vec<LegacyLink>), column: &str, words: &str| {
            let mut links = links.clone();
            edit(&mut links);
            match plan_upgrade(&types, links) {
                Err(Error::Decode {
                    type_name,
                    column: found,
                    detail,
                    ..
                }) => {
                    assert_eq!(type_name, "verso_links");
                    assert_eq!(found, column, "{detail}");
                    assert!(detail.contains(words), "{detail}");
                }
                other => panic!("expected a decode error, got {other:?}"),
            }
        };
        refuse(
            &|l| l[0].child_type = "Ghost".into(),
            "child_type",
            "\"Ghost\" is not in the catalog",
        );
        refuse(&|l| l[0].parent = id(999), "parent_ecs_id", "no version");
        refuse(
            &|l| l[0].child = id(999),
            "child_ecs_id",
            "no version of Message",
        );
        refuse(
            &|l| l[0].child = id(11),
            "child_ecs_id",
            "no version of Message",
        );
        refuse(
            &|l| {
                let mut extra = l[0].clone();
                extra.child = id(100);
                l.push(extra);
            },
            "position",
            "two children",
        );
        refuse(
            &|l| {
                let mut extra = l[0].clone();
                extra.position = 99;
                extra.child = id(11);
                extra.child_type = "Thread".into();
                l.push(extra);
            },
            "child_type",
            "two types",
        );
    }

    #[test]
    fn a_version_id_in_two_types_is_refused() {
        let (mut types, links) = threads();
        types[1].versions.push(version(10, 7, None));
        let error = plan_upgrade(&types, links).unwrap_err();
        assert!(error.to_string().contains("stored in two types"), "{error}");
    }

    #[test]
    fn no_links_plans_heads_only() {
        let types = vec![TypeVersions {
            type_name: "Thread".into(),
            versions: vec![version(10, 1, None), version(11, 1, Some(10))],
        }];
        let plan = plan_upgrade(&types, Vec::new()).unwrap();
        assert!(plan.lists.is_empty() && plan.chunks.is_empty() && plan.changes.is_empty());
        assert_eq!(plan.heads, vec![(id(1), id(11))]);
        assert_eq!(
            plan.report(),
            UpgradeReport {
                upgraded: true,
                links_read: 0,
                versions: 2,
                lists: 0,
                chunks: 0
            }
        );
    }
}
