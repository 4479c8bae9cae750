//! Choosing and opening the backends from configuration.
//!
//! With nothing set, the host runs the embedded default: a SQLite file and the
//! artifact folder in the data directory (`AFTERRESUME_DATA_DIR`, default
//! `./afterresume-data`), with the queue in the same database. The reference
//! variables switch pieces to shared services:
//!
//! | variable | effect |
//! |---|---|
//! | `DATABASE_URL` | `sqlite://path` or `postgres://...`: job store, events, domain data, and (without Redis) the queue |
//! | `REDIS_URL` | the queue moves to Redis (`redis://` / `rediss://`) |
//! | `MINIO_ENDPOINT`, `MINIO_ACCESS_KEY`, `MINIO_SECRET_KEY`, `MINIO_BUCKET` (+ `MINIO_REGION`, `MINIO_USE_SSL`, `MINIO_PREFIX`) | artifacts go to S3 |
//! | `AFTERRESUME_POSTGRES_SCHEMA` | Postgres schema (default `afterresume`) |
//! | `AFTERRESUME_POSTGRES_DURABLE_CLAIMS` | `true`: claims wait for the disk (default: they commit asynchronously; see `PostgresOptions::durable_claims`) |
//! | `AFTERRESUME_REDIS_PREFIX` | Redis key prefix (default `afterresume:jobs`) |
//! | `LLM_PROVIDER` | `local` (built-in agents, default), `vllm`, `openai` or `ollama` |
//! | `LLM_VLLM_ENDPOINT` (or `LLM_ENDPOINT`), `LLM_MODEL_NAME`, `LLM_API_KEY` | the OpenAI-compatible server, model and key |
//! | `LLM_TIMEOUT_SECS`, `LLM_MAX_CONCURRENCY`, `LLM_MAX_RETRIES`, `LLM_FALLBACK_LOCAL` | LLM call limits; fall back to the built-in agent on invalid output |
//! | `LLM_MODE` | `hybrid` (default: the taxonomy proposes, the model confirms, rejects and adds) or `extract` (the model lists skills alone) |
//! | `WORKFLOW_AUTO_CHAIN` | `true`: `worklog.analyze` enqueues `skills.extract`, then `report.generate`, then `resume.refresh` |
//!
//! A value that is malformed, or a service that does not answer, stops startup with
//! an error naming the variable.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::common::redact_url;
use crate::local::LocalArtifactStore;
use crate::openai::{OpenAiOptions, OpenAiProvider};
use crate::postgres::{PostgresBackend, PostgresOptions};
use crate::redis::{RedisQueue, RedisQueueOptions};
use crate::s3::{S3ArtifactStore, S3Options};
use crate::sqlite::SqliteBackend;
use crate::webhook::{WebhookDelivery, WebhookOptions};
use afterresume_core::JobStatus;
use afterresume_core::agents::{
    AgentServices, LlmAgentOptions, LlmMode, LlmWorklogAgent, LlmWriter, LlmWriterOptions,
    RateLimitedLlm,
};
use afterresume_core::clock::SystemClock;
use afterresume_core::engine::RateLimiter;
use afterresume_core::engine::{WEBHOOK_DELIVER, parse_outcomes};
use afterresume_core::ports::{
    SharedArtifactStore, SharedDomainStore, SharedEventSink, SharedJobStore, SharedLlmProvider,
    SharedQueue, ThrottleStore,
};
use afterresume_core::workflows::register_builtin_workflows;
use afterresume_core::{EngineBuilder, EngineConfig, Error, Result};

/// Where the embedded default keeps its files: `AFTERRESUME_DATA_DIR`, or
/// `./afterresume-data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir(pub PathBuf);

impl DataDir {
    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// Which database holds the jobs and the domain data. `Debug` prints URLs
/// without their passwords.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseSetting {
    /// A SQLite file (`sqlite://...`, or the embedded default's file).
    Sqlite(String),
    /// A Postgres database and the schema to use in it.
    Postgres {
        /// The URL.
        url: String,
        /// The schema.
        schema: String,
        /// `AFTERRESUME_POSTGRES_DURABLE_CLAIMS`: claims wait for the disk
        /// ([`PostgresOptions::durable_claims`]).
        durable_claims: bool,
    },
}

