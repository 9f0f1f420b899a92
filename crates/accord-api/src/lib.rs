//! Accord's HTTP API, version 1 (the contract is `shared/API.md`).
//!
//! [`router`] builds the whole application; each resource module has its own
//! `router()` and handlers that parse, call the engine or the read models,
//! and map the answer. No handler touches sled.
//!
//! - [`error`]: `ApiError` → `application/problem+json`.
//! - [`auth`]: bearer tokens and the acting [`accord_store::Actor`].
//! - [`extract`]: JSON bodies and query parameters with clear errors.
//! - [`moment`]: `at` and `as_of`, and reading the models as of an instant.
//! - `commands`, `parties`, `agreements`, `diff`, `events`, `reports`,
//!   `audit`, `checkpoints` (signed checkpoints, ADR 0012), `health`,
//!   `metrics` (Prometheus, ADR 0017): the routes; [`openapi`]: the
//!   generated document.

mod agreements;
mod audit;
pub mod auth;
mod checkpoints;
mod commands;
mod diff;
pub mod error;
mod events;
pub mod extract;
mod health;
mod metrics;
pub mod moment;
pub mod openapi;
mod parties;
mod reports;

use std::sync::Arc;

use accord_engine::Engine;
use axum::http::{header, HeaderValue};
use axum::{middleware, Router};
use serde::Serialize;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;

pub use auth::{Bootstrap, TokenBook};
pub use commands::{request_hash, CommandRequest, CommandResult};
pub use error::{ApiError, Problem};
pub use openapi::ApiDoc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub tokens: Arc<TokenBook>,
    /// The key checkpoints are signed with; None on servers without one
    /// (the checkpoint routes then answer 404).
    pub signer: Option<Arc<accord_audit::Signer>>,
    /// Set when the server begins to shut down, so endless answers (SSE) end
    /// and graceful shutdown does not wait for their clients.
    shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// The state of a server that is running.
    pub fn new(engine: Engine, tokens: Arc<TokenBook>) -> Self {
        Self {
            engine,
            tokens,
            signer: None,
            shutdown: Arc::new(watch::channel(false).0),
        }
    }

    /// The same state, signing checkpoints with `signer`.
    pub fn with_signer(mut self, signer: Arc<accord_audit::Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Tells endless answers to end: the server is shutting down.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once [`AppState::begin_shutdown`] was called.
    pub async fn shutting_down(&self) {
        let mut signal = self.shutdown.subscribe();
        let _ = signal.wait_for(|stopping| *stopping).await;
    }
}

/// A list answer: `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The whole application: `/v1` behind the bearer token, health and the
/// OpenAPI document open.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(commands::router())
        .merge(parties::router())
        .merge(agreements::router())
        .merge(diff::router())
        .merge(events::router())
        .merge(reports::router())
        .merge(audit::router())
        .merge(checkpoints::router())
        .route_layer(middleware::from_fn_with_state(
            state.tokens.clone(),
            auth::require_token,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .merge(v1)
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
