//! A lineage as Graphviz `dot` source (`verso tree --format dot`).

use verso::LineageTree;

/// A `digraph` with one box per version (labelled with `label(index)`'s
/// lines; heads in bold) and an edge from each version to each version
/// forked from it.
pub fn dot(tree: &LineageTree, label: &dyn Fn(usize) -> Vec<String>) -> String {
    let mut out = String::from("digraph lineage {\n");
    out.push_str(&format!(
        "  label=\"{} lineage {}\";\n  labelloc=t;\n",
        escape(&tree.type_name),
        tree.lineage_id
    ));
    out.push_str("  node [shape=box, fontname=\"monospace\"];\n");
    for (index, node) in tree.versions.iter().enumerate() {
        let text: Vec<String> = label(index).iter().map(|l| escape(l)).collect();
        let head = if node.children.is_empty() {
            ", style=bold"
        } else {
            ""
        };
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\"{head}];\n",
            node.version.ecs_id,
            text.join("\\n")
        ));
    }
    for node in &tree.versions {
        for &child in &node.children {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\";\n",
                node.version.ecs_id, tree.versions[child].version.ecs_id
            ));
        }
    }
    out.push_str("}\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
