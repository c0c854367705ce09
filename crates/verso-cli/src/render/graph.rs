//! A lineage drawn like `git log --graph`: newest version first, one
//! column per branch, `*` for a version, `|` for a branch passing by, `/`
//! where a branch joins the version it was forked from.

use verso::LineageTree;

/// The graph of `tree`, newest version first, each version's row followed
/// by `label(index)`.
pub fn graph(tree: &LineageTree, label: &dyn Fn(usize) -> String) -> String {
    // lanes[column] = index of the version that column's branch comes from.
    let mut lanes: Vec<usize> = Vec::new();
    let mut out = String::new();
    for index in (0..tree.versions.len()).rev() {
        let waiting: Vec<usize> = (0..lanes.len()).filter(|&c| lanes[c] == index).collect();
        let column = match waiting.first() {
            Some(&column) => {
                // Every other branch forked from this version joins it.
                let joining = &waiting[1..];
                let targets = targets(lanes.len(), joining, column);
                shift(&targets, &mut out);
                lanes = keep(&lanes, joining);
                column
            }
            None => {
                lanes.push(index);
                lanes.len() - 1
            }
        };
        let row: Vec<&str> = (0..lanes.len())
            .map(|c| if c == column { "*" } else { "|" })
            .collect();
        out.push_str(&format!("{}  {}\n", row.join(" "), label(index)));
        match tree.versions[index].parent {
            Some(parent) => lanes[column] = parent,
            None => {
                let targets = targets(lanes.len(), &[column], column);
                lanes.remove(column);
                // The ended branch has nothing to draw; the others move left.
                let moving: Vec<(usize, usize)> =
                    targets.into_iter().filter(|&(c, _)| c != column).collect();
                shift(&moving, &mut out);
            }
        }
    }
    out
}

/// Where each of `count` columns goes when the columns in `leaving` end
/// at `into`: a leaving column goes to `into`, the others close up.
fn targets(count: usize, leaving: &[usize], into: usize) -> Vec<(usize, usize)> {
    (0..count)
        .map(|c| {
            let target = if leaving.contains(&c) {
                into
            } else {
                c - leaving.iter().filter(|&&l| l < c).count()
            };
            (c, target)
        })
        .collect()
}

/// The lanes without the columns in `leaving`.
fn keep(lanes: &[usize], leaving: &[usize]) -> Vec<usize> {
    lanes
        .iter()
        .enumerate()
        .filter(|(c, _)| !leaving.contains(c))
        .map(|(_, lane)| *lane)
        .collect()
}

/// Draws columns moving from their current place to their target, one
/// column left per line (`/`); columns in place draw `|`.
fn shift(moves: &[(usize, usize)], out: &mut String) {
    let mut current: Vec<(usize, usize)> = moves.to_vec();
    while current.iter().any(|(at, target)| at > target) {
        let width = current.iter().map(|(at, _)| 2 * at + 1).max().unwrap_or(0);
        let mut line = vec![' '; width];
        for (at, target) in &mut current {
            if *at > *target {
                line[2 * *at - 1] = '/';
                *at -= 1;
            } else {
                line[2 * *at] = '|';
            }
        }
        out.push_str(line.iter().collect::<String>().trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verso::{DateTime, RowMeta, Uuid};

    /// Versions 1..=n with their parents, created in order.
    fn lineage(parents: &[(u128, Option<u128>)]) -> LineageTree {
        let versions = parents
            .iter()
            .map(|&(n, parent)| RowMeta {
                id: n as i64,
                ecs_id: Uuid::from_u128(n),
                lineage_id: Uuid::nil(),
                parent_id: parent.map(Uuid::from_u128),
                created_at: DateTime::from_timestamp(n as i64, 0).unwrap(),
            })
            .collect();
        LineageTree::new("Doc", Uuid::nil(), versions)
    }

    fn draw(tree: &LineageTree) -> String {
        graph(tree, &|i| {
            format!("v{}", tree.versions[i].version.ecs_id.as_u128())
        })
    }

    #[test]
    fn a_straight_line_is_one_column() {
        let tree = lineage(&[(1, None), (2, Some(1)), (3, Some(2))]);
        assert_eq!(draw(&tree), "*  v3\n*  v2\n*  v1\n");
    }

    #[test]
    fn a_branch_joins_the_version_it_was_forked_from() {
        // 1 -> 2 -> 3 and 2 -> 4.
        let tree = lineage(&[(1, None), (2, Some(1)), (3, Some(2)), (4, Some(2))]);
        assert_eq!(draw(&tree), "*  v4\n| *  v3\n|/\n*  v2\n*  v1\n");
    }

    #[test]
    fn branches_far_apart_close_up_column_by_column() {
        // 1 -> 2, 1 -> 3 -> 5, 1 -> 4: three heads over one root.
        let tree = lineage(&[
            (1, None),
            (2, Some(1)),
            (3, Some(1)),
            (4, Some(1)),
            (5, Some(3)),
        ]);
        assert_eq!(
            draw(&tree),
            "*  v5\n| *  v4\n* |  v3\n| | *  v2\n|/ /\n|/\n*  v1\n"
        );
    }

    #[test]
    fn a_second_root_ends_its_column() {
        // 1 -> 3 and 2 (a version whose parent is not in the lineage) -> 4.
        let tree = lineage(&[(1, None), (2, Some(9)), (3, Some(1)), (4, Some(2))]);
        assert_eq!(draw(&tree), "*  v4\n| *  v3\n* |  v2\n /\n*  v1\n");
    }
}
