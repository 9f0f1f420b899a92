//! [`AccessCounters`]: how many requests failed authentication, were
//! forbidden by a role, or were refused by a domain rule (by rule code).
//! Plain atomics so that a metrics endpoint can read them without locks on
//! the request path; the structured logs (target `accord::access`) carry the
//! token id of each one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Counts of refused access since the process started.
#[derive(Debug, Default)]
pub struct AccessCounters {
    auth_failures: AtomicU64,
    forbidden: AtomicU64,
    refused: Mutex<BTreeMap<&'static str, u64>>,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessSnapshot {
    /// Requests without a token, or with an unknown or revoked one (401).
    pub auth_failures: u64,
    /// Requests a token's role or party did not allow (403).
    pub forbidden: u64,
    /// Commands a domain rule refused (422), by rule code.
    pub refused: BTreeMap<String, u64>,
}

impl AccessCounters {
    /// One more 401.
    pub fn auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// One more 403.
    pub fn forbidden(&self) {
        self.forbidden.fetch_add(1, Ordering::Relaxed);
    }

    /// One more command refused by `rule`.
    pub fn refused(&self, rule: &'static str) {
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        *refused.entry(rule).or_default() += 1;
    }

    /// The counters now.
    pub fn snapshot(&self) -> AccessSnapshot {
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        AccessSnapshot {
            auth_failures: self.auth_failures.load(Ordering::Relaxed),
            forbidden: self.forbidden.load(Ordering::Relaxed),
            refused: refused.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }
}
