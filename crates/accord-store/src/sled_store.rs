//! [`SledStore`]: the event log on sled, and the stores kept apart from it
//! (snapshot files, metadata, the webhook database, attached files) in the
//! same folder.

use std::ops::ControlFlow;
use std::path::Path;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::data_format;
use crate::durability::Durability;
use crate::event_codec::Compressor;
use crate::snapshot_files::SnapshotFiles;
use crate::watermark::{self, Damage};
use crate::webhook_db::WebhookDb;
use crate::{
    append, command_record, keys, reads, transfer, Attachment, AttachmentFiles, AttachmentReader,
    AttachmentStore, AttachmentUpload, AttachmentVerification, CommandRecord, EventLog, Head,
    MetaStore, RawEvent, SnapshotStore, Staged, StoreError, StoredBytes, StoredEvent, Tamper,
    WebhookChange, WebhookDone, WebhookEntry, WebhookStore, Write,
};

/// The clock a store stamps `recorded_at` with.
pub type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// How to open a [`SledStore`].
pub struct StoreOptions {
    /// fdatasync sled's files after every flush. Only benchmarks turn it off:
    /// without it an acknowledged write can be lost in a power loss.
    pub sync_data: bool,
    /// The clock for `recorded_at`; tests inject one to make it deterministic.
    pub clock: Clock,
    /// Bytes of sled's page cache (sled's `Config::cache_capacity`). sled's
    /// default, 1 GiB, dominates the process's memory on large logs; a smaller
    /// cache bounds RSS at the cost of more reads from disk (docs/PERFORMANCE.md).
    pub cache_bytes: u64,
    /// Refuse a folder whose log disagrees with its watermark
    /// ([`StoreError::Damaged`]). `accord verify` turns it off to open such
    /// a folder and report where it is damaged ([`SledStore::damage`]).
    pub refuse_damage: bool,
}

impl StoreOptions {
    /// sled's own default cache: 1 GiB.
    pub const DEFAULT_CACHE_BYTES: u64 = 1024 * 1024 * 1024;
}

impl Default for StoreOptions {
    /// Synced, with the system clock.
    fn default() -> Self {
        StoreOptions {
            sync_data: true,
            clock: Box::new(OffsetDateTime::now_utc),
            cache_bytes: Self::DEFAULT_CACHE_BYTES,
            refuse_damage: true,
        }
    }
}

/// The event log on sled: one tree, one atomic batch per staged write, one
/// flush and fdatasync per commit.
///
/// Send + Sync: one thread stages while another commits and others read.
/// Reads are capped at the durable head, which moves only after a batch is synced.
pub struct SledStore {
    db: sled::Db,
    /// The data folder.
    dir: PathBuf,
    /// The snapshot files (derived data), outside sled ([`SnapshotFiles`]).
    snapshots: SnapshotFiles,
    /// Webhook state in its own database, `<dir>/webhooks/` ([`crate::WebhookStore`], ADR 0018).
    webhooks: WebhookDb,
    /// Attached files, `<dir>/attachments/` ([`AttachmentFiles`], ADR 0030).
    attachments: AttachmentFiles,
    /// The durable head: what readers see (and the watermark follows).
    head: Arc<RwLock<Head>>,
    /// The writer's side, serialising stages and imports.
    staging: Mutex<Staging>,
    clock: Clock,
    durability: Durability,
    /// How the log disagrees with its watermark, when opened anyway.
    damage: Option<Damage>,
    /// Keeps `<dir>/WATERMARK` at the durable head (none when unsynced or damaged).
    watermark: Option<watermark::Keeper>,
}

