//! `GET /v1/audit/verify`: the hash chain and the files it names, checked online.

use accord_store::{verify_named_files, NamedFilesVerification, Verification};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::error::{ApiError, Problem};
use crate::extract::Params;
use crate::moment::Moment;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/audit/verify", get(verify))
}

/// The chain's verification and, on a server keeping attachments, the
/// files its events name.
#[derive(Debug, Serialize)]
pub(crate) struct AuditVerification {
    #[serde(flatten)]
    chain: Verification,
    files: Option<NamedFilesVerification>,
}

/// Verify the log
///
/// Recomputes every hash of the chain from the stored bytes, and re-hashes
/// every file a verified event names (`DocumentAttached`). `ok: false`
/// when either fails: `first_bad_position` names the first position that
/// does not verify; `files.faults` each event naming a missing or altered
/// file. With `as_of`, checks the log as it stood at that instant (`at`
/// does not apply: the chain covers every fact).
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
) -> Result<Json<AuditVerification>, ApiError> {
    let moment = Moment::from_params(&params)?;
    let up_to = moment.cut(&state.engine)?;
    let log = state.engine.log().clone();
    let files = state.attachments.clone();
    let verification = tokio::task::spawn_blocking(move || {
        let mut chain = log.verify(up_to)?;
        let files = match files {
            Some(files) => Some(verify_named_files(&log, files.as_ref(), chain.events)?),
            None => None,
        };
        chain.ok &= files.as_ref().is_none_or(|f| f.ok);
        Ok::<_, accord_store::StoreError>(AuditVerification { chain, files })
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(verification))
}
