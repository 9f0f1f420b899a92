//! The OpenAPI document, generated from the handlers' annotations and the
//! very types that parse requests and render answers. Served at
//! `GET /openapi.json`.

use std::collections::BTreeMap;

use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    // The document changes only with the binary: caches may keep it briefly.
    let cache = [(header::CACHE_CONTROL, "public, max-age=300")];
    Router::new().route(
        "/openapi.json",
        get(|| async move { (cache, Json(ApiDoc::openapi())) }),
    )
}

/// `at`: the business date a read looks at.
#[derive(IntoParams)]
#[into_params(names("at"), parameter_in = Query)]
pub(crate) struct At(
    /// Business date `YYYY-MM-DD`: only facts effective on or before it (default: today).
    #[param(format = Date)]
    #[allow(dead_code)]
    Option<String>,
);

/// `as_of`: the knowledge instant a read looks at.
#[derive(IntoParams)]
#[into_params(names("as_of"), parameter_in = Query)]
pub(crate) struct AsOf(
    /// RFC 3339 instant: only events recorded at or before it (default: now).
    #[param(format = DateTime)]
    #[allow(dead_code)]
    Option<String>,
);

/// The actor of an event: the token that issued its command.
#[derive(Serialize, ToSchema)]
pub struct ActorSchema {
    pub token_id: String,
    pub role: String,
    pub party_id: Option<String>,
}

/// An event envelope, as stored and as served.
#[derive(Serialize, ToSchema)]
pub struct EnvelopeSchema {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub schema: u32,
    #[schema(format = DateTime)]
    pub recorded_at: String,
    #[schema(format = Date)]
    pub effective_on: Option<String>,
    pub actor: ActorSchema,
    #[schema(format = Uuid)]
    pub command_id: String,
    pub correlation_id: Option<String>,
    /// The event's data; its shape depends on `type` (see `Event`).
    #[schema(value_type = Object)]
    pub data: BTreeMap<String, serde_json::Value>,
    /// Hex SHA-256 of the previous event (64 zeros for position 1).
    pub prev_hash: String,
    /// Hex SHA-256 of `prev_hash` ‖ the stored bytes of this event.
    pub hash: String,
}

/// The result of checking the hash chain.
#[derive(Serialize, ToSchema)]
pub struct VerificationSchema {
    pub ok: bool,
    /// Events that verified.
    pub events: u64,
    /// Hash of the last event that verified.
    pub head_hash: String,
    /// The first position that does not verify (when `ok` is false).
    pub first_bad_position: Option<u64>,
    /// Why it does not verify.
    pub reason: Option<String>,
}

/// The service's Ed25519 public key.
#[derive(Serialize, ToSchema)]
pub struct PublicKeySchema {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// Base64 of the 32-byte key.
    pub public_key: String,
    /// The same key in lowercase hex.
    pub public_key_hex: String,
}

/// A signed checkpoint: the event at `position` has hash `head_hash`.
#[derive(Serialize, ToSchema)]
pub struct CheckpointSchema {
    pub position: u64,
    /// Lowercase hex chain hash of the event at `position`.
    pub head_hash: String,
    /// When that event was recorded.
    #[schema(format = DateTime)]
    pub recorded_at: String,
    /// Base64 Ed25519 signature of
    /// `accord-checkpoint-v1\n{position}\n{head_hash}\n{recorded_at}`.
    pub signature: String,
    /// `Ed25519` (optional on input).
    pub algorithm: Option<String>,
    /// Base64 public key of the signer (informative; optional on input).
    pub public_key: Option<String>,
}

/// The result of checking a checkpoint against the stored chain.
#[derive(Serialize, ToSchema)]
pub struct CheckpointCheckSchema {
    pub ok: bool,
    /// The checkpoint's position.
    pub position: u64,
    /// Why the check failed (absent when `ok`).
    pub reason: Option<String>,
}

/// `POST /v1/webhooks`.
#[derive(Serialize, ToSchema)]
pub struct NewWebhookSchema {
    /// http(s) URL receiving the deliveries.
    pub url: String,
    /// Only these event types (absent or empty: every type).
    pub event_types: Option<Vec<String>>,
    /// Only the events of this agreement.
    #[schema(format = Uuid)]
    pub agreement_id: Option<String>,
    pub description: Option<String>,
}

/// A webhook subscription (never with its secret).
#[derive(Serialize, ToSchema)]
pub struct WebhookSchema {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub agreement_id: Option<String>,
    pub description: Option<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A created subscription: the subscription and its secret, shown once.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhookSchema {
    #[serde(flatten)]
    pub subscription: WebhookSchema,
    /// `whsec_` + base64 of 24 random bytes.
    pub secret: String,
}

/// Subscriptions.
#[derive(Serialize, ToSchema)]
pub struct WebhookListSchema {
    pub items: Vec<WebhookSchema>,
}

/// A new secret, shown once.
#[derive(Serialize, ToSchema)]
pub struct SecretSchema {
    pub secret: String,
}

/// `POST /v1/webhooks/{id}/replay`.
#[derive(Serialize, ToSchema)]
pub struct ReplaySchema {
    /// Deliver again every matching event from this position on.
    pub from_position: u64,
}

/// One HTTP attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct AttemptSchema {
    #[schema(format = DateTime)]
    pub at: String,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Why there was no answer (timeout, connection refused, SSRF guard).
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The first 1 KiB of the answer.
    pub response_body: Option<String>,
}

/// One event's delivery to one subscription.
#[derive(Serialize, ToSchema)]
pub struct DeliverySchema {
    /// The event id: the `webhook-id` of every attempt.
    #[schema(format = Uuid)]
    pub event_id: String,
    pub position: u64,
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending`, `succeeded` or `failed`.
    pub state: String,
    pub attempts: Vec<AttemptSchema>,
}

/// A page of the delivery log.
#[derive(Serialize, ToSchema)]
pub struct DeliveryPageSchema {
    pub items: Vec<DeliverySchema>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u64>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Accord", description = "Event-sourced records of cooperation agreements: commands, bitemporal reads, audit."),
    paths(
        crate::commands::submit,
        crate::parties::list, crate::parties::one,
        crate::agreements::list, crate::agreements::one, crate::agreements::exchanges, crate::agreements::history,
        crate::diff::diff,
        crate::events::page, crate::events::stream_events,
        crate::reports::cooperation,
        crate::audit::verify,
        crate::checkpoints::public_key, crate::checkpoints::checkpoint, crate::checkpoints::verify,
        crate::webhooks::create, crate::webhooks::list, crate::webhooks::one, crate::webhooks::delete,
        crate::webhooks::rotate_secret, crate::webhooks::enable, crate::webhooks::deliveries,
        crate::webhooks::replay, crate::webhooks::resend,
        crate::tokens::create, crate::tokens::list, crate::tokens::revoke,
        crate::health::healthz, crate::health::readyz, crate::metrics::metrics,
    ),
    components(schemas(accord_domain::Command, accord_domain::Event, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "commands", description = "Everything that changes the log"),
        (name = "reads", description = "Read models, at a business date and as of an instant"),
        (name = "reports", description = "Reports"),
        (name = "audit", description = "The log itself and its hash chain"),
        (name = "webhooks", description = "Signed, ordered, durable deliveries of the log (admin only)"),
        (name = "tokens", description = "Bearer tokens and their roles (admin only)"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;
