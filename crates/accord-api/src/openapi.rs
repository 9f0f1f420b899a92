//! The OpenAPI document, generated from the handlers' annotations and the
//! very types that parse requests and render answers. Served at
//! `GET /openapi.json`.
//!
//! - [`ApiDoc`]: what utoipa derives from the handlers' `#[utoipa::path]`s.
//! - `schemas`: schemas of answers whose types live in crates without utoipa.
//! - `commands`: the command request union, built from the parser's types.
//! - [`document`]: the served document, `ApiDoc` with what utoipa cannot
//!   express added (ADR 0007).

mod commands;
mod schemas;

use std::sync::OnceLock;

use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

pub use commands::CommandRequestSchema;
pub use schemas::*;

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    // The document changes only with the binary: caches may keep it briefly.
    let cache = [(header::CACHE_CONTROL, "public, max-age=300")];
    Router::new().route(
        "/openapi.json",
        get(|| async move { (cache, Json(document())) }),
    )
}

/// The served document: [`ApiDoc`], then the keywords utoipa has no
/// attribute for (each stated below). Built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        // Each Server-Sent Event's `data` is the envelope as JSON text: JSON
        // Schema says so with `contentSchema`, which utoipa cannot write.
        let data = &mut document["components"]["schemas"]["LogStreamEvent"]["properties"]["data"];
        data["contentSchema"] = json!({"$ref": "#/components/schemas/EventEnvelope"});
        camel_case_links(&mut document);
        attachment_bodies(&mut document);
        positions(&mut document);
        document
    })
}

/// What a middleware adds to every route, which utoipa's per-handler
/// annotations cannot say once ([`crate::positions`]): every answer's
/// `Accord-Position` header, the `min_position` parameter every request
/// accepts (said once, in the document's description and as the reusable
/// parameter `MinPosition`: listed on every operation, fuzzers and client
/// generators would send it to each, and every value past the head would
/// wait 5 s), and on every `/v1` read the `503` it may end in.
fn positions(document: &mut Value) {
    let header = json!({
        "description": "The last position of the log this node had applied when it handled \
            the request: the answer reflects every event up to it.",
        "schema": {"type": "integer", "format": "int64", "minimum": 0}
    });
    let parameter = json!({
        "name": crate::positions::PARAMETER, "in": "query", "required": false,
        "description": "Wait until this node has applied the log up to this position (at \
            most 5 s, then 503 with Retry-After): pass the position a command was answered \
            with to read its effects on any node.",
        "schema": {"type": "integer", "format": "int64", "minimum": 0}
    });
    let unavailable = json!({
        "description": "The node had not applied `min_position` within 5 s, or its database \
            is unreachable: retry after `Retry-After` seconds.",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    });
    document["components"]["parameters"]["MinPosition"] = parameter;
    if let Some(description) = document["info"]["description"].as_str() {
        document["info"]["description"] = json!(format!(
            "{description} Every answer carries `Accord-Position`, the last position of the \
             log the node had applied when it handled the request. Every request accepts \
             `min_position` (`#/components/parameters/MinPosition`): the node first waits \
             until it has applied that position, at most 5 s, else answers 503 with \
             Retry-After; pass the position a command was answered with to read your own \
             writes on any node."
        ));
    }
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in operations.iter_mut() {
            if method == "get" && path.starts_with("/v1/") {
                let responses = &mut operation["responses"];
                if responses.get("503").is_none() {
                    responses["503"] = unavailable.clone();
                }
            }
            if let Some(responses) = operation["responses"].as_object_mut() {
                for response in responses.values_mut() {
                    response["headers"]["Accord-Position"] = header.clone();
                }
            }
        }
    }
}

/// The upload's body and the download's answer: the file's bytes, one
/// content per accepted media type, which utoipa cannot say without a JSON
/// schema (it describes bytes as an array of integers).
fn attachment_bodies(document: &mut Value) {
    let content: serde_json::Map<String, Value> = crate::attachments::MEDIA_TYPES
        .iter()
        .map(|media_type| {
            let schema = json!({"schema": {"type": "string", "format": "binary"}});
            ((*media_type).to_owned(), schema)
        })
        .collect();
    let paths = &mut document["paths"];
    paths["/v1/attachments"]["post"]["requestBody"] = json!({
        "description": "The file's bytes; `Content-Type` is its media type",
        "required": true,
        "content": content,
    });
    paths["/v1/attachments/{sha256}"]["get"]["responses"]["200"]["content"] = json!(content);
}

