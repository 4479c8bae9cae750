//! The `afterresume` binary.
//!
//! Run with `cargo run -p afterresume-http -- serve` (embedded default, no configuration).

use std::net::SocketAddr;
use std::time::Duration;

use afterresume_core::{EngineConfig, WorkerOptions};
use afterresume_http::{AppState, Settings, System, router};
use clap::{Parser, Subcommand};

/// AfterResume: work logs in, evidenced skills, reports and a resume out.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
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
        /// Serve HTTP only; run workers elsewhere.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run workers and the scheduler only.
    Worker {
        /// Concurrent workers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(err) = run(Cli::parse()).await {
        eprintln!("afterresume: {err}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> afterresume_core::Result<()> {
    let settings = Settings::from_env()?;
    let system = System::open(&settings).await?;
    let engine = system.engine_builder(EngineConfig::default()).build()?;
    let backends = settings.describe();
    match cli.command {
        Command::Migrate => {
            println!("schema up to date; {backends}");
            Ok(())
        }
        Command::Worker { workers } => {
            let running = engine.start(WorkerOptions::workers(workers));
            tracing::info!(workers, %backends, "workers running");
            shutdown_signal().await;
            running.shutdown(Duration::from_secs(10)).await;
            Ok(())
        }
        Command::Serve {
            bind,
            workers,
            no_workers,
        } => {
            let running = (!no_workers).then(|| engine.start(WorkerOptions::workers(workers)));
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
                afterresume_core::Error::config_invalid(format!("--bind: cannot listen on {bind}"))
                    .with_source(e)
            })?;
            tracing::info!(%bind, %backends, "serving");
            let app = router(AppState {
                engine: engine.clone(),
            });
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| {
                    afterresume_core::Error::backend("http server failed").with_source(e)
                })?;
            if let Some(running) = running {
                running.shutdown(Duration::from_secs(10)).await;
            }
            Ok(())
        }
    }
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
