//! AfterResume as an adapter of the portable Postgres-queue harness
//! (hardbyte's `postgresql-job-queue-benchmarking`, see `benches/harness/README.md`):
//! one long-running process that produces and consumes jobs through the public API
//! on the Postgres job store (its own queue, or a Redis queue when `REDIS_URL` is
//! set) and prints the harness's JSONL telemetry on stdout; logs go to stderr.
//! `AFTERRESUME_BENCH_SCHEMA` picks the Postgres schema (default `afterresume`).
//!
//! The harness's contract, in short: it sets `DATABASE_URL`, `PRODUCER_MODE`
//! (`fixed` or `depth-target`), `PRODUCER_RATE`, `PRODUCER_BATCH_MAX`,
//! `PRODUCER_BATCH_MS`, `TARGET_DEPTH`, `WORKER_COUNT`, `JOB_PAYLOAD_BYTES`,
//! `JOB_WORK_MS` and `SAMPLE_EVERY_S`; the adapter prints one descriptor line, then
//! every sample period `claim_p50_ms`, `claim_p95_ms`, `claim_p99_ms` (pickup:
//! insert to worker start, over the last 30 s), `enqueue_rate`, `completion_rate`
//! and `queue_depth`, on wall-clock aligned ticks; SIGTERM ends it within 5 s.
//! A failed insert (Postgres restarting under a chaos phase) is logged and
//! retried on the next tick: the process outlives the database's outages.
//!
//! Pacing: with `PRODUCER_PACING=harness` (what the harness sets) a fixed-rate
//! producer inserts what the harness's `ENQUEUE <n>` lines on stdin ask for, so
//! every system is offered load by the same clock; otherwise it credits
//! `PRODUCER_RATE` on its own clock, re-reading the rate from
//! `PRODUCER_RATE_CONTROL_FILE` (the harness's high-load phases write it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use afterresume_backends::postgres::{PostgresBackend, PostgresOptions};
use afterresume_backends::redis::{RedisQueue, RedisQueueOptions};
use afterresume_benches::latency_window::LatencyWindow;
use afterresume_core::ports::SharedQueue;
use afterresume_core::{Engine, EnqueueRequest, WorkerOptions, workflow_fn};
use serde_json::{Value, json};

/// The job type every produced job has.
const JOB_TYPE: &str = "bench.harness";

/// How the producer decides how many jobs to insert.
#[derive(Debug, Clone, PartialEq)]
enum ProducerMode {
    /// `PRODUCER_RATE` jobs a second, credited on wall-clock time; the rate is
    /// re-read from the control file when there is one.
    Fixed {
        rate: f64,
        control_file: Option<std::path::PathBuf>,
    },
    /// As many jobs as the harness's `ENQUEUE <n>` lines on stdin ask for.
    HarnessPaced,
    /// Keep about `TARGET_DEPTH` jobs waiting.
    DepthTarget { depth: u64 },
}

/// The harness's settings, read from the environment. Not `Debug`: the database
/// URL may carry a password.
#[derive(Clone)]
struct Settings {
    /// `afterresume`, or `afterresume-redis` for the variant with the Redis queue.
    system: &'static str,
    database_url: String,
    /// `AFTERRESUME_BENCH_SCHEMA`: the Postgres schema (default `afterresume`).
    schema: String,
    redis_url: Option<String>,
    mode: ProducerMode,
    batch_max: usize,
    batch_every: Duration,
    workers: usize,
    payload_bytes: usize,
    work: Duration,
    sample_every: Duration,
}

