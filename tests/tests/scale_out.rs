//! Scale-out and crash tests: real worker processes (`scale-worker`, the worker setup
//! of the `afterresume` binary plus a side-table workflow) against one Postgres, and
//! optionally one Redis. Each test prints its figures.
//!
//! The tests run one at a time (they compete for the same two cores) and each uses
//! its own Postgres schema and Redis prefix.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use afterresume_backends::postgres::PostgresBackend;
use afterresume_backends::redis::RedisQueue;
use afterresume_backends::testing::{
    POSTGRES_URL_VAR, REDIS_URL_VAR, postgres, redis_queue, required_env,
};
use afterresume_core::domain::NewSchedule;
use afterresume_core::ports::Queue;
use afterresume_core::ports::{JobFilter, JobStore, ScheduleStore, SharedQueue};
use afterresume_core::{Engine, EnqueueOptions, EnqueueRequest, JobStatus, Trigger, workflow_fn};
use fred::prelude::ClientLike;
use serde_json::json;
use tokio::process::{Child, Command};

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One schema, its side table, and the worker processes running on it.
struct Cluster {
    db: PostgresBackend,
    redis_prefix: Option<String>,
    /// The Redis workers use (the test server unless a drill starts its own).
    redis_url: Option<String>,
    /// Extra query parameters of the workers' `DATABASE_URL`.
    database_url_params: String,
    logs: tempfile::TempDir,
    workers: Vec<Child>,
    spawned: usize,
}

impl Cluster {
    async fn new(redis: Option<&RedisQueue>) -> Cluster {
        let db = postgres().await;
        sqlx::query(
            "CREATE TABLE scale_completions (job_id uuid NOT NULL, attempt int NOT NULL, pid int NOT NULL, \
             at timestamptz NOT NULL DEFAULT clock_timestamp())",
        )
        .execute(db.pool())
        .await
        .unwrap();
        Cluster {
            db,
            redis_prefix: redis.map(|q| q.prefix().to_owned()),
            redis_url: redis.map(|_| required_env(REDIS_URL_VAR)),
            database_url_params: String::new(),
            logs: tempfile::tempdir().unwrap(),
            workers: Vec::new(),
            spawned: 0,
        }
    }

    /// An engine for enqueueing from the test (it runs no workers).
    fn engine(&self, queue: SharedQueue) -> Engine {
        Engine::builder()
            .with_job_store(Arc::new(self.db.clone()))
            .with_queue(queue)
            .with_event_sink(Arc::new(self.db.clone()))
            .register(
                "scale.count",
                workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            )
            .register(
                "scale.limited",
                workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            )
            .register(
                "scale.keyed",
                workflow_fn(|_ctx, _p| async move { Ok(json!({})) }),
            )
            .build()
            .unwrap()
    }

    fn spawn(&mut self, args: &[&str]) {
        let log = std::fs::File::create(
            self.logs
                .path()
                .join(format!("worker-{}.log", self.spawned)),
        )
        .unwrap();
        self.spawned += 1;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scale-worker"));
        let url = required_env(POSTGRES_URL_VAR);
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = if self.database_url_params.is_empty() {
            url
        } else {
            format!("{url}{separator}{}", self.database_url_params)
        };
        cmd.args(args)
            .env("DATABASE_URL", url)
            .env("AFTERRESUME_POSTGRES_SCHEMA", self.db.schema())
            .env_remove("REDIS_URL")
            .env_remove("MINIO_ENDPOINT")
            .env("AFTERRESUME_DATA_DIR", self.logs.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true);
        if let (Some(prefix), Some(url)) = (&self.redis_prefix, &self.redis_url) {
            cmd.env("REDIS_URL", url)
                .env("AFTERRESUME_REDIS_PREFIX", prefix);
        }
        self.workers.push(cmd.spawn().expect("spawn scale-worker"));
    }

