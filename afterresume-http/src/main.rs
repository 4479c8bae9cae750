//! The `afterresume` binary.
//!
//! With no configuration every command uses the embedded default in
//! `./afterresume-data` (SQLite file, artifact folder, generated secret key), so
//! `afterresume create-admin` then `afterresume serve` see the same users.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(err) = cli::run(cli::Cli::parse()).await {
        eprintln!("afterresume: {err}");
        std::process::exit(1);
    }
}
