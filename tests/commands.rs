//! `POST /v1/commands` over real HTTP: authentication, content type, size,
//! invalid fields, refusals, version conflicts and idempotency (across a
//! restart), and the two times of an exchange recorded late, then retracted.

#[path = "support/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{DataDir, Reply, Server, TOKEN};

const AGREEMENT: &str = "0190f0a0-2010-7000-8000-000000000001";
const PARTIES: [&str; 2] = ["dong-nai-iza", "lam-dong-iza"];

/// Two parties and one agreement over 2010–2015: 3 events.
async fn seeded(dir: &DataDir) -> Server {
    let server = Server::start(dir).await;
    for (id, name) in PARTIES.iter().zip([
        "Ban quản lý các KCN Đồng Nai",
        "Ban quản lý các KCN Lâm Đồng",
    ]) {
        let data = json!({"party_id": id, "name": name, "kind": "industrial_zone_authority"});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    let data = json!({"agreement_id": AGREEMENT, "title": "Chương trình hợp tác 2010–2015",
        "parties": PARTIES, "signed_on": "2010-01-15", "term": {"start": "2010-01-15", "end": "2015-12-31"},
        "areas": ["investment_promotion", "labour_recruitment"]});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
    server
}

fn exchange(id: &str, occurred_on: &str, area: &str) -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": AGREEMENT, "exchange_id": id, "occurred_on": occurred_on, "area": area,
        "kind": "meeting", "parties": PARTIES, "summary": "Hội nghị xúc tiến đầu tư chung"}})
}

/// A fixed UUID, readable in failures: `0190f0a0-<year>-7000-8000-<n>`.
fn id(year: u32, n: u32) -> String {
    format!("0190f0a0-{year}-7000-8000-{n:012}")
}

fn with_id(mut body: Value, command_id: &str) -> Value {
    body["command_id"] = json!(command_id);
    body
}

async fn agreement(server: &Server, query: &[(&str, &str)]) -> Value {
    let reply = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}"), query)
        .await;
    assert_eq!(reply.status, 200, "{query:?}: {}", reply.text);
    reply.body
}