    /// Waits until every worker spawned so far has said it serves (its
    /// `ready` line): work enqueued after this can go to any of them, where
    /// a worker still starting on a loaded machine could miss all of it.
    async fn wait_ready(&mut self) {
        use tokio::io::{AsyncBufReadExt, BufReader};
        for (n, worker) in self.workers.iter_mut().enumerate() {
            let Some(out) = worker.stdout.take() else {
                continue;
            };
            let mut line = String::new();
            tokio::time::timeout(
                Duration::from_secs(60),
                BufReader::new(out).read_line(&mut line),
            )
            .await
            .unwrap_or_else(|_| panic!("worker {n} not ready in 60 s"))
            .unwrap();
            assert!(line.starts_with("ready"), "worker {n} said {line:?}");
        }
    }

    async fn count(&self, status: JobStatus) -> u64 {
        self.db
            .job_counts()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.status == status)
            .map(|c| c.count)
            .sum()
    }

    /// Waits until `n` jobs succeeded; panics with the worker logs on timeout.
    async fn wait_success(&self, n: u64, timeout: Duration) -> Duration {
        let started = Instant::now();
        while self.count(JobStatus::Success).await < n {
            if started.elapsed() > timeout {
                let mut logs = String::new();
                for entry in std::fs::read_dir(self.logs.path()).unwrap() {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|e| e == "log") {
                        logs.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                    }
                }
                panic!(
                    "only {} of {n} jobs succeeded after {timeout:?}; counts {:?}\nworker logs:\n{logs}",
                    self.count(JobStatus::Success).await,
                    self.db.job_counts().await.unwrap()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        started.elapsed()
    }

    async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    async fn stop(mut self) {
        for child in &mut self.workers {
            let _ = child.kill().await;
        }
        self.db.drop_schema().await.unwrap();
    }
}

async fn enqueue(engine: &Engine, n: usize, payload: serde_json::Value, max_retries: u32) {
    let requests: Vec<_> = (0..n)
        .map(|_| {
            EnqueueRequest::new("scale.count", payload.clone()).with_options(EnqueueOptions {
                max_retries: Some(max_retries),
                ..EnqueueOptions::default()
            })
        })
        .collect();
    for chunk in requests.chunks(1000) {
        engine.enqueue_many(chunk.to_vec()).await.unwrap();
    }
}

/// Three worker processes drain 5,000 jobs: every job succeeds, and its workflow ran
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_drain_5000_jobs_exactly_once() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    let engine = cluster.engine(Arc::new(cluster.db.queue()));
    const JOBS: u64 = 5000;
    enqueue(&engine, JOBS as usize, json!({}), 3).await;
    for _ in 0..3 {
        cluster.spawn(&["--workers", "8"]);
    }
    let took = cluster.wait_success(JOBS, Duration::from_secs(240)).await;
    let executions = cluster
        .scalar("SELECT count(*) FROM scale_completions")
        .await;
    let distinct = cluster
        .scalar("SELECT count(DISTINCT job_id) FROM scale_completions")
        .await;
    let processes = cluster
        .scalar("SELECT count(DISTINCT pid) FROM scale_completions")
        .await;
    println!(
        "scale-out: jobs={JOBS} succeeded={} lost={} duplicates={} processes_used={processes} seconds={:.2} jobs_per_s={:.0}",
        cluster.count(JobStatus::Success).await,
        JOBS as i64 - distinct,
        executions - distinct,
        took.as_secs_f64(),
        JOBS as f64 / took.as_secs_f64()
    );
    assert_eq!(distinct, JOBS as i64, "a job's workflow never ran");
    assert_eq!(executions, JOBS as i64, "a job's workflow ran twice");
    assert!(processes >= 2, "the work was not shared between processes");
    cluster.stop().await;
}

