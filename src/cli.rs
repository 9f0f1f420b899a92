//! The command line: subcommands, flags and their `ACCORD_*` environment
//! overrides, in one place.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Accord: an event-sourced record of cooperation agreements.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, env = "ACCORD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Commands,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Serve the HTTP API.
    Serve(Box<ServeArgs>),
    /// Check the log's hash chain and the attached files offline; exits non-zero naming the first bad position or file.
    Verify(VerifyArgs),
    /// Write the log as NDJSON envelopes with their hashes (a backup, a migration).
    Export(ExportArgs),
    /// Rebuild a new store from an export, refusing a file whose chain does not verify.
    Import(ImportArgs),
    /// Rebuild every read model and snapshot from position 0 (offline);
    /// with `--check`, compare instead and exit non-zero naming the first difference.
    Rebuild(RebuildArgs),
    /// Manage API tokens offline (the server must not be running).
    #[command(subcommand)]
    Token(TokenCommands),
    /// Make the key checkpoints are signed with, for `serve --signing-key`.
    #[command(subcommand)]
    Key(KeyCommands),
    /// Append a synthetic, realistic log of about N events (benchmarks only).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// How often snapshots are taken and how many are kept (ADR 0011).
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// K: snapshot both models every K events (0: never).
    #[arg(long, env = "ACCORD_SNAPSHOT_EVERY", default_value_t = accord_engine::EngineConfig::SNAPSHOT_EVERY)]
    pub snapshot_every: u64,
    /// Recent snapshots kept in full; older ones are thinned logarithmically (0: keep all).
    #[arg(long, env = "ACCORD_SNAPSHOT_KEEP_RECENT", default_value_t = accord_engine::EngineConfig::SNAPSHOT_KEEP_RECENT)]
    pub snapshot_keep_recent: usize,
}

/// `accord rebuild`.
#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
    /// Write nothing: compare a rebuild from 0 with every stored snapshot and
    /// with the models as `serve` loads them.
    #[arg(long)]
    pub check: bool,
}

/// `accord generate` (hidden).
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
    /// How many events the log should hold at least.
    #[arg(long)]
    pub events: u64,
    /// About how many agreements the log should hold (default: one per
    /// about 330 events, the mix of a long-lived register); the rest of
    /// each round is exchanges and reviews.
    #[arg(long)]
    pub agreements: Option<u64>,
}

/// Where the data lives.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The data folder (the sled log and its metadata).
    #[arg(long, env = "ACCORD_DATA", default_value = "./accord-data")]
    pub data: PathBuf,
    /// MiB of sled's page cache: what reads add to the process's memory
    /// beside the models. Default: 128 for `serve` (a full read of a
    /// million-event log then adds about 180 MiB instead of about 1 GiB,
    /// ADR 0043), 64 for the commands that read the log once, front to
    /// back (`rebuild`, `verify`, `export`, `import`), where a larger cache
    /// only costs memory.
    #[arg(long, env = "ACCORD_CACHE_MB")]
    pub cache_mb: Option<u64>,
    /// Keep the log, command records, tokens, webhook state, snapshots and
    /// attached files in PostgreSQL (15 or later) instead of sled:
    /// `postgres://user:password@host:5432/database` (docs/postgresql.md).
    /// The data folder then only holds the signing key.
    #[arg(long, env = "ACCORD_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The page cache of `serve`, unless `--cache-mb` says otherwise: it
    /// bounds what reads add to the memory (sled's own default, 1 GiB, let a
    /// full read of a large log add that much; docs/PERFORMANCE.md, "Scale").
    pub const SERVE_CACHE_MB: u64 = 128;
    /// The page cache of one pass over the log, unless `--cache-mb` says
    /// otherwise: measured on a million-event rebuild, 64 MiB reads as fast
    /// as 1 GiB or faster (fresh cache pages cost page faults) in 0.8 GiB
    /// less memory (docs/PERFORMANCE.md).
    pub const ONE_PASS_CACHE_MB: u64 = 64;
}

