//! Practices written as what was done rather than named: "reviewed three PRs" is
//! code review, "made the pipeline deploy on merge" is CI/CD. Each cue is a verb and
//! an object a few words after it, within one sentence; the matcher turns a hit into
//! a mention of the practice spanning verb to object, which the context model then
//! judges like any other mention ("TODO: review the PRs" stays a plan).

use std::collections::HashMap;
use std::sync::LazyLock;

/// A verb, the objects that may follow it, and how many words may sit between.
pub(super) struct PracticeCue {
    pub slug: &'static str,
    verbs: &'static [&'static str],
    objects: &'static [&'static str],
    gap: usize,
    /// Words right before the object that make the work someone else's:
    /// "Maria reviewed my PR" is not the author reviewing.
    not_right_before: &'static [&'static str],
}

/// The cues, for practices of the closed list only.
pub(super) const PRACTICE_CUES: &[PracticeCue] = &[
    PracticeCue {
        slug: "code-review",
        verbs: &["reviewed", "reviewing", "review", "reviews"],
        objects: &[
            "pr",
            "prs",
            "pull",
            "mr",
            "mrs",
            "diff",
            "diffs",
            "patch",
            "patches",
            "changeset",
            "changesets",
            "changelists",
        ],
        gap: 3,
        not_right_before: &["my"],
    },
    PracticeCue {
        slug: "ci-cd",
        verbs: &[
            "deploy",
            "deploys",
            "deployed",
            "release",
            "releases",
            "publish",
            "publishes",
        ],
        objects: &["merge", "merges", "push", "tag", "tags", "automatically"],
        // "release on every tag", not "the release changelog from git tags".
        gap: 2,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "ci-cd",
        // Work on the pipeline itself: "fixed CI", "sped up the CI by caching".
        verbs: &[
            "fixed",
            "set",
            "configured",
            "sped",
            "unbroke",
            "parallelized",
            "parallelised",
            "cached",
            "split",
            "migrated",
            "moved",
        ],
        objects: &["ci"],
        gap: 3,
        // "fixed signing for CI" is work on the app that CI builds.
        not_right_before: &["for", "in", "on"],
    },
    PracticeCue {
        slug: "ci-cd",
        // Work on a delivery pipeline: "set up the GitLab pipeline", "sped up the
        // pipeline". A pipeline of data, models or hiring is not one.
        verbs: &[
            "set",
            "configured",
            "fixed",
            "sped",
            "split",
            "parallelized",
            "parallelised",
            "cached",
            "migrated",
            "moved",
            "rewrote",
            "unblocked",
            "debugged",
        ],
        objects: &["pipeline", "pipelines"],
        gap: 4,
        not_right_before: &[
            "data",
            "etl",
            "elt",
            "ml",
            "ingestion",
            "ingest",
            "inference",
            "training",
            "feature",
            "streaming",
            "processing",
            "analytics",
            "sales",
            "hiring",
            "recruiting",
            "rendering",
            "render",
            "asset",
            "rag",
            "embedding",
            "embeddings",
            "aggregation",
            "sync",
        ],
    },
    PracticeCue {
        slug: "ci-cd",
        // A pipeline's stages, named by what they run: "split the test stage into
        // 4 parallel jobs", "removed the old deploy stage".
        verbs: &[
            "test", "tests", "build", "deploy", "lint", "release", "publish", "e2e", "docker",
        ],
        objects: &["stage", "stages"],
        gap: 0,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "caching",
        // A cache put in place: "put a Redis cache in front of the pricing lookups".
        verbs: &["put", "added", "introduced", "built"],
        objects: &["cache", "caching"],
        gap: 3,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "postmortem",
        verbs: &["wrote", "drafted", "writing", "published"],
        objects: &["rca"],
        gap: 3,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "secrets-management",
        // Done, not described: "a runbook for rotating the credentials" is not.
        verbs: &["rotated"],
        objects: &[
            "key",
            "keys",
            "secret",
            "secrets",
            "credential",
            "credentials",
            "creds",
            "password",
            "passwords",
            "token",
            "tokens",
        ],
        gap: 3,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "encryption",
        // Data encrypted where it is stored: "encrypted the S3 bucket with KMS keys".
        verbs: &["encrypted", "encrypt", "encrypting"],
        objects: &[
            "bucket",
            "buckets",
            "disk",
            "disks",
            "volume",
            "volumes",
            "database",
            "databases",
            "table",
            "tables",
            "backup",
            "backups",
            "column",
            "columns",
            "field",
            "fields",
        ],
        gap: 3,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "database-migrations",
        // "migrated the users table to the new schema", "the migration of user table".
        verbs: &[
            "migrated",
            "migrate",
            "migrating",
            "migration",
            "migrations",
        ],
        objects: &["table", "tables", "schema", "schemas", "column", "columns"],
        gap: 4,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "machine-learning",
        // A model trained, not people: "trained an XGBoost model", "fine-tuned a classifier".
        verbs: &[
            "trained",
            "train",
            "training",
            "retrained",
            "fine-tuned",
            "finetuned",
        ],
        objects: &[
            "model",
            "models",
            "classifier",
            "classifiers",
            "regressor",
            "ranker",
            "rankers",
            "recommender",
            "forecaster",
        ],
        gap: 3,
        not_right_before: &[],
    },
    PracticeCue {
        slug: "on-call",
        verbs: &["paged", "pager"],
        objects: &[],
        gap: 0,
        not_right_before: &[],
    },
];

