//! The webhook lease (ADR 0045): where several processes share the webhook
//! store (nodes on one PostgreSQL), exactly one delivers at a time. Each
//! process tries to take or renew the lease every [`RENEW_EVERY`]; it
//! expires [`TTL`] after its last renewal by the database's clock. The
//! holder delivers only while its last renewal is younger than
//! [`TTL`] − [`MARGIN`] by its own clock, measured from before the renewal
//! was asked for, so it has stopped before another can take the expired
//! lease. When it dies, another process takes the lease once it expires and
//! its dispatchers go on from the stored cursors, in order.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a lease lasts after its last renewal.
pub const TTL: Duration = Duration::from_secs(5);

/// How often the lease is taken or renewed.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// How long before the lease expires the holder stops delivering.
pub const MARGIN: Duration = Duration::from_secs(1);

/// This process's view of the lease.
pub(crate) struct Lease {
    /// Who this process is, in the lease row.
    pub holder: String,
    /// False where no other process delivers from the store (sled): then
    /// this process always delivers.
    pub shared: bool,
    /// Until when this process may deliver (shared stores only).
    until: Mutex<Option<Instant>>,
}

impl Lease {
    pub(crate) fn new(shared: bool) -> Lease {
        Lease {
            holder: format!("{}/{}", std::process::id(), uuid::Uuid::now_v7()),
            shared,
            until: Mutex::new(None),
        }
    }

    /// Whether this process may deliver now.
    pub(crate) fn holding(&self) -> bool {
        !self.shared
            || self
                .until
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some_and(|until| Instant::now() < until)
    }

    /// A renewal asked for at `asked` was granted.
    pub(crate) fn granted(&self, asked: Instant) {
        *self.until.lock().unwrap_or_else(PoisonError::into_inner) = Some(asked + TTL - MARGIN);
    }

    /// Another process holds the lease.
    pub(crate) fn refused(&self) {
        *self.until.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
