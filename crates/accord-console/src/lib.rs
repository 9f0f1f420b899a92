//! The Accord Console: the web interface `accord serve` answers at `/`, for
//! the secretariats (writer tokens bound to a party), auditors, analysts and
//! administrators. Pages are hypermedia: the server renders HTML from the
//! same read models as the JSON API, the browser only shows it; nothing
//! needs JavaScript.
//!
//! # Layout
//!
//! One module per concern, one per page area (as Kanidm's web UI):
//!
//! - [`i18n`]: languages, the catalogues (`i18n/vi/*.ftl`, `i18n/en/*.ftl`),
//!   dates as each language writes them.
//! - [`session`]: sign-in sessions kept on the server, their cookie, expiry
//!   and revocation; the signed-in [`Viewer`].
//! - [`csrf`]: the Origin check on every unsafe request and the per-session
//!   token every form carries ([`csrf::CsrfForm`]).
//! - [`context`]: the middleware that resolves each request's language and
//!   session into a [`Ui`] and renders failures as HTML pages; the security
//!   headers (CSP) of every answer.
//! - [`ui`]: what every page template receives — translation, formatting,
//!   the navbar by role, the language switch; [`error`]: [`PageError`].
//! - [`time_travel`]: the business-date / "as known at" control and the
//!   step through an agreement's history; [`paging`]: page links.
//! - [`forms`]: the forms that issue commands through the engine, their
//!   command ids, refusals shown at their fields, who sees which.
//! - [`log`]: the only module that reads the event log itself (histories,
//!   recent events); everything else reads the read models.
//! - [`assets`]: the style sheets, the icon and `live.js`, embedded with
//!   `include_bytes!`.
//! - [`live`]: `/live`, the Server-Sent Events that keep the home page and
//!   an agreement's page up to date without a reload.
//! - [`import`]: reading an uploaded spreadsheet of exchanges into
//!   commands, their deterministic ids, the template (ADR 0028).
//! - [`chart`]: bar charts drawn on the server as SVG; [`receipt`]: the
//!   signed receipts printed and downloaded views carry (ADR 0027).
//! - `pages`: one module per page area (`home`, `sign_in`, `agreements`,
//!   `agreement`, `diff`, `parties`, `docs`, `reports`, `audit`, `admin`,
//!   `import`), each with its `router()`.
//!
//! Templates live in `templates/` and are compiled in by askama: a page is a
//! struct deriving `Template` with a `ui: Ui` field, extending `base.html`.
//! ADR 0026 records the design; docs/console.md is the guide for people.

pub mod assets;
pub mod chart;
pub mod context;
pub mod csrf;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod import;
pub mod live;
pub mod log;
mod pages;
pub mod paging;
pub mod receipt;
pub mod session;
pub mod time_travel;
pub mod ui;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use accord_api::AppState;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::{middleware, Router};
use tower::ServiceExt;

pub use error::PageError;
pub use session::Viewer;
pub use ui::Ui;

/// How the console runs: cookies and session lifetimes.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Mark cookies `Secure` on every answer: set when the console is served
    /// over HTTPS by a proxy in front of it (ADR 0026). Without it, cookies
    /// are `Secure` only on requests that carry `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_max: Duration,
}

impl ConsoleConfig {
    /// Default idle limit: 30 minutes.
    pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
    /// Default absolute limit: 12 hours, a working day.
    pub const SESSION_MAX: Duration = Duration::from_secs(12 * 3600);
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_idle: Self::SESSION_IDLE,
            session_max: Self::SESSION_MAX,
        }
    }
}

/// What every console handler shares: the API's state (engine, tokens),
/// the sessions and the configuration.
#[derive(Clone)]
pub struct Console(Arc<Shared>);

/// The fields of [`Console`], reached through it by `Deref`.
pub struct Shared {
    /// The engine, the token book and the rest of the API's state.
    pub app: AppState,
    /// Signed-in sessions.
    pub sessions: session::Sessions,
    /// Cookies and session lifetimes.
    pub config: ConsoleConfig,
    /// Spreadsheets uploaded for import, kept until committed or expired.
    pub(crate) imports: pages::import::Uploads,
}

impl Console {
    /// The console over a running server's state.
    pub fn new(app: AppState, config: ConsoleConfig) -> Self {
        let sessions = session::Sessions::new(config.session_idle, config.session_max);
        Self(Arc::new(Shared {
            app,
            sessions,
            config,
            imports: Default::default(),
        }))
    }
}

impl std::ops::Deref for Console {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The console's pages and assets in front of `api`, the JSON API's router:
/// a request no console route matches goes to `api`, so `/v1`, health,
/// metrics and the OpenAPI document answer exactly as without the console
/// (and pay nothing for it: no session is looked up for them). When `api`
/// answers 404 outside `/v1`, the person gets the console's HTML "not
/// found" page in their language instead of a problem document.
pub fn router(console: Console, api: Router) -> Router {
    // The last layer added runs first: headers on everything, then the
    // page context (language, session, error pages), then the Origin check.
    let pages = pages::router()
        .merge(assets::router())
        .route_layer(middleware::from_fn_with_state(
            console.clone(),
            csrf::guard_origin,
        ))
        .route_layer(middleware::from_fn_with_state(
            console.clone(),
            context::page_context,
        ))
        .route_layer(middleware::from_fn(context::security_headers));
    Router::new()
        .merge(pages)
        .fallback(move |state: State<Console>, request: Request| {
            let api = api.clone();
            async move { not_ours(state, api, request).await }
        })
        .with_state(console)
}

/// Hands a request no console route matched to the API; an API 404 outside
/// `/v1` becomes the console's not-found page.
async fn not_ours(State(console): State<Console>, api: Router, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/v1" || path.starts_with("/v1/") {
        return forward(api, request).await;
    }
    let (parts, body) = request.into_parts();
    let response = forward(api, Request::from_parts(parts.clone(), body)).await;
    if response.status() != axum::http::StatusCode::NOT_FOUND {
        return response;
    }
    context::failure_page(&console, &parts, PageError::NotFound)
}

async fn forward(api: Router, request: Request) -> Response {
    match api.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
