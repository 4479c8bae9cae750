//! How the binary logs: to stderr, filtered by `RUST_LOG` (default `info`), as
//! text or as one JSON object per line (`AFTERRESUME_LOG_FORMAT=json`, for log
//! shippers). Colours only when stderr is a terminal and `NO_COLOR` is unset, so
//! a redirected log holds no escape codes. With OpenTelemetry configured
//! ([`crate::telemetry`]) the same spans are exported too.

use std::io::IsTerminal;

use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::telemetry::Telemetry;

/// The environment variable that picks the format.
pub const LOG_FORMAT_VAR: &str = "AFTERRESUME_LOG_FORMAT";

/// A log line's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields`, spans.
    Json,
}

impl LogFormat {
    /// Reads a format name (`text` or `json`; empty is text).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => {
                let shown: String = text.chars().take(40).collect();
                Err(format!(
                    "{LOG_FORMAT_VAR}: '{}' is not one of text, json",
                    shown.escape_default()
                ))
            }
        }
    }
}

/// Installs the global subscriber as the environment says, with the
/// OpenTelemetry export when it is configured; returns the exporters, to be
/// [shut down](Telemetry::shutdown) (flushed) before the process exits. A bad
/// setting is an error the caller reports before doing anything else.
pub fn init_from_env() -> Result<Option<Telemetry>, String> {
    let format = LogFormat::parse(&std::env::var(LOG_FORMAT_VAR).unwrap_or_default())?;
    let telemetry = Telemetry::from_env()?;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = match format {
        LogFormat::Text => fmt.with_ansi(colour).boxed(),
        LogFormat::Json => fmt
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };
    let export = telemetry.as_ref().map(|t| t.layer());
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(export)
        .try_init()
        .map_err(|e| format!("logging: {e}"))?;
    Ok(telemetry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_and_a_wrong_one_is_named() {
        assert_eq!(LogFormat::parse(""), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(" JSON "), Ok(LogFormat::Json));
        let error = LogFormat::parse("yaml").unwrap_err();
        assert!(error.contains("'yaml' is not one of text, json"), "{error}");
    }
}
