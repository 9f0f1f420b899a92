//! The event log contract, independent of the backend.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{CommandRecord, Head, RawEvent, Staged, StoreError, StoredEvent, Verification, Write};

/// The event log contract. A trait so other backends (PostgreSQL) can carry the same contract.
///
/// One writer calls [`EventStore::append`]; any number of readers call the rest
/// concurrently. Readers never see an event past the durable head.
pub trait EventStore: Send + Sync + 'static {
    /// Appends every write of the batch in one atomic write, then makes it durable
    /// before returning: [`EventStore::stage`] then [`EventStore::commit`].
    ///
    /// Positions are gapless from head+1 in the order of `writes`; each write's
    /// events get versions from its stream's version+1; `recorded_at` is one clock
    /// reading per batch, clamped to never go below the head's `recorded_at`.
    /// Checks first, writing nothing if any fails, write by write in order:
    /// empty events or an unusable stream name → `Invalid`; command id already
    /// stored or repeated within the batch → `DuplicateCommand`; `expected_version`
    /// (counting earlier writes of the batch to the same stream) → `Conflict`.
    /// Returns one [`CommandRecord`] per write, in order. An empty batch appends
    /// nothing and returns no records.
    fn append(&self, writes: &[Write]) -> Result<Vec<CommandRecord>, StoreError> {
        let staged = self.stage(writes)?;
        self.commit(staged)
    }

    /// The first half of [`EventStore::append`]: checks the batch against
    /// everything staged so far (synced or not) and writes it in one atomic
    /// write, without making it durable. Readers do not see it until it is
    /// committed. One thread stages; batches are committed in the order staged.
    fn stage(&self, writes: &[Write]) -> Result<Staged, StoreError>;

    /// The second half of [`EventStore::append`]: makes everything staged so
    /// far durable (flush and fdatasync), then moves the durable head to the
    /// batch's. May run on another thread while the next batch is staged: the
    /// writer decides batch N+1 while batch N waits for the disk. An error
    /// leaves the store refusing every later write until it is reopened.
    fn commit(&self, staged: Staged) -> Result<Vec<CommandRecord>, StoreError>;

    /// The stored record of a command id, staged or durable: what the writer
    /// checks idempotency against. Readers use [`EventStore::command`].
    fn staged_command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError>;

    /// A stream's version counting staged batches: what the writer builds on.
    fn staged_stream_version(&self, stream: &str) -> Result<u64, StoreError>;

    /// The stored record of a command id, if it was appended and is durable (survives restarts).
    fn command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError>;

    /// The current durable version of a stream (0 if it has no events).
    fn stream_version(&self, stream: &str) -> Result<u64, StoreError>;

    /// The durable head.
    fn head(&self) -> Head;

    /// Events with position > `after`, in order, at most `limit`, never past the head.
    fn read_all(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// Streams events `after+1..=up_to` in order (`up_to` capped at the head) to `f`,
    /// without collecting them, for replays of millions of events.
    /// Stops and returns the error if `f` errs.
    fn replay(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Streams the canonical bytes (the stored envelope JSON) of events
    /// `after+1..=up_to` in order (`up_to` capped at the head) to `f`,
    /// borrowed from the store and valid only during the call: for folds
    /// that decode only what they need of each envelope, in one pass and
    /// without a copy ([`EventStore::replay`] decodes every field).
    fn replay_canonical(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(&[u8]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The events of one stream with version > `after_version`, oldest first, at most `limit`.
    fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// One event by position; None for 0 or past the head.
    fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError>;

    /// The last position recorded at or before `instant` (0 if none): a binary
    /// search over positions, valid because `recorded_at` never decreases.
    fn position_at(&self, instant: OffsetDateTime) -> Result<u64, StoreError>;

    /// Verifies the chain from position 1 to `up_to` (None: to the head; capped at
    /// the head), recomputing each hash from the stored bytes (never re-serialising).
    fn verify(&self, up_to: Option<u64>) -> Result<Verification, StoreError>;

    /// Streams the events `after+1..=up_to` (`up_to` capped at the head) with
    /// their exact stored bytes, for exports.
    fn replay_raw(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(RawEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Appends pre-formed events after the head, keeping their positions,
    /// versions, `recorded_at` and hashes (imports, ADR 0013), in one atomic,
    /// durable write; returns the new head.
    ///
    /// Checks first, writing nothing if any fails (`Invalid`, naming the
    /// position): each event must link to the one before (position, `prev_hash`,
    /// the hash recomputed from its bytes, `recorded_at` not going back) and
    /// follow its stream's version. Rebuilds the stream index and one command
    /// record per command id, with an empty (unknown) request hash.
    fn import(&self, events: &[RawEvent]) -> Result<Head, StoreError>;

    /// Small durable key/value metadata outside the log (e.g. the admin token's hash).
    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores a metadata value; durable (flushed and synced) before returning.
    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;

    /// Stores the snapshot of the models after event `position` (opaque bytes),
    /// replacing any stored at that position; durable before returning.
    ///
    /// Snapshots are derived data kept apart from the log and outside
    /// [`EventStore::append`]'s atomic batch: losing one costs a longer replay,
    /// never a fact. A snapshot past the head is refused (`Invalid`).
    fn put_snapshot(&self, position: u64, bytes: &[u8]) -> Result<(), StoreError>;

    /// The stored snapshot with the greatest position ≤ `position`, if any.
    fn snapshot_at_or_before(&self, position: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError>;

    /// The positions of every stored snapshot, ascending.
    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError>;

    /// Deletes the snapshot at `position` (nothing if there is none). Not
    /// synced: a deletion lost in a crash leaves one more snapshot, no harm.
    fn delete_snapshot(&self, position: u64) -> Result<(), StoreError>;
}