impl std::fmt::Debug for DatabaseSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseSetting::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            DatabaseSetting::Postgres {
                url,
                schema,
                durable_claims,
            } => f
                .debug_struct("Postgres")
                .field("url", &redact_url(url))
                .field("schema", schema)
                .field("durable_claims", durable_claims)
                .finish(),
        }
    }
}

/// The backends to open, read from the environment. `Debug` prints no password,
/// secret key or API key.
#[derive(Clone, PartialEq)]
pub struct Settings {
    /// The data directory (SQLite file and artifact folder of the embedded default).
    pub data_dir: DataDir,
    /// The database.
    pub database: DatabaseSetting,
    /// Redis queue: URL and key prefix.
    pub redis: Option<(String, String)>,
    /// S3 artifacts.
    pub s3: Option<S3Options>,
    /// The LLM provider (`LLM_PROVIDER` other than `local`); `None` runs the
    /// built-in agents.
    pub llm: Option<OpenAiOptions>,
    /// `LLM_FALLBACK_LOCAL` (default on): when the model's answer stays invalid, use
    /// the built-in agent (recorded as an event) instead of failing the job.
    pub llm_fallback: bool,
    /// `LLM_MODE`: hybrid (default) or extract.
    pub llm_mode: LlmMode,
    /// `LLM_WRITER` (default on): with a model configured, it rewrites reports,
    /// held to the entries they cite; off keeps the built-in writer's text.
    pub llm_writer: bool,
    /// `WORKFLOW_AUTO_CHAIN`: analyze -> skills -> report -> resume.
    pub auto_chain: bool,
    /// `AFTERRESUME_WEBHOOK_URL` with `AFTERRESUME_WEBHOOK_SECRET` and
    /// `AFTERRESUME_WEBHOOK_OUTCOMES` (default `failed`): job outcomes posted,
    /// signed, to a URL.
    pub webhook: Option<(WebhookOptions, Vec<JobStatus>)>,
    /// `LLM_RATE_LIMIT`: requests per minute to the LLM provider across every
    /// process on the store; `None` (unset or 0) does not limit them.
    pub llm_rate_limit: Option<u32>,
    /// `AFTERRESUME_RETENTION_DAYS` (default 30; 0 keeps every job): finished
    /// jobs and their events older than this are deleted by the workers'
    /// maintenance, once an hour.
    pub retention: Option<std::time::Duration>,
}

/// Days finished jobs are kept when `AFTERRESUME_RETENTION_DAYS` is unset.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;

impl Settings {
    /// The engine's configuration as these settings ask (retention).
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            retention: self.retention,
            ..EngineConfig::default()
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redis = self
            .redis
            .as_ref()
            .map(|(url, prefix)| (redact_url(url), prefix));
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database", &self.database)
            .field("redis", &redis)
            .field("s3", &self.s3)
            .field("llm", &self.llm)
            .field("llm_fallback", &self.llm_fallback)
            .field("llm_mode", &self.llm_mode)
            .field("llm_writer", &self.llm_writer)
            .field("auto_chain", &self.auto_chain)
            .field("webhook", &self.webhook)
            .field("llm_rate_limit", &self.llm_rate_limit)
            .field("retention", &self.retention)
            .finish()
    }
}