/// The agreement's exchanges as (exchange_id, status).
async fn exchange_statuses(server: &Server, query: &[(&str, &str)]) -> Vec<(String, String)> {
    let reply = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}/exchanges"), query)
        .await;
    assert_eq!(reply.status, 200, "{query:?}: {}", reply.text);
    let items = reply.body["items"].as_array().expect("items").iter();
    items
        .map(|e| {
            (
                e["exchange_id"].as_str().unwrap().into(),
                e["status"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn assert_problem(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.content_type.starts_with("application/problem+json"),
        "content type {}",
        reply.content_type
    );
    assert_eq!(reply.body["status"], status, "{}", reply.text);
}

/// The `recorded_at` of the event at `position` (the log starts at 1).
fn recorded_at(events: &[Value], position: u64) -> String {
    let event = &events[position as usize - 1];
    assert_eq!(event["position"], position);
    event["recorded_at"].as_str().expect("recorded_at").into()
}

#[tokio::test]
async fn a_command_without_a_known_token_is_unauthorized_and_appends_nothing() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let head = server.head().await;
    let body = exchange(&id(2012, 1), "2012-05-01", "investment_promotion");
    let post = || server.client.post(server.url("/v1/commands")).json(&body);
    assert_problem(&server.send(post()).await, 401);
    assert_problem(&server.send(post().bearer_auth("wrong-token")).await, 401);
    assert_problem(&server.send(post().bearer_auth(&TOKEN[1..])).await, 401);
    assert_eq!(server.head().await, head);
    assert_eq!(
        server.send(post().bearer_auth(TOKEN)).await.status,
        201,
        "the same body with the token"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_or_over_one_mebibyte_is_rejected_and_appends_nothing() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let head = server.head().await;
    let body = exchange(&id(2012, 2), "2012-05-01", "investment_promotion");
    let post = || {
        server
            .client
            .post(server.url("/v1/commands"))
            .bearer_auth(TOKEN)
    };

    let text = post()
        .header("content-type", "text/plain")
        .body(body.to_string());
    assert_problem(&server.send(text).await, 415);

    let mut huge = body.clone();
    huge["data"]["summary"] = json!("Tổng kết ".repeat(100_000) + "x".repeat(64 * 1024).as_str());
    let bytes = huge.to_string();
    assert!(bytes.len() > 1024 * 1024, "{} bytes", bytes.len());
    assert_problem(
        &server
            .send(
                post()
                    .header("content-type", "application/json")
                    .body(bytes),
            )
            .await,
        413,
    );

    assert_eq!(server.head().await, head);
}

#[tokio::test]
async fn an_impossible_date_is_invalid_and_names_the_field() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let head = server.head().await;
    let reply = server
        .command(&json!({"type": "SignAgreement", "data": {
            "title": "Chương trình hợp tác", "parties": PARTIES, "signed_on": "2013-07-04",
            "term": {"start": "2013-07-04", "end": "2015-02-30"}, "areas": ["scheme_30"]}}))
        .await;
    assert_problem(&reply, 400);
    assert_eq!(
        reply.body["errors"][0]["field"], "data.term.end",
        "{}",
        reply.text
    );
    assert_eq!(server.head().await, head);
}

#[tokio::test]
async fn commands_breaking_a_rule_are_refused_naming_the_rule_and_append_nothing() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let review = "0190f0a0-2013-7000-8000-0000000000e1";
    let head = server.head().await;
    let outside = server
        .command(&exchange(&id(2016, 1), "2016-03-01", "labour_recruitment"))
        .await;
    assert_problem(&outside, 422);
    assert_eq!(
        outside.body["rule"], "exchange_outside_term",
        "{}",
        outside.text
    );
    assert_eq!(server.head().await, head);

    let open = json!({"agreement_id": AGREEMENT, "review_id": review, "title": "Sơ kết", "kind": "interim",
        "period": {"start": "2010-01-15", "end": "2012-12-31"}, "opened_on": "2013-01-10"});
    server
        .accept(&json!({"type": "OpenReviewPeriod", "data": open}))
        .await;
    let close = json!({"type": "CloseReviewPeriod", "data": {"agreement_id": AGREEMENT, "review_id": review,
        "closed_on": "2013-01-20", "outcome": "partially_met", "summary": "Đạt một phần"}});
    server.accept(&close).await;
    let head = server.head().await;
    let again = server.command(&close).await;
    assert_problem(&again, 422);
    assert_eq!(
        again.body["rule"], "review_already_closed",
        "{}",
        again.text
    );
    assert_eq!(server.head().await, head);
}

#[tokio::test]
async fn a_stale_expected_version_conflicts_and_appends_nothing() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let head = server.head().await;
    let mut body = exchange(&id(2012, 3), "2012-05-01", "investment_promotion");
    body["expected_version"] = json!(0);
    assert_problem(&server.command(&body).await, 409);
    assert_eq!(server.head().await, head);
    body["expected_version"] = json!(1);
    let result = server.accept(&body).await;
    assert_eq!(result["version"], 2, "{result}");
    assert_eq!(result["stream"], format!("agreement:{AGREEMENT}"));
}

#[tokio::test]
async fn a_repeated_command_id_answers_the_original_result_even_after_a_restart() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let command_id = "0190f0a0-1d00-7000-8000-000000000001";
    let body = exchange(&id(2012, 4), "2012-05-01", "investment_promotion");
    let body = with_id(body, command_id);
    let mut other = body.clone();
    other["data"]["summary"] = json!("Một nội dung khác");
    let first = server.accept(&body).await;
    assert_eq!(first["command_id"], command_id);
    let head = server.head().await;

    let repeat = server.command(&body).await;
    assert_eq!(repeat.status, 200, "{}", repeat.text);
    assert_eq!(repeat.body, first);
    assert_problem(&server.command(&other).await, 409);
    assert_eq!(server.head().await, head);
    server.stop();

    let restarted = Server::start(&dir).await;
    let repeat = restarted.command(&body).await;
    assert_eq!(repeat.status, 200, "after a restart: {}", repeat.text);
    assert_eq!(repeat.body, first);
    assert_problem(&restarted.command(&other).await, 409);
    assert_eq!(restarted.head().await, head);
}

