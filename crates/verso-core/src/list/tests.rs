use super::*;

fn ids(range: std::ops::Range<u128>) -> Vec<Uuid> {
    range
        .map(|i| Uuid::from_u128(i.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1))
        .collect()
}

fn row(parent: Uuid, shape: &ChunkedList) -> ListRow {
    ListRow {
        parent,
        field: Cow::Borrowed("history"),
        child_type: Cow::Borrowed("Message"),
        height: shape.height() as i64,
        entries: shape.root().to_vec(),
    }
}

fn by_id(chunks: &[ChunkRow]) -> HashMap<Uuid, ChunkRow> {
    chunks.iter().map(|c| (c.id, c.clone())).collect()
}

/// The chunks of `new` that `old` does not have: what a commit writes.
fn new_chunks(old: &ChunkedList, new: &BuiltList) -> usize {
    new.chunks
        .iter()
        .filter(|c| !old.holds_chunk(&c.id))
        .count()
}

#[test]
fn a_list_reads_back_as_built() {
    for n in [0, 1, 3, 17, 100, 5_000] {
        let children = ids(0..n);
        let built = ChunkedList::build(&children);
        let (read, shape) =
            ChunkedList::read(&row(Uuid::nil(), &built.shape), &by_id(&built.chunks)).unwrap();
        assert_eq!(read, children, "n = {n}");
        assert_eq!(&shape, built.shape.as_ref());
    }
}

#[test]
fn short_lists_sit_inline_in_their_row() {
    let built = ChunkedList::build(&ids(0..3));
    assert_eq!(built.shape.height(), 0);
    assert!(built.chunks.is_empty());
}

#[test]
fn appending_writes_about_one_chunk_per_level() {
    let mut children = ids(0..2_000);
    let mut old = ChunkedList::build(&children).shape;
    let mut written = 0;
    for i in 2_000..2_100 {
        children.push(ids(i..i + 1)[0]);
        let built = ChunkedList::build(&children);
        let fresh = new_chunks(&old, &built);
        assert!(
            fresh <= built.shape.height() + 1,
            "append {i} wrote {fresh} chunks"
        );
        written += fresh;
        old = built.shape;
    }
    assert!(written <= 100 * 3, "{written} chunks for 100 appends");
}

#[test]
fn an_edit_in_a_long_list_writes_a_path() {
    let mut children = ids(0..100_000);
    let old = ChunkedList::build(&children).shape;
    children[50_000] = Uuid::from_u128(7);
    let built = ChunkedList::build(&children);
    let fresh = new_chunks(&old, &built);
    assert!(
        fresh <= built.shape.height() + 2,
        "{fresh} chunks, height {}",
        built.shape.height()
    );
}

#[test]
fn equal_lists_have_equal_chunks_however_they_were_made() {
    let children = ids(0..1_000);
    let mut edited = children.clone();
    edited.insert(10, Uuid::from_u128(99));
    edited.remove(10);
    assert_eq!(
        ChunkedList::build(&children).shape,
        ChunkedList::build(&edited).shape
    );
}

#[test]
fn a_missing_chunk_is_a_decode_error_naming_the_list() {
    let built = ChunkedList::build(&ids(0..500));
    let mut chunks = by_id(&built.chunks);
    let lost = built.chunks[0].id;
    chunks.remove(&lost);
    let parent = Uuid::from_u128(42);
    match ChunkedList::read(&row(parent, &built.shape), &chunks) {
        Err(Error::Decode {
            id, column, detail, ..
        }) => {
            assert_eq!(id, parent);
            assert_eq!(column, "history");
            assert!(detail.contains(&lost.to_string()), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn changes_name_what_was_gained_and_lost() {
    let old = ids(0..10);
    let mut new = old.clone();
    let edited = Uuid::from_u128(1234);
    new[4] = edited;
    new.push(Uuid::from_u128(5678));
    let mut found = Vec::new();
    changes(Uuid::nil(), "history", &old, &new, &mut found);
    let summary: Vec<(Uuid, i64, bool)> = found
        .iter()
        .map(|c| (c.child, c.position, c.added))
        .collect();
    assert_eq!(
        summary,
        vec![
            (edited, 4, true),
            (Uuid::from_u128(5678), 10, true),
            (old[4], 4, false)
        ]
    );
}

#[test]
fn a_move_is_no_change_of_membership() {
    let old = ids(0..50);
    let mut new = old.clone();
    new.swap(3, 40);
    let mut found = Vec::new();
    changes(Uuid::nil(), "history", &old, &new, &mut found);
    assert!(found.is_empty(), "{found:?}");
}

/// A small deterministic generator, so failures replay.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

#[test]
fn a_rebuilt_tree_equals_a_tree_built_from_scratch() {
    let mut rng = Lcg(7);
    let mut fresh = 1_000_000u128;
    let mut children = ids(0..3_000);
    let mut shape = ChunkedList::build(&children).shape;
    for step in 0..400 {
        let old = children.clone();
        let mut new_id = || {
            fresh += 1;
            ids(fresh..fresh + 1)[0]
        };
        match rng.next(6) {
            0 => children.push(new_id()),
            1 => {
                let at = rng.next(children.len() + 1);
                children.insert(at, new_id());
            }
            2 if !children.is_empty() => {
                let at = rng.next(children.len());
                children.remove(at);
            }
            3 if !children.is_empty() => {
                let at = rng.next(children.len());
                children[at] = new_id();
            }
            4 => {
                let keep = rng.next(children.len() + 1);
                children.truncate(keep);
            }
            _ => {
                let run = rng.next(200);
                let at = rng.next(children.len() + 1);
                let inserted: Vec<Uuid> = (0..run).map(|_| new_id()).collect();
                children.splice(at..at, inserted);
            }
        }
        let rebuilt = shape.rebuild(&old, &children);
        let built = ChunkedList::build(&children);
        assert_eq!(rebuilt.shape, built.shape, "step {step}");
        let missing: Vec<&ChunkRow> = built
            .chunks
            .iter()
            .filter(|c| !shape.holds_chunk(&c.id) && !rebuilt.chunks.iter().any(|r| r.id == c.id))
            .collect();
        assert!(
            missing.is_empty(),
            "step {step}: chunks not written {missing:?}"
        );
        assert!(
            rebuilt.chunks.len() <= 3 * (built.shape.height() + 1) + 200 / 4,
            "step {step}: {} chunks re-cut",
            rebuilt.chunks.len()
        );
        shape = rebuilt.shape;
    }
}

#[test]
fn an_edit_in_a_long_list_recuts_a_path() {
    let mut children = ids(0..100_000);
    let old = children.clone();
    let shape = ChunkedList::build(&children).shape;
    children[50_000] = Uuid::from_u128(7);
    let rebuilt = shape.rebuild(&old, &children);
    assert!(
        rebuilt.chunks.len() <= rebuilt.shape.height() + 2,
        "{} chunks, height {}",
        rebuilt.chunks.len(),
        rebuilt.shape.height()
    );
}
