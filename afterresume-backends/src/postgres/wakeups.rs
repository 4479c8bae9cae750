//! Waking this process's queue poppers: one `LISTEN` connection per process,
//! with polling as the fallback.

use super::*;

/// Wakes this process's queue poppers when a push (from any process) is notified.
#[derive(Debug)]
pub(crate) struct Wakeups {
    pub(crate) notify: Notify,
    pub(crate) listener: OnceCell<()>,
    /// Sent with this backend's NOTIFYs, so that its listener skips the pushes that
    /// already woke the poppers here directly.
    pub(crate) origin: String,
    /// Jobs pushed here that no NOTIFY has announced yet.
    pub(crate) unannounced: AtomicUsize,
    /// Whether a task is sending NOTIFYs for [`unannounced`](Self::unannounced).
    pub(crate) announcing: AtomicBool,
}

impl Default for Wakeups {
    fn default() -> Self {
        Wakeups {
            notify: Notify::new(),
            listener: OnceCell::new(),
            origin: uuid::Uuid::new_v4().simple().to_string(),
            unannounced: AtomicUsize::new(0),
            announcing: AtomicBool::new(false),
        }
    }
}

impl Wakeups {
    /// Wakes local poppers for a push of `jobs` jobs ([`wake_poppers`](crate::common::wake_poppers)).
    pub(crate) fn wake(&self, jobs: usize) {
        crate::common::wake_poppers(&self.notify, jobs);
    }

    /// Counts `jobs` as pushed but not yet announced; true when the caller must
    /// start the task that announces them (none is running).
    pub(crate) fn to_announce(&self, jobs: usize) -> bool {
        self.unannounced.fetch_add(jobs, Ordering::SeqCst);
        !self.announcing.swap(true, Ordering::SeqCst)
    }

    /// The jobs the announcing task is to announce next; `None` when there are none
    /// and the task ends (a push racing with the end starts it again, or is taken
    /// over here).
    pub(crate) fn next_announcement(&self) -> Option<usize> {
        loop {
            let jobs = self.unannounced.swap(0, Ordering::SeqCst);
            if jobs > 0 {
                return Some(jobs);
            }
            self.announcing.store(false, Ordering::SeqCst);
            // A push that counted its jobs after the swap, while `announcing` was
            // still set, started no task: take its jobs unless a new task has.
            if self.unannounced.load(Ordering::SeqCst) == 0
                || self.announcing.swap(true, Ordering::SeqCst)
            {
                return None;
            }
        }
    }

    /// The NOTIFY payload that announces a push of `jobs` jobs from here.
    pub(crate) fn payload(&self, jobs: usize) -> String {
        format!("{} {jobs}", self.origin)
    }

    /// Wakes local poppers for a received NOTIFY payload: none for this backend's
    /// own pushes, every popper for a payload it cannot read (another writer's).
    pub(crate) fn on_notification(&self, payload: &str) {
        match payload.split_once(' ') {
            Some((origin, _)) if origin == self.origin => {}
            Some((_, jobs)) => self.wake(jobs.parse().unwrap_or(usize::MAX)),
            None => self.notify.notify_waiters(),
        }
    }
}

/// What the NOTIFY channel of a schema's queue starts with.
pub(crate) const CHANNEL_PREFIX: &str = "afterresume_queue_";

/// The NOTIFY channel of a schema's queue.
pub(crate) fn channel(schema: &str) -> String {
    format!("{CHANNEL_PREFIX}{schema}")
}

/// Forwards notifications to local poppers until the backend is dropped. PgListener
/// reconnects by itself; while it is down, poppers fall back to polling.
pub(crate) async fn listen(pool: PgPool, wakeups: Weak<Wakeups>) {
    let schema = match sqlx::query_scalar::<_, String>("SELECT current_schema()")
        .fetch_one(&pool)
        .await
    {
        Ok(schema) => schema,
        Err(err) => {
            tracing::warn!(error = %err, "postgres: no LISTEN; the queue falls back to polling");
            return;
        }
    };
    let mut listener = match PgListener::connect_with(&pool).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::warn!(error = %err, "postgres: no LISTEN; the queue falls back to polling");
            return;
        }
    };
    if let Err(err) = listener.listen(&channel(&schema)).await {
        tracing::warn!(error = %err, "postgres: LISTEN failed; the queue falls back to polling");
        return;
    }
    loop {
        let received = tokio::time::timeout(Duration::from_secs(5), listener.recv()).await;
        let Some(wakeups) = wakeups.upgrade() else {
            return;
        };
        match received {
            Ok(Ok(notification)) => wakeups.on_notification(notification.payload()),
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "postgres: listener error; reconnecting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(_) => {}
        }
    }
}
