//! Resume bullets through the LLM writer: each bullet the person did not word
//! themselves is rewritten in its place, held to the worklogs it cites. Its id,
//! and so the person's pins and order, stay with it.

use serde_json::Value;

use crate::agents::{WrittenItem, WrittenSection};
use crate::domain::{Curation, WorkLogId};

/// Sections of the document whose entries carry bullets.
const BULLETED: &[&str] = &["work", "projects"];

/// Where each drafted item sits in the document: `(section, entry, highlight)`.
pub(super) type Places = Vec<Vec<usize>>;

/// The bullets as a draft (one section per work entry and project, keyed
/// `work:0`, `projects:2`), leaving out those the person edited; and, per
/// section, which highlight each item is.
pub(super) fn draft(document: &Value, curation: &Curation) -> (Vec<WrittenSection>, Places) {
    let mut sections = Vec::new();
    let mut places = Vec::new();
    for section in BULLETED {
        let entries = document[*section].as_array().into_iter().flatten();
        for (e, entry) in entries.enumerate() {
            let mut items = Vec::new();
            let mut at = Vec::new();
            for evidence in entry["x-afterresume"]["evidence"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let edited = evidence["id"]
                    .as_str()
                    .and_then(|id| curation.highlights.get(id))
                    .is_some_and(|c| c.text.is_some());
                let index = evidence["highlight"].as_u64().map(|h| h as usize);
                let text = index.and_then(|h| entry["highlights"][h].as_str());
                let (Some(index), Some(text), false) = (index, text, edited) else {
                    continue;
                };
                let worklog_ids: Vec<WorkLogId> = evidence["worklog_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64)
                    .collect();
                items.push(WrittenItem {
                    text: text.to_owned(),
                    worklog_ids,
                });
                at.push(index);
            }
            if !items.is_empty() {
                sections.push(WrittenSection {
                    key: format!("{section}:{e}"),
                    items,
                });
                places.push(at);
            }
        }
    }
    (sections, places)
}

/// Puts rewritten bullets back where their drafts were.
pub(super) fn apply(document: &mut Value, written: &[WrittenSection], places: &Places) {
    for (section, at) in written.iter().zip(places) {
        let Some((name, entry)) = section.key.split_once(':') else {
            continue;
        };
        let Ok(entry) = entry.parse::<usize>() else {
            continue;
        };
        let highlights = &mut document[name][entry]["highlights"];
        for (item, &h) in section.items.iter().zip(at) {
            if let Some(slot) = highlights.get_mut(h) {
                *slot = Value::from(item.text.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Choice;
    use serde_json::json;

    #[test]
    fn edited_bullets_stay_out_and_rewrites_land_in_place() {
        let mut document = json!({
            "work": [{"highlights": ["Cut p99 to 240 ms.", "Moved CI to GitHub Actions."],
                "x-afterresume": {"evidence": [
                    {"highlight": 0, "id": "w1s0", "worklog_ids": [1]},
                    {"highlight": 1, "id": "w2s0", "worklog_ids": [2, 3]}]}}],
            "projects": [{"highlights": ["Built the exporter."],
                "x-afterresume": {"evidence": [{"highlight": 0, "id": "w4s1", "worklog_ids": [4]}]}}]
        });
        let mut curation = Curation::default();
        curation.highlights.insert(
            "w1s0".into(),
            Choice {
                text: Some("My own words.".into()),
                ..Choice::default()
            },
        );
        let (mut sections, places) = draft(&document, &curation);
        let keys: Vec<&str> = sections.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["work:0", "projects:0"]);
        assert_eq!(sections[0].items.len(), 1, "the edited bullet stays out");
        assert_eq!(sections[0].items[0].worklog_ids, [2, 3]);
        sections[0].items[0].text = "Moved CI to GitHub Actions, as rewritten.".into();
        sections[1].items[0].text = "Built the CSV exporter.".into();
        apply(&mut document, &sections, &places);
        assert_eq!(
            document["work"][0]["highlights"],
            json!([
                "Cut p99 to 240 ms.",
                "Moved CI to GitHub Actions, as rewritten."
            ])
        );
        assert_eq!(
            document["projects"][0]["highlights"],
            json!(["Built the CSV exporter."])
        );
    }
}