/// A practice found by a cue: byte offsets of verb start and object end, and of
/// the verb's end (the span to keep when a named mention sits between verb and
/// object, as "S3 bucket" in "encrypted the S3 bucket").
pub(super) struct CueHit {
    pub slug: &'static str,
    pub start: usize,
    pub end: usize,
    pub verb_end: usize,
}

/// The cues each verb opens, so a text's words are looked up once rather than
/// compared with every cue's verbs.
static CUES_BY_VERB: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut by_verb: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (index, cue) in PRACTICE_CUES.iter().enumerate() {
        for verb in cue.verbs {
            by_verb.entry(verb).or_default().push(index);
        }
    }
    by_verb
});

/// Every cue hit in `text`, in text order, at most one per cue.
pub(super) fn find_practices(text: &str) -> Vec<CueHit> {
    let words = words_with_offsets(text);
    let mut hits = ci_commit_scopes(text);
    let mut cue_done = [false; PRACTICE_CUES.len()];
    for (i, &(start, _, ref word)) in words.iter().enumerate() {
        let Some(cues) = CUES_BY_VERB.get(word.as_str()) else {
            continue;
        };
        for &index in cues {
            if cue_done[index] {
                continue;
            }
            let cue = &PRACTICE_CUES[index];
            if let Some(end) = cue_object_end(cue, text, &words, i) {
                hits.push(CueHit {
                    slug: cue.slug,
                    start,
                    end,
                    verb_end: words[i].1,
                });
                cue_done[index] = true;
            }
        }
    }
    hits.sort_by_key(|h| h.start);
    hits
}

/// Where the object of `cue` ends when its verb is `words[i]`: the verb's own end
/// for a cue without objects, `None` when no object follows within the cue's gap
/// in the same sentence (or someone else's stands right before it).
fn cue_object_end(
    cue: &PracticeCue,
    text: &str,
    words: &[(usize, usize, String)],
    i: usize,
) -> Option<usize> {
    let verb_end = words[i].1;
    if cue.objects.is_empty() {
        return Some(verb_end);
    }
    let following = || {
        words[i + 1..]
            .iter()
            .take(cue.gap + 1)
            .take_while(|(s, _, _)| !crosses_sentence(&text[verb_end..*s]))
    };
    let at = following().position(|(_, _, w)| cue.objects.contains(&w.as_str()))?;
    let someone_elses = at > 0
        && following()
            .nth(at - 1)
            .is_some_and(|(_, _, w)| cue.not_right_before.contains(&w.as_str()));
    (!someone_elses).then(|| words[i + 1 + at].1)
}

/// Commit subjects about the CI configuration, by the Conventional Commits
/// convention: a line opening with `ci:` or a scope `(ci)` ("feat(ci): cache the
/// cargo registry between jobs"). The hit spans the type and scope.
fn ci_commit_scopes(text: &str) -> Vec<CueHit> {
    let mut hits = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches([' ', '-', '*']);
        let at = line_start + (line.len() - body.len());
        let head_end = body.find(':').filter(|&end| end <= 20);
        if let Some(end) = head_end {
            let head = body[..end].trim_end_matches('!').to_ascii_lowercase();
            let is_ci = head == "ci"
                || head.strip_suffix("(ci)").is_some_and(|kind| {
                    !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphabetic())
                });
            if is_ci {
                hits.push(CueHit {
                    slug: "ci-cd",
                    start: at,
                    end: at + end,
                    verb_end: at + end,
                });
            }
        }
        line_start += line.len();
    }
    hits
}

fn crosses_sentence(gap: &str) -> bool {
    gap.contains(['.', ';', '!', '?', '\n'])
}

