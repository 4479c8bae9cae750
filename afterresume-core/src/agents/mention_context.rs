//! Whether a skill mention shows the author's own work with the technology.
//!
//! A worklog names technology it did not use as often as technology it did: "chose
//! Postgres instead of MongoDB", "Kafka was ruled out", "TODO: add Sentry", "next
//! week I'll try Bun". Such mentions are not evidence. The model is a small set of
//! cues read in the mention's clause, each one a class with a reason, so a decision
//! can be explained (`skill-eval --explain`). It errs towards keeping a mention: a
//! cue must sit at the start of the clause (plans) or right before or after the
//! mention (negation and rejection).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::mention_cues::{
    CHOICE_VERBS, COMPONENT_WORDS, HYPOTHESIS_BEFORE, HYPOTHESIS_OPENINGS, IDIOMS, IDIOMS_BEFORE,
    NEGATION_AFTER, NEGATION_BEFORE, NEGATION_ENDS, NOT_A_SUBJECT, OTHERS_AFTER, OTHERS_BEFORE,
    OTHERS_OPENINGS, PERSON_AFTER, PERSON_BEFORE, PLAN_AFTER, PLAN_OPENINGS, READ_ABOUT_BEFORE,
    TOOL_VERBS,
};
use super::text::{Span, clauses};

