//! `GET /v1/audit/verify`: the hash chain, checked online.

use accord_store::Verification;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::error::{ApiError, Problem};
use crate::extract::Params;
use crate::moment::Moment;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/verify", get(verify))
}

/// Verify the log
///
/// Recomputes every hash of the chain from the stored bytes. `ok: false`
/// names the first position that does not verify. With `as_of`, checks the
/// log as it stood at that instant (`at` does not apply: the chain covers
/// every fact).
#[utoipa::path(
    get, path = "/v1/audit/verify", operation_id = "verify_chain", tag = "audit",
    params(crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = crate::openapi::VerificationSchema),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Verification>, ApiError> {
    let moment = Moment::from_params(&params)?;
    let up_to = moment.cut(&state.engine)?;
    let log = state.engine.log().clone();
    let verification = tokio::task::spawn_blocking(move || log.verify(up_to))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(verification))
}
