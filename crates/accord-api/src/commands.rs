//! `POST /v1/commands`: parse, hand to the writer, answer once durable.

use accord_domain::Command;
use accord_engine::{EngineError, Outcome, Submission};
use accord_store::{Actor, CommandRecord};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/commands", post(submit))
}

/// A command request: its type, data and optional envelope fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// The command's name, e.g. `RecordExchange`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The idempotency key; generated (UUID v7) when absent.
    #[serde(default)]
    pub command_id: Option<Uuid>,
    /// Optimistic concurrency: the stream's version before this command.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub expected_version: Option<u64>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The command's data; its shape depends on `type` (see `Command`).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// One event a command appended.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppendedEvent {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub position: u64,
    pub version: u64,
}

/// The result of an appended command.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandResult {
    pub command_id: Uuid,
    /// `party:<party_id>` or `agreement:<agreement_id>`.
    pub stream: String,
    /// The stream's version after the command.
    pub version: u64,
    /// The position of the command's last event.
    pub position: u64,
    pub events: Vec<AppendedEvent>,
}

impl From<CommandRecord> for CommandResult {
    fn from(r: CommandRecord) -> Self {
        Self {
            command_id: r.command_id,
            stream: r.stream,
            version: r.version,
            position: r.position,
            events: r
                .events
                .into_iter()
                .map(|e| AppendedEvent {
                    id: e.id,
                    kind: e.event_type,
                    position: e.position,
                    version: e.version,
                })
                .collect(),
        }
    }
}

/// Issue a command
///
/// Decides the command against every rule and appends its events. The
/// answer is sent only once the events are durable on disk.
#[utoipa::path(
    post, path = "/v1/commands", operation_id = "submit_command", tag = "commands",
    request_body(content = crate::openapi::CommandRequestSchema, description = "One of the commands (`type` and its `data`), with the optional envelope fields",
        examples(
            ("sign" = (summary = "Sign an agreement between two registered parties (those of `accord serve --demo`)", value = json!({
                "type": "SignAgreement",
                "data": {"title": "Chương trình hợp tác phát triển khu công nghiệp", "parties": ["dong-nai-iza", "lam-dong-iza"],
                    "signed_on": "2013-07-04", "term": {"start": "2013-07-04", "end": "2018-07-03"}, "areas": ["investment_promotion"]}}))),
            ("record" = (summary = "Record an exchange, retried safely with its command_id", value = json!({
                "type": "RecordExchange", "command_id": "0190f0a0-2014-7000-8000-000000000310",
                "data": {"agreement_id": "0190f0a0-2013-7000-8000-000000002013", "occurred_on": "2014-03-10", "area": "investment_promotion",
                    "kind": "meeting", "parties": ["dong-nai-iza", "lam-dong-iza"], "summary": "Hội nghị xúc tiến đầu tư tại Đà Lạt"}}))),
        )),
    responses(
        (status = 201, description = "Appended durably", body = CommandResult, links(
            ("agreement" = (operation_id = "get_agreement", parameters(("id" = "$request.body#/data/agreement_id")), description = "The agreement the command named")),
            ("exchanges" = (operation_id = "list_exchanges", parameters(("id" = "$request.body#/data/agreement_id")), description = "The agreement the command named: its exchanges")),
            ("history" = (operation_id = "get_agreement_history", parameters(("id" = "$request.body#/data/agreement_id")), description = "The agreement the command named: its history")),
            ("diff" = (operation_id = "diff_agreement", parameters(("id" = "$request.body#/data/agreement_id")), description = "The agreement the command named: what changed in it")),
            ("party" = (operation_id = "get_party", parameters(("party_id" = "$request.body#/data/party_id")), description = "The party the command named")),
        )),
        (status = 200, description = "The same command_id and body again: the original result, nothing appended", body = CommandResult),
        (status = 400, description = "Malformed or invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role or party may not issue this command", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Version conflict, or command_id reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A domain rule refused the command; `rule` names it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The writer's queue is full, or the request timed out; retry after `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 507, description = "Less than the disk reserve is free on the data folder's disk: nothing was appended; retry after `Retry-After` once space is freed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
// A debug span: at the default level (info) a span per command costs more
// than its lines are worth (2-3% of the server's CPU under load, with the
// engine's); the access lines name their command by themselves.
#[tracing::instrument(level = "debug", skip_all)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<CommandResult>), ApiError> {
    let request_hash = request_hash(&body)?;
    let (request, command) = decode(body)?;
    let submission = Submission {
        command,
        command_id: request.command_id,
        expected_version: request.expected_version,
        correlation_id: request.correlation_id,
        actor: actor.clone(),
        request_hash,
    };
    let outcome = state.engine.submit(submission).await;
    match outcome.map_err(|e| audit_refusal(&state, &actor, e))? {
        Outcome::Created(record) => Ok((StatusCode::CREATED, Json(record.into()))),
        Outcome::Replayed(record) => Ok((StatusCode::OK, Json(record.into()))),
    }
}

/// Logs and counts a command refused by the actor's rights (403) or by a
/// domain rule (422), naming the token, never its secret.
pub fn audit_refusal(state: &AppState, actor: &Actor, error: EngineError) -> ApiError {
    match &error {
        EngineError::Forbidden(reason) => {
            state.access.forbidden();
            tracing::warn!(target: "accord::access", token_id = %actor.token_id, role = %actor.role,
                party_id = actor.party_id.as_deref(), %reason, "command forbidden");
        }
        EngineError::Refused(refusal) => {
            state.access.refused(refusal.rule.code());
            tracing::info!(target: "accord::access", token_id = %actor.token_id, role = %actor.role,
                party_id = actor.party_id.as_deref(), rule = refusal.rule.code(), "command refused");
        }
        _ => {}
    }
    error.into()
}

/// SHA-256 of the request in canonical form (object keys sorted, no
/// whitespace): the same request with its keys in another order or spaced
/// differently is the same request for idempotency. The bytes hashed are
/// those of `serde_json::to_vec` of the value with its keys sorted (stored
/// hashes depend on it; a test holds the two equal), written straight into
/// the hasher instead of through a sorted copy of the value.
pub fn request_hash(body: &Value) -> Result<[u8; 32], ApiError> {
    let mut hasher = HashWriter(Sha256::new());
    write_canonical(body, &mut hasher).map_err(ApiError::internal)?;
    Ok(hasher.0.finalize().into())
}

/// Writes `value` as compact JSON with every object's keys in order.
fn write_canonical(value: &Value, out: &mut HashWriter) -> serde_json::Result<()> {
    use std::io::Write as _;
    let punctuation =
        |out: &mut HashWriter, byte: u8| out.write_all(&[byte]).map_err(serde_json::Error::io);
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            punctuation(out, b'{')?;
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    punctuation(out, b',')?;
                }
                serde_json::to_writer(&mut *out, key)?;
                punctuation(out, b':')?;
                write_canonical(item, out)?;
            }
            punctuation(out, b'}')
        }
        Value::Array(items) => {
            punctuation(out, b'[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    punctuation(out, b',')?;
                }
                write_canonical(item, out)?;
            }
            punctuation(out, b']')
        }
        scalar => serde_json::to_writer(out, scalar),
    }
}