/// What the clause around a mention says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionContext {
    /// The author's work with the technology: evidence.
    Work,
    /// Not used, rejected or replaced: "instead of", "ruled out", "didn't use".
    Negated(&'static str),
    /// A plan, a TODO or a wish, not done yet: "TODO", "next week", "I'll".
    Planned(&'static str),
    /// Someone else's work or knowledge: "a candidate who knows", "the vendor".
    OthersWork(&'static str),
    /// A hypothesis or an open question: "if we", "whether", "considering".
    Hypothetical(&'static str),
    /// A person or a place that shares a technology's name: "lunch with Jenkins
    /// from finance", "Kafka's cafe".
    Name(&'static str),
    /// An idiom that contains a technology's name: "go-to-market", "swift response".
    Idiom(&'static str),
    /// Read or heard about, not worked with: "an article about WebAssembly".
    ReadAbout(&'static str),
    /// A field's name used to name a part of a system: "the payments api".
    ComponentName(&'static str),
}

impl MentionContext {
    /// Whether the mention counts as evidence.
    pub fn is_work(self) -> bool {
        self == MentionContext::Work
    }

    /// A short reason, for explanations.
    pub fn reason(self) -> String {
        match self {
            MentionContext::Work => "the author's work".to_owned(),
            MentionContext::Negated(cue) => format!("not used ('{cue}')"),
            MentionContext::Planned(cue) => format!("planned, not done ('{cue}')"),
            MentionContext::OthersWork(cue) => format!("someone else's work ('{cue}')"),
            MentionContext::Hypothetical(cue) => format!("hypothetical ('{cue}')"),
            MentionContext::Name(cue) => format!("a person or place ('{cue}')"),
            MentionContext::Idiom(cue) => format!("an idiom ('{cue}')"),
            MentionContext::ReadAbout(cue) => format!("read about, not used ('{cue}')"),
            MentionContext::ComponentName(cue) => {
                format!("names a part of a system, not work in the field ('{cue}')")
            }
        }
    }
}

/// How many characters a cue may stand from the mention (a short list between them
/// is allowed: "instead of Kafka or RabbitMQ").
const CUE_REACH: usize = 40;

/// The context of the mention at bytes `start..end` of `text`.
pub fn mention_context(text: &str, start: usize, end: usize) -> MentionContext {
    context_in_clauses(text, &clauses(text), start, end)
}

/// [`mention_context`] with the text's clauses already cut (one cut per text,
/// however many mentions it has).
pub(crate) fn context_in_clauses(
    text: &str,
    clauses: &[Span],
    start: usize,
    end: usize,
) -> MentionContext {
    let Some(clause) = clauses.iter().find(|c| c.start <= start && end <= c.end) else {
        return MentionContext::Work;
    };
    // Cues at an opening apply from the start of the mention's own sub-clause:
    // in "the vendor recommended Snowflake but we stayed on BigQuery", BigQuery's
    // sub-clause opens with "we stayed".
    let prefix = &text[clause.start..start];
    let sub_start = clause.start + (prefix.len() - own_subclause(prefix).len());
    let opening = head(&text[sub_start..clause.end], 24).to_ascii_lowercase();
    let mention = text[start..end].to_ascii_lowercase();
    let right_after = head(&text[end..clause.end], 16).to_ascii_lowercase();
    if let Some((_, follow)) = IDIOMS
        .iter()
        .find(|(word, follow)| mention == *word && right_after.starts_with(*follow))
    {
        return MentionContext::Idiom(follow);
    }
    if let Some((word, _)) = IDIOMS_BEFORE.iter().find(|(word, idiom)| {
        mention == *idiom
            && prefix.len() >= word.len()
            && tail(prefix, word.len()).eq_ignore_ascii_case(word)
    }) {
        return MentionContext::Idiom(word);
    }
    if word_right_after(&right_after, TEAM_WORDS).is_some() {
        return MentionContext::OthersWork("a team's name");
    }
    if word_right_after(&right_after, EVENT_WORDS).is_some() {
        return MentionContext::Name("an event's name");
    }
    if let Some(cue) = PLAN_OPENINGS.iter().find(|cue| opening.starts_with(**cue)) {
        return MentionContext::Planned(cue);
    }
    if let Some(cue) = OTHERS_OPENINGS
        .iter()
        .find(|cue| opening.starts_with(**cue))
    {
        return MentionContext::OthersWork(cue);
    }
    if opens_with_another_team(&opening) {
        return MentionContext::OthersWork("the ... team");
    }
    if let Some(cue) = HYPOTHESIS_OPENINGS
        .iter()
        .find(|cue| opening.starts_with(**cue))
    {
        return MentionContext::Hypothetical(cue);
    }
    if sub_start < start && opens_with_someone_doing(&text[sub_start..start]) {
        return MentionContext::OthersWork("a name doing it");
    }
    let before = tail(prefix, CUE_REACH).to_ascii_lowercase();
    let before = before.as_str();
    let own = own_subclause(before);
    if let Some(cue) = OTHERS_BEFORE_SET.find_words(own) {
        return MentionContext::OthersWork(cue);
    }
    if let Some(cue) = HYPOTHESIS_BEFORE_SET.find_words(own) {
        return MentionContext::Hypothetical(cue);
    }
    if let Some(cue) = READ_ABOUT_BEFORE_SET.find_words(own) {
        return MentionContext::ReadAbout(cue);
    }
    if let Some(cue) = NEGATION_BEFORE_SET.find_words(negation_scope(before)) {
        return MentionContext::Negated(cue);
    }
    if own.ends_with(" over ") && CHOICE_VERBS.iter().any(|verb| own.contains(verb)) {
        return MentionContext::Negated("chose ... over");
    }
    // "SAML not OIDC", "on Postgres, not MySQL".
    if own.ends_with(" not ") {
        return MentionContext::Negated("not");
    }
    let after = head(text[end..clause.end].trim_start(), CUE_REACH).to_ascii_lowercase();
    let capitalized = text[start..end].starts_with(char::is_uppercase);
    if capitalized {
        let next = head(&text[end..clause.end], 24).to_ascii_lowercase();
        let next = next.strip_prefix(' ').unwrap_or(&next);
        if let Some(cue) = PERSON_AFTER.iter().find(|cue| next.starts_with(**cue)) {
            return MentionContext::Name(cue);
        }
        let named_before = names_listed_before(prefix).to_ascii_lowercase();
        if let Some(cue) = PERSON_BEFORE
            .iter()
            .find(|cue| named_before.trim_end().ends_with(**cue))
        {
            return MentionContext::Name(cue);
        }
    }
    if let Some(cue) = NEGATION_AFTER_SET.find_words(&after) {
        return MentionContext::Negated(cue);
    }
    // Up to a comma: in "Deployed Kafka, next week Flink" only Flink is planned.
    let until_comma = after.split(',').next().unwrap_or_default();
    if let Some(cue) = PLAN_AFTER_SET.find_words(until_comma) {
        return MentionContext::Planned(cue);
    }
    if let Some(cue) = OTHERS_AFTER_SET.find_words(until_comma) {
        return MentionContext::OthersWork(cue);
    }
    MentionContext::Work
}

/// Whether the mention ending at byte `end` names a part of a system ("the
/// payments api"): the context of a field's name (a `domain` skill) that the
/// clause alone would count as work.
pub(crate) fn component_named_after_field(text: &str, end: usize) -> Option<MentionContext> {
    let right_after = head(&text[end..], 16).to_ascii_lowercase();
    word_right_after(&right_after, COMPONENT_WORDS).map(MentionContext::ComponentName)
}

/// The last `n` bytes of `s`, cut at a character boundary.
fn tail(s: &str, n: usize) -> &str {
    let mut at = s.len().saturating_sub(n);
    while !s.is_char_boundary(at) {
        at += 1;
    }
    &s[at..]
}

/// The first `n` bytes of `s`, cut at a character boundary.
fn head(s: &str, n: usize) -> &str {
    let mut at = n.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    &s[..at]
}

/// A list of cues compiled into one automaton, so a clause is scanned once for all
/// of them instead of once per cue.
struct CueSet {
    cues: &'static [&'static str],
    automaton: AhoCorasick,
}

impl CueSet {
    fn new(cues: &'static [&'static str]) -> CueSet {
        let automaton = AhoCorasick::new(cues).expect("cue lists compile");
        CueSet { cues, automaton }
    }

    /// The first cue that occurs in `s` as whole words (an edge of the cue that is
    /// not a letter or digit, as in "'s team", needs no boundary).
    fn find_words(&self, s: &str) -> Option<&'static str> {
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        self.automaton.find_overlapping_iter(s).find_map(|m| {
            let cue = self.cues[m.pattern().as_usize()];
            let (first, last) = (cue.chars().next(), cue.chars().next_back());
            let before = s[..m.start()].chars().next_back();
            let after = s[m.end()..].chars().next();
            ((!word(first) || !word(before)) && (!word(last) || !word(after))).then_some(cue)
        })
    }
}

static OTHERS_BEFORE_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(OTHERS_BEFORE));
static HYPOTHESIS_BEFORE_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(HYPOTHESIS_BEFORE));
static READ_ABOUT_BEFORE_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(READ_ABOUT_BEFORE));
static NEGATION_BEFORE_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(NEGATION_BEFORE));
static NEGATION_AFTER_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(NEGATION_AFTER));
static PLAN_AFTER_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(PLAN_AFTER));
static OTHERS_AFTER_SET: LazyLock<CueSet> = LazyLock::new(|| CueSet::new(OTHERS_AFTER));

