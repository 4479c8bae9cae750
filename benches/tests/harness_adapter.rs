//! The harness adapter (`harness-adapter`) against the contract of the portable
//! Postgres-queue harness: a descriptor line first, then every required metric on
//! each tick, jobs produced at the asked rate and completed, and a clean exit on
//! SIGTERM. Runs on the Postgres `AFTERRESUME_TEST_POSTGRES_URL` names, in a
//! schema of its own that it drops afterwards.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use afterresume_backends::postgres::{PostgresBackend, PostgresOptions};
use serde_json::Value;

const REQUIRED: [&str; 6] = [
    "claim_p50_ms",
    "claim_p95_ms",
    "claim_p99_ms",
    "enqueue_rate",
    "completion_rate",
    "queue_depth",
];

/// The adapter started with `settings` (and nothing else from this environment),
/// its stdin piped, and a thread collecting its stdout lines until it exits.
fn spawn_adapter(
    settings: &[(&str, &str)],
) -> (std::process::Child, std::thread::JoinHandle<Vec<String>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness-adapter"))
        .env_clear()
        .envs(settings.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the adapter starts");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    (child, reader)
}

/// Sends SIGTERM and checks the adapter exits cleanly within the contract's 5 s.
fn terminate(child: &mut std::process::Child) {
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(terminated.success());
    let asked = Instant::now();
    let status = child.wait().expect("the adapter exits");
    assert!(status.success(), "exit on SIGTERM: {status:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "took {:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn the_adapter_speaks_the_harness_protocol() {
    let url = std::env::var("AFTERRESUME_TEST_POSTGRES_URL")
        .expect("AFTERRESUME_TEST_POSTGRES_URL: the Postgres this test runs on");
    let schema = format!("ar_harness_{}", std::process::id());
    let (mut child, reader) = spawn_adapter(&[
        ("DATABASE_URL", &url),
        ("AFTERRESUME_BENCH_SCHEMA", &schema),
        ("PRODUCER_MODE", "fixed"),
        ("PRODUCER_RATE", "200"),
        ("WORKER_COUNT", "4"),
        ("SAMPLE_EVERY_S", "1"),
    ]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    terminate(&mut child);
    let lines = reader.join().expect("reader");
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let descriptor = &records[0];
    assert_eq!(descriptor["kind"], "descriptor", "{descriptor}");
    assert_eq!(descriptor["system"], "afterresume");
    assert_eq!(
        descriptor["event_tables"][0],
        Value::from(format!("{schema}.jobs"))
    );
    let samples = &records[1..];
    let metrics: BTreeSet<&str> = samples
        .iter()
        .map(|r| r["metric"].as_str().expect("metric"))
        .collect();
    for metric in REQUIRED {
        assert!(metrics.contains(metric), "{metric} missing: {metrics:?}");
    }
    for record in samples {
        assert_eq!(record["kind"], "adapter");
        assert_eq!(record["subject_kind"], "adapter");
        assert!(
            record["value"].as_f64().is_some_and(|v| v >= 0.0),
            "{record}"
        );
    }
    let last = |metric: &str| {
        samples
            .iter()
            .rev()
            .find(|r| r["metric"] == metric)
            .and_then(|r| r["value"].as_f64())
            .unwrap_or_default()
    };
    let completed: f64 = samples
        .iter()
        .filter(|r| r["metric"] == "completion_rate")
        .filter_map(|r| r["value"].as_f64())
        .sum();
    assert!(completed > 100.0, "completion rates summed to {completed}");
    assert!(last("claim_p99_ms") >= last("claim_p50_ms"));
    PostgresBackend::connect_with(PostgresOptions::new(url).with_schema(schema))
        .await
        .expect("postgres")
        .drop_schema()
        .await
        .expect("drop the test schema");
}

/// Under the harness's pacing the adapter inserts exactly what the `ENQUEUE <n>`
/// lines on its stdin ask for (and ignores `PRODUCER_RATE`), and names the Redis
/// variant `afterresume-redis`.
#[tokio::test]
async fn harness_paced_inserts_exactly_what_the_tokens_ask_for() {
    use afterresume_core::ports::JobStore;
    use std::io::Write;

    let url = std::env::var("AFTERRESUME_TEST_POSTGRES_URL")
        .expect("AFTERRESUME_TEST_POSTGRES_URL: the Postgres this test runs on");
    let redis_url = std::env::var("AFTERRESUME_TEST_REDIS_URL")
        .expect("AFTERRESUME_TEST_REDIS_URL: the Redis this test runs on");
    let schema = format!("ar_harness_paced_{}", std::process::id());
    let (mut child, reader) = spawn_adapter(&[
        ("DATABASE_URL", &url),
        ("REDIS_URL", &redis_url),
        ("AFTERRESUME_BENCH_SCHEMA", &schema),
        ("PRODUCER_MODE", "fixed"),
        ("PRODUCER_PACING", "harness"),
        ("PRODUCER_RATE", "5000"),
        ("PRODUCER_BATCH_MAX", "40"),
        ("WORKER_COUNT", "4"),
        ("SAMPLE_EVERY_S", "1"),
    ]);
    let mut stdin = child.stdin.take().expect("stdin");
    // 3 × 50 + 25 = 175 jobs, the last token after a pause; a malformed line is skipped.
    writeln!(
        stdin,
        "ENQUEUE 50\nENQUEUE 50\nENQUEUE nonsense\nENQUEUE 50"
    )
    .expect("tokens");
    stdin.flush().expect("flush");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    writeln!(stdin, "ENQUEUE 25").expect("token");
    stdin.flush().expect("flush");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    terminate(&mut child);
    drop(stdin);
    let lines = reader.join().expect("reader");
    let descriptor: Value = serde_json::from_str(&lines[0]).expect("descriptor");
    assert_eq!(descriptor["system"], "afterresume-redis");
    assert_eq!(descriptor["queue"], "redis");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains("\"afterresume-redis\"")),
        "every sample names the variant"
    );

    let store = PostgresBackend::connect_with(PostgresOptions::new(url).with_schema(schema))
        .await
        .expect("postgres");
    let jobs: u64 = store
        .job_counts()
        .await
        .expect("job counts")
        .iter()
        .map(|c| c.count)
        .sum();
    assert_eq!(jobs, 175, "jobs inserted for 175 asked");
    store.drop_schema().await.expect("drop the test schema");
}
