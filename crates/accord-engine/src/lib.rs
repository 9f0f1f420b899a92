//! The single writer: the whole write path, read top to bottom in one place.
//!
//! ```text
//! submit ─(job, reply)─▶ queue ─▶ writer thread: drain a batch
//!                                   │ idempotency and expected_version checks
//!                                   │ decide each command against the write model
//!                                   │ one atomic, durable append for the batch
//!                                   │ apply to the read models, announce the head
//!                                   └▶ answer every command of the batch
//! ```
//!
//! - [`Engine`]: start on a log and a snapshot store (latest snapshot + the
//!   log's tail), submit, check (a dry run: [`Engine::check`]), read; [`Engine::log`] is the log's read side, all
//!   that readers get of it.
//! - `writer`: the writer thread and its batch loop.
//! - `replay`: folding the log into models, for `as_of` reads (nearest
//!   snapshot + at most K events) and rebuilds.
//! - [`Models`] (`models`): both models at one position; load, advance, encode.
//! - `snapshots`: the snapshotter thread, [`write_snapshots`] and its [`SnapshotPolicy`].
//! - [`retention`]: which snapshots are kept, and the `as_of` bound it gives.
//! - [`DiskReserve`] (`disk`): the free space commands leave on the data
//!   folder's file system, so sled never meets a full disk (ADR 0029).
//! - `metrics`: counters and histograms of the write path, rendered for
//!   Prometheus by [`Engine::render_metrics`] (ADR 0017).

pub mod access;
pub mod clock;
mod disk;
mod exchanges;
mod metrics;
mod models;
mod replay;
pub mod retention;
mod snapshots;
mod texts;
mod void;
mod writer;

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use accord_domain::{Command, Refusal};
use accord_projections::ReadModels;
use accord_store::{Actor, CommandRecord, EventLog, LogReader, SnapshotStore, StoreError};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

pub use access::{authorize, authorize_with};
pub use accord_store::Role;
pub use disk::{DiskReserve, DiskState};
pub use models::{Loaded, Models};
pub use replay::{rebuild_read_models, AsOfTrace, ReplayError};
pub use snapshots::{write_snapshots, SnapshotPolicy};

/// A command as the API hands it to the writer.
#[derive(Debug, Clone)]
pub struct Submission {
    pub command: Command,
    /// The idempotency key; generated (UUID v7) when absent.
    pub command_id: Option<Uuid>,
    pub expected_version: Option<u64>,
    pub correlation_id: Option<String>,
    /// Who issues the command; the writer checks its role and party
    /// ([`access::authorize`]) before deciding.
    pub actor: Actor,
    /// SHA-256 of the canonical request: the same id with another body is a conflict.
    pub request_hash: [u8; 32],
}

/// How an accepted command was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Appended now, durably.
    Created(CommandRecord),
    /// The same command was already appended: its original result.
    Replayed(CommandRecord),
}