/// The part of the text before a mention that a negation cue may stand in: after
/// the last [`NEGATION_ENDS`] cut, if any.
fn negation_scope(before: &str) -> &str {
    static CUTS: LazyLock<AhoCorasick> =
        LazyLock::new(|| AhoCorasick::new(NEGATION_ENDS).expect("negation ends compile"));
    after_last_cut(&CUTS, before)
}

/// `prefix` without the capitalized names listed right before the mention, so a
/// cue before the first name covers the list: in "coffee with Ruby and Julia",
/// Julia is a person for the same reason Ruby is.
fn names_listed_before(prefix: &str) -> &str {
    let mut rest = prefix;
    for _ in 0..3 {
        let trimmed = rest.trim_end();
        let Some(joined) = trimmed
            .strip_suffix(" and")
            .or_else(|| trimmed.strip_suffix(','))
        else {
            break;
        };
        let joined = joined.trim_end();
        let name_at = joined.rfind(' ').map_or(0, |at| at + 1);
        let name = &joined[name_at..];
        if !name.starts_with(char::is_uppercase) || !name.chars().all(char::is_alphabetic) {
            break;
        }
        rest = &joined[..name_at];
    }
    rest
}

/// Whether the text of a sub-clause before a mention opens with someone named
/// doing the work: a capitalized word that is not the author, a time or a
/// linking word, then a verb in the past tense ("Sarah migrated the billing
/// service to Go"). A worklog's own lines open with the verb ("Migrated ...").
fn opens_with_someone_doing(before_mention: &str) -> bool {
    let mut words = before_mention.split_whitespace();
    let (Some(subject), Some(verb)) = (words.next(), words.next()) else {
        return false;
    };
    let lower = subject.to_ascii_lowercase();
    subject.starts_with(char::is_uppercase)
        && subject.chars().all(char::is_alphabetic)
        && !lower.ends_with("ed")
        && !lower.ends_with("ly")
        && !NOT_A_SUBJECT.contains(&lower.as_str())
        && verb.len() > 3
        && verb.ends_with("ed")
        && !TOOL_VERBS.contains(&verb)
        && verb.chars().all(|c| c.is_ascii_lowercase())
}

