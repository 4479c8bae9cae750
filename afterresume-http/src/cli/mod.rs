//! Subcommands of the `afterresume` binary.

mod import;
mod queues;
mod resume;
mod schedules;
mod worker_pools;

use std::net::SocketAddr;
use std::time::Duration;

use afterresume_core::accounts::{Accounts, NewAccount};
use afterresume_core::domain::{JobId, JobStatus};
use afterresume_core::service::{Actor, App, EventQuery, JobQuery, PageRequest};
use afterresume_core::{Engine, EnqueueOptions, Error, Result, WorkerOptions};
use afterresume_http::{AppState, HostSettings, Settings, System, router};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

/// AfterResume: work logs in, evidenced skills, reports and a resume out.
/// A password from the command line or the environment: `Debug` (and so any
/// printed `Cli`) shows it redacted.
#[derive(Clone)]
struct Password(String);

impl std::str::FromStr for Password {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Password(s.to_owned()))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP with in-process workers and scheduler.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8000")]
        bind: SocketAddr,
        /// In-process workers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Serve HTTP only; run workers elsewhere (`afterresume worker`).
        #[arg(long)]
        no_workers: bool,
    },
    /// Run workers and the scheduler only (scale-out).
    Worker {
        /// Concurrent workers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Serve only these named queues, comma-separated; `name:N` gives a queue
        /// a pool of its own with N slots (its concurrency here), the others share
        /// `--workers`. Every queue when absent.
        #[arg(long, value_delimiter = ',')]
        queues: Option<Vec<String>>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Create a user.
    CreateUser(UserArgs),
    /// Create a staff user, from flags or ADMIN_USERNAME / ADMIN_EMAIL / ADMIN_PASSWORD.
    CreateAdmin(AdminArgs),
    /// Create the user `demo` with three weeks of analyzed worklogs, skills,
    /// reports and a resume.
    SeedDemo {
        /// The demo user's password.
        #[arg(long, env = "DEMO_PASSWORD", default_value = "demo-password")]
        password: Password,
    },
    /// Enqueue a job (operators).
    Enqueue {
        /// Job type, e.g. `skills.extract`.
        job_type: String,
        /// JSON object payload.
        #[arg(default_value = "{}")]
        payload: String,
        /// Owner: a user id or username.
        #[arg(long)]
        user: Option<String>,
        /// Idempotency key.
        #[arg(long)]
        key: Option<String>,
        /// Unique key: while a job of this type and key is queued or running,
        /// that job is returned and none is created.
        #[arg(long, conflicts_with_all = ["key", "debounce_key"])]
        unique_key: Option<String>,
        /// Debounce key: a queued job of this type and key is cancelled, so
        /// only the newest waits.
        #[arg(long, conflicts_with = "key")]
        debounce_key: Option<String>,
        /// Priority: 1 (most urgent) to 4; the type's own (2 unless it sets one)
        /// when absent.
        #[arg(long)]
        priority: Option<i16>,
        /// Named queue; the type's own (`default` unless it sets one) when absent.
        #[arg(long)]
        queue: Option<String>,
        /// Concurrency key: jobs sharing it run at most N at once in every
        /// process together (N: the type's concurrency limit, 1 when unset).
        #[arg(long)]
        concurrency_key: Option<String>,
        /// Run the job in this process and wait up to this many seconds.
        #[arg(long)]
        wait: Option<u64>,
    },
    /// Inspect or cancel jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Show or change a user's profile (the resume's header).
    #[command(subcommand)]
    Profile(resume::ProfileCommand),
    /// List, add or remove a user's positions.
    #[command(subcommand)]
    Positions(resume::PositionsCommand),
    /// Export a user's resume.
    #[command(subcommand)]
    Resume(resume::ResumeCommand),
    /// Import work from git history, Markdown notes, jrnl, CSV or JSON Lines.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Add, list, pause, resume or delete recurring jobs.
    #[command(subcommand)]
    Schedules(schedules::SchedulesCommand),
    /// List named queues; pause or resume a queue or a job type.
    #[command(subcommand)]
    Queues(queues::QueuesCommand),
}

#[derive(Debug, Args)]
struct UserArgs {
    /// Login name.
    #[arg(long)]
    username: String,
    /// Email address.
    #[arg(long, default_value = "")]
    email: String,
    /// Password (at least 8 characters).
    #[arg(long)]
    password: Password,
    /// Display name.
    #[arg(long, default_value = "")]
    full_name: String,
    /// Staff: sees every user's data and the dashboard.
    #[arg(long)]
    staff: bool,
}

