//! Relationships by reference: lists of references (`Vec<Ref<T>>`,
//! `Vec<LineageRef<T>>`), dangling references refused at commit, a
//! reference to an entity edited in the same commit, and two differently
//! edited copies of one version refused.

use crate::cost;
use crate::model::*;
use verso::{Entity, Error, LineageRef, Meta, Ref, RefKind, Store, Uuid};

/// A song, referenced by playlists: not owned by any.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Song {
    pub meta: Meta,
    pub title: String,
}

/// A playlist: songs pinned at the version added, and the curators'
/// lineages, followed to their newest version.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Playlist {
    pub meta: Meta,
    pub name: String,
    pub songs: Vec<Ref<Song>>,
    pub curators: Vec<LineageRef<SystemPrompt>>,
}

fn song(title: &str) -> Song {
    Song {
        meta: Meta::new(),
        title: title.into(),
    }
}

fn curator(content: &str) -> SystemPrompt {
    SystemPrompt {
        meta: Meta::new(),
        name: "curator".into(),
        content: content.into(),
    }
}

async fn stored_songs(store: &Store, titles: &[&str]) -> Vec<Song> {
    let mut songs: Vec<Song> = titles.iter().map(|t| song(t)).collect();
    for song in &mut songs {
        store.commit(song).await.unwrap();
    }
    songs
}

fn playlist(name: &str, songs: &[&Song]) -> Playlist {
    Playlist {
        meta: Meta::new(),
        name: name.into(),
        songs: songs.iter().map(|s| Ref::to(*s)).collect(),
        curators: Vec::new(),
    }
}

pub async fn a_list_of_references_round_trips_in_order_with_its_row(store: &Store) {
    let songs = stored_songs(store, &["a", "b", "c"]).await;
    let mut short = playlist("short", &[&songs[1]]);
    let mut long = playlist("long", &[&songs[2], &songs[0], &songs[2], &songs[1]]);
    store.commit(&mut short).await.unwrap();
    store.commit(&mut long).await.unwrap();

    let (short_cost, loaded_short) = cost!(store, store.get::<Playlist>(short.meta.ecs_id()).await);
    let (long_cost, loaded) = cost!(store, store.get::<Playlist>(long.meta.ecs_id()).await);
    assert_eq!(loaded_short.unwrap(), short);
    let loaded = loaded.unwrap();
    assert_eq!(loaded, long, "the ids come back in order, repeats kept");
    assert_eq!(
        long_cost.statements, short_cost.statements,
        "the references are read with the row, however many"
    );
    let resolved = store.resolve_all(&loaded.songs).await.unwrap();
    let titles: Vec<&str> = resolved.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["c", "a", "c", "b"]);
    let column = Playlist::entity_type().columns[1].references.unwrap();
    assert_eq!((column.kind, column.many), (Some(RefKind::Version), true));
}

pub async fn editing_a_list_of_references_forks_the_holder_only(store: &Store) {
    let songs = stored_songs(store, &["a", "b"]).await;
    let mut list = playlist("mix", &[&songs[0], &songs[1]]);
    store.commit(&mut list).await.unwrap();
    let first = list.meta.ecs_id();

    let (unchanged, report) = cost!(store, store.commit(&mut list).await.unwrap());
    assert!(report.is_empty());
    assert_eq!(unchanged.statements, 0, "an unchanged list is no change");

    list.songs.reverse();
    let report = store.commit(&mut list).await.unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["Playlist"], "the songs are not part of the tree");
    let old: Playlist = store.get(first).await.unwrap();
    assert_eq!(old.songs, [Ref::to(&songs[0]), Ref::to(&songs[1])]);
    let new: Playlist = store.get(list.meta.ecs_id()).await.unwrap();
    assert_eq!(new.songs, [Ref::to(&songs[1]), Ref::to(&songs[0])]);
}

pub async fn referencing_finds_the_holders_of_a_list_in_one_statement(store: &Store) {
    let songs = stored_songs(store, &["a", "b", "c"]).await;
    let mut with_a = playlist("with a", &[&songs[1], &songs[0]]);
    let mut without_a = playlist("without a", &[&songs[1], &songs[2]]);
    let mut dropped_a = playlist("dropped a", &[&songs[0]]);
    for list in [&mut with_a, &mut without_a, &mut dropped_a] {
        store.commit(list).await.unwrap();
    }
    dropped_a.songs = vec![Ref::to(&songs[2])];
    store.commit(&mut dropped_a).await.unwrap();

    let a = songs[0].meta.ecs_id();
    let found: Vec<Playlist> = store
        .referencing(Playlist::FIELDS.songs, &[a])
        .await
        .unwrap();
    let names: Vec<&str> = found.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["with a"],
        "the newest version of each holder counts"
    );

    let (lookup, found) = cost!(store, {
        let ids = [songs[0].meta.ecs_id(), songs[2].meta.ecs_id()];
        store
            .referencing(Playlist::FIELDS.songs, &ids)
            .await
            .unwrap()
    });
    let names: Vec<&str> = found.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["with a", "without a", "dropped a"]);
    let (load, _) = cost!(
        store,
        store.get_many::<Playlist>(&[with_a.meta.ecs_id()]).await
    );
    assert_eq!(
        lookup.statements,
        load.statements + 1,
        "one statement finds the holders, then they are loaded"
    );
}

