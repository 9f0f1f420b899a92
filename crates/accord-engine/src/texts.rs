//! Exchange texts read back from the log (ADR 0037): the read models the
//! engine serves keep no exchange texts and read them, when a view needs
//! them, from the events at the exchange's positions.

use std::ops::ControlFlow;
use std::sync::{Arc, Weak};

use accord_domain::Event;
use accord_projections::{decode_logged, EventsAt};
use accord_store::{EventLog, StoreError};

/// The log as [`EventsAt`]: one range read of one event per position,
/// through the store's cache (bounded by `--cache-mb`).
///
/// It holds the log weakly: read models (and their clones, which callers
/// may keep) never keep the store open once the engine is gone; their
/// texts can then no longer be read.
pub(crate) struct LogEvents(Weak<dyn EventLog>);

impl LogEvents {
    /// Reads from `log` while it is open.
    pub fn new(log: &Arc<dyn EventLog>) -> Self {
        Self(Arc::downgrade(log))
    }
}

impl EventsAt for LogEvents {
    fn events_at(&self, positions: &[u64]) -> Result<Vec<Event>, String> {
        let log = self.0.upgrade().ok_or("the log is closed")?;
        positions
            .iter()
            .map(|&position| event_at(log.as_ref(), position))
            .collect()
    }
}

/// The event at `position`, decoded.
fn event_at(log: &dyn EventLog, position: u64) -> Result<Event, String> {
    let mut found = None;
    let before = position.checked_sub(1).ok_or("no event at position 0")?;
    log.scan(before, position, &mut |stored| {
        let logged = decode_logged(stored.canonical)
            .map_err(|e| StoreError::Corrupt(format!("event {position}: {e}")))?;
        found = Some(logged.event);
        Ok(ControlFlow::Break(()))
    })
    .map_err(|e| e.to_string())?;
    found.ok_or_else(|| format!("no event at position {position}"))
}
