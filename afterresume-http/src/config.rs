//! The host's own settings (the backends are [`Settings`](crate::Settings)):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SECRET_KEY` | signs CSRF tokens; at least 32 characters | generated once into `<data dir>/secret_key` (mode 0600) |
//! | `DEBUG` | with `SYSTEM_DASHBOARD_ENABLED`, opens `/system` to loopback clients without login | `false` |
//! | `ALLOWED_HOSTS` | comma-separated `Host` names served (`*` for any; `.example.com` for subdomains) | `localhost,127.0.0.1,[::1]` |
//! | `SYSTEM_DASHBOARD_ENABLED` | serve `/system/*` at all | `true` |
//! | `AFTERRESUME_MAX_BODY_BYTES` | largest request body | `1048576` |
//! | `AFTERRESUME_SECURE_COOKIES` | mark session cookies `Secure` (turn off only for plain-HTTP development) | `true` |
//!
//! A malformed value stops startup with an error that names the variable.

use std::path::Path;

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
    /// `AFTERRESUME_SECURE_COOKIES`.
    pub secure_cookies: bool,
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
            secure_cookies: true,
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
        Ok(HostSettings {
            secret_key,
            debug: flag("DEBUG", false)?,
            allowed_hosts,
            dashboard_enabled: flag("SYSTEM_DASHBOARD_ENABLED", true)?,
            max_body_bytes,
            secure_cookies: flag("AFTERRESUME_SECURE_COOKIES", true)?,
        })
    }

    /// Whether a `Host` header value (with or without port) is served.
    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = if host.starts_with('[') {
            host.split_once(']').map_or(host.as_str(), |(h, _)| h)
        } else {
            host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h)
        };
        let name = name.trim_start_matches('[');
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.trim_start_matches('[').trim_end_matches(']');
            allowed == "*"
                || allowed == name
                || (allowed.starts_with('.') && (name.ends_with(allowed) || name == &allowed[1..]))
        })
    }
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
        for bad in ["evil.com", "example.com.evil.com", "localhost"] {
            assert!(!s.host_allowed(bad), "{bad}");
        }
    }
}