/// Feeds what is written to it to SHA-256.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A command request's envelope and its typed command, or a 400 naming the
/// field: the whole decoder of `POST /v1/commands` after [`crate::extract::parse_json`]
/// (the fuzz tests drive exactly this).
pub fn decode(body: Value) -> Result<(CommandRequest, Command), ApiError> {
    let mut request = parse_request(body)?;
    let command = parse_command(&request.kind, std::mem::take(&mut request.data))?;
    Ok((request, command))
}

/// The envelope fields, with errors naming the field. The common case, a
/// valid request, is decoded without tracking the path and without copying
/// `data`: it is set aside (a null in its place) while the rest is decoded
/// by reference. A request that fails is decoded again, whole and by path,
/// to name where.
fn parse_request(mut body: Value) -> Result<CommandRequest, ApiError> {
    if let Some(slot) = body.get_mut("data") {
        let data = std::mem::take(slot);
        if let Ok(mut request) = CommandRequest::deserialize(&body) {
            request.data = data;
            return Ok(request);
        }
        body["data"] = data;
    }
    serde_path_to_error::deserialize(body).map_err(|e| invalid(e.path().to_string(), e.inner()))
}

/// The command from `type` and `data`, with errors naming the field
/// (`data.term.end`); like [`parse_request`], the path is tracked only for a
/// command that fails.
fn parse_command(kind: &str, data: Value) -> Result<Command, ApiError> {
    let tagged = json!({"type": kind, "data": data});
    Command::deserialize(&tagged).or_else(|_| {
        serde_path_to_error::deserialize(&tagged).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let field = if message.starts_with("unknown variant") {
                "type".to_owned()
            } else {
                path
            };
            invalid(field, &message)
        })
    })
}

