//! Parties: `GET /v1/parties`, `GET /v1/parties/{party_id}`.

use accord_domain::PartyId;
use accord_projections::{PartyDetail, PartyView};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::error::{ApiError, Problem};
use crate::extract::{Params, PathParam};
use crate::moment::Moment;
use crate::{AppState, Items};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/parties", get(list))
        .route("/v1/parties/{party_id}", get(one))
}

/// List parties
///
/// Every registered party, with its name, short name, kind and province in
/// force on `at` (registration has no business date: `at` hides none;
/// `as_of` does).
#[utoipa::path(
    get, path = "/v1/parties", operation_id = "list_parties", tag = "reads",
    params(crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = Items<PartyView>, links(
            ("party" = (operation_id = "get_party", parameters(("party_id" = "$response.body#/items/0/party_id")), description = "The first party listed")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Items<PartyView>>, ApiError> {
    let moment = Moment::from_params(&params)?;
    let items = moment
        .with_models(&state.engine, |m, at| m.parties_at(at))
        .await?;
    Ok(Json(Items { items }))
}

/// Get a party
///
/// The party and the agreements it is a party of on `at`.
#[utoipa::path(
    get, path = "/v1/parties/{party_id}", operation_id = "get_party", tag = "reads",
    params(("party_id" = PartyId, Path, description = "The party's slug"), crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = PartyDetail, links(
            ("agreement" = (operation_id = "get_agreement", parameters(("id" = "$response.body#/agreements/0")), description = "The party's first agreement")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    PathParam(party_id): PathParam,
    params: Params,
) -> Result<Json<PartyDetail>, ApiError> {
    let id = PartyId::parse(&party_id).map_err(|e| ApiError::field("party_id", e.to_string()))?;
    let moment = Moment::from_params(&params)?;
    let found = moment
        .with_models(&state.engine, move |m, at| m.party(&id, at))
        .await?;
    found
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("party `{party_id}` is not known at that time")))
}
