//! Imports end to end on the in-memory backends: real git repositories built
//! in temp folders (several authors, a merge, a bot, branches, a rewritten
//! day), Markdown, jrnl, CSV and JSON Lines fixtures; re-imports that create
//! nothing; one bad row that stores nothing.
#![cfg(feature = "git")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use afterresume_backends::git::{GitImportOptions, read_repository};
use afterresume_backends::memory::*;
use afterresume_core::domain::{NewUser, UserId, WorkLog, WorkLogFilter};
use afterresume_core::import::{ImportEntry, ImportFormat, parse_path};
use afterresume_core::ports::{SharedDomainStore, UserStore, WorkLogStore};
use afterresume_core::service::import::{ImportOptions, ImportReport};
use afterresume_core::service::{Actor, App};
use afterresume_core::workflows::register_builtin_workflows;
use afterresume_core::{Engine, agents::AgentServices};
use chrono::Utc;

const ALICE: &str = "alice@example.com";

fn app() -> (App, Arc<MemoryDomainStore>) {
    let domain = Arc::new(MemoryDomainStore::new());
    let builder = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::new()))
        .with_event_sink(Arc::new(MemoryEventSink::new()));
    let services = AgentServices::new(Arc::clone(&domain) as SharedDomainStore);
    let engine = register_builtin_workflows(builder, services)
        .build()
        .unwrap();
    (App::new(engine, Arc::clone(&domain) as _), domain)
}

async fn user(domain: &MemoryDomainStore, name: &str) -> UserId {
    let new = NewUser {
        username: name.into(),
        email: format!("{name}@example.com"),
        full_name: String::new(),
        password_hash: "x".into(),
        is_staff: false,
    };
    domain.create_user(new, Utc::now()).await.unwrap().id
}

async fn import(app: &App, user: UserId, entries: Vec<ImportEntry>) -> ImportReport {
    app.import_entries(
        &Actor::system(),
        Some(user),
        entries,
        ImportOptions::default(),
    )
    .await
    .unwrap()
}

async fn worklogs(domain: &MemoryDomainStore, user: UserId) -> Vec<WorkLog> {
    let filter = WorkLogFilter {
        user_id: Some(user),
        limit: 1000,
        ..Default::default()
    };
    let mut all = domain.list_worklogs(&filter).await.unwrap();
    all.sort_by_key(|w| w.date);
    all
}

/// `git` with a fixed identity and time, in `dir`.
fn git(dir: &Path, args: &[&str], author: (&str, &str), when: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1)
        .env("GIT_COMMITTER_DATE", when)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit(dir: &Path, file: &str, message: &str, author: (&str, &str), when: &str) {
    std::fs::write(dir.join(file), format!("{message}\n{when}\n")).unwrap();
    git(dir, &["add", file], author, when);
    git(dir, &["commit", "-q", "-m", message], author, when);
}

const A: (&str, &str) = ("Alice", ALICE);
const B: (&str, &str) = ("Bob", "bob@example.com");
const BOT: (&str, &str) = (
    "dependabot[bot]",
    "49699333+dependabot[bot]@users.noreply.github.com",
);