impl SledStore {
    /// Opens (creating if needed) the store in `dir`, synced, with the system clock. Loads the head.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        Self::open_with_options(dir, StoreOptions::default())
    }

    /// Same as [`SledStore::open`] with an injected clock (tests set `recorded_at` with it).
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<SledStore, StoreError> {
        let options = StoreOptions {
            clock,
            ..StoreOptions::default()
        };
        Self::open_with_options(dir, options)
    }

    /// Opens (creating if needed) the store in `dir` with explicit options.
    /// A folder of another data format is refused before anything in it is
    /// opened ([`StoreError::Format`]); one sled cannot open, or whose log is
    /// shorter than its watermark or differs at it, is refused
    /// ([`StoreError::Damaged`]) unless `options.refuse_damage` is off.
    pub fn open_with_options(dir: &Path, options: StoreOptions) -> Result<SledStore, StoreError> {
        data_format::check_or_create(dir, options.sync_data)?;
        let folder = || dir.display().to_string();
        let damaged = |reason: String| StoreError::Damaged {
            folder: folder(),
            reason,
        };
        let db = open_db(dir, options.cache_bytes).map_err(|e| match e {
            StoreError::Io(lock) if lock.contains("could not acquire lock") => StoreError::Io(lock),
            other => StoreError::Unopenable {
                folder: folder(),
                cause: other.to_string(),
            },
        })?;
        let head =
            load_head(&db).map_err(|e| damaged(format!("its head record is unreadable ({e})")))?;
        let (mark, damage) = match watermark::read(dir) {
            Ok(Some(mark)) => (Some(mark.position()), watermark::compare(&db, &head, &mark)),
            Ok(None) => (None, None),
            Err(damage) => (None, Some(damage)),
        };
        if let Some(damage) = damage.as_ref().filter(|_| options.refuse_damage) {
            return Err(damaged(damage.reason.clone()));
        }
        let durability = Durability::open(dir, options.sync_data)?;
        let shared_head = Arc::new(RwLock::new(head.clone()));
        let keeper = match options.sync_data && damage.is_none() {
            true => Some(watermark::Keeper::start(dir, shared_head.clone(), mark)?),
            false => None,
        };
        let snapshots = SnapshotFiles::open(dir, options.sync_data)?;
        let webhooks = WebhookDb::open(&dir.join(WEBHOOKS_DIR), options.sync_data)?;
        let attachments = AttachmentFiles::open(dir, options.sync_data)?;
        Ok(SledStore {
            db,
            dir: dir.to_path_buf(),
            snapshots,
            webhooks,
            attachments,
            head: shared_head,
            staging: Mutex::new(Staging {
                head,
                broken: false,
                compressor: Compressor::new()?,
            }),
            clock: options.clock,
            durability,
            damage,
            watermark: keeper,
        })
    }

    /// Writes the watermark at the durable head now (a clean shutdown calls
    /// it, so the mark names the last event); otherwise a background thread
    /// does within a second of each move. Does nothing for a store opened
    /// unsynced or damaged, which keeps no mark.
    pub fn mark_watermark(&self) {
        if let Some(keeper) = &self.watermark {
            keeper.mark_now();
        }
    }

    /// How the log disagrees with its watermark, if it was opened with
    /// `refuse_damage` off and does (ADR 0029).
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// The current durable version of a stream (0 if it has no events).
    pub fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        reads::durable_version(&self.db, self.head().position, stream)
    }

    /// Every record of the log's tree counted by kind (key prefix), with
    /// the bytes of its keys and values as handed to sled: what the store
    /// itself stores, before sled's framing, compression and garbage.
    /// Reads the whole tree: for `examples/disk_usage`, not for serving.
    pub fn record_sizes(&self) -> Result<Vec<crate::RecordKind>, StoreError> {
        crate::disk_usage::records(&self.db)
    }

    /// Raw edits of stored records, to simulate tampering by someone with disk access.
    #[doc(hidden)]
    pub fn tamper(&self) -> Tamper<'_> {
        Tamper {
            tree: &self.db,
            dir: &self.dir,
            keeper: self.watermark.as_ref(),
        }
    }

    /// Flushes sled, then syncs its files: the write is durable once this returns.
    fn make_durable(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        self.durability.sync()
    }

    /// The batch's `recorded_at`: the clock in UTC, never below the head's.
    fn recorded_at(&self, head: &Head) -> OffsetDateTime {
        let now = (self.clock)().to_offset(UtcOffset::UTC);
        head.recorded_at.map_or(now, |last| now.max(last))
    }
}

