//! Small rules every backend applies the same way, kept in one place.

use afterresume_core::ports::{ArtifactKey, ArtifactMeta};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The job a `NewJob` becomes in a SQL store, which keeps times to the microsecond:
/// what an insert returns then equals what a later read returns. (Both SQL backends
/// round down: SQLite stores `timestamp_micros`, sqlx sends Postgres whole
/// microseconds since 2000.)
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn as_stored(new: afterresume_core::domain::NewJob) -> afterresume_core::domain::Job {
    use chrono::SubsecRound;
    let mut job = new.into_job();
    job.run_at = job.run_at.trunc_subsecs(6);
    job.created_at = job.created_at.trunc_subsecs(6);
    job
}

/// What a timeline row holds beyond id, time and trace: an event row's own columns,
/// or the facts of a job row that keeps its "job queued" event (both SQL stores list
/// a timeline as one statement over `job_events` and `jobs`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) enum TimelineRow {
    /// A `job_events` row.
    Stored {
        level: String,
        source: String,
        message: String,
        data: serde_json::Value,
    },
    /// A job row's kept "job queued" event.
    Kept {
        job_type: String,
        trigger: String,
        run_at: DateTime<Utc>,
        parent_job_id: Option<afterresume_core::domain::JobId>,
        max_retries: i64,
    },
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl TimelineRow {
    /// The event the row stands for.
    pub(crate) fn into_event(
        self,
        id: i64,
        job_id: afterresume_core::domain::JobId,
        timestamp: DateTime<Utc>,
        trace_id: uuid::Uuid,
    ) -> afterresume_core::Result<afterresume_core::domain::Event> {
        use afterresume_core::domain::Event;
        match self {
            TimelineRow::Stored {
                level,
                source,
                message,
                data,
            } => Ok(Event {
                id,
                job_id,
                timestamp,
                level: level.parse()?,
                source: source.parse()?,
                message,
                data,
                trace_id,
            }),
            TimelineRow::Kept {
                job_type,
                trigger,
                run_at,
                parent_job_id,
                max_retries,
            } => {
                let facts = afterresume_core::engine::QueuedFacts {
                    id: job_id,
                    trace_id,
                    job_type: &job_type,
                    trigger: trigger.parse()?,
                    run_at,
                    parent_job_id,
                    max_retries: u32::try_from(max_retries).map_err(|_| {
                        afterresume_core::Error::unexpected(format!(
                            "job {job_id} has max_retries {max_retries} in the database"
                        ))
                    })?,
                    queued_at: timestamp,
                };
                Ok(Event::of(id, facts.event()))
            }
        }
    }
}

/// What a stored JSON value that cannot be parsed (written before the stores
/// checked what they accept, or by another program) reads as: its text under
/// `unreadable_json`, so that one such row cannot fail every list it is in, and
/// its owner can still see, replace or delete it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn unreadable_json(text: &str) -> serde_json::Value {
    tracing::warn!("a stored JSON value could not be parsed");
    serde_json::json!({ "unreadable_json": text })
}

/// A user's skills summarized from their evidence, for stores that keep evidence and
/// skills in tables and summarize in memory.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn user_skills_of<S>(
    store: &S,
    user_id: afterresume_core::domain::UserId,
) -> afterresume_core::Result<Vec<afterresume_core::domain::UserSkill>>
where
    S: afterresume_core::ports::SkillStore + ?Sized,
{
    let evidence = store.list_user_evidence(user_id, None, None).await?;
    use afterresume_core::domain::{Skill, SkillId, UserSkill};
    let skills: std::collections::HashMap<SkillId, Skill> = store
        .list_skills()
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(UserSkill::summarize(&evidence, |id| {
        skills.get(&id).cloned()
    }))
}

/// Waits for deliverable messages: takes what is due, else sleeps until a local
/// wakeup or the next poll, until `wait` has passed. The loop every polled queue
/// (SQLite, Postgres) shares; `take` does the backend's atomic pop.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn pop_waiting<F, Fut>(
    wakeups: &tokio::sync::Notify,
    poll: std::time::Duration,
    wait: std::time::Duration,
    mut take: F,
) -> afterresume_core::Result<Vec<afterresume_core::ports::Delivery>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
            Output = afterresume_core::Result<Vec<afterresume_core::ports::Delivery>>,
        >,
{
    let found = wait_until(wakeups, poll, wait, || {
        let taken = take();
        async move { Ok(Some(taken.await?).filter(|t: &Vec<_>| !t.is_empty())) }
    })
    .await?;
    Ok(found.unwrap_or_default())
}

/// Looks with `look` until it finds something, sleeping between looks until a local
/// wakeup or the next poll, for at most `wait` (at least one look).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn wait_until<T, F, Fut>(
    wakeups: &tokio::sync::Notify,
    poll: std::time::Duration,
    wait: std::time::Duration,
    mut look: F,
) -> afterresume_core::Result<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = afterresume_core::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Register for wakeups before looking, so a push between the look and the
        // sleep is not missed.
        let notified = wakeups.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(found) = look().await? {
            return Ok(Some(found));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let _ = tokio::time::timeout_at(deadline.min(now + poll), notified).await;
    }
}

/// Wakes local poppers for a push of `jobs` jobs: one popper for one job (the others
/// would only look and find it taken), every popper for more.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn wake_poppers(wakeups: &tokio::sync::Notify, jobs: usize) {
    if jobs == 1 {
        wakeups.notify_one();
    } else {
        wakeups.notify_waiters();
    }
}

/// The wait of a queue that is its job store: returns once `look` says a due job
/// exists, a push wakes it, or `wait` has passed, whichever is first. After a push it
/// does not look again: the caller claims next, and the claim is the look.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) async fn wait_for_due_or_push<F, Fut>(
    wakeups: &tokio::sync::Notify,
    poll: std::time::Duration,
    wait: std::time::Duration,
    mut look: F,
) -> afterresume_core::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = afterresume_core::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // Registered before the look, so a push during the look is not missed.
        let pushed = wakeups.notified();
        tokio::pin!(pushed);
        pushed.as_mut().enable();
        if look().await? {
            return Ok(());
        }
        let now = tokio::time::Instant::now();
        if now >= deadline
            || tokio::time::timeout_at(deadline.min(now + poll), pushed)
                .await
                .is_ok()
        {
            return Ok(());
        }
    }
}

/// A service URL with its password replaced, for error messages and logs.
#[cfg(any(feature = "postgres", feature = "redis", feature = "webhooks"))]
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable url>".to_owned(),
    }
}

/// The content type stored when a put names none.
pub(crate) const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Metadata of bytes about to be stored.
pub(crate) fn artifact_meta(
    key: &ArtifactKey,
    bytes: &[u8],
    content_type: Option<&str>,
    now: DateTime<Utc>,
) -> ArtifactMeta {
    ArtifactMeta {
        key: key.clone(),
        size: bytes.len() as u64,
        content_type: content_type.unwrap_or(DEFAULT_CONTENT_TYPE).to_owned(),
        sha256: sha256_hex(bytes),
        last_modified: now,
    }
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
