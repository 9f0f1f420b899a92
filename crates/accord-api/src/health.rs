//! `/healthz` (the process answers) and `/readyz` (the log is open and the
//! writer is running); no token needed.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
    /// The durable head position (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
}

/// Liveness
#[utoipa::path(get, path = "/healthz", operation_id = "check_liveness", tag = "operations", responses((status = 200, body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        position: None,
    })
}

/// Readiness
#[utoipa::path(
    get, path = "/readyz", operation_id = "check_readiness", tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    if state.engine.is_stopped() {
        return Err(ApiError::Unavailable("the writer has stopped".into()));
    }
    Ok(Json(Health {
        status: "ready",
        position: Some(state.engine.log().head().position),
    }))
}
