//! Import throughput: a git repository of N commits (built with `git
//! fast-import`, two authors, a merge every 50 commits) read with the gix
//! reader, and its days plus a JSON Lines journal written through the import
//! use case into the embedded default (a SQLite file). Prints commits/s and
//! entries/s.
//!
//! `cargo run --release -p afterresume-benches --bin import-bench -- --commits 100000`

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use afterresume_backends::git::{GitImportOptions, read_repository};
use afterresume_backends::system::{Settings, System};
use afterresume_core::EngineConfig;
use afterresume_core::accounts::NewAccount;
use afterresume_core::import::{ImportEntry, ImportFormat, parse_bytes};
use afterresume_core::service::import::ImportOptions;
use afterresume_core::service::{Actor, App};
use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    /// Commits in the generated repository.
    #[arg(long, default_value_t = 100_000)]
    commits: usize,
    /// Entries in the generated JSON Lines journal.
    #[arg(long, default_value_t = 10_000)]
    journal: usize,
}

const ALICE: &str = "alice@example.com";

fn main() {
    let args = Args::parse();
    let tmp = tempfile::tempdir().expect("a temp folder");
    let repo = tmp.path().join("big-repo");
    let started = Instant::now();
    build_repository(&repo, args.commits);
    println!(
        "built a repository of {} commits in {:.1} s (git fast-import)",
        args.commits,
        started.elapsed().as_secs_f64()
    );

    let options = GitImportOptions {
        authors: vec![ALICE.into()],
        ..Default::default()
    };
    let started = Instant::now();
    let read = read_repository(&repo, &options, &mut |_| {}).expect("the repository reads");
    let read_secs = started.elapsed().as_secs_f64();
    println!(
        "git read: {} commits walked, {} of Alice's in {} days, in {read_secs:.2} s = {:.0} commits/s",
        read.walked,
        read.commits,
        read.entries.len(),
        read.walked as f64 / read_secs
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let journal = journal(args.journal);
    runtime.block_on(async {
        let data = tmp.path().join("data");
        let settings = Settings::from_lookup(|name| {
            (name == "AFTERRESUME_DATA_DIR").then(|| data.display().to_string())
        })
        .expect("settings");
        let system = System::open(&settings).await.expect("the embedded default opens");
        let engine = system
            .engine_builder(EngineConfig::default())
            .build()
            .expect("an engine");
        let app = App::new(engine, std::sync::Arc::clone(&system.domain));
        let user = app
            .accounts()
            .create_user(
                NewAccount {
                    username: "alice".into(),
                    email: ALICE.into(),
                    full_name: String::new(),
                    password: "bench-password".into(),
                    is_staff: false,
                },
                chrono::Utc::now(),
            )
            .await
            .expect("a user")
            .id;
        let write = |entries: Vec<ImportEntry>| {
            let app = app.clone();
            async move {
                let started = Instant::now();
                let mut created = 0;
                for chunk in entries.chunks(1000) {
                    let report = app
                        .import_entries(
                            &Actor::system(),
                            Some(user),
                            chunk.to_vec(),
                            ImportOptions::default(),
                        )
                        .await
                        .expect("the import succeeds");
                    created += report.summary.created;
                }
                (created, started.elapsed().as_secs_f64())
            }
        };
        let (created, secs) = write(read.entries.clone()).await;
        println!(
            "git days written (SQLite): {created} entries in {secs:.2} s = {:.0} entries/s; \
             read + write of {} commits: {:.2} s",
            created as f64 / secs,
            read.walked,
            read_secs + secs
        );
        let (again, secs) = write(read.entries.clone()).await;
        println!("re-import of the same days: {again} created in {secs:.2} s");

        let started = Instant::now();
        let parsed = parse_bytes(ImportFormat::Jsonl, "journal.jsonl", journal.as_bytes())
            .expect("the journal parses");
        let parse_secs = started.elapsed().as_secs_f64();
        let (created, secs) = write(parsed.entries).await;
        println!(
            "JSON Lines: {created} entries parsed in {parse_secs:.2} s and written in {secs:.2} s = {:.0} entries/s",
            created as f64 / (parse_secs + secs)
        );
    });
}

/// A repository of `commits` commits over `commits / 100` days: Alice 80%,
/// Bob 20%, a merge every 50 commits.
fn build_repository(dir: &Path, commits: usize) {
    std::fs::create_dir_all(dir).expect("the folder");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    let mut stream = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
    let start = 1_700_000_000i64;
    for i in 1..=commits {
        let when = start + (i as i64) * 864; // 100 commits a day
        let (name, email) = if i % 5 == 0 {
            ("Bob", "bob@example.com")
        } else {
            ("Alice", ALICE)
        };
        let message = format!("Change {i}: tune the exporter\n\nDetails of change {i}.\n");
        let branch = if i % 50 == 25 { "side" } else { "main" };
        writeln!(stream, "commit refs/heads/{branch}").unwrap();
        writeln!(stream, "mark :{i}").unwrap();
        writeln!(stream, "author {name} <{email}> {when} +0000").unwrap();
        writeln!(stream, "committer {name} <{email}> {when} +0000").unwrap();
        writeln!(stream, "data {}\n{message}", message.len()).unwrap();
        if i > 1 {
            writeln!(stream, "from :{}", i - 1).unwrap();
        }
        if i % 50 == 0 {
            writeln!(stream, "merge :{}", i - 25).unwrap();
        }
        writeln!(
            stream,
            "M 644 inline file.txt\ndata {}\n{i}\n",
            format!("{i}\n").len()
        )
        .unwrap();
    }
    drop(stream);
    assert!(
        child.wait().expect("fast-import ends").success(),
        "fast-import failed"
    );
}

/// A JSON Lines journal of `n` entries over `n / 4` days.
fn journal(n: usize) -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    (0..n)
        .map(|i| {
            let date = first + chrono::Days::new((i / 4) as u64);
            format!(
                "{{\"date\": \"{date}\", \"content\": \"Entry {i}: reviewed the Rust exporter and tuned Postgres.\", \"tags\": [\"bench\"]}}\n"
            )
        })
        .collect()
}
