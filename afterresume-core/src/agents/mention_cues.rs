//! The cue lists of the context model ([`super::mention_context`]): words and
//! phrases that, at a clause's opening or right next to a mention, say the mention
//! is not the author's work. Kept apart so the lists can grow without hiding the
//! rules that read them.

/// Clause openings that make the whole clause a plan.
pub(super) const PLAN_OPENINGS: &[&str] = &[
    "todo",
    "to do:",
    "next week",
    "next sprint",
    "next up",
    "next:",
    "tomorrow",
    "later:",
    "plan:",
    "plans:",
    "planned:",
    "i'll",
    "i will",
    "we'll",
    "we will",
    "will ",
    "going to",
    "gonna",
    "i plan",
    "we plan",
    "plan to",
    "planning to",
    "i want to",
    "we want to",
    "want to",
    "i need to",
    "we need to",
    "need to",
    "should ",
    "maybe ",
    "might ",
    "hoping to",
    "i hope to",
    "would like to",
];

/// Clause openings whose subject is someone else (a clause opening with "the ...
/// team" counts too, see `opens_with_another_team` in the context model).
pub(super) const OTHERS_OPENINGS: &[&str] = &[
    "he ",
    "she ",
    "our competitor",
    "a competitor",
    "the competitor",
    "competitors",
    "interviewed",
    "the vendor",
    "vendor ",
    "the client",
    "the customer",
    "the contractor",
    "the other team",
    "another team",
    "their team",
];

/// Cues before a mention that attribute it to someone else.
pub(super) const OTHERS_BEFORE: &[&str] = &[
    "candidate who",
    "candidates who",
    "who knows",
    "who know",
    "who uses",
    "who used",
    "interviewed a",
    "'s team",
];

/// Social and travel cues right before a capitalized mention that make it a
/// person or a place.
pub(super) const PERSON_BEFORE: &[&str] = &[
    "flew to",
    "flight to",
    "trip to",
    "travelled to",
    "traveled to",
    "drove to",
    "office in",
    "offsite in",
    "conference in",
    "morning in",
    "afternoon in",
    "evening in",
    "day in",
    "week in",
    "lunch with",
    "coffee with",
    "dinner with",
    "paired with",
    "pairing with",
    "met with",
    "1:1 with",
    "one-on-one with",
    "call with",
    "chat with",
    "talked to",
    "talked with",
    "mentored",
    "onboarded",
    "interviewed",
];

/// What follows a capitalized mention that makes it a person or a place.
pub(super) const PERSON_AFTER: &[&str] = &[
    "from finance",
    "from sales",
    "from hr",
    "from marketing",
    "from legal",
    "from support",
    "from accounting",
    "from procurement",
    "'s birthday",
    "'s farewell",
    "'s wedding",
    "'s cafe",
    "'s café",
    "'s restaurant",
    "'s bakery",
    "'s kid",
    "'s dog",
    "'s desk",
    "'s office",
    "the snake",
];

/// Idioms: a mention (lowercased) and what follows it right after.
pub(super) const IDIOMS: &[(&str, &str)] = &[
    ("go", "-to"),
    ("go", "-live"),
    ("go", "-getter"),
    ("go", " live"),
    ("swift", " response to"),
    ("swift", " reply to"),
    ("swift", " turnaround"),
    ("swift", " decision"),
    ("oracle", " of "),
    ("spring", " cleaning"),
    ("spring", " break"),
];

/// Clause openings of a hypothesis.
pub(super) const HYPOTHESIS_OPENINGS: &[&str] =
    &["if we", "if i ", "what if", "in case we", "could we"];

/// Cues before a mention that make it an open question.
pub(super) const HYPOTHESIS_BEFORE: &[&str] = &[
    "whether",
    "considering",
    "considered",
    "thinking about",
    "wondering if",
    "looked into whether",
    "would have used",
    "would've used",
    "could have used",
    "could've used",
    "should have used",
    "wish we had",
    "if only we had",
];

/// Cues before a mention that say it was read or heard about, not used.
pub(super) const READ_ABOUT_BEFORE: &[&str] = &[
    "read about",
    "reading about",
    "read up on",
    "read an article",
    "read a post",
    "read a blog",
    "watched a talk",
    "watched a video",
    "watched the talk",
    "listened to a podcast",
    "attended a talk",
    "attended a webinar",
];

/// Cues right before a mention that say it was not used.
pub(super) const NEGATION_BEFORE: &[&str] = &[
    "instead of",
    "rather than",
    "in place of",
    "ruled out",
    "decided against",
    "decided not to use",
    "didn't use",
    "did not use",
    "don't use",
    "do not use",
    "didn't need",
    "did not need",
    "never used",
    "not using",
    "without",
    "avoided",
    "rejected",
    "dropped the idea of",
    "no need for",
    "didn't get to",
    "did not get to",
    "never got to",
    "couldn't get to",
    "no time for",
    "postponed",
    "put off",
];

/// Cues right after a mention that say it was not used.
pub(super) const NEGATION_AFTER: &[&str] = &[
    "was ruled out",
    "were ruled out",
    "got ruled out",
    "was rejected",
    "were rejected",
    "wasn't needed",
    "was not needed",
    "weren't needed",
    "isn't needed",
    "is not needed",
    "was overkill",
    "would be overkill",
    "didn't make the cut",
];
