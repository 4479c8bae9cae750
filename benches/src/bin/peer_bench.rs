//! AfterResume measured the way `benches/peers` measures the other job queues, so
//! the figures sit side by side: enqueue jobs/s (one call per job, and bulk at
//! 1000 per call, no worker running), drain jobs/s (warmed workers, N jobs
//! enqueued in bulk while they run, N / (last job end − first job start)) and
//! pickup latency p50/p99 at a steady 200 jobs/s (job start − the clock read just
//! before the enqueue call).
//!
//! Every job takes the full engine path with all guarantees on: a job row, the
//! `queued` / `started` / `completed` events, a lease, the completion write. The
//! job body reads the wall clock twice and records `(enq_ns, start_ns, end_ns)`.
//! Backends: `memory`, `sqlite` and `postgres`, each on its store's own queue, and
//! `postgres-redis` and `sqlite-redis`, that store with the Redis queue. Each phase
//! runs on a fresh backend (own SQLite file, Postgres schema, Redis prefix, deleted
//! when the phase is over) so no phase sees another's rows.
//!
//!     cargo run --release -p afterresume-benches --bin peer-bench -- --backend all
//!
//! Writes one JSON file per backend in the peer harness's raw-run shape
//! (`--out-dir`), and prints a table. `--bulk-only`, `--drain-only` and
//! `--latency-only` run one phase (for profiling); the latency phase also records
//! how long the enqueue call itself took (`latency_enqueue_call_p50_ms`, `_p99_ms`),
//! the part of pickup latency that is the durable write, and the queue push within it
//! (`latency_queue_push_p50_ms`, `_p99_ms`).
//!
//! `--concurrency-keys K` gives the drain's jobs K concurrency keys in turn, each
//! at the default limit of one running job (keyed concurrency's cost: a count of
//! the key's running jobs in the store per start); the label says so.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use afterresume_backends::memory::{MemoryEventSink, MemoryJobStore, MemoryQueue};
use afterresume_backends::postgres::{PostgresBackend, PostgresOptions};
use afterresume_backends::redis::{RedisQueue, RedisQueueOptions};
use afterresume_backends::sqlite::SqliteBackend;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage, SharedQueue,
};
use afterresume_core::{
    Engine, EngineConfig, EnqueueOptions, EnqueueRequest, RunningEngine, WorkerOptions, workflow_fn,
};
use async_trait::async_trait;
use clap::Parser;
use serde_json::{Value, json};

/// Measures AfterResume with the peer harness's definitions.
#[derive(Debug, Parser)]
struct Args {
    /// memory, sqlite, postgres (each on its store's own queue), postgres-redis,
    /// sqlite-redis (that store with a Redis queue), or all.
    #[arg(long, default_value = "all")]
    backend: String,
    /// Jobs in the enqueue and drain phases.
    #[arg(long, default_value_t = 20_000)]
    n: usize,
    /// Jobs per second in the latency phase.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Length of the latency phase, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// Worker slots (concurrent jobs) in the one worker process.
    #[arg(long, default_value_t = 16)]
    workers: usize,
    /// Overrides `EngineConfig::fetchers` (for tuning; the default is the engine's).
    #[arg(long)]
    fetchers: Option<usize>,
    /// Overrides `EngineConfig::prefetch`.
    #[arg(long)]
    prefetch: Option<usize>,
    /// Overrides `EngineConfig::claim_batch`.
    #[arg(long)]
    claim_batch: Option<usize>,
    /// Where to write `afterresume-<backend>-<run>.json` files.
    #[arg(long)]
    out_dir: Option<std::path::PathBuf>,
    /// Run number in the file names (the peer harness runs round-robin).
    #[arg(long, default_value_t = 1)]
    run: u32,
    /// Only the drain phase (for profiling: `perf record` sees the drain alone).
    #[arg(long)]
    drain_only: bool,
    /// Only the bulk enqueue phase (for profiling the insert path alone).
    #[arg(long, conflicts_with = "drain_only")]
    bulk_only: bool,
    /// Only the latency phase (after the warm-up), with where its time goes.
    #[arg(long, conflicts_with_all = ["drain_only", "bulk_only"])]
    latency_only: bool,
    /// Drain jobs take this many concurrency keys in turn, each limited to one
    /// running job (0: no keys).
    #[arg(long, default_value_t = 0)]
    concurrency_keys: usize,
    /// Postgres URL.
    #[arg(
        long,
        env = "AFTERRESUME_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
    /// Redis URL.
    #[arg(
        long,
        env = "AFTERRESUME_BENCH_REDIS_URL",
        default_value = "redis://127.0.0.1:6379/0"
    )]
    redis_url: String,
}