impl Settings {
    /// From the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any lookup (tests pass a map). Errors name the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let data_dir = DataDir(
            set("AFTERRESUME_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("afterresume-data")),
        );
        let flag_or = |name: &str, default: bool| -> Result<bool> {
            match set(name).map(|v| v.to_ascii_lowercase()) {
                None => Ok(default),
                Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
                Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
                Some(v) => Err(Error::config_invalid(format!(
                    "{name}: expected true or false, got '{v}'"
                ))),
            }
        };
        let flag = |name: &str| flag_or(name, false);
        let database = match set("DATABASE_URL") {
            None => DatabaseSetting::Sqlite(format!(
                "sqlite://{}",
                data_dir.path().join("afterresume.sqlite3").display()
            )),
            Some(url) if url.starts_with("sqlite:") => DatabaseSetting::Sqlite(url),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseSetting::Postgres {
                    url,
                    schema: set("AFTERRESUME_POSTGRES_SCHEMA")
                        .unwrap_or_else(|| crate::postgres::DEFAULT_SCHEMA.into()),
                    durable_claims: flag("AFTERRESUME_POSTGRES_DURABLE_CLAIMS")?,
                }
            }
            Some(url) => {
                let scheme = url.split("://").next().unwrap_or_default();
                return Err(Error::config_invalid(format!(
                    "DATABASE_URL: unsupported scheme '{scheme}' (use sqlite:// or postgres://)"
                )));
            }
        };
        let redis = match set("REDIS_URL") {
            None => None,
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => Some((
                url,
                set("AFTERRESUME_REDIS_PREFIX").unwrap_or_else(|| "afterresume:jobs".into()),
            )),
            Some(_) => {
                return Err(Error::config_invalid(
                    "REDIS_URL: must start with redis:// or rediss://",
                ));
            }
        };
        let s3 = S3Options::from_lookup(&lookup)?;
        let llm = OpenAiOptions::from_lookup(&lookup)?;
        Ok(Settings {
            data_dir,
            database,
            redis,
            s3,
            llm,
            llm_fallback: flag_or("LLM_FALLBACK_LOCAL", true)?,
            llm_mode: match set("LLM_MODE") {
                Some(mode) => mode.parse().map_err(|e: Error| {
                    Error::config_invalid(format!("LLM_MODE: {}", e.message()))
                })?,
                None => LlmMode::default(),
            },
            llm_writer: flag_or("LLM_WRITER", true)?,
            auto_chain: flag("WORKFLOW_AUTO_CHAIN")?,
            webhook: match set("AFTERRESUME_WEBHOOK_URL") {
                None => None,
                Some(url) => {
                    let secret = set("AFTERRESUME_WEBHOOK_SECRET").unwrap_or_default();
                    let options = WebhookOptions::new(&url, &secret).map_err(|e| {
                        // The options name their field; say which variable it is.
                        let (variable, why) = match e.message().split_once(": ") {
                            Some(("secret", why)) => ("AFTERRESUME_WEBHOOK_SECRET", why),
                            Some((_, why)) => ("AFTERRESUME_WEBHOOK_URL", why),
                            None => ("AFTERRESUME_WEBHOOK_URL", e.message()),
                        };
                        Error::config_invalid(format!("{variable}: {why}"))
                    })?;
                    let outcomes = parse_outcomes(
                        &set("AFTERRESUME_WEBHOOK_OUTCOMES").unwrap_or_else(|| "failed".into()),
                    )
                    .map_err(|e| named("AFTERRESUME_WEBHOOK_OUTCOMES", e))?;
                    Some((options, outcomes))
                }
            },
            llm_rate_limit: match set("LLM_RATE_LIMIT") {
                None => None,
                Some(text) => match text.trim().parse::<u32>() {
                    Ok(0) => None,
                    Ok(n) => Some(n),
                    Err(_) => {
                        return Err(Error::config_invalid(format!(
                            "LLM_RATE_LIMIT: expected requests per minute (a whole number, 0 for none), got '{}'",
                            text.chars().take(40).collect::<String>().escape_default()
                        )));
                    }
                },
            },
            retention: retention_days(set("AFTERRESUME_RETENTION_DAYS"))?,
        })
    }

    /// A one-line description without secrets, for logs.
    pub fn describe(&self) -> String {
        let database = match &self.database {
            DatabaseSetting::Sqlite(url) => url.clone(),
            DatabaseSetting::Postgres { schema, .. } => format!("postgres (schema {schema})"),
        };
        let queue = if self.redis.is_some() {
            "redis"
        } else {
            "database"
        };
        let artifacts = match &self.s3 {
            Some(s3) => format!("s3 bucket {}", s3.bucket),
            None => format!("{}", self.data_dir.path().join("artifacts").display()),
        };
        let llm = match &self.llm {
            Some(o) => format!("{} model {} at {}", o.provider, o.model, o.endpoint),
            None => "built-in local agents".to_owned(),
        };
        format!(
            "database: {database}; queue: {queue}; artifacts: {artifacts}; llm: {llm}; auto-chain: {}",
            self.auto_chain
        )
    }
}