/// Why a command was not appended.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The actor's role or party does not allow this command ([`access`]).
    #[error("{0}")]
    Forbidden(String),
    #[error("stream {stream} is at version {actual}, not the expected {expected}")]
    VersionConflict {
        stream: String,
        expected: u64,
        actual: u64,
    },
    #[error("command id {0} was already used with a different request")]
    CommandIdReused(Uuid),
    #[error("the writer's queue is full")]
    Busy,
    #[error("the writer has stopped")]
    Stopped,
    /// Less than the reserve is free on the data folder's file system
    /// ([`DiskReserve`]): nothing was decided or written.
    #[error(
        "the data folder's disk has {} MiB free, below the {} MiB reserve: commands are \
         refused until space is freed",
        .0.free_bytes / (1024 * 1024),
        .0.reserve_bytes / (1024 * 1024)
    )]
    DiskFull(DiskState),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Tuning of the writer.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Commands waiting for the writer before `submit` answers `Busy`.
    pub queue_capacity: usize,
    /// Most commands decided and appended in one batch (one fsync).
    pub max_batch: usize,
    /// How many `as_of` states to keep for reuse (least recently used evicted).
    pub as_of_cache: usize,
    /// How many exchanges the `as_of` states kept for reuse may hold
    /// together: each is a copy of the read models at its instant, so
    /// their memory follows their exchanges (ADR 0046). Least recently used
    /// evicted first; a state larger than this is not kept.
    pub as_of_cache_exchanges: usize,
    /// How many exchanges the write model may hold loaded together: an
    /// agreement's are loaded from its stream when a command reads them,
    /// and the least recently read agreements unloaded beyond this
    /// (ADR 0054).
    pub exchange_cache: usize,
    /// K: a snapshot of both models every K events (0: none). Start-up and
    /// `as_of` replay at most about K events after the nearest snapshot.
    pub snapshot_every: u64,
    /// How many recent snapshots to keep before older ones are thinned
    /// ([`retention`]); 0 keeps every snapshot.
    pub snapshot_keep_recent: usize,
    /// After each snapshot the snapshotter rests this many times as long as
    /// the snapshot took (0: never), so that it uses at most about
    /// 1/(1 + rest) of a core: under a sustained write load on a large state
    /// snapshots are spaced further apart instead of slowing the commands.
    pub snapshot_rest: u32,
    /// The free space every batch must leave on the data folder's file
    /// system (none: not checked).
    pub disk_reserve: Option<Arc<DiskReserve>>,
    /// Where the writer looks up the file an `AttachDocument` names (none:
    /// every such command is refused, `attachment_not_found`).
    pub attachments: Option<Files>,
}

/// The attachment store the writer looks files up in ([`EngineConfig::attachments`]).
#[derive(Clone)]
pub struct Files(pub Arc<dyn accord_store::AttachmentStore>);

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Files")
    }
}

impl EngineConfig {
    /// The default K, measured in ADR 0011.
    pub const SNAPSHOT_EVERY: u64 = 50_000;
    /// The default bound of [`EngineConfig::as_of_cache_exchanges`]: at
    /// about 300 bytes of read models per exchange (a million events,
    /// ADR 0043), about 300 MB of `as_of` states whatever the log's size.
    pub const AS_OF_CACHE_EXCHANGES: usize = 1_000_000;
    /// The default bound of [`EngineConfig::exchange_cache`]: about 10 MB
    /// of exchange states at 88 bytes each, the exchanges of a few hundred
    /// agreements of a generated log (ADR 0054).
    pub const EXCHANGE_CACHE: usize = 100_000;
    /// The default number of recent snapshots kept in full.
    pub const SNAPSHOT_KEEP_RECENT: usize = 4;
    /// The default rest after a snapshot, in multiples of its duration.
    pub const SNAPSHOT_REST: u32 = 4;
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 16_384,
            max_batch: 1_024,
            as_of_cache: 8,
            as_of_cache_exchanges: Self::AS_OF_CACHE_EXCHANGES,
            exchange_cache: Self::EXCHANGE_CACHE,
            snapshot_every: Self::SNAPSHOT_EVERY,
            snapshot_keep_recent: Self::SNAPSHOT_KEEP_RECENT,
            snapshot_rest: Self::SNAPSHOT_REST,
            disk_reserve: None,
            attachments: None,
        }
    }
}

pub(crate) struct Job {
    pub submission: Submission,
    pub reply: oneshot::Sender<Result<Outcome, EngineError>>,
}

/// A dry run waiting for the writer ([`Engine::check`]).
pub(crate) struct CheckJob {
    pub submissions: Vec<Submission>,
    pub reply: oneshot::Sender<Vec<Result<Checked, EngineError>>>,
}

/// What the writer's queue carries. Nearly every item is a `Submit`: it
/// stays unboxed, so queueing a command allocates nothing more.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Work {
    Submit(Job),
    Check(CheckJob),
    /// Another process appended to the shared log (ADR 0044): catch up.
    Follow,
}