/// Whether a clause opens with another team as its subject ("the ops team is
/// rolling out ..."); "the team" alone is the author's own.
fn opens_with_another_team(opening: &str) -> bool {
    let mut words = opening.split_whitespace();
    words.next() == Some("the")
        && words.next().is_some_and(|w| w != "team")
        && words.next().is_some_and(|w| w == "team" || w == "teams")
}

/// Words after a mention that make it a team's name: "talked with the payments
/// team", "the iOS squad's release". A team named after a technology or a field
/// says what the team does, not what the author did.
/// A vendor's people count too: "a call with the Azure account manager" is sales.
const TEAM_WORDS: &[&str] = &[
    "team",
    "teams",
    "squad",
    "guild",
    "folks",
    "sales",
    "rep",
    "reps",
    "representative",
    "account manager",
    "evangelist",
];

/// Words after a mention that make it an event's name: "went to the AWS Summit".
const EVENT_WORDS: &[&str] = &[
    "summit",
    "conference",
    "conf",
    "meetup",
    "expo",
    "webinar",
    "keynote",
];

/// The one of `words` that is the word right after a mention (as a whole word).
fn word_right_after(right_after: &str, words: &[&'static str]) -> Option<&'static str> {
    let rest = right_after.strip_prefix(' ')?;
    words.iter().copied().find(|word| {
        rest.strip_prefix(word)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '-'))
    })
}

/// The part of a clause's text before a mention that belongs to the mention's own
/// sub-clause: after the last ", then", " then ", " but ", ", and ", ", so " or
/// " while ".
fn own_subclause(before: &str) -> &str {
    static CUTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::new([
            ", then ",
            " then ",
            " but ",
            ", and ",
            ", so ",
            " while ",
            ", for now ",
            " for now, ",
        ])
        .expect("sub-clause cuts compile")
    });
    after_last_cut(&CUTS, before)
}