type Rows = Arc<Mutex<Vec<(u64, u64, u64)>>>;

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// A queue that times its pushes: the part of an enqueue call that is the queue's
/// (the rest is the store's insert).
#[derive(Debug)]
struct TimedQueue {
    inner: SharedQueue,
    pushes_ms: Arc<Mutex<Vec<f64>>>,
}

#[async_trait]
impl Queue for TimedQueue {
    fn capabilities(&self) -> QueueCapabilities {
        self.inner.capabilities()
    }

    async fn push(&self, messages: &[QueueMessage]) -> afterresume_core::Result<()> {
        let started = Instant::now();
        let pushed = self.inner.push(messages).await;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        self.pushes_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ms);
        pushed
    }

    async fn pop(&self, opts: &PopOptions) -> afterresume_core::Result<Vec<Delivery>> {
        self.inner.pop(opts).await
    }

    async fn ack(&self, deliveries: &[Delivery]) -> afterresume_core::Result<()> {
        self.inner.ack(deliveries).await
    }

    async fn depth(&self) -> afterresume_core::Result<QueueDepth> {
        self.inner.depth().await
    }
}

/// A fresh backend of one kind, with a no-op job type that records its timings.
struct Bench {
    engine: Engine,
    rows: Rows,
    /// How long each queue push took, in ms.
    pushes_ms: Arc<Mutex<Vec<f64>>>,
    _scratch: Option<tempfile::TempDir>,
    /// The Postgres backend whose schema is dropped when the phase is over.
    postgres: Option<Arc<PostgresBackend>>,
    /// The Redis queue whose keys are deleted when the phase is over.
    redis: Option<Arc<RedisQueue>>,
}

impl Bench {
    async fn close(self) {
        if let Some(db) = self.postgres
            && let Err(e) = db.drop_schema().await
        {
            eprintln!("could not drop schema {}: {e}", db.schema());
        }
        if let Some(queue) = self.redis
            && let Err(e) = queue.delete_all().await
        {
            eprintln!("could not delete redis keys {}*: {e}", queue.prefix());
        }
    }
}

