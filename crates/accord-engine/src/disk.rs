//! Keeping sled away from a full disk (ADR 0029).
//!
//! sled 0.34 enters a failed state after an I/O error such as `ENOSPC`:
//! every later write fails until the process restarts. So the writer never
//! lets it get there: before each batch it compares the free space of the
//! data folder's file system with a reserve, and refuses the batch's
//! commands ([`EngineError::DiskFull`]) without deciding or writing any of
//! them while the free space is below it. Reads go on; once space is freed,
//! the next batch goes through, without a restart.
//!
//! `statvfs` is cheap, but not free: its answer is reused for [`RECHECK`],
//! except near the reserve (less than twice of it free), where every batch
//! asks again. Between two checks the writer appends at most what it can
//! write in [`RECHECK`], a small part of any sensible reserve.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::EngineError;

/// How long a measured free space is trusted far from the reserve.
const RECHECK: Duration = Duration::from_millis(100);

/// The free space a data folder's file system must keep.
#[derive(Debug)]
pub struct DiskReserve {
    dir: PathBuf,
    reserve: u64,
    /// The last measure: when, and how many bytes were free.
    last: Mutex<Option<(Instant, u64)>>,
}

/// The data folder's file system as last measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskState {
    /// Bytes available to the server's user.
    pub free_bytes: u64,
    /// Bytes that must stay free.
    pub reserve_bytes: u64,
}

impl DiskState {
    /// Whether commands are refused: less than the reserve is free.
    pub fn is_full(&self) -> bool {
        self.free_bytes < self.reserve_bytes
    }
}

impl DiskReserve {
    /// Keeps `reserve` bytes free on the file system holding `dir`.
    pub fn new(dir: impl Into<PathBuf>, reserve: u64) -> Self {
        DiskReserve {
            dir: dir.into(),
            reserve,
            last: Mutex::new(None),
        }
    }

    /// Measures now (readiness and metrics); `None` if `statvfs` failed.
    pub fn state(&self) -> Option<DiskState> {
        let free = self.measure()?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), free));
        Some(self.state_of(free))
    }

    /// Whether a batch may be written: `DiskFull` while less than the
    /// reserve is free. A failed measure lets the batch through (sled then
    /// meets the disk as it is) and is logged.
    pub(crate) fn check(&self) -> Result<(), EngineError> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = match *last {
            Some((at, free)) if at.elapsed() < RECHECK && free >= 2 * self.reserve => Some(free),
            _ => None,
        };
        let free = match fresh.or_else(|| self.measure()) {
            Some(free) => free,
            None => return Ok(()),
        };
        if fresh.is_none() {
            *last = Some((Instant::now(), free));
        }
        let state = self.state_of(free);
        match state.is_full() {
            true => Err(EngineError::DiskFull(state)),
            false => Ok(()),
        }
    }

    fn state_of(&self, free: u64) -> DiskState {
        DiskState {
            free_bytes: free,
            reserve_bytes: self.reserve,
        }
    }

    /// Bytes available to unprivileged users on `dir`'s file system.
    fn measure(&self) -> Option<u64> {
        match rustix::fs::statvfs(&self.dir) {
            Ok(stat) => Some(stat.f_bavail.saturating_mul(stat.f_frsize)),
            Err(error) => {
                tracing::warn!(%error, dir = %self.dir.display(), "could not measure the free disk space");
                None
            }
        }
    }
}
