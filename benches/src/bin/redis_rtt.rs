//! What one Redis round trip costs at the pickup benchmark's pace, and how much of it
//! is the client and the runtime rather than Redis: `RPUSH`es spaced 5 ms apart (200
//! a second, so every reply wakes an idle thread, as in `peer-bench`'s latency phase),
//! sent through the queue's push, through fred directly, and over a raw socket, on a
//! multi-threaded and then on a current-thread tokio runtime. Prints p50/p99 in ms.
//!
//!     cargo run --release -p afterresume-benches --bin redis-rtt

use std::time::{Duration, Instant};

use afterresume_backends::redis::{RedisQueue, RedisQueueOptions};
use afterresume_core::ports::{Queue, QueueMessage};
use clap::Parser;
use fred::prelude::{KeysInterface, ListInterface};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser, Debug)]
#[command(about = "Redis round trips at 200/s: queue push, fred and a raw socket")]
struct Args {
    /// Round trips per way of sending.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Redis URL (host and port are also used for the raw socket).
    #[arg(
        long,
        env = "AFTERRESUME_BENCH_REDIS_URL",
        default_value = "redis://127.0.0.1:6379/0"
    )]
    redis_url: String,
}

/// Where this probe's keys live; deleted at the end.
const PREFIX: &str = "afterresume-bench:rtt";

fn p50_p99(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() * 99 / 100])
}

/// `RESP` for `RPUSH <key> x`.
fn raw_rpush(key: &str) -> Vec<u8> {
    format!(
        "*3\r\n$5\r\nRPUSH\r\n${}\r\n{key}\r\n$1\r\nx\r\n",
        key.len()
    )
    .into_bytes()
}

async fn measure(args: &Args, runtime: &str) {
    let options = RedisQueueOptions::new(&args.redis_url).with_prefix(PREFIX);
    let queue = RedisQueue::connect_with(options).await.expect("redis");
    let address = url::Url::parse(&args.redis_url).expect("redis url");
    let host = address.host_str().unwrap_or("127.0.0.1");
    let port = address.port().unwrap_or(6379);
    let mut raw = tokio::net::TcpStream::connect((host, port))
        .await
        .expect("raw socket");
    raw.set_nodelay(true).expect("nodelay");
    let list = format!("{PREFIX}:list");
    let command = raw_rpush(&list);
    let mut reply = [0u8; 64];
    let (mut push, mut fred, mut socket) = (Vec::new(), Vec::new(), Vec::new());
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    // Interleaved, so a slow phase of the machine hits every way alike.
    for i in 0..args.n * 3 {
        tick.tick().await;
        let started = Instant::now();
        let took = |started: Instant| started.elapsed().as_secs_f64() * 1e3;
        match i % 3 {
            0 => {
                let message = QueueMessage {
                    job_id: uuid::Uuid::now_v7(),
                    available_at: chrono::Utc::now(),
                    priority: afterresume_core::domain::DEFAULT_PRIORITY,
                };
                queue.push(&[message]).await.expect("push");
                push.push(took(started));
            }
            1 => {
                let _: i64 = queue.client().rpush(&list, "x").await.expect("rpush");
                fred.push(took(started));
            }
            _ => {
                raw.write_all(&command).await.expect("raw write");
                let _ = raw.read(&mut reply).await.expect("raw read");
                socket.push(took(started));
            }
        }
    }
    queue.delete_all().await.expect("clean up");
    let _: i64 = queue.client().del(&list).await.expect("clean up");
    for (way, ms) in [
        ("queue push", push),
        ("fred RPUSH", fred),
        ("raw RPUSH", socket),
    ] {
        let (p50, p99) = p50_p99(ms);
        println!("{runtime:<15} {way:<11} p50 {p50:.3} ms  p99 {p99:.3} ms");
    }
}

fn main() {
    let args = Args::parse();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    multi.block_on(measure(&args, "multi-thread"));
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    current.block_on(measure(&args, "current-thread"));
}