/// What [`Engine::check`] found for a command it would not refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Submitted now, it would be appended.
    New,
    /// Its command id was appended already (with the same request):
    /// submitted, it would be answered with this record and append nothing.
    Recorded(CommandRecord),
    /// It repeats the command id of the checked command at this index
    /// (with the same request): submitted after it, it would be answered
    /// as that one was.
    Repeats(usize),
}

/// What the writer and the readers share.
pub(crate) struct Shared {
    pub log: Arc<dyn EventLog>,
    pub snapshots: Arc<dyn SnapshotStore>,
    /// The log's read side, which readers get ([`Engine::log`]).
    pub reader: LogReader,
    pub read: RwLock<ReadModels>,
    /// Where the served read models read exchange texts (the log, ADR 0037).
    pub texts: Arc<dyn accord_projections::EventsAt>,
    pub head: watch::Sender<u64>,
    /// Recent `as_of` states, least recently used first.
    pub as_of: Mutex<Vec<(u64, Arc<ReadModels>)>>,
    pub config: EngineConfig,
    /// The last position the writer staged (durable or not): a void waits
    /// for the durable head to reach it before it is judged.
    pub staged_to: std::sync::atomic::AtomicU64,
    /// How start-up loaded the models.
    pub loaded: Loaded,
    pub metrics: metrics::Metrics,
}

/// Commands waiting in the writer's queue.
fn depth(queue: &mpsc::Sender<Work>) -> usize {
    queue.max_capacity() - queue.capacity()
}

/// The running write path and the live read models. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    queue: mpsc::Sender<Work>,
    shared: Arc<Shared>,
}

impl Engine {
    /// Loads the models (the latest snapshot, then the log's tail; the whole
    /// log without a usable snapshot), then starts the writer thread and, if
    /// `snapshot_every` > 0, the snapshotter. Blocking: call it before serving.
    pub fn start(
        log: Arc<dyn EventLog>,
        snapshots: Arc<dyn SnapshotStore>,
        config: EngineConfig,
    ) -> Result<Engine, ReplayError> {
        let (models, loaded) = Models::load(log.as_ref(), snapshots.as_ref(), log.head().position)?;
        let Models { write, mut read } = models;
        let texts: Arc<dyn accord_projections::EventsAt> = Arc::new(texts::LogEvents::new(&log));
        read.read_texts_from(texts.clone());
        let (head, _) = watch::channel(read.position());
        let staged_to = std::sync::atomic::AtomicU64::new(read.position());
        let (queue, jobs) = mpsc::channel(config.queue_capacity);
        let snapshotter = (config.snapshot_every > 0).then(|| {
            let (heads, followed) = std::sync::mpsc::channel();
            let policy = SnapshotPolicy {
                every: config.snapshot_every,
                keep_recent: config.snapshot_keep_recent,
            };
            snapshots::spawn(
                log.clone(),
                snapshots.clone(),
                policy,
                config.snapshot_rest,
                followed,
            );
            heads
        });
        let shared = Arc::new(Shared {
            reader: LogReader::new(log.clone()),
            log,
            snapshots,
            read: RwLock::new(read),
            texts,
            head,
            as_of: Mutex::new(Vec::new()),
            config,
            staged_to,
            loaded,
            metrics: metrics::Metrics::default(),
        });
        if shared.log.is_shared() {
            // Told of another node's append, the writer catches up; a full
            // queue needs no reminder: the writer catches up before each batch.
            let weak = queue.downgrade();
            let applied = shared.head.subscribe();
            shared.log.on_appended(Box::new(move |position| {
                if position <= *applied.borrow() {
                    return;
                }
                if let Some(queue) = weak.upgrade() {
                    let _ = queue.try_send(Work::Follow);
                }
            }));
        }
        writer::spawn(shared.clone(), write, jobs, snapshotter);
        Ok(Engine { queue, shared })
    }

    /// How start-up loaded the models: from which snapshot, replaying how many events.
    pub fn loaded(&self) -> Loaded {
        self.shared.loaded
    }

    /// Queues a command and waits for its durable outcome.
    #[tracing::instrument(level = "debug", skip_all, fields(command = submission.command.name()))]
    pub async fn submit(&self, submission: Submission) -> Result<Outcome, EngineError> {
        let command = submission.command.name();
        let answer = self.submit_uncounted(submission).await;
        self.shared.metrics.command(command, &answer);
        answer
    }