/// `s` after the end of the last match of `cuts` (all of `s` when none matches).
/// One automaton pass instead of a substring search per cut; cuts that overlap
/// (", then " and " then ") end at the same place.
fn after_last_cut<'s>(cuts: &AhoCorasick, s: &'s str) -> &'s str {
    cuts.find_iter(s).last().map_or(s, |m| &s[m.end()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context of the first occurrence of `mention` in `text`.
    fn context(text: &str, mention: &str) -> MentionContext {
        let start = text.find(mention).expect("the mention is in the text");
        mention_context(text, start, start + mention.len())
    }

    #[test]
    fn plans_and_todos_are_not_work() {
        for (text, mention) in [
            ("TODO: add Sentry to the checkout service.", "Sentry"),
            ("Next week: move the cron jobs to Airflow.", "Airflow"),
            ("Tomorrow I'll try Bun for the build scripts.", "Bun"),
            ("I'll write the Terraform module on Monday.", "Terraform"),
            (
                "Need to upgrade Kubernetes before the freeze.",
                "Kubernetes",
            ),
            ("Shipped the API. Will add GraphQL later.", "GraphQL"),
            ("Shipped the API, but will add GraphQL later.", "GraphQL"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Planned(_)),
                "{text}"
            );
        }
        // Work described in the past, and a plan in another clause.
        for (text, mention) in [
            ("Added Sentry to the checkout service.", "Sentry"),
            (
                "Moved cron jobs to Airflow; next week the backfill.",
                "Airflow",
            ),
            (
                "Fixed the bug where the cache would evict Redis keys.",
                "Redis",
            ),
            (
                "Reviewed the plan to use Terraform and wrote it.",
                "Terraform",
            ),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn negated_and_rejected_mentions_are_not_work() {
        for (text, mention) in [
            (
                "Chose PostgreSQL instead of MongoDB for the ledger.",
                "MongoDB",
            ),
            ("Kafka was ruled out, too heavy for this.", "Kafka"),
            ("We ruled out Kafka and RabbitMQ.", "RabbitMQ"),
            ("Built the form without React, plain DOM.", "React"),
            ("Didn't use Redux in the end.", "Redux"),
            ("Spark would be overkill for 2 GB of logs.", "Spark"),
            ("Didn't get to the Terraform refactor today.", "Terraform"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Negated(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            (
                "Chose PostgreSQL instead of MongoDB for the ledger.",
                "PostgreSQL",
            ),
            ("Migrated from MySQL to PostgreSQL.", "MySQL"),
            (
                "Rewrote the notes without noticing; then tuned Kafka.",
                "Kafka",
            ),
            ("Not much today: patched the nginx config.", "nginx"),
            ("Got to the Terraform refactor at last.", "Terraform"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn other_peoples_work_is_not_the_authors() {
        for (text, mention) in [
            (
                "Interviewed a candidate who knows Elixir and Erlang.",
                "Elixir",
            ),
            (
                "Interviewed a candidate who knows Elixir and Erlang.",
                "Erlang",
            ),
            (
                "Anna's team migrated to Kubernetes last month.",
                "Kubernetes",
            ),
            (
                "The vendor recommended Snowflake but we stayed on BigQuery.",
                "Snowflake",
            ),
            (
                "The ops team is rolling out Datadog next quarter.",
                "Datadog",
            ),
            (
                "Paired with Dan while he set up Kubernetes on his laptop.",
                "Kubernetes",
            ),
            ("Our competitor ships on Flutter.", "Flutter"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::OthersWork(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Migrated our team's jobs to Kubernetes.", "Kubernetes"),
            (
                "Showed the vendor our Snowflake setup; tuned the warehouse.",
                "Snowflake",
            ),
            ("Wrote the interview exercise in Elixir.", "Elixir"),
            (
                "The team moved to Datadog and I wrote the monitors.",
                "Datadog",
            ),
            ("Paired with Dan while we set up Kubernetes.", "Kubernetes"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn a_team_named_after_a_technology_is_not_the_authors_work() {
        for (text, mention) in [
            (
                "Talked with the payments team about their roadmap.",
                "payments",
            ),
            ("Sat in on the iOS squad's planning.", "iOS"),
            ("Lunch with the Kafka folks.", "Kafka"),
            ("A long call with the Azure account manager.", "Azure"),
        ] {
            assert_eq!(
                context(text, mention),
                MentionContext::OthersWork("a team's name"),
                "{text}"
            );
        }
        for (text, mention) in [
            (
                "Helped the data team move their jobs to Airflow.",
                "Airflow",
            ),
            ("Set up Terraform teams-style workspaces.", "Terraform"),
            ("Documented the Kafka teamwork guide.", "Kafka"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn an_event_named_after_a_technology_is_not_work() {
        assert_eq!(
            context("Went to the AWS Summit, good talk.", "AWS"),
            MentionContext::Name("an event's name")
        );
        assert_eq!(
            context("Deployed the summit page to AWS.", "AWS"),
            MentionContext::Work
        );
    }

    #[test]
    fn colleagues_and_maybes_are_not_the_authors_work() {
        for (text, mention) in [
            ("My colleague set up Grafana dashboards.", "Grafana"),
            ("A teammate moved the jobs to Airflow.", "Airflow"),
            ("We might move to Bun later this year.", "Bun"),
            ("Maybe Deno for the scripts.", "Deno"),
            (
                "We discussed if we should use Kubernetes or VMs.",
                "Kubernetes",
            ),
            ("Our CTO loves Elixir.", "Elixir"),
            (
                "One candidate was strong in Go and Kubernetes.",
                "Kubernetes",
            ),
        ] {
            assert!(!context(text, mention).is_work(), "{text}");
        }
        for (text, mention) in [
            ("Pair programmed on the Django admin with Sam.", "Django"),
            ("Code reviewed the Terraform modules.", "Terraform"),
            ("Helped my colleague debug Grafana.", "Grafana"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn people_and_places_named_like_technology_are_not_skills() {
        for (text, mention) in [
            (
                "Lunch with Jenkins from finance, talked about the budget.",
                "Jenkins",
            ),
            (
                "Went to the gym, then dinner at Kafka's cafe downtown.",
                "Kafka",
            ),
            ("Paired with Ruby on the onboarding doc.", "Ruby"),
            ("Read a book about Python the snake for my kid.", "Python"),
            (
                "Spent the afternoon in Phoenix at the customer site.",
                "Phoenix",
            ),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Name(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Moved Jenkins from the old VM to Kubernetes.", "Jenkins"),
            ("Tuned Kafka's consumer groups.", "Kafka"),
            ("Paired with Alex on the Ruby gem.", "Ruby"),
            ("Lunch, then fixed the jenkins job.", "jenkins"),
            ("Spent the afternoon on Phoenix controllers.", "Phoenix"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn idioms_are_not_skills() {
        for (text, mention) in [
            ("Our Go-to-market plan is ready.", "Go"),
            (
                "Swift response to the incident; wrote the postmortem.",
                "Swift",
            ),
            ("The billing go-live is on Monday.", "go"),
            ("She is the Oracle of the team for billing.", "Oracle"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Idiom(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Wrote the Go service for the market data feed.", "Go"),
            ("Fixed the Swift response parser.", "Swift"),
            ("Tuned Oracle indexes.", "Oracle"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn hypotheses_are_not_work() {
        for (text, mention) in [
            ("Looked into whether Terraform could help.", "Terraform"),
            ("If we move to Kafka, the consumers need rework.", "Kafka"),
            ("Considering Rust for the parser.", "Rust"),
            ("Would have used Spark but the data fit in memory.", "Spark"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Hypothetical(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            (
                "If the Redis cache misses, we fall back to Postgres.",
                "Redis",
            ),
            (
                "Checked whether the nightly ran, then fixed the Airflow DAG.",
                "Airflow",
            ),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn reading_about_a_technology_is_not_work() {
        for (text, mention) in [
            (
                "Read an article about WebAssembly on the train.",
                "WebAssembly",
            ),
            ("Watched a talk on Kubernetes operators.", "Kubernetes"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::ReadAbout(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Wrote an article about our Kafka setup.", "Kafka"),
            (
                "Read the Kubernetes events and fixed the probe.",
                "Kubernetes",
            ),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn skipped_untouched_and_passed_over_choices_are_not_work() {
        for (text, mention) in [
            ("Skipped Redux this time, plain state was enough.", "Redux"),
            ("Haven't touched Kubernetes this week.", "Kubernetes"),
            ("Chose Postgres over MySQL for the new service.", "MySQL"),
            ("Went with Vite over webpack for the docs site.", "webpack"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Negated(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Chose Postgres over MySQL for the new service.", "Postgres"),
            ("Moved the queue over to RabbitMQ.", "RabbitMQ"),
            ("Touched up the Grafana dashboards.", "Grafana"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn someone_named_doing_the_work_is_not_the_author() {
        for (text, mention) in [
            ("Sarah migrated the billing service to Go.", "Go"),
            ("Nobody on the team knows Elixir, so we passed.", "Elixir"),
            (
                "Waiting on the platform team to upgrade Postgres.",
                "Postgres",
            ),
            ("The candidate had strong Scala experience.", "Scala"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::OthersWork(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Migrated the billing service to Go.", "Go"),
            ("Load tested the search API with k6.", "k6"),
            ("Also migrated the cron jobs to Airflow.", "Airflow"),
            ("Today deployed the Helm chart.", "Helm"),
            ("Sarah and I migrated the billing service to Go.", "Go"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn names_listed_after_a_social_cue_and_companies_are_not_skills() {
        for (text, mention) in [
            ("Had coffee with Ruby and Julia from design.", "Julia"),
            ("Lunch with Anna, Ruby and Julia.", "Julia"),
            ("Our client Oracle asked for a demo.", "Oracle"),
            ("Grabbed lunch at the Java Lounge.", "Java"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Name(_)),
                "{text}"
            );
        }
        for (text, mention) in [
            ("Ported the Ruby and Julia scripts to Python.", "Julia"),
            ("Paired with Anna, then tuned Oracle indexes.", "Oracle"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn a_plan_for_later_is_not_work() {
        for (text, mention) in [
            ("Plan for tomorrow: try out Bun as the test runner.", "Bun"),
            ("Try Deno for the scripts.", "Deno"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Planned(_)),
                "{text}"
            );
        }
        assert_eq!(
            context("Tried Deno for the scripts.", "Deno"),
            MentionContext::Work
        );
    }

    #[test]
    fn a_plan_after_the_mention_is_not_work() {
        for (text, mention) in [
            (
                "helm chart is updated, alerting rules I will do next week",
                "alerting",
            ),
            (
                "Wrote the eng plan; pushed for moving the services to Kubernetes next quarter",
                "Kubernetes",
            ),
            (
                "Approved the budget for Datadog, the team rolls it out in January",
                "Datadog",
            ),
            (
                "Wrote an ADR for moving from REST to gRPC between the services",
                "gRPC",
            ),
            (
                "still on UIKit, the SwiftUI rewrite postponed to Q3",
                "SwiftUI",
            ),
        ] {
            assert!(!context(text, mention).is_work(), "{text}");
        }
        for (text, mention) in [
            ("Deployed Kafka, Flink I will do next week", "Kafka"),
            ("Upgraded Kafka, the Flink part postponed", "Kafka"),
            ("Upgraded Grafana before the demo next week", "Grafana"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn a_negation_ends_where_the_used_alternative_begins() {
        for (text, mention) in [
            ("Ruled out Nomad, staying on ECS", "ECS"),
            (
                "we don't use an RTOS on this board, just a superloop in plain C",
                "C",
            ),
            (
                "We decided against Vault for now, k8s secrets are enough",
                "k8s",
            ),
            (
                "We might move to Bun later this year, for now Node 20 is fine.",
                "Node",
            ),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
        for (text, mention) in [
            ("Ruled out Nomad, staying on ECS", "Nomad"),
            ("ruled out Kafka, RabbitMQ and NATS", "NATS"),
            ("SSO with Okta for the tools, SAML not OIDC", "OIDC"),
        ] {
            assert!(
                matches!(context(text, mention), MentionContext::Negated(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn code_someone_else_wrote_and_a_choice_kept_are_not_work() {
        for (text, mention) in [
            (
                "Had a look at the Elixir code from the other team, nice",
                "Elixir",
            ),
            (
                "demoed the new Grafana dashboards the team built",
                "Grafana",
            ),
            (
                "Tried Playwright's codegen, but we stayed with Selenium",
                "Playwright",
            ),
        ] {
            assert!(!context(text, mention).is_work(), "{text}");
        }
        for (text, mention) in [
            (
                "Tried Playwright's codegen, but we stayed with Selenium",
                "Selenium",
            ),
            (
                "Fixed the Elixir code, the other team reviewed it",
                "Elixir",
            ),
            ("built the Grafana dashboards for the team", "Grafana"),
        ] {
            assert_eq!(context(text, mention), MentionContext::Work, "{text}");
        }
    }

    #[test]
    fn candidates_interns_tools_and_bug_bashes() {
        assert!(
            !context(
                "interviewed two backend candidates (one strong in Go)",
                "Go"
            )
            .is_work()
        );
        assert!(matches!(
            context(
                "Jenkins (the new intern) set up his laptop today",
                "Jenkins"
            ),
            MentionContext::Name(_)
        ));
        assert_eq!(
            context("Jenkins (the new pipeline) runs the tests", "Jenkins"),
            MentionContext::Work
        );
        assert_eq!(
            context(
                "Crashlytics showed an NPE in a Kotlin coroutine scope",
                "Kotlin"
            ),
            MentionContext::Work
        );
        assert!(matches!(
            context("Sarah migrated the billing service to Kotlin", "Kotlin"),
            MentionContext::OthersWork(_)
        ));
        assert!(matches!(
            context("Bug bash today, found 14 issues", "bash"),
            MentionContext::Idiom(_)
        ));
        assert_eq!(
            context("wrote a bash script for the backups", "bash"),
            MentionContext::Work
        );
    }

    #[test]
    fn a_field_naming_a_component_is_not_work_in_the_field() {
        let text = "added request id logging to the payments api";
        let end = text.find("payments").unwrap() + "payments".len();
        assert_eq!(
            component_named_after_field(text, end),
            Some(MentionContext::ComponentName("api"))
        );
        let text = "Stripe webhooks for failed payments and retries";
        let end = text.find("payments").unwrap() + "payments".len();
        assert_eq!(component_named_after_field(text, end), None);
        let text = "mTLS rolled out to the payments namespace";
        let end = text.find("payments").unwrap() + "payments".len();
        assert_eq!(
            component_named_after_field(text, end),
            Some(MentionContext::ComponentName("namespace"))
        );
        let text = "the payments application form";
        let end = text.find("payments").unwrap() + "payments".len();
        assert_eq!(component_named_after_field(text, end), None);
    }

    #[test]
    fn reasons_name_the_cue() {
        let negated = context("Chose Go instead of Rust.", "Rust");
        assert_eq!(negated.reason(), "not used ('instead of')");
        assert!(!negated.is_work());
        assert!(context("Wrote Rust.", "Rust").is_work());
    }
}
