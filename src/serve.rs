//! `accord serve` and `accord verify`: open the data folder, wire the crates
//! together, run until SIGTERM or SIGINT.

use std::sync::Arc;

use accord_api::{router, AppState, Bootstrap, TokenBook};
use accord_audit::Signer;
use accord_engine::{DiskReserve, Engine, EngineConfig};
use accord_store::{EventLog, SledStore, StoreOptions, Stores};
use accord_store_pg::PgStore;
use accord_webhooks::{WebhookConfig, Webhooks};
use anyhow::{Context, Result};

use crate::cli::{DataArgs, ServeArgs};
use crate::demo;

/// Opens the stores in `data` for one pass over them (the CLI's offline
/// commands), creating the folder if needed; in PostgreSQL when
/// `--database-url` names a database.
pub(crate) fn open_stores(data: &DataArgs) -> Result<Stores> {
    if let Some(url) = &data.database_url {
        return Ok(Stores::of(Arc::new(open_pg(url)?)));
    }
    let store = open_sled(data, DataArgs::ONE_PASS_CACHE_MB, true)?;
    Ok(Stores::of(Arc::new(store)))
}

/// Opens the stores in the PostgreSQL database at `url`, creating or
/// checking its schema.
pub(crate) fn open_pg(url: &str) -> Result<PgStore> {
    let store = PgStore::open(url).context("opening the log in PostgreSQL")?;
    tracing::info!(database = store.database(), "the log is in PostgreSQL");
    Ok(store)
}

/// The backend `serve` runs on: what it does at a clean stop differs.
enum Backend {
    Sled(Arc<SledStore>),
    Pg(Arc<PgStore>),
}

impl Backend {
    fn open(data: &DataArgs) -> Result<Backend> {
        Ok(match &data.database_url {
            Some(url) => Backend::Pg(Arc::new(open_pg(url)?)),
            None => Backend::Sled(Arc::new(open_sled(data, DataArgs::SERVE_CACHE_MB, true)?)),
        })
    }

    fn stores(&self) -> Stores {
        match self {
            Backend::Sled(store) => Stores::of(store.clone()),
            Backend::Pg(store) => Stores::of(store.clone()),
        }
    }

    /// After the writer stopped: sled marks its watermark at the last event.
    fn stopped(&self) {
        match self {
            Backend::Sled(store) => store.mark_watermark(),
            Backend::Pg(store) => {
                tracing::debug!(head = store.head().position, "PostgreSQL store closed")
            }
        }
    }
}

/// Opens the store in `data` (sled serves every store) with a page cache of
/// `default_mb` unless `--cache-mb` says otherwise. A damaged folder is
/// refused when `refuse_damage`, else opened with its damage noted
/// ([`SledStore::damage`]: `accord verify` reports it).
pub(crate) fn open_sled(
    data: &DataArgs,
    default_mb: u64,
    refuse_damage: bool,
) -> Result<SledStore> {
    std::fs::create_dir_all(&data.data)
        .with_context(|| format!("creating {}", data.data.display()))?;
    let options = StoreOptions {
        cache_bytes: data.cache_mb.unwrap_or(default_mb) * 1024 * 1024,
        refuse_damage,
        ..StoreOptions::default()
    };
    SledStore::open_with_options(&data.data, options)
        .with_context(|| format!("opening the log in {}", data.data.display()))
}

