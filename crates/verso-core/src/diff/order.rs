//! Which children kept their relative order.

/// Marks a longest strictly increasing subsequence of `values`: `true` for
/// the elements in it. The elements left out are the fewest whose moves
/// explain the order (patience sorting, `O(n log n)`).
pub(super) fn longest_increasing(values: &[usize]) -> Vec<bool> {
    // tails[k]: index of the smallest last element of an increasing
    // subsequence of length k + 1 found so far.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &value) in values.iter().enumerate() {
        let length = tails.partition_point(|&t| values[t] < value);
        previous[i] = length.checked_sub(1).map(|k| tails[k]);
        if length == tails.len() {
            tails.push(i);
        } else {
            tails[length] = i;
        }
    }
    let mut keep = vec![false; values.len()];
    let mut next = tails.last().copied();
    while let Some(i) = next {
        keep[i] = true;
        next = previous[i];
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::longest_increasing;

    fn left_out(values: &[usize]) -> Vec<usize> {
        longest_increasing(values)
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
}
