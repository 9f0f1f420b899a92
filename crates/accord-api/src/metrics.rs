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
    get, path = "/metrics", operation_id = "get_metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        body = String, content_type = "text/plain"))
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let engine = state.engine.clone();
    // Reading the snapshot positions touches sled: off the async workers.
    let mut text = tokio::task::spawn_blocking(move || engine.render_metrics())
        .await
        .unwrap_or_default();
    text.push_str(&render_access(&state.access.snapshot()));
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text)
}

/// The access audit's counters (failed authentications, refusals by kind).
fn render_access(access: &crate::access::AccessSnapshot) -> String {
    let mut out = String::new();
    out.push_str("# HELP accord_auth_failures_total Requests with a missing, unknown or revoked token (401).\n");
    out.push_str("# TYPE accord_auth_failures_total counter\n");
    out.push_str(&format!(
        "accord_auth_failures_total {}\n",
        access.auth_failures
    ));
    out.push_str(
        "# HELP accord_forbidden_total Requests a token's role or party did not allow (403).\n",
    );
    out.push_str("# TYPE accord_forbidden_total counter\n");
    out.push_str(&format!("accord_forbidden_total {}\n", access.forbidden));
    out.push_str(
        "# HELP accord_refusals_total Commands refused by a domain rule (422), by rule.\n",
    );
    out.push_str("# TYPE accord_refusals_total counter\n");
    for (rule, count) in &access.refused {
        out.push_str(&format!(
            "accord_refusals_total{{rule=\"{rule}\"}} {count}\n"
        ));
    }
    out
}
