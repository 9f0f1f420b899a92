//! Every role against every command and every admin route, as a table: each
//! row names the command and what an admin, a writer for `dong-nai-iza` and
//! an auditor get. Agreement A is Đồng Nai's (with Lâm Đồng), agreement B is
//! not (Lâm Đồng with Bình Phước). Each row runs on a fresh app, so the rows
//! cannot influence each other. The webhook routes have a table of their
//! own: each row on a fresh app with one subscription that has delivered one
//! event to a receiver on 127.0.0.1.

#[path = "support/app.rs"]
mod app;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use accord_store::{EventLog, WebhookEntry, WebhookStore};
use accord_webhooks::WebhookConfig;
use app::{Options, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const ADMIN: &str = "roles-admin-token";
const A: &str = "0190f0a0-0000-7000-8000-00000000000a";
const B: &str = "0190f0a0-0000-7000-8000-00000000000b";
const XA: &str = "0190f0a0-0000-7000-8000-0000000000ea";
const XB: &str = "0190f0a0-0000-7000-8000-0000000000eb";
const RA: &str = "0190f0a0-0000-7000-8000-0000000000fa";
const RB: &str = "0190f0a0-0000-7000-8000-0000000000fb";

const CREATED: u16 = 201;
const FORBIDDEN: u16 = 403;

/// The application with a writer's and an auditor's token.
struct App {
    app: TestApp,
    writer: String,
    auditor: String,
}

impl std::ops::Deref for App {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

async fn call(
    app: &App,
    token: &str,
    method: Method,
    uri: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = app
        .router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status >= 400 {
        let ct = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(ct, "application/problem+json", "{uri}");
    }
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn command(app: &App, token: &str, body: Value) -> (u16, Value) {
    call(app, token, Method::POST, "/v1/commands", Some(&body)).await
}

async fn admin(app: &App, body: Value) {
    let (status, answer) = command(app, ADMIN, body).await;
    assert_eq!(status, CREATED, "{answer}");
}

async fn new_token(app: &App, body: Value) -> String {
    let (status, answer) = call(app, ADMIN, Method::POST, "/v1/tokens", Some(&body)).await;
    assert_eq!(status, CREATED, "{answer}");
    answer["token"].as_str().unwrap().to_owned()
}

fn sign(id: &str, parties: [&str; 2]) -> Value {
    json!({"type": "SignAgreement", "data": {"agreement_id": id, "title": "Chương trình hợp tác",
        "parties": parties, "signed_on": "2020-01-01",
        "term": {"start": "2020-01-01", "end": "2025-12-31"}, "areas": ["investment"]}})
}

fn exchange(agreement: &str, id: &str, parties: [&str; 2]) -> Value {
    json!({"type": "RecordExchange", "data": {"agreement_id": agreement, "exchange_id": id,
        "occurred_on": "2021-03-01", "area": "investment", "kind": "meeting",
        "parties": parties, "summary": "Hội nghị xúc tiến đầu tư"}})
}

fn review(agreement: &str, id: &str) -> Value {
    json!({"type": "OpenReviewPeriod", "data": {"agreement_id": agreement, "review_id": id,
        "title": "Sơ kết", "kind": "interim", "period": {"start": "2020-01-01", "end": "2020-12-31"},
        "opened_on": "2021-01-05"}})
}

async fn app() -> App {
    // Private addresses allowed: the webhook rows deliver to a receiver on 127.0.0.1.
    let webhooks = WebhookConfig {
        allow_private: true,
        ..WebhookConfig::default()
    };
    let options = Options {
        webhooks: Some(webhooks),
        ..Options::default()
    };
    let mut app = App {
        app: TestApp::with(ADMIN, options),
        writer: String::new(),
        auditor: String::new(),
    };
    for party in ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"] {
        admin(&app, json!({"type": "RegisterParty", "data": {"party_id": party, "name": party, "kind": "industrial_zone_authority"}})).await;
    }
    admin(&app, sign(A, ["dong-nai-iza", "lam-dong-iza"])).await;
    admin(&app, sign(B, ["lam-dong-iza", "binh-phuoc-eza"])).await;
    admin(&app, exchange(A, XA, ["dong-nai-iza", "lam-dong-iza"])).await;
    admin(&app, exchange(B, XB, ["lam-dong-iza", "binh-phuoc-eza"])).await;
    admin(&app, review(A, RA)).await;
    admin(&app, review(B, RB)).await;
    app.writer = new_token(
        &app,
        json!({"role": "writer", "party_id": "dong-nai-iza", "label": "Đồng Nai secretariat"}),
    )
    .await;
    app.auditor = new_token(&app, json!({"role": "auditor", "label": "inspectorate"})).await;
    app
}

/// (what, command, admin, writer for dong-nai-iza, auditor)
fn table() -> Vec<(&'static str, Value, u16, u16, u16)> {
    let f = FORBIDDEN;
    let c = CREATED;
    vec![
        (
            "register a party",
            json!({"type": "RegisterParty", "data": {"party_id": "vi-du-iza", "name": "Ví Dụ", "kind": "agency"}}),
            c,
            f,
            f,
        ),
        (
            "sign with own party",
            sign(
                "0190f0a0-0000-7000-8000-0000000000c1",
                ["dong-nai-iza", "binh-phuoc-eza"],
            ),
            c,
            c,
            f,
        ),
        (
            "sign without own party",
            sign(
                "0190f0a0-0000-7000-8000-0000000000c2",
                ["lam-dong-iza", "binh-phuoc-eza"],
            ),
            c,
            f,
            f,
        ),
        (
            "sign superseding another's",
            {
                let mut s = sign(
                    "0190f0a0-0000-7000-8000-0000000000c3",
                    ["dong-nai-iza", "binh-phuoc-eza"],
                );
                s["data"]["supersedes"] = json!(B);
                s
            },
            c,
            f,
            f,
        ),
        (
            "amend own",
            json!({"type": "AmendAgreement", "data": {"agreement_id": A, "effective_on": "2021-06-01", "reason": "r", "title": "Mới"}}),
            c,
            c,
            f,
        ),
        (
            "amend another's",
            json!({"type": "AmendAgreement", "data": {"agreement_id": B, "effective_on": "2021-06-01", "reason": "r", "title": "Mới"}}),
            c,
            f,
            f,
        ),
        (
            "admit to own",
            json!({"type": "AdmitParty", "data": {"agreement_id": A, "party_id": "binh-phuoc-eza", "effective_on": "2021-02-01"}}),
            c,
            c,
            f,
        ),
        (
            "admit itself to another's",
            json!({"type": "AdmitParty", "data": {"agreement_id": B, "party_id": "dong-nai-iza", "effective_on": "2021-02-01"}}),
            c,
            f,
            f,
        ),
        (
            "record exchange on own",
            exchange(
                A,
                "0190f0a0-0000-7000-8000-0000000000e1",
                ["dong-nai-iza", "lam-dong-iza"],
            ),
            c,
            c,
            f,
        ),
        (
            "record exchange on another's",
            exchange(
                B,
                "0190f0a0-0000-7000-8000-0000000000e2",
                ["lam-dong-iza", "binh-phuoc-eza"],
            ),
            c,
            f,
            f,
        ),
        (
            "correct exchange on own",
            json!({"type": "CorrectExchange", "data": {"agreement_id": A, "exchange_id": XA, "reason": "r", "summary": "s"}}),
            c,
            c,
            f,
        ),
        (
            "correct exchange on another's",
            json!({"type": "CorrectExchange", "data": {"agreement_id": B, "exchange_id": XB, "reason": "r", "summary": "s"}}),
            c,
            f,
            f,
        ),
        (
            "retract exchange on own",
            json!({"type": "RetractExchange", "data": {"agreement_id": A, "exchange_id": XA, "reason": "r"}}),
            c,
            c,
            f,
        ),
        (
            "retract exchange on another's",
            json!({"type": "RetractExchange", "data": {"agreement_id": B, "exchange_id": XB, "reason": "r"}}),
            c,
            f,
            f,
        ),
        (
            "open review on own",
            review(A, "0190f0a0-0000-7000-8000-0000000000f1"),
            c,
            c,
            f,
        ),
        (
            "open review on another's",
            review(B, "0190f0a0-0000-7000-8000-0000000000f2"),
            c,
            f,
            f,
        ),
        (
            "assess for own party",
            json!({"type": "RecordAssessment", "data": {"agreement_id": A, "review_id": RA, "party_id": "dong-nai-iza", "assessed_on": "2021-01-10", "rating": "met"}}),
            c,
            c,
            f,
        ),
        (
            "assess for another party",
            json!({"type": "RecordAssessment", "data": {"agreement_id": A, "review_id": RA, "party_id": "lam-dong-iza", "assessed_on": "2021-01-10", "rating": "met"}}),
            c,
            f,
            f,
        ),
        (
            "assess on another's",
            json!({"type": "RecordAssessment", "data": {"agreement_id": B, "review_id": RB, "party_id": "lam-dong-iza", "assessed_on": "2021-01-10", "rating": "met"}}),
            c,
            f,
            f,
        ),
        (
            "close review on own",
            json!({"type": "CloseReviewPeriod", "data": {"agreement_id": A, "review_id": RA, "closed_on": "2021-01-20", "outcome": "met", "summary": "s"}}),
            c,
            c,
            f,
        ),
        (
            "close review on another's",
            json!({"type": "CloseReviewPeriod", "data": {"agreement_id": B, "review_id": RB, "closed_on": "2021-01-20", "outcome": "met", "summary": "s"}}),
            c,
            f,
            f,
        ),
        (
            "terminate own",
            json!({"type": "TerminateAgreement", "data": {"agreement_id": A, "effective_on": "2022-01-01", "reason": "r"}}),
            c,
            c,
            f,
        ),
        (
            "terminate another's",
            json!({"type": "TerminateAgreement", "data": {"agreement_id": B, "effective_on": "2022-01-01", "reason": "r"}}),
            c,
            f,
            f,
        ),
    ]
}

#[tokio::test]
async fn each_role_may_issue_exactly_the_commands_its_party_allows() {
    for (what, body, for_admin, for_writer, for_auditor) in table() {
        for (role, expected) in [
            ("admin", for_admin),
            ("writer", for_writer),
            ("auditor", for_auditor),
        ] {
            let app = app().await;
            let token = match role {
                "admin" => ADMIN.to_owned(),
                "writer" => app.writer.clone(),
                _ => app.auditor.clone(),
            };
            let head = app.store.head().position;
            let (status, answer) = command(&app, &token, body.clone()).await;
            assert_eq!(status, expected, "{role}: {what}: {answer}");
            if status == FORBIDDEN {
                assert!(
                    answer["detail"].as_str().unwrap().len() > 10,
                    "{role}: {what}: the refusal says why"
                );
                assert_eq!(
                    app.store.head().position,
                    head,
                    "{role}: {what}: nothing appended"
                );
            }
        }
    }
}

#[tokio::test]
async fn only_admins_manage_tokens_and_everyone_reads() {
    let app = app().await;
    let (_, listed) = call(&app, ADMIN, Method::GET, "/v1/tokens", None).await;
    let some_id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let new = json!({"role": "auditor"});
    let admin_routes: [(Method, String, Option<&Value>); 3] = [
        (Method::GET, "/v1/tokens".into(), None),
        (Method::POST, "/v1/tokens".into(), Some(&new)),
        (Method::DELETE, format!("/v1/tokens/{some_id}"), None),
    ];
    for token in [&app.writer, &app.auditor] {
        for (method, uri, body) in &admin_routes {
            let (status, answer) = call(&app, token, method.clone(), uri, *body).await;
            assert_eq!(status, FORBIDDEN, "{method} {uri}: {answer}");
            assert!(answer["detail"].as_str().unwrap().contains("admin"));
        }
    }
    let reads = [
        "/v1/parties".to_owned(),
        "/v1/agreements".into(),
        format!("/v1/agreements/{B}/history"),
        "/v1/events".into(),
        "/v1/audit/verify".into(),
        "/v1/reports/cooperation".into(),
    ];
    for token in [ADMIN, &app.writer, &app.auditor] {
        for uri in &reads {
            assert_eq!(
                call(&app, token, Method::GET, uri, None).await.0,
                200,
                "{uri}"
            );
        }
    }
    let (status, _) = call(
        &app,
        &app.auditor,
        Method::POST,
        "/v1/audit/verify-checkpoint",
        Some(&json!({})),
    )
    .await;
    assert_eq!(
        status, 400,
        "an auditor may check a checkpoint (this one is malformed)"
    );
    assert_eq!(app.state.access.snapshot().forbidden, 6);
}

/// A webhook receiver on 127.0.0.1 answering 204 to everything, so that
/// deliveries succeed at once and the dispatcher goes idle; its URL.
async fn receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = Router::new().fallback(|| async { StatusCode::NO_CONTENT });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/hooks/accord")
}

/// What the webhook routes are called on: a subscription to a receiver, and
/// the position of the one event it has delivered.
struct Hook {
    id: String,
    position: u64,
    url: String,
}

/// Subscribes the admin to a fresh receiver, appends one event and waits
/// until it is delivered: from then on the dispatcher writes nothing unless
/// a route makes it.
async fn hook(app: &App) -> Hook {
    let url = receiver().await;
    let body = json!({"url": url, "description": "ERP"});
    let (status, created) = call(app, ADMIN, Method::POST, "/v1/webhooks", Some(&body)).await;
    assert_eq!(status, CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    admin(app, json!({"type": "RegisterParty", "data": {"party_id": "vi-du-iza", "name": "Ví Dụ", "kind": "agency"}})).await;
    let position = app.store.head().position;
    let deadline = Instant::now() + Duration::from_secs(30);
    let deliveries = format!("/v1/webhooks/{id}/deliveries");
    loop {
        let (_, page) = call(app, ADMIN, Method::GET, &deliveries, None).await;
        if page["items"][0]["state"] == "succeeded" {
            assert_eq!(page["items"][0]["position"], position, "{page}");
            return Hook { id, position, url };
        }
        assert!(Instant::now() < deadline, "nothing was delivered: {page}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every key and value of the webhook state: subscriptions with their
/// secrets, cursors, replay requests and the delivery log.
fn webhook_tree(app: &App) -> Vec<WebhookEntry> {
    app.store.webhook_scan(b"", None, usize::MAX).unwrap()
}

/// (what, method, documented path, body, what an admin gets, whether the
/// admin's call changes the webhook state). In paths and bodies `{id}` is the
/// subscription, `{position}` its delivered event and `{url}` its receiver.
type WebhookRow = (&'static str, Method, &'static str, Option<Value>, u16, bool);

fn webhook_routes() -> Vec<WebhookRow> {
    let (get, post, delete) = (Method::GET, Method::POST, Method::DELETE);
    vec![
        (
            "create a subscription",
            post.clone(),
            "/v1/webhooks",
            Some(json!({"url": "{url}"})),
            CREATED,
            true,
        ),
        (
            "list subscriptions",
            get.clone(),
            "/v1/webhooks",
            None,
            200,
            false,
        ),
        (
            "read a subscription",
            get.clone(),
            "/v1/webhooks/{id}",
            None,
            200,
            false,
        ),
        (
            "delete a subscription",
            delete,
            "/v1/webhooks/{id}",
            None,
            204,
            true,
        ),
        (
            "read the delivery log",
            get,
            "/v1/webhooks/{id}/deliveries",
            None,
            200,
            false,
        ),
        (
            "replay",
            post.clone(),
            "/v1/webhooks/{id}/replay",
            Some(json!({"from_position": "{position}"})),
            202,
            true,
        ),
        (
            "rotate the secret",
            post.clone(),
            "/v1/webhooks/{id}/rotate-secret",
            None,
            200,
            true,
        ),
        (
            "enable",
            post.clone(),
            "/v1/webhooks/{id}/enable",
            None,
            200,
            false,
        ),
        (
            "disable",
            post.clone(),
            "/v1/webhooks/{id}/disable",
            None,
            200,
            true,
        ),
        (
            "resend a delivery",
            post,
            "/v1/webhooks/{id}/deliveries/{position}/resend",
            None,
            200,
            true,
        ),
    ]
}

/// A row's path and body for `hook`.
fn fill(path: &str, body: Option<&Value>, hook: &Hook) -> (String, Option<Value>) {
    let position = hook.position.to_string();
    let uri = path
        .replace("{id}", &hook.id)
        .replace("{position}", &position);
    let body = body.map(|body| {
        let mut body = body.clone();
        for value in body.as_object_mut().unwrap().values_mut() {
            match value.as_str() {
                Some("{url}") => *value = json!(hook.url),
                Some("{position}") => *value = json!(hook.position),
                _ => {}
            }
        }
        body
    });
    (uri, body)
}

#[tokio::test]
async fn the_webhook_table_names_every_documented_webhook_route() {
    let app = app().await;
    let request = Request::get("/openapi.json").body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let document: Value = serde_json::from_slice(&bytes).unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/v1/webhooks"))
        .flat_map(|(path, item)| {
            let methods = item.as_object().unwrap().keys();
            methods.map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let tabled: BTreeSet<(String, String)> = webhook_routes()
        .iter()
        .map(|(_, method, path, ..)| (method.to_string(), (*path).to_owned()))
        .collect();
    assert_eq!(documented, tabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_use_the_webhook_routes_and_a_refusal_changes_nothing() {
    for (what, method, path, body, for_admin, changes) in webhook_routes() {
        for role in ["admin", "writer", "auditor"] {
            let app = app().await;
            let hook = hook(&app).await;
            let token = match role {
                "admin" => ADMIN.to_owned(),
                "writer" => app.writer.clone(),
                _ => app.auditor.clone(),
            };
            let (uri, body) = fill(path, body.as_ref(), &hook);
            let before = webhook_tree(&app);
            let (status, answer) = call(&app, &token, method.clone(), &uri, body.as_ref()).await;
            if role == "admin" {
                assert_eq!(status, for_admin, "{role}: {what}: {answer}");
                if changes {
                    assert_ne!(webhook_tree(&app), before, "{role}: {what}: it acted");
                }
                continue;
            }
            assert_eq!(status, FORBIDDEN, "{role}: {what}: {answer}");
            let detail = answer["detail"].as_str().unwrap();
            assert!(detail.contains("only an admin"), "{role}: {what}: {detail}");
            assert_eq!(
                webhook_tree(&app),
                before,
                "{role}: {what}: nothing changed"
            );
            let (_, listed) = call(&app, ADMIN, Method::GET, "/v1/webhooks", None).await;
            assert_eq!(
                listed["items"].as_array().unwrap().len(),
                1,
                "{role}: {what}"
            );
            assert_eq!(listed["items"][0]["id"], hook.id.as_str(), "{role}: {what}");
            assert_eq!(app.state.access.snapshot().forbidden, 1, "{role}: {what}");
        }
    }
}

#[tokio::test]
async fn every_event_names_the_token_role_and_party_that_caused_it() {
    let app = app().await;
    let (_, tokens) = call(&app, ADMIN, Method::GET, "/v1/tokens", None).await;
    let writer_id = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "writer")
        .unwrap()["id"]
        .clone();
    let (status, _) = command(
        &app,
        &app.writer,
        exchange(
            A,
            "0190f0a0-0000-7000-8000-0000000000e9",
            ["dong-nai-iza", "lam-dong-iza"],
        ),
    )
    .await;
    assert_eq!(status, CREATED);
    let (_, history) = call(
        &app,
        &app.auditor,
        Method::GET,
        &format!("/v1/agreements/{A}/history"),
        None,
    )
    .await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["actor"],
        json!({"token_id": writer_id, "role": "writer", "party_id": "dong-nai-iza"})
    );
}

#[tokio::test]
async fn refusals_are_counted_by_kind() {
    let app = app().await;
    let before = app.state.access.snapshot();
    let none = Request::get("/v1/parties").body(Body::empty()).unwrap();
    assert_eq!(
        app.router.clone().oneshot(none).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = command(
        &app,
        &app.auditor,
        review(A, "0190f0a0-0000-7000-8000-0000000000f7"),
    )
    .await;
    assert_eq!(status, FORBIDDEN);
    let (status, _) = command(
        &app,
        &app.writer,
        review(B, "0190f0a0-0000-7000-8000-0000000000f8"),
    )
    .await;
    assert_eq!(status, FORBIDDEN);
    let (status, answer) = command(&app, &app.writer, json!({"type": "TerminateAgreement", "data": {"agreement_id": A, "effective_on": "2019-01-01", "reason": "r"}})).await;
    assert_eq!(status, 422);
    let rule = answer["rule"].as_str().unwrap().to_owned();
    let after = app.state.access.snapshot();
    assert_eq!(after.auth_failures, before.auth_failures + 1);
    assert_eq!(after.forbidden, before.forbidden + 2);
    assert_eq!(after.refused.get(&rule), Some(&1));
}

#[tokio::test]
async fn a_writer_token_needs_a_registered_party_and_others_take_none() {
    let app = app().await;
    for (body, field) in [
        (json!({"role": "writer"}), "party_id"),
        (
            json!({"role": "writer", "party_id": "nobody-here"}),
            "party_id",
        ),
        (
            json!({"role": "writer", "party_id": "Not A Slug"}),
            "party_id",
        ),
        (
            json!({"role": "auditor", "party_id": "dong-nai-iza"}),
            "party_id",
        ),
        (json!({"role": "root"}), "role"),
        (json!({"role": "admin", "colour": "red"}), "colour"),
    ] {
        let (status, answer) = call(&app, ADMIN, Method::POST, "/v1/tokens", Some(&body)).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["errors"][0]["field"]
                .as_str()
                .unwrap()
                .contains(field)
                || answer["detail"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_revoked_token_stops_at_once_and_the_last_admin_stays() {
    let app = app().await;
    let (_, listed) = call(&app, ADMIN, Method::GET, "/v1/tokens", None).await;
    let items = listed["items"].as_array().unwrap().clone();
    assert!(items
        .iter()
        .all(|t| t.get("hash").is_none() && t.get("token").is_none()));
    let writer_id = items.iter().find(|t| t["role"] == "writer").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin_id = items.iter().find(|t| t["role"] == "admin").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        call(&app, &app.writer, Method::GET, "/v1/parties", None)
            .await
            .0,
        200
    );
    assert_eq!(
        call(
            &app,
            ADMIN,
            Method::DELETE,
            &format!("/v1/tokens/{writer_id}"),
            None
        )
        .await
        .0,
        204
    );
    let (status, answer) = call(&app, &app.writer, Method::GET, "/v1/parties", None).await;
    assert_eq!(status, 401);
    assert_eq!(answer["detail"], "the token was revoked");
    let (status, answer) = call(
        &app,
        ADMIN,
        Method::DELETE,
        &format!("/v1/tokens/{admin_id}"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let unknown = "0190f0a0-0000-7000-8000-000000000999";
    assert_eq!(
        call(
            &app,
            ADMIN,
            Method::DELETE,
            &format!("/v1/tokens/{unknown}"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(&app, ADMIN, Method::DELETE, "/v1/tokens/not-a-uuid", None)
            .await
            .0,
        400
    );
}
