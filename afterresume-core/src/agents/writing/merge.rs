//! Near-duplicate items: two entries that say the same thing ("Fixed flaky CI
//! tests" on Monday and Tuesday) become one item citing both.

use std::collections::BTreeSet;

/// Words that do not tell two statements apart.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "at", "by", "from",
    "into", "it", "its", "our", "my", "we", "i", "more", "some",
];

/// How much of the smaller word set two texts must share to be one item.
const SAME_ITEM_OVERLAP: f64 = 0.8;

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// Whether two statements say the same thing: most words of the shorter one are
/// in the longer one.
pub(crate) fn near_duplicates(a: &str, b: &str) -> bool {
    let (a, b) = (words(a), words(b));
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return a.len() == b.len();
    }
    let shared = a.intersection(&b).count();
    shared as f64 / smaller as f64 >= SAME_ITEM_OVERLAP
        && smaller as f64 / a.len().max(b.len()) as f64 >= 0.5
}

/// Merges items whose texts are near-duplicates, in first-seen order: `absorb`
/// folds a later duplicate into the item kept (which then cites both).
pub(crate) fn merge_items<T>(
    items: Vec<T>,
    text: impl Fn(&T) -> &str,
    absorb: impl Fn(&mut T, T),
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match out
            .iter()
            .position(|kept| near_duplicates(text(kept), text(&item)))
        {
            Some(i) => absorb(&mut out[i], item),
            None => out.push(item),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_statement_on_two_days_is_one_item() {
        assert!(near_duplicates(
            "Fixed flaky CI tests.",
            "Fixed the flaky CI tests."
        ));
        assert!(!near_duplicates(
            "Fixed flaky CI tests.",
            "Fixed the login page."
        ));
        assert!(!near_duplicates(
            "Reviewed PRs.",
            "Reviewed PRs on the exporter, the importer and the billing API."
        ));
        let merged = merge_items(
            vec![
                ("Fixed flaky CI tests.", vec![1]),
                ("Wrote docs.", vec![2]),
                ("Fixed the flaky CI tests.", vec![3]),
            ],
            |i| i.0,
            |kept, other| kept.1.extend(other.1),
        );
        assert_eq!(
            merged,
            [
                ("Fixed flaky CI tests.", vec![1, 3]),
                ("Wrote docs.", vec![2])
            ]
        );
    }
}
