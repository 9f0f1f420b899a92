//! The event log's contract, independent of the backend.
//!
//! A backend implements eight methods: the two halves of an append, an
//! import, the command and stream lookups the writer builds on, the head,
//! one range read of stored bytes ([`EventLog::scan`]) and a stream's page.
//! Every other read (decoded events, one event, the time search, exports,
//! the chain's verification) is provided over those, so it reads the same
//! on every backend; a backend may override one to read faster.

use std::ops::ControlFlow;

use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    verify, CommandRecord, Head, RawEvent, Staged, StoreError, StoredEvent, Verification, Write,
};

/// One stored event as [`EventLog::scan`] hands it over: borrowed from the
/// backend, valid only during the call.
#[derive(Clone, Copy, Debug)]
pub struct StoredBytes<'a> {
    /// The position the event is stored at.
    pub position: u64,
    /// The hash stored with it.
    pub hash: &'a [u8; 32],
    /// The envelope JSON exactly as stored and hashed.
    pub canonical: &'a [u8],
}

impl StoredBytes<'_> {
    /// The event decoded: its envelope and hash.
    pub fn decode(&self) -> Result<StoredEvent, StoreError> {
        StoredEvent::decode(*self.hash, self.canonical)
    }
}

/// The event log: append a batch, read ranges, the head, command records.
///
/// One writer calls [`EventLog::stage`] and [`EventLog::commit`]; any number
/// of readers call the rest concurrently. Readers never see an event past
/// the durable head.
pub trait EventLog: Send + Sync + 'static {
    /// Appends every write of the batch in one atomic write, then makes it durable
    /// before returning: [`EventLog::stage`] then [`EventLog::commit`].
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

    /// The first half of [`EventLog::append`]: checks the batch against
    /// everything staged so far (synced or not) and writes it in one atomic
    /// write, without making it durable. Readers do not see it until it is
    /// committed. One thread stages; batches are committed in the order staged.
    fn stage(&self, writes: &[Write]) -> Result<Staged, StoreError>;

    /// The second half of [`EventLog::append`]: makes everything staged so
    /// far durable (flush and fdatasync), then moves the durable head to the
    /// batch's. May run on another thread while the next batch is staged: the
    /// writer decides batch N+1 while batch N waits for the disk. An error
    /// leaves the store refusing every later write until it is reopened.
    fn commit(&self, staged: Staged) -> Result<Vec<CommandRecord>, StoreError>;

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

    /// The stored record of a command id, staged or durable: what the writer
    /// checks idempotency against. Readers use [`EventLog::command`].
    fn staged_command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError>;

    /// A stream's version counting staged batches: what the writer builds on.
    fn staged_stream_version(&self, stream: &str) -> Result<u64, StoreError>;

    /// [`EventLog::read_stream`] counting staged batches: the events of a
    /// stream the writer has staged, synced or not. What the writer folds an
    /// agreement's exchanges from (ADR 0062): it may have appended to the
    /// agreement in the batch still waiting for its sync. On a log whose
    /// writer commits each batch before staging the next (a shared log,
    /// [`EventLog::is_shared`]) nothing is staged past the head, and this is
    /// `read_stream`.
    fn read_stream_staged(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.read_stream(stream, after_version, limit)
    }

    /// Whether other processes may append to this log at the same time
    /// (PostgreSQL, ADR 0044). The writer then follows their appends: it
    /// decides each batch holding the log's append lock
    /// ([`EventLog::lock_head`]), after applying what the others appended,
    /// and commits it before deciding the next. False on sled, whose folder
    /// one process holds.
    fn is_shared(&self) -> bool {
        false
    }

    /// Takes the log's append lock, which every appender takes before it
    /// writes, and returns the head as stored under it, moving
    /// [`EventLog::head`] and the base the next batch is staged on to it:
    /// until the next [`EventLog::commit`] or [`EventLog::unlock_head`]
    /// nobody else appends. Waits while the store is unreachable. On a
    /// log no other process appends to, the head.
    fn lock_head(&self) -> Result<Head, StoreError> {
        Ok(self.head())
    }

    /// Lets go of the append lock without appending.
    fn unlock_head(&self) {}

    /// Looks up the stored records of `ids` at once, so that the
    /// [`EventLog::staged_command`] calls of the batch being decided under
    /// the append lock do not each make a round trip; the store may ignore
    /// it. Valid until the lock is let go of.
    fn prefetch_commands(&self, ids: &[Uuid]) -> Result<(), StoreError> {
        let _ = ids;
        Ok(())
    }

    /// The head as stored now, without a lock: where other processes
    /// append, it is read again and [`EventLog::head`] moves forward to it
    /// (and the base the next batch is staged on, when none waits to be
    /// committed). On a log no other process appends to, the head.
    fn refresh(&self) -> Result<Head, StoreError> {
        Ok(self.head())
    }

    /// Registers `wake`, called with the stored head's position each time
    /// the store sees it (a notification of a commit, a periodic check, a
    /// reconnection), so that a follower behind it catches up. Never called
    /// on a log no other process appends to.
    fn on_appended(&self, wake: Box<dyn Fn(u64) + Send + Sync>) {
        drop(wake);
    }

    /// Whether the store reached its database at its last attempt (None:
    /// no database, the store is local), and the stored head's position
    /// as last seen there.
    fn reach(&self) -> Option<Reach> {
        None
    }

    /// The events of one stream with version > `after_version`, oldest first,
    /// at most `limit`, never past the head.
    fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The durable head.
    fn head(&self) -> Head;

    /// Hands the stored events `after+1..=up_to` (`up_to` capped at the
    /// head) to `f` in position order, as stored, until `f` breaks or errs.
    /// The one range read every other read is built on.
    fn scan(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(StoredBytes<'_>) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<(), StoreError>;

    /// The stored record of a command id, if it was appended and is durable
    /// (survives restarts).
    fn command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError> {
        let record = self.staged_command(id)?;
        // A record of a batch still being synced is not an answer yet.
        Ok(record.filter(|record| record.position <= self.head().position))
    }

    /// Events with position > `after`, in order, at most `limit`, never past the head.
    fn read_all(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        // Positions are gapless: the first `limit` after `after` end here.
        let up_to = after.saturating_add(limit.try_into().unwrap_or(u64::MAX));
        let mut events = Vec::new();
        self.replay(after, up_to, &mut |event| {
            events.push(event);
            Ok(())
        })?;
        Ok(events)
    }

    /// Streams events `after+1..=up_to` in order (`up_to` capped at the head) to `f`,
    /// without collecting them, for replays of millions of events.
    /// Stops and returns the error if `f` errs.
    fn replay(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(after, up_to, &mut |stored| {
            f(stored.decode()?).map(ControlFlow::Continue)
        })
    }

    /// Streams the canonical bytes (the stored envelope JSON) of events
    /// `after+1..=up_to` in order (`up_to` capped at the head) to `f`,
    /// borrowed from the store and valid only during the call: for folds
    /// that decode only what they need of each envelope, in one pass and
    /// without a copy ([`EventLog::replay`] decodes every field).
    fn replay_canonical(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(&[u8]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(after, up_to, &mut |stored| {
            f(stored.canonical).map(ControlFlow::Continue)
        })
    }

    /// Streams the events `after+1..=up_to` (`up_to` capped at the head) with
    /// their exact stored bytes, for exports.
    fn replay_raw(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(RawEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan(after, up_to, &mut |stored| {
            let raw = RawEvent {
                hash: *stored.hash,
                canonical: stored.canonical.to_vec(),
            };
            f(raw).map(ControlFlow::Continue)
        })
    }

    /// One event by position; None for 0 or past the head.
    fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError> {
        let Some(before) = position.checked_sub(1) else {
            return Ok(None);
        };
        let mut found = None;
        self.scan(before, position, &mut |stored| {
            found = Some(stored.decode()?);
            Ok(ControlFlow::Break(()))
        })?;
        Ok(found)
    }

    /// The last position recorded at or before `instant` (0 if none): a binary
    /// search over positions, valid because `recorded_at` never decreases.
    fn position_at(&self, instant: OffsetDateTime) -> Result<u64, StoreError> {
        let head = self.head();
        if head.recorded_at.is_some_and(|last| last <= instant) {
            return Ok(head.position);
        }
        // Invariant: positions <= low are recorded at or before `instant`,
        // positions > high after it.
        let (mut low, mut high) = (0, head.position);
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            if recorded_at(self, middle)? <= instant {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        Ok(low)
    }

    /// Verifies the chain from position 1 to `up_to` (None: to the head; capped at
    /// the head), recomputing each hash from the stored bytes (never re-serialising).
    fn verify(&self, up_to: Option<u64>) -> Result<Verification, StoreError> {
        let head = self.head();
        let up_to = up_to.map_or(head.position, |p| p.min(head.position));
        verify::verify(self, &head, up_to)
    }
}

/// What a store on a database last saw of it ([`EventLog::reach`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Whether the last attempt to reach the database succeeded.
    pub reachable: bool,
    /// The stored head's position as last seen.
    pub head: u64,
}

/// The `recorded_at` of one event, parsing only that field.
fn recorded_at<L: EventLog + ?Sized>(log: &L, position: u64) -> Result<OffsetDateTime, StoreError> {
    #[derive(Deserialize)]
    struct Recorded {
        #[serde(with = "time::serde::rfc3339")]
        recorded_at: OffsetDateTime,
    }
    let mut found = None;
    log.scan(position - 1, position, &mut |stored| {
        let recorded: Recorded = serde_json::from_slice(stored.canonical)
            .map_err(|e| StoreError::Corrupt(format!("event {position}: {e}")))?;
        found = Some(recorded.recorded_at);
        Ok(ControlFlow::Break(()))
    })?;
    found.ok_or_else(|| StoreError::Corrupt(format!("event {position} is missing")))
}