/// What the writer builds on: the head of everything staged, synced or not.
struct Staging {
    /// The last staged event: the durable head, or ahead of it while a staged
    /// batch waits for its sync.
    head: Head,
    /// True once a write failed half-way, which leaves sled ahead of what is
    /// known: the store then refuses to write until reopened.
    broken: bool,
    /// The writer's one zstd context for event records (ADR 0048).
    compressor: Compressor,
}

impl SledStore {
    /// The writer's side, unless an earlier write failed.
    fn staging(&self) -> Result<std::sync::MutexGuard<'_, Staging>, StoreError> {
        let staging = self.staging.lock().unwrap_or_else(PoisonError::into_inner);
        match staging.broken {
            true => Err(StoreError::Io(
                "an earlier write failed; reopen the store".into(),
            )),
            false => Ok(staging),
        }
    }

    /// Moves the durable head forward (never back) once a sync covered it.
    fn advance(&self, head: Head) {
        let mut durable = self.head.write().unwrap_or_else(PoisonError::into_inner);
        if head.position > durable.position {
            *durable = head;
        }
    }
}

/// The folder, inside the store's, of the webhook database.
pub(crate) const WEBHOOKS_DIR: &str = "webhooks";

/// How often sled's background thread runs. Every write flushes and syncs
/// itself before it is acknowledged, so the thread finds little to flush;
/// what it is for is the rest of its turn, up to half of this interval:
/// moving the live pages out of log segments at most half live, so sled
/// reuses those segments. Without it sled moves one page per page it
/// rewrites, falls behind, and its file grows to about four times the live
/// pages at a million events (ADR 0055).
const RECLAIM_EVERY_MS: u64 = 500;

/// The size of sled's log segments (sled's default is 512 KiB). With 2 MiB
/// segments sled kept about 30 % less in its file at a million events (ADR
/// 0055). sled records it in its `conf` and refuses to open a database
/// with another one: it is part of the data format.
const SEGMENT_BYTES: usize = 2 << 20;

/// Opens sled, waiting a little while another handle in this process lets go.
///
/// sled 0.34.7 releases its file lock from a background thread after the last
/// `Db` is dropped, so an immediate reopen (tests, restarts in-process) can find
/// the lock still held (sled issues #1234, #1289). The lock error is retried for
/// up to two seconds; a store really held by another process still fails then.
pub(crate) fn open_db(dir: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(dir)
        .cache_capacity(cache_bytes)
        .segment_size(SEGMENT_BYTES)
        .flush_every_ms(Some(RECLAIM_EVERY_MS));
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return Ok(result?),
        }
    }
}

/// Reads the head record; a log holding events past it (impossible with
/// atomic batches) is trusted up to the head only.
fn load_head(db: &sled::Db) -> Result<Head, StoreError> {
    let head = match db.get(keys::HEAD)? {
        Some(value) => keys::decode_head(&value)?,
        None => Head::EMPTY,
    };
    let next = head.position.saturating_add(1);
    if db.contains_key(keys::event(next))? {
        tracing::warn!(
            head = head.position,
            "the log holds events past its head; ignoring them"
        );
    }
    Ok(head)
}

impl EventLog for SledStore {
    fn stage(&self, writes: &[Write]) -> Result<Staged, StoreError> {
        if writes.is_empty() {
            return Ok(Staged::default());
        }
        let mut staging = self.staging()?;
        let versions = append::check(&self.db, writes)?;
        let recorded_at = self.recorded_at(&staging.head);
        let staging = &mut *staging;
        let plan = append::build(
            &self.db,
            writes,
            versions,
            &staging.head,
            recorded_at,
            &mut staging.compressor,
        )?;
        staging.broken = true;
        self.db.apply_batch(plan.batch)?;
        staging.broken = false;
        staging.head = plan.head.clone();
        Ok(Staged {
            records: plan.records,
            head: Some(plan.head),
        })
    }

