//! What every handler shares.

use std::sync::Arc;

use afterresume_core::Engine;
use afterresume_core::ports::{SharedArtifactStore, SharedDomainStore, SharedLlmProvider};
use afterresume_core::service::App;

use crate::config::HostSettings;
use crate::metrics::Metrics;
use afterresume_backends::system::System;

/// The host's shared state: the application (engine, domain store, accounts)
/// and the host's own settings.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases every route calls.
    pub app: App,
    /// Artifacts, checked by readiness.
    pub artifacts: Option<SharedArtifactStore>,
    /// The LLM provider, checked by readiness when one is configured.
    pub llm: Option<SharedLlmProvider>,
    /// Host settings.
    pub settings: Arc<HostSettings>,
    /// Prometheus counters.
    pub(crate) metrics: Arc<Metrics>,
    /// Workers this process runs (0 with `--no-workers`), shown on the dashboard.
    pub local_workers: usize,
}

impl AppState {
    /// State over an engine and a domain store.
    pub fn new(engine: Engine, domain: SharedDomainStore, settings: HostSettings) -> Self {
        AppState {
            app: App::new(engine, domain),
            artifacts: None,
            llm: None,
            settings: Arc::new(settings),
            metrics: Arc::default(),
            local_workers: 0,
        }
    }

    /// State over opened backends: readiness checks every one of them.
    pub fn from_system(engine: Engine, system: &System, settings: HostSettings) -> Self {
        AppState {
            artifacts: Some(Arc::clone(&system.artifacts)),
            llm: system
                .llm
                .as_ref()
                .map(|agent| Arc::clone(agent.provider())),
            ..Self::new(engine, Arc::clone(&system.domain), settings)
        }
    }

    /// Records how many workers this process runs.
    pub fn with_local_workers(mut self, workers: usize) -> Self {
        self.local_workers = workers;
        self
    }

    /// The job engine.
    pub fn engine(&self) -> &Engine {
        self.app.engine()
    }
}
