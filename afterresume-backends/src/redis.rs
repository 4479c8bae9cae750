//! [`Queue`] on Redis (feature `redis`), used next to a SQL `JobStore` that stays the
//! source of truth.
//!
//! # Why two sorted sets
//! Due messages sit in a sorted set, `<prefix>:due`, member the job id, scored by
//! the job store's claim order in microseconds (`available_at` pushed back one
//! aging step per priority level, see `afterresume_core::domain::claim_order`),
//! so the queue hands out the most urgent due job first and priorities age
//! exactly as they do in the store; equal scores come in id order, which for
//! the engine's time-ordered (UUIDv7) ids is creation order. An idle worker
//! waits in `BZMPOP` and Redis hands it a message the moment one is pushed:
//! pickup costs the push's own round trip and nothing more (no publish, no
//! second pop round trip). Messages for later sit in a second sorted set,
//! `<prefix>:later`, scored by `available_at`, member `<claim order>:<job id>`;
//! every pop first moves the ones that came due into `:due`, in the same Lua
//! script that then pops the lowest scores, and Redis runs it atomically: no
//! message reaches two poppers. A waiting pop blocks for at most one poll
//! interval at a time, so a delayed message is delivered within a poll interval
//! of its time. A push is one `ZADD` per set it touches, no script.
//!
//! (Before priorities the queue kept a list, `<prefix>:ready`, and a set,
//! `<prefix>:q`; a queue upgraded in place leaves them unread, and the engine's
//! reconciler publishes their jobs again from the job store.)
//!
//! Each blocked pop holds a connection of its own (a blocked connection serves
//! nothing else); idle ones are kept in a small pool. A pop that is cancelled while
//! it blocks (a worker stopping) leaves its `BZMPOP` to finish in a task, which puts
//! anything it received back with its score, so cancelling loses no message.
//!
//! Processing lists (or streams with consumer groups) add redelivery of
//! messages a crashed consumer popped but never acked. AfterResume does not need it:
//! a job's truth is its row in the job store, claims are the store's atomic
//! transition, expired leases are reaped there, and the engine's reconciler publishes
//! again every due `queued` job a flushed or restarted Redis forgot. So the queue may
//! lose or repeat messages and stays simple and fast.
//!
//! Needs Redis 7.0 or later (`BZMPOP`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::domain::claim_order;
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use fred::prelude::{
    Builder, Client, ClientLike, Config, KeysInterface, ReconnectPolicy, SortedSetsInterface,
};
use fred::types::Value;
use fred::types::scripts::Script;
use fred::types::sorted_sets::ZCmp;
use tokio::sync::oneshot;

use crate::common::redact_url;