/// `accord serve`: rebuild, optionally load the demo, serve until a signal.
pub fn run(args: ServeArgs) -> Result<()> {
    if let Some(name) = &args.timezone {
        let zone = accord_engine::clock::Zone::load(name).map_err(anyhow::Error::msg)?;
        accord_engine::clock::set_zone(zone);
    }
    tracing::info!(
        timezone = accord_engine::clock::zone_name(),
        today = %accord_engine::clock::today(),
        "business time zone"
    );
    let backend = Backend::open(&args.data)?;
    let stores = backend.stores();
    // The data folder keeps the signing key (and sled's files on sled).
    std::fs::create_dir_all(&args.data.data)
        .with_context(|| format!("creating {}", args.data.data.display()))?;
    let config = EngineConfig {
        queue_capacity: args.queue_capacity,
        max_batch: args.max_batch,
        snapshot_every: args.snapshots.snapshot_every,
        snapshot_keep_recent: args.snapshots.snapshot_keep_recent,
        snapshot_rest: args.snapshot_rest,
        as_of_cache_exchanges: args.as_of_cache_exchanges,
        exchange_cache: args.exchange_cache,
        // The reserve watches the data folder's file system: on PostgreSQL
        // the log is not there.
        disk_reserve: (args.min_free_disk_mb > 0 && args.data.database_url.is_none()).then(|| {
            Arc::new(DiskReserve::new(
                &args.data.data,
                args.min_free_disk_mb * 1024 * 1024,
            ))
        }),
        attachments: Some(accord_engine::Files(stores.attachments.clone())),
        ..EngineConfig::default()
    };
    let started = std::time::Instant::now();
    let engine = Engine::start(stores.log.clone(), stores.snapshots.clone(), config)
        .context("rebuilding the models from the log")?;
    let loaded = engine.loaded();
    tracing::info!(
        events = engine.log().head().position,
        snapshot = loaded.snapshot.unwrap_or(0),
        replayed = loaded.replayed,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "models loaded: the latest snapshot, then the log's tail"
    );
    let tokens = Arc::new(TokenBook::load(stores.meta.clone()).context("loading tokens")?);
    // After the store: sled's lock on the folder makes this process the only one creating the key.
    let signer = match &args.signing_key {
        Some(file) => Signer::load_file(file),
        None => Signer::load_or_create(&args.data.data),
    }
    .context("loading the signing key")?;
    announce(tokens.bootstrap(std::env::var("ACCORD_ADMIN_TOKEN").ok().as_deref())?);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        if args.demo {
            demo::load(&engine).await.context("loading the demo data")?;
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        // Before saying where we listen: whoever started us may send SIGTERM
        // as soon as it reads that, and must get a graceful stop.
        let terminate = terminate_signal();
        tracing::info!(%address, "serving HTTP API v1 and the console");
        // On stdout too, for whoever started us with port 0 (the test harness, scripts).
        println!("Listening on http://{address}");
        // After the demo: webhooks follow the log from each subscription's cursor.
        let webhook_config = WebhookConfig {
            write_queue: Arc::new(engine.queue_probe()),
            ..args.webhooks.config()
        };
        let webhooks = Webhooks::start(
            engine.log().clone(),
            stores.webhooks.clone(),
            engine.head(),
            webhook_config,
        )
        .context("starting the webhook dispatchers")?;
        let delivering = webhooks.clone();
        if matches!(backend, Backend::Pg(_)) {
            // Other nodes create and revoke tokens in the same database.
            tokio::spawn(reload_tokens(tokens.clone()));
        }
        let state = AppState::new(engine, tokens)
            .with_signer(Arc::new(signer))
            .with_webhooks(webhooks)
            .with_attachments(
                stores.attachments.clone(),
                args.attachment_max_mb * 1024 * 1024,
            )
            .with_request_timeout(std::time::Duration::from_secs(args.request_timeout.max(1)));
        // The console answers its pages and hands everything else to the API.
        let console = accord_console::Console::new(state.clone(), args.console.config());
        let app = accord_console::router(console, router(state.clone()));
        let header_timeout = std::time::Duration::from_secs(args.header_timeout.max(1));
        crate::http::serve(listener, app, header_timeout, async move {
            shutdown_signal(terminate).await;
            state.begin_shutdown();
        })
        .await;
        // Another node may deliver at once (PostgreSQL, ADR 0045).
        delivering.release();
        anyhow::Ok(())
    })?;
    // The writer has stopped: the mark names the last durable event.
    backend.stopped();
    tracing::info!("stopped");
    Ok(())
}

/// Reads the token book again every second (nodes sharing one PostgreSQL,
/// ADR 0044): a token created or revoked through another node counts here
/// within a second.
async fn reload_tokens(tokens: Arc<TokenBook>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let book = tokens.clone();
        match tokio::task::spawn_blocking(move || book.reload()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "the token book could not be read again"),
            Err(error) => tracing::warn!(%error, "reading the token book again failed"),
        }
    }
}

/// Tells the operator about the admin token, printing a generated one once.
fn announce(bootstrap: Bootstrap) {
    match bootstrap {
        Bootstrap::Existing => {}
        Bootstrap::FromEnvironment => {
            tracing::info!("admin token from ACCORD_ADMIN_TOKEN registered")
        }
        Bootstrap::EnvironmentRevoked => tracing::warn!(
            "ACCORD_ADMIN_TOKEN names a revoked token: it stays revoked and authenticates nothing"
        ),
        Bootstrap::Generated(secret) => {
            // Printed once on stdout, never logged: only its hash is kept.
            println!("Generated admin token (shown only once, store it now): {secret}");
        }
    }
}

/// Resolves on SIGTERM; its handler is installed when this is called (a
/// signal stream installs it when created, not when first polled).
fn terminate_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut signal) = signal {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await
    }
}

/// Resolves on SIGTERM (`terminate`) or Ctrl-C; in-flight requests then
/// finish.
async fn shutdown_signal(terminate: impl std::future::Future<Output = ()>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