/// Lowercase words (letters and digits) with their byte offsets.
fn words_with_offsets(text: &str) -> Vec<(usize, usize, String)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                // The "s" of a possessive ("Marco's PR") is not a word of its own.
                let possessive = at - s == 1
                    && text[s..at].eq_ignore_ascii_case("s")
                    && text[..s].ends_with(['\'', '’']);
                if !possessive {
                    words.push((s, at, text[s..at].to_lowercase()));
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(text: &str) -> Vec<&'static str> {
        find_practices(text).into_iter().map(|h| h.slug).collect()
    }

    #[test]
    fn verbs_with_their_objects_are_practices() {
        assert_eq!(
            slugs("Reviewed three PRs before lunch"),
            vec!["code-review"]
        );
        assert_eq!(slugs("made the pipeline deploy on merge"), vec!["ci-cd"]);
        assert_eq!(
            slugs("got paged at 3am for the disk alert"),
            vec!["on-call"]
        );
        let hit = &find_practices("I reviewed two PRs")[0];
        assert_eq!(
            &"I reviewed two PRs"[hit.start..hit.end],
            "reviewed two PRs"
        );
    }

    #[test]
    fn verbs_without_their_objects_are_not() {
        assert!(slugs("reviewed the quarterly budget with Anna").is_empty());
        assert!(slugs("Maria reviewed my PR and approved it").is_empty());
        assert_eq!(slugs("rotated the api keys"), vec!["secrets-management"]);
        assert_eq!(slugs("fixed the flaky CI job"), vec!["ci-cd"]);
        assert!(slugs("fixed the city filter").is_empty());
        assert!(slugs("fixed signing for CI").is_empty());
        assert_eq!(slugs("wrote the RCA for the outage"), vec!["postmortem"]);
        assert!(slugs("rotated the logs and the on-duty list").is_empty());
        assert!(slugs("a runbook for rotating the database credentials").is_empty());
        assert_eq!(slugs("reviewed my team's PRs"), vec!["code-review"]);
        assert!(slugs("deploy went fine. Merge conflicts later").is_empty());
        assert!(slugs("reviewed the roadmap, then some PRs later").is_empty());
    }

    #[test]
    fn storage_encryption_schema_migrations_and_model_training() {
        assert_eq!(
            slugs("Encrypted the S3 bucket with KMS keys"),
            vec!["encryption"]
        );
        assert!(slugs("encrypted the message before sending").is_empty());
        assert_eq!(
            slugs("I make the migration of user table to new schema"),
            vec!["database-migrations"]
        );
        assert!(slugs("migrated the alerts to Prometheus").is_empty());
        assert_eq!(
            slugs("Trained an XGBoost model for churn"),
            vec!["machine-learning"]
        );
        assert!(slugs("trained two new hires on the release process").is_empty());
        assert_eq!(
            slugs("Trained a LightGBM ranker on click logs"),
            vec!["machine-learning"]
        );
        assert_eq!(slugs("we release on every tag now"), vec!["ci-cd"]);
    }

    #[test]
    fn pipelines_stages_commit_scopes_and_caches() {
        assert_eq!(
            slugs("Set up the GitLab pipeline so merge requests run the tests"),
            vec!["ci-cd"]
        );
        assert!(slugs("fixed the nightly ETL pipeline").is_empty());
        assert!(slugs("set up the data pipeline for the partner feed").is_empty());
        assert_eq!(
            slugs("Pipeline: split the test stage into 4 parallel jobs"),
            vec!["ci-cd"]
        );
        assert!(slugs("split the rollout into stages later").is_empty());
        assert_eq!(slugs("removed the old deploy stage"), vec!["ci-cd"]);
        let text = "feat(ci): cache cargo registry between jobs";
        let hit = &find_practices(text)[0];
        assert_eq!((hit.slug, &text[hit.start..hit.end]), ("ci-cd", "feat(ci)"));
        assert_eq!(slugs("- ci: pin the runner image"), vec!["ci-cd"]);
        assert!(slugs("feat(api): add the ci field to the report").is_empty());
        assert!(slugs("fix: the ci badge url").is_empty());
        assert_eq!(
            slugs("Put a Redis cache in front of the pricing lookups"),
            vec!["caching"]
        );
        assert!(slugs("cleared the cache after the deploy").is_empty());
        assert_eq!(
            slugs("Review of Marco's firmware PR for the flash driver"),
            vec!["code-review"]
        );
        assert!(slugs("generate the release changelog from git tags").is_empty());
    }
}