/// Moves what came due from `:later` into `:due` (member `<claim order>:<id>`
/// becomes `<id>` scored by the claim order), then pops up to ARGV[2] members
/// with the lowest scores. KEYS: later, due. ARGV: now, max.
const POP_SCRIPT: &str = r#"
local came = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #came > 0 then
  local scored = {}
  for i, member in ipairs(came) do
    local order, id = string.match(member, '^(%d+):(.+)$')
    scored[#scored + 1] = order
    scored[#scored + 1] = id
  end
  for i = 1, #came, 500 do
    redis.call('ZREM', KEYS[1], unpack(came, i, math.min(i + 499, #came)))
  end
  for i = 1, #scored, 1000 do
    redis.call('ZADD', KEYS[2], unpack(scored, i, math.min(i + 999, #scored)))
  end
end
local popped = redis.call('ZPOPMIN', KEYS[2], ARGV[2])
local members = {}
for i = 1, #popped, 2 do members[#members + 1] = popped[i] end
return members
"#;

/// Messages per push script call.
const PUSH_CHUNK: usize = 1000;

/// Longest any command waits for its reply, reconnection included.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest one `BZMPOP` blocks, well under [`COMMAND_TIMEOUT`]; a longer wait loops.
const MAX_BLOCK: Duration = Duration::from_secs(1);

/// Longest a `BZMPOP` may take past its own timeout before the pop gives up on its
/// connection. Shorter than [`COMMAND_TIMEOUT`] so that fred's `Timeout` error can only
/// mean what `BZMPOP` says with a nil reply: nothing came.
const BLOCK_GRACE: Duration = Duration::from_secs(2);

/// How to open a [`RedisQueue`]. `Debug` prints the URL without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisQueueOptions {
    /// A `redis://` or `rediss://` URL (as in `REDIS_URL`).
    pub url: String,
    /// Prefix of every key of this queue, e.g. `afterresume:jobs`.
    pub prefix: String,
    /// Longest a waiting pop blocks before it looks for delayed messages that came due.
    pub poll_interval: Duration,
}

impl std::fmt::Debug for RedisQueueOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueueOptions")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("poll_interval", &self.poll_interval)
            .finish()
    }
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

/// A queue in Redis. Clones share the connections.
#[derive(Clone)]
pub struct RedisQueue {
    options: Arc<RedisQueueOptions>,
    clock: SharedClock,
    pop: Arc<Script>,
    connections: Arc<Connections>,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("prefix", &self.options.prefix)
            .finish_non_exhaustive()
    }
}

/// The queue's connections: the main one, for every command that does not block, and
/// idle ones for blocking pops. The last queue handle's drop closes them all (a
/// reconnecting client would otherwise live on).
struct Connections {
    main: Client,
    config: Config,
    safe_url: String,
    idle: Mutex<Vec<Client>>,
}

impl Connections {
    /// An idle connection for a blocking pop, or a new one.
    async fn take_blocking(&self) -> Result<Client> {
        let idle = self.idle.lock().expect("redis pool lock").pop();
        match idle {
            Some(client) => Ok(client),
            None => connect(&self.config, &self.safe_url).await,
        }
    }

    fn give_back(&self, client: Client) {
        self.idle.lock().expect("redis pool lock").push(client);
    }
}

impl Drop for Connections {
    fn drop(&mut self) {
        let mut idle = std::mem::take(self.idle.get_mut().expect("redis pool lock"));
        idle.push(self.main.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            for client in idle {
                runtime.spawn(async move { client.quit().await });
            }
        }
    }
}

fn map_redis(err: fred::error::Error) -> Error {
    Error::backend(format!("redis: {}", err.details()))
        .temporary()
        .with_source(err)
}

/// Opens one connection and checks the server answers. Errors name the URL (without
/// its password) and what failed. A connection that drops later (a Redis restart, a
/// network blip) reconnects, forever, backing off from 0.1 s to 2 s; meanwhile commands
/// fail after [`COMMAND_TIMEOUT`] with a temporary error instead of hanging, so an
/// enqueue still returns (its job row is stored; the reconciler publishes it later).
async fn connect(config: &Config, safe_url: &str) -> Result<Client> {
    let client = Builder::from_config(config.clone())
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(5);
            c.internal_command_timeout = Duration::from_secs(5);
        })
        .with_performance_config(|p| p.default_command_timeout = COMMAND_TIMEOUT)
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
        .build()
        .map_err(|e| {
            Error::config_invalid(format!("redis: cannot use '{safe_url}': {}", e.details()))
        })?;
    match tokio::time::timeout(Duration::from_secs(10), client.init()).await {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => Err(map_redis(e).with_context("url", safe_url)),
        Err(_) => Err(Error::backend(format!(
            "redis: connecting to '{safe_url}' timed out after 10s"
        ))
        .temporary()),
    }
}

/// A popped member (a job id) as a delivery.
fn delivery(member: String) -> Result<Delivery> {
    let job_id = member
        .parse()
        .map_err(|_| Error::unexpected(format!("redis queue holds a bad member '{member}'")))?;
    Ok(Delivery {
        job_id,
        receipt: member,
    })
}

/// What `BZMPOP` returned: `[key, [[member, score]...]]` as (score, member)
/// pairs, or nothing when it timed out.
fn bzmpop_members(reply: Value) -> Result<Vec<(f64, String)>> {
    let bad = || Error::unexpected("redis: BZMPOP returned an unexpected reply");
    match reply {
        Value::Null => Ok(Vec::new()),
        Value::Array(mut parts) if parts.len() == 2 => match parts.pop() {
            Some(Value::Array(pairs)) => pairs
                .into_iter()
                .map(|pair| match pair {
                    Value::Array(mut pair) if pair.len() == 2 => {
                        let score = pair.pop().and_then(|s| s.as_f64()).ok_or_else(bad)?;
                        let member = pair.pop().and_then(Value::into_string).ok_or_else(bad)?;
                        Ok((score, member))
                    }
                    _ => Err(bad()),
                })
                .collect(),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// A message's claim order in microseconds: its score in `:due`.
fn claim_score(message: &QueueMessage) -> i64 {
    claim_order(message.available_at, message.priority).timestamp_micros()
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
        if options.poll_interval < Duration::from_millis(1) {
            return Err(Error::config_invalid(
                "redis queue poll interval: must be at least 1ms",
            ));
        }
        let config = Config::from_url(&options.url).map_err(|e| {
            Error::config_invalid(format!("redis: invalid url '{safe_url}': {}", e.details()))
        })?;
        let client = connect(&config, &safe_url).await?;
        Ok(RedisQueue {
            options: Arc::new(options),
            clock: Arc::new(SystemClock),
            pop: Arc::new(Script::from_lua(POP_SCRIPT)),
            connections: Arc::new(Connections {
                main: client,
                config,
                safe_url,
                idle: Mutex::default(),
            }),
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

    fn later_key(&self) -> String {
        format!("{}:later", self.options.prefix)
    }

    fn due_key(&self) -> String {
        format!("{}:due", self.options.prefix)
    }

    /// Deletes this queue's keys, and those a queue written before priorities
    /// left (for tests and resets).
    pub async fn delete_all(&self) -> Result<()> {
        let prefix = &self.options.prefix;
        let keys = vec![
            self.later_key(),
            self.due_key(),
            format!("{prefix}:q"),
            format!("{prefix}:seq"),
            format!("{prefix}:ready"),
        ];
        let _: i64 = self.client().del(keys).await.map_err(map_redis)?;
        Ok(())
    }

    /// The main connection, for operators' tooling and tests.
    pub fn client(&self) -> &Client {
        &self.connections.main
    }

    fn now_micros(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    /// Pops up to `max` due messages without waiting.
    async fn take_due(&self, max: usize) -> Result<Vec<Delivery>> {
        let members: Vec<String> = self
            .pop
            .evalsha_with_reload(
                self.client(),
                vec![self.later_key(), self.due_key()],
                vec![self.now_micros().to_string(), max.to_string()],
            )
            .await
            .map_err(map_redis)?;
        members.into_iter().map(delivery).collect()
    }

    /// Waits up to `block` in `BZMPOP` on the due set, on a pooled connection. The
    /// command runs in a task of its own so that, if this pop is cancelled, what it
    /// receives goes back with its score (its place) instead of being lost.
    async fn block_for_ready(&self, max: usize, block: Duration) -> Result<Vec<Delivery>> {
        let client = self.connections.take_blocking().await?;
        let key = self.due_key();
        let pool = Arc::downgrade(&self.connections);
        let (reply_tx, reply_rx) = oneshot::channel();
        tokio::spawn(async move {
            let timeout = block.as_secs_f64();
            let popped = tokio::time::timeout(
                block + BLOCK_GRACE,
                client.bzmpop::<Value, _>(timeout, key.as_str(), ZCmp::Min, Some(max as i64)),
            )
            .await;
            let members = match popped {
                Ok(Ok(reply)) => bzmpop_members(reply),
                Ok(Err(e)) if *e.kind() == fred::error::ErrorKind::Timeout => Ok(Vec::new()),
                Ok(Err(e)) => Err(map_redis(e)),
                Err(_) => Err(Error::backend(format!(
                    "redis: BZMPOP did not return within {:?} of its timeout",
                    BLOCK_GRACE
                ))
                .temporary()),
            };
            let healthy = members.is_ok();
            if let Err(Ok(unclaimed)) = reply_tx.send(members)
                && !unclaimed.is_empty()
                && let Err(err) = client
                    .zadd::<i64, _, _>(key.as_str(), None, None, false, false, unclaimed)
                    .await
            {
                tracing::warn!(error = %err, "redis: a cancelled pop could not return its messages; the reconciler will publish them again");
            }
            match pool.upgrade() {
                Some(pool) if healthy => pool.give_back(client),
                _ => {
                    let _ = tokio::time::timeout(COMMAND_TIMEOUT, client.quit()).await;
                }
            }
        });
        let members = reply_rx.await.map_err(|_| {
            Error::unexpected("redis: the blocking pop task ended without a reply")
        })??;
        members
            .into_iter()
            .map(|(_, member)| delivery(member))
            .collect()
    }
}

#[async_trait]
impl Queue for RedisQueue {
    fn capabilities(&self) -> QueueCapabilities {
        QueueCapabilities::new(true, true)
    }

    async fn push(&self, messages: &[QueueMessage]) -> Result<()> {
        let now = self.now_micros();
        for chunk in messages.chunks(PUSH_CHUNK) {
            // Due messages (the usual case) go to `:due` by their claim order,
            // later ones to `:later` by their time; both in one round trip.
            let mut due: Vec<(f64, String)> = Vec::with_capacity(chunk.len());
            let mut later: Vec<(f64, String)> = Vec::new();
            for m in chunk {
                let at = m.available_at.timestamp_micros();
                if at <= now {
                    due.push((claim_score(m) as f64, m.job_id.to_string()));
                } else {
                    later.push((at as f64, format!("{}:{}", claim_score(m), m.job_id)));
                }
            }
            let client = self.client();
            let add = |key: String, values: Vec<(f64, String)>| async move {
                if values.is_empty() {
                    return Ok(0);
                }
                client
                    .zadd::<i64, _, _>(key, None, None, false, false, values)
                    .await
            };
            tokio::try_join!(add(self.due_key(), due), add(self.later_key(), later))
                .map_err(map_redis)?;
        }
        Ok(())
    }

    async fn pop(&self, opts: &PopOptions) -> Result<Vec<Delivery>> {
        let max = opts.max.max(1);
        let deadline = tokio::time::Instant::now() + opts.wait;
        loop {
            let due = self.take_due(max).await?;
            if !due.is_empty() {
                return Ok(due);
            }
            // Redis takes timeouts in whole milliseconds here; 0 would block forever.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let block = left.min(self.options.poll_interval).min(MAX_BLOCK);
            if block < Duration::from_millis(1) {
                return Ok(Vec::new());
            }
            let block = Duration::from_millis(block.as_millis() as u64);
            let ready = self.block_for_ready(max, block).await?;
            if !ready.is_empty() {
                return Ok(ready);
            }
        }
    }

    async fn ack(&self, _deliveries: &[Delivery]) -> Result<()> {
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let now = self.now_micros() as f64;
        let key = self.later_key();
        let client = self.client();
        // Sent together: one round trip's wait, not three.
        let (listed, came_due, waiting): (u64, u64, u64) = tokio::try_join!(
            client.zcard(self.due_key()),
            client.zcount(&key, f64::NEG_INFINITY, now),
            client.zcount(&key, f64::NEG_INFINITY, f64::INFINITY),
        )
        .map_err(map_redis)?;
        Ok(QueueDepth {
            ready: listed + came_due,
            delayed: waiting.saturating_sub(came_due),
        })
    }
}