/// A job type's rate limit holds across three worker processes: no period
/// (aligned to the clock) ever has more starts than the limit, every job
/// runs once, and none spends a retry waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_across_three_processes() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    sqlx::query(
        "CREATE TABLE scale_limited (job_id uuid NOT NULL, pid int NOT NULL, period timestamptz NOT NULL)",
    )
    .execute(cluster.db.pool())
    .await
    .unwrap();
    let engine = cluster.engine(Arc::new(cluster.db.queue()));
    const JOBS: i64 = 40;
    const LIMIT: i64 = 5;
    // One job per claim and none held ahead: a process that wakes first cannot
    // take the whole backlog, so every period's starts come from several processes.
    for _ in 0..3 {
        cluster.spawn(&[
            "--workers",
            "4",
            "--rate",
            "5",
            "--rate-period-ms",
            "400",
            "--claim-batch",
            "1",
            "--prefetch",
            "0",
        ]);
    }
    cluster.wait_ready().await;
    let requests: Vec<_> = (0..JOBS)
        .map(|_| EnqueueRequest::new("scale.limited", json!({})))
        .collect();
    engine.enqueue_many(requests).await.unwrap();
    let took = cluster
        .wait_success(JOBS as u64, Duration::from_secs(120))
        .await;
    let most = cluster
        .scalar("SELECT max(n) FROM (SELECT count(*) AS n FROM scale_limited GROUP BY period) AS p")
        .await;
    let periods = cluster
        .scalar("SELECT count(DISTINCT period) FROM scale_limited")
        .await;
    let runs = cluster.scalar("SELECT count(*) FROM scale_limited").await;
    let processes = cluster
        .scalar("SELECT count(DISTINCT pid) FROM scale_limited")
        .await;
    let retried = cluster
        .scalar("SELECT count(*) FROM jobs WHERE retry_count > 0")
        .await;
    println!(
        "rate limit: jobs={JOBS} limit={LIMIT}/400ms processes_used={processes} periods={periods} \
         most_in_a_period={most} seconds={:.2}",
        took.as_secs_f64()
    );
    assert_eq!(runs, JOBS, "every job ran once");
    assert!(
        most <= LIMIT,
        "{most} starts in one period, over the limit of {LIMIT}"
    );
    assert!(
        periods >= JOBS / LIMIT,
        "{periods} periods for {JOBS} jobs at {LIMIT} each"
    );
    assert!(processes >= 2, "the work was not shared between processes");
    assert_eq!(retried, 0, "waiting for the limit spent no retry");
    cluster.stop().await;
}

/// A keyed concurrency limit (one running job per user) holds across three
/// worker processes: no two runs of one user's jobs overlap, while different
/// users' jobs run side by side, and waiting spends no retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_concurrency_limit_holds_across_three_processes() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    sqlx::query(
        "CREATE TABLE scale_keyed (job_id uuid NOT NULL, user_id bigint, pid int NOT NULL, \
         started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL)",
    )
    .execute(cluster.db.pool())
    .await
    .unwrap();
    let engine = cluster.engine(Arc::new(cluster.db.queue()));
    const JOBS: i64 = 30;
    let requests: Vec<_> = (0..JOBS)
        .map(|i| {
            EnqueueRequest::new("scale.keyed", json!({}))
                .with_options(EnqueueOptions::default().with_user(1 + i % 3))
        })
        .collect();
    engine.enqueue_many(requests).await.unwrap();
    for _ in 0..3 {
        cluster.spawn(&["--workers", "4"]);
    }
    let took = cluster
        .wait_success(JOBS as u64, Duration::from_secs(120))
        .await;
    let runs = cluster.scalar("SELECT count(*) FROM scale_keyed").await;
    let overlaps_same_user = cluster
        .scalar(
            "SELECT count(*) FROM scale_keyed a JOIN scale_keyed b ON a.user_id = b.user_id \
             AND a.job_id < b.job_id AND a.started_at < b.ended_at AND b.started_at < a.ended_at",
        )
        .await;
    let overlaps_across_users = cluster
        .scalar(
            "SELECT count(*) FROM scale_keyed a JOIN scale_keyed b ON a.user_id <> b.user_id \
             AND a.started_at < b.ended_at AND b.started_at < a.ended_at",
        )
        .await;
    let processes = cluster
        .scalar("SELECT count(DISTINCT pid) FROM scale_keyed")
        .await;
    let retried = cluster
        .scalar("SELECT count(*) FROM jobs WHERE retry_count > 0")
        .await;
    println!(
        "keyed concurrency: jobs={JOBS} users=3 limit=1 processes_used={processes} \
         same_user_overlaps={overlaps_same_user} cross_user_overlaps={overlaps_across_users} seconds={:.2}",
        took.as_secs_f64()
    );
    assert_eq!(runs, JOBS, "every job ran once");
    assert_eq!(overlaps_same_user, 0, "two jobs of one user ran at once");
    assert!(
        overlaps_across_users > 0,
        "users' jobs never ran side by side"
    );
    assert!(processes >= 2, "the work was not shared between processes");
    assert_eq!(retried, 0, "waiting spent no retry");
    cluster.stop().await;
}