/// billing-service: Alice on two days (one late at night in UTC-5), Bob, a
/// bot, a feature branch merged with a merge commit, a branch never merged.
fn repository(root: &Path) -> std::path::PathBuf {
    let dir = root.join("billing-service");
    std::fs::create_dir_all(&dir).unwrap();
    git(
        &dir,
        &["init", "-q", "-b", "main"],
        A,
        "2026-11-20T09:00:00+00:00",
    );
    commit(
        &dir,
        "a.txt",
        "Add invoice export\n\nStreams rows instead of loading them.\nSigned-off-by: Alice <alice@example.com>",
        A,
        "2026-11-20T09:00:00+00:00",
    );
    commit(
        &dir,
        "b.txt",
        "Fix rounding in totals",
        B,
        "2026-11-20T10:00:00+00:00",
    );
    commit(
        &dir,
        "c.txt",
        "Bump serde from 1.0.1 to 1.0.2",
        BOT,
        "2026-11-20T11:00:00+00:00",
    );
    git(
        &dir,
        &["checkout", "-q", "-b", "feature"],
        A,
        "2026-11-20T12:00:00+00:00",
    );
    // 23:30 in UTC-5 is the 21st in UTC, but Alice's day is the 20th.
    commit(
        &dir,
        "d.txt",
        "Cache exchange rates",
        A,
        "2026-11-20T23:30:00-05:00",
    );
    git(
        &dir,
        &["checkout", "-q", "main"],
        A,
        "2026-11-21T09:00:00+00:00",
    );
    git(
        &dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "feature",
            "-m",
            "Merge branch 'feature'",
        ],
        A,
        "2026-11-21T09:00:00+00:00",
    );
    git(
        &dir,
        &["checkout", "-q", "-b", "spike"],
        A,
        "2026-11-22T09:00:00+00:00",
    );
    commit(
        &dir,
        "e.txt",
        "Try a Postgres advisory lock",
        A,
        "2026-11-22T09:00:00+00:00",
    );
    git(
        &dir,
        &["checkout", "-q", "main"],
        A,
        "2026-11-22T10:00:00+00:00",
    );
    dir
}

fn alice_only() -> GitImportOptions {
    GitImportOptions {
        authors: vec!["ALICE@example.com".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn git_history_becomes_one_entry_per_day_and_re_imports_create_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repository(tmp.path());
    let read = read_repository(&dir, &alice_only(), &mut |_| {}).unwrap();
    assert_eq!(read.repository, "billing-service");
    assert_eq!((read.commits, read.merges, read.bots), (3, 1, 1));
    assert_eq!(read.others, 1, "Bob's commit");
    let days: Vec<String> = read.entries.iter().map(|e| e.date.to_string()).collect();
    assert_eq!(
        days,
        ["2026-11-20", "2026-11-22"],
        "the author's own day; the spike branch too"
    );
    let first = &read.entries[0];
    assert_eq!(
        first.content,
        "- Add invoice export\n  Streams rows instead of loading them.\n- Cache exchange rates"
    );
    assert_eq!(first.tags, ["billing-service"]);
    assert_eq!(first.source, "git");
    assert_eq!(first.title.as_deref(), Some("billing-service: 2 commits"));

    let (app, domain) = app();
    let alice = user(&domain, "alice").await;
    let report = import(&app, alice, read.entries.clone()).await;
    assert_eq!((report.summary.created, report.summary.updated), (2, 0));
    let again = import(&app, alice, read.entries).await;
    assert_eq!(
        (
            again.summary.created,
            again.summary.updated,
            again.summary.unchanged
        ),
        (0, 0, 2)
    );
    assert_eq!(worklogs(&domain, alice).await.len(), 2);

    // Rewrite the 22nd: amend the spike's commit message.
    git(
        &dir,
        &["checkout", "-q", "spike"],
        A,
        "2026-11-22T09:00:00+00:00",
    );
    git(
        &dir,
        &[
            "commit",
            "-q",
            "--amend",
            "-m",
            "Use a Postgres advisory lock for the exporter",
        ],
        A,
        "2026-11-22T09:00:00+00:00",
    );
    let read = read_repository(&dir, &alice_only(), &mut |_| {}).unwrap();
    let report = import(&app, alice, read.entries).await;
    assert_eq!(
        (
            report.summary.created,
            report.summary.updated,
            report.summary.unchanged
        ),
        (0, 1, 1)
    );
    let stored = worklogs(&domain, alice).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1].content,
        "- Use a Postgres advisory lock for the exporter"
    );

    // A clone elsewhere is the same repository: same ids, nothing new.
    let clone = tmp.path().join("elsewhere");
    let out = Command::new("git")
        .args(["clone", "-q", "--mirror"])
        .arg(&dir)
        .arg(&clone)
        .output()
        .unwrap();
    assert!(out.status.success());
    let read = read_repository(&clone, &alice_only(), &mut |_| {}).unwrap();
    let report = import(&app, alice, read.entries).await;
    assert_eq!(report.summary.created, 0, "{report:?}");
}

