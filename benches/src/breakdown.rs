//! Where a set's figures come from: precision, recall and F1 per area, per skill
//! category and per writing style; how many trap entries (idioms, names,
//! negations) yield a false skill and how many entries without technology stay
//! clean; and the most frequent errors by class.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use afterresume_core::agents::explain_mentions;
use afterresume_core::taxonomy::{SkillMatcher, Taxonomy};

use crate::devset::{Counts, Entry};

/// Figures of one set, broken down.
#[derive(Debug, Default)]
pub struct Breakdown {
    /// Over every entry.
    pub total: Counts,
    /// By entry area.
    pub by_area: BTreeMap<String, Counts>,
    /// By skill category (a miss counts for the expected skill's category, a
    /// false skill for the predicted one's; a skill the taxonomy lacks is `unknown`).
    pub by_category: BTreeMap<String, Counts>,
    /// By writing style (test set only).
    pub by_style: BTreeMap<String, Counts>,
    /// Trap entries, and how many yielded a skill that is not gold.
    pub traps: (u32, u32),
    /// Entries that name no technology, and how many yielded any skill.
    pub notech: (u32, u32),
}

impl Breakdown {
    /// Scores `predictions` (one slug set per entry) against the entries.
    pub fn new(entries: &[Entry], predictions: &[BTreeSet<String>], taxonomy: &Taxonomy) -> Self {
        let mut b = Breakdown::default();
        let category = |slug: &str| {
            taxonomy
                .get(slug)
                .map_or("unknown".to_owned(), |s| s.category.to_string())
        };
        for (entry, got) in entries.iter().zip(predictions) {
            let expected: BTreeSet<String> = entry.skills.iter().cloned().collect();
            b.total.add(&expected, got);
            b.by_area
                .entry(entry.area.clone())
                .or_default()
                .add(&expected, got);
            if !entry.style.is_empty() {
                b.by_style
                    .entry(entry.style.clone())
                    .or_default()
                    .add(&expected, got);
            }
            for slug in expected.union(got) {
                let one = |set: &BTreeSet<String>| -> BTreeSet<String> {
                    set.get(slug).into_iter().cloned().collect()
                };
                b.by_category
                    .entry(category(slug))
                    .or_default()
                    .add(&one(&expected), &one(got));
            }
            let extra = got.difference(&expected).count();
            match entry.kind.as_str() {
                "trap" => b.traps = (b.traps.0 + 1, b.traps.1 + u32::from(extra > 0)),
                "notech" => b.notech = (b.notech.0 + 1, b.notech.1 + u32::from(!got.is_empty())),
                _ => {}
            }
        }
        b
    }

    /// Prints the breakdown under a headline.
    pub fn print(&self, name: &str, entries: usize) {
        let (p, r, f) = self.total.prf();
        println!(
            "{name}: {entries} worklogs, precision {p:.3}, recall {r:.3}, F1 {f:.3} (tp {}, fp {}, fn {})",
            self.total.tp, self.total.fp, self.total.fn_
        );
        for (title, rows) in [
            ("area", &self.by_area),
            ("category", &self.by_category),
            ("style", &self.by_style),
        ] {
            if rows.is_empty() {
                continue;
            }
            println!("  by {title}:");
            for (key, c) in rows {
                let (p, r, f) = c.prf();
                println!(
                    "    {key:<11} precision {p:.3} recall {r:.3} F1 {f:.3} (tp {}, fp {}, fn {})",
                    c.tp, c.fp, c.fn_
                );
            }
        }
        if self.traps.0 > 0 {
            println!(
                "  trap entries (idioms, names, negations, plans) with a false skill: {} of {}",
                self.traps.1, self.traps.0
            );
        }
        if self.notech.0 > 0 {
            println!(
                "  entries without technology that yield a skill: {} of {}",
                self.notech.1, self.notech.0
            );
        }
    }
}

/// The `n` most frequent errors as (count, class, slug), most frequent first. A
/// miss is "not in the taxonomy", "dropped by the context model (reason)" or "no
/// alias matched"; a false skill is "trap tripped" on a trap entry, else
/// "false skill".
pub fn top_errors(
    entries: &[Entry],
    predictions: &[BTreeSet<String>],
    taxonomy: &Taxonomy,
    matcher: &SkillMatcher,
    n: usize,
) -> Vec<(u32, String, String)> {
    let mut counts: HashMap<(String, String), u32> = HashMap::new();
    for (entry, got) in entries.iter().zip(predictions) {
        let expected: BTreeSet<String> = entry.skills.iter().cloned().collect();
        for slug in expected.difference(got) {
            let class = if taxonomy.get(slug).is_none() {
                "missed: not in the taxonomy".to_owned()
            } else {
                explain_mentions(&entry.text, matcher)
                    .into_iter()
                    .find(|(m, context)| &m.slug == slug && !context.is_work())
                    .map_or("missed: no alias matched".to_owned(), |(_, context)| {
                        format!("missed: dropped as {}", context_class(&context.reason()))
                    })
            };
            *counts.entry((class, slug.clone())).or_default() += 1;
        }
        for slug in got.difference(&expected) {
            let class = if entry.kind == "trap" {
                "false skill: trap tripped"
            } else {
                "false skill"
            };
            *counts.entry((class.to_owned(), slug.clone())).or_default() += 1;
        }
    }
    let mut errors: Vec<(u32, String, String)> = counts
        .into_iter()
        .map(|((class, slug), count)| (count, class, slug))
        .collect();
    errors.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (&a.1, &a.2).cmp(&(&b.1, &b.2))));
    errors.truncate(n);
    errors
}

/// "not used ('instead of')" -> "not used".
fn context_class(reason: &str) -> &str {
    reason.split(" (").next().unwrap_or(reason)
}
