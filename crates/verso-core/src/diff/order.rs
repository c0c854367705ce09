//! Which children kept their relative order.

/// Marks a longest strictly increasing subsequence of `values` (distinct
/// old positions, in new order): `true` for the elements in it. The
/// elements left out are the fewest whose moves explain the order. Among
/// the longest, it keeps the most elements marked `stayed` (children at the
/// same position in both lists), so a swap reports the two swapped children,
/// never one that did not move. `O(n log n)`: a Fenwick tree of the best
/// subsequence ending below each value.
pub(super) fn longest_increasing(values: &[usize], stayed: &[bool]) -> Vec<bool> {
    let size = values.iter().max().map_or(0, |m| m + 1);
    // tree[p]: best (length, stayed count, element index + 1) of the
    // subsequences ending at values within p's range.
    let mut tree = vec![(0usize, 0usize, 0usize); size + 1];
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (k, &value) in values.iter().enumerate() {
        let (length, kept, end) = prefix_best(&tree, value);
        previous[k] = end.checked_sub(1);
        let entry = (length + 1, kept + usize::from(stayed[k]), k + 1);
        let mut p = value + 1;
        while p <= size {
            if (entry.0, entry.1) > (tree[p].0, tree[p].1) {
                tree[p] = entry;
            }
            p += p & p.wrapping_neg();
        }
    }
    let mut keep = vec![false; values.len()];
    let mut next = prefix_best(&tree, size).2.checked_sub(1);
    while let Some(k) = next {
        keep[k] = true;
        next = previous[k];
    }
    keep
}

/// The best entry among values `< bound`.
fn prefix_best(tree: &[(usize, usize, usize)], bound: usize) -> (usize, usize, usize) {
    let mut best = (0, 0, 0);
    let mut p = bound;
    while p > 0 {
        if (tree[p].0, tree[p].1) > (best.0, best.1) {
            best = tree[p];
        }
        p -= p & p.wrapping_neg();
    }
    best
}

#[cfg(test)]
mod tests {
    use super::longest_increasing;

    fn left_out(values: &[usize]) -> Vec<usize> {
        let stayed: Vec<bool> = values.iter().enumerate().map(|(j, &i)| i == j).collect();
        longest_increasing(values, &stayed)
            .iter()
            .zip(values)
            .filter(|(keep, _)| !**keep)
            .map(|(_, v)| *v)
            .collect()
    }

    #[test]
    fn sorted_input_keeps_everything() {
        assert!(left_out(&[0, 1, 2, 5, 9]).is_empty());
        assert!(left_out(&[]).is_empty());
    }

    #[test]
    fn one_element_moved_to_the_front_is_the_only_one_left_out() {
        assert_eq!(left_out(&[3, 0, 1, 2]), vec![3]);
        assert_eq!(left_out(&[1, 2, 3, 0]), vec![0]);
    }

    #[test]
    fn a_reversal_keeps_one() {
        assert_eq!(left_out(&[2, 1, 0]).len(), 2);
    }

    #[test]
    fn a_swap_leaves_out_the_swapped_pair_not_the_one_in_place() {
        assert_eq!(left_out(&[2, 1, 0]), vec![2, 0]);
        assert_eq!(left_out(&[0, 3, 2, 1, 4]), vec![3, 1]);
    }
}
