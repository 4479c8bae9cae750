//! The host's own settings (the backends are [`Settings`](crate::Settings)):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SECRET_KEY` | signs CSRF tokens; at least 32 characters | generated once into `<data dir>/secret_key` (mode 0600) |
//! | `DEBUG` | with `SYSTEM_DASHBOARD_ENABLED`, opens `/system` to loopback clients without login | `false` |
//! | `ALLOWED_HOSTS` | comma-separated `Host` names served (`*` for any; `.example.com` for subdomains) | `localhost,127.0.0.1,[::1]` |
//! | `SYSTEM_DASHBOARD_ENABLED` | serve `/system/*` at all | `true` |
//! | `AFTERRESUME_MAX_BODY_BYTES` | largest request body | `1048576` |
//! | `AFTERRESUME_SECURE_COOKIES` | `auto`: cookies are `Secure` when the request came over HTTPS (a trusted proxy's `X-Forwarded-Proto: https`), so a browser can log in at `http://127.0.0.1:8000`; `true`: always; `false`: never | `auto` |
//! | `AFTERRESUME_TRUSTED_PROXIES` | comma-separated proxy addresses whose `X-Forwarded-For` names the client (login limits count per client address) | none |
//! | `AFTERRESUME_METRICS_TOKEN` | a bearer token that may read `/metrics` (for Prometheus); staff may always | none |
//! | `AFTERRESUME_MAX_CONNECTIONS` | open connections served at once; more wait in the listen backlog | `4096` |
//! | `AFTERRESUME_HEADER_TIMEOUT_SECS` | a connection must send a request's headers within this | `10` |
//!
//! A malformed value stops startup with an error that names the variable.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use afterresume_core::{Error, Result};

/// The host's settings.
#[derive(Clone, PartialEq, Eq)]
pub struct HostSettings {
    /// Key for CSRF tokens. Never printed (see the `Debug` impl).
    pub secret_key: String,
    /// `DEBUG`.
    pub debug: bool,
    /// `ALLOWED_HOSTS`, lowercased, without ports.
    pub allowed_hosts: Vec<String>,
    /// `SYSTEM_DASHBOARD_ENABLED`.
    pub dashboard_enabled: bool,
    /// `AFTERRESUME_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `AFTERRESUME_SECURE_COOKIES`: `Some` forces `Secure` on or off; `None`
    /// (`auto`) sets it on requests that came over HTTPS.
    pub secure_cookies: Option<bool>,
    /// `AFTERRESUME_TRUSTED_PROXIES`.
    pub trusted_proxies: Vec<IpAddr>,
    /// `AFTERRESUME_METRICS_TOKEN`. Never printed.
    pub metrics_token: Option<String>,
    /// `AFTERRESUME_MAX_CONNECTIONS`.
    pub max_connections: usize,
    /// `AFTERRESUME_HEADER_TIMEOUT_SECS`.
    pub header_timeout: Duration,
}

impl std::fmt::Debug for HostSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostSettings")
            .field("secret_key", &"<redacted>")
            .field("debug", &self.debug)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("dashboard_enabled", &self.dashboard_enabled)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("secure_cookies", &self.secure_cookies)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .finish()
    }
}

/// Shortest `SECRET_KEY` accepted.
pub(crate) const MIN_SECRET_KEY_CHARS: usize = 32;

impl HostSettings {
    /// Settings for tests and embedding: a given key, everything else default.
    pub fn with_secret_key(secret_key: impl Into<String>) -> Self {
        HostSettings {
            secret_key: secret_key.into(),
            debug: false,
            allowed_hosts: default_allowed_hosts(),
            dashboard_enabled: true,
            max_body_bytes: 1 << 20,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
        }
    }