#[tokio::test]
async fn git_dates_bound_the_import_and_bad_paths_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repository(tmp.path());
    let options = GitImportOptions {
        since: Some("2026-11-21".parse().unwrap()),
        ..alice_only()
    };
    let read = read_repository(&dir, &options, &mut |_| {}).unwrap();
    let days: Vec<String> = read.entries.iter().map(|e| e.date.to_string()).collect();
    assert_eq!(days, ["2026-11-22"]);

    let not_a_repo = tmp.path().join("plain");
    std::fs::create_dir_all(&not_a_repo).unwrap();
    let err = read_repository(&not_a_repo, &alice_only(), &mut |_| {}).unwrap_err();
    assert!(
        err.message()
            .starts_with(&format!("{}: not a git repository", not_a_repo.display())),
        "{err}"
    );
    let err = read_repository(&dir, &GitImportOptions::default(), &mut |_| {}).unwrap_err();
    assert!(err.message().starts_with("author:"), "{err}");
}

/// Writes `files` under a temp folder and returns it.
fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    tmp
}

#[tokio::test]
async fn notes_journals_csv_and_json_lines_import_once() {
    let notes = fixture(&[
        (
            "vault/2026-11-23.md",
            "---\ntags: [daily]\n---\n- Fixed the #billing export.\n",
        ),
        (
            "vault/journals/2026_11_24.md",
            "- Paired on #search ranking.\n",
        ),
        ("vault/ideas.md", "not a day"),
        ("vault/.obsidian/2026-11-25.md", "hidden"),
        ("vault/2026-11-26.md", "## Tasks\n- [ ] \n"),
        (
            "log.md",
            "# Log\n\n## 2026-11-23\nShipped the exporter.\n\n## 2026-11-24\nReviewed PRs.\n",
        ),
        (
            "journal.txt",
            "[2026-11-23 09:15] Fixed the @billing export.\nIt streams now.\n\n[2026-11-24 10:00 AM] Planned Q1.\n",
        ),
        (
            "notes.csv",
            "date,content,tags\n2026-11-23,Wrote the runbook,ops\n2026-11-24,Rotated keys,ops;security\n",
        ),
        (
            "notes.jsonl",
            "{\"date\": \"2026-11-23\", \"content\": \"Tuned the query\", \"id\": \"q1\"}\n",
        ),
    ]);
    let (app, domain) = app();
    let alice = user(&domain, "alice").await;
    let cases = [
        (ImportFormat::Markdown, "vault", 2, 2),
        (ImportFormat::Markdown, "log.md", 2, 0),
        (ImportFormat::Jrnl, "journal.txt", 2, 0),
        (ImportFormat::Csv, "notes.csv", 2, 0),
        (ImportFormat::Jsonl, "notes.jsonl", 1, 0),
    ];
    for (format, name, created, skipped) in cases {
        let parsed = parse_path(format, &notes.path().join(name)).unwrap();
        assert_eq!(parsed.skipped, skipped, "{name}");
        let report = import(&app, alice, parsed.entries.clone()).await;
        assert_eq!(report.summary.created, created, "{name}: {report:?}");
        let again = import(&app, alice, parsed.entries).await;
        assert_eq!(
            again.summary.unchanged, created,
            "{name}: re-import changes nothing"
        );
    }
    let stored = worklogs(&domain, alice).await;
    assert_eq!(stored.len(), 9);
    let vault = stored
        .iter()
        .find(|w| w.source == "markdown" && w.content.contains("#billing"))
        .unwrap();
    assert_eq!(vault.tags, ["billing"]);
    let jrnl = stored.iter().find(|w| w.source == "jrnl").unwrap();
    assert_eq!(jrnl.title.as_deref(), Some("Fixed the @billing export."));

    // An edited CSV row updates its worklog; nothing else moves.
    std::fs::write(
        notes.path().join("notes.csv"),
        "date,content,tags\n2026-11-23,Wrote the on-call runbook,ops\n2026-11-24,Rotated keys,ops;security\n",
    )
    .unwrap();
    let parsed = parse_path(ImportFormat::Csv, &notes.path().join("notes.csv")).unwrap();
    let report = import(&app, alice, parsed.entries).await;
    assert_eq!((report.summary.updated, report.summary.unchanged), (1, 1));
    assert_eq!(worklogs(&domain, alice).await.len(), 9);
}

