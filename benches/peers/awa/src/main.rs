//! awa peer benchmark: worker / enqueue / paced modes, driven by bench_awa.py.
//!
//!   awa-peer-bench worker
//!   awa-peer-bench enqueue <n> <single|bulk> <phase> <enq_ns> [batch]
//!   awa-peer-bench paced   <rate> <seconds> <phase>
//!   awa-peer-bench clean   (cancels the queue's waiting jobs)
//!
//! Jobs record "enq_ns start_ns end_ns" (wall clock) as fixed 60-byte lines in
//! $BENCH_REC_DIR/p<phase>-<pid>.log, like the Python, Node and apalis peers.
//! `AWA_MAX_WORKERS` (default 10) and `AWA_POLL_MS` (default 50) set the queue.
use std::{
    collections::HashMap,
    fs::File,
    io::Write,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use awa::{Client, InsertOpts, InsertParams, JobArgs, JobResult, QueueConfig};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;

const QUEUE: &str = "peers_bench";

#[derive(Debug, Clone, Serialize, Deserialize, JobArgs)]
struct Noop {
    phase: u32,
    enq: u64,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

static FILES: Mutex<Option<HashMap<u32, File>>> = Mutex::new(None);

fn record(phase: u32, enq: u64) {
    let start = now_ns();
    let end = now_ns();
    let line = format!("{:019} {:019} {:019}\n", enq, start, end);
    let mut g = FILES.lock().unwrap();
    let map = g.get_or_insert_with(HashMap::new);
    let f = map.entry(phase).or_insert_with(|| {
        let dir = std::env::var("BENCH_REC_DIR").expect("BENCH_REC_DIR");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(format!("{dir}/p{phase}-{}.log", std::process::id()))
            .unwrap()
    });
    f.write_all(line.as_bytes()).unwrap();
}

fn pg_url() -> String {
    std::env::var("PG_URL")
        .unwrap_or_else(|_| "postgres://bench:bench@127.0.0.1:5432/peers_bench".into())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn pool(connections: u32) -> sqlx::PgPool {
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .connect(&pg_url())
        .await
        .expect("postgres connect");
    awa::migrations::run(&pool).await.expect("awa migrations");
    pool
}

fn opts() -> InsertOpts {
    InsertOpts {
        queue: QUEUE.into(),
        ..Default::default()
    }
}

async fn enqueue(
    pool: &sqlx::PgPool,
    n: usize,
    bulk: bool,
    phase: u32,
    enq: u64,
    batch: usize,
) -> f64 {
    let t0 = Instant::now();
    if bulk {
        let mut i = 0;
        while i < n {
            let k = batch.min(n - i);
            let params: Vec<InsertParams> = (0..k)
                .map(|_| InsertParams {
                    kind: Noop::kind().to_string(),
                    args: serde_json::to_value(Noop { phase, enq }).unwrap(),
                    opts: opts(),
                })
                .collect();
            awa::insert_many(pool, &params).await.expect("insert_many");
            i += k;
        }
    } else {
        for _ in 0..n {
            awa::insert_with(pool, &Noop { phase, enq }, opts())
                .await
                .expect("insert");
        }
    }
    t0.elapsed().as_secs_f64()
}

async fn paced(pool: &sqlx::PgPool, rate: f64, seconds: f64, phase: u32) -> usize {
    let n = (rate * seconds) as usize;
    let t0 = Instant::now();
    for i in 0..n {
        let target = t0 + Duration::from_secs_f64(i as f64 / rate);
        let now = Instant::now();
        if target > now {
            tokio::time::sleep(target - now).await;
        }
        awa::insert_with(
            pool,
            &Noop {
                phase,
                enq: now_ns(),
            },
            opts(),
        )
        .await
        .expect("insert");
    }
    n
}

async fn shutdown_signal() {
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str).unwrap_or("") {
        "worker" => {
            let max_workers = env_number("AWA_MAX_WORKERS", 10) as u32;
            let pool = pool(max_workers + 10).await;
            let client = Client::builder(pool)
                .queue(
                    QUEUE,
                    QueueConfig {
                        max_workers,
                        poll_interval: Duration::from_millis(env_number("AWA_POLL_MS", 50)),
                        ..QueueConfig::default()
                    },
                )
                .register::<Noop, _, _>(|job, _ctx| async move {
                    record(job.phase, job.enq);
                    Ok(JobResult::Completed)
                })
                .build()
                .expect("awa client");
            client.start().await.expect("awa start");
            println!("ready");
            shutdown_signal().await;
            client.shutdown(Duration::from_secs(5)).await;
        }
        "enqueue" => {
            let n: usize = a[2].parse().unwrap();
            let bulk = a[3] == "bulk";
            let phase: u32 = a[4].parse().unwrap();
            let enq: u64 = a[5].parse().unwrap();
            let batch: usize = a.get(6).and_then(|v| v.parse().ok()).unwrap_or(1000);
            let pool = pool(2).await;
            let secs = enqueue(&pool, n, bulk, phase, enq, batch).await;
            println!("{{\"seconds\": {secs}, \"n\": {n}}}");
        }
        "clean" => {
            let pool = pool(2).await;
            let cancelled = awa::admin::drain_queue(&pool, QUEUE)
                .await
                .expect("drain_queue");
            println!("{{\"cancelled\": {cancelled}}}");
        }
        "paced" => {
            let rate: f64 = a[2].parse().unwrap();
            let seconds: f64 = a[3].parse().unwrap();
            let phase: u32 = a[4].parse().unwrap();
            let pool = pool(2).await;
            let n = paced(&pool, rate, seconds, phase).await;
            println!("{{\"n\": {n}}}");
        }
        _ => {
            eprintln!("usage: see src/main.rs");
            std::process::exit(2);
        }
    }
}