async fn open(kind: &str, args: &Args, tag: &str) -> Bench {
    let rows: Rows = Arc::default();
    let recorder = Arc::clone(&rows);
    let defaults = EngineConfig::default();
    let config = EngineConfig {
        fetchers: args.fetchers.unwrap_or(defaults.fetchers),
        prefetch: args.prefetch.unwrap_or(defaults.prefetch),
        claim_batch: args.claim_batch.unwrap_or(defaults.claim_batch),
        ..defaults
    };
    let builder = Engine::builder().with_config(config).register(
        "bench.noop",
        workflow_fn(move |_ctx, payload| {
            let rows = Arc::clone(&recorder);
            async move {
                let start = now_ns();
                let enq = payload["enq"].as_u64().unwrap_or(0);
                let end = now_ns();
                rows.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((enq, start, end));
                Ok(Value::Null)
            }
        }),
    );
    let namespace = format!("ar_bench_{}_{tag}", std::process::id());
    // `<store>` runs on the store's own queue, `<store>-redis` on a Redis queue.
    let (store, on_redis) = match kind.strip_suffix("-redis") {
        Some(store) => (store, true),
        None => (kind, false),
    };
    let mut postgres = None;
    let mut scratch = None;
    let (builder, local_queue): (_, SharedQueue) = match store {
        "memory" => (
            builder
                .with_job_store(Arc::new(MemoryJobStore::new()))
                .with_event_sink(Arc::new(MemoryEventSink::new())),
            Arc::new(MemoryQueue::new()),
        ),
        "sqlite" => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
            let db = Arc::new(SqliteBackend::open(&url).await.expect("sqlite"));
            scratch = Some(dir);
            let queue = Arc::new(db.store_queue());
            (
                builder
                    .with_job_store(Arc::clone(&db) as _)
                    .with_event_sink(db),
                queue,
            )
        }
        "postgres" => {
            let options =
                PostgresOptions::new(args.postgres_url.clone()).with_schema(namespace.clone());
            let db = Arc::new(
                PostgresBackend::connect_with(options)
                    .await
                    .expect("postgres"),
            );
            postgres = Some(Arc::clone(&db));
            let queue = Arc::new(db.store_queue());
            (
                builder
                    .with_job_store(Arc::clone(&db) as _)
                    .with_event_sink(db),
                queue,
            )
        }
        other => panic!("unknown backend {other}"),
    };
    let pushes_ms = Arc::default();
    let mut redis = None;
    let queue: SharedQueue = if on_redis {
        let options = RedisQueueOptions::new(&args.redis_url)
            .with_prefix(format!("afterresume-bench:{namespace}"));
        let queue = Arc::new(RedisQueue::connect_with(options).await.expect("redis"));
        redis = Some(Arc::clone(&queue));
        queue
    } else {
        local_queue
    };
    Bench {
        engine: builder
            .with_queue(Arc::new(TimedQueue {
                inner: queue,
                pushes_ms: Arc::clone(&pushes_ms),
            }))
            .build()
            .expect("engine"),
        rows,
        pushes_ms,
        _scratch: scratch,
        postgres,
        redis,
    }
}

fn request(phase: &str, enq: u64) -> EnqueueRequest {
    EnqueueRequest::new("bench.noop", json!({"phase": phase, "enq": enq}))
}

async fn wait_rows(rows: &Rows, n: usize, timeout: Duration) -> usize {
    let deadline = Instant::now() + timeout;
    loop {
        let done = rows.lock().unwrap_or_else(|e| e.into_inner()).len();
        if done >= n || Instant::now() > deadline {
            return done;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // The peer harness's definition (common.py `pct`).
    let k = ((p / 100.0 * sorted.len() as f64 + 0.5).round() as isize - 1)
        .clamp(0, sorted.len() as isize - 1) as usize;
    sorted[k]
}

fn start_workers(engine: &Engine, slots: usize) -> RunningEngine {
    engine.start(WorkerOptions {
        workers: slots,
        scheduler: false,
        maintenance: false,
        ..WorkerOptions::default()
    })
}

/// Enqueue jobs/s, one call per job and in bulk, with no worker running.
async fn measure_enqueue(kind: &str, args: &Args) -> (f64, f64) {
    let n = args.n;
    // 1. Enqueue, one call per job.
    let bench = open(kind, args, "single").await;
    let started = Instant::now();
    for i in 0..n {
        bench
            .engine
            .enqueue(
                "bench.noop",
                json!({"phase": "single", "i": i}),
                EnqueueOptions::default(),
            )
            .await
            .expect("enqueue");
    }
    let single = n as f64 / started.elapsed().as_secs_f64();
    bench.close().await;
    (single, measure_bulk(kind, args).await)
}

/// Bulk enqueue jobs/s, 1000 per call, with no worker running.
async fn measure_bulk(kind: &str, args: &Args) -> f64 {
    let n = args.n;
    let bench = open(kind, args, "bulk").await;
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk.iter().map(|_| request("bulk", 0)).collect();
        bench
            .engine
            .enqueue_many(batch)
            .await
            .expect("bulk enqueue");
    }
    let bulk = n as f64 / started.elapsed().as_secs_f64();
    bench.close().await;
    bulk
}

/// Drain jobs/s: `n` jobs enqueued in bulk while the warmed workers run.
/// Returns (jobs/s, drain seconds, jobs done, seconds spent enqueueing).
async fn measure_drain(bench: &Bench, n: usize, keys: usize) -> (f64, f64, usize, f64) {
    let enqueue_started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let batch = chunk
            .iter()
            .map(|i| {
                let request = request("drain", now_ns());
                match keys {
                    0 => request,
                    keys => request.with_options(
                        EnqueueOptions::default().with_concurrency_key(format!("k{}", i % keys)),
                    ),
                }
            })
            .collect();
        bench
            .engine
            .enqueue_many(batch)
            .await
            .expect("drain enqueue");
    }
    let drain_enqueue_s = enqueue_started.elapsed().as_secs_f64();
    let done = wait_rows(&bench.rows, n, Duration::from_secs(600)).await;
    let rows = bench.rows.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let first = rows.iter().map(|r| r.1).min().unwrap_or(0);
    let last = rows.iter().map(|r| r.2).max().unwrap_or(0);
    let drain_s = (last.saturating_sub(first)) as f64 / 1e9;
    let drain = if drain_s > 0.0 {
        done as f64 / drain_s
    } else {
        0.0
    };
    (drain, drain_s, done, drain_enqueue_s)
}