pub async fn a_list_of_lineage_references_follows_each_head(store: &Store) {
    let mut curators = [curator("jazz"), curator("folk")];
    for c in &mut curators {
        store.commit(c).await.unwrap();
    }
    let mut list = playlist("curated", &[]);
    list.curators = curators.iter().map(LineageRef::to).collect();
    store.commit(&mut list).await.unwrap();
    curators[1].content = "folk and blues".into();
    store.commit(&mut curators[1]).await.unwrap();

    let loaded: Playlist = store.get(list.meta.ecs_id()).await.unwrap();
    let heads = store.follow_all(&loaded.curators).await.unwrap();
    let contents: Vec<&str> = heads.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(contents, ["jazz", "folk and blues"]);
    let lineage = curators[1].meta.lineage_id();
    let found: Vec<Playlist> = store
        .referencing(Playlist::FIELDS.curators, &[lineage])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].meta.ecs_id(), list.meta.ecs_id());
}

/// Asserts that `result` is the dangling reference `field` of `holder`
/// to `target`, and that nothing was stored.
async fn assert_dangling<T: Entity>(
    store: &Store,
    result: verso::Result<verso::CommitReport>,
    holder: Uuid,
    field: &str,
    target: Uuid,
    kind: RefKind,
) {
    match result {
        Err(Error::DanglingReference {
            type_name,
            id,
            field: named,
            target: missing,
            kind: found_kind,
            ..
        }) => {
            assert_eq!(type_name, T::entity_type().name);
            assert_eq!((id, named.as_str(), missing), (holder, field, target));
            assert_eq!(found_kind, kind);
        }
        other => panic!("expected a dangling reference, got {other:?}"),
    }
    assert!(matches!(
        store.get::<T>(holder).await,
        Err(Error::NotFound { .. })
    ));
}

pub async fn a_reference_to_a_version_never_stored_is_refused_naming_field_and_id(store: &Store) {
    let never_stored = song("draft");
    let stored = stored_songs(store, &["kept"]).await;
    let mut list = playlist("bad", &[&stored[0], &never_stored]);
    let before = list.clone();
    let (spent, result) = cost!(store, store.commit(&mut list).await);
    assert_eq!(spent.rows_written, 0);
    let (holder, missing) = (list.meta.ecs_id(), never_stored.meta.ecs_id());
    let kind = RefKind::Version;
    assert_dangling::<Playlist>(store, result, holder, "songs", missing, kind).await;
    assert_eq!(list, before, "the working copy is untouched");

    let question = ChatMessage::new(MessageRole::User, "never committed");
    let mut reply = ChatMessage::reply_to(&question, MessageRole::Assistant, "hm");
    let result = store.commit(&mut reply).await;
    let (holder, missing) = (reply.meta.ecs_id(), question.meta.ecs_id());
    assert_dangling::<ChatMessage>(store, result, holder, "parent_message", missing, kind).await;

    let mut thread = ChatThread::new("prompted", Vec::new());
    let prompt = curator("never committed");
    thread.prompt_source = Some(LineageRef::to(&prompt));
    let result = store.commit(&mut thread).await;
    let (holder, missing) = (thread.meta.ecs_id(), prompt.meta.lineage_id());
    let kind = RefKind::Lineage;
    assert_dangling::<ChatThread>(store, result, holder, "prompt_source", missing, kind).await;

    // A version id is not a lineage id, nor a version of another type.
    let mut list = playlist("wrong ids", &[]);
    list.curators = vec![LineageRef::from_id(stored[0].meta.lineage_id())];
    let result = store.commit(&mut list).await;
    let (holder, missing) = (list.meta.ecs_id(), stored[0].meta.lineage_id());
    assert_dangling::<Playlist>(store, result, holder, "curators", missing, kind).await;
}

