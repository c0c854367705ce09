//! The bodies of Verso's fuzz targets, shared by the libFuzzer targets in
//! `fuzz_targets/` and by the bounded random runner (`src/bounded.rs`).
//!
//! Each target feeds arbitrary input to one decoding path and checks that
//! it returns (a value or a typed error) without panicking; where a value
//! comes back, it checks what must hold of it.

use arbitrary::{Arbitrary, Unstructured};
use std::collections::HashMap;
use verso::list::chunk_id;
use verso::{
    Assembly, CatalogEntry, ChunkRow, ChunkedList, DateTime, Entity, Field, ListRow, LoadRequest,
    LoadedRows, Meta, Node, Ref, Utc, Uuid,
};

/// The `verso` command line, compiled from the CLI's own source (the CLI is
/// a binary crate with no library to depend on).
#[allow(dead_code)]
#[path = "../../crates/verso-cli/src/cli.rs"]
mod cli;

/// The id arguments `cli` parses (a module of the CLI's own source).
#[allow(dead_code)]
#[path = "../../crates/verso-cli/src/id.rs"]
mod id;

/// A plain enum column.
#[derive(Clone, Copy, Debug, PartialEq, Field)]
pub enum Mood {
    /// Stored as `"calm"`.
    Calm,
    /// Stored as `"loud"`.
    Loud,
}

/// An entity with a column of every kind, a reference and a child list.
#[derive(Clone, Debug, Entity)]
pub struct Record {
    meta: Meta,
    text: String,
    small: i32,
    big: i64,
    ratio: f64,
    flag: bool,
    key: Uuid,
    at: DateTime<Utc>,
    maybe: Option<String>,
    maybe_at: Option<DateTime<Utc>>,
    mood: Mood,
    #[verso(json)]
    doc: serde_json::Value,
    next: Option<Ref<Record>>,
    #[verso(child)]
    parts: Vec<Part>,
}

/// A child of [`Record`].
#[derive(Clone, Debug, Entity)]
pub struct Part {
    meta: Meta,
    n: i64,
}

/// A folder of folders: lists that may (when damaged) form cycles.
#[derive(Clone, Debug, Entity)]
pub struct Folder {
    meta: Meta,
    #[verso(child)]
    folders: Vec<Folder>,
}

/// One SQLite value, biased towards the texts Verso stores so that inputs
/// reach past the first check.
#[derive(Debug, Arbitrary)]
enum FuzzValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    /// A UUID, as Verso writes one.
    Uuid(u128),
    /// A timestamp from microseconds since 1970, as Verso writes one.
    Time(i64),
    /// A timestamp text with arbitrary digits in Verso's layout.
    TimeText(u16, u8, u8, u8, u8, u8, u32),
    /// A JSON document as text.
    Json(String),
}

impl FuzzValue {
    fn into_sqlite(self) -> rusqlite::types::Value {
        use rusqlite::types::Value as V;
        match self {
            FuzzValue::Null => V::Null,
            FuzzValue::Integer(i) => V::Integer(i),
            FuzzValue::Real(f) => V::Real(f),
            FuzzValue::Text(t) | FuzzValue::Json(t) => V::Text(t),
            FuzzValue::Blob(b) => V::Blob(b),
            FuzzValue::Uuid(u) => V::Text(Uuid::from_u128(u).to_string()),
            FuzzValue::Time(micros) => match DateTime::<Utc>::from_timestamp_micros(micros) {
                Some(t) => V::Text(t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
                None => V::Null,
            },
            FuzzValue::TimeText(y, mo, d, h, mi, s, f) => V::Text(format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:06}Z"
            )),
        }
    }
}

thread_local! {
    static CONNECTION: rusqlite::Connection =
        rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
}

/// Row decoding: arbitrary SQLite values as a row of [`Record`]'s table go
/// through the SQLite driver's decoder, then, when that accepts them,
/// through the entity's generated decoding. Whatever the values, both
/// return; a decoded record encodes back into column values.
pub fn row_decoding(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let ty = Record::entity_type();
    let width = 5 + ty.columns.len();
    // Mostly the right number of columns, sometimes fewer or more.
    let count = match u.int_in_range(0..=9u8).unwrap_or(0) {
        0 => u.int_in_range(0..=width + 2).unwrap_or(width),
        _ => width,
    };
    let values: Vec<_> = (0..count)
        .map(|_| {
            FuzzValue::arbitrary(&mut u)
                .unwrap_or(FuzzValue::Null)
                .into_sqlite()
        })
        .collect();
    let decoded = CONNECTION.with(|conn| verso_sqlite::fuzzing::decode_row(conn, ty, &values));
    let Ok(row) = decoded else {
        return;
    };
    assert_eq!(row.values.len(), ty.columns.len());
    let id = row.meta.ecs_id;
    let loaded = LoadedRows {
        rows: [(id, row)].into_iter().collect(),
        lists: Vec::new(),
        chunks: HashMap::new(),
    };
    let Ok(mut assembly) = Assembly::new(&loaded) else {
        return;
    };
    if let Ok(record) = assembly.build::<Record>(id) {
        assert_eq!(record.meta.ecs_id(), id);
        assert!(record.parts.is_empty(), "no list was loaded");
        let _ = record.column_values();
    }
}

/// A damaged list: its row, its chunks and the versions it names.
#[derive(Debug, Arbitrary)]
struct ListInput {
    height: i64,
    root: Vec<u8>,
    chunks: Vec<ChunkInput>,
    /// Lists of other folders in the pool (child lists, maybe cyclic).
    lists: Vec<(u8, Vec<u8>)>,
    /// The folders of the pool that have a row.
    rows: u8,
    entries_text: String,
}

