//! A diff as coloured text (`verso diff`).

use super::Style;
use crate::references::References;
use verso::{Diff, LineKind};

/// The lines of [`Diff::lines_naming`], indented, each painted by its kind;
/// each reference says whether it is a `Ref` or a `LineageRef`.
pub fn diff(diff: &Diff, references: &References, style: Style) -> String {
    let mut out = String::new();
    for line in diff.lines_naming(&|target, value| references.label(target, value)) {
        let text = match line.kind {
            LineKind::Header | LineKind::Group => style.bold(&line.text),
            LineKind::Field | LineKind::Changed => style.yellow(&line.text),
            LineKind::Added => style.green(&line.text),
            LineKind::Removed => style.red(&line.text),
            LineKind::Moved => style.cyan(&line.text),
        };
        out.push_str(&format!("{:indent$}{text}\n", "", indent = 2 * line.depth));
    }
    if diff.is_empty() {
        out.push_str("  (same content)\n");
    }
    out
}
