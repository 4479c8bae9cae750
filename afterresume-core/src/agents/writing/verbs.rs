//! The work verbs the built-in writer knows: their past tense, their other forms
//! ("fix", "fixes", "fixing") and the kind of work each one usually means. A bullet
//! starts with one of them in the past tense, so the lexicon is what turns
//! "spent the day debugging the importer" into "Debugged the importer".

use crate::agents::WorkCategory;

/// One verb: its base form, past tense and the work it names.
struct Verb {
    base: &'static str,
    past: &'static str,
    category: WorkCategory,
}

const fn verb(base: &'static str, past: &'static str, category: WorkCategory) -> Verb {
    Verb {
        base,
        past,
        category,
    }
}

use WorkCategory::{
    Bugfix, Docs, Feature, Incident, Infra, Meeting, Mentoring, Other, Refactor, Research, Review,
    Testing,
};

/// Regular verbs list their past tense too, so nothing is derived by guesswork.
const VERBS: &[Verb] = &[
    verb("add", "added", Feature),
    verb("implement", "implemented", Feature),
    verb("build", "built", Feature),
    verb("ship", "shipped", Feature),
    verb("launch", "launched", Feature),
    verb("release", "released", Feature),
    verb("introduce", "introduced", Feature),
    verb("create", "created", Feature),
    verb("design", "designed", Feature),
    verb("develop", "developed", Feature),
    verb("integrate", "integrated", Feature),
    verb("enable", "enabled", Feature),
    verb("extend", "extended", Feature),
    verb("expose", "exposed", Feature),
    verb("wire", "wired", Feature),
    verb("make", "made", Feature),
    verb("finish", "finished", Feature),
    verb("complete", "completed", Feature),
    verb("deliver", "delivered", Feature),
    verb("support", "supported", Feature),
    verb("prototype", "prototyped", Research),
    verb("write", "wrote", Feature),
    verb("rewrite", "rewrote", Refactor),
    verb("port", "ported", Refactor),
    verb("convert", "converted", Refactor),
    verb("replace", "replaced", Refactor),
    verb("refactor", "refactored", Refactor),
    verb("simplify", "simplified", Refactor),
    verb("clean", "cleaned", Refactor),
    verb("remove", "removed", Refactor),
    verb("delete", "deleted", Refactor),
    verb("extract", "extracted", Refactor),
    verb("split", "split", Refactor),
    verb("rename", "renamed", Refactor),
    verb("consolidate", "consolidated", Refactor),
    verb("deprecate", "deprecated", Refactor),
    verb("fix", "fixed", Bugfix),
    verb("patch", "patched", Bugfix),
    verb("debug", "debugged", Bugfix),
    verb("resolve", "resolved", Bugfix),
    verb("repair", "repaired", Bugfix),
    verb("diagnose", "diagnosed", Bugfix),
    verb("reproduce", "reproduced", Bugfix),
    verb("troubleshoot", "troubleshot", Bugfix),
    verb("handle", "handled", Incident),
    verb("mitigate", "mitigated", Incident),
    verb("restore", "restored", Incident),
    verb("recover", "recovered", Incident),
    verb("roll", "rolled", Incident),
    verb("revert", "reverted", Incident),
    verb("respond", "responded", Incident),
    verb("deploy", "deployed", Infra),
    verb("migrate", "migrated", Infra),
    verb("move", "moved", Infra),
    verb("upgrade", "upgraded", Infra),
    verb("provision", "provisioned", Infra),
    verb("configure", "configured", Infra),
    verb("set", "set", Infra),
    verb("automate", "automated", Infra),
    verb("containerize", "containerized", Infra),
    verb("scale", "scaled", Infra),
    verb("rotate", "rotated", Infra),
    verb("install", "installed", Infra),
    verb("monitor", "monitored", Infra),
    verb("instrument", "instrumented", Infra),
    verb("harden", "hardened", Infra),
    verb("secure", "secured", Infra),
    verb("bump", "bumped", Infra),
    verb("optimize", "optimized", Feature),
    verb("optimise", "optimised", Feature),
    verb("tune", "tuned", Feature),
    verb("speed", "sped", Feature),
    verb("improve", "improved", Feature),
    verb("reduce", "reduced", Feature),
    verb("cut", "cut", Feature),
    verb("cache", "cached", Feature),
    verb("index", "indexed", Feature),
    verb("parallelize", "parallelized", Feature),
    verb("test", "tested", Testing),
    verb("cover", "covered", Testing),
    verb("benchmark", "benchmarked", Testing),
    verb("profile", "profiled", Research),
    verb("measure", "measured", Research),
    verb("validate", "validated", Testing),
    verb("verify", "verified", Testing),
    verb("review", "reviewed", Review),
    verb("approve", "approved", Review),
    verb("audit", "audited", Review),
    verb("document", "documented", Docs),
    verb("draft", "drafted", Docs),
    verb("publish", "published", Docs),
    verb("present", "presented", Docs),
    verb("investigate", "investigated", Research),
    verb("research", "researched", Research),
    verb("explore", "explored", Research),
    verb("evaluate", "evaluated", Research),
    verb("compare", "compared", Research),
    verb("analyze", "analyzed", Research),
    verb("analyse", "analysed", Research),
    verb("spike", "spiked", Research),
    verb("find", "found", Research),
    verb("identify", "identified", Research),
    verb("trace", "traced", Research),
    verb("plan", "planned", Meeting),
    verb("organize", "organized", Meeting),
    verb("run", "ran", Meeting),
    verb("lead", "led", Mentoring),
    verb("facilitate", "facilitated", Meeting),
    verb("coordinate", "coordinated", Meeting),
    verb("discuss", "discussed", Meeting),
    verb("attend", "attended", Meeting),
    verb("meet", "met", Meeting),
    verb("sync", "synced", Meeting),
    verb("mentor", "mentored", Mentoring),
    verb("coach", "coached", Mentoring),
    verb("onboard", "onboarded", Mentoring),
    verb("teach", "taught", Mentoring),
    verb("train", "trained", Mentoring),
    verb("pair", "paired", Mentoring),
    verb("interview", "interviewed", Mentoring),
    verb("help", "helped", Mentoring),
    verb("work", "worked", Other),
    verb("update", "updated", Other),
    verb("change", "changed", Other),
    verb("tweak", "tweaked", Other),
    verb("start", "started", Other),
    verb("continue", "continued", Other),
    verb("keep", "kept", Other),
    verb("get", "got", Other),
    verb("take", "took", Other),
    verb("give", "gave", Mentoring),
    verb("merge", "merged", Feature),
    verb("land", "landed", Feature),
    verb("open", "opened", Other),
    verb("close", "closed", Other),
    verb("triage", "triaged", Bugfix),
    verb("tidy", "tidied", Refactor),
    verb("shrink", "shrank", Feature),
    verb("halve", "halved", Feature),
    verb("double", "doubled", Feature),
    verb("lower", "lowered", Feature),
    verb("raise", "raised", Feature),
    verb("increase", "increased", Feature),
    verb("decrease", "decreased", Feature),
    verb("eliminate", "eliminated", Feature),
    verb("drop", "dropped", Refactor),
];

