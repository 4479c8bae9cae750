//! Reports, resume versions and login counters in memory.

use super::*;

#[async_trait]
impl ReportStore for MemoryDomainStore {
    async fn create_report(&self, new: NewReport, now: DateTime<Utc>) -> Result<Report> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        let report = Report {
            id: s.next_id("reports"),
            user_id: new.user_id,
            kind: new.kind,
            period_start: new.period_start,
            period_end: new.period_end,
            content: new.content,
            data: new.data,
            created_at: now,
        };
        s.reports.insert(report.id, report.clone());
        Ok(report)
    }

    async fn get_report(&self, id: ReportId) -> Result<Report> {
        self.lock()
            .reports
            .get(&id)
            .cloned()
            .ok_or_else(|| missing("report", id))
    }

    async fn list_reports(
        &self,
        user_id: UserId,
        kind: Option<ReportKind>,
        before: Option<ReportId>,
        limit: usize,
    ) -> Result<Vec<Report>> {
        Ok(self
            .lock()
            .reports
            .values()
            .rev()
            .filter(|r| {
                r.user_id == user_id
                    && kind.is_none_or(|k| r.kind == k)
                    && before.is_none_or(|b| r.id < b)
            })
            .take(limit.clamp(1, 1000))
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ResumeStore for MemoryDomainStore {
    async fn create_resume(&self, new: NewResume, now: DateTime<Utc>) -> Result<Resume> {
        let mut s = self.lock();
        if !s.users.contains_key(&new.user_id) {
            return Err(missing("user", new.user_id));
        }
        let version = s
            .resumes
            .values()
            .filter(|r| r.user_id == new.user_id)
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
            + 1;
        let resume = Resume {
            id: s.next_id("resumes"),
            user_id: new.user_id,
            version,
            document: new.document,
            markdown: new.markdown,
            html: new.html,
            created_at: now,
        };
        s.resumes.insert(resume.id, resume.clone());
        Ok(resume)
    }

    async fn latest_resume(&self, user_id: UserId) -> Result<Resume> {
        self.lock()
            .resumes
            .values()
            .filter(|r| r.user_id == user_id)
            .max_by_key(|r| r.version)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("user {user_id} has no resume yet")))
    }

    async fn get_resume_version(&self, user_id: UserId, version: u32) -> Result<Resume> {
        self.lock()
            .resumes
            .values()
            .find(|r| r.user_id == user_id && r.version == version)
            .cloned()
            .ok_or_else(|| missing("resume version", version))
    }

    async fn list_resume_versions(&self, user_id: UserId) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let mut out: Vec<(u32, DateTime<Utc>)> = self
            .lock()
            .resumes
            .values()
            .filter(|r| r.user_id == user_id)
            .map(|r| (r.version, r.created_at))
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.0));
        Ok(out)
    }
}

#[async_trait]
impl ThrottleStore for MemoryDomainStore {
    async fn acquire(
        &self,
        limits: &[ThrottleLimit],
        now: DateTime<Utc>,
    ) -> Result<ThrottleDecision> {
        let mut s = self.lock();
        let current: Vec<_> = limits
            .iter()
            .map(|l| s.throttle.get(&l.key).copied())
            .collect();
        match plan_acquire(limits, &current, now) {
            Ok(next) => {
                for (limit, counter) in limits.iter().zip(next) {
                    s.throttle.insert(limit.key.clone(), counter);
                }
                Ok(ThrottleDecision::Admitted)
            }
            Err(retry_after) => Ok(ThrottleDecision::Blocked { retry_after }),
        }
    }

    async fn release(&self, key: &str) -> Result<()> {
        if let Some(counter) = self.lock().throttle.get_mut(key) {
            counter.hits = counter.hits.saturating_sub(1);
        }
        Ok(())
    }

    async fn reset(&self, keys: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut s = self.lock();
        for key in keys {
            let zero = ThrottleCounter {
                window_start: now,
                hits: 0,
            };
            s.throttle.insert(key.clone(), zero);
        }
        Ok(())
    }

    async fn counter(&self, key: &str) -> Result<Option<ThrottleCounter>> {
        Ok(self.lock().throttle.get(key).copied())
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut s = self.lock();
        let count = s.throttle.len();
        s.throttle.retain(|_, c| c.window_start >= before);
        Ok((count - s.throttle.len()) as u64)
    }
}
