//! `verso upgrade`: migrates a database of an earlier storage layout.

use crate::cli::DatabaseUrl;
use crate::database;
use crate::failure::Failure;
use crate::render::{json, Style};
use serde_json::json;
use verso::UpgradeReport;

/// Upgrades the database in place, and says what it did.
pub async fn run(url: &DatabaseUrl, as_json: bool, style: Style) -> Result<String, Failure> {
    let (driver, name) = database::open_writable(url).await?;
    let report = driver.upgrade().await?;
    if as_json {
        return Ok(json::to_text(&json!({
            "upgraded": report.upgraded,
            "links_read": report.links_read,
            "versions": report.versions,
            "lists": report.lists,
            "chunks": report.chunks,
        })));
    }
    Ok(text(&name, &report, style))
}

fn text(name: &str, report: &UpgradeReport, style: Style) -> String {
    if !report.upgraded {
        return format!("{name} already uses the current storage layout: nothing to upgrade\n");
    }
    format!(
        "{}\n\
         \x20 {} versions kept, every one with its children and ancestry\n\
         \x20 {} link rows read from verso_links, which was dropped\n\
         \x20 {} child lists and {} chunks written\n",
        style.bold(&format!(
            "Upgraded {name} to the current storage layout (one transaction)"
        )),
        report.versions,
        report.links_read,
        report.lists,
        report.chunks,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_says_what_was_done() {
        let report = UpgradeReport {
            upgraded: true,
            links_read: 179,
            versions: 83,
            lists: 40,
            chunks: 3,
        };
        assert_eq!(
            text("app.db", &report, Style::plain()),
            "Upgraded app.db to the current storage layout (one transaction)\n  \
             83 versions kept, every one with its children and ancestry\n  \
             179 link rows read from verso_links, which was dropped\n  \
             40 child lists and 3 chunks written\n"
        );
        assert_eq!(
            text("app.db", &UpgradeReport::default(), Style::plain()),
            "app.db already uses the current storage layout: nothing to upgrade\n"
        );
    }
}
