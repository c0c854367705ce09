//! A lineage as a Mermaid flowchart (`verso tree --format mermaid`).

use verso::LineageTree;

/// A top-down `flowchart` with one node per version (labelled with
/// `label(index)`'s lines) and an arrow from each version to each version
/// forked from it.
pub fn mermaid(tree: &LineageTree, label: &dyn Fn(usize) -> Vec<String>) -> String {
    let mut out = String::from("flowchart TD\n");
    for index in 0..tree.versions.len() {
        let text: Vec<String> = label(index).iter().map(|l| escape(l)).collect();
        out.push_str(&format!("  v{index}[\"{}\"]\n", text.join("<br/>")));
    }
    for (index, node) in tree.versions.iter().enumerate() {
        for child in &node.children {
            out.push_str(&format!("  v{index} --> v{child}\n"));
        }
    }
    out
}

/// Mermaid labels take HTML entities for the characters that end them.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
