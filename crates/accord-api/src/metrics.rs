//! `GET /metrics`: the engine's figures for Prometheus; no token needed
//! (ADR 0017: scrapers rarely carry one, and the figures hold no business
//! data — counts, sizes and durations only).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// The Prometheus text exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Metrics
///
/// Commands by type and outcome, batch sizes, append (flush + fdatasync)
/// latency, queue depth, events in the log, projection and snapshot lag, in
/// the Prometheus text format.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        body = String, content_type = "text/plain"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let engine = state.engine.clone();
    // Reading the snapshot positions touches sled: off the async workers.
    let text = tokio::task::spawn_blocking(move || engine.render_metrics())
        .await
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text)
}