    /// From the process environment; a missing `SECRET_KEY` is generated once into
    /// the data directory so restarts keep sessions valid.
    pub fn from_env(data_dir: &Path) -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok(), data_dir)
    }

    /// From any lookup; errors name the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>, data_dir: &Path) -> Result<Self> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let secret_key = match set("SECRET_KEY") {
            Some(key) if key.chars().count() >= MIN_SECRET_KEY_CHARS => key,
            Some(_) => {
                return Err(Error::config_invalid(format!(
                    "SECRET_KEY: must be at least {MIN_SECRET_KEY_CHARS} characters"
                )));
            }
            None => stored_secret_key(data_dir)?,
        };
        let flag = |name: &str, default: bool| -> Result<bool> {
            match set(name).map(|v| v.trim().to_ascii_lowercase()) {
                None => Ok(default),
                Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
                Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
                Some(v) => Err(Error::config_invalid(format!(
                    "{name}: expected true or false, got '{v}'"
                ))),
            }
        };
        let allowed_hosts = match set("ALLOWED_HOSTS") {
            None => default_allowed_hosts(),
            Some(list) => {
                let hosts: Vec<String> = list
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect();
                if let Some(bad) = hosts
                    .iter()
                    .find(|h| h.contains('/') || h.contains(char::is_whitespace))
                {
                    return Err(Error::config_invalid(format!(
                        "ALLOWED_HOSTS: '{bad}' is not a host name"
                    )));
                }
                hosts
            }
        };
        let max_body_bytes = match set("AFTERRESUME_MAX_BODY_BYTES") {
            None => 1 << 20,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1024..=(1 << 30)).contains(&n) => n,
                _ => {
                    return Err(Error::config_invalid(format!(
                        "AFTERRESUME_MAX_BODY_BYTES: expected a byte count from 1024 to 1073741824, got '{v}'"
                    )));
                }
            },
        };
        let trusted_proxies = set("AFTERRESUME_TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| {
                        a.parse::<IpAddr>().map_err(|_| {
                            Error::config_invalid(format!(
                                "AFTERRESUME_TRUSTED_PROXIES: '{a}' is not an IP address"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let metrics_token = match set("AFTERRESUME_METRICS_TOKEN") {
            Some(token) if token.trim().chars().count() < 16 => {
                return Err(Error::config_invalid(
                    "AFTERRESUME_METRICS_TOKEN: must be at least 16 characters",
                ));
            }
            token => token.map(|t| t.trim().to_owned()),
        };
        let number =
            |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| match set(name) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if range.contains(&n) => Ok(n),
                    _ => Err(Error::config_invalid(format!(
                        "{name}: expected an integer from {} to {}, got '{v}'",
                        range.start(),
                        range.end()
                    ))),
                },
            };
        Ok(HostSettings {
            secret_key,
            debug: flag("DEBUG", false)?,
            allowed_hosts,
            dashboard_enabled: flag("SYSTEM_DASHBOARD_ENABLED", true)?,
            max_body_bytes,
            secure_cookies: match set("AFTERRESUME_SECURE_COOKIES") {
                Some(v) if v.trim().eq_ignore_ascii_case("auto") => None,
                Some(_) => Some(flag("AFTERRESUME_SECURE_COOKIES", true).map_err(|_| {
                    Error::config_invalid(
                        "AFTERRESUME_SECURE_COOKIES: expected auto, true or false",
                    )
                })?),
                None => None,
            },
            trusted_proxies,
            metrics_token,
            max_connections: number("AFTERRESUME_MAX_CONNECTIONS", 4096, 1..=1_000_000)? as usize,
            header_timeout: Duration::from_secs(number(
                "AFTERRESUME_HEADER_TIMEOUT_SECS",
                10,
                1..=3600,
            )?),
        })
    }

    /// Whether a `Host` header value is well formed (a name, an IPv4 address or a
    /// bracketed IPv6 address, with an optional numeric port) and served.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.trim_start_matches('[').trim_end_matches(']');
            allowed == "*"
                || allowed == name
                || (allowed.starts_with('.') && (name.ends_with(allowed) || name == allowed[1..]))
        })
    }
}

/// The host name of a `Host` value, lowercased and without port or brackets, or
/// `None` when the value is not a host: `[::1].evil.com`, `a b`, `host:port:x`.
fn host_name(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let port_ok = |port: &str| {
        port.is_empty() || (port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(rest) = host.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        address.parse::<std::net::Ipv6Addr>().ok()?;
        let port_ok = match after.strip_prefix(':') {
            Some(port) => !port.is_empty() && port_ok(port),
            None => after.is_empty(),
        };
        return port_ok.then(|| address.to_owned());
    }
    let (name, port) = host.split_once(':').unwrap_or((&host, ""));
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !name.starts_with(['.', '-']);
    let port_ok = if host.contains(':') {
        !port.is_empty() && port_ok(port)
    } else {
        true
    };
    (name_ok && port_ok).then(|| name.to_owned())
}

fn default_allowed_hosts() -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .map(str::to_owned)
        .to_vec()
}

