//! [`Queue`] on Redis (feature `redis`), used next to a SQL `JobStore` that stays the
//! source of truth.
//!
//! # Why a list per priority, beside two sorted sets
//! A fresh due message (due now, the usual case) goes to its priority level's
//! list, `<prefix>:ready:<p>`, by a plain `RPUSH`, which Redis serves without a
//! script and far cheaper than a sorted-set insert. Every element is
//! `<claim order>:<job id>`: the job store's claim order in microseconds
//! (`available_at` pushed back one aging step per priority level, see
//! `afterresume_core::domain::claim_order`). A message due well before now (a
//! backdated run, a job the reconciler publishes again) would break a list's
//! order, so it goes to a sorted set, `<prefix>:due`, scored by its claim
//! order; so does a delayed message once it comes due. Messages for later sit
//! in `<prefix>:later`, scored by `available_at`.
//!
//! A pop runs one Lua script: it moves what came due from `:later` to `:due`,
//! then compares the heads of `:due` and of the lists and takes from the one
//! that comes first in claim order, as many as come no later than the next
//! head. So the most urgent due job comes first and priorities age exactly as
//! they do in the store (a low-priority job that waited long enough beats a
//! fresh urgent one), while the usual backlog of one level drains with one
//! `LPOP` of a whole batch. Within a level, fresh messages keep push order,
//! which is claim order to within [`FRESH`]. Redis runs the script
//! atomically: no message reaches two poppers.
//!
//! An idle worker waits in `BLMPOP` over the lists, most urgent level first,
//! and Redis hands it a message the moment one is pushed: pickup costs the
//! push's own round trip and nothing more (no publish, no second pop round
//! trip). A waiting pop blocks for at most one poll interval at a time, so a
//! message that went to a sorted set is delivered within a poll interval of
//! its time.
//!
//! (Before priorities the queue kept a list, `<prefix>:ready`, and a set,
//! `<prefix>:q`; a queue upgraded in place leaves them unread, and the engine's
//! reconciler publishes their jobs again from the job store.)
//!
//! Each blocked pop holds a connection of its own (a blocked connection serves
//! nothing else); idle ones are kept in a small pool. A pop that is cancelled while
//! it blocks (a worker stopping) leaves its `BLMPOP` to finish in a task, which puts
//! anything it received back at its list's head, so cancelling loses no message.
//!
//! Processing lists (or streams with consumer groups) add redelivery of
//! messages a crashed consumer popped but never acked. AfterResume does not need it:
//! a job's truth is its row in the job store, claims are the store's atomic
//! transition, expired leases are reaped there, and the engine's reconciler publishes
//! again every due `queued` job a flushed or restarted Redis forgot. So the queue may
//! lose or repeat messages and stays simple and fast.
//!
//! Needs Redis 7.0 or later (`BLMPOP`, `LPOP` with a count).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use afterresume_core::clock::{SharedClock, SystemClock};
use afterresume_core::domain::{HIGHEST_PRIORITY, LOWEST_PRIORITY, claim_order};
use afterresume_core::ports::{
    Delivery, PopOptions, Queue, QueueCapabilities, QueueDepth, QueueMessage,
};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use fred::prelude::{
    Builder, Client, ClientLike, Config, KeysInterface, ListInterface, ReconnectPolicy,
    SortedSetsInterface,
};
use fred::types::Value;
use fred::types::lists::LMoveDirection;
use fred::types::scripts::Script;
use tokio::sync::oneshot;

use crate::common::redact_url;