pub async fn a_reference_to_a_version_of_the_same_commit_is_accepted(store: &Store) {
    store.register::<ChatThread>().await.unwrap();
    let question = ChatMessage::new(MessageRole::User, "Why?");
    let answer = ChatMessage::reply_to(&question, MessageRole::Assistant, "Because.");
    let prompt = curator("in the tree");
    let mut thread = ChatThread::new("one commit", vec![question.clone(), answer]);
    thread.system_prompt = Some(prompt.clone());
    thread.prompt_source = Some(LineageRef::to(&prompt));
    let (spent, report) = cost!(store, store.commit(&mut thread).await.unwrap());
    assert_eq!(report.created.len(), 4);
    let (plain, _) = cost!(store, {
        let mut other = ChatThread::new(
            "no references",
            vec![ChatMessage::new(MessageRole::User, "x")],
        );
        other.system_prompt = Some(curator("x"));
        store.commit(&mut other).await.unwrap()
    });
    assert_eq!(
        spent.statements, plain.statements,
        "targets written by the commit itself need no lookup"
    );
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let parent = store
        .resolve(&loaded.history[1].parent_message.unwrap())
        .await
        .unwrap();
    assert_eq!(parent.content, "Why?");
}

pub async fn only_references_a_commit_changes_are_looked_up(store: &Store) {
    let songs = stored_songs(store, &["a", "b", "c"]).await;
    let mut list = playlist("mix", &[&songs[0], &songs[1]]);
    store.commit(&mut list).await.unwrap();
    let mut empty = playlist("empty", &[]);
    store.commit(&mut empty).await.unwrap();

    list.name = "renamed".into();
    let (with_references, _) = cost!(store, store.commit(&mut list).await.unwrap());
    empty.name = "renamed".into();
    let (without, _) = cost!(store, store.commit(&mut empty).await.unwrap());
    assert_eq!(
        with_references.statements, without.statements,
        "unchanged references are not looked up again"
    );

    list.songs.push(Ref::to(&songs[2]));
    list.songs.push(Ref::to(&songs[0]));
    list.name = "longer".into();
    let (added, _) = cost!(store, store.commit(&mut list).await.unwrap());
    assert_eq!(
        added.statements,
        without.statements + 1,
        "one lookup for the new references of one type"
    );
}

pub async fn a_reference_into_the_committed_tree_needs_no_lookup(store: &Store) {
    let mut thread = ChatThread::with_messages("threaded", 2);
    thread.system_prompt = Some(curator("house style"));
    store.commit(&mut thread).await.unwrap();

    thread
        .history
        .push(ChatMessage::new(MessageRole::User, "plain"));
    let (plain, _) = cost!(store, store.commit(&mut thread).await.unwrap());
    let reply = ChatMessage::reply_to(&thread.history[0], MessageRole::Assistant, "reply");
    thread.history.push(reply);
    let (replying, _) = cost!(store, store.commit(&mut thread).await.unwrap());
    assert_eq!(
        replying.statements, plain.statements,
        "the message replied to is a stored version of the tree"
    );

    thread.name = "renamed".into();
    let (renamed, _) = cost!(store, store.commit(&mut thread).await.unwrap());
    thread.name = "renamed again".into();
    thread.prompt_source = thread.system_prompt.as_ref().map(LineageRef::to);
    let (following, _) = cost!(store, store.commit(&mut thread).await.unwrap());
    assert_eq!(
        following.statements, renamed.statements,
        "the prompt's lineage is in the tree"
    );
    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    assert_eq!(loaded, thread);
}

pub async fn a_ref_to_an_entity_edited_in_the_same_commit_keeps_pinning_its_version(store: &Store) {
    let question = ChatMessage::new(MessageRole::User, "Why?");
    let answer = ChatMessage::reply_to(&question, MessageRole::Assistant, "Because.");
    let mut thread = ChatThread::new("pinned", vec![question, answer]);
    let prompt = curator("v1");
    thread.system_prompt = Some(prompt.clone());
    thread.prompt_source = Some(LineageRef::to(&prompt));
    store.commit(&mut thread).await.unwrap();
    let asked = thread.history[0].meta.ecs_id();

    // One commit edits the question and the prompt; the reply's Ref and
    // the thread's LineageRef are left as they were.
    thread.history[0].content = "Why, exactly?".into();
    thread.system_prompt.as_mut().unwrap().content = "v2".into();
    let report = store.commit(&mut thread).await.unwrap();
    let forked: Vec<&str> = report.forked.iter().map(|f| f.type_name).collect();
    assert_eq!(forked, ["ChatMessage", "SystemPrompt", "ChatThread"]);

    let loaded: ChatThread = store.get(thread.meta.ecs_id()).await.unwrap();
    let reply = &loaded.history[1];
    assert_eq!(
        reply.meta.ecs_id(),
        thread.history[1].meta.ecs_id(),
        "not forked"
    );
    assert_eq!(reply.parent_message, Some(Ref::from_id(asked)));
    let pinned = store.resolve(&reply.parent_message.unwrap()).await.unwrap();
    assert_eq!(
        pinned.content, "Why?",
        "the Ref keeps the version it was made from"
    );
    let followed = store.follow(&loaded.prompt_source.unwrap()).await.unwrap();
    assert_eq!(
        followed.content, "v2",
        "the LineageRef follows the new head"
    );
}