async fn measure(kind: &str, args: &Args) -> Value {
    let n = args.n;
    if args.bulk_only {
        let bulk = measure_bulk(kind, args).await;
        return json!({"label": format!("afterresume-{kind}"), "enqueue_bulk_jobs_s": bulk});
    }
    let (single, bulk) = if args.drain_only || args.latency_only {
        (0.0, 0.0)
    } else {
        measure_enqueue(kind, args).await
    };

    // 3. Drain with warmed workers.
    let bench = open(kind, args, "drain").await;
    let running = start_workers(&bench.engine, args.workers);
    let warm: Vec<_> = (0..200).map(|_| request("warm", now_ns())).collect();
    bench.engine.enqueue_many(warm).await.expect("warm-up");
    wait_rows(&bench.rows, 200, Duration::from_secs(120)).await;
    bench.rows.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let (drain, drain_s, done, drain_enqueue_s) = if args.latency_only {
        (0.0, 0.0, 0, 0.0)
    } else {
        measure_drain(&bench, n, args.concurrency_keys).await
    };

    // 4. Pickup latency at a steady rate, workers idle.
    bench.rows.lock().unwrap_or_else(|e| e.into_inner()).clear();
    bench
        .pushes_ms
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    let total = (args.rate * args.seconds) as usize;
    let mut calls = Vec::with_capacity(total);
    let t0 = Instant::now();
    for i in 0..total {
        let target = t0 + Duration::from_secs_f64(i as f64 / f64::from(args.rate));
        let now = Instant::now();
        if target > now {
            tokio::time::sleep(target - now).await;
        }
        let call = Instant::now();
        bench
            .engine
            .enqueue(
                "bench.noop",
                json!({"phase": "latency", "enq": now_ns()}),
                EnqueueOptions::default(),
            )
            .await
            .expect("enqueue");
        calls.push(call.elapsed().as_secs_f64() * 1e3);
    }
    calls.sort_by(f64::total_cmp);
    let mut pushes = bench
        .pushes_ms
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    pushes.sort_by(f64::total_cmp);
    wait_rows(&bench.rows, total, Duration::from_secs(60)).await;
    let mut latency: Vec<f64> = bench
        .rows
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|r| r.1.saturating_sub(r.0) as f64 / 1e6)
        .collect();
    latency.sort_by(f64::total_cmp);
    running.shutdown(Duration::from_secs(10)).await;
    bench.close().await;
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let backend = match kind {
        "postgres-redis" => "postgres+redis",
        "sqlite-redis" => "sqlite+redis",
        other => other,
    };
    let label = match args.concurrency_keys {
        0 => format!("afterresume-{kind}"),
        keys => format!("afterresume-{kind}-{keys}keys"),
    };
    json!({
        "peer": format!("afterresume-{kind}"),
        "label": label,
        "drain_concurrency_keys": args.concurrency_keys,
        "backend": backend,
        "version": format!("afterresume {}", env!("CARGO_PKG_VERSION")),
        "worker": format!("1 process, {} worker slots, batched claims", args.workers),
        "n": n,
        "enqueue_single_jobs_s": round(single, 1),
        "enqueue_bulk_jobs_s": round(bulk, 1),
        "enqueue_bulk_batch": 1000,
        "drain_jobs_s": round(drain, 1),
        "drain_s": round(drain_s, 3),
        "drain_done": done,
        "drain_expected": n,
        "drain_enqueue_mode": "bulk",
        "drain_enqueue_s": round(drain_enqueue_s, 3),
        "latency_p50_ms": latency.first().map(|_| round(percentile(&latency, 50.0), 3)),
        "latency_p99_ms": latency.first().map(|_| round(percentile(&latency, 99.0), 3)),
        "latency_max_ms": latency.last().map(|v| round(*v, 3)),
        "latency_jobs": latency.len(),
        "latency_enqueue_call_p50_ms": calls.first().map(|_| round(percentile(&calls, 50.0), 3)),
        "latency_enqueue_call_p99_ms": calls.first().map(|_| round(percentile(&calls, 99.0), 3)),
        "latency_queue_push_p50_ms": pushes.first().map(|_| round(percentile(&pushes, 50.0), 3)),
        "latency_queue_push_p99_ms": pushes.first().map(|_| round(percentile(&pushes, 99.0), 3)),
        "latency_rate_jobs_s": args.rate,
        "latency_seconds": args.seconds,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = Args::parse();
    let kinds: Vec<&str> = match args.backend.as_str() {
        "all" => vec![
            "memory",
            "sqlite",
            "postgres",
            "postgres-redis",
            "sqlite-redis",
        ],
        one => vec![one],
    };
    println!(
        "{:<28} {:>14} {:>14} {:>12} {:>10} {:>10}",
        "afterresume", "enqueue 1/s", "enqueue bulk/s", "drain/s", "p50 ms", "p99 ms"
    );
    for kind in kinds {
        let result = measure(kind, &args).await;
        if let Some(dir) = &args.out_dir {
            std::fs::create_dir_all(dir).expect("out dir");
            let path = dir.join(format!("afterresume-{kind}-{}.json", args.run));
            std::fs::write(&path, serde_json::to_string_pretty(&result).expect("json"))
                .expect("write result");
        }
        println!(
            "{:<28} {:>14.0} {:>14.0} {:>12.0} {:>10.2} {:>10.2}",
            result["label"].as_str().unwrap_or(kind),
            result["enqueue_single_jobs_s"].as_f64().unwrap_or(0.0),
            result["enqueue_bulk_jobs_s"].as_f64().unwrap_or(0.0),
            result["drain_jobs_s"].as_f64().unwrap_or(0.0),
            result["latency_p50_ms"].as_f64().unwrap_or(f64::NAN),
            result["latency_p99_ms"].as_f64().unwrap_or(f64::NAN),
        );
        if args.latency_only {
            let ms = |key: &str| result[key].as_f64().unwrap_or(f64::NAN);
            println!(
                "{:<28} enqueue call p50 {:.2} ms, p99 {:.2} ms (its queue push p50 {:.2} ms, \
                 p99 {:.2} ms); pickup max {:.2} ms",
                "",
                ms("latency_enqueue_call_p50_ms"),
                ms("latency_enqueue_call_p99_ms"),
                ms("latency_queue_push_p50_ms"),
                ms("latency_queue_push_p99_ms"),
                ms("latency_max_ms"),
            );
        }
    }
}
