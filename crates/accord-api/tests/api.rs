//! The router driven with `oneshot`: status codes, problem documents, and
//! the OpenAPI document against what the server really answers.

#[path = "support/app.rs"]
mod app;

use accord_store::EventLog;
use app::TestApp as App;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "test-admin-token";
const AGREEMENT: &str = "0190f0a0-2007-7000-8000-000000002007";

fn app() -> App {
    App::new(TOKEN)
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn send(app: &App, request: Request<Body>) -> Answer {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

async fn get(app: &App, uri: &str) -> Answer {
    let request = Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    send(app, request.body(Body::empty()).unwrap()).await
}

async fn post(app: &App, body: &Value) -> Answer {
    let request = Request::post("/v1/commands")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json");
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

async fn seed(app: &App) {
    for (id, name) in [
        (
            "dong-nai-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
        ),
        (
            "lam-dong-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
        ),
    ] {
        let a = post(app, &json!({"type": "RegisterParty", "data": {"party_id": id, "name": name, "kind": "industrial_zone_authority"}})).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    }
    let sign = json!({"type": "SignAgreement", "data": {"agreement_id": AGREEMENT,
        "title": "Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Lâm Đồng",
        "parties": ["dong-nai-iza", "lam-dong-iza"], "signed_on": "2007-12-20",
        "term": {"start": "2007-12-20", "end": "2013-12-31"}, "areas": ["investment_promotion"]}});
    assert_eq!(post(app, &sign).await.status, StatusCode::CREATED);
}

fn assert_problem(a: &Answer, status: StatusCode) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.body["status"], status.as_u16());
    assert!(
        a.body["title"].is_string() && a.body["detail"].is_string() && a.body["type"].is_string()
    );
}

#[tokio::test]
async fn every_v1_route_needs_a_known_bearer_token() {
    let app = app();
    for uri in [
        "/v1/parties",
        "/v1/agreements",
        "/v1/events",
        "/v1/audit/verify",
        "/v1/reports/cooperation",
    ] {
        let none = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_problem(&none, StatusCode::UNAUTHORIZED);
        let wrong = Request::get(uri).header(header::AUTHORIZATION, "Bearer nope");
        assert_problem(
            &send(&app, wrong.body(Body::empty()).unwrap()).await,
            StatusCode::UNAUTHORIZED,
        );
    }
    let health = send(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_command_names_the_field_and_appends_nothing() {
    let app = app();
    seed(&app).await;
    let head = app.store.head().position;
    let bad_date = json!({"type": "SignAgreement", "data": {"title": "x", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "signed_on": "2020-01-01", "term": {"start": "2020-01-01", "end": "2020-02-30"}, "areas": ["a"]}});
    let a = post(&app, &bad_date).await;
    assert_problem(&a, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["errors"][0]["field"], "data.term.end");
    let unknown_field = json!({"type": "RegisterParty", "data": {"party_id": "x-y", "name": "n", "kind": "agency", "colour": "red"}});
    assert_problem(&post(&app, &unknown_field).await, StatusCode::BAD_REQUEST);
    let unknown_type = post(&app, &json!({"type": "SignTreaty", "data": {}})).await;
    assert_eq!(unknown_type.body["errors"][0]["field"], "type");
    let not_json = Request::post("/v1/commands")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"type\":"))
        .unwrap();
    assert_problem(&send(&app, not_json).await, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.head().position, head);
}

#[tokio::test]
async fn wrong_content_type_and_oversized_bodies_are_refused() {
    let app = app();
    let text = Request::post("/v1/commands")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_problem(&send(&app, text).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = json!({"type": "RegisterParty", "data": {"name": "x".repeat(1024 * 1024)}});
    assert_problem(&post(&app, &huge).await, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.store.head().position, 0);
}

#[tokio::test]
async fn a_refused_command_answers_422_with_its_rule() {
    let app = app();
    seed(&app).await;
    let late = json!({"type": "RecordExchange", "data": {"agreement_id": AGREEMENT, "occurred_on": "2014-01-01",
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza"], "summary": "Xúc tiến đầu tư"}});
    let a = post(&app, &late).await;
    assert_problem(&a, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["rule"], "exchange_outside_term");
    assert_eq!(app.store.head().position, 3);
}

#[tokio::test]
async fn an_agreement_carries_its_version_as_etag_and_is_404_before_its_signature() {
    let app = app();
    seed(&app).await;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/v1/agreements/{AGREEMENT}"))
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()[header::ETAG], "\"1\"");
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    let before = get(&app, &format!("/v1/agreements/{AGREEMENT}?at=2007-12-19")).await;
    assert_problem(&before, StatusCode::NOT_FOUND);
    assert_problem(
        &get(&app, "/v1/agreements/not-a-uuid").await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &get(&app, "/v1/agreements?at=yesterday").await,
        StatusCode::BAD_REQUEST,
    );
}

/// Fills a templated path with ids that exist after `seed`.
#[tokio::test]
async fn metrics_need_no_token_and_count_commands_by_type_and_outcome() {
    let app = app();
    seed(&app).await;
    let late = json!({"type": "RecordExchange", "data": {"agreement_id": AGREEMENT, "occurred_on": "2014-01-01",
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza"], "summary": "Xúc tiến đầu tư"}});
    post(&app, &late).await;
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    for line in [
        "accord_commands_total{type=\"RegisterParty\",outcome=\"created\"} 2",
        "accord_commands_total{type=\"SignAgreement\",outcome=\"created\"} 1",
        "accord_commands_total{type=\"RecordExchange\",outcome=\"refused\"} 1",
        "accord_events_total 3",
        "accord_queue_depth 0",
        "accord_projection_lag_events 0",
        "accord_batch_commands_count 3",
        "accord_append_duration_seconds_count 3",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from:\n{text}"
        );
    }
}

fn concrete(path: &str) -> String {
    path.replace("{id}", AGREEMENT)
        .replace("{party_id}", "dong-nai-iza")
}

#[tokio::test]
async fn every_documented_read_answers_a_documented_status_and_content_type() {
    let app = app();
    seed(&app).await;
    let spec = send(
        &app,
        Request::get("/openapi.json").body(Body::empty()).unwrap(),
    )
    .await
    .body;
    let paths = spec["paths"].as_object().expect("paths");
    for route in [
        "/v1/commands",
        "/v1/parties",
        "/v1/parties/{party_id}",
        "/v1/agreements",
        "/v1/agreements/{id}",
        "/v1/agreements/{id}/exchanges",
        "/v1/agreements/{id}/history",
        "/v1/agreements/{id}/diff",
        "/v1/events",
        "/v1/events/stream",
        "/v1/reports/cooperation",
        "/v1/audit/verify",
        "/v1/audit/public-key",
        "/v1/audit/checkpoint",
        "/v1/audit/verify-checkpoint",
        "/v1/webhooks",
        "/v1/webhooks/{id}",
        "/v1/webhooks/{id}/deliveries",
        "/v1/webhooks/{id}/replay",
        "/v1/webhooks/{id}/rotate-secret",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(route), "{route} is documented");
    }
    for (path, item) in paths {
        let Some(operation) = item.get("get") else {
            continue;
        };
        if path.ends_with("/stream") {
            continue; // endless; covered by the black-box tests
        }
        // The diff needs its two points: each kind of point, a malformed
        // one, a missing one, and a `to` before the signature (404).
        let queries: &[&str] = if path.ends_with("/diff") {
            &[
                "?from=1&to=1",
                "?from=2007-12-19&to=2010-01-01",
                "?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
                "?from=bad&to=1",
                "?from=1",
                "?from=1&to=2000-01-01",
                "?from=1&to=9",
            ]
        } else {
            &[
                "",
                "?at=2010-01-01",
                "?as_of=2000-01-01T00:00:00Z",
                "?at=bad",
            ]
        };
        for query in queries {
            let uri = format!("{}{query}", concrete(path));
            let answer = get(&app, &uri).await;
            let documented = &operation["responses"][answer.status.as_str()];
            assert!(
                documented.is_object(),
                "GET {uri} answered {} which is not documented",
                answer.status
            );
            let media = documented["content"]
                .as_object()
                .map(|c| c.keys().cloned().collect::<Vec<_>>());
            if let Some(media) = media {
                let mime = answer.content_type.split(';').next().unwrap().to_owned();
                assert!(
                    media.contains(&mime),
                    "GET {uri}: {mime} not among {media:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_retry_with_its_keys_in_another_order_is_the_same_request() {
    let app = app();
    let id = "0190f0a0-aaaa-7000-8000-000000000001";
    let first = json!({"type": "RegisterParty", "command_id": id,
        "data": {"party_id": "dong-nai-iza", "name": "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai", "kind": "industrial_zone_authority"}});
    let created = post(&app, &first).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let reordered = r#"{"data": {"kind": "industrial_zone_authority", "name": "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai", "party_id": "dong-nai-iza"},
        "command_id": "0190f0a0-aaaa-7000-8000-000000000001", "type": "RegisterParty"}"#;
    let request = Request::post("/v1/commands")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(reordered))
        .unwrap();
    let again = send(&app, request).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body, created.body);
    assert_eq!(app.store.head().position, 1);
}

#[tokio::test]
async fn a_diff_names_the_events_behind_each_change_and_refuses_malformed_points() {
    let app = app();
    seed(&app).await;
    let exchange = json!({"type": "RecordExchange", "data": {"agreement_id": AGREEMENT, "occurred_on": "2009-09-10",
        "area": "investment_promotion", "kind": "support", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "summary": "Hỗ trợ nhau trong công tác mời gọi đầu tư"}});
    assert_eq!(post(&app, &exchange).await.status, StatusCode::CREATED);
    let diff = get(
        &app,
        &format!("/v1/agreements/{AGREEMENT}/diff?from=1&to=2"),
    )
    .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    assert_eq!(diff.body["from"]["kind"], "version");
    assert_eq!(diff.body["from"]["position"], 3);
    assert_eq!(diff.body["to"]["version"], 2);
    let changes = diff.body["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["kind"], "exchange_added");
    assert_eq!(changes[0]["sources"], json!([4]));
    assert_eq!(changes[0]["events"][0]["type"], "ExchangeRecorded");
    assert_eq!(
        changes[0]["after"]["summary"],
        "Hỗ trợ nhau trong công tác mời gọi đầu tư"
    );
    let by_date = get(
        &app,
        &format!("/v1/agreements/{AGREEMENT}/diff?from=2007-12-19&to=2009-09-10"),
    )
    .await;
    assert_eq!(by_date.body["from"]["exists"], false, "{}", by_date.body);
    let bad = get(
        &app,
        &format!("/v1/agreements/{AGREEMENT}/diff?from=yesterday&to=2"),
    )
    .await;
    assert_problem(&bad, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["errors"][0]["field"], "from");
    let missing = get(&app, &format!("/v1/agreements/{AGREEMENT}/diff?from=1")).await;
    assert_eq!(missing.body["errors"][0]["field"], "to");
    let unknown = get(
        &app,
        &format!("/v1/agreements/{AGREEMENT}/diff?from=1&to=3"),
    )
    .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
}

async fn post_json(app: &App, uri: &str, body: &Value) -> Answer {
    let request = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, request).await
}

#[tokio::test]
async fn a_webhook_to_a_private_or_metadata_address_is_refused_with_a_rule() {
    let app = app();
    for (url, rule) in [
        (
            "http://169.254.169.254/latest/meta-data/",
            "webhook_url_private_address",
        ),
        ("http://127.0.0.1:9/hook", "webhook_url_private_address"),
        ("http://[fd00::1]/hook", "webhook_url_private_address"),
        ("file:///etc/passwd", "webhook_url_scheme"),
    ] {
        let answer = post_json(&app, "/v1/webhooks", &json!({"url": url})).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            answer.body
        );
        assert_eq!(answer.content_type, "application/problem+json");
        assert_eq!(answer.body["rule"], rule, "{url}");
    }
    let listed = get(&app, "/v1/webhooks").await;
    assert_eq!(listed.body["items"], json!([]));
}

#[tokio::test]
async fn a_created_webhook_shows_its_secret_once_and_can_be_deleted() {
    let app = app();
    let created = post_json(
        &app,
        "/v1/webhooks",
        &json!({"url": "https://203.0.114.10/hooks/accord", "event_types": ["ExchangeRecorded"],
                "agreement_id": AGREEMENT, "description": "ERP"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created.body["status"], "enabled");
    let id = created.body["id"].as_str().unwrap();
    let one = get(&app, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.get("secret").is_none(), "{}", one.body);
    assert_eq!(one.body["event_types"], json!(["ExchangeRecorded"]));
    let rotated = post_json(
        &app,
        &format!("/v1/webhooks/{id}/rotate-secret"),
        &json!({}),
    )
    .await;
    assert_ne!(rotated.body["secret"].as_str().unwrap(), secret);
    let deleted = app
        .router
        .clone()
        .oneshot(
            Request::delete(format!("/v1/webhooks/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&app, &format!("/v1/webhooks/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn metrics_count_commands_by_outcome_and_refused_access() {
    let app = app();
    seed(&app).await;
    let late = json!({"type": "RecordExchange", "data": {"agreement_id": AGREEMENT, "occurred_on": "2014-01-01",
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza"], "summary": "Xúc tiến đầu tư"}});
    assert_eq!(
        post(&app, &late).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let anonymous = send(
        &app,
        Request::get("/v1/parties").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let response = app
        .router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    for line in [
        "accord_commands_total{type=\"RegisterParty\",outcome=\"created\"} 2",
        "accord_commands_total{type=\"SignAgreement\",outcome=\"created\"} 1",
        "accord_commands_total{type=\"RecordExchange\",outcome=\"refused\"} 1",
        "accord_events_total 3",
        "accord_auth_failures_total 1",
        "accord_refusals_total{rule=\"exchange_outside_term\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
}