impl Settings {
    fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &str, default: f64| -> Result<f64, String> {
            match var(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| format!("{name}: expected a non-negative number, got '{v}'")),
            }
        };
        let database_url = var("DATABASE_URL").ok_or("DATABASE_URL: not set")?;
        let harness_paced = match var("PRODUCER_PACING").as_deref().unwrap_or("adapter") {
            "harness" => true,
            "adapter" => false,
            other => {
                return Err(format!(
                    "PRODUCER_PACING: expected 'harness' or 'adapter', got '{other}'"
                ));
            }
        };
        let mode = match var("PRODUCER_MODE").as_deref().unwrap_or("fixed") {
            "fixed" if harness_paced => ProducerMode::HarnessPaced,
            "fixed" => ProducerMode::Fixed {
                rate: number("PRODUCER_RATE", 800.0)?,
                control_file: var("PRODUCER_RATE_CONTROL_FILE").map(Into::into),
            },
            "depth-target" => ProducerMode::DepthTarget {
                depth: number("TARGET_DEPTH", 1000.0)? as u64,
            },
            other => {
                return Err(format!(
                    "PRODUCER_MODE: expected 'fixed' or 'depth-target', got '{other}'"
                ));
            }
        };
        let sample_every = number("SAMPLE_EVERY_S", 5.0)?;
        if sample_every < 1.0 {
            return Err("SAMPLE_EVERY_S: must be at least 1".to_owned());
        }
        let redis_url = var("REDIS_URL");
        Ok(Settings {
            system: if redis_url.is_some() {
                "afterresume-redis"
            } else {
                "afterresume"
            },
            database_url,
            schema: var("AFTERRESUME_BENCH_SCHEMA").unwrap_or_else(|| "afterresume".to_owned()),
            redis_url,
            mode,
            batch_max: (number("PRODUCER_BATCH_MAX", 128.0)? as usize).max(1),
            batch_every: Duration::from_millis((number("PRODUCER_BATCH_MS", 10.0)? as u64).max(1)),
            workers: (number("WORKER_COUNT", 32.0)? as usize).max(1),
            payload_bytes: number("JOB_PAYLOAD_BYTES", 256.0)? as usize,
            work: Duration::from_secs_f64(number("JOB_WORK_MS", 1.0)? / 1000.0),
            sample_every: Duration::from_secs_f64(sample_every),
        })
    }
}

/// Counters and the latency window the sampler reads.
#[derive(Default)]
struct Telemetry {
    enqueued: AtomicU64,
    completed: AtomicU64,
    /// Jobs waiting: counted by `poll_depth`, plus what was inserted since.
    depth: AtomicU64,
    pickups: LatencyWindow,
}

fn unix_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// One telemetry line on stdout.
fn emit(record: Value) {
    println!("{record}");
}

fn sample(system: &str, metric: &str, value: f64, window_s: f64) -> Value {
    json!({
        "t": timestamp(),
        "system": system,
        "kind": "adapter",
        "subject_kind": "adapter",
        "subject": "",
        "metric": metric,
        "value": value,
        "window_s": window_s,
    })
}

async fn open_engine(settings: &Settings, telemetry: Arc<Telemetry>) -> Result<Engine, String> {
    let options =
        PostgresOptions::new(settings.database_url.clone()).with_schema(settings.schema.clone());
    let db = Arc::new(
        PostgresBackend::connect_with(options)
            .await
            .map_err(|e| format!("postgres: {e}"))?,
    );
    let queue: SharedQueue = match &settings.redis_url {
        Some(url) => Arc::new(
            RedisQueue::connect_with(RedisQueueOptions::new(url.clone()).with_prefix(format!(
                "afterresume:harness:{}:{}",
                database_name(&settings.database_url),
                settings.schema
            )))
            .await
            .map_err(|e| format!("redis: {e}"))?,
        ),
        None => Arc::new(db.store_queue()),
    };
    let work = settings.work;
    Engine::builder()
        .with_job_store(Arc::clone(&db) as _)
        .with_event_sink(db)
        .with_queue(queue)
        .register(
            JOB_TYPE,
            workflow_fn(move |_ctx, payload| {
                let telemetry = Arc::clone(&telemetry);
                async move {
                    let produced = payload["produced_at_us"].as_i64().unwrap_or_default();
                    let waited_us = (unix_micros() - produced).max(0) as u64;
                    telemetry.pickups.record(waited_us);
                    if !work.is_zero() {
                        tokio::time::sleep(work).await;
                    }
                    telemetry.completed.fetch_add(1, Ordering::Relaxed);
                    Ok(Value::Null)
                }
            }),
        )
        .build()
        .map_err(|e| format!("engine: {e}"))
}

/// The database a Postgres URL names (its path), for the descriptor.
fn database_name(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    without_query
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split_once('/'))
        .map_or("", |(_, path)| path)
}

fn job(seq: u64, padding: &str) -> EnqueueRequest {
    EnqueueRequest::new(
        JOB_TYPE,
        json!({"seq": seq, "produced_at_us": unix_micros(), "padding": padding}),
    )
}

/// Jobs queued and due, summed over the queues.
async fn queue_depth(engine: &Engine) -> Option<u64> {
    match engine.queues().await {
        Ok(queues) => Some(queues.iter().map(|(stats, _)| stats.ready).sum()),
        Err(e) => {
            eprintln!("queue depth: {e}");
            None
        }
    }
}

