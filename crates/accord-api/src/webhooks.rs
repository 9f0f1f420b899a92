//! `/v1/webhooks`: subscriptions, secret rotation, the delivery log, replay
//! and resend (admin only; ADR 0015). Handlers parse and call
//! [`accord_webhooks::Webhooks`]; delivery happens in its dispatchers.

use std::sync::Arc;

use accord_webhooks::{
    Delivery, DeliveryState, NewSubscription, SubscriptionView, WebhookError, Webhooks,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, Params, PathParam};
use crate::{AppState, Items};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks", post(create).get(list))
        .route("/v1/webhooks/{id}", get(one).delete(delete))
        .route("/v1/webhooks/{id}/rotate-secret", post(rotate_secret))
        .route("/v1/webhooks/{id}/enable", post(enable))
        .route("/v1/webhooks/{id}/disable", post(disable))
        .route("/v1/webhooks/{id}/deliveries", get(deliveries))
        .route("/v1/webhooks/{id}/replay", post(replay))
        .route(
            "/v1/webhooks/{id}/deliveries/{position}/resend",
            post(resend),
        )
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            e @ (WebhookError::NotFound(_) | WebhookError::NoDelivery(..)) => {
                ApiError::NotFound(e.to_string())
            }
            WebhookError::Invalid { field, message } => ApiError::field(field, message),
            WebhookError::Refused(refusal) => ApiError::Refused {
                rule: refusal.rule,
                detail: refusal.detail,
            },
            WebhookError::Store(e) => e.into(),
        }
    }
}

/// The service, or a 404 on a server started without webhooks (API tests of other routes).
fn service(state: &AppState) -> Result<Arc<Webhooks>, ApiError> {
    state
        .webhooks
        .clone()
        .ok_or_else(|| ApiError::NotFound("this server has no webhooks".into()))
}

fn webhook_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("no webhook subscription {raw}")))
}

/// A created subscription, with its secret (shown once).
#[derive(Serialize)]
pub(crate) struct Created {
    #[serde(flatten)]
    subscription: SubscriptionView,
    secret: String,
}

/// Create a subscription (admin only)
///
/// The URL must be http(s) and, unless the server runs with
/// `--webhook-allow-private`, resolve to public addresses only (422 with
/// `rule` `webhook_url_private_address`, `webhook_url_scheme`,
/// `webhook_url_invalid` or `webhook_url_unresolvable`). The subscription
/// receives the events appended after its creation. The secret is shown once.
#[utoipa::path(
    post, path = "/v1/webhooks", operation_id = "create_webhook", tag = "webhooks",
    request_body = crate::openapi::NewWebhookSchema,
    responses(
        (status = 201, body = crate::openapi::CreatedWebhookSchema, links(
            ("webhook" = (operation_id = "get_webhook", parameters(("id" = "$response.body#/id")), description = "The new subscription")),
            ("deliveries" = (operation_id = "list_deliveries", parameters(("id" = "$response.body#/id")), description = "Its delivery log")),
            ("rotate" = (operation_id = "rotate_webhook_secret", parameters(("id" = "$response.body#/id")), description = "A new secret for it")),
            ("enable" = (operation_id = "enable_webhook", parameters(("id" = "$response.body#/id")), description = "Enable it")),
            ("replay" = (operation_id = "replay_webhook", parameters(("id" = "$response.body#/id")), description = "Replay its deliveries")),
            ("delete" = (operation_id = "delete_webhook", parameters(("id" = "$response.body#/id")), description = "Delete it")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused by the SSRF guard", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new: NewSubscription = serde_path_to_error::deserialize(body)
        .map_err(|e| ApiError::field(e.path().to_string(), e.inner().to_string()))?;
    let (subscription, secret) = service(&state)?.create(new).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            subscription,
            secret,
        }),
    ))
}

/// List subscriptions (admin only)
#[utoipa::path(
    get, path = "/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks",
    responses(
        (status = 200, body = crate::openapi::WebhookListSchema, links(
            ("webhook" = (operation_id = "get_webhook", parameters(("id" = "$response.body#/items/0/id")), description = "The first subscription listed")),
            ("deliveries" = (operation_id = "list_deliveries", parameters(("id" = "$response.body#/items/0/id")), description = "Its delivery log")),
        )),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The server has no webhooks", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Items<SubscriptionView>>, ApiError> {
    let items = service(&state)?.list().await?;
    Ok(Json(Items { items }))
}