pub async fn two_differently_edited_copies_of_one_version_are_refused_naming_it(store: &Store) {
    let shared = ChatMessage::new(MessageRole::User, "shared");
    let mut thread = ChatThread::new("copies", vec![shared.clone(), shared]);
    store.commit(&mut thread).await.unwrap();
    let stored = thread.history[0].meta.ecs_id();
    assert_eq!(thread.history[1].meta.ecs_id(), stored, "stored once");

    thread.history[0].content = "one way".into();
    thread.history[1].content = "another way".into();
    let before = thread.clone();
    let (spent, result) = cost!(store, store.commit(&mut thread).await);
    match result {
        Err(Error::InvalidInput {
            type_name,
            id,
            detail,
        }) => {
            assert_eq!((type_name.as_str(), id), ("ChatMessage", stored));
            assert!(detail.contains("edited differently"), "{detail}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!((spent.statements, spent.rows_written), (0, 0));
    assert_eq!(thread, before, "the working copy is untouched");
    assert_eq!(
        store
            .versions::<ChatMessage>(before.history[0].meta.lineage_id())
            .await
            .unwrap()
            .len(),
        1
    );

    // One copy edited, the other left as stored: one new version.
    thread.history[1].content = "shared".into();
    let report = store.commit(&mut thread).await.unwrap();
    assert_eq!(report.forked.len(), 2, "the edited message and the thread");
    assert_eq!(thread.history[1].meta.ecs_id(), stored);
}

pub async fn the_catalog_records_which_references_pin_versions_and_which_follow_lineages(
    store: &Store,
) {
    store.register::<Playlist>().await.unwrap();
    store.register::<ChatThread>().await.unwrap();
    let catalog = store.driver().catalog().await.unwrap().expect("a catalog");
    let read = |type_name: &str, field: &str| {
        let entry = catalog.iter().find(|e| e.type_name == type_name).unwrap();
        let ty = entry.entity_type().unwrap();
        let column = ty.columns.iter().find(|c| c.name == field).unwrap();
        let reference = column.references.expect("a reference column");
        (reference.target.name(), reference.kind, reference.many)
    };
    assert_eq!(
        read("Playlist", "songs"),
        ("Song", Some(RefKind::Version), true)
    );
    assert_eq!(
        read("Playlist", "curators"),
        ("SystemPrompt", Some(RefKind::Lineage), true)
    );
    assert_eq!(
        read("ChatMessage", "parent_message"),
        ("ChatMessage", Some(RefKind::Version), false)
    );
    assert_eq!(
        read("ChatThread", "prompt_source"),
        ("SystemPrompt", Some(RefKind::Lineage), false)
    );
}

/// A crate of records as another program wrote it: any JSON.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(name = "RecordCrate")]
pub struct LooseCrate {
    pub meta: Meta,
    #[verso(json)]
    pub records: serde_json::Value,
}

/// The same stored type, read as a list of references.
#[derive(Clone, Debug, PartialEq, Entity)]
#[verso(name = "RecordCrate")]
pub struct RecordCrate {
    pub meta: Meta,
    pub records: Vec<Ref<Song>>,
}

pub async fn a_stored_list_that_is_not_an_array_of_ids_is_a_decode_error_naming_the_column(
    store: &Store,
) {
    for (records, shown) in [
        (serde_json::json!({"not": "a list"}), "JSON array"),
        (serde_json::json!(["not an id"]), "not an id"),
        (serde_json::json!(7), "7"),
    ] {
        let mut written = LooseCrate {
            meta: Meta::new(),
            records,
        };
        store.commit(&mut written).await.unwrap();
        let id = written.meta.ecs_id();
        match store.get::<RecordCrate>(id).await {
            Err(Error::Decode {
                type_name,
                id: named,
                column,
                detail,
            }) => {
                assert_eq!((type_name.as_str(), named), ("RecordCrate", id));
                assert_eq!(column, "records");
                assert!(detail.contains(shown), "{detail}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