/// The key in `<data dir>/secret_key`, created (mode 0600) on first use.
fn stored_secret_key(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("secret_key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        let key = key.trim().to_owned();
        if key.chars().count() >= MIN_SECRET_KEY_CHARS {
            return Ok(key);
        }
    }
    let io = |e: std::io::Error| {
        Error::config_invalid(format!(
            "SECRET_KEY: unset, and {} cannot be written ({e}); set SECRET_KEY",
            path.display()
        ))
    };
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options.open(&path).map_err(io)?;
    file.write_all(key.as_bytes()).map_err(io)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)], dir: &Path) -> Result<HostSettings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HostSettings::from_lookup(|k| map.get(k).cloned(), dir)
    }

    #[test]
    fn a_missing_secret_key_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("ar-host-{}", uuid::Uuid::new_v4()));
        let first = settings(&[], &dir).unwrap();
        let second = settings(&[], &dir).unwrap();
        assert_eq!(first.secret_key, second.secret_key);
        assert!(first.secret_key.len() >= MIN_SECRET_KEY_CHARS);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secret_key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains(&first.secret_key));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn secure_cookies_are_auto_unless_forced() {
        let dir = std::env::temp_dir().join(format!("ar-host-{}", uuid::Uuid::new_v4()));
        let key = ("SECRET_KEY", "k".repeat(MIN_SECRET_KEY_CHARS));
        let read = |value: Option<&str>| {
            let mut pairs = vec![(key.0, key.1.as_str())];
            if let Some(v) = value {
                pairs.push(("AFTERRESUME_SECURE_COOKIES", v));
            }
            settings(&pairs, &dir).map(|s| s.secure_cookies)
        };
        assert_eq!(read(None).unwrap(), None);
        assert_eq!(read(Some("AUTO")).unwrap(), None);
        assert_eq!(read(Some("true")).unwrap(), Some(true));
        assert_eq!(read(Some("0")).unwrap(), Some(false));
        let err = read(Some("sometimes")).unwrap_err();
        assert!(
            err.message().starts_with("AFTERRESUME_SECURE_COOKIES:"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let dir = std::env::temp_dir();
        for (pairs, name) in [
            (&[("SECRET_KEY", "short")][..], "SECRET_KEY:"),
            (&[("DEBUG", "maybe")][..], "DEBUG:"),
            (
                &[("SYSTEM_DASHBOARD_ENABLED", "2")][..],
                "SYSTEM_DASHBOARD_ENABLED:",
            ),
            (&[("ALLOWED_HOSTS", "http://x/")][..], "ALLOWED_HOSTS:"),
            (
                &[("AFTERRESUME_MAX_BODY_BYTES", "ten")][..],
                "AFTERRESUME_MAX_BODY_BYTES:",
            ),
        ] {
            let mut all = vec![("SECRET_KEY", "k".repeat(40))];
            all.retain(|(k, _)| !pairs.iter().any(|(p, _)| p == k));
            let mut pairs: Vec<(&str, &str)> = pairs.to_vec();
            let key = all.first().map(|(_, v)| v.clone());
            if let Some(k) = &key {
                pairs.push(("SECRET_KEY", k));
            }
            let err = settings(&pairs, &dir).unwrap_err().to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }

    #[test]
    fn hosts_match_with_ports_subdomains_and_ipv6() {
        let s = HostSettings {
            allowed_hosts: vec![".example.com".into(), "127.0.0.1".into(), "[::1]".into()],
            ..HostSettings::with_secret_key("k".repeat(40))
        };
        for ok in [
            "api.example.com",
            "example.com:8000",
            "127.0.0.1:8000",
            "[::1]:80",
        ] {
            assert!(s.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.com",
            "example.com.evil.com",
            "localhost",
            "[::1].evil.com",
            "[::1]evil",
            "127.0.0.1:80:80",
            "127.0.0.1:",
            "127.0.0.1 x",
            "",
        ] {
            assert!(!s.host_allowed(bad), "{bad}");
        }
    }
}
