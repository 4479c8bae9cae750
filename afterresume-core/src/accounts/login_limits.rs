//! The login limiter's policy: which counters a login attempt spends, and how
//! many failures each allows.
//!
//! Three limits, kept in the store ([`ThrottleStore`](crate::ports::ThrottleStore))
//! so that every process shares them and a restart keeps them:
//! - per account and address: a guesser at one address gets a few tries per account;
//! - per account, any address: a distributed guesser gets a few more;
//! - per address, any account: one address spraying many accounts is stopped.
//!
//! An attempt is counted *before* the password is checked (and taken back when it
//! succeeds), so parallel requests cannot slip past the limit while Argon2 runs.
//! Failures for one account never block another account at the same address until
//! the address limit itself is full, and an address where an account logged in
//! successfully before (a *known* address, as OWASP's device cookies) is exempt
//! from the account-wide and address-wide limits for that account: an attacker
//! elsewhere, or a busy proxy, cannot lock its owner out.

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::ports::ThrottleLimit;

/// Failure limits of logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures allowed per account and address in a window.
    pub per_account_and_address: u32,
    /// Failures allowed per account, from any address, in a window.
    pub per_account: u32,
    /// Failures allowed per address, for any account, in a window.
    pub per_address: u32,
    /// Length of a window.
    pub window: Duration,
    /// How long an address stays known for an account after a successful login.
    pub known_address_for: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account_and_address: 5,
            per_account: 20,
            per_address: 50,
            window: Duration::from_secs(15 * 60),
            known_address_for: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// The counter keys of one login attempt. Usernames enter keys only as a digest:
/// the throttle table holds no names, and any input makes a valid key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LoginKeys {
    pub(super) pair: String,
    pub(super) account: String,
    pub(super) address: Option<String>,
    pub(super) known: Option<String>,
}

impl LoginKeys {
    pub(super) fn new(username: &str, address: Option<IpAddr>) -> Self {
        let digest = Sha256::digest(username.trim().to_lowercase().as_bytes());
        let account: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let at = address.map_or_else(|| "local".to_owned(), |ip| ip.to_string());
        LoginKeys {
            pair: format!("login:pair:{account}@{at}"),
            account: format!("login:account:{account}"),
            address: address.map(|ip| format!("login:address:{ip}")),
            known: address.map(|ip| format!("login:known:{account}@{ip}")),
        }
    }

    /// The limits an attempt spends; a known address spends only its pair's.
    pub(super) fn limits(&self, limits: &LoginLimits, known: bool) -> Vec<ThrottleLimit> {
        let limit = |key: &String, max_hits| ThrottleLimit {
            key: key.clone(),
            max_hits,
            window: limits.window,
        };
        let mut out = vec![limit(&self.pair, limits.per_account_and_address)];
        if !known {
            out.push(limit(&self.account, limits.per_account));
            if let Some(address) = &self.address {
                out.push(limit(address, limits.per_address));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_the_username_and_ignore_its_case() {
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let keys = LoginKeys::new(" Alice", Some(ip));
        assert_eq!(keys, LoginKeys::new("alice", Some(ip)));
        assert!(!keys.pair.contains("alice"));
        assert!(keys.pair.ends_with("@10.0.0.7"));
        let limits = LoginLimits::default();
        assert_eq!(keys.limits(&limits, false).len(), 3);
        assert_eq!(keys.limits(&limits, true).len(), 1);
        let local = LoginKeys::new("alice", None);
        assert_eq!(local.limits(&limits, false).len(), 2);
        assert!(LoginKeys::new("a\0b", None).pair.is_ascii());
    }
}