/// The opened backends, ready to build an engine from.
#[derive(Debug, Clone)]
pub struct System {
    /// Job store.
    pub store: SharedJobStore,
    /// Queue.
    pub queue: SharedQueue,
    /// Event sink.
    pub events: SharedEventSink,
    /// Users, worklogs, skills, reports, resumes.
    pub domain: SharedDomainStore,
    /// Artifacts.
    pub artifacts: SharedArtifactStore,
    /// The LLM-backed worklog agent, when an LLM provider is configured.
    pub llm: Option<LlmWorklogAgent>,
    /// The LLM writer of reports, when a provider is configured and `LLM_WRITER`
    /// is on.
    pub writer: Option<LlmWriter>,
    /// The webhook delivery and the outcomes it announces, when configured.
    pub webhook: Option<(WebhookDelivery, Vec<JobStatus>)>,
    /// Chain analyze -> skills -> report -> resume.
    pub auto_chain: bool,
}

impl System {
    /// Every port in memory, nothing persisted, the built-in agents: for tests,
    /// notebooks and examples. Call it inside a tokio runtime.
    pub fn in_memory() -> Self {
        System {
            store: Arc::new(crate::memory::MemoryJobStore::new()),
            queue: Arc::new(crate::memory::MemoryQueue::new()),
            events: Arc::new(crate::memory::MemoryEventSink::new()),
            domain: Arc::new(crate::memory::MemoryDomainStore::new()),
            artifacts: Arc::new(crate::memory::MemoryArtifactStore::new()),
            llm: None,
            writer: None,
            webhook: None,
            auto_chain: false,
        }
    }

    /// Opens every backend the settings name (running database migrations).
    pub async fn open(settings: &Settings) -> Result<Self> {
        let (store, queue, events, domain): (
            SharedJobStore,
            SharedQueue,
            SharedEventSink,
            SharedDomainStore,
        ) = match &settings.database {
            DatabaseSetting::Sqlite(url) => {
                let db = SqliteBackend::open(url)
                    .await
                    .map_err(|e| named("DATABASE_URL", e))?;
                let queue = Arc::new(db.store_queue());
                let db = Arc::new(db);
                (Arc::clone(&db) as _, queue, Arc::clone(&db) as _, db)
            }
            DatabaseSetting::Postgres {
                url,
                schema,
                durable_claims,
            } => {
                let options = PostgresOptions::new(url.clone())
                    .with_schema(schema.clone())
                    .with_durable_claims(*durable_claims);
                let db = PostgresBackend::connect_with(options)
                    .await
                    .map_err(|e| named("DATABASE_URL", e))?;
                let queue = Arc::new(db.store_queue());
                let db = Arc::new(db);
                (Arc::clone(&db) as _, queue, Arc::clone(&db) as _, db)
            }
        };
        let queue: SharedQueue = match &settings.redis {
            Some((url, prefix)) => Arc::new(
                RedisQueue::connect_with(RedisQueueOptions::new(url).with_prefix(prefix))
                    .await
                    .map_err(|e| named("REDIS_URL", e))?,
            ),
            None => queue,
        };
        let artifacts: SharedArtifactStore = match &settings.s3 {
            Some(options) => {
                let s3 = S3ArtifactStore::new(options).map_err(|e| named("MINIO_ENDPOINT", e))?;
                s3.check().await.map_err(|e| named("MINIO_ENDPOINT", e))?;
                Arc::new(s3)
            }
            None => Arc::new(
                LocalArtifactStore::open(settings.data_dir.path().join("artifacts"))
                    .await
                    .map_err(|e| named("AFTERRESUME_DATA_DIR", e))?,
            ),
        };
        let mut writer = None;
        let llm = match &settings.llm {
            Some(options) => {
                let mut provider: SharedLlmProvider = Arc::new(
                    OpenAiProvider::new(options.clone()).map_err(|e| named("LLM_PROVIDER", e))?,
                );
                if let Some(per_minute) = settings.llm_rate_limit {
                    let limiter = RateLimiter::new(throttle_of(&domain), Arc::new(SystemClock));
                    provider = Arc::new(
                        RateLimitedLlm::new(provider, limiter, per_minute, Duration::from_secs(60))
                            .map_err(|e| named("LLM_RATE_LIMIT", e))?,
                    );
                }
                if settings.llm_writer {
                    writer = Some(LlmWriter::new(
                        Arc::clone(&provider),
                        LlmWriterOptions::default(),
                    ));
                }
                let agent_options = LlmAgentOptions {
                    fallback_to_local: settings.llm_fallback,
                    mode: settings.llm_mode,
                    ..LlmAgentOptions::default()
                };
                Some(LlmWorklogAgent::new(provider, agent_options))
            }
            None => None,
        };
        let webhook = match &settings.webhook {
            Some((options, outcomes)) => Some((
                WebhookDelivery::new(options.clone())
                    .map_err(|e| named("AFTERRESUME_WEBHOOK_URL", e))?,
                outcomes.clone(),
            )),
            None => None,
        };
        Ok(System {
            store,
            queue,
            events,
            domain,
            artifacts,
            llm,
            writer,
            webhook,
            auto_chain: settings.auto_chain,
        })
    }