/// Workers are SIGKILLed again and again while draining: nothing is lost, nothing is
/// left running once leases expire, and no job runs again after its success was
/// committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_draining_loses_nothing() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    let engine = cluster.engine(Arc::new(cluster.db.queue()));
    const JOBS: u64 = 2000;
    const KILLS: usize = 6;
    let lease_ms = 1500;
    enqueue(&engine, JOBS as usize, json!({ "ms": 5 }), 20).await;
    let args = ["--workers", "8", "--lease-ms", "1500", "--reap-ms", "200"];
    for _ in 0..3 {
        cluster.spawn(&args);
    }
    let started = Instant::now();
    let mut last_kill = Instant::now();
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut victim = cluster.workers.remove(kill % cluster.workers.len());
        victim.kill().await.unwrap(); // SIGKILL: no shutdown, no lease release
        last_kill = Instant::now();
        cluster.spawn(&args);
    }
    cluster.wait_success(JOBS, Duration::from_secs(240)).await;
    let recovery = last_kill.elapsed();
    // After the drain: no job left running, none failed.
    tokio::time::sleep(Duration::from_millis(lease_ms + 500)).await;
    let running = cluster.count(JobStatus::Running).await;
    let queued = cluster.count(JobStatus::Queued).await;
    let failed = cluster.count(JobStatus::Failed).await;
    let distinct = cluster
        .scalar("SELECT count(DISTINCT job_id) FROM scale_completions")
        .await;
    let executions = cluster
        .scalar("SELECT count(*) FROM scale_completions")
        .await;
    // An execution with a later attempt than the committed success would mean the job
    // ran again after its completion was committed.
    let after_commit = cluster
        .scalar(
            "SELECT count(*) FROM scale_completions c JOIN jobs j ON j.id = c.job_id \
             WHERE c.attempt > j.attempt",
        )
        .await;
    let reaped = cluster
        .scalar("SELECT count(*) FROM job_events WHERE message = 'lease expired; job requeued'")
        .await;
    println!(
        "crash: jobs={JOBS} kills={KILLS} succeeded={} lost={} running_after={running} queued_after={queued} failed={failed} \
         reruns_of_interrupted_attempts={} completed_twice_after_commit={after_commit} leases_reaped={reaped} \
         total_seconds={:.2} recovery_seconds_after_last_kill={:.2}",
        cluster.count(JobStatus::Success).await,
        JOBS as i64 - distinct,
        executions - distinct,
        started.elapsed().as_secs_f64(),
        recovery.as_secs_f64()
    );
    assert_eq!(distinct, JOBS as i64, "a job was lost");
    assert_eq!((running, queued, failed), (0, 0, 0));
    assert_eq!(
        after_commit, 0,
        "a job ran again after its success was committed"
    );
    cluster.stop().await;
}