#[tokio::test]
async fn a_late_exchange_then_retracted_is_listed_but_counted_only_as_of_before_the_retraction() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let exchange_id = &id(2012, 5);
    let recorded = server
        .accept(&exchange(exchange_id, "2012-03-10", "investment_promotion"))
        .await;
    let retract =
        json!({"agreement_id": AGREEMENT, "exchange_id": exchange_id, "reason": "Ghi nhầm"});
    let retracted = server
        .accept(&json!({"type": "RetractExchange", "data": retract}))
        .await;
    let events = server.events().await;
    let (before, during, after) = (
        recorded_at(&events, recorded["position"].as_u64().unwrap() - 1),
        recorded_at(&events, recorded["position"].as_u64().unwrap()),
        recorded_at(&events, retracted["position"].as_u64().unwrap()),
    );
    assert!(
        before != during && during != after,
        "distinct instants: {before} {during} {after}"
    );

    let listed = exchange_statuses(&server, &[]).await;
    assert_eq!(listed, [(exchange_id.to_owned(), "retracted".to_owned())]);
    for at in ["2012-03-10", "2013-01-01", "2015-12-31", "2030-01-01"] {
        let now = agreement(&server, &[("at", at)]).await;
        assert_eq!(
            now["exchanges"],
            json!({"total": 0, "by_area": {}}),
            "at {at}"
        );
        let report = server
            .get_query("/v1/reports/cooperation", &[("at", at)])
            .await;
        assert_eq!(
            report.body["totals"]["exchanges"], 0,
            "at {at}: {}",
            report.text
        );
    }
    assert_eq!(agreement(&server, &[]).await["exchanges"]["total"], 0);

    let known = agreement(&server, &[("as_of", &during)]).await;
    assert_eq!(known["exchanges"]["total"], 1, "as_of {during}: {known:#}");
    assert_eq!(known["exchanges"]["by_area"]["investment_promotion"], 1);
    let listed = exchange_statuses(&server, &[("as_of", &during)]).await;
    assert_eq!(listed, [(exchange_id.to_owned(), "recorded".to_owned())]);
    let not_yet_occurred = agreement(&server, &[("as_of", &during), ("at", "2012-03-09")]).await;
    assert_eq!(not_yet_occurred["exchanges"]["total"], 0);

    assert_eq!(
        agreement(&server, &[("as_of", &before)]).await["exchanges"]["total"],
        0
    );
    assert_eq!(exchange_statuses(&server, &[("as_of", &before)]).await, []);
    assert_eq!(
        agreement(&server, &[("as_of", &after)]).await["exchanges"]["total"],
        0
    );
}

#[tokio::test]
async fn correcting_an_exchange_s_area_moves_it_between_areas() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let (moved, stays) = (&id(2011, 1), &id(2011, 2));
    server
        .accept(&exchange(moved, "2011-04-01", "investment_promotion"))
        .await;
    server
        .accept(&exchange(stays, "2011-05-01", "labour_recruitment"))
        .await;
    let counts = agreement(&server, &[]).await["exchanges"].clone();
    assert_eq!(
        counts,
        json!({"total": 2, "by_area": {"investment_promotion": 1, "labour_recruitment": 1}})
    );

    let correct = json!({"agreement_id": AGREEMENT, "exchange_id": moved, "area": "labour_recruitment",
        "reason": "Nhầm lĩnh vực"});
    server
        .accept(&json!({"type": "CorrectExchange", "data": correct}))
        .await;
    let counts = agreement(&server, &[("at", "2011-12-31")]).await["exchanges"].clone();
    assert_eq!(
        counts,
        json!({"total": 2, "by_area": {"labour_recruitment": 2}})
    );
    let statuses = exchange_statuses(&server, &[]).await;
    assert!(
        statuses.contains(&(moved.to_owned(), "corrected".to_owned())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&(stays.to_owned(), "recorded".to_owned())),
        "{statuses:?}"
    );
    let report = server.json("/v1/reports/cooperation").await;
    assert_eq!(
        report["agreements"][0]["by_area"],
        json!({"labour_recruitment": 2}),
        "{report:#}"
    );
}

#[tokio::test]
async fn every_event_written_with_the_admin_token_names_the_admin_actor() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let exchange_id = &id(2012, 6);
    server
        .accept(&exchange(exchange_id, "2012-08-01", "labour_recruitment"))
        .await;
    let retract =
        json!({"agreement_id": AGREEMENT, "exchange_id": exchange_id, "reason": "Trùng lặp"});
    server
        .accept(&json!({"type": "RetractExchange", "data": retract}))
        .await;
    let events = server.events().await;
    assert_eq!(events.len(), 5);
    let token_id = &events[0]["actor"]["token_id"];
    assert!(
        token_id.as_str().is_some_and(|t| !t.is_empty()),
        "{:#}",
        events[0]
    );
    for event in &events {
        assert_eq!(event["actor"]["role"], "admin", "{event:#}");
        assert_eq!(
            &event["actor"]["token_id"], token_id,
            "one token wrote them all: {event:#}"
        );
        assert!(event["command_id"].as_str().is_some(), "{event:#}");
    }
}
