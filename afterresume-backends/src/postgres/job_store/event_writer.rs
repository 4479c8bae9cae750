//! [`JobEventWriter`] on Postgres: transitions and their events in one statement.

use super::*;

#[async_trait]
impl JobEventWriter for PostgresBackend {
    fn event_timeline(&self) -> Option<String> {
        Some(self.timeline_name())
    }

    async fn insert_jobs_with_events(
        &self,
        jobs: Vec<(NewJob, NewEvent)>,
    ) -> Result<Vec<InsertedJob>> {
        let (jobs, events): (Vec<NewJob>, Vec<NewEvent>) = jobs.into_iter().unzip();
        self.insert_batch(jobs, FirstEvents::Given(events)).await
    }

    /// Every job keeps its "job queued" event in its row: no event is built.
    async fn insert_queued_jobs(&self, jobs: Vec<NewJob>) -> Result<Vec<InsertedJob>> {
        self.insert_batch(jobs, FirstEvents::KeptInRows).await
    }

    /// One statement claims the jobs and appends their started events.
    async fn claim_jobs_with_events(&self, ids: &[JobId], opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_ids(ids, opts, &CLAIM_IDS_WITH_EVENTS).await
    }

    /// One statement claims the jobs and appends their started events.
    async fn claim_due_with_events(&self, limit: usize, opts: &ClaimOptions) -> Result<Vec<Job>> {
        self.claim_limit(limit, opts, &CLAIM_DUE_WITH_EVENTS).await
    }

    /// One statement writes the outcomes and the events of those it changed.
    async fn finish_jobs_with_events(
        &self,
        items: Vec<(Lease, JobOutcome, NewEvent)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Job>>> {
        let (leases, outcomes, events) = split_announced(items);
        let columns = FinishColumns::of(outcomes, now);
        self.finish_batch(leases, columns, Some(&events)).await
    }
}