#[tokio::test]
async fn one_bad_row_stores_nothing_and_names_every_problem() {
    let (app, domain) = app();
    let alice = user(&domain, "alice").await;
    let long = "x".repeat(100_001);
    let files = fixture(&[(
        "bad.csv",
        &format!("date,content\n2026-11-23,fine\n2026-11-24,{long}\n2026-11-25,   \n"),
    )]);
    let err = parse_path(ImportFormat::Csv, &files.path().join("bad.csv")).unwrap_err();
    assert!(
        err.message()
            .starts_with("2 rows are invalid; nothing was imported"),
        "{err}"
    );
    let listed: Vec<&str> = err.context().iter().map(|(_, v)| v.as_str()).collect();
    let shown = files.path().join("bad.csv").display().to_string();
    assert!(
        listed[0].starts_with(&format!("{shown}:3: content: longer than")),
        "{listed:?}"
    );
    assert!(
        listed[1].starts_with(&format!("{shown}:4: content: must not be empty")),
        "{listed:?}"
    );
    // The use case checks again: entries from any reader, one bad, store nothing.
    let good = fixture(&[("good.csv", "date,content\n2026-11-23,fine\n")]);
    let mut entries = parse_path(ImportFormat::Csv, &good.path().join("good.csv"))
        .unwrap()
        .entries;
    let mut bad = entries[0].clone();
    bad.external_id = "csv:good:other".into();
    bad.tags = vec![" ".into()];
    entries.push(bad);
    let err = app
        .import_entries(
            &Actor::system(),
            Some(alice),
            entries,
            ImportOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.message().contains("tags:"), "{err}");
    assert!(worklogs(&domain, alice).await.is_empty());

    let err = parse_path(ImportFormat::Csv, &files.path().join("missing.csv")).unwrap_err();
    assert!(err.message().contains("missing.csv: cannot read"), "{err}");
    let big = fixture(&[("big.md", &"a".repeat(10 * 1024 * 1024))]);
    let err = parse_path(ImportFormat::Markdown, &big.path().join("big.md")).unwrap_err();
    assert!(err.message().contains("big.md: 10485760 bytes"), "{err}");
}

#[tokio::test]
async fn a_dry_run_counts_and_stores_nothing_and_analysis_is_one_bulk_enqueue() {
    let (app, domain) = app();
    let alice = user(&domain, "alice").await;
    let files = fixture(&[(
        "n.jsonl",
        "{\"date\": \"2026-11-23\", \"content\": \"Tuned the Postgres query\"}\n{\"date\": \"2026-11-24\", \"content\": \"Wrote Rust\"}\n",
    )]);
    let parsed = parse_path(ImportFormat::Jsonl, &files.path().join("n.jsonl")).unwrap();
    let dry = app
        .import_entries(
            &Actor::system(),
            Some(alice),
            parsed.entries.clone(),
            ImportOptions {
                dry_run: true,
                analyze: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(dry.summary.created, 2);
    assert_eq!(dry.analysis_jobs, 0);
    assert!(worklogs(&domain, alice).await.is_empty());
    let report = app
        .import_entries(
            &Actor::system(),
            Some(alice),
            parsed.entries,
            ImportOptions {
                dry_run: false,
                analyze: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.analysis_jobs, 2);
    assert_eq!(report.changed.len(), 2);
}