/// A verb read at the start of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VerbForm {
    /// The past tense to write.
    pub(crate) past: &'static str,
    /// What kind of work the verb names.
    pub(crate) category: WorkCategory,
    /// Whether the word was already in the past tense.
    pub(crate) was_past: bool,
    /// Whether it was the "-ing" form (a verb for sure; "cache" may be a noun).
    pub(crate) was_participle: bool,
}

/// The verb `word` is a form of, if it is one the writer knows: base ("fix"),
/// third person ("fixes"), past ("fixed") or present participle ("fixing").
pub(crate) fn verb_form(word: &str) -> Option<VerbForm> {
    let word = word.to_lowercase();
    VERBS.iter().find_map(|v| {
        let found = |was_past, was_participle| VerbForm {
            past: v.past,
            category: v.category,
            was_past,
            was_participle,
        };
        if word == v.past {
            Some(found(true, false))
        } else if word == participle(v.base) {
            Some(found(false, true))
        } else if word == v.base || word == third_person(v.base) {
            Some(found(false, false))
        } else {
            None
        }
    })
}

fn third_person(base: &str) -> String {
    if base.ends_with(['s', 'x', 'z']) || base.ends_with("ch") || base.ends_with("sh") {
        format!("{base}es")
    } else if let Some(stem) = base.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{base}s")
    }
}

fn participle(base: &str) -> String {
    /// Verbs that double their last consonant ("shipping").
    const DOUBLING: &[&str] = &[
        "ship", "debug", "plan", "run", "set", "cut", "get", "drop", "split",
    ];
    if DOUBLING.contains(&base) {
        let last = &base[base.len() - 1..];
        return format!("{base}{last}ing");
    }
    match base.strip_suffix('e') {
        Some(stem) if !base.ends_with("ee") => format!("{stem}ing"),
        _ => format!("{base}ing"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_verb_leads_to_its_past_tense() {
        for (word, past, was_past) in [
            ("fixed", "fixed", true),
            ("fix", "fixed", false),
            ("fixes", "fixed", false),
            ("fixing", "fixed", false),
            ("debugging", "debugged", false),
            ("writing", "wrote", false),
            ("wrote", "wrote", true),
            ("Migrating", "migrated", false),
            ("set", "set", true),
            ("simplifies", "simplified", false),
            ("shipping", "shipped", false),
        ] {
            let form = verb_form(word).unwrap_or_else(|| panic!("{word}"));
            assert_eq!((form.past, form.was_past), (past, was_past), "{word}");
        }
        assert_eq!(verb_form("the"), None);
        assert_eq!(verb_form("meetings"), None);
    }

    #[test]
    fn verbs_carry_their_kind_of_work() {
        assert_eq!(verb_form("reviewed").unwrap().category, Review);
        assert_eq!(verb_form("fixed").unwrap().category, Bugfix);
        assert_eq!(verb_form("documented").unwrap().category, Docs);
    }
}
