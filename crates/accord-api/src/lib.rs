//! Accord's HTTP API, version 1 (its guide is docs/api-guide.md; the
//! OpenAPI document is generated from these types, [`openapi`]).
//!
//! [`router`] builds the whole application; each resource module has its own
//! `router()` and handlers that parse, call the engine or the read models,
//! and map the answer. Handlers reach the log only through the engine's
//! read side ([`accord_engine::Engine::log`]), never the store itself.
//!
//! - [`error`]: `ApiError` → `application/problem+json`.
//! - [`auth`]: bearer tokens, the acting [`accord_store::Actor`] and the
//!   route policy of each role (ADR 0016); `tokens`: their routes.
//! - [`access`]: counters of refused access (401, 403, 422 by rule).
//! - [`extract`]: JSON bodies and query parameters with clear errors.
//! - [`moment`]: `at` and `as_of`, and reading the models as of an instant.
//! - [`attachments`]: files stored and answered by their SHA-256, streamed (ADR 0030).
//! - `commands`, `parties`, `agreements`, `diff`, `events`, `reports`,
//!   `audit`, `checkpoints` (signed checkpoints, ADR 0012), `webhooks`
//!   (subscriptions and their delivery log, ADR 0015), `health`, `metrics`
//!   (Prometheus, ADR 0017): the routes; [`openapi`]: the generated document.

pub mod access;
mod agreements;
pub mod attachments;
mod audit;
pub mod auth;
mod checkpoints;
mod commands;
pub mod diff;
pub mod error;
pub mod events;
pub mod extract;
mod health;
mod metrics;
pub mod moment;
pub mod openapi;
mod parties;
pub mod positions;
mod reports;
pub mod tokens;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use accord_engine::Engine;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::{middleware, Router};
use serde::Serialize;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;

pub use access::{AccessCounters, AccessSnapshot};
pub use auth::{Bootstrap, TokenBook};
pub use commands::{audit_refusal, decode, request_hash, CommandRequest, CommandResult};
pub use error::{ApiError, Problem};
pub use openapi::ApiDoc;

/// What every handler shares: one allocation, so that the clone every
/// request makes of it (each layer and handler takes its own) is one atomic
/// increment, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The fields of [`AppState`], reached through it by `Deref`.
#[derive(Clone)]
pub struct Shared {
    pub engine: Engine,
    pub tokens: Arc<TokenBook>,
    /// The key checkpoints are signed with; None on servers without one
    /// (the checkpoint routes then answer 404).
    pub signer: Option<Arc<accord_audit::Signer>>,
    /// The webhook service; None on servers without one (its routes then answer 404).
    pub webhooks: Option<Arc<accord_webhooks::Webhooks>>,
    /// Attached files; None on servers without them (their routes then answer 404).
    pub attachments: Option<Arc<dyn accord_store::AttachmentStore>>,
    /// The size limit of one attachment, in bytes.
    pub attachment_max_bytes: u64,
    /// Refused access so far (401, 403, 422 by rule), for metrics.
    pub access: Arc<AccessCounters>,
    /// How long a request may take until its answer starts (503 after).
    pub request_timeout: Duration,
    /// Set when the server begins to shut down, so endless answers (SSE) end
    /// and graceful shutdown does not wait for their clients.
    shutdown: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// The default bound on a request's time until its answer starts.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

    /// The state of a server that is running.
    pub fn new(engine: Engine, tokens: Arc<TokenBook>) -> Self {
        Self(Arc::new(Shared {
            engine,
            tokens,
            signer: None,
            webhooks: None,
            attachments: None,
            attachment_max_bytes: attachments::DEFAULT_MAX_BYTES,
            access: Arc::new(AccessCounters::default()),
            request_timeout: Self::REQUEST_TIMEOUT,
            shutdown: Arc::new(watch::channel(false).0),
        }))
    }

    /// The same state, signing checkpoints with `signer`.
    pub fn with_signer(mut self, signer: Arc<accord_audit::Signer>) -> Self {
        Arc::make_mut(&mut self.0).signer = Some(signer);
        self
    }

    /// The same state, with webhooks.
    pub fn with_webhooks(mut self, webhooks: Arc<accord_webhooks::Webhooks>) -> Self {
        Arc::make_mut(&mut self.0).webhooks = Some(webhooks);
        self
    }

    /// The same state, keeping attachments in `store`, each at most `max_bytes`.
    pub fn with_attachments(
        mut self,
        store: Arc<dyn accord_store::AttachmentStore>,
        max_bytes: u64,
    ) -> Self {
        let shared = Arc::make_mut(&mut self.0);
        shared.attachments = Some(store);
        shared.attachment_max_bytes = max_bytes;
        self
    }

    /// The same state, bounding requests to `timeout`.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.0).request_timeout = timeout;
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

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A list answer: `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The whole application: `/v1` behind the bearer token and the route
/// policy of its role, health and the OpenAPI document open. Every answer
/// carries `X-Content-Type-Options: nosniff` and a `Cache-Control` (`no-store`
/// unless the route sets its own), and is bounded in time.
///
/// A resource added under `/v1` must be merged into `v1` below, so that
/// [`auth::require_token`] covers it; routes under an [`auth::ADMIN_ONLY`]
/// prefix (`/v1/tokens`, `/v1/webhooks`) are then admin-only by themselves.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .merge(commands::router())
        .merge(parties::router())
        .merge(agreements::router())
        .merge(attachments::router())
        .merge(diff::router())
        .merge(events::router())
        .merge(reports::router())
        .merge(audit::router())
        .merge(checkpoints::router())
        .merge(webhooks::router())
        .merge(tokens::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    Router::new()
        .merge(v1)
        .merge(health::router())
        .merge(metrics::router())
        .merge(openapi::router())
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|request: Request| async move {
            ApiError::MethodNotAllowed(request.method().to_string())
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            positions::positions,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), time_bound))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Bounds the time until an answer starts (reading the body included); a
/// streamed body (SSE) is not bounded once it has started. A command that
/// times out may still be appended: its `command_id` makes the retry safe.
async fn time_bound(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_s = limit.as_secs(), "request timed out");
            axum::response::IntoResponse::into_response(ApiError::Timeout(limit.as_secs()))
        }
    }
}
