//! Practices written as what was done rather than named: "reviewed three PRs" is
//! code review, "made the pipeline deploy on merge" is CI/CD. Each cue is a verb and
//! an object a few words after it, within one sentence; the matcher turns a hit into
//! a mention of the practice spanning verb to object, which the context model then
//! judges like any other mention ("TODO: review the PRs" stays a plan).

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
        objects: &["model", "models", "classifier", "classifiers", "regressor"],
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

/// Every cue hit in `text`, in text order, at most one per cue and sentence.
pub(super) fn find_practices(text: &str) -> Vec<CueHit> {
    let words = words_with_offsets(text);
    let mut hits = Vec::new();
    for cue in PRACTICE_CUES {
        for (i, &(start, end, ref word)) in words.iter().enumerate() {
            if !cue.verbs.contains(&word.as_str()) {
                continue;
            }
            if cue.objects.is_empty() {
                hits.push(CueHit {
                    slug: cue.slug,
                    start,
                    end,
                    verb_end: end,
                });
                break;
            }
            let following = || {
                words[i + 1..]
                    .iter()
                    .take(cue.gap + 1)
                    .take_while(|(s, _, _)| !crosses_sentence(&text[end..*s]))
            };
            let object = following().position(|(_, _, w)| cue.objects.contains(&w.as_str()));
            let someone_elses = |at: usize| {
                at > 0
                    && following()
                        .nth(at - 1)
                        .is_some_and(|(_, _, w)| cue.not_right_before.contains(&w.as_str()))
            };
            if let Some(at) = object.filter(|&at| !someone_elses(at)) {
                let object_end = words[i + 1 + at].1;
                hits.push(CueHit {
                    slug: cue.slug,
                    start,
                    end: object_end,
                    verb_end: end,
                });
                break;
            }
        }
    }
    hits.sort_by_key(|h| h.start);
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
                words.push((s, at, text[s..at].to_lowercase()));
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
        assert_eq!(slugs("we release on every tag now"), vec!["ci-cd"]);
        assert!(slugs("generate the release changelog from git tags").is_empty());
    }
}
