//! The `afterresume` binary: the operator commands on one data directory, and the
//! startup checks that refuse, naming the variable, a wrong value or a service
//! that is down.

mod support;

use std::process::Command;

fn afterresume(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let data = tempfile::tempdir().unwrap();
    afterresume_in(data.path(), args, env)
}

fn afterresume_in(
    data: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let out = support::binary(data)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_runs_on_the_embedded_default() {
    let (ok, stdout, stderr) = afterresume(&["migrate"], &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("sqlite://"), "{stdout}");
}

#[test]
fn migrate_runs_on_postgres_with_redis_and_s3() {
    let pg = afterresume_backends::testing::required_env("AFTERRESUME_TEST_POSTGRES_URL");
    let redis = afterresume_backends::testing::required_env("AFTERRESUME_TEST_REDIS_URL");
    let s3 = afterresume_backends::testing::s3_options();
    let schema = afterresume_backends::testing::unique_namespace();
    let (ok, stdout, stderr) = afterresume(
        &["migrate"],
        &[
            ("DATABASE_URL", &pg),
            ("AFTERRESUME_POSTGRES_SCHEMA", &schema),
            ("REDIS_URL", &redis),
            ("MINIO_ENDPOINT", s3.endpoint.as_deref().unwrap()),
            ("MINIO_ACCESS_KEY", &s3.access_key),
            ("MINIO_SECRET_KEY", &s3.secret_key),
            ("MINIO_BUCKET", &s3.bucket),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(&format!("postgres (schema {schema})")),
        "{stdout}"
    );
    assert!(stdout.contains("queue: redis"), "{stdout}");
    assert!(stdout.contains("s3 bucket"), "{stdout}");
}

#[test]
fn bad_or_unreachable_settings_name_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_URL", "mysql://db/app")], "DATABASE_URL"),
        (
            &[("DATABASE_URL", "postgres://u:hunter2@127.0.0.1:1/app")],
            "DATABASE_URL",
        ),
        (&[("REDIS_URL", "redis://127.0.0.1:1/0")], "REDIS_URL"),
        (&[("REDIS_URL", "127.0.0.1:6379")], "REDIS_URL"),
        (&[("MINIO_ENDPOINT", "127.0.0.1:1")], "MINIO_ACCESS_KEY"),
        (
            &[
                ("MINIO_ENDPOINT", "127.0.0.1:1"),
                ("MINIO_ACCESS_KEY", "a"),
                ("MINIO_SECRET_KEY", "b"),
                ("MINIO_BUCKET", "c"),
            ],
            "MINIO_ENDPOINT",
        ),
    ];
    for (env, variable) in cases {
        let (ok, _stdout, stderr) = afterresume(&["migrate"], env);
        assert!(!ok, "{env:?} started");
        assert!(
            stderr.contains(&format!("afterresume: {variable}:")),
            "{env:?}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    }
}

#[test]
fn operator_commands_share_the_embedded_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| afterresume_in(data.path(), args, env);
    let (ok, stdout, stderr) = run(
        &["create-admin"],
        &[
            ("ADMIN_USERNAME", "root"),
            ("ADMIN_EMAIL", "root@example.com"),
            ("ADMIN_PASSWORD", "root-password"),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("created admin root"), "{stdout}");
    assert!(!stdout.contains("root-password") && !stderr.contains("root-password"));
    let (ok, _, stderr) = run(
        &[
            "create-user",
            "--username",
            "root",
            "--password",
            "another-pass",
        ],
        &[],
    );
    assert!(!ok && stderr.contains("taken"), "{stderr}");
    let (ok, _, stderr) = run(
        &["create-user", "--username", "bob", "--password", "short"],
        &[],
    );
    assert!(!ok && stderr.contains("password:"), "{stderr}");
    let (ok, _, stderr) = run(&["create-admin"], &[]);
    assert!(!ok && stderr.contains("--username"), "{stderr}");

    let (ok, stdout, stderr) = run(&["seed-demo"], &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("15 worklogs"), "{stdout}");
    let skills: usize = stdout
        .split(" skills")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(skills >= 15, "{stdout}");
    let (ok, _, stderr) = run(&["seed-demo"], &[]);
    assert!(!ok && stderr.contains("exists already"), "{stderr}");

    let (ok, stdout, stderr) = run(
        &[
            "enqueue",
            "resume.refresh",
            "{}",
            "--user",
            "demo",
            "--wait",
            "30",
        ],
        &[("AFTERRESUME_LOG_FORMAT", "json"), ("RUST_LOG", "debug")],
    );
    assert!(ok, "{stderr}");
    let job: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(job["status"], "success", "{job}");
    assert_eq!(job["trigger"], "cli", "{job}");
    // Logs for a shipper: one JSON object per line, never colour codes.
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "a worker at debug level logs something");
    for line in lines {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(record["level"].is_string() && record["timestamp"].is_string());
    }
    let (ok, _, stderr) = run(&["jobs", "list"], &[("RUST_LOG", "debug")]);
    assert!(
        ok && !stderr.is_empty() && !stderr.contains('\u{1b}'),
        "no colour into a pipe: {stderr}"
    );
    let (ok, _, stderr) = run(&["jobs", "list"], &[("AFTERRESUME_LOG_FORMAT", "yaml")]);
    assert!(
        !ok && stderr.contains("AFTERRESUME_LOG_FORMAT: 'yaml' is not one of text, json"),
        "{stderr}"
    );
    let (ok, _, stderr) = run(
        &[
            "enqueue",
            "report.generate",
            "{\"kind\": \"weekly\"}",
            "--user",
            "demo",
        ],
        &[],
    );
    assert!(!ok && stderr.contains("payload.kind"), "{stderr}");
    let (ok, _, stderr) = run(&["enqueue", "no.such-type"], &[]);
    assert!(!ok && stderr.contains("unknown job type"), "{stderr}");

    let (ok, stdout, _) = run(&["enqueue", "skills.extract", "{}", "--user", "demo"], &[]);
    assert!(ok);
    let queued: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let id = queued["id"].as_str().unwrap();
    // A unique key returns the queued job; a debounce key replaces it.
    let unique = ["enqueue", "skills.extract", "{}", "--unique-key", "nightly"];
    let (_, first, stderr) = run(&unique, &[]);
    let first: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|_| panic!("{stderr}"));
    let (_, again, _) = run(&unique, &[]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(first["id"], again["id"], "one queued job per unique key");
    let debounce = ["enqueue", "skills.extract", "{}", "--debounce-key", "u1"];
    let (_, older, _) = run(&debounce, &[]);
    let older: serde_json::Value = serde_json::from_str(&older).unwrap();
    let (_, newer, _) = run(&debounce, &[]);
    let newer: serde_json::Value = serde_json::from_str(&newer).unwrap();
    assert_ne!(older["id"], newer["id"]);
    let (_, shown, _) = run(&["jobs", "show", older["id"].as_str().unwrap()], &[]);
    assert!(
        shown.contains("\"cancelled\""),
        "the older debounced job is cancelled: {shown}"
    );
    let (ok, _, stderr) = run(
        &[
            "enqueue",
            "skills.extract",
            "{}",
            "--key",
            "k",
            "--unique-key",
            "u",
        ],
        &[],
    );
    assert!(!ok && stderr.contains("cannot be used with"), "{stderr}");
    let (ok, stdout, _) = run(&["jobs", "list", "--status", "queued"], &[]);
    assert!(ok && stdout.contains(id), "{stdout}");
    let (ok, stdout, _) = run(&["jobs", "show", id], &[]);
    assert!(ok && stdout.contains("job queued"), "{stdout}");
    let (ok, stdout, _) = run(&["jobs", "cancel", id], &[]);
    assert!(ok && stdout.contains("cancelled"), "{stdout}");
    let (ok, _, stderr) = run(&["jobs", "cancel", id], &[]);
    assert!(!ok, "a finished job cannot be cancelled again: {stderr}");
}

#[test]
fn profile_positions_and_resume_export_from_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let (ok, _, stderr) = run(&["seed-demo"]);
    assert!(ok, "{stderr}");

    let (ok, stdout, stderr) = run(&[
        "profile",
        "set",
        "--user",
        "demo",
        "--name",
        "Dana Demo",
        "--label",
        "Backend engineer",
        "--city",
        "Berlin",
        "--country-code",
        "DE",
    ]);
    assert!(ok, "{stderr}");
    let profile: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(profile["name"], "Dana Demo");
    assert_eq!(profile["location"]["countryCode"], "DE");
    let (ok, _, stderr) = run(&[
        "profile",
        "set",
        "--user",
        "demo",
        "--email",
        "not-an-address",
    ]);
    assert!(!ok && stderr.contains("email"), "{stderr}");
    let (ok, stdout, _) = run(&["profile", "show", "--user", "demo"]);
    assert!(
        ok && stdout.contains("Dana Demo"),
        "a refused change changes nothing: {stdout}"
    );

    let (ok, stdout, stderr) = run(&[
        "positions",
        "add",
        "--user",
        "demo",
        "--company",
        "Acme GmbH",
        "--title",
        "Senior Engineer",
        "--start",
        "2025-01-06",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Senior Engineer, Acme GmbH"), "{stdout}");
    let (ok, _, stderr) = run(&[
        "positions",
        "add",
        "--user",
        "demo",
        "--company",
        "X",
        "--title",
        "Y",
        "--start",
        "2025-02-30",
    ]);
    assert!(!ok && stderr.contains("start:"), "{stderr}");
    let (ok, stdout, _) = run(&["positions", "list", "--user", "demo"]);
    assert!(ok, "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("2025-01-06 – present"), "{stdout}");
    let (ok, _, stderr) = run(&["positions", "list", "--user", "nobody"]);
    assert!(!ok && stderr.contains("no user 'nobody'"), "{stderr}");

    let (ok, markdown, stderr) = run(&["resume", "export", "--user", "demo", "--refresh"]);
    assert!(ok, "{stderr}");
    assert!(markdown.starts_with("# Dana Demo"), "{markdown}");
    assert!(markdown.contains("Senior Engineer"), "{markdown}");
    let (ok, _, stderr) = run(&["resume", "export", "--user", "demo", "--format", "pdf"]);
    assert!(!ok && stderr.contains("--output"), "{stderr}");
    let pdf = data.path().join("resume.pdf");
    let (ok, _, stderr) = run(&[
        "resume",
        "export",
        "--user",
        "demo",
        "--format",
        "pdf",
        "--theme",
        "modern",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("resume.pdf"), "{stderr}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let (ok, _, stderr) = run(&["resume", "export", "--user", "demo", "--format", "docx"]);
    assert!(!ok && stderr.contains("format: 'docx'"), "{stderr}");
}

/// `git` in `dir` with a fixed identity and time.
fn git(dir: &std::path::Path, args: &[&str], email: &str, when: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Someone")
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_NAME", "Someone")
        .env("GIT_COMMITTER_EMAIL", email)
        .env("GIT_COMMITTER_DATE", when)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn import_reads_git_notes_and_files_with_a_summary_per_source() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let (ok, _, stderr) = run(&[
        "create-user",
        "--username",
        "alice",
        "--email",
        "alice@example.com",
        "--password",
        "alice-password",
    ]);
    assert!(ok, "{stderr}");
    let repo = data.path().join("billing");
    std::fs::create_dir_all(&repo).unwrap();
    git(
        &repo,
        &["init", "-q", "-b", "main"],
        "alice@example.com",
        "2026-11-20T09:00:00+00:00",
    );
    for (i, (email, when)) in [
        ("alice@example.com", "2026-11-20T09:00:00+00:00"),
        ("bob@example.com", "2026-11-20T10:00:00+00:00"),
        ("alice@example.com", "2026-11-21T09:00:00+00:00"),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(repo.join(format!("f{i}")), "x").unwrap();
        git(&repo, &["add", "."], email, when);
        git(
            &repo,
            &["commit", "-q", "-m", &format!("Change {i}")],
            email,
            when,
        );
    }
    let repo_arg = repo.to_str().unwrap();
    let (ok, stdout, stderr) = run(&["import", "git", repo_arg, "--user", "alice", "--dry-run"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("dry run: nothing was stored"), "{stdout}");
    let (ok, stdout, stderr) = run(&["import", "git", repo_arg, "--user", "alice"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("billing (2 of 3 commits; 0 merges, 0 by bots, 1 by others or outside the dates): 2 read: 2 created, 0 updated, 0 unchanged"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["import", "git", repo_arg, "--user", "alice"]);
    assert!(
        ok && stdout.contains("2 read: 0 created, 0 updated, 2 unchanged"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&[
        "import",
        "git",
        repo_arg,
        "--user",
        "alice",
        "--author",
        "bob@example.com",
    ]);
    assert!(ok && stdout.contains("1 of 3 commits"), "{stdout}");

    let notes = data.path().join("vault");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("2026-11-23.md"),
        "- Reviewed the #billing PRs.\n",
    )
    .unwrap();
    std::fs::write(notes.join("todo.md"), "later").unwrap();
    let (ok, stdout, stderr) = run(&[
        "import",
        "markdown",
        notes.to_str().unwrap(),
        "--user",
        "alice",
        "--analyze",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("1 read: 1 created, 0 updated, 0 unchanged, 1 skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("1 analysis jobs enqueued"), "{stdout}");

    let bad = data.path().join("bad.csv");
    std::fs::write(&bad, "date,content\n2026-11-23,ok\n2026-11-31,bad\n").unwrap();
    let (ok, _, stderr) = run(&["import", "csv", bad.to_str().unwrap(), "--user", "alice"]);
    assert!(!ok, "one bad row fails the import");
    assert!(
        stderr.contains(&format!("{}:3: date: '2026-11-31'", bad.display())),
        "{stderr}"
    );
    let (ok, _, stderr) = run(&[
        "import",
        "git",
        data.path().to_str().unwrap(),
        "--user",
        "alice",
    ]);
    assert!(!ok && stderr.contains("not a git repository"), "{stderr}");
    // Several repositories: one that is not a repository fails alone.
    let (ok, stdout, stderr) = run(&[
        "import",
        "git",
        repo_arg,
        data.path().to_str().unwrap(),
        "--user",
        "alice",
    ]);
    assert!(!ok, "{stdout}");
    assert!(stdout.contains("billing (2 of 3 commits"), "{stdout}");
    assert!(
        stderr.contains("failed: ") && stderr.contains("not a git repository"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 2 sources failed"), "{stderr}");
    let (ok, stdout, _) = run(&["jobs", "list", "--type", "worklog.analyze"]);
    assert!(ok && stdout.lines().count() == 1, "{stdout}");
}

#[test]
fn serve_refuses_bad_host_settings_naming_the_variable() {
    for (env, variable) in [
        (&[("SECRET_KEY", "too-short")][..], "SECRET_KEY"),
        (&[("DEBUG", "perhaps")][..], "DEBUG"),
        (
            &[("AFTERRESUME_MAX_BODY_BYTES", "-1")][..],
            "AFTERRESUME_MAX_BODY_BYTES",
        ),
    ] {
        let (ok, _, stderr) = afterresume(&["serve", "--bind", "127.0.0.1:0"], env);
        assert!(!ok, "{env:?} started");
        assert!(
            stderr.contains(&format!("afterresume: {variable}:")),
            "{stderr}"
        );
        assert!(
            !stderr.contains("too-short"),
            "secrets are not echoed: {stderr}"
        );
    }
}

#[test]
fn schedules_are_added_listed_paused_resumed_and_deleted_from_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let (ok, stdout, stderr) = run(&["schedules", "list"]);
    assert!(ok && stdout.contains("no schedules"), "{stdout}{stderr}");
    let (ok, stdout, stderr) = run(&[
        "schedules",
        "add",
        "weekly-summary",
        "--cron",
        "0 17 * * fri",
        "--tz",
        "America/New_York",
        "--type",
        "skills.extract",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("CRON_TZ=America/New_York 0 17 * * fri (America/New_York)")
            && stdout.contains("enabled"),
        "{stdout}"
    );
    let (ok, _, stderr) = run(&[
        "schedules",
        "add",
        "bad",
        "--cron",
        "0 17 * *",
        "--type",
        "skills.extract",
    ]);
    assert!(!ok && stderr.contains("expected 5 fields"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "schedules",
        "add",
        "bad",
        "--cron",
        "@daily",
        "--tz",
        "Nowhere",
        "--type",
        "skills.extract",
    ]);
    assert!(
        !ok && stderr.contains("'Nowhere' is not an IANA time zone"),
        "{stderr}"
    );
    let (ok, stdout, _) = run(&["schedules", "pause", "weekly-summary"]);
    assert!(ok && stdout.contains("paused"), "{stdout}");
    let (ok, stdout, _) = run(&["schedules", "list"]);
    assert!(
        ok && stdout.contains("paused") && !stdout.contains("bad"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["schedules", "resume", "weekly-summary"]);
    assert!(ok && stdout.contains("enabled"), "{stdout}");
    let (ok, stdout, _) = run(&["schedules", "delete", "weekly-summary"]);
    assert!(
        ok && stdout.contains("deleted schedule weekly-summary"),
        "{stdout}"
    );
    let (ok, _, stderr) = run(&["schedules", "pause", "weekly-summary"]);
    assert!(!ok && stderr.contains("not found"), "{stderr}");
}

#[test]
fn queues_are_listed_paused_and_resumed_from_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let (ok, stdout, stderr) = run(&["queues", "list"]);
    assert!(
        ok && stdout.contains("no queued or running jobs"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, stderr) = run(&[
        "enqueue",
        "skills.extract",
        "{\"user_id\": 1}",
        "--queue",
        "bulk",
        "--priority",
        "4",
    ]);
    assert!(ok, "{stderr}");
    let job: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (&job["queue"], &job["priority"]),
        (&serde_json::json!("bulk"), &serde_json::json!(4))
    );
    let (ok, _, stderr) = run(&["enqueue", "skills.extract", "{}", "--priority", "9"]);
    assert!(!ok && stderr.contains("priority: must be 1"), "{stderr}");
    let (ok, _, stderr) = run(&["enqueue", "skills.extract", "{}", "--queue", "Bulk Jobs"]);
    assert!(!ok && stderr.contains("queue: must be"), "{stderr}");

    let (ok, stdout, _) = run(&["queues", "pause", "bulk"]);
    assert!(ok && stdout.contains("queue bulk paused"), "{stdout}");
    let (ok, stdout, _) = run(&["queues", "pause", "bulk"]);
    assert!(
        ok && stdout.contains("queue bulk was already paused"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["queues", "list"]);
    assert!(ok && stdout.contains("bulk\tpaused\tready 1"), "{stdout}");
    let (ok, stdout, _) = run(&["queues", "resume", "bulk"]);
    assert!(ok && stdout.contains("queue bulk running"), "{stdout}");
    let (ok, stdout, _) = run(&["queues", "pause", "--type", "report.generate"]);
    assert!(
        ok && stdout.contains("job type report.generate paused"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["queues", "list"]);
    assert!(
        ok && stdout.contains("bulk\tactive")
            && stdout.contains("type report.generate\tpaused since"),
        "{stdout}"
    );
    let (ok, _, stderr) = run(&["queues", "pause", "Not/A/Queue"]);
    assert!(!ok && stderr.contains("queue: must be"), "{stderr}");
    let (ok, _, stderr) = run(&["worker", "--queues", "llm,Bad Name"]);
    assert!(!ok && stderr.contains("queue: must be"), "{stderr}");
}

/// A worker process with a pool of its own for one queue runs that queue's
/// jobs and leaves the others queued.
#[test]
fn a_worker_serves_its_queues_with_pools_of_their_own() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let enqueue = |queue: &str| {
        let (ok, stdout, stderr) = run(&[
            "enqueue",
            "skills.extract",
            "{\"user_id\": 1}",
            "--queue",
            queue,
        ]);
        assert!(ok, "{stderr}");
        let job: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        job["id"].as_str().unwrap().to_owned()
    };
    let (ok, _, stderr) = run(&[
        "create-user",
        "--username",
        "wes",
        "--password",
        "wes-password",
    ]);
    assert!(ok, "{stderr}");
    let mine = enqueue("llm");
    let other = enqueue("bulk");
    let mut worker = Command::new(env!("CARGO_BIN_EXE_afterresume"))
        .args(["worker", "--workers", "1", "--queues", "llm:2,reports"])
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("AFTERRESUME_DATA_DIR", data.path())
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let status = |id: &str| {
        let (ok, stdout, stderr) = run(&["jobs", "show", id]);
        assert!(ok, "{stderr}");
        let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        shown["job"]["status"].as_str().unwrap().to_owned()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while status(&mine) != "success" {
        assert!(
            std::time::Instant::now() < deadline,
            "the llm job never ran"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        status(&other),
        "queued",
        "a bulk job ran on a worker for llm and reports"
    );
    worker.kill().unwrap();
    worker.wait().unwrap();
    let (ok, _, stderr) = run(&["worker", "--queues", "llm:0"]);
    assert!(!ok && stderr.contains("'llm:0'"), "{stderr}");
}

#[test]
fn dead_jobs_are_listed_retried_and_purged_from_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| afterresume_in(data.path(), args, &[]);
    let (ok, _, stderr) = run(&[
        "create-user",
        "--username",
        "ann",
        "--password",
        "ann-password",
    ]);
    assert!(ok, "{stderr}");
    let (ok, stdout, _) = run(&["jobs", "dead"]);
    assert!(ok && stdout.contains("no dead jobs"), "{stdout}");
    let (ok, stdout, stderr) = run(&[
        "enqueue",
        "worklog.analyze",
        "{\"worklog_id\": 99999}",
        "--user",
        "ann",
        "--wait",
        "30",
    ]);
    assert!(ok, "{stderr}");
    let job: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(job["status"], "failed", "{job}");
    let id = job["id"].as_str().unwrap();
    let (ok, stdout, _) = run(&["jobs", "dead", "--type", "worklog.analyze"]);
    assert!(
        ok && stdout.contains(id) && stdout.contains("attempts 1"),
        "{stdout}"
    );
    let (ok, stdout, stderr) = run(&["jobs", "retry", id]);
    assert!(
        ok && stdout.contains("queued again (trigger retry)"),
        "{stdout}{stderr}"
    );
    let (ok, _, stderr) = run(&["jobs", "retry", id]);
    assert!(
        !ok && stderr.contains("only failed or cancelled jobs"),
        "{stderr}"
    );
    let (ok, stdout, _) = run(&["jobs", "dead"]);
    assert!(
        ok && stdout.contains("no dead jobs"),
        "a retried job is no longer dead: {stdout}"
    );
    let (ok, stdout, _) = run(&["jobs", "purge-dead"]);
    assert!(ok && stdout.contains("deleted 0 dead jobs"), "{stdout}");
    let (ok, _, _) = run(&["jobs", "cancel", id]);
    assert!(ok, "the queued retry is cancelled");
    let (ok, stdout, _) = run(&[
        "enqueue",
        "worklog.analyze",
        "{\"worklog_id\": 99998}",
        "--user",
        "ann",
        "--wait",
        "30",
    ]);
    assert!(ok && stdout.contains("\"failed\""), "{stdout}");
    let (ok, stdout, _) = run(&["jobs", "purge-dead"]);
    assert!(
        ok && stdout.contains("deleted 1 dead jobs and their events"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["jobs", "list"]);
    assert!(
        ok && stdout.contains(id) && stdout.contains("cancelled"),
        "the cancelled one stays: {stdout}"
    );
}
