//! How a version's child list is stored: a content-defined chunk tree
//! whose unchanged parts are shared between versions (`docs/storage.md`).
//!
//! A list of child ids is cut into chunks ([`chunker`]); the ids of those
//! chunks form the next level up, cut the same way, until a level is one
//! chunk long. That top level is the list's *root*, stored inline in the
//! version's [`ListRow`]; every level below it is stored as
//! [`ChunkRow`]s, addressed by the hash of their content. A new version of
//! a parent writes its list row and the few chunks its change touched:
//! about one chunk per level. Equal lists (a shared subtree, a revert, two
//! lineages with the same children) have equal chunks, stored once.
//!
//! Which children a version gained or lost against the version it was
//! forked from is kept as [`ListChange`] rows: what answers "which
//! versions contain this child" through an index.

pub mod chunker;
pub mod upgrade;

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// The table of child lists, as errors about them name it.
pub const LISTS_TABLE_NAME: &str = "verso_lists";

/// The table of the chunks below the lists' roots, as errors name it.
pub const CHUNKS_TABLE_NAME: &str = "verso_chunks";

/// The greatest height a stored list can have (see [`ChunkedList::read`]).
const MAX_HEIGHT: usize = 64;

/// One stored chunk of a list below its root (`verso_chunks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRow {
    /// Hash of the chunk's height and entries (a version 8 UUID).
    pub id: Uuid,
    /// 0 for a leaf, whose entries are child version ids; otherwise the
    /// entries are ids of chunks of height `height - 1`.
    pub height: i64,
    /// The entries, in order.
    pub entries: Vec<Uuid>,
}

/// The child list of one version's child field (`verso_lists`): the root of
/// its chunk tree, inline. An empty list has no row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The version holding the list.
    pub parent: Uuid,
    /// The parent's child field.
    pub field: Cow<'static, str>,
    /// The entity type of the children.
    pub child_type: Cow<'static, str>,
    /// Height of the root: 0 when `entries` are the children themselves.
    pub height: i64,
    /// The root's entries: child ids (height 0) or chunk ids of height
    /// `height - 1`.
    pub entries: Vec<Uuid>,
}

/// A child that a version's list gained or lost against the version it was
/// forked from (`verso_list_changes`); a first version gains all its
/// children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListChange {
    /// The new version holding the list.
    pub parent: Uuid,
    /// The parent's child field.
    pub field: Cow<'static, str>,
    /// The child version gained or lost.
    pub child: Uuid,
    /// Its first position in the new list (gained) or the old one (lost).
    pub position: i64,
    /// Gained (`true`) or lost (`false`).
    pub added: bool,
}

/// The chunk tree of one list, kept with a loaded or committed version so
/// that the next commit re-cuts only the chunks its change touches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChunkedList {
    /// Height of the root.
    height: usize,
    /// The root's entries.
    root: Vec<Uuid>,
    /// `levels[h]`: how the sequence of height `h` is cut, for every `h`
    /// below the root.
    levels: Vec<Level>,
}

/// How one level's sequence is cut into chunks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Level {
    /// The chunks' ids, in order: the sequence one level up.
    ids: Vec<Uuid>,
    /// Where each chunk ends in the level's sequence (exclusive),
    /// increasing; the last is the sequence's length.
    ends: Vec<usize>,
}

/// A list cut into its chunk tree: the shape and the chunks it needs.
#[derive(Debug, Clone)]
pub struct BuiltList {
    /// The tree.
    pub shape: Arc<ChunkedList>,
    /// The chunks below the root that were cut anew, each once: every
    /// chunk for [`ChunkedList::build`], the chunks around the change for
    /// [`ChunkedList::rebuild`].
    pub chunks: Vec<ChunkRow>,
}

impl ChunkedList {
    /// Cuts `children` into its chunk tree.
    pub fn build(children: &[Uuid]) -> BuiltList {
        let mut chunks = Vec::new();
        let shape = grow(Vec::new(), children.to_vec(), &mut chunks);
        finish(shape, chunks)
    }

    /// The chunk tree of `new_children`, from the tree of `old_children`
    /// (`self`): equal to [`build`](Self::build)`(new_children)`, but only
    /// the chunks around the change are cut and hashed again, level by
    /// level, so the cost follows the change, not the list's length.
    pub fn rebuild(&self, old_children: &[Uuid], new_children: &[Uuid]) -> BuiltList {
        let mut chunks = Vec::new();
        let mut levels: Vec<Level> = Vec::new();
        let mut old_sequence = old_children;
        let mut sequence = new_children.to_vec();
        for height in 0.. {
            let Some(old_level) = self.levels.get(height).filter(|_| !sequence.is_empty()) else {
                // The old tree has no cut level here: cut the rest anew
                // (a short sequence: the old root's level or above).
                return finish(grow(levels, sequence, &mut chunks), chunks);
            };
            let written = chunks.len();
            let level = recut(old_sequence, old_level, &sequence, height, &mut chunks);
            if level.ends.len() <= 1 {
                // One chunk: this level is the root, stored inline.
                chunks.truncate(written);
                let shape = ChunkedList {
                    height,
                    root: sequence,
                    levels,
                };
                return finish(shape, chunks);
            }
            old_sequence = &old_level.ids;
            sequence = level.ids.clone();
            levels.push(level);
        }
        unreachable!("every level is shorter than the one below")
    }

