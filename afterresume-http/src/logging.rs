//! How the binary logs: to stderr, filtered by `RUST_LOG` (default `info`), as
//! text or as one JSON object per line (`AFTERRESUME_LOG_FORMAT=json`, for log
//! shippers). Colours only when stderr is a terminal and `NO_COLOR` is unset, so
//! a redirected log holds no escape codes.

use std::io::IsTerminal;

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

/// Installs the global subscriber as the environment says; a bad format is an
/// error the caller reports before doing anything else.
pub fn init_from_env() -> Result<(), String> {
    let format = LogFormat::parse(&std::env::var(LOG_FORMAT_VAR).unwrap_or_default())?;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(colour).init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(())
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
