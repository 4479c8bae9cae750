//! `afterresume schedules`: recurring jobs from a terminal — add (or replace)
//! one by name, list them, pause, resume, delete.

use afterresume_core::ScheduleSpec;
use afterresume_core::cron_expr::CronExpr;
use afterresume_core::domain::Schedule;
use afterresume_core::service::{Actor, App};
use afterresume_core::{Error, Result};
use clap::{Args, Subcommand};
use serde_json::Value;

/// What to do with schedules.
#[derive(Debug, Subcommand)]
pub(super) enum SchedulesCommand {
    /// Add a schedule, or replace the one of that name.
    Add(ScheduleAdd),
    /// Every schedule: name, cron, state, next and last run.
    List,
    /// Stop a schedule from firing until it is resumed.
    Pause(ScheduleName),
    /// Let a paused schedule fire again, from its next due time on.
    Resume(ScheduleName),
    /// Delete a schedule.
    Delete(ScheduleName),
}

#[derive(Debug, Args)]
pub(super) struct ScheduleName {
    /// The schedule's name.
    name: String,
}

#[derive(Debug, Args)]
pub(super) struct ScheduleAdd {
    /// Unique name.
    name: String,
    /// 5-field cron (`0 9 * * 1-5`) or a shortcut (`@hourly`, `@daily`, ...).
    #[arg(long)]
    cron: String,
    /// IANA time zone the cron is read in (`Europe/Paris`); UTC when absent.
    #[arg(long)]
    tz: Option<String>,
    /// Job type each run enqueues.
    #[arg(long = "type")]
    job_type: String,
    /// JSON object payload of each job.
    #[arg(long, default_value = "{}")]
    payload: String,
    /// The user the jobs work for: an id or a username.
    #[arg(long)]
    user: Option<String>,
    /// Add it paused.
    #[arg(long)]
    paused: bool,
}

/// Runs a `schedules` command.
pub(super) async fn schedules(app: &App, command: SchedulesCommand) -> Result<()> {
    let operator = Actor::system();
    match command {
        SchedulesCommand::Add(add) => {
            let payload: Value = serde_json::from_str(&add.payload)
                .map_err(|e| Error::invalid_input(format!("payload: not valid JSON: {e}")))?;
            let user_id = match &add.user {
                Some(who) => Some(super::resume::user_id(app, who).await?),
                None => None,
            };
            let spec = ScheduleSpec {
                payload,
                time_zone: add.tz,
                user_id,
                enabled: !add.paused,
                ..ScheduleSpec::new(&add.name, &add.job_type, &add.cron)
            };
            let schedule = app.put_schedule(&operator, spec).await?;
            println!("{}", line(&schedule));
        }
        SchedulesCommand::List => {
            let all = app.list_schedules(&operator).await?;
            if all.is_empty() {
                println!("no schedules");
            }
            for schedule in &all {
                println!("{}", line(schedule));
            }
        }
        SchedulesCommand::Pause(ScheduleName { name }) => {
            let schedule = app.set_schedule_enabled(&operator, &name, false).await?;
            println!("{}", line(&schedule));
        }
        SchedulesCommand::Resume(ScheduleName { name }) => {
            let schedule = app.set_schedule_enabled(&operator, &name, true).await?;
            println!("{}", line(&schedule));
        }
        SchedulesCommand::Delete(ScheduleName { name }) => {
            app.delete_schedule_named(&operator, &name).await?;
            println!("deleted schedule {name}");
        }
    }
    Ok(())
}

/// One schedule on one line, its times in UTC.
fn line(s: &Schedule) -> String {
    let zone = CronExpr::parse(&s.cron)
        .ok()
        .and_then(|e| e.time_zone())
        .map(|z| format!(" ({z})"))
        .unwrap_or_default();
    let last = s.last_run_at.map_or_else(
        || "never".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    format!(
        "{}\t{}\t{}{}\t{}\tnext {}\tlast {}",
        s.name,
        s.job_type,
        s.cron,
        zone,
        if s.enabled { "enabled" } else { "paused" },
        s.next_run_at.format("%Y-%m-%d %H:%M UTC"),
        last
    )
}
