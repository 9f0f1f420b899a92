//! Agreements: list, one (with its `ETag`), its exchanges and its history.

use accord_domain::{AgreementId, AreaId, PartyId};
use accord_projections::{
    AgreementFilter, AgreementStatus, AgreementView, ExchangeQuery, ExchangeView,
};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{Params, PathParam};
use crate::moment::Moment;
use crate::{AppState, Items};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/agreements", get(list))
        .route("/v1/agreements/{id}", get(one))
        .route("/v1/agreements/{id}/exchanges", get(exchanges))
        .route("/v1/agreements/{id}/history", get(history))
}

fn agreement_id(raw: &str) -> Result<AgreementId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field("id", format!("`{raw}` is not a UUID")))
}

fn not_found(id: AgreementId) -> ApiError {
    ApiError::NotFound(format!("agreement {id} is not known at that time"))
}

/// List agreements
///
/// Agreements signed by `at`, with their status on that date; optionally
/// only those a party belongs to, or those in a status.
#[utoipa::path(
    get, path = "/v1/agreements", operation_id = "list_agreements", tag = "reads",
    params(
        ("party" = Option<PartyId>, Query, description = "Only agreements this party is a party of on `at`"),
        ("status" = Option<AgreementStatus>, Query, description = "Only agreements in this status on `at`"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = Items<AgreementView>, links(
            ("agreement" = (operation_id = "get_agreement", parameters(("id" = "$response.body#/items/0/agreement_id")), description = "The first agreement listed")),
            ("exchanges" = (operation_id = "list_exchanges", parameters(("id" = "$response.body#/items/0/agreement_id")), description = "The first agreement listed: its exchanges")),
            ("history" = (operation_id = "get_agreement_history", parameters(("id" = "$response.body#/items/0/agreement_id")), description = "The first agreement listed: its history")),
            ("diff" = (operation_id = "diff_agreement", parameters(("id" = "$response.body#/items/0/agreement_id")), description = "The first agreement listed: what changed in it")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Items<AgreementView>>, ApiError> {
    let moment = Moment::from_params(&params)?;
    let filter = AgreementFilter {
        party: params.parse::<PartyId>("party", "a party id")?,
        status: match params.text("status") {
            None => None,
            Some(raw) => Some(
                serde_json::from_value(Value::String(raw.to_owned()))
                    .map_err(|_| ApiError::field("status", format!("`{raw}` is not a status")))?,
            ),
        },
    };
    let items = moment
        .with_models(&state.engine, move |m, at| m.agreements(at, &filter))
        .await?;
    Ok(Json(Items { items }))
}

/// Get an agreement
///
/// The agreement as it stood on `at`, as known at `as_of`. `ETag` is its
/// stream version.
#[utoipa::path(
    get, path = "/v1/agreements/{id}", operation_id = "get_agreement", tag = "reads",
    params(("id" = String, Path, format = Uuid), crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = AgreementView, headers(("ETag" = String, description = "The agreement's version, quoted"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Response, ApiError> {
    let id = agreement_id(&id)?;
    let moment = Moment::from_params(&params)?;
    let view = moment
        .with_models(&state.engine, move |m, at| m.agreement(id, at))
        .await?
        .ok_or_else(|| not_found(id))?;
    let etag =
        HeaderValue::from_str(&format!("\"{}\"", view.version)).map_err(ApiError::internal)?;
    Ok(([(header::ETAG, etag)], Json(view)).into_response())
}

/// List an agreement's exchanges
///
/// Exchanges that occurred by `at`, as last corrected, with their status
/// (`recorded`, `corrected`, `retracted`).
#[utoipa::path(
    get, path = "/v1/agreements/{id}/exchanges", operation_id = "list_exchanges", tag = "reads",
    params(
        ("id" = String, Path, format = Uuid),
        ("from" = Option<String>, Query, format = Date, description = "Occurred on or after"),
        ("to" = Option<String>, Query, format = Date, description = "Occurred on or before"),
        ("area" = Option<AreaId>, Query, description = "Only this area"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = Items<ExchangeView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn exchanges(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<Items<ExchangeView>>, ApiError> {
    let id = agreement_id(&id)?;
    let moment = Moment::from_params(&params)?;
    let query = ExchangeQuery {
        from: params.date("from")?,
        to: params.date("to")?,
        area: params.parse::<AreaId>("area", "an area slug")?,
    };
    let items = moment
        .with_models(&state.engine, move |m, at| m.exchanges(id, at, &query))
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Json(Items { items }))
}

/// A page of an agreement's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// Event envelopes, oldest first.
    #[schema(value_type = Vec<crate::openapi::EnvelopeSchema>)]
    pub items: Vec<Value>,
    /// The stream version to pass as `after` for the next page; null at the end.
    pub next_after: Option<u64>,
}

/// Get an agreement's history
///
/// The audit trail: every event of the agreement, oldest first, with its
/// hashes. `at` keeps the events effective by that date; `as_of` those
/// recorded by that instant. Paged by stream version (`after`, `limit`).
#[utoipa::path(
    get, path = "/v1/agreements/{id}/history", operation_id = "get_agreement_history", tag = "audit",
    params(
        ("id" = String, Path, format = Uuid),
        ("after" = Option<u64>, Query, description = "Stream version to start after"),
        ("limit" = Option<usize>, Query, minimum = 1, description = "Page size (default 1000; more than 10000 reads as 10000)"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = HistoryPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn history(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<HistoryPage>, ApiError> {
    let id = agreement_id(&id)?;
    let moment = Moment::from_params(&params)?;
    let after = params.parse::<u64>("after", "a version")?.unwrap_or(0);
    let limit = params.limit(1000, 10_000)?;
    let exists = moment
        .with_models(&state.engine, move |m, at| m.agreement(id, at).is_some())
        .await?;
    let cut = moment.cut(&state.engine)?.unwrap_or(u64::MAX);
    let at = moment.at.to_string();
    let stream = format!("agreement:{id}");
    let voids = crate::events::Voids::known_at(&state.engine, cut);
    // An agreement whose signature was voided is in no view, but its
    // history (the signature marked `voided_by`, then the void) is still
    // the auditor's to read.
    if !exists && !signature_voided(&state, &stream, cut, &at, &voids)? {
        return Err(not_found(id));
    }
    // One more than the page tells whether another page follows.
    let mut events = state.engine.log().read_stream(&stream, after, limit + 1)?;
    let more = events.len() > limit;
    events.truncate(limit);
    let next_after = events.last().map(|e| e.envelope.version).filter(|_| more);
    let items = events
        .iter()
        .filter(|e| e.envelope.position <= cut)
        .filter(|e| {
            e.envelope
                .effective_on
                .as_deref()
                .is_none_or(|d| d <= at.as_str())
        })
        .map(|e| voids.envelope(state.engine.log(), e))
        .collect::<Result<_, _>>()?;
    Ok(Json(HistoryPage { items, next_after }))
}

/// Whether the stream's first event (the signature) was recorded by the
/// cut, dated by `at`, and voided by the cut.
fn signature_voided(
    state: &AppState,
    stream: &str,
    cut: u64,
    at: &str,
    voids: &crate::events::Voids,
) -> Result<bool, ApiError> {
    let first = state.engine.log().read_stream(stream, 0, 1)?;
    Ok(first.first().is_some_and(|e| {
        e.envelope.position <= cut
            && e.envelope.effective_on.as_deref().is_none_or(|d| d <= at)
            && voids.voided(e.envelope.position)
    }))
}
