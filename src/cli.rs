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
    Serve(ServeArgs),
    /// Check the log's hash chain offline; exits non-zero naming the first bad position.
    Verify(DataArgs),
}

/// Where the data lives.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The data folder (the sled log and its metadata).
    #[arg(long, env = "ACCORD_DATA", default_value = "./accord-data")]
    pub data: PathBuf,
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
}
