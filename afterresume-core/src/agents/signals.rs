//! Rule-based readers for what a worklog says besides its skills: its category,
//! impact signals ("reduced p99 from 800 to 120 ms") and blockers; references
//! (tickets, PRs, repositories) have a module of their own. Deterministic and
//! allocation-light: the built-in agent runs them on every worklog.

use serde::{Deserialize, Serialize};

pub use super::references::Reference;
pub(crate) use super::references::references;
use super::text::{CharOffsets, Span, clauses};

/// What kind of work an entry is mostly about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkCategory {
    /// New functionality.
    Feature,
    /// Fixing defects.
    Bugfix,
    /// Infrastructure, deployment, CI/CD, platform work.
    Infra,
    /// Reviewing others' work.
    Review,
    /// Incidents and on-call.
    Incident,
    /// Documentation.
    Docs,
    /// Meetings and planning.
    Meeting,
    /// Tests and quality.
    Testing,
    /// Refactoring and cleanup.
    Refactor,
    /// Investigation, spikes, prototypes.
    Research,
    /// Mentoring, interviewing, onboarding.
    Mentoring,
    /// Nothing above stands out.
    Other,
}

impl WorkCategory {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkCategory::Feature => "feature",
            WorkCategory::Bugfix => "bugfix",
            WorkCategory::Infra => "infra",
            WorkCategory::Review => "review",
            WorkCategory::Incident => "incident",
            WorkCategory::Docs => "docs",
            WorkCategory::Meeting => "meeting",
            WorkCategory::Testing => "testing",
            WorkCategory::Refactor => "refactor",
            WorkCategory::Research => "research",
            WorkCategory::Mentoring => "mentoring",
            WorkCategory::Other => "other",
        }
    }

    /// A heading for reports ("Bug fixes").
    pub fn heading(self) -> &'static str {
        match self {
            WorkCategory::Feature => "Features",
            WorkCategory::Bugfix => "Bug fixes",
            WorkCategory::Infra => "Infrastructure",
            WorkCategory::Review => "Reviews",
            WorkCategory::Incident => "Incidents",
            WorkCategory::Docs => "Documentation",
            WorkCategory::Meeting => "Meetings",
            WorkCategory::Testing => "Testing",
            WorkCategory::Refactor => "Refactoring",
            WorkCategory::Research => "Research",
            WorkCategory::Mentoring => "Mentoring",
            WorkCategory::Other => "Other",
        }
    }
}

/// Word stems per category, checked in this order (ties go to the earlier one).
const CATEGORY_WORDS: &[(WorkCategory, &[&str])] = &[
    (
        WorkCategory::Incident,
        &[
            "incident",
            "outage",
            "paged",
            "pager",
            "sev1",
            "sev2",
            "sev-1",
            "sev-2",
            "postmortem",
            "post-mortem",
            "on-call",
            "oncall",
            "rollback",
            "rolled back",
            "mitigat",
        ],
    ),
    (
        WorkCategory::Bugfix,
        &[
            "fix",
            "bug",
            "regression",
            "hotfix",
            "crash",
            "broken",
            "flaky",
            "leak",
            "patched",
            "root cause",
            "race condition",
        ],
    ),
    (
        WorkCategory::Review,
        &[
            "reviewed",
            "review",
            "code review",
            "feedback on",
            "approved",
        ],
    ),
    (
        WorkCategory::Docs,
        &[
            "documented",
            "documentation",
            "docs",
            "readme",
            "runbook",
            "wrote up",
            "write-up",
            "design doc",
            "adr",
        ],
    ),
    (
        WorkCategory::Meeting,
        &[
            "meeting",
            "sync",
            "1:1",
            "standup",
            "planning",
            "retro",
            "demo",
            "workshop",
            "call with",
        ],
    ),
    (
        WorkCategory::Mentoring,
        &[
            "mentor",
            "onboard",
            "interview",
            "pairing",
            "paired",
            "coached",
            "taught",
        ],
    ),
    (
        WorkCategory::Testing,
        &["test", "coverage", "e2e", "qa", "load test", "benchmark"],
    ),
    (
        WorkCategory::Refactor,
        &[
            "refactor",
            "cleanup",
            "clean up",
            "cleaned up",
            "tech debt",
            "simplif",
            "deduplicat",
            "extracted",
            "removed dead",
        ],
    ),
    (
        WorkCategory::Research,
        &[
            "investigat",
            "spike",
            "prototype",
            "explor",
            "evaluat",
            "researched",
            "poc",
            "proof of concept",
            "compared",
        ],
    ),
    (
        WorkCategory::Infra,
        &[
            "deploy",
            "terraform",
            "kubernetes",
            "k8s",
            "cluster",
            "pipeline",
            "ci ",
            "ci/cd",
            "infra",
            "helm",
            "docker",
            "migrat",
            "upgrad",
            "provision",
            "autoscal",
            "dns",
            "certificate",
            "monitoring",
            "alert",
            "dashboard",
        ],
    ),
    (
        WorkCategory::Feature,
        &[
            "added",
            "implemented",
            "built",
            "shipped",
            "launched",
            "released",
            "introduced",
            "created",
            "new endpoint",
            "feature",
            "support for",
            "integrated",
        ],
    ),
];