    fn commit(&self, staged: Staged) -> Result<Vec<CommandRecord>, StoreError> {
        let Some(head) = staged.head else {
            return Ok(staged.records);
        };
        if let Err(error) = self.make_durable() {
            self.staging
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .broken = true;
            return Err(error);
        }
        self.advance(head);
        Ok(staged.records)
    }

    fn import(&self, events: &[RawEvent]) -> Result<Head, StoreError> {
        let mut staging = self.staging()?;
        let staging = &mut *staging;
        let (batch, head) =
            transfer::build_import(&self.db, &staging.head, events, &mut staging.compressor)?;
        staging.broken = true;
        self.db.apply_batch(batch)?;
        self.make_durable()?;
        staging.broken = false;
        staging.head = head.clone();
        self.advance(head.clone());
        Ok(head)
    }

    fn staged_command(&self, id: Uuid) -> Result<Option<CommandRecord>, StoreError> {
        let Some(value) = self.db.get(keys::command(id))? else {
            return Ok(None);
        };
        command_record::decode(&self.db, id, &value).map(Some)
    }

    fn staged_stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        reads::stored_version(&self.db, stream)
    }

    fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        reads::stream(&self.db, self.head().position, stream, after_version, limit)
    }

    fn read_stream_staged(
        &self,
        stream: &str,
        after_version: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let staged = self
            .staging
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .head
            .position;
        reads::stream(&self.db, staged, stream, after_version, limit)
    }

    fn head(&self) -> Head {
        self.head
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn scan(
        &self,
        after: u64,
        up_to: u64,
        f: &mut dyn FnMut(StoredBytes<'_>) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<(), StoreError> {
        let up_to = up_to.min(self.head().position);
        reads::scan(&self.db, after, up_to, f)
    }

    fn event(&self, position: u64) -> Result<Option<StoredEvent>, StoreError> {
        // One lookup by key rather than a range of one.
        reads::event(&self.db, self.head().position, position)
    }
}

impl SnapshotStore for SledStore {
    fn put_snapshot(&self, position: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let head = self.head().position;
        if position > head {
            return Err(StoreError::Invalid(format!(
                "a snapshot at {position} is past the head {head}"
            )));
        }
        self.snapshots.put(position, bytes)
    }

    fn snapshot_at_or_before(&self, position: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        self.snapshots.at_or_before(position)
    }

    fn snapshot_positions(&self) -> Result<Vec<u64>, StoreError> {
        self.snapshots.positions()
    }

    fn delete_snapshot(&self, position: u64) -> Result<(), StoreError> {
        self.snapshots.delete(position)
    }
}

impl MetaStore for SledStore {
    fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(keys::meta(key))?.map(|value| value.to_vec()))
    }

    fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.db.insert(keys::meta(key), value)?;
        self.make_durable()
    }
}

impl AttachmentStore for SledStore {
    fn begin_upload(&self) -> Result<Box<dyn AttachmentUpload>, StoreError> {
        self.attachments.begin_upload()
    }

    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StoreError> {
        self.attachments.attachment(sha256)
    }

    fn open_attachment(
        &self,
        sha256: &str,
    ) -> Result<Option<(Attachment, AttachmentReader)>, StoreError> {
        self.attachments.open_attachment(sha256)
    }

    fn verify_attachments(&self) -> Result<AttachmentVerification, StoreError> {
        self.attachments.verify_attachments()
    }
}

impl WebhookStore for SledStore {
    fn webhook_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.webhooks.get(key)
    }

    fn webhook_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<WebhookEntry>, StoreError> {
        self.webhooks.scan(prefix, after, limit)
    }

    fn webhook_write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError> {
        self.webhooks.write(changes)
    }

    fn webhook_write_then(&self, changes: Vec<WebhookChange>, done: WebhookDone) {
        self.webhooks.write_then(changes, done);
    }
}
