//! Aligned columns for listings.

use super::Style;

/// `rows` under `headers`, columns padded to their widest cell; numbers
/// (columns listed in `right`) aligned right.
pub fn table(headers: &[&str], rows: &[Vec<String>], right: &[usize], style: Style) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let padded: Vec<String> = cells
            .enumerate()
            .map(|(i, cell)| {
                if right.contains(&i) {
                    format!("{cell:>width$}", width = widths[i])
                } else {
                    format!("{cell:<width$}", width = widths[i])
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = style.bold(&line(&mut headers.iter().copied()));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let rows = vec![
            vec!["a".to_string(), "1".to_string()],
            vec!["long name".to_string(), "22".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "N"], &rows, &[1], Style::plain()),
            "NAME        N\na           1\nlong name  22\n"
        );
    }
}