/// The category whose words occur most often in `text` (lowercased).
pub fn classify(text: &str) -> WorkCategory {
    let lower = text.to_lowercase();
    let mut best = (WorkCategory::Other, 0usize);
    for (category, words) in CATEGORY_WORDS {
        let hits: usize = words.iter().map(|w| lower.matches(w).count()).sum();
        if hits > best.1 {
            best = (*category, hits);
        }
    }
    best.0
}

/// A measurable result mentioned in a worklog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactSignal {
    /// The clause that states it, as written.
    pub text: String,
    /// Start of the clause, in characters.
    pub start: usize,
    /// End of the clause (exclusive), in characters.
    pub end: usize,
    /// `from_to`, `percent`, `multiplier` or `quantity`.
    pub kind: String,
    /// The value before, for `from_to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// The value after (or the only value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    /// The unit as written ("ms", "%", "x", "GB").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Relative change in percent, for `from_to` (negative = reduced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<f64>,
}

const UNITS: &[&str] = &[
    "%",
    "x",
    "×",
    "ms",
    "s",
    "sec",
    "secs",
    "seconds",
    "min",
    "mins",
    "minutes",
    "h",
    "hrs",
    "hours",
    "days",
    "k",
    "m",
    "kb",
    "mb",
    "gb",
    "tb",
    "req/s",
    "rps",
    "qps",
    "ops/s",
    "users",
    "customers",
    "errors",
    "tests",
    "jobs",
    "queries",
    "requests",
    "services",
    "lines",
    "alerts",
    "tickets",
    "bugs",
    "pages",
    "endpoints",
    "repos",
    "nodes",
    "pods",
    "instances",
    "usd",
    "$",
];

const IMPACT_VERBS: &[&str] = &[
    "reduc", "cut", "improv", "increas", "decreas", "sav", "sped", "speed", "drop", "lower",
    "rais", "grew", "grow", "boost", "eliminat", "halv", "doubl", "shrank", "shrunk", "trimm",
    "faster", "slower", "fewer", "less", "more", "down", "up", "from",
];

#[derive(Debug, Clone)]
struct Number {
    value: f64,
    unit: Option<String>,
    start: usize,
}

/// Numbers in a clause with their unit; skips numbers glued to letters or `-`
/// (versions like "v2", tickets like "ABC-123", dates like 2026-11-23).
fn numbers(clause: &str) -> Vec<Number> {
    let bytes = clause.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let glued = start > 0
            && (bytes[start - 1].is_ascii_alphabetic()
                || matches!(
                    bytes[start - 1],
                    b'-' | b'_' | b'#' | b'/' | b'.' | b':' | b'v'
                ));
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b',' || bytes[i] == b'.')
        {
            if matches!(bytes[i], b'.' | b',') && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            {
                break;
            }
            i += 1;
        }
        let literal = clause[start..i].replace(',', "");
        let dashed_after =
            bytes.get(i) == Some(&b'-') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if glued || dashed_after {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
                i += 1;
            }
            continue;
        }
        let Ok(value) = literal.parse::<f64>() else {
            continue;
        };
        let rest = &clause[i..];
        let unit_text = rest.strip_prefix(' ').unwrap_or(rest);
        let unit = UNITS
            .iter()
            .filter(|u| {
                unit_text.len() >= u.len()
                    && unit_text.is_char_boundary(u.len())
                    && unit_text[..u.len()].eq_ignore_ascii_case(u)
                    && !unit_text[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric())
            })
            .max_by_key(|u| u.len())
            .map(|u| unit_text[..u.len()].to_owned());
        out.push(Number { value, unit, start });
    }
    out
}

/// Whether a text states a measure: a number with a unit or a percentage
/// ("87%", "6 minutes", "2.1 GB"), not a version or a ticket number.
pub(crate) fn has_measure(text: &str) -> bool {
    numbers(text).iter().any(|n| n.unit.is_some())
}

