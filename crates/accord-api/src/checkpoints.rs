//! Signed checkpoints (ADR 0012): the service's public key, a checkpoint of
//! the head, and the check of a checkpoint an auditor kept.

use std::sync::Arc;

use accord_audit::{verify_checkpoint, AuditError, Checkpoint, CheckpointCheck, PublicKey, Signer};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit/public-key", get(public_key))
        .route("/v1/audit/checkpoint", get(checkpoint))
        .route("/v1/audit/verify-checkpoint", post(verify))
}

/// The signer, or a 404 on a server started without one (tests of other routes).
fn signer(state: &AppState) -> Result<Arc<Signer>, ApiError> {
    state
        .signer
        .clone()
        .ok_or_else(|| ApiError::NotFound("this server has no signing key".into()))
}

/// The service's public key
///
/// The Ed25519 key checkpoints are signed with, in base64 and hex. Keep it
/// with your checkpoints: `accord verify --public-key` checks them against it.
#[utoipa::path(
    get, path = "/v1/audit/public-key", operation_id = "get_public_key", tag = "audit",
    responses(
        (status = 200, body = crate::openapi::PublicKeySchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The server has no signing key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn public_key(State(state): State<AppState>) -> Result<Json<PublicKey>, ApiError> {
    Ok(Json(signer(&state)?.public_key()))
}

/// A signed checkpoint of the head
///
/// Signs the durable head: its position, hash and `recorded_at`. Kept outside
/// the machine, it later proves that the log up to that position was not
/// rewritten, even consistently (`POST /v1/audit/verify-checkpoint`).
#[utoipa::path(
    get, path = "/v1/audit/checkpoint", operation_id = "get_checkpoint", tag = "audit",
    responses(
        (status = 200, body = crate::openapi::CheckpointSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The log is empty, or the server has no signing key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn checkpoint(
    State(state): State<AppState>,
) -> Result<Json<Checkpoint>, ApiError> {
    let head = state.engine.log().head();
    signer(&state)?.checkpoint(&head).map(Json).ok_or_else(|| {
        ApiError::NotFound("the log is empty: there is nothing to checkpoint".into())
    })
}

/// Check a kept checkpoint
///
/// Verifies the signature with the service's key, then that the stored chain
/// verifies from position 1 to the checkpoint's position and has the
/// checkpoint's hash there. A well-formed checkpoint that fails answers 200
/// with `ok: false` and a `reason`, like `GET /v1/audit/verify`.
#[utoipa::path(
    post, path = "/v1/audit/verify-checkpoint", operation_id = "verify_checkpoint", tag = "audit",
    request_body = crate::openapi::CheckpointSchema,
    responses(
        (status = 200, body = crate::openapi::CheckpointCheckSchema),
        (status = 400, description = "Not a checkpoint", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The server has no signing key", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<CheckpointCheck>, ApiError> {
    let checkpoint: Checkpoint = serde_path_to_error::deserialize(body)
        .map_err(|e| ApiError::field(e.path().to_string(), e.inner().to_string()))?;
    let key = signer(&state)?.verifying_key();
    let log = state.engine.log().clone();
    let check = tokio::task::spawn_blocking(move || verify_checkpoint(&log, &checkpoint, &key))
        .await
        .map_err(ApiError::internal)?;
    check.map(Json).map_err(|error| match error {
        AuditError::Malformed { what, detail } => ApiError::field(what, detail),
        other => ApiError::internal(other),
    })
}
