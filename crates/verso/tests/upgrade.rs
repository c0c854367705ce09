//! Upgrading a database written by Verso's first storage layout: the
//! fixture `crates/verso-sqlite/tests/fixtures/layout1.db` (see the README
//! there), and what it must read back, `layout1.json`.

#![cfg(feature = "sqlite")]

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use verso::{ChildCol, Entity, Error, Fault, Meta, Store, Uuid};

// The entity types of the fixture, as its generator declared them.

#[derive(Clone, Debug, PartialEq, Entity)]
struct ChatMessage {
    meta: Meta,
    role: String,
    content: String,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct ChatThread {
    meta: Meta,
    name: String,
    #[verso(child)]
    history: Vec<ChatMessage>,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct Note {
    meta: Meta,
    text: String,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct Paragraph {
    meta: Meta,
    text: String,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct Section {
    meta: Meta,
    heading: String,
    #[verso(child)]
    note: Option<Note>,
    #[verso(child)]
    paragraphs: Vec<Paragraph>,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct Document {
    meta: Meta,
    title: String,
    #[verso(child)]
    summary: Option<Note>,
    #[verso(child)]
    sections: Vec<Section>,
}

/// What the fixture must read back.
#[derive(Debug, Deserialize)]
struct Manifest {
    versions: BTreeMap<Uuid, Version>,
    lineages: BTreeMap<Uuid, Lineage>,
}

#[derive(Debug, Deserialize)]
struct Version {
    #[serde(rename = "type")]
    type_name: String,
    lineage: Uuid,
    parent: Option<Uuid>,
    /// Child field name -> child ids in order (every field, empty or not).
    children: BTreeMap<String, Vec<Uuid>>,
    old_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize)]
struct Lineage {
    #[serde(rename = "type")]
    type_name: String,
    heads: Vec<Uuid>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../verso-sqlite/tests/fixtures")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(fixtures().join("layout1.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The schema (`type, name, sql` of every object) and the link rows.
type Snapshot = (Vec<(String, String, Option<String>)>, Vec<Vec<String>>);

/// A private copy of the fixture, removed (with its WAL files) on drop.
struct Copy {
    path: PathBuf,
}

impl Copy {
    fn of_fixture(name: &str) -> Copy {
        let path = std::env::temp_dir().join(format!(
            "verso-upgrade-{}-{name}.db",
            Uuid::new_v4().simple()
        ));
        std::fs::copy(fixtures().join("layout1.db"), &path).unwrap();
        Copy { path }
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn connection(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).unwrap()
    }

    /// The schema and the link rows: what a failed upgrade must leave as
    /// they were.
    fn snapshot(&self) -> Snapshot {
        let conn = self.connection();
        let schema = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let links = conn
            .prepare(
                "SELECT parent_ecs_id, field, CAST(position AS TEXT), child_ecs_id, child_type \
                 FROM verso_links ORDER BY parent_ecs_id, field, position",
            )
            .unwrap()
            .query_map([], |r| (0..5).map(|i| r.get(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (schema, links)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn assert_outdated(error: Error) {
    let message = error.to_string();
    assert!(
        matches!(&error, Error::OutdatedLayout { found, .. } if found == "verso_links"),
        "{error:?}"
    );
    assert!(message.contains("verso upgrade"), "{message}");
}

/// The children of each child field of a loaded version, by field name.
fn children_of<T: Entity>(version: &T) -> BTreeMap<String, Vec<Uuid>> {
    let ty = T::entity_type();
    let mut ids = vec![Vec::new(); ty.children.len()];
    version.for_each_child(&mut |field, child| ids[field].push(child.meta().ecs_id()));
    ty.children
        .iter()
        .map(|f| f.name.to_string())
        .zip(ids)
        .collect()
}

async fn check_version<T: Entity>(store: &Store, id: Uuid, expected: &Version) {
    let version: T = store
        .get(id)
        .await
        .unwrap_or_else(|e| panic!("{} {id}: {e}", expected.type_name));
    let meta = version.meta();
    assert_eq!(meta.ecs_id(), id);
    assert_eq!(meta.lineage_id(), expected.lineage, "lineage of {id}");
    assert_eq!(meta.parent_id(), expected.parent, "parent of {id}");
    assert_eq!(children_of(&version), expected.children, "children of {id}");
    assert_eq!(
        store.old_ids::<T>(id).await.unwrap(),
        expected.old_ids,
        "old_ids of {id}"
    );
}

async fn check_heads<T: Entity>(store: &Store, lineage: Uuid, expected: &[Uuid]) {
    let heads: Vec<Uuid> = store
        .heads::<T>(lineage)
        .await
        .unwrap()
        .iter()
        .map(|h| h.meta().ecs_id())
        .collect();
    assert_eq!(heads, expected, "heads of lineage {lineage}");
}

async fn containing(store: &Store, parent_type: &str, field: &str, child: Uuid) -> Vec<Uuid> {
    // The field comes from the fixture's manifest: a handle built by hand.
    let field: &'static str = Box::leak(field.to_owned().into_boxed_str());
    let found = match parent_type {
        "ChatThread" => {
            store
                .containing(ChildCol::<ChatThread, ()>::field(field), child)
                .await
        }
        "Document" => {
            store
                .containing(ChildCol::<Document, ()>::field(field), child)
                .await
        }
        "Section" => {
            store
                .containing(ChildCol::<Section, ()>::field(field), child)
                .await
        }
        other => panic!("{other} has no children"),
    };
    found.unwrap().iter().map(|v| v.ecs_id).collect()
}

/// Every version of the manifest reads back with its children in order,
/// its lineage, parent and ancestry; every lineage has its heads; every
/// child is found in exactly the versions that hold it.
async fn check_manifest(store: &Store, manifest: &Manifest) {
    for (id, version) in &manifest.versions {
        match version.type_name.as_str() {
            "ChatThread" => check_version::<ChatThread>(store, *id, version).await,
            "ChatMessage" => check_version::<ChatMessage>(store, *id, version).await,
            "Document" => check_version::<Document>(store, *id, version).await,
            "Section" => check_version::<Section>(store, *id, version).await,
            "Note" => check_version::<Note>(store, *id, version).await,
            "Paragraph" => check_version::<Paragraph>(store, *id, version).await,
            other => panic!("unexpected type {other}"),
        }
    }
    for (id, lineage) in &manifest.lineages {
        match lineage.type_name.as_str() {
            "ChatThread" => check_heads::<ChatThread>(store, *id, &lineage.heads).await,
            "ChatMessage" => check_heads::<ChatMessage>(store, *id, &lineage.heads).await,
            "Document" => check_heads::<Document>(store, *id, &lineage.heads).await,
            "Section" => check_heads::<Section>(store, *id, &lineage.heads).await,
            "Note" => check_heads::<Note>(store, *id, &lineage.heads).await,
            "Paragraph" => check_heads::<Paragraph>(store, *id, &lineage.heads).await,
            other => panic!("unexpected type {other}"),
        }
    }
    // (parent type, field, child) -> the versions holding the child.
    let mut holders: BTreeMap<(&str, &str, Uuid), BTreeSet<Uuid>> = BTreeMap::new();
    for (id, version) in &manifest.versions {
        for (field, children) in &version.children {
            for child in children {
                holders
                    .entry((&version.type_name, field, *child))
                    .or_default()
                    .insert(*id);
            }
        }
    }
    for ((parent_type, field, child), expected) in &holders {
        let found: BTreeSet<Uuid> = containing(store, parent_type, field, *child)
            .await
            .into_iter()
            .collect();
        assert_eq!(&found, expected, "{parent_type}.{field} containing {child}");
    }
}

/// The manifest's lineages of `type_name`, by id.
fn lineages_of<'m>(manifest: &'m Manifest, type_name: &str) -> HashMap<Uuid, &'m Lineage> {
    manifest
        .lineages
        .iter()
        .filter(|(_, l)| l.type_name == type_name)
        .map(|(id, l)| (*id, l))
        .collect()
}

#[tokio::test]
async fn an_outdated_database_is_refused_until_upgraded_then_reads_back_whole() {
    let copy = Copy::of_fixture("roundtrip");
    let manifest = manifest();
    let links: i64 = copy
        .connection()
        .query_row("SELECT count(*) FROM verso_links", [], |r| r.get(0))
        .unwrap();
    let links = usize::try_from(links).unwrap();
    let store = Store::open(&copy.url()).await.unwrap();

    // Before the upgrade, committing and loading both say what to do.
    let mut fresh = ChatThread {
        meta: Meta::new(),
        name: "new".into(),
        history: Vec::new(),
    };
    assert_outdated(store.commit(&mut fresh).await.unwrap_err());
    let some_thread = *manifest
        .versions
        .iter()
        .find(|(_, v)| v.type_name == "ChatThread")
        .unwrap()
        .0;
    assert_outdated(store.get::<ChatThread>(some_thread).await.unwrap_err());
    assert_outdated(store.get::<Document>(some_thread).await.unwrap_err());

    let report = store.upgrade().await.unwrap();
    assert!(report.upgraded, "{report:?}");
    assert_eq!(report.links_read as usize, links);
    let child_ids: usize = manifest
        .versions
        .values()
        .flat_map(|v| v.children.values())
        .map(Vec::len)
        .sum();
    assert_eq!(links, child_ids, "the manifest lists every link");
    assert_eq!(report.versions as usize, manifest.versions.len());
    let non_empty = manifest
        .versions
        .values()
        .flat_map(|v| v.children.values())
        .filter(|ids| !ids.is_empty())
        .count();
    assert_eq!(
        report.lists as usize, non_empty,
        "a list row per non-empty list"
    );
    assert!(report.chunks > 0, "the long thread is chunked: {report:?}");

    check_manifest(&store, &manifest).await;

    // A new commit on top of one of the two heads of the branched thread:
    // its fork replaces it as a head, the other head stays.
    let (main_lineage, main) = lineages_of(&manifest, "ChatThread")
        .into_iter()
        .find(|(_, l)| l.heads.len() == 2)
        .expect("the branched thread");
    let mut head: ChatThread = store.get(main.heads[1]).await.unwrap();
    let before = head.history.clone();
    head.history.push(ChatMessage {
        meta: Meta::new(),
        role: "user".into(),
        content: "after the upgrade".into(),
    });
    head.history[0].content = "edited after the upgrade".into();
    let report = store.commit_on_head(&mut head).await.unwrap();
    assert_eq!(report.forked.len(), 2, "the thread and its first message");
    let reread: ChatThread = store.get(head.meta.ecs_id()).await.unwrap();
    assert_eq!(reread, head);
    assert_eq!(reread.history[1..before.len()], before[1..]);
    check_heads::<ChatThread>(&store, main_lineage, &[main.heads[0], head.meta.ecs_id()]).await;
    let mut old_ids = manifest.versions[&main.heads[1]].old_ids.clone();
    old_ids.push(main.heads[1]);
    assert_eq!(
        store
            .old_ids::<ChatThread>(head.meta.ecs_id())
            .await
            .unwrap(),
        old_ids
    );
    let unchanged = before[1].meta.ecs_id();
    let holding = containing(&store, "ChatThread", "history", unchanged).await;
    assert!(holding.contains(&head.meta.ecs_id()) && holding.contains(&main.heads[1]));

    // A new lineage of a nested type.
    let mut document = Document {
        meta: Meta::new(),
        title: "After".into(),
        summary: Some(Note {
            meta: Meta::new(),
            text: "new".into(),
        }),
        sections: Vec::new(),
    };
    store.commit(&mut document).await.unwrap();
    let reread: Document = store.get(document.meta.ecs_id()).await.unwrap();
    assert_eq!(reread, document);

    // A second upgrade has nothing to do.
    let again = store.upgrade().await.unwrap();
    assert_eq!(again, verso::UpgradeReport::default());
    drop(store);

    // The upgrade is in the file: a new store reads it without upgrading.
    let store = Store::open(&copy.url()).await.unwrap();
    check_version::<ChatThread>(&store, main.heads[0], &manifest.versions[&main.heads[0]]).await;
    let conn = copy.connection();
    let links_left: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'verso_links'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(links_left, 0, "the link table is dropped");
}

#[tokio::test]
async fn a_link_to_an_unknown_type_fails_the_upgrade_and_changes_nothing() {
    let copy = Copy::of_fixture("corrupt");
    copy.connection()
        .execute(
            "UPDATE verso_links SET child_type = 'Ghost' WHERE rowid = \
             (SELECT max(rowid) FROM verso_links)",
            [],
        )
        .unwrap();
    let before = copy.snapshot();
    let store = Store::open(&copy.url()).await.unwrap();
    let error = store.upgrade().await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { type_name, column, .. }
            if type_name == "verso_links" && column == "child_type"),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"Ghost\""), "{error}");
    assert_eq!(copy.snapshot(), before, "the database is as it was");
    // Still refused, still to be upgraded.
    assert_outdated(store.register::<ChatThread>().await.unwrap_err());
}

#[tokio::test]
async fn a_failure_at_any_statement_rolls_the_whole_upgrade_back() {
    let copy = Copy::of_fixture("faults");
    let before = copy.snapshot();
    let store = Store::open(&copy.url()).await.unwrap();
    let mut statement = 1;
    let report = loop {
        store.driver().instrument().inject(Fault {
            fail_at_statement: statement,
        });
        match store.upgrade().await {
            Err(Error::InjectedFault { statement: failed }) => {
                assert_eq!(failed, statement);
                assert_eq!(
                    copy.snapshot(),
                    before,
                    "after a fault at statement {statement}"
                );
            }
            Err(other) => panic!("statement {statement}: {other}"),
            Ok(report) => break report,
        }
        statement += 1;
        assert!(statement < 1_000, "the upgrade never finished");
    };
    // BEGIN, the checks, reads, tables, indexes, inserts, DROP, COMMIT.
    assert!(statement > 20, "only {statement} statements");
    assert!(report.upgraded);
    check_manifest(&store, &manifest()).await;
}

#[tokio::test]
async fn a_database_of_this_layout_is_left_as_it_is() {
    let path =
        std::env::temp_dir().join(format!("verso-upgrade-{}-new.db", Uuid::new_v4().simple()));
    let url = format!("sqlite:{}", path.display());
    let store = Store::open(&url).await.unwrap();
    assert_eq!(
        store.upgrade().await.unwrap(),
        verso::UpgradeReport::default()
    );
    let tables: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "an empty database stays empty");
    let mut thread = ChatThread {
        meta: Meta::new(),
        name: "t".into(),
        history: vec![ChatMessage {
            meta: Meta::new(),
            role: "user".into(),
            content: "hi".into(),
        }],
    };
    store.commit(&mut thread).await.unwrap();
    assert!(!store.upgrade().await.unwrap().upgraded);
    assert_eq!(
        store.get::<ChatThread>(thread.meta.ecs_id()).await.unwrap(),
        thread
    );
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