#[derive(Debug, Args)]
struct AdminArgs {
    /// Login name.
    #[arg(long, env = "ADMIN_USERNAME")]
    username: String,
    /// Email address.
    #[arg(long, env = "ADMIN_EMAIL", default_value = "")]
    email: String,
    /// Password (at least 8 characters).
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    password: Password,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Newest jobs first.
    List {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Only this type.
        #[arg(long = "type")]
        job_type: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One job and its event timeline, as JSON.
    Show {
        /// Job id.
        id: JobId,
    },
    /// Cancel a queued or running job.
    Cancel {
        /// Job id.
        id: JobId,
    },
    /// Dead letters: jobs that failed for good, newest first.
    Dead {
        /// Only this type.
        #[arg(long = "type")]
        job_type: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Run a failed or cancelled job again (the same job, retries from zero).
    Retry {
        /// Job id.
        id: JobId,
    },
    /// Delete every failed job and its events.
    PurgeDead {
        /// Only this type.
        #[arg(long = "type")]
        job_type: Option<String>,
    },
}

/// Runs a command.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let settings = Settings::from_env()?;
    let system = System::open(&settings).await?;
    let engine = system.engine_builder(settings.engine_config()).build()?;
    afterresume_http::telemetry::observe_engine(&engine);
    let app = App::new(engine.clone(), std::sync::Arc::clone(&system.domain));
    let accounts = app.accounts();
    let operator = Actor::system();
    let now = engine.now();
    match cli.command {
        Command::Migrate => {
            println!("schema up to date; {}", settings.describe());
            Ok(())
        }
        Command::Worker { workers, queues } => {
            let pools = worker_pools::plan(workers, queues.as_deref())?;
            let mut running = Vec::with_capacity(pools.len());
            for pool in pools {
                let serving = pool
                    .queues
                    .as_ref()
                    .map_or_else(|| "all".to_owned(), |q| q.join(","));
                tracing::info!(workers = pool.workers, queues = %serving, backends = %settings.describe(), "workers running");
                running.push(engine.start(pool));
            }
            shutdown_signal().await;
            futures::future::join_all(
                running
                    .into_iter()
                    .map(|pool| pool.shutdown(Duration::from_secs(10))),
            )
            .await;
            Ok(())
        }
        Command::Serve {
            bind,
            workers,
            no_workers,
        } => {
            let host = HostSettings::from_env(settings.data_dir.path())?;
            serve(
                engine,
                &system,
                host,
                bind,
                if no_workers { 0 } else { workers },
                &settings,
            )
            .await
        }
        Command::CreateUser(args) => {
            let user = accounts
                .create_user(
                    NewAccount {
                        username: args.username,
                        email: args.email,
                        full_name: args.full_name,
                        password: args.password.0,
                        is_staff: args.staff,
                    },
                    now,
                )
                .await?;
            println!(
                "created user {} (id {}, staff: {})",
                user.username, user.id, user.is_staff
            );
            Ok(())
        }
        Command::CreateAdmin(args) => {
            let user = accounts
                .create_user(
                    NewAccount {
                        username: args.username,
                        email: args.email,
                        full_name: String::new(),
                        password: args.password.0,
                        is_staff: true,
                    },
                    now,
                )
                .await?;
            println!("created admin {} (id {})", user.username, user.id);
            Ok(())
        }
        Command::SeedDemo { password } => seed_demo(&app, password.0).await,
        Command::Enqueue {
            job_type,
            payload,
            user,
            key,
            unique_key,
            debounce_key,
            priority,
            queue,
            concurrency_key,
            wait,
        } => {
            let payload: Value = serde_json::from_str(&payload)
                .map_err(|e| Error::invalid_input(format!("payload: not valid JSON: {e}")))?;
            let user_id = match user {
                Some(u) => Some(resume::user_id(&app, &u).await?),
                None => None,
            };
            let options = EnqueueOptions {
                trigger: afterresume_core::domain::Trigger::Cli,
                user_id,
                idempotency_key: key,
                priority,
                queue,
                concurrency_key,
                ..Default::default()
            };
            let job = match (unique_key, debounce_key) {
                (Some(unique), _) => {
                    let uniqueness = afterresume_core::engine::Uniqueness::by_key(unique);
                    engine
                        .enqueue_unique(&job_type, payload, options, uniqueness)
                        .await?
                        .job
                }
                (None, Some(debounce)) => {
                    engine
                        .enqueue_debounced(&job_type, payload, options, &debounce)
                        .await?
                        .job
                }
                (None, None) => engine.enqueue(&job_type, payload, options).await?,
            };
            let job = match wait {
                Some(seconds) => {
                    let running = engine.start(WorkerOptions::workers(1));
                    let done = engine.wait_for(job.id, Duration::from_secs(seconds)).await;
                    running.shutdown(Duration::from_secs(5)).await;
                    done?
                }
                None => job,
            };
            println!("{}", serde_json::to_string_pretty(&job).unwrap_or_default());
            Ok(())
        }
        Command::Jobs(JobsCommand::List {
            status,
            job_type,
            limit,
        }) => {
            let query = JobQuery {
                status: status
                    .map(|s| JobStatus::parse_field("status", &s))
                    .transpose()?,
                job_type,
                page: PageRequest::first(limit),
                ..Default::default()
            };
            for job in app.list_all_jobs(&operator, query).await?.results {
                println!("{}", job_line(&job));
            }
            Ok(())
        }
        Command::Jobs(JobsCommand::Dead { job_type, limit }) => {
            let query = JobQuery {
                status: Some(JobStatus::Failed),
                job_type,
                page: PageRequest::first(limit),
                ..Default::default()
            };
            let dead = app.list_all_jobs(&operator, query).await?.results;
            if dead.is_empty() {
                println!("no dead jobs");
            }
            for job in dead {
                println!(
                    "{}  attempts {}  {}",
                    job_line(&job),
                    job.attempt,
                    job.error.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        Command::Jobs(JobsCommand::Retry { id }) => {
            let job = app.retry_job(&operator, id).await?;
            println!("{} {} again (trigger {})", job.id, job.status, job.trigger);
            Ok(())
        }
        Command::Jobs(JobsCommand::PurgeDead { job_type }) => {
            let deleted = app.purge_dead_jobs(&operator, job_type.as_deref()).await?;
            println!("deleted {deleted} dead jobs and their events");
            Ok(())
        }
        Command::Jobs(JobsCommand::Show { id }) => {
            let job = app.job(&operator, id).await?;
            let events = app.job_events(&operator, id, EventQuery::default()).await?;
            let shown = json!({"job": job, "events": events.results});
            println!(
                "{}",
                serde_json::to_string_pretty(&shown).unwrap_or_default()
            );
            Ok(())
        }
        Command::Profile(command) => resume::profile(&app, command).await,
        Command::Positions(command) => resume::positions(&app, command).await,
        Command::Resume(command) => resume::resume(&app, command).await,
        Command::Import(command) => import::import(&app, command).await,
        Command::Schedules(command) => schedules::schedules(&app, command).await,
        Command::Queues(command) => queues::queues(&app, command).await,
        Command::Jobs(JobsCommand::Cancel { id }) => {
            let job = app.cancel_job(&operator, id).await?;
            println!(
                "{} {} (cancel requested: {})",
                job.id, job.status, job.cancel_requested
            );
            Ok(())
        }
    }
}

async fn serve(
    engine: Engine,
    system: &System,
    host: HostSettings,
    bind: SocketAddr,
    workers: usize,
    settings: &Settings,
) -> Result<()> {
    let open_files = afterresume_http::server::raise_open_file_limit();
    let running = (workers > 0).then(|| engine.start(WorkerOptions::workers(workers)));
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        Error::config_invalid(format!("--bind: cannot listen on {bind}")).with_source(e)
    })?;
    let bound = listener.local_addr().unwrap_or(bind);
    tracing::info!(%bound, workers, open_files, max_connections = host.max_connections, backends = %settings.describe(), "serving");
    let connection_settings = host.clone();
    let state = AppState::from_system(engine, system, host).with_local_workers(workers);
    tokio::spawn(purge_login_counters(state.app.accounts().clone()));
    let app = router(state);
    afterresume_http::server::serve(listener, app, &connection_settings, shutdown_signal())
        .await
        .map_err(|e| Error::backend("http server failed").with_source(e))?;
    if let Some(running) = running {
        running.shutdown(Duration::from_secs(10)).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// A job on one line: id, status, type, owner, creation time.
fn job_line(job: &afterresume_core::domain::Job) -> String {
    format!(
        "{}  {:<9}  {:<18}  user {:<6}  {}",
        job.id,
        job.status,
        job.job_type,
        job.user_id.map_or("-".to_owned(), |u| u.to_string()),
        job.created_at.format("%Y-%m-%d %H:%M:%S")
    )
}

/// Deletes expired login counters once an hour, for as long as the server runs.
async fn purge_login_counters(accounts: Accounts) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match accounts.purge_login_counters(chrono::Utc::now()).await {
            Ok(purged) => tracing::debug!(purged, "login counters purged"),
            Err(err) => tracing::warn!(error = %err, "login counters could not be purged"),
        }
    }
}

/// Seeds the demo account with workers running in this process.
async fn seed_demo(app: &App, password: String) -> Result<()> {
    let running = app.engine().start(WorkerOptions::workers(2));
    let seeded = app.seed_demo(&Actor::system(), password).await;
    running.shutdown(Duration::from_secs(5)).await;
    let seeded = seeded?;
    println!(
        "seeded user {} (id {}): {} worklogs, {} skills, {} reports, 1 resume",
        seeded.user.username, seeded.user.id, seeded.worklogs, seeded.skills, seeded.reports
    );
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_arguments_show_no_password() {
        for argv in [
            vec![
                "afterresume",
                "create-user",
                "--username",
                "a",
                "--password",
                "hunter2-secret",
            ],
            vec![
                "afterresume",
                "create-admin",
                "--username",
                "a",
                "--password",
                "hunter2-secret",
            ],
            vec!["afterresume", "seed-demo", "--password", "hunter2-secret"],
        ] {
            let cli = Cli::try_parse_from(&argv).unwrap();
            let printed = format!("{cli:?}");
            assert!(!printed.contains("hunter2-secret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
    }
}