    /// What the built-in workflows run on.
    pub fn agent_services(&self) -> AgentServices {
        AgentServices {
            artifacts: Some(Arc::clone(&self.artifacts)),
            llm: self.llm.clone(),
            writer: self.writer.clone(),
            auto_chain: self.auto_chain,
            ..AgentServices::new(Arc::clone(&self.domain))
        }
    }

    /// An engine builder over these backends, with `config` and the four built-in
    /// workflows registered.
    pub fn engine_builder(&self, config: EngineConfig) -> EngineBuilder {
        let mut builder = afterresume_core::Engine::builder()
            .with_job_store(Arc::clone(&self.store))
            .with_queue(Arc::clone(&self.queue))
            .with_event_sink(Arc::clone(&self.events))
            .with_rate_limiter(throttle_of(&self.domain))
            .with_config(config);
        if let Some((delivery, outcomes)) = &self.webhook {
            builder = builder.with_webhooks(outcomes.clone()).register_with(
                WEBHOOK_DELIVER,
                delivery.clone(),
                WebhookDelivery::job_type_options(),
            );
        }
        register_builtin_workflows(builder, self.agent_services())
    }
}

/// The domain store's counters, which every process on the store shares.
fn throttle_of(domain: &SharedDomainStore) -> Arc<dyn ThrottleStore> {
    Arc::clone(domain) as Arc<dyn ThrottleStore>
}

/// Prefixes an error with the variable whose value caused it.
fn named(variable: &str, err: Error) -> Error {
    let message = err.to_string();
    let message = message
        .strip_prefix(&format!("{variable}: "))
        .unwrap_or(&message);
    Error::config_invalid(format!("{variable}: {message}")).with_source(err)
}