/// Redis loses everything (FLUSHALL) in the middle of a drain in Redis-queue mode;
/// the store stays the truth and every job still completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flushall_redis_mid_drain_every_job_completes() {
    let _serial = SERIAL.lock().await;
    let queue = redis_queue().await;
    let mut cluster = Cluster::new(Some(&queue)).await;
    let engine = cluster.engine(Arc::new(queue.clone()));
    const JOBS: u64 = 3000;
    enqueue(&engine, JOBS as usize, json!({ "ms": 2 }), 3).await;
    for _ in 0..3 {
        cluster.spawn(&["--workers", "4"]);
    }
    let started = Instant::now();
    while cluster.count(JobStatus::Success).await < JOBS / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "drain did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done_at_flush = cluster.count(JobStatus::Success).await;
    let depth_at_flush = queue.depth().await.unwrap();
    let () = queue.client().flushall(false).await.unwrap();
    assert_eq!(
        queue.depth().await.unwrap().ready,
        0,
        "FLUSHALL left messages"
    );
    let flushed_at = Instant::now();
    cluster.wait_success(JOBS, Duration::from_secs(240)).await;
    let distinct = cluster
        .scalar("SELECT count(DISTINCT job_id) FROM scale_completions")
        .await;
    let executions = cluster
        .scalar("SELECT count(*) FROM scale_completions")
        .await;
    println!(
        "redis flush: jobs={JOBS} succeeded_at_flush={done_at_flush} messages_flushed={} succeeded={} lost={} \
         duplicates={} seconds_to_finish_after_flush={:.2}",
        depth_at_flush.ready + depth_at_flush.delayed,
        cluster.count(JobStatus::Success).await,
        JOBS as i64 - distinct,
        executions - distinct,
        flushed_at.elapsed().as_secs_f64()
    );
    assert_eq!(distinct, JOBS as i64);
    assert_eq!(cluster.count(JobStatus::Queued).await, 0);
    cluster.stop().await;
}

