//! Content-defined chunking: where a sequence of ids is cut into chunks.
//!
//! A chunk ends after an entry whose mixed bits match a pattern (one entry
//! in [`PATTERN_ONE_IN`] on average), once the chunk holds at least
//! [`MIN_ENTRIES`], or when it reaches [`MAX_ENTRIES`]. The decision looks
//! only at the entry and at how long the current chunk is, so the same
//! sequence is always cut the same way (equal lists share their chunks,
//! whatever edits produced them), and an edit moves at most the cuts of the
//! chunks around it: after the next cut both sequences are cut alike again.

use uuid::Uuid;

/// One entry in this many ends a chunk (a power of two).
pub const PATTERN_ONE_IN: u64 = 16;
/// No chunk ends before it holds this many entries (but the last).
pub const MIN_ENTRIES: usize = 4;
/// A chunk ends when it holds this many entries, pattern or not.
pub const MAX_ENTRIES: usize = 64;

/// Whether `entry`, at tree level `height`, matches the cut pattern.
///
/// The id's bits are mixed first (a SplitMix64 finalizer over both halves,
/// salted per level), so sequential or hand-made ids cut as evenly as
/// random ones, and a level's cuts are independent of the level below.
fn matches_pattern(entry: &Uuid, height: usize) -> bool {
    let bits = entry.as_u128();
    let mut x = (bits as u64) ^ ((bits >> 64) as u64).rotate_left(29) ^ (height as u64);
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    x & (PATTERN_ONE_IN - 1) == 0
}

/// Whether a chunk of `run` entries, the last of them `entry`, ends there
/// (at tree level `height`).
pub fn ends_chunk(run: usize, entry: &Uuid, height: usize) -> bool {
    run >= MAX_ENTRIES || (run >= MIN_ENTRIES && matches_pattern(entry, height))
}

/// The lengths of the chunks `entries` (a level `height` sequence) is cut
/// into, in order. Empty for an empty sequence; they add up to its length.
pub fn cut(entries: &[Uuid], height: usize) -> Vec<usize> {
    let mut lengths = Vec::with_capacity(entries.len() / PATTERN_ONE_IN as usize + 1);
    let mut run = 0;
    for entry in entries {
        run += 1;
        if ends_chunk(run, entry, height) {
            lengths.push(run);
            run = 0;
        }
    }
    if run > 0 {
        lengths.push(run);
    }
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (0..n)
            .map(|i| Uuid::from_u128(i * 0x9e37_79b9_7f4a_7c15))
            .collect()
    }

    #[test]
    fn cuts_cover_the_sequence_within_the_bounds() {
        let entries = ids(10_000);
        let lengths = cut(&entries, 0);
        assert_eq!(lengths.iter().sum::<usize>(), entries.len());
        assert!(lengths.iter().all(|&l| l <= MAX_ENTRIES));
        let (last, rest) = lengths.split_last().unwrap();
        assert!(*last >= 1 && rest.iter().all(|&l| l >= MIN_ENTRIES));
        let mean = entries.len() as f64 / lengths.len() as f64;
        assert!((12.0..30.0).contains(&mean), "mean chunk length {mean}");
    }

    #[test]
    fn sequential_ids_cut_like_random_ones() {
        let entries: Vec<Uuid> = (0..10_000u128).map(Uuid::from_u128).collect();
        let chunks = cut(&entries, 0).len();
        assert!((300..900).contains(&chunks), "{chunks} chunks");
    }

    /// The chunks of `entries`, as slices.
    fn chunks(entries: &[Uuid]) -> Vec<&[Uuid]> {
        let mut start = 0;
        cut(entries, 0)
            .into_iter()
            .map(|length| {
                start += length;
                &entries[start - length..start]
            })
            .collect()
    }

    #[test]
    fn an_edit_changes_only_nearby_chunks() {
        let before = ids(5_000);
        for position in [0, 7, 2_500, 4_999] {
            let mut after = before.clone();
            after[position] = Uuid::from_u128(u128::MAX - position as u128);
            let (old, new) = (chunks(&before), chunks(&after));
            let changed = new.iter().filter(|c| !old.contains(c)).count();
            assert!(
                (1..=3).contains(&changed),
                "edit at {position}: {changed} new chunks"
            );
        }
    }
}