    /// Rebuilds the tree of a stored list from its row and its chunks, and
    /// returns the children in order with it.
    ///
    /// Errors: a chunk missing from `chunks`, of the wrong height, or whose
    /// entries no longer hash to its id (a damaged row), or a list of an
    /// impossible height, is an [`Error::Decode`] naming the parent, the
    /// field and the chunk.
    pub fn read(list: &ListRow, chunks: &HashMap<Uuid, ChunkRow>) -> Result<(Vec<Uuid>, Self)> {
        let height = usize::try_from(list.height)
            .map_err(|_| broken(list, format!("list height {} is negative", list.height)))?;
        // Every chunk but a level's last holds at least four entries, so
        // each level is about a quarter of the one below and no list is
        // higher than 64: a higher stored height is damage, refused before
        // a level is allocated for it.
        if height > MAX_HEIGHT {
            return Err(broken(
                list,
                format!("list height {height} is above the highest possible, {MAX_HEIGHT}"),
            ));
        }
        let mut levels = vec![Level::default(); height];
        let mut sequence = list.entries.clone();
        for h in (0..height).rev() {
            let mut below = Vec::with_capacity(sequence.len() * chunker::PATTERN_ONE_IN as usize);
            let mut ends = Vec::with_capacity(sequence.len());
            for id in &sequence {
                let chunk = chunks
                    .get(id)
                    .ok_or_else(|| broken(list, format!("chunk {id} is missing")))?;
                if chunk.height != h as i64 {
                    return Err(broken(
                        list,
                        format!(
                            "chunk {id} has height {} where {h} was expected",
                            chunk.height
                        ),
                    ));
                }
                // Chunks are addressed by their content: entries that do not
                // hash to the id were changed or cut after they were written.
                if chunk_id(h, &chunk.entries) != *id {
                    return Err(broken(
                        list,
                        format!(
                            "chunk {id} of {CHUNKS_TABLE_NAME} is damaged: its {} entries \
                             do not hash to its id",
                            chunk.entries.len()
                        ),
                    ));
                }
                below.extend_from_slice(&chunk.entries);
                ends.push(below.len());
            }
            let ids = std::mem::replace(&mut sequence, below);
            levels[h] = Level { ids, ends };
        }
        let shape = ChunkedList {
            height,
            root: list.entries.clone(),
            levels,
        };
        Ok((sequence, shape))
    }

    /// [`read`](Self::read) for a list row read from storage, where an
    /// empty list has no row: a stored row with no entries (its entries
    /// removed) is an [`Error::Decode`] naming the parent and the field,
    /// not an empty list.
    pub fn read_stored(
        list: &ListRow,
        chunks: &HashMap<Uuid, ChunkRow>,
    ) -> Result<(Vec<Uuid>, Self)> {
        if list.entries.is_empty() {
            return Err(broken(
                list,
                format!("the stored list row has no entries (an empty list is stored as no row in {LISTS_TABLE_NAME})"),
            ));
        }
        Self::read(list, chunks)
    }

    /// Height of the root (0: the root holds the children).
    pub fn height(&self) -> usize {
        self.height
    }

    /// The root's entries.
    pub fn root(&self) -> &[Uuid] {
        &self.root
    }

    /// Whether the tree holds the chunk `id` below its root.
    pub fn holds_chunk(&self, id: &Uuid) -> bool {
        self.chunk_ids().any(|held| held == id)
    }

    /// Every chunk id below the root, level by level.
    pub fn chunk_ids(&self) -> impl Iterator<Item = &Uuid> {
        self.levels.iter().flat_map(|level| &level.ids)
    }
}

/// Cuts `sequence` (of height `levels.len()`) and every level above it,
/// hashing every chunk, until a level is one chunk: the root.
fn grow(
    mut levels: Vec<Level>,
    mut sequence: Vec<Uuid>,
    chunks: &mut Vec<ChunkRow>,
) -> ChunkedList {
    loop {
        let height = levels.len();
        let lengths = chunker::cut(&sequence, height);
        if lengths.len() <= 1 {
            return ChunkedList {
                height,
                root: sequence,
                levels,
            };
        }
        let mut level = Level {
            ids: Vec::with_capacity(lengths.len()),
            ends: Vec::with_capacity(lengths.len()),
        };
        let mut start = 0;
        for length in lengths {
            level
                .ids
                .push(new_chunk(height, &sequence[start..start + length], chunks));
            start += length;
            level.ends.push(start);
        }
        sequence = level.ids.clone();
        levels.push(level);
    }
}

