//! A worker process for the scale-out and crash tests: the `afterresume worker` setup
//! (backends from DATABASE_URL / REDIS_URL, engine, workers, scheduler, reaper) plus
//! one job type, `scale.count`, whose workflow records every execution in its own
//! side table so tests can count completions independently of the job store.
//!
//! A second type, `scale.limited`, has a rate limit (`--rate N` starts per
//! `--rate-period-ms MS`, shared by every process) and records the period each
//! start was counted in. A third, `scale.keyed`, runs at most one job per user
//! at a time across every process and records when each ran.
//!
//! Usage: `scale-worker [--workers N] [--scheduler] [--lease-ms MS] [--reap-ms MS]
//! [--rate N] [--rate-period-ms MS] [--claim-batch N] [--prefetch N]`.
//! Runs until SIGTERM/SIGINT (graceful) or SIGKILL.

use std::str::FromStr;
use std::time::Duration;

use afterresume_core::engine::ConcurrencyScope;
use afterresume_core::{EngineConfig, Error, JobTypeOptions, Result, WorkerOptions, workflow_fn};
use afterresume_http::{DatabaseSetting, Settings, System};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

struct Args {
    workers: usize,
    scheduler: bool,
    lease: Duration,
    reap: Duration,
    /// Starts of `scale.limited` allowed per `rate_period`, for every process.
    rate: u32,
    rate_period: Duration,
    /// Overrides `EngineConfig::claim_batch` (a test that needs the work shared
    /// between processes keeps one process from claiming it all at once).
    claim_batch: Option<usize>,
    /// Overrides `EngineConfig::prefetch`.
    prefetch: Option<usize>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        workers: 4,
        scheduler: false,
        lease: Duration::from_secs(30),
        reap: Duration::from_secs(1),
        rate: 5,
        rate_period: Duration::from_millis(500),
        claim_batch: None,
        prefetch: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<u64> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| Error::invalid_input(format!("{name}: expects a number")))
        };
        match flag.as_str() {
            "--workers" => args.workers = value("--workers")? as usize,
            "--scheduler" => args.scheduler = true,
            "--lease-ms" => args.lease = Duration::from_millis(value("--lease-ms")?),
            "--reap-ms" => args.reap = Duration::from_millis(value("--reap-ms")?),
            "--rate" => args.rate = value("--rate")? as u32,
            "--rate-period-ms" => {
                args.rate_period = Duration::from_millis(value("--rate-period-ms")?)
            }
            "--claim-batch" => args.claim_batch = Some(value("--claim-batch")?.max(1) as usize),
            "--prefetch" => args.prefetch = Some(value("--prefetch")? as usize),
            other => return Err(Error::invalid_input(format!("unknown flag '{other}'"))),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("scale-worker: {err:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    let settings = Settings::from_env()?;
    let DatabaseSetting::Postgres { url, schema, .. } = &settings.database else {
        return Err(Error::config_invalid(
            "DATABASE_URL: scale-worker needs postgres",
        ));
    };
    let side = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(
            PgConnectOptions::from_str(url)
                .map_err(|e| Error::config_invalid("DATABASE_URL").with_source(e))?
                .options([("search_path", schema.as_str())]),
        )
        .await
        .map_err(|e| Error::backend("side table pool").with_source(e))?;
    let system = System::open(&settings).await?;
    let defaults = EngineConfig::default();
    let config = EngineConfig {
        claim_batch: args.claim_batch.unwrap_or(defaults.claim_batch),
        prefetch: args.prefetch.unwrap_or(defaults.prefetch),
        lease_ttl: args.lease,
        heartbeat_interval: args.lease / 4,
        reap_interval: args.reap,
        poll_interval: Duration::from_millis(100),
        scheduler_interval: Duration::from_millis(100),
        reconcile_after: Duration::from_millis(500),
        ..defaults
    };
    let pid = std::process::id() as i32;
    let limited_side = side.clone();
    let keyed_side = side.clone();
    let engine =
        system
            .engine_builder(config)
            .register(
                "scale.count",
                workflow_fn(move |ctx, payload| {
                    let side = side.clone();
                    async move {
                        if let Some(ms) = payload["ms"].as_u64() {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                        }
                        sqlx::query(
                        "INSERT INTO scale_completions (job_id, attempt, pid) VALUES ($1, $2, $3)",
                    )
                    .bind(ctx.job_id())
                    .bind(ctx.attempt() as i32)
                    .bind(pid)
                    .execute(&side)
                    .await
                    .map_err(|e| Error::backend("side table insert").with_source(e).temporary())?;
                        Ok(json!({ "pid": pid }))
                    }
                }),
            )
            .register_with(
                "scale.limited",
                workflow_fn(move |ctx, _payload| {
                    let side = limited_side.clone();
                    async move {
                        sqlx::query(
                            "INSERT INTO scale_limited (job_id, pid, period) VALUES ($1, $2, $3)",
                        )
                        .bind(ctx.job_id())
                        .bind(pid)
                        .bind(ctx.rate_period())
                        .execute(&side)
                        .await
                        .map_err(|e| {
                            Error::backend("side table insert")
                                .with_source(e)
                                .temporary()
                        })?;
                        Ok(json!({ "pid": pid }))
                    }
                }),
                JobTypeOptions::default().with_rate_limit(args.rate, args.rate_period),
            )
            .register_with(
                "scale.keyed",
                workflow_fn(move |ctx, _payload| {
                    let side = keyed_side.clone();
                    async move {
                        let started = ctx.now();
                        tokio::time::sleep(Duration::from_millis(40)).await;
                        sqlx::query(
                            "INSERT INTO scale_keyed (job_id, user_id, pid, started_at, ended_at) \
                             VALUES ($1, $2, $3, $4, clock_timestamp())",
                        )
                        .bind(ctx.job_id())
                        .bind(ctx.user_id())
                        .bind(pid)
                        .bind(started)
                        .execute(&side)
                        .await
                        .map_err(|e| {
                            Error::backend("side table insert")
                                .with_source(e)
                                .temporary()
                        })?;
                        Ok(json!({ "pid": pid }))
                    }
                }),
                JobTypeOptions::default().with_concurrency_limit(1, ConcurrencyScope::User),
            )
            .build()?;
    let running = engine.start(WorkerOptions {
        workers: args.workers,
        scheduler: args.scheduler,
        maintenance: true,
        name: format!("scale-{pid}"),
        queues: None,
    });
    println!("ready {pid}");
    wait_for_signal().await;
    running.shutdown(Duration::from_secs(5)).await;
    Ok(())
}

async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
