//! The readable text form of a [`Diff`]: lines tagged with their kind, so
//! that a terminal can colour them, and a one-line summary.

use super::{ChangedChild, ChildrenDiff, Diff, FieldChange, MovedChild, PlacedChild};
use crate::tree::VersionTree;
use crate::value::Value;
use std::fmt;

/// How [`Diff::lines_naming`] names a reference: from the referenced type
/// and the value (the id), the words shown in parentheses after it.
pub type ReferenceNaming<'a> = &'a dyn Fn(&'static str, &Value) -> String;

/// What [`Diff::lines`] says of a reference: `reference to Target`.
fn reference_to(target: &'static str, _: &Value) -> String {
    format!("reference to {target}")
}

/// Longest value shown inline for an added or removed child.
const INLINE_VALUE_CHARS: usize = 40;

/// What a [`DiffLine`] says, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LineKind {
    /// The two versions compared.
    Header,
    /// A column whose value changed (`~ name: old -> new`).
    Field,
    /// The name of a child field whose children changed.
    Group,
    /// A child added (`+`).
    Added,
    /// A child removed (`-`).
    Removed,
    /// A child moved (`>`).
    Moved,
    /// A child changed (`~`), followed by its own diff one level deeper.
    Changed,
}

/// One line of a diff's text form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DiffLine {
    /// Nesting level; each level is indented by two spaces.
    pub depth: usize,
    /// What the line says.
    pub kind: LineKind,
    /// The text, without indentation.
    pub text: String,
}

impl Diff {
    /// The text form, line by line: a header naming both versions, then
    /// `~ field: old -> new` for each changed column and, per child field,
    /// `+` added, `-` removed, `>` moved and `~` changed children (each
    /// changed child followed by its own diff). A reference, in a changed
    /// column or a column of an added or removed child, is followed by
    /// `(reference to Target)`.
    pub fn lines(&self) -> Vec<DiffLine> {
        self.lines_naming(&reference_to)
    }

    /// [`lines`](Self::lines), with each reference followed by what
    /// `naming` calls it (a tool that knows whether it pins a version or
    /// follows a lineage can say so).
    pub fn lines_naming(&self, naming: ReferenceNaming<'_>) -> Vec<DiffLine> {
        let mut lines = vec![DiffLine {
            depth: 0,
            kind: LineKind::Header,
            text: format!("{} {} -> {}", self.type_name, self.old, self.new),
        }];
        self.body(1, naming, &mut lines);
        lines
    }

    /// One line saying what changed, e.g.
    /// `name changed; history: 1 added, 1 changed`, or `no change`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.fields.is_empty() {
            let names: Vec<&str> = self.fields.iter().map(|f| f.field).collect();
            parts.push(format!("{} changed", names.join(", ")));
        }
        for children in &self.children {
            let counts = [
                (children.added.len(), "added"),
                (children.removed.len(), "removed"),
                (children.moved.len(), "moved"),
                (children.changed.len(), "changed"),
            ];
            let said: Vec<String> = counts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            parts.push(format!("{}: {}", children.field, said.join(", ")));
        }
        if parts.is_empty() {
            "no change".into()
        } else {
            parts.join("; ")
        }
    }

    fn body(&self, depth: usize, naming: ReferenceNaming<'_>, lines: &mut Vec<DiffLine>) {
        let line = |depth, kind, text| DiffLine { depth, kind, text };
        for field in &self.fields {
            lines.push(line(depth, LineKind::Field, field_text(field, naming)));
        }
        for children in &self.children {
            lines.push(line(depth, LineKind::Group, format!("{}:", children.field)));
            children_lines(children, depth + 1, naming, lines);
        }
    }
}

fn children_lines(
    children: &ChildrenDiff,
    depth: usize,
    naming: ReferenceNaming<'_>,
    lines: &mut Vec<DiffLine>,
) {
    let line = |kind, text| DiffLine { depth, kind, text };
    for PlacedChild { position, child } in &children.added {
        lines.push(line(
            LineKind::Added,
            format!("+ [{position}] {}", inline(child, naming)),
        ));
    }
    for PlacedChild { position, child } in &children.removed {
        lines.push(line(
            LineKind::Removed,
            format!("- [{position}] {}", inline(child, naming)),
        ));
    }
    for moved in &children.moved {
        let MovedChild {
            type_name,
            ecs_id,
            from,
            to,
            ..
        } = moved;
        lines.push(line(
            LineKind::Moved,
            format!("> [{from} -> {to}] {type_name} {ecs_id}"),
        ));
    }
    for ChangedChild { from, to, diff } in &children.changed {
        let place = if from == to {
            format!("[{to}]")
        } else {
            format!("[{from} -> {to}]")
        };
        let same = if diff.is_empty() {
            " (same content)"
        } else {
            ""
        };
        lines.push(line(
            LineKind::Changed,
            format!(
                "~ {place} {} {} -> {}{same}",
                diff.type_name, diff.old, diff.new
            ),
        ));
        diff.body(depth + 1, naming, lines);
    }
}

fn field_text(change: &FieldChange, naming: ReferenceNaming<'_>) -> String {
    match change.references {
        Some(target) => {
            // Named after the new value, or the old one when it was removed.
            let value = match change.new {
                Value::Null => &change.old,
                _ => &change.new,
            };
            format!(
                "~ {} ({}): {} -> {}",
                change.field,
                naming(target, value),
                change.old,
                change.new
            )
        }
        None => format!("~ {}: {} -> {}", change.field, change.old, change.new),
    }
}

/// `Type id  column: value, ...  (field: n, ...)`: a child on one line; a
/// reference is followed by what `naming` calls it.
fn inline(child: &VersionTree, naming: ReferenceNaming<'_>) -> String {
    let mut text = format!("{} {}", child.entity_type.name, child.meta.ecs_id);
    let columns: Vec<String> = child
        .entity_type
        .columns
        .iter()
        .zip(&child.values)
        .map(|(column, value)| {
            let shown = shorten(&value.to_string());
            match (column.references, value) {
                (Some(target), Value::Uuid(_)) => {
                    format!(
                        "{}: {shown} ({})",
                        column.name,
                        naming(target.target.name(), value)
                    )
                }
                _ => format!("{}: {shown}", column.name),
            }
        })
        .collect();
    if !columns.is_empty() {
        text.push_str("  ");
        text.push_str(&columns.join(", "));
    }
    let counts: Vec<String> = child
        .children
        .iter()
        .filter(|list| !list.versions.is_empty())
        .map(|list| format!("{}: {}", list.field, list.versions.len()))
        .collect();
    if !counts.is_empty() {
        text.push_str(&format!("  ({})", counts.join(", ")));
    }
    text
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= INLINE_VALUE_CHARS {
        return text.to_string();
    }
    let mut short: String = text.chars().take(INLINE_VALUE_CHARS - 1).collect();
    short.push('…');
    short
}

/// The lines of [`Diff::lines`], indented two spaces per level.
impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{:indent$}{}", "", line.text, indent = 2 * line.depth)?;
        }
        Ok(())
    }
}