#[derive(Debug, Arbitrary)]
struct ChunkInput {
    /// Its id: computed from its content (a valid chunk) or from the pool.
    honest: bool,
    id: u8,
    height: i64,
    entries: Vec<u8>,
}

/// List decoding: an arbitrary list row with arbitrary chunks and versions
/// (a pool of eight folder ids and the chunks' own ids) goes through
/// [`ChunkedList::read`], the load's choice of children to fetch, and the
/// assembly of a [`Folder`] tree; and arbitrary `entries` text through the
/// SQLite walk's decoder. Each returns, never loops, and a tree that
/// assembles holds exactly the children its lists name.
pub fn list_decoding(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(input) = ListInput::arbitrary(&mut u) else {
        return;
    };
    let _ = verso_sqlite::fuzzing::decode_entries(&input.entries_text);

    let pool: Vec<Uuid> = (1..=8u128).map(Uuid::from_u128).collect();
    let mut ids = pool.clone();
    let mut chunks = HashMap::new();
    for chunk in &input.chunks {
        let entries: Vec<Uuid> = chunk
            .entries
            .iter()
            .map(|i| ids[*i as usize % ids.len()])
            .collect();
        let id = if chunk.honest {
            chunk_id(chunk.height.clamp(0, 64) as usize, &entries)
        } else {
            ids[chunk.id as usize % ids.len()]
        };
        ids.push(id);
        chunks.insert(
            id,
            ChunkRow {
                id,
                height: chunk.height,
                entries,
            },
        );
    }
    let pick =
        |list: &[u8]| -> Vec<Uuid> { list.iter().map(|i| ids[*i as usize % ids.len()]).collect() };
    let list = |parent: Uuid, height: i64, entries: Vec<Uuid>| ListRow {
        parent,
        field: "folders".into(),
        child_type: "Folder".into(),
        height,
        entries,
    };
    let root = list(pool[0], input.height, pick(&input.root));
    let _ = ChunkedList::read(&root, &chunks);

    let ty = Folder::entity_type();
    let mut loaded = LoadedRows {
        rows: HashMap::new(),
        lists: vec![root],
        chunks,
    };
    for (parent, entries) in &input.lists {
        let parent = pool[*parent as usize % pool.len()];
        loaded.lists.push(list(parent, 0, pick(entries)));
    }
    for (bit, id) in pool.iter().enumerate() {
        if bit == 0 || input.rows & (1 << bit) != 0 {
            loaded.rows.insert(*id, folder_row(ty, *id));
        }
    }
    let request = LoadRequest {
        root_type: ty,
        roots: vec![pool[0]],
        types: vec![ty],
    };
    let _ = request.missing_children(&loaded);
    let Ok(mut assembly) = Assembly::new(&loaded) else {
        return;
    };
    if let Ok(folder) = assembly.build::<Folder>(pool[0]) {
        check_folder(&folder, &loaded);
    }
}

/// A built folder holds, at every level, the children its list names.
fn check_folder(folder: &Folder, loaded: &LoadedRows) {
    let listed = loaded
        .lists
        .iter()
        .rev() // the assembly keeps the last list of a parent
        .find(|l| l.parent == folder.meta.ecs_id())
        .map(|l| {
            ChunkedList::read(l, &loaded.chunks)
                .expect("it assembled")
                .0
        })
        .unwrap_or_default();
    let built: Vec<Uuid> = folder.folders.iter().map(|f| f.meta.ecs_id()).collect();
    assert_eq!(built, listed);
    for child in &folder.folders {
        check_folder(child, loaded);
    }
}

fn folder_row(ty: &'static verso::EntityType, id: Uuid) -> verso::StoredRow {
    verso::StoredRow {
        entity_type: ty,
        meta: verso::RowMeta {
            id: 1,
            ecs_id: id,
            lineage_id: id,
            parent_id: None,
            created_at: DateTime::UNIX_EPOCH,
        },
        values: Vec::new(),
    }
}

/// Catalog JSON: arbitrary bytes as the `definition` of a `verso_catalog`
/// row. A definition that is JSON is turned into an entity type or refused
/// with an error; an accepted one writes a definition that reads back as
/// the same type.
pub fn catalog_json(data: &[u8]) {
    let Ok(definition) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let entry = CatalogEntry {
        type_name: "Fuzzed".into(),
        table_name: "fuzzed".into(),
        definition,
    };
    let Ok(ty) = entry.entity_type() else {
        return;
    };
    let written = ty.definition();
    let again = CatalogEntry {
        definition: written.clone(),
        ..entry
    }
    .entity_type()
    .expect("a definition Verso wrote reads back");
    assert_eq!(again.definition(), written);
}

/// CLI arguments: arbitrary bytes, split at NUL bytes, as the arguments of
/// `verso`. Parsing returns the command or clap's error; never panics.
pub fn cli_args(data: &[u8]) {
    use clap::Parser;
    let args = data
        .split(|b| *b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned());
    let parsed = cli::Cli::try_parse_from(std::iter::once("verso".to_string()).chain(args));
    if let Ok(cli) = parsed {
        if cli.db.is_some() {
            let _ = cli.database();
        }
    }
}

/// The targets by name, for the bounded runner.
pub const TARGETS: [(&str, fn(&[u8])); 4] = [
    ("row_decoding", row_decoding),
    ("list_decoding", list_decoding),
    ("catalog_json", catalog_json),
    ("cli_args", cli_args),
];