/// One subscription, without its secret (admin only)
#[utoipa::path(
    get, path = "/v1/webhooks/{id}", operation_id = "get_webhook", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = crate::openapi::WebhookSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn one(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<SubscriptionView>, ApiError> {
    Ok(Json(service(&state)?.get(webhook_id(&id)?).await?))
}

/// Delete a subscription and its delivery log (admin only)
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<StatusCode, ApiError> {
    service(&state)?.delete(webhook_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret: `{"secret": "whsec_…"}`, shown once.
#[derive(Serialize)]
pub(crate) struct NewSecret {
    secret: String,
}

/// Rotate the secret (admin only)
///
/// Issues a new secret. For 24 hours every delivery carries two signatures,
/// space-separated in `webhook-signature` (the new secret's first), then only
/// the new one.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/rotate-secret", operation_id = "rotate_webhook_secret", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = crate::openapi::SecretSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn rotate_secret(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<NewSecret>, ApiError> {
    let secret = service(&state)?.rotate_secret(webhook_id(&id)?).await?;
    Ok(Json(NewSecret { secret }))
}

/// Enable a disabled subscription (admin only)
///
/// A subscription whose every attempt failed for the configured period
/// (`--webhook-disable-after`, default 5 days) is disabled; enabling it
/// resumes delivery at its cursor.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/enable", operation_id = "enable_webhook", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = crate::openapi::WebhookSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn enable(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<SubscriptionView>, ApiError> {
    Ok(Json(service(&state)?.enable(webhook_id(&id)?).await?))
}

/// Disable a subscription (admin only)
///
/// Nothing is delivered to it until it is enabled again; its cursor stays
/// where it is, so enabling it delivers what was recorded meanwhile, in order.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/disable", operation_id = "disable_webhook", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, body = crate::openapi::WebhookSchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> Result<Json<SubscriptionView>, ApiError> {
    Ok(Json(service(&state)?.disable(webhook_id(&id)?).await?))
}

/// A page of the delivery log.
#[derive(Serialize)]
pub(crate) struct DeliveryPage {
    items: Vec<Delivery>,
    /// Pass as `after` for the next page; absent on the last page.
    next_after: Option<u64>,
}

/// The delivery log (admin only)
///
/// Deliveries in log order with every attempt (time, status code, error,
/// duration, the first 1 KiB of the answer). `state` filters
/// (`pending`, `succeeded`, `failed`); `after` and `limit` page (default 100, at most 1,000).
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", operation_id = "list_deliveries", tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid),
        ("state" = Option<crate::openapi::DeliveryStateSchema>, Query, description = "Only deliveries in this state"),
        ("after" = Option<u64>, Query, description = "Only deliveries of positions after this one"),
        ("limit" = Option<usize>, Query, minimum = 1, description = "Page size (default 100; more than 1000 reads as 1000)"),
    ),
    responses(
        (status = 200, body = crate::openapi::DeliveryPageSchema, links(
            ("resend" = (operation_id = "resend_delivery", parameters(("id" = "$request.path.id"), ("position" = "$response.body#/items/0/position")), description = "Resend the first delivery listed")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<DeliveryPage>, ApiError> {
    let wanted = params.parse::<DeliveryState>("state", "pending, succeeded or failed")?;
    let after = params.parse::<u64>("after", "a position")?.unwrap_or(0);
    let limit = params.limit(100, 1000)?;
    let service = service(&state)?;
    let items = service
        .deliveries(webhook_id(&id)?, after, limit, wanted)
        .await?;
    let next_after = (items.len() == limit)
        .then(|| items.last().map(|d| d.position))
        .flatten();
    Ok(Json(DeliveryPage { items, next_after }))
}

/// Replay from a position (admin only)
///
/// `{"from_position": N}`: the subscription's dispatcher goes back and
/// delivers again, in order, every matching event from position N on (with
/// the same `webhook-id`s), then carries on with new events.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/replay", operation_id = "replay_webhook", tag = "webhooks",
    params(("id" = String, Path, format = Uuid)),
    request_body = crate::openapi::ReplaySchema,
    responses(
        (status = 202, description = "The replay is queued"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn replay(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let from = body
        .get("from_position")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| ApiError::field("from_position", "must be a non-negative integer"))?;
    service(&state)?.replay(webhook_id(&id)?, from).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Resend one delivery now (admin only)
///
/// One immediate attempt of the delivery at `position`, outside the
/// subscription's order, added to its log; answers the delivery.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/deliveries/{position}/resend", operation_id = "resend_delivery", tag = "webhooks",
    params(("id" = String, Path, format = Uuid), ("position" = u64, Path)),
    responses(
        (status = 200, body = crate::openapi::DeliverySchema),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin token", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(webhook_id = %id))]
pub(crate) async fn resend(
    State(state): State<AppState>,
    PathParam((id, position)): PathParam<(String, String)>,
) -> Result<Json<Delivery>, ApiError> {
    let position: u64 = position
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no delivery at position {position}")))?;
    Ok(Json(
        service(&state)?.resend(webhook_id(&id)?, position).await?,
    ))
}
