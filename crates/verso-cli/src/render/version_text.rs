//! One version as a text tree (`verso show`).

use super::{time, Style};
use crate::references::References;
use verso::{Value, VersionTree};

/// The version's header and metadata, then its fields and children drawn
/// as a tree; each reference says whether it is a `Ref` or a `LineageRef`.
pub fn version_tree(tree: &VersionTree, references: &References, style: Style) -> String {
    let meta = &tree.meta;
    let parent = meta
        .parent_id
        .map_or_else(|| "none (first version)".to_string(), |p| p.to_string());
    let mut out = format!(
        "{} {}\n{}\n",
        style.bold(tree.entity_type.name),
        style.yellow(&meta.ecs_id.to_string()),
        style.dim(&format!(
            "lineage {}  parent {parent}  created {}",
            meta.lineage_id,
            time(meta.created_at)
        )),
    );
    entries(tree, "", references, style, &mut out);
    out
}

/// The fields and children of `tree`, each on its own line under `prefix`.
fn entries(
    tree: &VersionTree,
    prefix: &str,
    references: &References,
    style: Style,
    out: &mut String,
) {
    let columns = tree.entity_type.fields_of(&tree.values);
    let count = columns.len() + tree.children.len();
    let mut index = 0;
    let mut branch = |out: &mut String| -> String {
        index += 1;
        let last = index == count;
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        format!("{prefix}{}", if last { "    " } else { "│   " })
    };
    for (column, value) in columns {
        branch(out);
        let target = match (column.references, value) {
            (Some(reference), Value::Uuid(_)) => style.dim(&format!(
                " ({})",
                references.label(reference.target.name(), value)
            )),
            (Some(reference), Value::Json(_)) if reference.many => style.dim(&format!(
                " ({})",
                references.label(reference.target.name(), value)
            )),
            _ => String::new(),
        };
        out.push_str(&format!("{}: {value}{target}\n", column.name));
    }
    for list in &tree.children {
        let below = branch(out);
        out.push_str(&format!(
            "{} ({})\n",
            style.bold(list.field),
            list.versions.len()
        ));
        for (position, child) in list.versions.iter().enumerate() {
            let last = position + 1 == list.versions.len();
            out.push_str(&below);
            out.push_str(if last { "└── " } else { "├── " });
            out.push_str(&format!(
                "[{position}] {} {}\n",
                child.entity_type.name,
                style.yellow(&child.meta.ecs_id.to_string())
            ));
            let deeper = format!("{below}{}", if last { "    " } else { "│   " });
            entries(child, &deeper, references, style, out);
        }
    }
}
