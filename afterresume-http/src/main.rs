//! The `afterresume` binary.
//!
//! With no configuration every command uses the embedded default in
//! `./afterresume-data` (SQLite file, artifact folder, generated secret key), so
//! `afterresume create-admin` then `afterresume serve` see the same users.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = cli::Cli::parse();
    let telemetry = match afterresume_http::logging::init_from_env() {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("afterresume: {err}");
            std::process::exit(2);
        }
    };
    let outcome = cli::run(cli).await;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown();
    }
    if let Err(err) = outcome {
        eprintln!("afterresume: {err}");
        std::process::exit(1);
    }
}