/// How often the queue's depth is counted. The depth-target producer ticks far
/// more often and adds what it inserts in between, so counting on every tick
/// (a scan of the waiting jobs) is not needed.
const DEPTH_POLL_EVERY: Duration = Duration::from_millis(200);

/// Keeps `telemetry.depth` current until `stop`.
async fn poll_depth(engine: Engine, telemetry: Arc<Telemetry>, stop: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(DEPTH_POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        if let Some(depth) = queue_depth(&engine).await {
            telemetry.depth.store(depth, Ordering::Relaxed);
        }
    }
}

/// Reads the harness's `ENQUEUE <n>` lines from stdin on a thread of its own (stdin
/// blocks) and forwards each `n`; the channel closes when stdin does.
fn enqueue_tokens() -> tokio::sync::mpsc::UnboundedReceiver<u64> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            let Some(n) = line.trim().strip_prefix("ENQUEUE ") else {
                continue;
            };
            match n.trim().parse::<u64>() {
                Ok(n) if n > 0 => {
                    if tx.send(n).is_err() {
                        return;
                    }
                }
                _ => eprintln!("harness pacing: ignored '{line}'"),
            }
        }
    });
    rx
}

/// How often the harness's rate control file is read: as often as its own pacer
/// reads it, rather than on every producer tick.
const RATE_READ_EVERY: Duration = Duration::from_millis(250);

/// The rate in the harness's control file, or `fallback` when it cannot be read.
fn controlled_rate(control_file: Option<&std::path::Path>, fallback: f64) -> f64 {
    control_file
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|rate| rate.is_finite() && *rate >= 0.0)
        .unwrap_or(fallback)
}

/// Inserts jobs until `stop`, paced as the settings say.
async fn produce(
    engine: Engine,
    settings: Settings,
    telemetry: Arc<Telemetry>,
    stop: Arc<AtomicBool>,
) {
    let padding = "x".repeat(settings.payload_bytes.saturating_sub(64));
    let mut seq = 0u64;
    // Jobs owed: credited by the clock, the harness's tokens or the depth target,
    // and kept across a failed insert so they go out once the database is back.
    let mut owed = 0.0f64;
    let mut last_credit = Instant::now();
    let mut current_rate = None::<(f64, Instant)>;
    let mut tokens = matches!(settings.mode, ProducerMode::HarnessPaced).then(enqueue_tokens);
    let mut tick = tokio::time::interval(settings.batch_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        match &settings.mode {
            ProducerMode::Fixed { rate, control_file } => {
                let now = Instant::now();
                let rate = match current_rate {
                    Some((rate, read_at)) if now.duration_since(read_at) < RATE_READ_EVERY => rate,
                    _ => {
                        let read = controlled_rate(control_file.as_deref(), *rate);
                        current_rate = Some((read, now));
                        read
                    }
                };
                owed += rate * now.saturating_duration_since(last_credit).as_secs_f64();
                last_credit = now;
            }
            ProducerMode::HarnessPaced => {
                let Some(receiver) = tokens.as_mut() else {
                    continue;
                };
                loop {
                    match receiver.try_recv() {
                        Ok(n) => owed += n as f64,
                        Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                        Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                            eprintln!("harness pacing: stdin closed, no more jobs are produced");
                            tokens = None;
                            break;
                        }
                    }
                }
            }
            ProducerMode::DepthTarget { depth } => {
                owed = depth.saturating_sub(telemetry.depth.load(Ordering::Relaxed)) as f64;
            }
        }
        while owed >= 1.0 && !stop.load(Ordering::Relaxed) {
            let n = (owed.floor() as u64).min(settings.batch_max as u64);
            let batch: Vec<_> = (0..n).map(|i| job(seq + i, &padding)).collect();
            match engine.enqueue_many(batch).await {
                Ok(inserted) => {
                    seq += n;
                    owed -= n as f64;
                    let inserted = inserted.len() as u64;
                    telemetry.enqueued.fetch_add(inserted, Ordering::Relaxed);
                    telemetry.depth.fetch_add(inserted, Ordering::Relaxed);
                }
                Err(e) => {
                    eprintln!("enqueue: {e}");
                    break;
                }
            }
        }
    }
}

/// The first sample tick: the next wall-clock multiple of the period, so every
/// system's samples share a timebase.
fn first_tick(every: Duration) -> tokio::time::Instant {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let period = every.as_micros().max(1);
    let wait = period - now.as_micros() % period;
    tokio::time::Instant::now() + Duration::from_micros(wait as u64)
}

/// Counts at the previous sample, for the rates.
struct LastSample {
    at: Instant,
    enqueued: u64,
    completed: u64,
}

