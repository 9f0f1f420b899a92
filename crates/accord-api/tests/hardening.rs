//! Malformed, oversized, deep, slow and too many requests: each gets a clear
//! problem+json answer with no internal detail, and nothing is appended.

#[path = "support/app.rs"]
mod app;

use std::time::Duration;

use accord_api::{ApiError, AppState};
use accord_engine::EngineConfig;
use accord_store::EventLog;
use app::{Options, TestApp as App};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "hardening-admin-token";

/// The application without a signing key or webhooks, which these tests
/// do not need.
fn app_with(engine: EngineConfig, request_timeout: Duration) -> App {
    let options = Options {
        engine,
        request_timeout,
        signer: false,
        webhooks: None,
    };
    App::with(TOKEN, options)
}

fn app() -> App {
    app_with(EngineConfig::default(), AppState::REQUEST_TIMEOUT)
}

fn request(method: Method, uri: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap()
}

async fn read(response: Response) -> (StatusCode, axum::http::HeaderMap, String) {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

async fn send(app: &App, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    read(app.router.clone().oneshot(request).await.unwrap()).await
}

async fn post(app: &App, body: &Value) -> (StatusCode, Value) {
    let (status, _, text) = send(
        app,
        request(Method::POST, "/v1/commands", Body::from(body.to_string())),
    )
    .await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn party(id: &str, name: &str) -> Value {
    json!({"type": "RegisterParty", "data": {"party_id": id, "name": name, "kind": "agency"}})
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("leaf"), |inner, _| json!([inner]))
}

#[tokio::test]
async fn json_nested_past_the_limit_is_refused_with_a_clear_400() {
    let app = app();
    let mut deep = party("deep-party", "x");
    deep["data"]["name"] = nested(40);
    let (status, answer) = post(&app, &deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .contains("nest at most 32"),
        "{answer}"
    );
    let mut shallow = party("deep-party", "x");
    shallow["data"]["name"] = nested(20);
    let (status, answer) = post(&app, &shallow).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["errors"][0]["field"], "data.name",
        "a type error, not a depth error: {answer}"
    );
    let very_deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, _, text) = send(
        &app,
        request(Method::POST, "/v1/commands", Body::from(very_deep)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(app.store.head().position, 0);
}

#[tokio::test]
async fn a_string_over_64_kib_is_refused_naming_its_field() {
    let app = app();
    let (status, answer) = post(&app, &party("long-name", &"đ".repeat(40 * 1024))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["errors"][0]["field"], "data.name");
    assert!(answer["detail"].as_str().unwrap().contains("65536 bytes"));
    let (status, _) = post(&app, &party("long-name", &"x".repeat(60 * 1024))).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_full_writer_queue_answers_503_with_retry_after_and_loses_nothing() {
    let app = app_with(
        EngineConfig {
            queue_capacity: 1,
            max_batch: 1,
            ..EngineConfig::default()
        },
        AppState::REQUEST_TIMEOUT,
    );
    let answers = futures::future::join_all((0..64).map(|i| {
        let app = &app;
        async move {
            let body = party(&format!("party-{i:03}"), "burst");
            send(
                app,
                request(Method::POST, "/v1/commands", Body::from(body.to_string())),
            )
            .await
        }
    }))
    .await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let created = answers
        .iter()
        .filter(|a| a.0 == StatusCode::CREATED)
        .count();
    assert!(
        !busy.is_empty(),
        "a queue of 1 overflows under 64 concurrent commands"
    );
    assert_eq!(busy.len() + created, 64, "every answer is 201 or 503");
    for (_, headers, text) in busy {
        assert_eq!(headers[header::RETRY_AFTER], "1");
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert!(text.contains("retry"));
    }
    assert_eq!(app.store.head().position, created as u64);
}

#[tokio::test]
async fn a_request_whose_body_never_ends_times_out_with_503() {
    let app = app_with(EngineConfig::default(), Duration::from_millis(300));
    let chunks = futures::stream::once(async { Ok::<_, std::io::Error>("{\"type\":") })
        .chain(futures::stream::pending());
    let (status, headers, text) = send(
        &app,
        request(Method::POST, "/v1/commands", Body::from_stream(chunks)),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn paged_reads_cap_their_limit() {
    let app = app();
    for chunk in 0..11 {
        let app = &app;
        futures::future::join_all(
            (0..100)
                .map(|i| async move { post(app, &party(&format!("p-{chunk}-{i}"), "n")).await }),
        )
        .await;
    }
    assert_eq!(app.store.head().position, 1100);
    let (status, _, text) = send(
        &app,
        request(Method::GET, "/v1/events?limit=1000000", Body::empty()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1000);
    assert_eq!(page["next_after"], 1000);
    for bad in ["limit=0", "limit=-1", "limit=1e3", "after=x"] {
        let (status, _, _) = send(
            &app,
            request(Method::GET, &format!("/v1/events?{bad}"), Body::empty()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn no_answer_reveals_paths_backtraces_or_sled() {
    let app = app();
    let probes = [
        request(Method::GET, "/v1/parties/%FF%FE", Body::empty()),
        request(Method::GET, "/v1/agreements/%C0", Body::empty()),
        request(Method::GET, "/v1/webhooks/%FF/deliveries", Body::empty()),
        request(
            Method::POST,
            "/v1/webhooks/%FF/deliveries/%FE/resend",
            Body::empty(),
        ),
        request(Method::GET, "/v1/events?at=%FF", Body::empty()),
        request(
            Method::GET,
            "/v1/events?after=99999999999999999999999",
            Body::empty(),
        ),
        request(Method::PUT, "/v1/parties", Body::empty()),
        request(Method::DELETE, "/v1/commands", Body::empty()),
        request(Method::GET, "/v1/nothing/here", Body::empty()),
        request(
            Method::POST,
            "/v1/commands",
            Body::from("{\"type\": \"RegisterParty\", \"data\": \u{0}}"),
        ),
        request(
            Method::POST,
            "/v1/commands",
            Body::from(vec![0xff, 0xfe, 0x00]),
        ),
        request(Method::POST, "/v1/tokens", Body::from("[1,2,3]")),
        request(
            Method::POST,
            "/v1/audit/verify-checkpoint",
            Body::from("{\"position\": -1}"),
        ),
    ];
    for probe in probes {
        let what = format!("{} {}", probe.method(), probe.uri());
        let (status, headers, text) = send(&app, probe).await;
        assert!(status.is_client_error(), "{what}: {status}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{what}"
        );
        for leak in ["/tmp", "sled", "panicked", "backtrace", "src/", ".rs:"] {
            assert!(!text.contains(leak), "{what} leaks `{leak}`: {text}");
        }
    }
    let internal =
        ApiError::internal("sled: io error at /var/lib/accord/db: No space left").into_response();
    let (status, _, text) = read(internal).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!text.contains("sled") && !text.contains("/var"), "{text}");
    assert!(text.contains("internal error"));
}

#[tokio::test]
async fn every_answer_carries_nosniff_and_a_cache_policy() {
    let app = app();
    let anonymous = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let cases = [
        (
            request(Method::GET, "/v1/parties", Body::empty()),
            "no-store",
        ),
        (anonymous("/v1/parties"), "no-store"),
        (anonymous("/healthz"), "no-store"),
        (anonymous("/readyz"), "no-store"),
        (anonymous("/openapi.json"), "public, max-age=300"),
        (anonymous("/nowhere"), "no-store"),
        (
            request(Method::PATCH, "/v1/commands", Body::empty()),
            "no-store",
        ),
    ];
    for (probe, cache) in cases {
        let what = format!("{} {}", probe.method(), probe.uri());
        let (_, headers, _) = send(&app, probe).await;
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
        assert_eq!(headers[header::CACHE_CONTROL], cache, "{what}");
    }
}
