//! The event log of Accord on PostgreSQL (ADR 0040).
//!
//! [`PgStore`] implements the same contracts as the sled store
//! ([`EventLog`], [`SnapshotStore`], [`MetaStore`], [`WebhookStore`],
//! [`AttachmentStore`]), so the engine, read models, webhooks and console
//! run on it unchanged. The contracts are synchronous; the store owns a
//! small tokio runtime of its own on which tokio-postgres and its pool
//! (deadpool-postgres) run, and each call waits for its answer on a
//! channel, so it may be called from any thread, a runtime's included.
//!
//! Appends: [`EventLog::stage`] checks a batch against the database and
//! the batches staged before it, and forms its envelopes and hashes in
//! memory (the same code as sled's, `accord_store::plan_writes`);
//! [`EventLog::commit`] writes it in one transaction that first locks the
//! head row and checks that the batch follows it, so positions stay
//! gapless and the chain one chain whoever else appends. Primary keys on
//! position and command id and a unique (stream, version) hold gaplessness,
//! idempotency and expected versions in the database itself. The answer
//! comes after COMMIT: with `synchronous_commit` on (PostgreSQL's default)
//! the batch is in the write-ahead log on disk.
//!
//! Layout: `schema` (tables, migration under an advisory lock), `log`
//! (the event log), `apart` (snapshots, metadata, webhook state),
//! `attachments` (files in pieces).

mod apart;
mod attachments;
mod follow;
mod log;
mod schema;
#[doc(hidden)]
pub mod testing;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use accord_store::{
    AttachmentStore, CommandRecord, EventLog, Head, MetaStore, PlannedEvent, SnapshotStore,
    StoreError, Stores, WebhookStore,
};
use deadpool_postgres::{Pool, Runtime};
use time::OffsetDateTime;
use tokio_postgres::NoTls;
use uuid::Uuid;

pub use schema::SCHEMA_VERSION;

/// The clock a store stamps `recorded_at` with.
pub type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// How to open a [`PgStore`].
pub struct PgOptions {
    /// The clock for `recorded_at`; tests inject one.
    pub clock: Clock,
    /// Connections in the pool.
    pub connections: usize,
}

impl Default for PgOptions {
    /// The system clock, 8 connections.
    fn default() -> Self {
        PgOptions {
            clock: Box::new(OffsetDateTime::now_utc),
            connections: 8,
        }
    }
}

/// How long a session of the pool may sit idle inside an open transaction
/// before PostgreSQL ends it, rolling it back (ADR 0050). The writer holds
/// the head row's lock in such a transaction while it decides a batch: a
/// node that hangs (stopped, swapping, cut off without a TCP reset) would
/// otherwise hold every node's appends for as long as its connection
/// lasts. A node that dies outright lets go at once: its sockets close and
/// PostgreSQL rolls back. A healthy writer is idle in its transaction for
/// milliseconds; one whose session was ended finds its lock lost at commit
/// and takes the lost-lock path of ADR 0044.
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(5);

/// How long the store waits for the database to answer a round trip (a
/// call's queries, a connection from the pool, a new connection) before it
/// gives up on it (ADR 0052). A database that vanishes without a reset
/// (partition, frozen VM) would otherwise keep a statement waiting for
/// minutes, as long as TCP keeps retrying. The connection that did not
/// answer is never used again, and the caller gets
/// [`StoreError::Unavailable`] (503 with `Retry-After`). Above
/// [`IDLE_IN_TRANSACTION`], so a node waiting for the head lock behind a
/// hung one is not cut off first.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The session settings of the pool's and the listener's connections: the
/// URL's, with what the store adds unless the URL says otherwise.
fn session_config(mut config: tokio_postgres::Config) -> tokio_postgres::Config {
    // Options of the URL come after this one, so an operator's own
    // `-c idle_in_transaction_session_timeout=…` wins.
    let options = format!(
        "-c idle_in_transaction_session_timeout={}ms {}",
        IDLE_IN_TRANSACTION.as_millis(),
        config.get_options().unwrap_or_default()
    );
    config.options(options.trim_end());
    if config.get_application_name().is_none() {
        config.application_name("accord");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    // Sent data unacknowledged this long closes the socket (Linux), and an
    // idle connection whose peer vanished is noticed by keepalives in
    // about 20 s rather than two hours: the calls without a deadline
    // (an import, storing an attachment) and the pool's idle connections.
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(DEADLINE);
    }
    if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
        config.keepalives_idle(Duration::from_secs(10));
        config.keepalives_interval(Duration::from_secs(5));
        config.keepalives_retries(2);
    }
    config
}

