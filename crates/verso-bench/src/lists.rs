//! What the baselines write for a child list, and how they read one back.
//!
//! The layout is Verso's (`verso_lists`, `verso_chunks`): the chunk tree is
//! cut by [`ChunkedList::build`], the pure layout function, so both sides
//! store identical lists. Everything else (which chunks are new, which
//! children a version gained or lost, the expansion of a loaded tree) the
//! baselines do by hand.

use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use verso::{ChunkRow, ChunkedList};

/// The rows of one new version's child list.
#[derive(Clone, Debug)]
pub struct ListWrite {
    /// Height of the root (`verso_lists.height`).
    pub height: i64,
    /// The root's entries (`verso_lists.entries`).
    pub entries: Vec<Uuid>,
    /// The chunks the version the list replaces did not hold.
    pub new_chunks: Vec<ChunkRow>,
    /// Every chunk id of the list: what the next version need not write.
    pub chunk_ids: HashSet<Uuid>,
}

/// Cuts `children` into its chunk tree and keeps the chunks missing from
/// `stored` (the chunk ids of the version this one replaces).
pub fn plan_list(children: &[Uuid], stored: &HashSet<Uuid>) -> ListWrite {
    let built = ChunkedList::build(children);
    let chunk_ids: HashSet<Uuid> = built.chunks.iter().map(|c| c.id).collect();
    let new_chunks = built
        .chunks
        .into_iter()
        .filter(|c| !stored.contains(&c.id))
        .collect();
    ListWrite {
        height: built.shape.height() as i64,
        entries: built.shape.root().to_vec(),
        new_chunks,
        chunk_ids,
    }
}

/// One change row (`verso_list_changes`) of the history field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The child gained or lost.
    pub child: Uuid,
    /// Its position in the new list (gained) or the old one (lost).
    pub position: i64,
    /// Gained or lost.
    pub added: bool,
}

/// The children of a list read back: the root's height and entries, and
/// the chunks below it by id.
#[derive(Clone, Debug, Default)]
pub struct ReadList {
    /// Height of the root.
    pub height: i64,
    /// The root's entries.
    pub root: Vec<Uuid>,
    /// The chunks read by the walk.
    pub chunks: HashMap<Uuid, (i64, Vec<Uuid>)>,
}

impl ReadList {
    /// The children in order, expanding the root level by level.
    pub fn children(&self) -> Result<Vec<Uuid>, String> {
        let mut sequence = self.root.clone();
        for height in (0..self.height).rev() {
            let mut below = Vec::with_capacity(sequence.len() * 16);
            for id in &sequence {
                match self.chunks.get(id) {
                    Some((h, entries)) if *h == height => below.extend_from_slice(entries),
                    Some((h, _)) => return Err(format!("chunk {id} has height {h}, not {height}")),
                    None => return Err(format!("chunk {id} is missing")),
                }
            }
            sequence = below;
        }
        Ok(sequence)
    }

    /// Every chunk id read.
    pub fn chunk_ids(&self) -> HashSet<Uuid> {
        self.chunks.keys().copied().collect()
    }
}

/// The text of a JSON array of UUID texts, as Verso stores a list's entries
/// in SQLite.
pub fn id_array_text(ids: &[Uuid]) -> String {
    let mut text = String::with_capacity(2 + ids.len() * 39);
    text.push('[');
    let mut buffer = Uuid::encode_buffer();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push('"');
        text.push_str(id.hyphenated().encode_lower(&mut buffer));
        text.push('"');
    }
    text.push(']');
    text
}

/// A `uuid[]` literal (`{id,id}`), how the PostgreSQL baseline sends
/// chunks' entries of different lengths in one array parameter.
pub fn uuid_array_literal(ids: &[Uuid]) -> String {
    let mut text = String::with_capacity(2 + ids.len() * 37);
    text.push('{');
    let mut buffer = Uuid::encode_buffer();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(id.hyphenated().encode_lower(&mut buffer));
    }
    text.push('}');
    text
}

/// What a cross-check reads of one stored list: its row and every chunk
/// below it, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredList {
    /// `verso_lists.child_type`.
    pub child_type: String,
    /// `verso_lists.height`.
    pub height: i64,
    /// `verso_lists.entries`, as stored (the JSON text on SQLite, the
    /// array's text output on PostgreSQL).
    pub entries: String,
    /// `(chunk_id, height, entries)` of every chunk below, sorted.
    pub chunks: Vec<(Uuid, i64, String)>,
}

/// Checks that the stored list of a version is exactly the one
/// [`ChunkedList::build`] cuts from `children`, entries in the text
/// `encode` gives them: whoever wrote it stored what Verso stores.
pub fn assert_stored_list(
    stored: &StoredList,
    children: &[Uuid],
    encode: fn(&[Uuid]) -> String,
    what: &str,
) {
    let built = ChunkedList::build(children);
    assert_eq!(
        stored.child_type,
        crate::plain::MESSAGE_TYPE,
        "{what}: child type"
    );
    assert_eq!(
        stored.height,
        built.shape.height() as i64,
        "{what}: list height"
    );
    assert_eq!(
        stored.entries,
        encode(built.shape.root()),
        "{what}: list entries"
    );
    let mut expected: Vec<(Uuid, i64, String)> = built
        .chunks
        .iter()
        .map(|c| (c.id, c.height, encode(&c.entries)))
        .collect();
    expected.sort();
    assert_eq!(stored.chunks, expected, "{what}: chunks");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n)
            .map(|i| Uuid::from_u128(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)))
            .collect()
    }

    #[test]
    fn entries_are_written_as_verso_writes_them() {
        let two = [Uuid::from_u128(1), Uuid::from_u128(2)];
        assert_eq!(
            id_array_text(&two),
            r#"["00000000-0000-0000-0000-000000000001","00000000-0000-0000-0000-000000000002"]"#
        );
        assert_eq!(
            uuid_array_literal(&two),
            "{00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002}"
        );
        assert_eq!(id_array_text(&[]), "[]");
    }

    #[test]
    fn an_append_writes_only_the_chunks_it_changed() {
        let children = ids(5_000);
        let first = plan_list(&children, &HashSet::new());
        assert!(first.height >= 1, "5,000 children need chunks");
        assert_eq!(first.new_chunks.len(), first.chunk_ids.len());
        let mut grown = children.clone();
        grown.extend(ids(5_001).last());
        let next = plan_list(&grown, &first.chunk_ids);
        assert!(
            next.new_chunks.len() <= 2 * (next.height as usize + 1),
            "{} new chunks",
            next.new_chunks.len()
        );
    }

    #[test]
    fn a_read_list_expands_to_its_children() {
        let children = ids(3_000);
        let built = ChunkedList::build(&children);
        let read = ReadList {
            height: built.shape.height() as i64,
            root: built.shape.root().to_vec(),
            chunks: built
                .chunks
                .iter()
                .map(|c| (c.id, (c.height, c.entries.clone())))
                .collect(),
        };
        assert_eq!(read.children().unwrap(), children);
        let mut broken = read.clone();
        broken.chunks.clear();
        assert!(broken.children().is_err());
    }
}
