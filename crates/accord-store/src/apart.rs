//! What is kept apart from the log, each behind its own contract: snapshots
//! (derived data) and small metadata. Webhook state has its own module
//! (`webhook_store`).

use crate::StoreError;

/// Snapshots of the models after a position: opaque bytes, derived data.
///
/// Kept apart from the log and outside its atomic batches: losing one costs
/// a longer replay, never a fact.
pub trait SnapshotStore: Send + Sync + 'static {
    /// Stores the snapshot of the models after event `position`, replacing
    /// any stored at that position; durable before returning. A backend that
    /// knows the log's head refuses a snapshot past it (`Invalid`).
    fn put_snapshot(&self, position: u64, bytes: &[u8]) -> Result<(), StoreError>;

    /// The stored snapshot with the greatest position ≤ `position`, if any.
    fn snapshot_at_or_before(&self, position: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError>;

    /// The positions of every stored snapshot, ascending.
    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError>;

    /// Deletes the snapshot at `position` (nothing if there is none). Not
    /// synced: a deletion lost in a crash leaves one more snapshot, no harm.
    fn delete_snapshot(&self, position: u64) -> Result<(), StoreError>;
}

/// Small durable key/value metadata outside the log (the token book).
pub trait MetaStore: Send + Sync + 'static {
    /// The value stored under `key`, if any.
    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores a metadata value; durable (flushed and synced) before returning.
    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
}