fn invalid(field: String, error: &dyn std::fmt::Display) -> ApiError {
    let field = if field == "." {
        "body".to_owned()
    } else {
        field
    };
    let message = error.to_string();
    ApiError::Invalid {
        detail: format!("invalid `{field}`: {message}"),
        errors: vec![FieldError { field, message }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_spacing_do_not_change_the_request_hash() {
        let a: Value =
            serde_json::from_str(r#"{"type":"X","data":{"b":1,"a":[{"y":2,"x":1}]}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{ "data": {"a": [{"x": 1, "y": 2}], "b": 1}, "type": "X" }"#)
                .unwrap();
        let c: Value =
            serde_json::from_str(r#"{"type":"X","data":{"b":2,"a":[{"y":2,"x":1}]}}"#).unwrap();
        assert_eq!(request_hash(&a).unwrap(), request_hash(&b).unwrap());
        assert_ne!(request_hash(&a).unwrap(), request_hash(&c).unwrap());
    }

    fn field_of<T>(result: Result<T, ApiError>) -> (String, String) {
        match result {
            Err(ApiError::Invalid { errors, .. }) => {
                (errors[0].field.clone(), errors[0].message.clone())
            }
            Err(other) => panic!("expected a 400, got {other:?}"),
            Ok(_) => panic!("expected a 400, got a decoded command"),
        }
    }

    #[test]
    fn a_valid_request_decodes_with_its_data_and_envelope() {
        let body = json!({"type": "TerminateAgreement", "command_id": "0190f0a0-2013-7000-8000-000000000001",
            "expected_version": 4, "correlation_id": "thư-17",
            "data": {"agreement_id": "0190f0a0-2013-7000-8000-000000002013", "effective_on": "2015-12-31", "reason": "Hết hạn"}});
        let (request, command) = decode(body).unwrap();
        assert_eq!(request.kind, "TerminateAgreement");
        assert_eq!(
            request.command_id.unwrap().to_string(),
            "0190f0a0-2013-7000-8000-000000000001"
        );
        assert_eq!(request.expected_version, Some(4));
        assert_eq!(request.correlation_id.as_deref(), Some("thư-17"));
        assert_eq!(command.name(), "TerminateAgreement");
        assert!(serde_json::to_string(&command).unwrap().contains("Hết hạn"));
    }

    #[test]
    fn an_invalid_envelope_is_named_as_before_the_fast_path() {
        let data = json!({"agreement_id": "0190f0a0-2013-7000-8000-000000002013", "effective_on": "2015-12-31", "reason": "x"});
        let bodies = [
            json!({"type": "TerminateAgreement", "expected_version": "four", "data": data}),
            json!({"type": "TerminateAgreement", "command_id": "not-a-uuid", "data": data}),
            json!({"type": "TerminateAgreement", "colour": 1, "data": data}),
            json!({"type": "TerminateAgreement"}),
            json!({"data": data}),
            json!(["not", "an", "object"]),
        ];
        for body in bodies {
            // Before the fast path: the whole body decoded by path.
            let before = serde_path_to_error::deserialize::<_, CommandRequest>(body.clone())
                .map_err(|e| invalid(e.path().to_string(), e.inner()));
            assert_eq!(field_of(decode(body.clone())), field_of(before), "{body}");
        }
        let bad_version =
            json!({"type": "TerminateAgreement", "expected_version": "four", "data": data});
        let (field, message) = field_of(decode(bad_version));
        assert_eq!(field, "expected_version");
        assert!(message.contains("invalid type"), "{message}");
    }

    /// What `request_hash` hashed before it wrote the canonical form straight
    /// into the hasher: the bytes of a sorted copy of the value.
    fn sorted_copy(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted_copy(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted_copy).collect()),
            other => other.clone(),
        }
    }

    #[test]
    fn the_request_hash_is_that_of_the_sorted_value_s_bytes_as_stored_hashes_were() {
        let bodies = [
            r#"{"type":"RecordExchange","data":{"summary":"Trao đổi \"kinh nghiệm\"\n\u0001","parties":["đồng-nai","b"],"n":-1.5e300,"z":null,"t":true,"e":{},"a":[]},"expected_version":3}"#,
            r#"{"b":[{"y":[1,2,{"k":"v","a":0}],"x":1}],"a":"\u00e9\ud83d\ude00 ❤","":""}"#,
            r#"[1,"two",{"3":4}]"#,
            r#""solo""#,
        ];
        for body in bodies {
            let value: Value = serde_json::from_str(body).unwrap();
            let expected: [u8; 32] =
                Sha256::digest(serde_json::to_vec(&sorted_copy(&value)).unwrap()).into();
            assert_eq!(request_hash(&value).unwrap(), expected, "{body}");
        }
    }
}
