//! Schemas of answers and bodies whose Rust types live in crates without
//! utoipa (the store, audit and webhook crates), or are served as raw JSON
//! (`StoredEvent::to_json`). Each mirrors its type field for field; the API
//! tests compare real answers with them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// The type of an event, e.g. `ExchangeRecorded`: one of
/// `accord_domain::Event::TYPES`.
pub struct EventType;

impl PartialSchema for EventType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An event type."))
            .enum_values(Some(accord_domain::Event::TYPES))
            .into()
    }
}

impl ToSchema for EventType {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventType")
    }
}

/// `from` or `to` of a diff: a stream version, a date or an instant.
pub struct DiffBound;

impl PartialSchema for DiffBound {
    fn schema() -> RefOr<Schema> {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        // At most 19 digits: every such version fits the server's u64.
        let version = text()
            .pattern(Some("^[0-9]{1,19}$"))
            .description(Some("A version of the agreement's stream"));
        let date = text()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some("A business date: the world on it, knowing everything"));
        let instant = text()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("An RFC 3339 instant: what was known then"));
        AnyOfBuilder::new()
            .item(version)
            .item(date)
            .item(instant)
            .description(Some(
                "A version, a date (YYYY-MM-DD) or an RFC 3339 instant.",
            ))
            .into()
    }
}

impl ToSchema for DiffBound {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DiffBound")
    }
}

/// `format` of the cooperation report.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ReportFormat {
    /// The report as JSON (the default).
    Json,
    /// One row per agreement, with a header row.
    Csv,
}

/// Whether the cooperation report lists each row's position lists.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ReportLineage {
    /// Each row lists `exchange_sources` and `review_sources` (the default).
    All,
    /// Both lists are left out; every figure stays.
    None,
}

/// An event type a subscription filters on: any name without spaces (a
/// subscription may name types this version does not know), e.g.
/// `ExchangeRecorded`.
#[derive(Serialize, ToSchema)]
#[schema(value_type = String, pattern = "^\\S+$")]
pub struct EventTypeName(String);

/// `POST /v1/tokens`: a writer token, bound to the registered party it acts
/// for, or an admin or auditor token, bound to none.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = NewToken)]
#[allow(dead_code)]
pub enum NewTokenSchema {
    Writer(NewWriterToken),
    Unbound(NewUnboundToken),
}

/// A writer token: commands for its own party, and reads.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWriterToken {
    pub role: WriterRole,
    /// The registered party it acts for.
    #[schema(value_type = accord_domain::PartyId)]
    pub party_id: String,
    /// A note for people: who holds it, what for.
    #[schema(max_length = 200)]
    pub label: Option<String>,
}

/// An admin or auditor token.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnboundToken {
    pub role: UnboundRole,
    /// A note for people: who holds it, what for.
    #[schema(max_length = 200)]
    pub label: Option<String>,
}

/// The writer role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum WriterRole {
    Writer,
}

/// The roles bound to no party: `admin` (everything) and `auditor` (reads).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum UnboundRole {
    Admin,
    Auditor,
}

/// The actor of an event: the token that issued its command.
#[derive(Serialize, ToSchema)]
#[schema(as = Actor)]
pub struct ActorSchema {
    pub token_id: String,
    pub role: String,
    pub party_id: Option<String>,
}

/// An event envelope, as stored and as served.
#[derive(Serialize, ToSchema)]
#[schema(as = EventEnvelope)]
pub struct EnvelopeSchema {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
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
    /// In a history or the log, read as of a cut that holds a void of
    /// this event: the void's event id. Not stored (the hash does not
    /// cover it): voids are events of their own.
    #[schema(format = Uuid)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voided_by: Option<String>,
}

/// One Server-Sent Event of `GET /v1/events/stream`, by its SSE field names.
#[derive(Serialize, ToSchema)]
#[schema(as = LogStreamEvent)]
pub struct StreamEventSchema {
    /// The event's position in the log: send it back as `Last-Event-ID` to
    /// resume after it.
    #[schema(pattern = "^[1-9][0-9]*$")]
    pub id: String,
    /// The event's type, as `type` in the envelope.
    #[schema(value_type = EventType)]
    pub event: String,
    /// The event's envelope (`EventEnvelope`) as JSON text.
    #[schema(content_media_type = "application/json")]
    pub data: String,
}

/// The result of checking the hash chain.
#[derive(Serialize, ToSchema)]
#[schema(as = ChainVerification)]
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
    /// The files the verified events name, each re-hashed (null on a
    /// server without attachments). A fault makes `ok` false.
    pub files: Option<FilesVerificationSchema>,
}

/// The files the log names, checked: each stored and hashing to its name.
#[derive(Serialize, ToSchema)]
#[schema(as = FilesVerification)]
pub struct FilesVerificationSchema {
    /// True when every file named is stored and hashes to its name.
    pub ok: bool,
    /// Events that name a file.
    pub events: u64,
    /// Distinct files named (each re-hashed once).
    pub files: u64,
    /// Each event naming a missing or altered file, by position.
    pub faults: Vec<FileFaultSchema>,
}