/// `AFTERRESUME_RETENTION_DAYS`: whole days, 0 for forever, at most a
/// hundred years.
fn retention_days(value: Option<String>) -> Result<Option<std::time::Duration>> {
    let days = match value {
        None => DEFAULT_RETENTION_DAYS,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(days) if days <= 36_500 => days,
            _ => {
                return Err(Error::config_invalid(format!(
                    "AFTERRESUME_RETENTION_DAYS: expected whole days from 0 (keep every job) to 36500, got '{}'",
                    text.chars().take(40).collect::<String>().escape_default()
                )));
            }
        },
    };
    Ok((days > 0).then(|| std::time::Duration::from_secs(days * 86_400)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn webhooks_need_a_secret_and_name_outcomes() {
        assert!(settings(&[]).unwrap().webhook.is_none());
        let url = ("AFTERRESUME_WEBHOOK_URL", "https://hooks.example.com/ar");
        let e = settings(&[url]).unwrap_err();
        assert!(
            e.message()
                .starts_with("AFTERRESUME_WEBHOOK_SECRET: at least 16"),
            "{e}"
        );
        let secret = ("AFTERRESUME_WEBHOOK_SECRET", "a-very-long-shared-secret");
        let s = settings(&[url, secret]).unwrap();
        let (options, outcomes) = s.webhook.clone().unwrap();
        assert_eq!(options.url.as_str(), "https://hooks.example.com/ar");
        assert_eq!(outcomes, vec![JobStatus::Failed]);
        assert!(!format!("{s:?}").contains("a-very-long-shared-secret"));
        let both = settings(&[
            url,
            secret,
            ("AFTERRESUME_WEBHOOK_OUTCOMES", "success,failed"),
        ])
        .unwrap();
        assert_eq!(
            both.webhook.unwrap().1,
            vec![JobStatus::Success, JobStatus::Failed]
        );
        let e = settings(&[url, secret, ("AFTERRESUME_WEBHOOK_OUTCOMES", "queued")]).unwrap_err();
        assert!(
            e.message().starts_with("AFTERRESUME_WEBHOOK_OUTCOMES:"),
            "{e}"
        );
        let e = settings(&[("AFTERRESUME_WEBHOOK_URL", "not a url"), secret]).unwrap_err();
        assert!(e.message().starts_with("AFTERRESUME_WEBHOOK_URL:"), "{e}");
    }

    #[test]
    fn the_llm_rate_limit_is_requests_per_minute_or_none() {
        assert_eq!(settings(&[]).unwrap().llm_rate_limit, None);
        assert_eq!(
            settings(&[("LLM_RATE_LIMIT", "0")]).unwrap().llm_rate_limit,
            None
        );
        assert_eq!(
            settings(&[("LLM_RATE_LIMIT", "60")])
                .unwrap()
                .llm_rate_limit,
            Some(60)
        );
        let e = settings(&[("LLM_RATE_LIMIT", "fast")]).unwrap_err();
        assert!(
            e.message()
                .starts_with("LLM_RATE_LIMIT: expected requests per minute"),
            "{e}"
        );
    }

    #[test]
    fn retention_is_on_by_default_and_zero_keeps_everything() {
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(settings(&[]).unwrap().retention, Some(30 * day));
        assert_eq!(
            settings(&[]).unwrap().engine_config().retention,
            Some(30 * day)
        );
        let kept = settings(&[("AFTERRESUME_RETENTION_DAYS", "0")]).unwrap();
        assert_eq!(kept.retention, None);
        let week = settings(&[("AFTERRESUME_RETENTION_DAYS", " 7 ")]).unwrap();
        assert_eq!(week.retention, Some(7 * day));
        for bad in ["-1", "1.5", "forever", "99999"] {
            let e = settings(&[("AFTERRESUME_RETENTION_DAYS", bad)]).unwrap_err();
            assert!(
                e.message().starts_with("AFTERRESUME_RETENTION_DAYS:"),
                "{bad}: {e}"
            );
        }
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn nothing_set_means_the_embedded_default() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            s.database,
            DatabaseSetting::Sqlite("sqlite://afterresume-data/afterresume.sqlite3".into())
        );
        assert!(s.redis.is_none() && s.s3.is_none());
    }

    #[test]
    fn urls_select_backends() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://u:p@db/app"),
            ("REDIS_URL", "redis://cache:6379/0"),
            ("AFTERRESUME_POSTGRES_SCHEMA", "tenant1"),
        ])
        .unwrap();
        assert_eq!(
            s.database,
            DatabaseSetting::Postgres {
                url: "postgres://u:p@db/app".into(),
                schema: "tenant1".into(),
                durable_claims: false,
            }
        );
        let durable = settings(&[
            ("DATABASE_URL", "postgres://u:p@db/app"),
            ("AFTERRESUME_POSTGRES_DURABLE_CLAIMS", "true"),
        ])
        .unwrap();
        assert!(matches!(
            durable.database,
            DatabaseSetting::Postgres {
                durable_claims: true,
                ..
            }
        ));
        let err = settings(&[
            ("DATABASE_URL", "postgres://u:p@db/app"),
            ("AFTERRESUME_POSTGRES_DURABLE_CLAIMS", "sometimes"),
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("AFTERRESUME_POSTGRES_DURABLE_CLAIMS"),
            "{err}"
        );
        assert_eq!(s.redis.unwrap().0, "redis://cache:6379/0");
        assert!(
            !settings(&[("DATABASE_URL", "postgres://u:secret@db/app")])
                .unwrap()
                .describe()
                .contains("secret")
        );
    }

    #[test]
    fn llm_and_chaining_settings() {
        let s = settings(&[]).unwrap();
        assert!(s.llm.is_none() && !s.auto_chain && s.llm_fallback);
        assert!(s.describe().contains("llm: built-in local agents"));
        let s = settings(&[
            ("LLM_PROVIDER", "vllm"),
            ("LLM_VLLM_ENDPOINT", "http://127.0.0.1:8080/v1"),
            ("LLM_MODEL_NAME", "qwen2.5-coder-0.5b"),
            ("LLM_API_KEY", "sk-very-secret"),
            ("WORKFLOW_AUTO_CHAIN", "true"),
            ("LLM_FALLBACK_LOCAL", "0"),
        ])
        .unwrap();
        assert_eq!(s.llm.as_ref().unwrap().model, "qwen2.5-coder-0.5b");
        assert!(s.auto_chain && !s.llm_fallback);
        assert!(!s.describe().contains("sk-very-secret"));
        assert_eq!(s.llm_mode, LlmMode::Hybrid);
        let s = settings(&[("LLM_MODE", "extract")]).unwrap();
        assert_eq!(s.llm_mode, LlmMode::Extract);
        let err = settings(&[("LLM_MODE", "guess")]).unwrap_err();
        assert!(err.to_string().starts_with("LLM_MODE:"), "{err}");
        let err = settings(&[("WORKFLOW_AUTO_CHAIN", "sometimes")]).unwrap_err();
        assert!(err.to_string().starts_with("WORKFLOW_AUTO_CHAIN:"), "{err}");
        let err = settings(&[("LLM_PROVIDER", "bard")]).unwrap_err();
        assert!(err.to_string().starts_with("LLM_PROVIDER:"), "{err}");
    }

    #[test]
    fn debug_prints_no_secret() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://u:pg-secret@db/app"),
            ("REDIS_URL", "redis://:redis-secret@cache:6379/0"),
            ("MINIO_ENDPOINT", "127.0.0.1:9000"),
            ("MINIO_ACCESS_KEY", "access"),
            ("MINIO_SECRET_KEY", "s3-secret"),
            ("MINIO_BUCKET", "bucket"),
            ("LLM_PROVIDER", "vllm"),
            (
                "LLM_VLLM_ENDPOINT",
                "http://u:llm-url-secret@127.0.0.1:8080/v1",
            ),
            ("LLM_MODEL_NAME", "m"),
            ("LLM_API_KEY", "sk-api-secret"),
        ])
        .unwrap();
        let printed = [
            format!("{s:?}"),
            format!("{s:#?}"),
            format!("{:?}", s.database),
            format!(
                "{:?}",
                PostgresOptions::new("postgres://u:pg-secret@db/app")
            ),
            format!(
                "{:?}",
                RedisQueueOptions::new("redis://:redis-secret@cache:6379/0")
            ),
        ];
        for text in printed {
            for secret in [
                "pg-secret",
                "redis-secret",
                "s3-secret",
                "llm-url-secret",
                "sk-api-secret",
            ] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            assert!(
                text.contains("***") || text.contains("<redacted>"),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = settings(&[("DATABASE_URL", "mysql://db")]).unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL:"), "{err}");
        let err = settings(&[("REDIS_URL", "localhost:6379")]).unwrap_err();
        assert!(err.to_string().starts_with("REDIS_URL:"), "{err}");
        let err = settings(&[("MINIO_ENDPOINT", "localhost:9000")]).unwrap_err();
        assert!(err.to_string().contains("MINIO_ACCESS_KEY"), "{err}");
    }
}
