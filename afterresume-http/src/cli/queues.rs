//! `afterresume queues`: named queues from a terminal — list what waits in
//! each, pause or resume a queue (or, with `--type`, a job type) in every
//! worker process.

use afterresume_core::Result;
use afterresume_core::ports::PauseTarget;
use afterresume_core::service::queues::{PauseChange, QueueView};
use afterresume_core::service::{Actor, App};
use clap::{Args, Subcommand};

/// What to do with queues.
#[derive(Debug, Subcommand)]
pub(super) enum QueuesCommand {
    /// Every queue with waiting or running jobs or a pause, and the paused job types.
    List,
    /// Hold a queue's jobs (or a job type's, with `--type`) until it is resumed.
    Pause(PauseArgs),
    /// Let a paused queue's (or job type's) jobs run again.
    Resume(PauseArgs),
}

#[derive(Debug, Args)]
pub(super) struct PauseArgs {
    /// The queue's name (a job type's with `--type`).
    name: String,
    /// NAME is a job type, paused in every queue.
    #[arg(long = "type")]
    job_type: bool,
}

impl PauseArgs {
    fn target(self) -> PauseTarget {
        if self.job_type {
            PauseTarget::JobType(self.name)
        } else {
            PauseTarget::Queue(self.name)
        }
    }
}

/// Runs a `queues` command.
pub(super) async fn queues(app: &App, command: QueuesCommand) -> Result<()> {
    let operator = Actor::system();
    match command {
        QueuesCommand::List => {
            let overview = app.queues(&operator).await?;
            if overview.queues.is_empty() {
                println!("no queued or running jobs");
            }
            for queue in &overview.queues {
                println!("{}", line(queue));
            }
            for paused in &overview.paused_job_types {
                println!(
                    "type {}\tpaused since {}",
                    paused.job_type,
                    paused.paused_at.format("%Y-%m-%d %H:%M UTC")
                );
            }
        }
        QueuesCommand::Pause(args) => {
            println!(
                "{}",
                said(&app.set_paused(&operator, args.target(), true).await?)
            );
        }
        QueuesCommand::Resume(args) => {
            println!(
                "{}",
                said(&app.set_paused(&operator, args.target(), false).await?)
            );
        }
    }
    Ok(())
}

/// One queue on one line.
fn line(queue: &QueueView) -> String {
    let oldest = queue.oldest_ready_at.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    );
    format!(
        "{}\t{}\tready {}\tdelayed {}\trunning {}\toldest ready {}",
        queue.name,
        if queue.paused { "paused" } else { "active" },
        queue.ready,
        queue.delayed,
        queue.running,
        oldest
    )
}

/// What a pause or resume did, in words.
fn said(change: &PauseChange) -> String {
    let what = if change.kind == "type" {
        "job type"
    } else {
        "queue"
    };
    let state = if change.paused { "paused" } else { "running" };
    if change.changed {
        format!("{what} {} {state}", change.name)
    } else {
        format!("{what} {} was already {state}", change.name)
    }
}