/// Moves what came due from `:later` to `:due` (the member, `<claim
/// order>:<id>`, scored by its claim order), then pops up to ARGV[2] elements
/// in claim order from `:due` and the ready lists: from the source whose head
/// comes first, as many as come no later than the next source's head. Equal
/// claim orders go to the source listed first. KEYS: later, due, then the
/// ready lists, most urgent first. ARGV: now, max.
const POP_SCRIPT: &str = r#"
local came = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #came > 0 then
  local scored = {}
  for _, member in ipairs(came) do
    scored[#scored + 1] = string.match(member, '^(%d+):')
    scored[#scored + 1] = member
  end
  for i = 1, #came, 500 do
    redis.call('ZREM', KEYS[1], unpack(came, i, math.min(i + 499, #came)))
  end
  for i = 1, #scored, 1000 do
    redis.call('ZADD', KEYS[2], unpack(scored, i, math.min(i + 999, #scored)))
  end
end
local max = tonumber(ARGV[2])
local function remove_due(taken)
  for i = 1, #taken, 500 do
    redis.call('ZREM', KEYS[2], unpack(taken, i, math.min(i + 499, #taken)))
  end
  return taken
end
local function take_due(want)
  return remove_due(redis.call('ZRANGE', KEYS[2], 0, want - 1))
end
local present = redis.call('EXISTS', unpack(KEYS, 2))
if present == 0 then return {} end
if present == 1 then
  local args = {'LMPOP', #KEYS - 2}
  for k = 3, #KEYS do args[#args + 1] = KEYS[k] end
  args[#args + 1] = 'LEFT'
  args[#args + 1] = 'COUNT'
  args[#args + 1] = max
  local popped = redis.call(unpack(args))
  if popped then return popped[2] end
  return take_due(max)
end
local function order(element) return tonumber(string.match(element, '^(%d+):')) end
local function head_of(k)
  if k == 2 then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0)
    return first[1] and order(first[1]) or nil
  end
  local head = redis.call('LINDEX', KEYS[k], 0)
  return head and order(head) or nil
end
local heads = {}
for k = 2, #KEYS do heads[k] = head_of(k) end
local out = {}
while #out < max do
  local best, after = nil, nil
  for k = 2, #KEYS do
    local head = heads[k]
    if head then
      if best == nil or head < heads[best] then
        if best ~= nil then after = heads[best] end
        best = k
      elseif after == nil or head < after then
        after = head
      end
    end
  end
  if best == nil then break end
  local want = max - #out
  local taken
  if best == 2 and after == nil then
    taken = take_due(want)
  elseif best == 2 then
    taken = remove_due(redis.call('ZRANGE', KEYS[2], '-inf', after, 'BYSCORE', 'LIMIT', 0, want))
  elseif after == nil then
    taken = redis.call('LPOP', KEYS[best], want) or {}
  else
    local front = redis.call('LRANGE', KEYS[best], 0, want - 1)
    taken = {}
    for _, element in ipairs(front) do
      if #taken > 0 and order(element) > after then break end
      taken[#taken + 1] = element
    end
    redis.call('LPOP', KEYS[best], #taken)
  end
  for _, element in ipairs(taken) do out[#out + 1] = element end
  if after == nil then break end
  heads[best] = head_of(best)
end
return out
"#;

/// How far before now a due message may be and still join its level's list
/// (beyond, it goes to `:due`): within a level, pop order may differ from
/// claim order by at most this much, far under one aging step.
const FRESH: Duration = Duration::from_secs(5);

/// Number of ready lists: one per priority level.
const LEVELS: usize = (LOWEST_PRIORITY - HIGHEST_PRIORITY + 1) as usize;

/// Messages per push round trip.
const PUSH_CHUNK: usize = 1000;

/// Longest any command waits for its reply, reconnection included.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest one `BLMPOP` blocks, well under [`COMMAND_TIMEOUT`]; a longer wait loops.
const MAX_BLOCK: Duration = Duration::from_secs(1);

/// Longest a `BLMPOP` may take past its own timeout before the pop gives up on its
/// connection. Shorter than [`COMMAND_TIMEOUT`] so that fred's `Timeout` error can only
/// mean what `BLMPOP` says with a nil reply: nothing came.
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
    keys: Arc<Keys>,
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

/// The queue's key names, built once.
struct Keys {
    later: String,
    due: String,
    /// Most urgent level first.
    ready: [String; LEVELS],
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Keys {
            later: format!("{prefix}:later"),
            due: format!("{prefix}:due"),
            ready: std::array::from_fn(|i| {
                format!("{prefix}:ready:{}", i as i16 + HIGHEST_PRIORITY)
            }),
        }
    }

    /// The pop script's keys.
    fn for_pop(&self) -> Vec<String> {
        [self.later.clone(), self.due.clone()]
            .into_iter()
            .chain(self.ready.iter().cloned())
            .collect()
    }
}

/// A priority's ready list, 0 for the most urgent; a priority outside the
/// range (which the engine never sends) joins the nearest level.
fn level(priority: i16) -> usize {
    (priority.clamp(HIGHEST_PRIORITY, LOWEST_PRIORITY) - HIGHEST_PRIORITY) as usize
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

/// A popped element, `<claim order>:<job id>`, as a delivery. A bare job id is
/// what the `:due` set of the version before held; it is still delivered.
fn delivery(element: String) -> Result<Delivery> {
    let id = element
        .rsplit_once(':')
        .map_or(element.as_str(), |(_, id)| id);
    let job_id = id
        .parse()
        .map_err(|_| Error::unexpected(format!("redis queue holds a bad element '{element}'")))?;
    Ok(Delivery {
        job_id,
        receipt: element,
    })
}

/// What `BLMPOP` returned: `[key, [elements...]]`, or nothing when it timed out.
fn blmpop_elements(reply: Value) -> Result<Option<(String, Vec<String>)>> {
    let bad = || Error::unexpected("redis: BLMPOP returned an unexpected reply");
    match reply {
        Value::Null => Ok(None),
        Value::Array(mut parts) if parts.len() == 2 => {
            let elements = match parts.pop() {
                Some(Value::Array(elements)) => elements
                    .into_iter()
                    .map(|e| e.into_string().ok_or_else(bad))
                    .collect::<Result<Vec<_>>>()?,
                _ => return Err(bad()),
            };
            let key = parts.pop().and_then(Value::into_string).ok_or_else(bad)?;
            Ok(Some((key, elements)))
        }
        _ => Err(bad()),
    }
}

/// A message's claim order in microseconds: what its element carries.
fn claim_micros(message: &QueueMessage) -> i64 {
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
            keys: Arc::new(Keys::new(&options.prefix)),
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

    /// Deletes this queue's keys, and those earlier versions left (for tests
    /// and resets).
    pub async fn delete_all(&self) -> Result<()> {
        let prefix = &self.options.prefix;
        let mut keys = self.keys.for_pop();
        keys.extend(["q", "seq", "ready"].map(|old| format!("{prefix}:{old}")));
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
        let elements: Vec<String> = self
            .pop
            .evalsha_with_reload(
                self.client(),
                self.keys.for_pop(),
                vec![self.now_micros().to_string(), max.to_string()],
            )
            .await
            .map_err(map_redis)?;
        elements.into_iter().map(delivery).collect()
    }

    /// Waits up to `block` in `BLMPOP` on the ready lists, most urgent first, on a
    /// pooled connection. The command runs in a task of its own so that, if this
    /// pop is cancelled, what it receives goes back to its list's head instead of
    /// being lost.
    async fn block_for_ready(&self, max: usize, block: Duration) -> Result<Vec<Delivery>> {
        let client = self.connections.take_blocking().await?;
        let keys = self.keys.ready.to_vec();
        let pool = Arc::downgrade(&self.connections);
        let (reply_tx, reply_rx) = oneshot::channel();
        tokio::spawn(async move {
            let timeout = block.as_secs_f64();
            let popped = tokio::time::timeout(
                block + BLOCK_GRACE,
                client.blmpop::<Value, _>(timeout, keys, LMoveDirection::Left, Some(max as i64)),
            )
            .await;
            let received = match popped {
                Ok(Ok(reply)) => blmpop_elements(reply),
                Ok(Err(e)) if *e.kind() == fred::error::ErrorKind::Timeout => Ok(None),
                Ok(Err(e)) => Err(map_redis(e)),
                Err(_) => Err(Error::backend(format!(
                    "redis: BLMPOP did not return within {:?} of its timeout",
                    BLOCK_GRACE
                ))
                .temporary()),
            };
            let healthy = received.is_ok();
            if let Err(Ok(Some((key, unclaimed)))) = reply_tx.send(received) {
                let back: Vec<String> = unclaimed.into_iter().rev().collect();
                if let Err(err) = client.lpush::<i64, _, _>(key.as_str(), back).await {
                    tracing::warn!(error = %err, "redis: a cancelled pop could not return its messages; the reconciler will publish them again");
                }
            }
            match pool.upgrade() {
                Some(pool) if healthy => pool.give_back(client),
                _ => {
                    let _ = tokio::time::timeout(COMMAND_TIMEOUT, client.quit()).await;
                }
            }
        });
        let received = reply_rx.await.map_err(|_| {
            Error::unexpected("redis: the blocking pop task ended without a reply")
        })??;
        received
            .map(|(_, elements)| elements)
            .unwrap_or_default()
            .into_iter()
            .map(delivery)
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
        let fresh_since = now - FRESH.as_micros() as i64;
        let client = self.client();
        for chunk in messages.chunks(PUSH_CHUNK) {
            // Fresh due messages go to their level's tail, other due ones to
            // `:due` by claim order, later ones to `:later` by their time; every
            // command of a chunk in one round trip.
            let mut ready: [Vec<String>; LEVELS] = Default::default();
            let mut due: Vec<(f64, String)> = Vec::new();
            let mut later: Vec<(f64, String)> = Vec::new();
            for m in chunk {
                let at = m.available_at.timestamp_micros();
                let order = claim_micros(m);
                let element = format!("{order}:{}", m.job_id);
                if at > now {
                    later.push((at as f64, element));
                } else if at >= fresh_since {
                    ready[level(m.priority)].push(element);
                } else {
                    due.push((order as f64, element));
                }
            }
            let appends = ready
                .into_iter()
                .zip(&self.keys.ready)
                .filter(|(elements, _)| !elements.is_empty())
                .map(|(elements, key)| client.rpush::<i64, _, _>(key.as_str(), elements));
            let add = |key: &str, scored: Vec<(f64, String)>| {
                let key = key.to_owned();
                async move {
                    if scored.is_empty() {
                        return Ok(0);
                    }
                    client
                        .zadd::<i64, _, _>(key, None, None, false, false, scored)
                        .await
                }
            };
            tokio::try_join!(
                futures::future::try_join_all(appends),
                add(&self.keys.due, due),
                add(&self.keys.later, later),
            )
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
        let client = self.client();
        let later = self.keys.later.as_str();
        // Sent together: one round trip's wait, not one per key.
        let lengths = self.keys.ready.iter().map(|key| client.llen::<u64, _>(key));
        let (lengths, due, came_due, waiting): (Vec<u64>, u64, u64, u64) = tokio::try_join!(
            futures::future::try_join_all(lengths),
            client.zcard(self.keys.due.as_str()),
            client.zcount(later, f64::NEG_INFINITY, now),
            client.zcount(later, f64::NEG_INFINITY, f64::INFINITY),
        )
        .map_err(map_redis)?;
        Ok(QueueDepth {
            ready: lengths.iter().sum::<u64>() + due + came_due,
            delayed: waiting.saturating_sub(came_due),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_carry_their_claim_order_before_the_job_id() {
        let id = uuid::Uuid::now_v7();
        let got = delivery(format!("1765000000000000:{id}")).unwrap();
        assert_eq!(got.job_id.to_string(), id.to_string());
        assert_eq!(got.receipt, format!("1765000000000000:{id}"));
        // A member left by the version before (a bare id) is still a delivery.
        assert_eq!(
            delivery(id.to_string()).unwrap().job_id.to_string(),
            id.to_string()
        );
        let bad = delivery("1765000000000000:not-a-job".to_owned()).unwrap_err();
        assert!(bad.to_string().contains("bad element"), "{bad}");
    }

    #[test]
    fn a_priority_outside_the_range_joins_the_nearest_level() {
        assert_eq!(level(HIGHEST_PRIORITY), 0);
        assert_eq!(level(LOWEST_PRIORITY), LEVELS - 1);
        assert_eq!(level(-5), 0);
        assert_eq!(level(99), LEVELS - 1);
    }
}