fn sample_once(system: &str, telemetry: &Telemetry, window_s: f64, last: &mut LastSample) {
    if let Some((p50, p95, p99)) = telemetry.pickups.percentiles_ms() {
        emit(sample(system, "claim_p50_ms", p50, 30.0));
        emit(sample(system, "claim_p95_ms", p95, 30.0));
        emit(sample(system, "claim_p99_ms", p99, 30.0));
    }
    // Rates over the time since the previous sample: a full period on a tick,
    // less for the last sample at shutdown.
    let now = Instant::now();
    let elapsed = now
        .saturating_duration_since(last.at)
        .as_secs_f64()
        .max(1e-3);
    let enqueued = telemetry.enqueued.load(Ordering::Relaxed);
    let completed = telemetry.completed.load(Ordering::Relaxed);
    let rate = |count: u64, before: u64| (count - before) as f64 / elapsed;
    emit(sample(
        system,
        "enqueue_rate",
        rate(enqueued, last.enqueued),
        window_s,
    ));
    emit(sample(
        system,
        "completion_rate",
        rate(completed, last.completed),
        window_s,
    ));
    *last = LastSample {
        at: now,
        enqueued,
        completed,
    };
    let depth = telemetry.depth.load(Ordering::Relaxed);
    emit(sample(system, "queue_depth", depth as f64, 0.0));
}

#[tokio::main]
async fn main() {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("afterresume harness adapter: {e}");
            std::process::exit(2);
        }
    };
    let telemetry = Arc::new(Telemetry::default());
    let engine = match open_engine(&settings, Arc::clone(&telemetry)).await {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("afterresume harness adapter: {e}");
            std::process::exit(1);
        }
    };
    emit(json!({
        "kind": "descriptor",
        "system": settings.system,
        "event_tables": [
            format!("{}.jobs", settings.schema),
            format!("{}.job_events", settings.schema),
        ],
        "extensions": [],
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": "afterresume postgres migrations",
        "db_name": database_name(&settings.database_url),
        "queue": if settings.redis_url.is_some() { "redis" } else { "postgres store" },
        "started_at": timestamp(),
    }));
    let running = engine.start(WorkerOptions {
        workers: settings.workers,
        scheduler: false,
        maintenance: true,
        ..WorkerOptions::default()
    });
    let stop = Arc::new(AtomicBool::new(false));
    let depth_poller = tokio::spawn(poll_depth(
        engine.clone(),
        Arc::clone(&telemetry),
        Arc::clone(&stop),
    ));
    let producer = tokio::spawn(produce(
        engine.clone(),
        settings.clone(),
        Arc::clone(&telemetry),
        Arc::clone(&stop),
    ));
    let mut ticks =
        tokio::time::interval_at(first_tick(settings.sample_every), settings.sample_every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let window_s = settings.sample_every.as_secs_f64();
    let mut last = LastSample {
        at: Instant::now(),
        enqueued: 0,
        completed: 0,
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    loop {
        tokio::select! {
            _ = ticks.tick() => sample_once(settings.system, &telemetry, window_s, &mut last),
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = tokio::time::timeout(Duration::from_secs(1), producer).await;
    depth_poller.abort();
    sample_once(settings.system, &telemetry, window_s, &mut last);
    running.shutdown(Duration::from_secs(2)).await;
}

#[cfg(test)]
mod tests {
    use super::{controlled_rate, database_name};

    #[test]
    fn the_control_files_rate_wins_and_a_missing_or_bad_file_falls_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("producer_rate.txt");
        assert_eq!(controlled_rate(None, 800.0), 800.0);
        assert_eq!(controlled_rate(Some(&file), 800.0), 800.0);
        std::fs::write(&file, "1200.0\n").expect("write");
        assert_eq!(controlled_rate(Some(&file), 800.0), 1200.0);
        std::fs::write(&file, "fast").expect("write");
        assert_eq!(controlled_rate(Some(&file), 800.0), 800.0);
        std::fs::write(&file, "-5").expect("write");
        assert_eq!(controlled_rate(Some(&file), 800.0), 800.0);
    }

    #[test]
    fn the_database_is_the_urls_path_without_its_query() {
        assert_eq!(
            database_name("postgres://bench:bench@localhost:15555/awa_bench?sslmode=disable"),
            "awa_bench"
        );
        assert_eq!(database_name("postgres://postgres@127.0.0.1/test"), "test");
        assert_eq!(database_name("postgres://localhost:5432"), "");
    }
}