/// Impact signals: clauses with a percentage, a multiplier ("3x faster"), a
/// "from N to M" change, or a quantity with a unit next to a change verb.
pub(crate) fn impact_signals(text: &str, offsets: &CharOffsets) -> Vec<ImpactSignal> {
    let mut out = Vec::new();
    for Span { start, end } in clauses(text) {
        let clause = &text[start..end];
        let nums = numbers(clause);
        if nums.is_empty() {
            continue;
        }
        let lower = clause.to_lowercase();
        let signal = |kind: &str, from: Option<f64>, to: Option<f64>, unit: Option<String>| {
            let change_pct = match (from, to) {
                (Some(f), Some(t)) if f != 0.0 => Some(((t - f) / f * 1000.0).round() / 10.0),
                _ => None,
            };
            ImpactSignal {
                text: clause.to_owned(),
                start: offsets.at(start),
                end: offsets.at(end),
                kind: kind.to_owned(),
                from,
                to,
                unit,
                change_pct,
            }
        };
        let from_to = lower.find("from ").and_then(|f| {
            let to_at = lower[f..].find(" to ")? + f;
            let before = nums.iter().find(|n| n.start > f && n.start < to_at)?;
            let after = nums.iter().find(|n| n.start > to_at)?;
            Some((before.clone(), after.clone()))
        });
        if let Some((a, b)) = from_to {
            let unit = b.unit.clone().or(a.unit.clone());
            out.push(signal("from_to", Some(a.value), Some(b.value), unit));
            continue;
        }
        let has_unit = |u: &[&str]| {
            nums.iter().find(|n| {
                n.unit
                    .as_deref()
                    .is_some_and(|x| u.contains(&x.to_lowercase().as_str()))
            })
        };
        if let Some(n) = has_unit(&["%"]) {
            out.push(signal("percent", None, Some(n.value), n.unit.clone()));
        } else if let Some(n) = has_unit(&["x", "×"]) {
            out.push(signal("multiplier", None, Some(n.value), n.unit.clone()));
        } else if IMPACT_VERBS.iter().any(|v| lower.contains(v))
            && let Some(n) = nums.iter().find(|n| n.unit.is_some())
        {
            out.push(signal("quantity", None, Some(n.value), n.unit.clone()));
        }
    }
    out
}

/// A blocker mentioned in a worklog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    /// The clause, as written.
    pub text: String,
    /// Start in characters.
    pub start: usize,
    /// End (exclusive) in characters.
    pub end: usize,
}

const BLOCKER_WORDS: &[&str] = &[
    "blocked",
    "blocker",
    "waiting on",
    "waiting for",
    "stuck on",
    "stuck",
    "need access",
    "needs access",
    "pending approval",
    "can't proceed",
    "cannot proceed",
];

/// Clauses that report something in the way.
pub(crate) fn blockers(text: &str, offsets: &CharOffsets) -> Vec<Blocker> {
    clauses(text)
        .into_iter()
        .filter(|s| {
            let lower = text[s.start..s.end].to_lowercase();
            BLOCKER_WORDS.iter().any(|w| lower.contains(w)) && !lower.contains("unblock")
        })
        .map(|s| Blocker {
            text: text[s.start..s.end].to_owned(),
            start: offsets.at(s.start),
            end: offsets.at(s.end),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impact(text: &str) -> Vec<ImpactSignal> {
        impact_signals(text, &CharOffsets::new(text))
    }

    #[test]
    fn impact_signals_read_changes_percentages_and_multipliers() {
        let got = impact(
            "Reduced p99 from 800 to 120 ms. Upgraded Postgres 15. Cut build time by 40%; 3x faster deploys",
        );
        let kinds: Vec<&str> = got.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["from_to", "percent", "multiplier"]);
        assert_eq!(got[0].from, Some(800.0));
        assert_eq!(got[0].to, Some(120.0));
        assert_eq!(got[0].unit.as_deref(), Some("ms"));
        assert_eq!(got[0].change_pct, Some(-85.0));
        assert_eq!(got[1].to, Some(40.0));
    }

    #[test]
    fn versions_dates_and_tickets_are_not_impact() {
        assert!(impact("Moved to Node 20 on 2026-11-23 for ABC-123 and v2 API").is_empty());
        let got = impact("Saved 12 GB of disk");
        assert_eq!(got[0].kind, "quantity");
        assert_eq!(got[0].unit.as_deref(), Some("GB"));
    }

    #[test]
    fn references_are_found_with_offsets() {
        let text = "Fixed PAY-42 in acme/billing-api (PR #311), see #12 and CVE-2024-3094; CI/CD and UTF-8 are prose. https://github.com/acme/x/pull/9.";
        let refs = references(text, &CharOffsets::new(text));
        let got: Vec<(&str, &str)> = refs
            .iter()
            .map(|r| (r.kind.as_str(), r.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("ticket", "PAY-42"),
                ("repo", "acme/billing-api"),
                ("pr", "#311"),
                ("issue", "#12"),
                ("cve", "CVE-2024-3094"),
                ("pr", "https://github.com/acme/x/pull/9"),
            ]
        );
        for r in &refs {
            let s: String = text.chars().skip(r.start).take(r.end - r.start).collect();
            assert_eq!(s, r.value);
        }
    }

    #[test]
    fn categories_and_blockers() {
        assert_eq!(
            classify("Fixed a crash in the importer"),
            WorkCategory::Bugfix
        );
        assert_eq!(
            classify("Paged at 3am: outage in checkout, rolled back"),
            WorkCategory::Incident
        );
        assert_eq!(classify("Reviewed three PRs"), WorkCategory::Review);
        assert_eq!(
            classify("Implemented the export endpoint"),
            WorkCategory::Feature
        );
        assert_eq!(classify("lunch"), WorkCategory::Other);
        let text = "Shipped it. Blocked on security review; waiting for DBA access";
        let b = blockers(text, &CharOffsets::new(text));
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].text, "Blocked on security review");
    }
}