/// `accord serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The address to listen on.
    #[arg(long, env = "ACCORD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the seed's story (Đồng Nai, Lâm Đồng, Bình Phước, 2007–2015) once.
    #[arg(long)]
    pub demo: bool,
    /// Most commands per group commit (one fsync each).
    #[arg(long, env = "ACCORD_MAX_BATCH", default_value_t = 1024)]
    pub max_batch: usize,
    /// Commands that may wait for the writer before new ones get 503.
    #[arg(long, env = "ACCORD_QUEUE_CAPACITY", default_value_t = 16_384)]
    pub queue_capacity: usize,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
    /// Exchanges the `as_of` states kept for reuse may hold together (each
    /// is the read models at its instant; least recently used evicted).
    #[arg(long, env = "ACCORD_AS_OF_CACHE_EXCHANGES", default_value_t = accord_engine::EngineConfig::AS_OF_CACHE_EXCHANGES)]
    pub as_of_cache_exchanges: usize,
    /// Exchanges the write model keeps loaded (an agreement's are loaded
    /// from its stream when a command reads them; least recently read
    /// agreements unloaded beyond this).
    #[arg(long, env = "ACCORD_EXCHANGE_CACHE", default_value_t = accord_engine::EngineConfig::EXCHANGE_CACHE)]
    pub exchange_cache: usize,
    /// After each snapshot, the snapshotter rests this many times as long as
    /// the snapshot took (0: never), so that it takes at most about
    /// 1/(1 + N) of a core from the commands.
    #[arg(long, env = "ACCORD_SNAPSHOT_REST", default_value_t = accord_engine::EngineConfig::SNAPSHOT_REST)]
    pub snapshot_rest: u32,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub console: ConsoleArgs,
    /// Seconds a request may take until its answer starts (then 503).
    #[arg(long, env = "ACCORD_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// The key file checkpoints and receipts are signed with, made by
    /// `accord key create` (64 hex digits): give every node of a cluster
    /// the same file, as a secret, so that a checkpoint from one node
    /// verifies on any. Default: `<data>/audit/ed25519.key`, made at first
    /// start.
    #[arg(long, env = "ACCORD_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
    /// MiB one attachment may have at most (larger uploads get 413).
    #[arg(long, env = "ACCORD_ATTACHMENT_MAX_MB", default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=1024 * 1024))]
    pub attachment_max_mb: u64,
    /// Seconds a client may take to send a request's headers (and a
    /// keep-alive connection may stay idle) before its connection is closed.
    #[arg(long, env = "ACCORD_HEADER_TIMEOUT", default_value_t = 30)]
    pub header_timeout: u64,
    /// MiB that must stay free on the data folder's file system: below it,
    /// commands are refused with 507 (nothing written) and reads go on,
    /// until space is freed (0: no reserve).
    #[arg(long, env = "ACCORD_MIN_FREE_DISK_MB", default_value_t = 256)]
    pub min_free_disk_mb: u64,
    /// The business time zone, an IANA name (`Asia/Ho_Chi_Minh`): "today",
    /// the default `at` of reads and the limit of `exchange_in_future`, is
    /// the date there. UTC when not given.
    #[arg(long, env = "ACCORD_TIMEZONE")]
    pub timezone: Option<String>,
}

/// The web console's sessions (ADR 0026).
#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Mark the console's cookies `Secure` on every answer: set it when the
    /// console is served over HTTPS (by a proxy in front of `accord serve`).
    /// Without it, cookies are `Secure` only on requests that carry
    /// `X-Forwarded-Proto: https`.
    #[arg(long, env = "ACCORD_CONSOLE_SECURE_COOKIES")]
    pub console_secure_cookies: bool,
    /// A console session unused for this long ends.
    #[arg(long, env = "ACCORD_CONSOLE_SESSION_IDLE", default_value = "30m", value_parser = accord_webhooks::schedule::parse_duration)]
    pub console_session_idle: std::time::Duration,
    /// A console session ends this long after sign-in, used or not.
    #[arg(long, env = "ACCORD_CONSOLE_SESSION_MAX", default_value = "12h", value_parser = accord_webhooks::schedule::parse_duration)]
    pub console_session_max: std::time::Duration,
}

impl ConsoleArgs {
    /// The console configuration these flags describe.
    pub fn config(&self) -> accord_console::ConsoleConfig {
        accord_console::ConsoleConfig {
            secure_cookies: self.console_secure_cookies,
            session_idle: self.console_session_idle,
            session_max: self.console_session_max,
        }
    }
}

