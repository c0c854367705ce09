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
