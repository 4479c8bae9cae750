//! What every handler shares.

use std::sync::Arc;

use afterresume_core::Engine;
use afterresume_core::accounts::Accounts;
use afterresume_core::ports::{SharedArtifactStore, SharedDomainStore, SharedLlmProvider};

use crate::config::HostSettings;
use crate::metrics::Metrics;
use afterresume_backends::system::System;

/// The host's shared state: the engine, the domain store and the host's settings.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The engine (jobs, events, schedules).
    pub engine: Engine,
    /// Users, worklogs, skills, reports, resumes.
    pub domain: SharedDomainStore,
    /// Passwords and tokens.
    pub accounts: Accounts,
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
            engine,
            accounts: Accounts::new(Arc::clone(&domain)),
            domain,
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
}