/// How webhooks are delivered (ADRs 0015, 0018).
#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// Delays before each retry, after an immediate first attempt
    /// (default Svix's: 5s,5m,30m,2h,5h,10h,10h), each moved by ±20 % jitter.
    #[arg(long, env = "ACCORD_WEBHOOK_RETRY_SCHEDULE", default_value = "5s,5m,30m,2h,5h,10h,10h", value_parser = accord_webhooks::RetrySchedule::parse)]
    pub webhook_retry_schedule: accord_webhooks::RetrySchedule,
    /// Each delivery attempt's timeout.
    #[arg(long, env = "ACCORD_WEBHOOK_TIMEOUT", default_value = "15s", value_parser = accord_webhooks::schedule::parse_duration)]
    pub webhook_timeout: std::time::Duration,
    /// Disable a subscription whose every attempt failed for this long.
    #[arg(long, env = "ACCORD_WEBHOOK_DISABLE_AFTER", default_value = "5d", value_parser = accord_webhooks::schedule::parse_duration)]
    pub webhook_disable_after: std::time::Duration,
    /// Allow webhook URLs on loopback, private and link-local addresses
    /// (local integrations and tests): lifts the SSRF guard.
    #[arg(long, env = "ACCORD_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Keep subscriptions but deliver nothing until restarted without it
    /// (maintenance; the API fuzzer runs with it so it never reaches a host).
    #[arg(long, env = "ACCORD_WEBHOOK_PAUSED")]
    pub webhook_paused: bool,
    /// How many nice steps below the server the delivery threads run (Linux),
    /// so that under CPU saturation commands win and deliveries catch up
    /// afterwards; 0 runs them at the server's priority.
    #[arg(long, env = "ACCORD_WEBHOOK_NICE", default_value_t = 10, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub webhook_nice: i32,
    /// While commands wait for the writer, start at most one delivery per
    /// this many milliseconds across all subscriptions; 0: never give way.
    #[arg(long, env = "ACCORD_WEBHOOK_GIVE_WAY_MS", default_value_t = 20)]
    pub webhook_give_way_ms: u64,
}

impl WebhookArgs {
    /// The delivery configuration these flags describe.
    pub fn config(&self) -> accord_webhooks::WebhookConfig {
        accord_webhooks::WebhookConfig {
            schedule: self.webhook_retry_schedule.clone(),
            timeout: self.webhook_timeout,
            allow_private: self.webhook_allow_private,
            disable_after: time_duration(self.webhook_disable_after),
            paused: self.webhook_paused,
            nice: self.webhook_nice,
            give_way: std::time::Duration::from_millis(self.webhook_give_way_ms),
            ..accord_webhooks::WebhookConfig::default()
        }
    }
}

fn time_duration(duration: std::time::Duration) -> accord_webhooks::TimeDuration {
    accord_webhooks::TimeDuration::try_from(duration).unwrap_or(accord_webhooks::TimeDuration::MAX)
}

/// `accord token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommands {
    /// Create a token and print it once: the recovery path when every admin
    /// token is lost. Works on the data folder directly, so the server must
    /// be stopped (sled locks the folder).
    Create(TokenCreateArgs),
}

/// `accord key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommands {
    /// Generate an Ed25519 signing key into a new file (mode 0600, never
    /// overwriting one) and print its public half as JSON.
    Create(KeyCreateArgs),
}

/// `accord key create`.
#[derive(Debug, Args)]
pub struct KeyCreateArgs {
    /// The file to create.
    #[arg(long)]
    pub out: PathBuf,
}

/// `accord token create`.
#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// `admin`, `writer` or `auditor`.
    #[arg(long, value_parser = ["admin", "writer", "auditor"])]
    pub role: String,
    /// The party a writer acts for (writers only, required for them).
    #[arg(long)]
    pub party: Option<String>,
    /// A note for people: who holds it, what for.
    #[arg(long)]
    pub label: Option<String>,
}

/// `accord verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// A checkpoint kept from `GET /v1/audit/checkpoint` (JSON file): the
    /// stored chain must still pass through it.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// The public key to check the checkpoint's signature with: base64, hex,
    /// or a file holding either or the JSON of `GET /v1/audit/public-key`.
    /// Default: the key in the data folder.
    #[arg(long, requires = "checkpoint")]
    pub public_key: Option<String>,
}

/// `accord export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Export the events after this position (default 0: the whole log).
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// The file to write (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `accord import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The new data folder: must not exist or be empty.
    #[arg(long, env = "ACCORD_DATA", required_unless_present = "database_url")]
    pub data: Option<PathBuf>,
    /// Import into this PostgreSQL database instead of a data folder (it
    /// wins over `--data`): its log must be empty (docs/postgresql.md).
    #[arg(long, env = "ACCORD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The NDJSON file written by `accord export`.
    pub file: PathBuf,
}
