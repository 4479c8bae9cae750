//! The `afterresume` binary.
//!
//! With no configuration every command uses the embedded default in
//! `./afterresume-data` (SQLite file, artifact folder, generated secret key), so
//! `afterresume create-admin` then `afterresume serve` see the same users.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() {
    if let Err(err) = afterresume_http::logging::init_from_env() {
        eprintln!("afterresume: {err}");
        std::process::exit(2);
    }
    if let Err(err) = cli::run(cli::Cli::parse()).await {
        eprintln!("afterresume: {err}");
        std::process::exit(1);
    }
}
