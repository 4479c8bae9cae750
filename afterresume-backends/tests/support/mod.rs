//! The in-memory engine with the four built-in workflows that the workflow tests
//! and the real-model test share.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use afterresume_backends::memory::*;
use afterresume_core::agents::{AgentServices, LlmWorklogAgent, LlmWriter};
use afterresume_core::domain::{EventSource, Job, NewUser, NewWorkLog, UserId, WorkLog};
use afterresume_core::ports::{ListEventsOptions, SharedDomainStore, UserStore, WorkLogStore};
use afterresume_core::workflows::register_builtin_workflows;
use afterresume_core::{Engine, EnqueueOptions, ManualClock};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

pub struct Harness {
    pub engine: Engine,
    pub domain: Arc<MemoryDomainStore>,
    pub artifacts: Arc<MemoryArtifactStore>,
}

pub fn harness(auto_chain: bool, llm: Option<LlmWorklogAgent>) -> Harness {
    harness_with(auto_chain, llm, None)
}

/// The harness with a model rewriting reports.
pub fn harness_with(
    auto_chain: bool,
    llm: Option<LlmWorklogAgent>,
    writer: Option<LlmWriter>,
) -> Harness {
    // Monday 2026-11-23, 15:00 UTC.
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap(),
    ));
    let domain = Arc::new(MemoryDomainStore::new());
    let artifacts = Arc::new(MemoryArtifactStore::new());
    let services = AgentServices {
        artifacts: Some(Arc::clone(&artifacts) as _),
        llm,
        writer,
        auto_chain,
        ..AgentServices::new(Arc::clone(&domain) as SharedDomainStore)
    };
    let builder = Engine::builder()
        .with_job_store(Arc::new(MemoryJobStore::new()))
        .with_queue(Arc::new(MemoryQueue::with_clock(Arc::clone(&clock) as _)))
        .with_event_sink(Arc::new(MemoryEventSink::new()))
        .with_clock(clock);
    let engine = register_builtin_workflows(builder, services)
        .build()
        .unwrap();
    Harness {
        engine,
        domain,
        artifacts,
    }
}

impl Harness {
    pub async fn user(&self, name: &str) -> UserId {
        let user = NewUser {
            username: name.into(),
            email: format!("{name}@example.com"),
            full_name: format!("{name} Example"),
            password_hash: "x".into(),
            is_staff: false,
        };
        self.domain.create_user(user, Utc::now()).await.unwrap().id
    }

    pub async fn worklog(
        &self,
        user: UserId,
        date: (i32, u32, u32),
        content: &str,
        tags: &[&str],
    ) -> WorkLog {
        let mut w = NewWorkLog::new(
            user,
            NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            content,
        );
        w.tags = tags.iter().map(|t| t.to_string()).collect();
        self.domain.create_worklog(w, Utc::now()).await.unwrap()
    }

    pub async fn run(&self, job_type: &str, user: UserId, payload: Value) -> Job {
        let opts = EnqueueOptions {
            user_id: Some(user),
            ..Default::default()
        };
        let job = self.engine.enqueue(job_type, payload, opts).await.unwrap();
        while self.engine.run_next().await.unwrap().is_some() {}
        self.engine.get_job(job.id).await.unwrap()
    }

    pub async fn sources(&self, job: &Job) -> Vec<EventSource> {
        let events = self
            .engine
            .job_events(job.id, &ListEventsOptions::default())
            .await
            .unwrap();
        events.into_iter().map(|e| e.source).collect()
    }
}
