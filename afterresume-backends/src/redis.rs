//! [`Queue`] on Redis (feature `redis`), used next to a SQL `JobStore` that stays the
//! source of truth.
//!
//! # Why a sorted set
//! Messages live in one sorted set per queue: the score is `available_at` in
//! microseconds, the member `<20-digit sequence>:<job id>`, so delayed delivery,
//! "earliest first" and push order among equal times all come from one structure, and
//! a pop is one Lua script (`ZRANGEBYSCORE` + `ZREM`) that Redis runs atomically:
//! no message reaches two poppers. Depth is two `ZCOUNT`s.
//!
//! Lists with a processing list (or streams with consumer groups) add redelivery of
//! messages a crashed consumer popped but never acked. AfterResume does not need it:
//! a job's truth is its row in the job store, claims are the store's atomic
//! transition, expired leases are reaped there, and the engine's reconciler publishes
//! again every due `queued` job a flushed or restarted Redis forgot. So the queue may
//! lose or repeat messages and stays simple and fast.
//!
//! # Wakeups
//! A push publishes once on the queue's channel (inside the same script); every
//! process keeps one subscriber connection that wakes its local poppers. Poppers also
//! poll, so a missed publish only costs a poll interval.

use std::sync::{Arc, Weak};
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use fred::prelude::{
    Builder, Client, ClientLike, Config, EventInterface, KeysInterface, PubsubInterface,
    SortedSetsInterface,
};
use fred::types::scripts::Script;
use tokio::sync::{Notify, OnceCell};

use crate::common::{pop_waiting, redact_url};

const PUSH_SCRIPT: &str = r#"
local n = (#ARGV - 1) / 2
local last = redis.call('INCRBY', KEYS[2], n)
local first = last - n + 1
for i = 0, n - 1 do
  redis.call('ZADD', KEYS[1], ARGV[2 + 2 * i], string.format('%020d', first + i) .. ':' .. ARGV[3 + 2 * i])
end
redis.call('PUBLISH', ARGV[1], n)
return n
"#;

const POP_SCRIPT: &str = r#"
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for i = 1, #items, 500 do
  redis.call('ZREM', KEYS[1], unpack(items, i, math.min(i + 499, #items)))
end
return items
"#;

/// Messages per push script call.
const PUSH_CHUNK: usize = 1000;

/// How to open a [`RedisQueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisQueueOptions {
    /// A `redis://` or `rediss://` URL (as in `REDIS_URL`).
    pub url: String,
    /// Prefix of every key and channel of this queue, e.g. `afterresume:jobs`.
    pub prefix: String,
    /// How often a waiting pop polls when no wakeup arrives.
    pub poll_interval: Duration,
}

impl RedisQueueOptions {
    /// Options for a URL with the default prefix `afterresume:jobs`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisQueueOptions {
            url: url.into(),
            prefix: "afterresume:jobs".to_owned(),
            poll_interval: Duration::from_millis(100),
        }
    }

    /// Uses another key prefix (one per deployment, or per test).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

/// A queue in Redis. Clones share the connection.
#[derive(Clone)]
pub struct RedisQueue {
    client: Client,
    config: Config,
    options: Arc<RedisQueueOptions>,
    clock: SharedClock,
    push: Arc<Script>,
    pop: Arc<Script>,
    wakeups: Arc<Wakeups>,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("prefix", &self.options.prefix)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Wakeups {
    notify: Notify,
    subscriber: OnceCell<()>,
}

fn map_redis(err: fred::error::Error) -> Error {
    Error::backend(format!("redis: {}", err.details()))
        .temporary()
        .with_source(err)
}

impl RedisQueue {
    /// Connects with the default prefix.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(RedisQueueOptions::new(url)).await
    }

    /// Connects and checks the server answers. Errors name the URL (without its
    /// password) and what failed.
    pub async fn connect_with(options: RedisQueueOptions) -> Result<Self> {
        let safe_url = redact_url(&options.url);
        if options.prefix.is_empty() || options.prefix.chars().any(char::is_whitespace) {
            return Err(Error::config_invalid(
                "redis queue prefix: must be non-empty and without spaces",
            ));
        }
        let config = Config::from_url(&options.url).map_err(|e| {
            Error::config_invalid(format!("redis: invalid url '{safe_url}': {}", e.details()))
        })?;
        let client = Builder::from_config(config.clone())
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(5);
                c.internal_command_timeout = Duration::from_secs(5);
            })
            .build()
            .map_err(|e| {
                Error::config_invalid(format!("redis: cannot use '{safe_url}': {}", e.details()))
            })?;
        let connected = tokio::time::timeout(Duration::from_secs(10), client.init()).await;
        match connected {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(map_redis(e).with_context("url", &safe_url));
            }
            Err(_) => {
                return Err(Error::backend(format!(
                    "redis: connecting to '{safe_url}' timed out after 10s"
                ))
                .temporary());
            }
        }
        Ok(RedisQueue {
            client,
            config,
            options: Arc::new(options),
            clock: Arc::new(SystemClock),
            push: Arc::new(Script::from_lua(PUSH_SCRIPT)),
            pop: Arc::new(Script::from_lua(POP_SCRIPT)),
            wakeups: Arc::default(),
        })
    }

    /// Uses another clock for "due" (use the engine's clock).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.options.prefix
    }

    fn queue_key(&self) -> String {
        format!("{}:q", self.options.prefix)
    }

    fn seq_key(&self) -> String {
        format!("{}:seq", self.options.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:wake", self.options.prefix)
    }

    /// Deletes this queue's keys (for tests and resets).
    pub async fn delete_all(&self) -> Result<()> {
        let _: i64 = self
            .client
            .del(vec![self.queue_key(), self.seq_key()])
            .await
            .map_err(map_redis)?;
        Ok(())
    }

    /// The connection, for operators' tooling and tests.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn now_micros(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    /// Starts (once per queue handle family) the subscriber that wakes local poppers.
    async fn ensure_subscriber(&self) {
        let config = self.config.clone();
        let channel = self.channel();
        let wakeups = Arc::downgrade(&self.wakeups);
        self.wakeups
            .subscriber
            .get_or_init(|| async move {
                tokio::spawn(subscribe(config, channel, wakeups));
            })
            .await;
    }

    async fn take_due(&self, max: usize) -> Result<Vec<Delivery>> {
        let members: Vec<String> = self
            .pop
            .evalsha_with_reload(
                &self.client,
                vec![self.queue_key()],
                vec![self.now_micros().to_string(), max.max(1).to_string()],
            )
            .await
            .map_err(map_redis)?;
        members
            .into_iter()
            .map(|member| {
                let id = member.split_once(':').map(|(_, id)| id).unwrap_or_default();
                let job_id = id.parse().map_err(|_| {
                    Error::unexpected(format!("redis queue holds a bad member '{member}'"))
                })?;
                Ok(Delivery {
                    job_id,
                    receipt: member,
                })
            })
            .collect()
    }
}