/// utoipa 5 writes a Link Object's fields in snake case (`operation_id`),
/// which OpenAPI names in camel case (`operationId`): renamed here.
fn camel_case_links(document: &mut Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    let responses = operations
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut());
    let links = responses
        .filter_map(|response| response.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut().filter_map(Value::as_object_mut));
    for link in links {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(snake) {
                link.insert(camel.to_owned(), value);
            }
        }
    }
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
        crate::attachments::upload, crate::attachments::download,
        crate::diff::diff,
        crate::events::page, crate::events::stream_events,
        crate::reports::cooperation,
        crate::audit::verify,
        crate::checkpoints::public_key, crate::checkpoints::checkpoint, crate::checkpoints::verify,
        crate::webhooks::create, crate::webhooks::list, crate::webhooks::one, crate::webhooks::delete,
        crate::webhooks::rotate_secret, crate::webhooks::enable, crate::webhooks::disable, crate::webhooks::deliveries,
        crate::webhooks::replay, crate::webhooks::resend,
        crate::tokens::create, crate::tokens::list, crate::tokens::revoke,
        crate::health::healthz, crate::health::readyz, crate::metrics::metrics,
    ),
    components(schemas(EventType, DiffBound, ReportFormat, ReportLineage, DeliveryStateSchema, accord_domain::Event, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "commands", description = "Everything that changes the log"),
        (name = "reads", description = "Read models, at a business date and as of an instant"),
        (name = "reports", description = "Reports"),
        (name = "attachments", description = "Files named by the SHA-256 of their bytes"),
        (name = "audit", description = "The log itself and its hash chain"),
        (name = "webhooks", description = "Signed, ordered, durable deliveries of the log (admin only)"),
        (name = "tokens", description = "Bearer tokens and their roles (admin only)"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_request_is_one_named_schema_per_command_discriminated_by_type() {
        let schemas = &document()["components"]["schemas"];
        let request = &schemas["CommandRequest"];
        let mapping = request["discriminator"]["mapping"].as_object().unwrap();
        assert_eq!(request["discriminator"]["propertyName"], "type");
        assert_eq!(mapping.len(), accord_domain::Command::NAMES.len());
        for name in accord_domain::Command::NAMES {
            let variant = &schemas[format!("{name}Command")];
            assert_eq!(mapping[name], format!("#/components/schemas/{name}Command"));
            assert_eq!(variant["properties"]["type"]["enum"], json!([name]));
            assert_eq!(
                variant["properties"]["data"]["$ref"],
                format!("#/components/schemas/{name}")
            );
            assert!(schemas[name].is_object(), "{name} is a named schema");
            for field in ["command_id", "expected_version", "correlation_id"] {
                assert!(variant["properties"][field].is_object(), "{name}: {field}");
            }
            assert_eq!(variant["additionalProperties"], false, "{name}");
        }
        assert!(schemas.get("Command").is_none(), "no anonymous union");
    }

    #[test]
    fn attachments_are_bytes_of_the_accepted_media_types() {
        let paths = &document()["paths"];
        let upload = &paths["/v1/attachments"]["post"];
        let download = &paths["/v1/attachments/{sha256}"]["get"];
        assert_eq!(upload["operationId"], "upload_attachment");
        assert_eq!(download["operationId"], "get_attachment");
        for content in [
            &upload["requestBody"]["content"],
            &download["responses"]["200"]["content"],
        ] {
            let types: Vec<&String> = content.as_object().unwrap().keys().collect();
            assert_eq!(types, crate::attachments::MEDIA_TYPES);
            for media_type in crate::attachments::MEDIA_TYPES {
                assert_eq!(content[media_type]["schema"]["format"], "binary");
            }
        }
        let name = &download["parameters"][0]["schema"];
        assert_eq!(name["pattern"], "^[0-9a-f]{64}$");
        let created = &upload["responses"]["201"]["content"]["application/json"]["schema"];
        assert_eq!(created["$ref"], "#/components/schemas/Attachment");
    }

    #[test]
    fn every_answer_names_its_position_and_every_read_may_wait_for_one() {
        let paths = document()["paths"].as_object().unwrap();
        let agreement = &paths["/v1/agreements/{id}"]["get"];
        assert!(agreement["responses"]["503"].is_object());
        let created = &paths["/v1/commands"]["post"]["responses"]["201"];
        assert!(created["headers"]["Accord-Position"].is_object());
        let parameter = &document()["components"]["parameters"]["MinPosition"];
        assert_eq!(parameter["name"], "min_position");
        assert_eq!(parameter["in"], "query");
        let description = document()["info"]["description"].as_str().unwrap();
        assert!(description.contains("min_position"), "{description}");
    }

    #[test]
    fn links_name_their_operation_in_openapi_spelling() {
        let text = serde_json::to_string(document()).unwrap();
        assert!(text.contains(r#""operationId":"get_agreement""#));
        assert!(!text.contains("operation_id"), "utoipa's spelling is gone");
        let links = &document()["paths"]["/v1/commands"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            links["agreement"]["parameters"]["id"],
            "$request.body#/data/agreement_id"
        );
    }

    #[test]
    fn each_streamed_event_s_data_is_described_as_an_envelope() {
        let event = &document()["components"]["schemas"]["LogStreamEvent"];
        let data = &event["properties"]["data"];
        assert_eq!(data["contentMediaType"], "application/json");
        assert_eq!(
            data["contentSchema"]["$ref"],
            "#/components/schemas/EventEnvelope"
        );
        let stream = &document()["paths"]["/v1/events/stream"]["get"]["responses"]["200"];
        assert_eq!(
            stream["content"]["text/event-stream"]["schema"]["$ref"],
            "#/components/schemas/LogStreamEvent"
        );
    }
}
