//! `accord`: the command line of the Accord service.
//!
//! - `accord serve`: open the log, rebuild the models, serve HTTP API v1.
//! - `accord verify`: check the hash chain offline, optionally through a checkpoint.
//! - `accord export` / `accord import`: the log as NDJSON, and back.
//! - `accord rebuild [--check]`: rebuild (or check) the models and snapshots from position 0.
//! - `accord token create`: create a token offline (recovery when every admin token is lost).
//! - `accord key create`: make the signing key the nodes of a cluster share.
//!
//! Wiring only: every capability lives in the crates under `crates/`.

mod audit;
mod cli;
mod demo;
mod export;
mod generate;
mod http;
mod import;
mod rebuild;
mod serve;
mod token;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Commands, LogFormat};

/// mimalloc instead of the system allocator: the write path allocates and
/// frees many small objects across threads (JSON values, sled pages), where
/// glibc's malloc spent a third of the profile (ADR 0021).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match cli.command {
        Commands::Serve(args) => serve::run(*args),
        Commands::Verify(args) => audit::verify(args),
        Commands::Export(args) => export::run(args),
        Commands::Import(args) => import::run(args),
        Commands::Rebuild(args) => rebuild::run(args),
        Commands::Token(cli::TokenCommands::Create(args)) => token::create(args),
        Commands::Key(cli::KeyCommands::Create(args)) => audit::create_key(args),
        Commands::Generate(args) => generate::run(args),
    }
}

/// Structured logs on stderr: text by default, JSON with `--log-format json`;
/// the filter comes from `RUST_LOG` (default `info`).
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
