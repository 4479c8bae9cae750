//! The labelled worklog set (`eval/devset.jsonl`) and its scoring: each entry
//! names the canonical skills (taxonomy slugs) its text shows.

use std::collections::BTreeSet;

use serde::Deserialize;

/// One labelled worklog.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// Number in the set.
    pub id: u32,
    /// Area of work (`backend`, `frontend`, ...).
    pub area: String,
    /// How it is written (`terse`, `paragraph`, `bullets`, ...); the test set only.
    #[serde(default)]
    pub style: String,
    /// `work`, `trap` (built around an idiom, a name or a negation) or `notech`
    /// (names no technology); the test set only.
    #[serde(default)]
    pub kind: String,
    /// The worklog.
    pub text: String,
    /// The expected skill slugs.
    pub skills: Vec<String>,
}

/// The set at `path`.
pub fn load(path: &str) -> Vec<Entry> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

/// The development set in the repository.
pub fn default_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../eval/devset.jsonl").to_owned()
}

/// The held-out test set in the repository (`eval/LABELLING.md`): measure on it,
/// never tune on it.
pub fn testset_path() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../eval/testset.jsonl").to_owned()
}

/// True and false positives and negatives over sets of slugs.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Expected and found.
    pub tp: u32,
    /// Found, not expected.
    pub fp: u32,
    /// Expected, not found.
    pub fn_: u32,
}

impl Counts {
    /// Adds one entry's expected and found slugs.
    pub fn add(&mut self, expected: &BTreeSet<String>, got: &BTreeSet<String>) {
        self.tp += expected.intersection(got).count() as u32;
        self.fp += got.difference(expected).count() as u32;
        self.fn_ += expected.difference(got).count() as u32;
    }

    /// Precision, recall and F1.
    pub fn prf(&self) -> (f64, f64, f64) {
        let p = f64::from(self.tp) / f64::from((self.tp + self.fp).max(1));
        let r = f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1));
        let f = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        (p, r, f)
    }
}