/// Two scheduler processes on one Postgres: every due tick of every schedule
/// enqueues exactly one job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_enqueue_each_tick_once() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    const SCHEDULES: i64 = 40;
    let now = chrono::Utc::now();
    for n in 0..SCHEDULES {
        cluster
            .db
            .upsert_schedule(
                NewSchedule {
                    name: format!("tick-{n}"),
                    job_type: "scale.count".into(),
                    // Due once now, then not again for months: every schedule has
                    // exactly one due tick while the test runs, whenever it runs.
                    cron: "0 0 1 1 *".into(),
                    payload: json!({ "schedule": n }),
                    user_id: None,
                    enabled: true,
                    next_run_at: now - chrono::TimeDelta::seconds(1),
                },
                now,
            )
            .await
            .unwrap();
    }
    cluster.spawn(&["--workers", "0", "--scheduler"]);
    cluster.spawn(&["--workers", "0", "--scheduler"]);
    let started = Instant::now();
    loop {
        let advanced = cluster
            .scalar("SELECT count(*) FROM schedules WHERE last_run_at IS NOT NULL")
            .await;
        if advanced == SCHEDULES {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "schedulers did not tick"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a late second scheduler every chance to double-enqueue.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let jobs = cluster
        .db
        .list_jobs(&JobFilter {
            limit: 1000,
            ..JobFilter::default()
        })
        .await
        .unwrap();
    let scheduled = jobs
        .iter()
        .filter(|j| j.trigger == Trigger::Schedule)
        .count() as i64;
    let distinct_keys = jobs
        .iter()
        .filter_map(|j| j.idempotency_key.as_deref())
        .collect::<std::collections::HashSet<_>>()
        .len() as i64;
    println!(
        "schedulers: processes=2 schedules={SCHEDULES} due_ticks={SCHEDULES} jobs_enqueued={scheduled} duplicates={}",
        scheduled - SCHEDULES
    );
    assert_eq!(scheduled, SCHEDULES, "a tick enqueued zero or two jobs");
    assert_eq!(distinct_keys, SCHEDULES);
    cluster.stop().await;
}

/// Waits until a quarter of `jobs` succeeded.
async fn wait_quarter(cluster: &Cluster, jobs: u64) {
    let started = Instant::now();
    while cluster.count(JobStatus::Success).await < jobs / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "drain did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every worker process is still running: none gave up on a lost connection.
fn assert_workers_alive(cluster: &mut Cluster) {
    for (n, worker) in cluster.workers.iter_mut().enumerate() {
        assert!(
            worker.try_wait().unwrap().is_none(),
            "worker {n} exited instead of recovering"
        );
    }
}

/// Restart drill: every Postgres connection of the workers is killed three times
/// in the middle of a drain (as a Postgres restart does). The workers reconnect by
/// themselves, and every job completes; none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_killed_mid_drain_workers_recover() {
    let _serial = SERIAL.lock().await;
    let mut cluster = Cluster::new(None).await;
    let application = format!("drill_{}", cluster.db.schema());
    cluster.database_url_params = format!("application_name={application}");
    let engine = cluster.engine(Arc::new(cluster.db.queue()));
    const JOBS: u64 = 3000;
    enqueue(&engine, JOBS as usize, json!({ "ms": 2 }), 10).await;
    let args = ["--workers", "4", "--lease-ms", "2000", "--reap-ms", "200"];
    for _ in 0..3 {
        cluster.spawn(&args);
    }
    wait_quarter(&cluster, JOBS).await;
    let started = Instant::now();
    let mut killed = 0;
    for _ in 0..3 {
        killed += cluster
            .scalar(&format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = '{application}'"
            ))
            .await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(killed >= 3, "the drill killed {killed} connections");
    cluster.wait_success(JOBS, Duration::from_secs(240)).await;
    let distinct = cluster
        .scalar("SELECT count(DISTINCT job_id) FROM scale_completions")
        .await;
    let failed = cluster.count(JobStatus::Failed).await;
    println!(
        "postgres restart drill: jobs={JOBS} connections_killed={killed} succeeded={} lost={} failed={failed} \
         seconds_to_finish_after_first_kill={:.2}",
        cluster.count(JobStatus::Success).await,
        JOBS as i64 - distinct,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(distinct, JOBS as i64, "a job was lost");
    assert_eq!(failed, 0);
    assert_workers_alive(&mut cluster);
    cluster.stop().await;
}

/// A Redis server of the test's own, on a free port, that the drill can kill and
/// start again (the shared test server stays untouched).
struct PrivateRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    async fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = PrivateRedis {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        redis.restart().await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (empty: nothing is saved) and waits until it answers.
    async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is on PATH (Debian's redis-server package)");
        self.child = Some(child);
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: everything in it is gone.
    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }
}

/// Restart drill: the workers' Redis is killed in the middle of a drain and
/// started again empty a second later. Workers reconnect by themselves, the store
/// stays the truth, and every job completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_drain_workers_recover() {
    use afterresume_backends::redis::RedisQueueOptions;
    let _serial = SERIAL.lock().await;
    let mut redis = PrivateRedis::start().await;
    let queue = RedisQueue::connect_with(
        RedisQueueOptions::new(redis.url()).with_prefix("drill".to_owned()),
    )
    .await
    .unwrap();
    let mut cluster = Cluster::new(Some(&queue)).await;
    cluster.redis_url = Some(redis.url());
    let engine = cluster.engine(Arc::new(queue.clone()));
    const JOBS: u64 = 3000;
    enqueue(&engine, JOBS as usize, json!({ "ms": 2 }), 10).await;
    for _ in 0..3 {
        cluster.spawn(&["--workers", "4"]);
    }
    wait_quarter(&cluster, JOBS).await;
    let done_at_kill = cluster.count(JobStatus::Success).await;
    redis.kill().await;
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart().await;
    cluster.wait_success(JOBS, Duration::from_secs(240)).await;
    let distinct = cluster
        .scalar("SELECT count(DISTINCT job_id) FROM scale_completions")
        .await;
    println!(
        "redis restart drill: jobs={JOBS} succeeded_at_kill={done_at_kill} succeeded={} lost={} \
         seconds_to_finish_after_kill={:.2}",
        cluster.count(JobStatus::Success).await,
        JOBS as i64 - distinct,
        killed_at.elapsed().as_secs_f64()
    );
    assert_eq!(distinct, JOBS as i64, "a job was lost");
    assert_eq!(cluster.count(JobStatus::Queued).await, 0);
    assert_workers_alive(&mut cluster);
    cluster.stop().await;
}