/// How `new` (of height `height`) is cut, given how `old` was cut
/// (`old_level`): the chunks before the first difference are kept, the
/// sequence is cut anew from the chunk holding it, until a cut in the
/// unchanged tail falls where `old` had one; from there the old chunks are
/// kept too. New chunks go to `chunks`.
fn recut(
    old: &[Uuid],
    old_level: &Level,
    new: &[Uuid],
    height: usize,
    chunks: &mut Vec<ChunkRow>,
) -> Level {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    // The first old chunk running past the common prefix; the last chunk
    // when the change is an append (its end was only the old list's end).
    let first = old_level
        .ends
        .partition_point(|&end| end <= prefix)
        .min(old_level.ends.len() - 1);
    let start = if first == 0 {
        0
    } else {
        old_level.ends[first - 1]
    };
    let mut level = Level {
        ids: old_level.ids[..first].to_vec(),
        ends: old_level.ends[..first].to_vec(),
    };
    let tail = new.len() - suffix;
    let mut run_start = start;
    for position in start..new.len() {
        let run = position + 1 - run_start;
        let end = position + 1;
        if !(chunker::ends_chunk(run, &new[position], height) || end == new.len()) {
            continue;
        }
        level
            .ids
            .push(new_chunk(height, &new[run_start..end], chunks));
        level.ends.push(end);
        run_start = end;
        if end >= tail && end < new.len() {
            // In the unchanged tail: where old cut at the same entry, both
            // are cut alike from here on.
            let old_end = end + old.len() - new.len();
            if let Ok(cut) = old_level.ends.binary_search(&old_end) {
                for (id, old_end) in old_level.ids[cut + 1..]
                    .iter()
                    .zip(&old_level.ends[cut + 1..])
                {
                    level.ids.push(*id);
                    level.ends.push(old_end + new.len() - old.len());
                }
                return level;
            }
        }
    }
    level
}

/// Adds the chunk of `entries` at `height` to `chunks`; returns its id.
fn new_chunk(height: usize, entries: &[Uuid], chunks: &mut Vec<ChunkRow>) -> Uuid {
    let id = chunk_id(height, entries);
    chunks.push(ChunkRow {
        id,
        height: height as i64,
        entries: entries.to_vec(),
    });
    id
}

/// The built list, with equal chunks within it (a repeated run of
/// children) kept once.
fn finish(shape: ChunkedList, mut chunks: Vec<ChunkRow>) -> BuiltList {
    let mut seen = HashSet::with_capacity(chunks.len());
    chunks.retain(|c| seen.insert(c.id));
    BuiltList {
        shape: Arc::new(shape),
        chunks,
    }
}

/// The id of a chunk: the first 16 bytes of the BLAKE3 hash of its height
/// and entries, as a version 8 UUID.
pub fn chunk_id(height: usize, entries: &[Uuid]) -> Uuid {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"verso-chunk");
    hasher.update(&(height as u64).to_le_bytes());
    for entry in entries {
        hasher.update(entry.as_bytes());
    }
    let hash = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The children `new` gained and lost against `old`, each child once (a
/// list's membership is a set: a child listed twice is gained once).
/// `field` is a type's static field name (a commit) or a name read from
/// the database (an [`upgrade`]).
pub fn changes(
    parent: Uuid,
    field: impl Into<Cow<'static, str>>,
    old: &[Uuid],
    new: &[Uuid],
    into: &mut Vec<ListChange>,
) {
    // Most commits change a few entries of long lists: compare only the
    // part between the common prefix and the common suffix.
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];
    if old_middle.is_empty() && new_middle.is_empty() {
        return;
    }
    let field = field.into();
    let in_old = Membership::new(old, new_middle.len());
    let in_new = Membership::new(new, old_middle.len());
    let mut reported = HashSet::new();
    for (offset, child) in new_middle.iter().enumerate() {
        if !in_old.contains(child) && reported.insert(*child) {
            into.push(ListChange {
                parent,
                field: field.clone(),
                child: *child,
                position: (prefix + offset) as i64,
                added: true,
            });
        }
    }
    for (offset, child) in old_middle.iter().enumerate() {
        if !in_new.contains(child) && reported.insert(*child) {
            into.push(ListChange {
                parent,
                field: field.clone(),
                child: *child,
                position: (prefix + offset) as i64,
                added: false,
            });
        }
    }
}

/// Membership in a list, asked `queries` times: a scan for a few
/// questions (an edit asks one or two), a hash set for many.
enum Membership<'a> {
    Scan(&'a [Uuid]),
    Set(HashSet<&'a Uuid>),
}

impl<'a> Membership<'a> {
    fn new(list: &'a [Uuid], queries: usize) -> Self {
        if queries <= 16 {
            Membership::Scan(list)
        } else {
            Membership::Set(list.iter().collect())
        }
    }
    fn contains(&self, id: &Uuid) -> bool {
        match self {
            Membership::Scan(list) => list.contains(id),
            Membership::Set(set) => set.contains(id),
        }
    }
}

fn broken(list: &ListRow, detail: String) -> Error {
    Error::Decode {
        type_name: LISTS_TABLE_NAME.into(),
        id: list.parent,
        column: list.field.to_string(),
        detail,
    }
}

#[cfg(test)]
mod tests;