/// Awaits `work` for at most [`DEADLINE`]. Past it, the work is dropped;
/// a connection it held went back to the pool with its answer still owed,
/// so every idle connection of the pool is let go of (the healthy ones are
/// opened again on demand) and the caller is told the database is
/// unavailable.
pub(crate) async fn within<T>(
    pool: Pool,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(DEADLINE, work).await {
        Ok(outcome) => outcome,
        Err(_) => {
            pool.retain(|_, _| false);
            Err(late())
        }
    }
}

/// The error of a round trip not answered within [`DEADLINE`].
pub(crate) fn late() -> StoreError {
    StoreError::Unavailable(format!(
        "{UNAVAILABLE}: no answer within {} s",
        DEADLINE.as_secs()
    ))
}

/// The stores of Accord in one PostgreSQL database.
pub struct PgStore {
    /// The runtime tokio-postgres runs on; taken at drop.
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
    /// The database, for messages (no password).
    database: String,
    /// The durable head: what readers see.
    head: RwLock<Head>,
    /// The writer's side: batches staged and not yet committed.
    staging: Mutex<Staging>,
    clock: Clock,
    /// The connection holding the append lock in an open transaction
    /// ([`EventLog::lock_head`]), until the next commit or unlock.
    locked: Mutex<Option<deadpool_postgres::Object>>,
    /// What the listener learns of the database ([`follow`]).
    watch: Arc<follow::Watch>,
}

/// What the writer builds on.
struct Staging {
    /// The last staged event: the durable head, or ahead of it.
    head: Head,
    /// Batches staged and not yet committed, oldest first.
    pending: VecDeque<Pending>,
    /// True once a commit failed: the store refuses writes until reopened.
    broken: bool,
    /// Command records looked up in one query under the append lock
    /// ([`EventLog::prefetch_commands`]), none for an id not stored; valid
    /// until the lock is let go of, since nobody else appends meanwhile.
    prefetched: HashMap<Uuid, Option<CommandRecord>>,
    /// The head the append lock was taken at, while it is held.
    locked_at: Option<Head>,
    /// Stream versions as they are at [`Known::at`]: looked up under the
    /// lock or written by this store's own commits. While the lock read
    /// finds that same head, nobody appended since, and a batch on those
    /// streams is staged without looking their versions up (ADR 0051).
    known: Known,
}

/// Stream versions known to be stored at one head.
struct Known {
    at: Head,
    versions: HashMap<String, u64>,
}

impl Default for Known {
    fn default() -> Self {
        Known {
            at: Head::EMPTY,
            versions: HashMap::new(),
        }
    }
}

/// Whether two heads are the same event (position and hash).
fn same(one: &Head, other: &Head) -> bool {
    one.position == other.position && one.hash == other.hash
}

impl Known {
    /// At most this many streams are remembered; then it starts again.
    const MAX: usize = 65_536;

    /// Forgets every version unless they hold at `head`.
    fn keep_if_at(&mut self, head: &Head) {
        if !same(&self.at, head) {
            self.versions.clear();
            self.at = head.clone();
        }
    }

    /// Versions now stored at `head` after a batch on `base` moved `versions`.
    fn advance(&mut self, base: &Head, head: &Head, versions: &HashMap<String, u64>) {
        if same(&self.at, base) && self.versions.len() + versions.len() <= Self::MAX {
            self.versions
                .extend(versions.iter().map(|(s, v)| (s.clone(), *v)));
        } else {
            self.versions.clear();
        }
        self.at = head.clone();
    }
}

