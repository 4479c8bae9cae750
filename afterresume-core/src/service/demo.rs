//! A demo account with three weeks of worklogs, analyzed, with skills, two
//! reports and a resume: what a new user sees before writing their own.

use std::time::Duration;

use chrono::{Datelike, Days, Weekday};
use serde_json::Value;

use super::reports::GenerateReport;
use super::skills::SkillsWindow;
use super::worklogs::WorkLogInput;
use super::{Actor, App, Enqueued};
use crate::accounts::NewAccount;
use crate::domain::{JobStatus, ReportKind, User};
use crate::{Error, ErrorKind, Result};

/// The demo account's username.
pub const DEMO_USERNAME: &str = "demo";

/// How long each demo job may take.
const JOB_WAIT: Duration = Duration::from_secs(120);

/// Three weeks of a backend engineer's work, weekdays only.
pub const DEMO_WORKLOGS: &[(&str, &str)] = &[
    (
        "billing",
        "Moved the billing service from MySQL to PostgreSQL 15; wrote the migration with zero downtime (BILL-101).",
    ),
    (
        "billing",
        "Reviewed three pull requests on the invoice exporter and paired on its Rust parser.",
    ),
    (
        "platform",
        "Wrote Terraform for the new RDS instance and the VPC peering to the k8s cluster.",
    ),
    (
        "platform",
        "Deployed the billing API to Kubernetes with Helm; reduced p99 latency from 800 to 120 ms.",
    ),
    (
        "billing",
        "Fixed a race condition in the payment retry worker (BILL-117); added property tests.",
    ),
    (
        "platform",
        "Moved CI from Jenkins to GitHub Actions; builds now take 6 minutes instead of 19.",
    ),
    (
        "search",
        "Prototyped the search API in Python with FastAPI and Elasticsearch.",
    ),
    (
        "search",
        "Added Redis caching in front of Elasticsearch; cache hit rate 87%.",
    ),
    (
        "platform",
        "Incident response: the Kafka consumer lagged after a broker restart; wrote the postmortem.",
    ),
    (
        "search",
        "Built the search page in React with TypeScript; wrote Playwright tests.",
    ),
    (
        "billing",
        "Mentored a new engineer on our Rust codebase and code review practices.",
    ),
    (
        "platform",
        "Set up Prometheus alerts and Grafana dashboards for the billing SLOs.",
    ),
    (
        "search",
        "Tuned PostgreSQL indexes for the search fallback; query time down 60%.",
    ),
    (
        "billing",
        "Documented the billing architecture and the on-call runbook.",
    ),
    (
        "platform",
        "Upgraded the cluster to Kubernetes 1.31 and rotated the Docker base images.",
    ),
];

/// What seeding made.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSeed {
    /// The demo user.
    pub user: User,
    /// Worklogs written.
    pub worklogs: usize,
    /// Skills found in them.
    pub skills: usize,
    /// Reports generated.
    pub reports: usize,
}

impl App {
    /// Creates the `demo` user with [`DEMO_WORKLOGS`] on the weekdays up to
    /// today, then analyzes them and generates skills, a status and a standup
    /// report and the resume, waiting for each job. Needs workers running (in
    /// this process or another); refuses if the demo user exists.
    pub async fn seed_demo(&self, actor: &Actor, password: String) -> Result<DemoSeed> {
        actor.require_operator()?;
        match self.domain.get_user_by_username(DEMO_USERNAME).await {
            Ok(_) => {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    "the demo user exists already; nothing changed",
                ));
            }
            Err(e) if e.is(ErrorKind::NotFound) => {}
            Err(e) => return Err(e),
        }
        let account = NewAccount {
            username: DEMO_USERNAME.into(),
            email: "demo@example.com".into(),
            full_name: "Dana Demo".into(),
            password,
            is_staff: false,
        };
        let user = self.accounts.create_user(account, self.now()).await?;
        let demo = Actor::user(&user);
        let entries = DEMO_WORKLOGS
            .iter()
            .zip(weekdays_up_to(self.today(), DEMO_WORKLOGS.len()))
            .map(|((tag, content), date)| WorkLogInput {
                date: Some(date),
                tags: vec![(*tag).to_owned()],
                ..WorkLogInput::new(*content)
            })
            .collect();
        let worklogs = self.import_worklogs(&demo, None, entries).await?;
        let mut analyses = Vec::with_capacity(worklogs.len());
        for worklog in &worklogs {
            analyses.push(self.analyze_worklog(&demo, worklog.id, None).await?);
        }
        for job in analyses {
            self.finished(job).await?;
        }
        let window = SkillsWindow::default();
        self.finished(self.recompute_skills(&demo, None, window, None).await?)
            .await?;
        let reports = [ReportKind::Status, ReportKind::Standup];
        for kind in reports {
            let request = GenerateReport {
                kind,
                start: None,
                end: None,
            };
            self.finished(self.generate_report(&demo, None, request, None).await?)
                .await?;
        }
        self.finished(self.refresh_resume(&demo, None, None).await?)
            .await?;
        let skills = self.domain.list_user_skills(user.id).await?.len();
        Ok(DemoSeed {
            user,
            worklogs: worklogs.len(),
            skills,
            reports: reports.len(),
        })
    }

    /// Waits for a demo job; one that does not succeed stops the seeding.
    async fn finished(&self, enqueued: Enqueued) -> Result<Value> {
        let job = enqueued.job;
        let done = self.engine.wait_for(job.id, JOB_WAIT).await?;
        if done.status != JobStatus::Success {
            return Err(Error::unexpected(format!(
                "{} ended {}: {}",
                job.job_type,
                done.status,
                done.error.unwrap_or_default()
            )));
        }
        Ok(done.result.unwrap_or_default())
    }
}

/// The last `n` weekdays up to `today`, oldest first.
fn weekdays_up_to(today: chrono::NaiveDate, n: usize) -> Vec<chrono::NaiveDate> {
    let mut dates = Vec::with_capacity(n);
    let mut day = today;
    while dates.len() < n {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            dates.push(day);
        }
        day = day - Days::new(1);
    }
    dates.reverse();
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_days_are_weekdays_ending_today_or_before() {
        let sunday = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let days = weekdays_up_to(sunday, 6);
        assert_eq!(days.len(), 6);
        assert_eq!(days.last().unwrap().to_string(), "2026-12-04");
        assert_eq!(days.first().unwrap().to_string(), "2026-11-27");
        assert!(days.iter().all(|d| d.weekday().num_days_from_monday() < 5));
    }
}
