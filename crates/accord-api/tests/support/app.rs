//! The application wired as `accord serve` wires it, on a real sled store in
//! a temporary folder, driven with `oneshot` (no socket).
//!
//! Included by each test file with `#[path = "support/app.rs"] mod app;`.
#![allow(dead_code)] // every test file uses a different subset

use std::sync::Arc;
use std::time::Duration;

use accord_api::{router, AppState, TokenBook};
use accord_engine::{Engine, EngineConfig};
use accord_store::{SledStore, Stores};
use accord_webhooks::{WebhookConfig, Webhooks};
use axum::Router;

/// What may differ from the server's wiring.
pub struct Options {
    pub engine: EngineConfig,
    pub request_timeout: Duration,
    /// Signed checkpoints (without a key their routes answer 404).
    pub signer: bool,
    /// Webhooks with this configuration (None: their routes answer 404).
    pub webhooks: Option<WebhookConfig>,
}

impl Default for Options {
    /// As the server runs: default engine and timeout, a signing key, webhooks.
    fn default() -> Self {
        Options {
            engine: EngineConfig::default(),
            request_timeout: AppState::REQUEST_TIMEOUT,
            signer: true,
            webhooks: Some(WebhookConfig::default()),
        }
    }
}

/// A running application and its store.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The store itself, read directly to prove what a request changed.
    pub store: Arc<SledStore>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// As the server runs, with `admin` as the admin token.
    pub fn new(admin: &str) -> TestApp {
        TestApp::with(admin, Options::default())
    }

    /// With `options`, and `admin` as the admin token.
    pub fn with(admin: &str, options: Options) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let stores = Stores::of(store.clone());
        let engine = Engine::start(stores.log.clone(), stores.snapshots, options.engine).unwrap();
        let tokens = Arc::new(TokenBook::load(stores.meta).unwrap());
        tokens.bootstrap(Some(admin)).unwrap();
        let webhooks = options.webhooks.map(|config| {
            let log = engine.log().clone();
            Webhooks::start(log, stores.webhooks, engine.head(), config).unwrap()
        });
        let mut state = AppState::new(engine, tokens).with_request_timeout(options.request_timeout);
        if options.signer {
            state = state.with_signer(Arc::new(accord_audit::Signer::generate()));
        }
        if let Some(webhooks) = webhooks {
            state = state.with_webhooks(webhooks);
        }
        TestApp {
            router: router(state.clone()),
            state,
            store,
            _dir: dir,
        }
    }
}