/// A staged batch, kept until its transaction has committed.
struct Pending {
    /// The head it follows.
    base: Head,
    /// The head after it.
    head: Head,
    events: Arc<Vec<PlannedEvent>>,
    records: Arc<Vec<CommandRecord>>,
    /// Each stream's version after the batch.
    versions: HashMap<String, u64>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`),
    /// creates or checks the schema and loads the head.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        Self::open_with_options(url, PgOptions::default())
    }

    /// [`PgStore::open`] with an injected clock.
    pub fn open_with_clock(url: &str, clock: Clock) -> Result<PgStore, StoreError> {
        let options = PgOptions {
            clock,
            ..PgOptions::default()
        };
        Self::open_with_options(url, options)
    }

    /// [`PgStore::open`] with explicit options.
    pub fn open_with_options(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Io(format!("the database URL is not usable: {e}")))?;
        let database = describe(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("accord-pg")
            .enable_all()
            .build()?;
        let config = session_config(config);
        let pool = {
            let _inside = runtime.enter();
            let manager = deadpool_postgres::Manager::from_config(
                config.clone(),
                NoTls,
                deadpool_postgres::ManagerConfig {
                    recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                },
            );
            Pool::builder(manager)
                .max_size(options.connections.max(2))
                .runtime(Runtime::Tokio1)
                // Waiting for a connection, and opening one, have the deadline too.
                .wait_timeout(Some(DEADLINE))
                .create_timeout(Some(DEADLINE))
                .build()
                .map_err(|e| StoreError::Io(format!("PostgreSQL pool: {e}")))?
        };
        let handle = runtime.handle().clone();
        let mut store = PgStore {
            runtime: Some(runtime),
            handle,
            pool,
            database,
            head: RwLock::new(Head::EMPTY),
            staging: Mutex::new(Staging {
                head: Head::EMPTY,
                pending: VecDeque::new(),
                broken: false,
                prefetched: HashMap::new(),
                locked_at: None,
                known: Known::default(),
            }),
            clock: options.clock,
            locked: Mutex::new(None),
            watch: Arc::new(follow::Watch::default()),
        };
        let database = store.database.clone();
        store.run(move |pool| async move {
            let client = connect(&pool, &database).await?;
            schema::migrate(&client, &database).await
        })?;
        let head = store.run(|pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            log::load_head(&client).await
        })?;
        store.watch.seen(head.position);
        store.watch.durable(head.position);
        *store.head.get_mut().unwrap_or_else(PoisonError::into_inner) = head.clone();
        store
            .staging
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .head = head;
        follow::listen(&store.handle, config, store.watch.clone());
        Ok(store)
    }

    /// The database this store is in, for messages: host, port and name.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Every store served by this database.
    pub fn stores(self: Arc<Self>) -> Stores {
        Stores::of(self)
    }

    /// Runs `work` on the store's runtime with a handle on the pool and
    /// waits for its outcome: callable from any thread.
    fn run<T, F, W>(&self, work: W) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
        W: FnOnce(Pool) -> F,
    {
        let pool = self.pool.clone();
        wait(&self.handle, within(pool, work(self.pool.clone())))
    }

    /// Runs `work` on the store's runtime without waiting: `done` gets its
    /// outcome there.
    fn spawn<T, F, W, D>(&self, work: W, done: D)
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
        W: FnOnce(Pool) -> F,
        D: FnOnce(Result<T, StoreError>) + Send + 'static,
    {
        let future = within(self.pool.clone(), work(self.pool.clone()));
        self.handle.spawn(async move { done(future.await) });
    }

    /// The current durable version of a stream (0 if it has no events).
    pub fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let head = to_sql(self.head().position);
        let stream = stream.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let row = crate::row_one(
                &client,
                "SELECT coalesce(max(version), 0) FROM accord_events \
                     WHERE stream = $1 AND position <= $2",
                &[&stream, &head],
            )
            .await?;
            from_sql(row.get(0))
        })
    }

    /// Runs one SQL statement with no parameters, bypassing every check of
    /// the store: tests edit the stored rows with it, as someone with
    /// access to the database could, and verification must notice.
    #[doc(hidden)]
    pub fn tamper_sql(&self, sql: &str) -> Result<u64, StoreError> {
        let sql = sql.to_owned();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            client.execute(sql.as_str(), &[]).await.map_err(pg_error)
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks; a store may be dropped on a runtime's thread.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs `future` on the store's runtime and waits for its outcome on a
/// channel: callable from any thread, a runtime's included.
pub(crate) fn wait<T, F>(handle: &tokio::runtime::Handle, future: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let (answer, outcome) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = answer.send(future.await);
    });
    outcome
        .recv()
        .map_err(|_| StoreError::Io("the PostgreSQL client stopped".into()))?
}

/// Gets a connection, saying which database could not be reached.
async fn connect(pool: &Pool, database: &str) -> Result<deadpool_postgres::Object, StoreError> {
    pool.get()
        .await
        .map_err(|e| StoreError::Io(format!("cannot connect to PostgreSQL at {database}: {e}")))
}

/// host:port/name of a connection configuration.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let name = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{name}")
}

/// How the message of a store error begins when the database could not
/// be reached or went away ([`is_unavailable`]).
pub(crate) const UNAVAILABLE: &str = "PostgreSQL is unavailable";

/// Whether `error` says the database could not be reached or went away
/// (a connection lost or refused, the server shutting down or starting):
/// the writer's calls wait and try again rather than fail.
pub fn is_unavailable(error: &StoreError) -> bool {
    matches!(error, StoreError::Unavailable(_))
}

/// Whether a client error is the connection's, not the statement's.
fn lost(error: &tokio_postgres::Error) -> bool {
    use std::error::Error as _;
    if error.is_closed() {
        return true;
    }
    if let Some(db) = error.as_db_error() {
        // Class 08: connection exception; 57P01-03: shutdown, crash, starting.
        let code = db.code().code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A PostgreSQL error as a store error, with the server's message.
pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    if lost(&error) {
        return StoreError::Unavailable(format!("{UNAVAILABLE}: {error}"));
    }
    match error.as_db_error() {
        Some(db) => StoreError::Io(format!(
            "PostgreSQL: {}: {}",
            db.code().code(),
            db.message()
        )),
        None => StoreError::Io(format!("PostgreSQL: {error}")),
    }
}

/// A pool error as a store error.
pub(crate) fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => pg_error(error),
        other => StoreError::Unavailable(format!("{UNAVAILABLE}: {other}")),
    }
}

/// Runs `attempt` until it succeeds or fails otherwise than with the
/// database unavailable, waiting between tries (up to a second): the
/// writer's calls, which must not fail a command because the database
/// restarts. `what` names the call in the warnings logged meanwhile.
pub(crate) fn patiently<T>(
    what: &str,
    mut attempt: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut pause = Duration::from_millis(50);
    loop {
        match attempt() {
            Err(error) if is_unavailable(&error) => {
                tracing::warn!(%error, "{what}: waiting for PostgreSQL");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            done => return done,
        }
    }
}

/// A position or version as PostgreSQL's bigint (capped: u64::MAX means "all").
pub(crate) fn to_sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A bigint read back as a position or version.
pub(crate) fn from_sql(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative number {n} stored")))
}

/// A stored hash.
pub(crate) fn hash_of(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("a stored hash of {} bytes", bytes.len())))
}

/// A command id and whether it is among those staged and not yet committed.
fn staged_record(staging: &Staging, id: Uuid) -> Option<CommandRecord> {
    staging.pending.iter().rev().find_map(|pending| {
        pending
            .records
            .iter()
            .find(|record| record.command_id == id)
            .cloned()
    })
}

// The trait implementations live in their modules; these assert at compile
// time that the store serves every contract.
const _: fn() = || {
    fn serves<S: EventLog + SnapshotStore + MetaStore + WebhookStore + AttachmentStore>() {}
    serves::<PgStore>();
};

/// Runs `sql` as a statement prepared once per connection: the rows.
pub(crate) async fn rows(
    client: &deadpool_postgres::ClientWrapper,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(pg_error)?;
    client.query(&statement, params).await.map_err(pg_error)
}

/// [`rows`], for at most one row.
pub(crate) async fn row_opt(
    client: &deadpool_postgres::ClientWrapper,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Option<tokio_postgres::Row>, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(pg_error)?;
    client.query_opt(&statement, params).await.map_err(pg_error)
}

/// [`rows`], for exactly one row.
pub(crate) async fn row_one(
    client: &deadpool_postgres::ClientWrapper,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<tokio_postgres::Row, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(pg_error)?;
    client.query_one(&statement, params).await.map_err(pg_error)
}

/// [`rows`], for a statement returning none: how many rows it changed.
pub(crate) async fn exec(
    client: &deadpool_postgres::ClientWrapper,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, StoreError> {
    let statement = client.prepare_cached(sql).await.map_err(pg_error)?;
    client.execute(&statement, params).await.map_err(pg_error)
}