/// Forwards published wakeups to local poppers until the queue is dropped.
async fn subscribe(config: Config, channel: String, wakeups: Weak<Wakeups>) {
    let subscriber = match Builder::from_config(config).build_subscriber_client() {
        Ok(s) => s,
        Err(err) => {
            tracing::warn!(error = %err, "redis: no subscriber; the queue falls back to polling");
            return;
        }
    };
    if let Err(err) = subscriber.init().await {
        tracing::warn!(error = %err, "redis: subscriber cannot connect; the queue falls back to polling");
        return;
    }
    let _resubscribe = subscriber.manage_subscriptions();
    let mut messages = subscriber.message_rx();
    if let Err(err) = subscriber.subscribe(channel).await {
        tracing::warn!(error = %err, "redis: SUBSCRIBE failed; the queue falls back to polling");
        return;
    }
    loop {
        let received = tokio::time::timeout(Duration::from_secs(5), messages.recv()).await;
        let Some(wakeups) = wakeups.upgrade() else {
            let _ = subscriber.quit().await;
            return;
        };
        match received {
            Ok(Ok(_)) => wakeups.notify.notify_waiters(),
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {
                wakeups.notify.notify_waiters()
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return,
            Err(_) => {}
        }
    }
}

#[async_trait]
impl Queue for RedisQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        for chunk in messages.chunks(PUSH_CHUNK) {
            let mut args = Vec::with_capacity(1 + chunk.len() * 2);
            args.push(self.channel());
            for m in chunk {
                args.push(m.available_at.timestamp_micros().to_string());
                args.push(m.job_id.to_string());
            }
            let _: i64 = self
                .push
                .evalsha_with_reload(&self.client, vec![self.queue_key(), self.seq_key()], args)
                .await
                .map_err(map_redis)?;
        }
        if !messages.is_empty() {
            self.wakeups.notify.notify_waiters();
        }
        Ok(())
    }

    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        self.ensure_subscriber().await;
        pop_waiting(
            &self.wakeups.notify,
            self.options.poll_interval,
            opts.wait,
            || self.take_due(opts.max),
        )
        .await
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let now = self.now_micros() as f64;
        let key = self.queue_key();
        let ready: u64 = self
            .client
            .zcount(&key, f64::NEG_INFINITY, now)
            .await
            .map_err(map_redis)?;
        let total: u64 = self
            .client
            .zcount(&key, f64::NEG_INFINITY, f64::INFINITY)
            .await
            .map_err(map_redis)?;
        Ok(QueueDepth {
            ready,
            delayed: total.saturating_sub(ready),
        })
    }
}
