//! `/healthz` (the process answers) and `/readyz` (the log is open and the
//! writer is running; whether the disk reserve refuses commands; on
//! PostgreSQL whether the node reaches the database and how far behind its
//! head it is); no token needed.

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
    /// Bytes free on the data folder's file system (readiness only, when a
    /// disk reserve is kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_free_bytes: Option<u64>,
    /// True while commands are refused with 507 because less than the disk
    /// reserve is free; reads are served (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_full: Option<bool>,
    /// The last position applied to this node's read models: what its
    /// reads reflect (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<u64>,
    /// On PostgreSQL: whether this node reaches the database (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_reachable: Option<bool>,
    /// On PostgreSQL: the database's head position as last seen (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_position: Option<u64>,
    /// On PostgreSQL: how many positions this node's read models are
    /// behind the database's head as last seen (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag: Option<u64>,
    /// Whether this node delivers webhooks now: always on sled; on
    /// PostgreSQL while it holds the webhook lease (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks_delivering: Option<bool>,
}

/// Liveness
#[utoipa::path(get, path = "/healthz", operation_id = "check_liveness", tag = "operations", responses((status = 200, body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        position: None,
        disk_free_bytes: None,
        disk_full: None,
        applied: None,
        database_reachable: None,
        database_position: None,
        lag: None,
        webhooks_delivering: None,
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
    let disk = state.engine.disk_state();
    let applied = *state.engine.head().borrow();
    let reach = state.engine.log().reach();
    Ok(Json(Health {
        status: "ready",
        position: Some(state.engine.log().head().position),
        disk_free_bytes: disk.map(|d| d.free_bytes),
        disk_full: disk.map(|d| d.is_full()),
        applied: Some(applied),
        database_reachable: reach.map(|r| r.reachable),
        database_position: reach.map(|r| r.head),
        lag: reach.map(|r| r.head.saturating_sub(applied)),
        webhooks_delivering: state.webhooks.as_ref().map(|w| w.delivering()),
    }))
}