    async fn submit_uncounted(&self, submission: Submission) -> Result<Outcome, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Work::Submit(Job { submission, reply }))?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    /// A dry run: judges `submissions` in order exactly as [`Engine::submit`]
    /// would if they were submitted now, one after the other — idempotency,
    /// expected version, the actor's rights and the domain's rules, by the
    /// writer's own code, each accepted command's facts applied before the
    /// next is judged — against a copy of the writer's model scoped to what
    /// they touch, and appends nothing. Commands submitted earlier count,
    /// durable or not. Generated ids the commands leave out are drawn
    /// afresh, so a dry run says nothing about them. The outer error is the
    /// queue's (`Busy`, `Stopped`).
    pub async fn check(
        &self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<Result<Checked, EngineError>>, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Work::Check(CheckJob { submissions, reply }))?;
        answer.await.map_err(|_| EngineError::Stopped)
    }

    fn enqueue(&self, work: Work) -> Result<(), EngineError> {
        self.queue.try_send(work).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => EngineError::Busy,
            mpsc::error::TrySendError::Closed(_) => EngineError::Stopped,
        })
    }

    /// The live read models (everything durable so far). Hold the guard briefly.
    pub fn read(&self) -> RwLockReadGuard<'_, ReadModels> {
        self.shared.read.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The read models as they stood after `position` (what was known then):
    /// a cached state, or the nearest snapshot plus the events after it.
    /// Blocking: call from a blocking task.
    pub fn read_as_of(&self, position: u64) -> Result<Arc<ReadModels>, ReplayError> {
        Ok(replay::as_of(&self.shared, position)?.0)
    }

    /// [`Engine::read_as_of`], also telling how the state was obtained.
    pub fn read_as_of_traced(
        &self,
        position: u64,
    ) -> Result<(Arc<ReadModels>, AsOfTrace), ReplayError> {
        replay::as_of(&self.shared, position)
    }

    /// The log's read side: what readers may ask of the log (never past the
    /// durable head, nothing that writes; the writer alone appends).
    pub fn log(&self) -> &LogReader {
        &self.shared.reader
    }

    /// The durable head position, announced after every batch.
    pub fn head(&self) -> watch::Receiver<u64> {
        self.shared.head.subscribe()
    }

    /// Whether the writer has stopped (it only stops when the process does).
    pub fn is_stopped(&self) -> bool {
        self.queue.is_closed()
    }

    /// The data folder's free space measured now, if a reserve is kept
    /// and the measure succeeded; commands are refused while it is full.
    pub fn disk_state(&self) -> Option<DiskState> {
        self.shared.config.disk_reserve.as_ref()?.state()
    }

    /// Commands waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        depth(&self.queue)
    }

    /// [`Engine::queue_depth`] as a probe for work that gives way to
    /// commands (webhook deliveries, ADR 0018). It holds no sender, so it
    /// never keeps the writer running; once the engine is gone it answers 0.
    pub fn queue_probe(&self) -> impl Fn() -> usize + Send + Sync + 'static {
        let queue = self.queue.downgrade();
        move || queue.upgrade().map_or(0, |queue| depth(&queue))
    }

    /// Every metric in the Prometheus text format (counters and histograms
    /// kept since start; queue depth, head and lags read now).
    pub fn render_metrics(&self) -> String {
        let latest_snapshot = match self.shared.snapshots.snapshot_positions() {
            Ok(positions) => positions.last().copied().unwrap_or(0),
            Err(error) => {
                tracing::warn!(%error, "metrics: the snapshot positions could not be read");
                0
            }
        };
        let gauges = metrics::Gauges {
            queue_depth: self.queue_depth(),
            head: self.shared.log.head().position,
            read_model_position: self.read().position(),
            latest_snapshot,
            disk: self.disk_state(),
        };
        self.shared.metrics.render(&gauges)
    }
}