/// An event naming a file the store cannot give back as named.
#[derive(Serialize, ToSchema)]
#[schema(as = FileFault)]
pub struct FileFaultSchema {
    /// The position of the event naming the file.
    pub position: u64,
    /// The SHA-256 the event recorded.
    pub attachment: String,
    /// `missing`: nothing is stored under the name; `altered`: the stored
    /// bytes no longer hash to it.
    #[schema(pattern = "^(missing|altered)$")]
    pub problem: String,
    /// What was found.
    pub reason: String,
}

/// The service's Ed25519 public key.
#[derive(Serialize, ToSchema)]
#[schema(as = PublicKey)]
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
#[schema(as = Checkpoint)]
pub struct CheckpointSchema {
    #[schema(minimum = 1)]
    pub position: u64,
    /// Lowercase hex chain hash of the event at `position`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub head_hash: String,
    /// When that event was recorded.
    #[schema(format = DateTime)]
    pub recorded_at: String,
    /// Base64 Ed25519 signature (64 bytes) of
    /// `accord-checkpoint-v1\n{position}\n{head_hash}\n{recorded_at}`.
    #[schema(pattern = "^[A-Za-z0-9+/]{85}[AQgw]==$")]
    pub signature: String,
    /// `Ed25519` (optional on input).
    #[schema(required = false, value_type = CheckpointAlgorithm)]
    pub algorithm: String,
    /// Base64 public key of the signer (informative; optional on input).
    pub public_key: Option<String>,
}

/// The only signature algorithm: `Ed25519`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub enum CheckpointAlgorithm {
    Ed25519,
}

/// The result of checking a checkpoint against the stored chain.
#[derive(Serialize, ToSchema)]
#[schema(as = CheckpointCheck)]
pub struct CheckpointCheckSchema {
    pub ok: bool,
    /// The checkpoint's position.
    pub position: u64,
    /// Why the check failed (absent when `ok`).
    #[schema(required = false)]
    pub reason: String,
}

/// `POST /v1/webhooks`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewWebhook)]
pub struct NewWebhookSchema {
    /// http(s) URL receiving the deliveries.
    #[schema(format = "uri", pattern = "^[hH][tT][tT][pP][sS]?://[^/?#@]+")]
    pub url: String,
    /// Only these event types (absent or empty: every type).
    #[schema(required = false)]
    pub event_types: Vec<EventTypeName>,
    /// Only the events of this agreement.
    #[schema(format = Uuid)]
    pub agreement_id: Option<String>,
    pub description: Option<String>,
}

/// A webhook subscription (never with its secret).
#[derive(Serialize, ToSchema)]
#[schema(as = Webhook)]
pub struct WebhookSchema {
    #[schema(format = Uuid)]
    pub id: String,
    pub url: String,
    pub event_types: Vec<EventTypeName>,
    pub agreement_id: Option<String>,
    pub description: Option<String>,
    pub status: WebhookStatusSchema,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Whether a subscription delivers: `disabled` after failing for the
/// configured period, until enabled again.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookStatus)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum WebhookStatusSchema {
    Enabled,
    Disabled,
}

/// A created subscription: the subscription and its secret, shown once.
#[derive(Serialize, ToSchema)]
#[schema(as = CreatedWebhook)]
pub struct CreatedWebhookSchema {
    #[serde(flatten)]
    pub subscription: WebhookSchema,
    /// `whsec_` + base64 of 24 random bytes.
    pub secret: String,
}

/// Subscriptions.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookList)]
pub struct WebhookListSchema {
    pub items: Vec<WebhookSchema>,
}

/// A new secret, shown once.
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookSecret)]
pub struct SecretSchema {
    pub secret: String,
}

/// `POST /v1/webhooks/{id}/replay`.
#[derive(Serialize, ToSchema)]
#[schema(as = Replay)]
pub struct ReplaySchema {
    /// Deliver again every matching event from this position on.
    pub from_position: u64,
}

/// One HTTP attempt of a delivery.
#[derive(Serialize, ToSchema)]
#[schema(as = DeliveryAttempt)]
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
#[schema(as = Delivery)]
pub struct DeliverySchema {
    /// The event id: the `webhook-id` of every attempt.
    #[schema(format = Uuid)]
    pub event_id: String,
    pub position: u64,
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
    pub kind: String,
    /// `pending`, `succeeded` or `failed`.
    pub state: DeliveryStateSchema,
    pub attempts: Vec<AttemptSchema>,
}

/// Where a delivery stands.
#[derive(Serialize, ToSchema)]
#[schema(as = DeliveryState)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DeliveryStateSchema {
    Pending,
    Succeeded,
    Failed,
}

/// A page of the delivery log.
#[derive(Serialize, ToSchema)]
#[schema(as = DeliveryPage)]
pub struct DeliveryPageSchema {
    pub items: Vec<DeliverySchema>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u64>,
}
