//! An in-process host over real backends, and a small client that speaks to its
//! router without a socket.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;

use afterresume_backends::memory::{
    MemoryArtifactStore, MemoryDomainStore, MemoryEventSink, MemoryJobStore, MemoryQueue,
};
use afterresume_core::accounts::{Accounts, NewAccount};
use afterresume_core::agents::AgentServices;
use afterresume_core::workflows::register_builtin_workflows;
use afterresume_core::{Engine, EngineConfig};
use afterresume_http::{AppState, HostSettings, Settings, System, router};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdefghijklmnop";

/// A host under test.
pub struct App {
    pub router: Router,
    pub state: AppState,
    dir: Option<Arc<tempfile::TempDir>>,
    pairs: Vec<(String, String)>,
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

/// How a request authenticates.
#[derive(Debug, Clone, Default)]
pub enum As {
    #[default]
    Anonymous,
    Token(String),
    Bearer(String),
    /// Session cookie and the CSRF token to send (None: send none).
    Session(String, Option<String>),
}

impl App {
    /// Memory backends and the built-in workflows.
    pub fn memory() -> App {
        Self::memory_with(HostSettings::with_secret_key(SECRET_KEY))
    }

    pub fn memory_with(settings: HostSettings) -> App {
        let domain = Arc::new(MemoryDomainStore::new());
        let artifacts = Arc::new(MemoryArtifactStore::new());
        let services = AgentServices {
            artifacts: Some(Arc::clone(&artifacts) as _),
            ..AgentServices::new(Arc::clone(&domain) as _)
        };
        let builder = Engine::builder()
            .with_job_store(Arc::new(MemoryJobStore::new()))
            .with_queue(Arc::new(MemoryQueue::new()))
            .with_event_sink(Arc::new(MemoryEventSink::new()));
        let engine = register_builtin_workflows(builder, services)
            .build()
            .unwrap();
        let mut state = AppState::new(engine, domain, settings);
        state.artifacts = Some(artifacts);
        App {
            router: router(state.clone()),
            state,
            dir: None,
            pairs: Vec::new(),
        }
    }

    /// A host over a state built by the test.
    pub fn from_state(state: AppState) -> App {
        App {
            router: router(state.clone()),
            state,
            dir: None,
            pairs: Vec::new(),
        }
    }

    /// Backends opened from settings variables, as the binary opens them.
    pub async fn from_env(pairs: &[(&str, String)], settings: HostSettings) -> App {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Self::open(Arc::new(tempfile::tempdir().unwrap()), pairs, settings).await
    }

    /// Another host over the same backends (data directory, database, schema), as
    /// a second process or a restarted one would open them.
    pub async fn reopen(&self, settings: HostSettings) -> App {
        let dir = Arc::clone(self.dir.as_ref().expect("only hosts opened from settings"));
        Self::open(dir, self.pairs.clone(), settings).await
    }

    async fn open(
        dir: Arc<tempfile::TempDir>,
        pairs: Vec<(String, String)>,
        settings: HostSettings,
    ) -> App {
        let data = dir.path().display().to_string();
        let lookup = |name: &str| {
            if name == "AFTERRESUME_DATA_DIR" {
                return Some(data.clone());
            }
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        let system = System::open(&Settings::from_lookup(lookup).unwrap())
            .await
            .unwrap();
        let engine = system
            .engine_builder(EngineConfig::default())
            .build()
            .unwrap();
        let state = AppState::from_system(engine, &system, settings);
        App {
            router: router(state.clone()),
            state,
            dir: Some(dir),
            pairs,
        }
    }

    /// The embedded default: SQLite file and artifact folder in a temp dir.
    pub async fn sqlite() -> App {
        Self::from_env(&[], HostSettings::with_secret_key(SECRET_KEY)).await
    }

    /// Postgres in its own schema.
    pub async fn postgres() -> App {
        let url = afterresume_backends::testing::required_env("AFTERRESUME_TEST_POSTGRES_URL");
        let schema = afterresume_backends::testing::unique_namespace();
        Self::from_env(
            &[
                ("DATABASE_URL", url),
                ("AFTERRESUME_POSTGRES_SCHEMA", schema),
            ],
            HostSettings::with_secret_key(SECRET_KEY),
        )
        .await
    }

    /// Creates a user and returns (id, token secret).
    pub async fn user(&self, name: &str, staff: bool) -> (i64, String) {
        let accounts = Accounts::new(Arc::clone(self.state.app.domain()));
        let user = accounts
            .create_user(
                NewAccount {
                    username: name.into(),
                    email: format!("{name}@example.com"),
                    full_name: String::new(),
                    password: format!("{name}-password"),
                    is_staff: staff,
                },
                chrono::Utc::now(),
            )
            .await
            .unwrap();
        let token = accounts
            .issue_token(user.id, "test", chrono::Utc::now())
            .await
            .unwrap();
        (user.id, token.secret)
    }

    /// Runs every due job to the end.
    pub async fn run_jobs(&self) {
        while self.state.app.engine().run_next().await.unwrap().is_some() {}
    }

    pub async fn call(&self, method: Method, path: &str, who: &As, body: Option<Value>) -> Reply {
        self.call_with(method, path, who, body, &[], None).await
    }

    pub async fn get(&self, path: &str, who: &As) -> Reply {
        self.call(Method::GET, path, who, None).await
    }

    pub async fn post(&self, path: &str, who: &As, body: Value) -> Reply {
        self.call(Method::POST, path, who, Some(body)).await
    }

    /// A request with extra headers and an optional client address.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        who: &As,
        body: Option<Value>,
        headers: &[(&str, &str)],
        client: Option<SocketAddr>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        match who {
            As::Anonymous => {}
            As::Token(t) => request = request.header("authorization", format!("Token {t}")),
            As::Bearer(t) => request = request.header("authorization", format!("Bearer {t}")),
            As::Session(cookie, csrf) => {
                request = request.header("cookie", format!("afterresume_session={cookie}"));
                if let Some(csrf) = csrf {
                    request = request.header("x-csrftoken", csrf);
                }
            }
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let body = match body {
            Some(v) => {
                request = request.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        if let Some(addr) = client {
            request.extensions_mut().insert(ConnectInfo(addr));
        }
        self.send(request).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
            bytes: bytes.to_vec(),
        }
    }
}

/// The `afterresume` binary on a data folder of its own, with none of the
/// settings a developer's shell may carry (a database, Redis, S3, an admin, a
/// secret key, an OpenTelemetry collector), logging warnings only.
pub fn binary(data: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_afterresume"));
    for name in [
        "DATABASE_URL",
        "REDIS_URL",
        "MINIO_ENDPOINT",
        "ADMIN_USERNAME",
        "ADMIN_PASSWORD",
        "SECRET_KEY",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SDK_DISABLED",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("AFTERRESUME_DATA_DIR", data)
        .env("RUST_LOG", "warn");
    cmd
}
