//! The handles a server is wired with: every store behind its own contract,
//! and the log's read side for those that only read it.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::{
    AttachmentStore, EventLog, Head, MetaStore, RawEvent, SnapshotStore, StoreError, StoredEvent,
    Verification, WebhookStore,
};

/// Every store a server uses, built once at start. Each field is its own
/// contract, so one backend may serve the log and another the rest.
#[derive(Clone)]
pub struct Stores {
    /// The event log.
    pub log: Arc<dyn EventLog>,
    /// Snapshots of the models (derived data).
    pub snapshots: Arc<dyn SnapshotStore>,
    /// Small metadata: the token book.
    pub meta: Arc<dyn MetaStore>,
    /// Webhook subscriptions, cursors and deliveries.
    pub webhooks: Arc<dyn WebhookStore>,
    /// Attached files, named by their SHA-256 (ADR 0030).
    pub attachments: Arc<dyn AttachmentStore>,
}

impl Stores {
    /// Every store served by one backend that implements them all (as
    /// [`crate::SledStore`] does).
    pub fn of<S>(backend: Arc<S>) -> Stores
    where
        S: EventLog + SnapshotStore + MetaStore + WebhookStore + AttachmentStore,
    {
        Stores {
            log: backend.clone(),
            snapshots: backend.clone(),
            meta: backend.clone(),
            webhooks: backend.clone(),
            attachments: backend,
        }
    }
}

/// The log's read side: what its readers (HTTP handlers, webhook
/// deliveries, audits, exports) may call, and nothing that writes. Reads
/// never see past the durable head. Cheap to clone.
#[derive(Clone)]
pub struct LogReader(Arc<dyn EventLog>);

impl LogReader {
    /// Reads `log`.
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        LogReader(log)
    }

    /// The durable head.
    pub fn head(&self) -> Head {
        self.0.head()
    }

    /// [`EventLog::reach`]: whether the database answered last time, and
    /// its head as last seen (None: the store is local).
    pub fn reach(&self) -> Option<crate::Reach> {
        self.0.reach()
    }

    /// [`EventLog::read_all`]: events after `after`, at most `limit`.
    pub fn read_all(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.0.read_all(after, limit)
    }

    /// [`EventLog::read_stream`]: a page of one stream's events.
    pub fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.0.read_stream(stream, after_version, limit)
    }

    /// [`EventLog::event`]: one event by position.
    pub fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError> {
        self.0.event(position)
    }

    /// [`EventLog::position_at`]: the last position recorded at or before `instant`.
    pub fn position_at(&self, instant: OffsetDateTime) -> Result<u64, StoreError> {
        self.0.position_at(instant)
    }

    /// [`EventLog::verify`]: the hash chain up to `up_to` (None: the head).
    pub fn verify(&self, up_to: Option<u64>) -> Result<Verification, StoreError> {
        self.0.verify(up_to)
    }

    /// [`EventLog::replay_raw`]: events with their exact stored bytes.
    pub fn replay_raw(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(RawEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.0.replay_raw(after, up_to, f)
    }
}
