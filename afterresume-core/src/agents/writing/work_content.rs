//! Whether a worklog is about work at all. A journal also holds "fixed the chain
//! on my bike" and "dentist at 3"; those stay out of reports and the resume.

use crate::agents::WorklogAnalysis;

/// Words of private life; an entry with one of them and no technology, ticket or
/// work word is personal.
const PERSONAL: &[&str] = &[
    "bike",
    "bicycle",
    "groceries",
    "grocery",
    "dentist",
    "doctor",
    "gym",
    "garden",
    "laundry",
    "kids",
    "kid",
    "daughter",
    "son",
    "wife",
    "husband",
    "partner",
    "dinner",
    "breakfast",
    "vacation",
    "holiday",
    "birthday",
    "haircut",
    "car",
    "apartment",
    "chores",
    "dog",
    "cat",
    "cooking",
    "cooked",
    "movie",
    "hike",
    "hiking",
    "workout",
    "yoga",
    "family",
    "weekend",
];

/// Words that place an entry at work.
const WORK: &[&str] = &[
    "api",
    "service",
    "services",
    "endpoint",
    "endpoints",
    "bug",
    "bugs",
    "test",
    "tests",
    "deploy",
    "deployed",
    "release",
    "released",
    "pipeline",
    "pr",
    "prs",
    "pull",
    "review",
    "reviewed",
    "customer",
    "customers",
    "ticket",
    "tickets",
    "query",
    "queries",
    "database",
    "db",
    "server",
    "servers",
    "cluster",
    "build",
    "builds",
    "migration",
    "feature",
    "features",
    "code",
    "codebase",
    "repo",
    "repository",
    "incident",
    "postmortem",
    "design",
    "spec",
    "docs",
    "documentation",
    "runbook",
    "dashboard",
    "dashboards",
    "alert",
    "alerts",
    "metrics",
    "latency",
    "team",
    "sprint",
    "meeting",
    "meetings",
    "standup",
    "retro",
    "planning",
    "client",
    "app",
    "ui",
    "backend",
    "frontend",
    "schema",
    "script",
    "job",
    "jobs",
    "worker",
    "queue",
    "cache",
    "index",
    "config",
    "infra",
    "branch",
    "commit",
    "merge",
    "merged",
    "demo",
    "stakeholder",
    "stakeholders",
    "roadmap",
    "on-call",
    "oncall",
    "outage",
    "performance",
    "module",
    "library",
    "sdk",
    "integration",
    "report",
    "interview",
    "onboarding",
    "mentored",
    "prototype",
    "refactor",
    "refactored",
    "staging",
    "production",
    "prod",
    "users",
    "bugfix",
    "hotfix",
    "regression",
    "estimate",
    "estimates",
    "architecture",
    "requirements",
    "ci",
    "pager",
    "paged",
    "migrated",
    "implemented",
    "shipped",
    "exporter",
    "importer",
    "parser",
    "webhook",
    "webhooks",
    "auth",
    "login",
    "rollout",
    "logging",
    "monitoring",
    "kernel",
    "firmware",
    "driver",
    "compiler",
    "1:1",
    "okr",
    "okrs",
    "project",
    "product",
];

/// Whether one sentence is about private life: a word of it and no work word
/// ("Fixed the chain on my bike." inside an otherwise busy day).
pub(crate) fn is_private(sentence: &str) -> bool {
    let (work, personal) = counts(sentence);
    personal > 0 && work == 0
}

fn counts(text: &str) -> (usize, usize) {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == ':' || c == '-'))
        .map(|w| w.trim_matches([':', '-']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    let work = words.iter().filter(|w| WORK.contains(&w.as_str())).count();
    let personal = words
        .iter()
        .filter(|w| PERSONAL.contains(&w.as_str()))
        .count();
    (work, personal)
}

/// Whether an entry is about work: it names a technology or a ticket, uses a
/// work word that no word of private life outweighs, or reports an action and
/// nothing private.
pub(crate) fn is_work(content: &str, analysis: &WorklogAnalysis) -> bool {
    if !analysis.skills.is_empty() || !analysis.references.is_empty() {
        return true;
    }
    let (work, personal) = counts(content);
    // "Found a memory leak; fixed it" names no work word the list knows, but
    // reports work done, and nothing private.
    let reports_an_action = || {
        super::statements(content)
            .iter()
            .any(|s| s.kind == super::StatementKind::Action)
    };
    work > personal || (personal == 0 && reports_an_action())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::LocalWorklogAgent;
    use crate::agents::worklog::test_worklog;
    use crate::taxonomy::SharedTaxonomy;

    fn work(content: &str) -> bool {
        let compiled = SharedTaxonomy::builtin().current();
        let w = test_worklog(content);
        let analysis = LocalWorklogAgent.analyze(&w, &compiled.matcher, "test");
        is_work(content, &analysis)
    }

    #[test]
    fn private_life_is_not_work() {
        assert!(!work(
            "Fixed the chain on my bike, the chain has rust on it."
        ));
        assert!(!work("Dentist at 3, then groceries."));
        assert!(!work("Lovely walk."));
        assert!(work("Mostly meetings today."));
        assert!(work("Fixed the login page for the mobile app."));
        assert!(work("Moved billing to PostgreSQL."));
        assert!(work("Closed PAY-42."));
        assert!(work(
            "Found a memory leak in the invoice renderer. Fixed it."
        ));
        assert!(is_private("Fixed the chain on my bike."));
        assert!(!is_private("Fixed the bike-share API."));
        assert!(!is_private("Shipped the exporter."));
    }
}
