//! Lineage and diff over real HTTP, on the demo's story: what changed in
//! the bilateral Đồng Nai – Lâm Đồng program around 4 July 2013, and what
//! its recorded exchanges added, each change traced to its event.

#[path = "support/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{DataDir, Server};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";
const FINAL_REVIEW: &str = "0190f0a0-2013-7000-8000-0000000000e1";

/// The position of the demo's only event of `type`.
fn position_of(events: &[Value], kind: &str) -> u64 {
    let found: Vec<&Value> = events.iter().filter(|e| e["type"] == kind).collect();
    assert_eq!(found.len(), 1, "one {kind} in the demo");
    found[0]["position"].as_u64().expect("a position")
}

fn changes_of<'a>(diff: &'a Value, kind: &str) -> Vec<&'a Value> {
    diff["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["kind"] == kind)
        .collect()
}

#[tokio::test]
async fn between_3_and_5_july_2013_the_review_closes_and_the_tripartite_program_supersedes() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let events = server.events().await;
    let closing = position_of(&events, "ReviewPeriodClosed");
    let signatures: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "AgreementSigned" && e["data"]["agreement_id"] == TRIPARTITE)
        .collect();
    let tripartite = signatures[0]["position"].as_u64().unwrap();

    let diff = server
        .json(&format!(
            "/v1/agreements/{BILATERAL}/diff?from=2013-07-03&to=2013-07-05"
        ))
        .await;
    assert_eq!(diff["from"]["kind"], "date");
    assert_eq!(diff["to"]["at"], "2013-07-05");

    let closed = changes_of(&diff, "review_closed");
    assert_eq!(closed.len(), 1, "{diff:#}");
    assert_eq!(closed[0]["review_id"], FINAL_REVIEW);
    assert_eq!(closed[0]["sources"], json!([closing]));
    assert_eq!(closed[0]["events"][0]["type"], "ReviewPeriodClosed");
    assert_eq!(closed[0]["after"]["outcome"], "met");

    let status = changes_of(&diff, "status");
    assert_eq!(status.len(), 1, "{diff:#}");
    assert_eq!(
        (&status[0]["before"], &status[0]["after"]),
        (&json!("active"), &json!("superseded"))
    );
    assert_eq!(status[0]["sources"], json!([tripartite]));
    assert_eq!(status[0]["events"][0]["type"], "AgreementSigned");
    assert_eq!(status[0]["events"][0]["id"], signatures[0]["id"]);

    let assessed = changes_of(&diff, "review_assessed");
    assert_eq!(assessed.len(), 2, "both authorities assessed on 4 July");
}

#[tokio::test]
async fn between_versions_1_and_7_the_six_exchanges_are_added_each_with_its_recording() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let diff = server
        .json(&format!("/v1/agreements/{BILATERAL}/diff?from=1&to=7"))
        .await;
    assert_eq!(
        (
            diff["from"]["version"].clone(),
            diff["to"]["version"].clone()
        ),
        (json!(1), json!(7))
    );
    let changes = diff["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 6, "{diff:#}");
    let listed = server
        .json(&format!("/v1/agreements/{BILATERAL}/exchanges"))
        .await;
    for (change, exchange) in changes.iter().zip(listed["items"].as_array().unwrap()) {
        assert_eq!(change["kind"], "exchange_added");
        assert_eq!(change["exchange_id"], exchange["exchange_id"]);
        assert_eq!(
            change["sources"], exchange["sources"],
            "its lineage is its recording"
        );
        assert_eq!(change["events"][0]["type"], "ExchangeRecorded");
    }
}

#[tokio::test]
async fn every_figure_of_the_report_leads_to_the_events_behind_it() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let report = server.json("/v1/reports/cooperation?at=2013-07-05").await;
    let bilateral = &report["agreements"][0];
    assert_eq!(bilateral["agreement_id"], BILATERAL);
    let counted = bilateral["exchange_sources"]
        .as_array()
        .expect("exchange_sources");
    assert_eq!(
        counted.len() as u64,
        bilateral["exchanges"].as_u64().unwrap()
    );
    let events = server.events().await;
    for position in counted {
        let event = &events[position.as_u64().unwrap() as usize - 1];
        assert_eq!(event["type"], "ExchangeRecorded");
    }
    assert_eq!(
        bilateral["review_sources"],
        json!([position_of(&events, "ReviewPeriodClosed")])
    );
    let agreement = server
        .json(&format!("/v1/agreements/{BILATERAL}?at=2013-07-05"))
        .await;
    assert_eq!(bilateral["sources"], agreement["sources"]);
    assert_eq!(
        agreement["sources"].as_array().map(Vec::len),
        Some(2),
        "signed, then superseded"
    );
}

#[tokio::test]
async fn a_diff_of_an_unknown_point_is_404_and_a_malformed_one_400() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let not_yet = server
        .get(&format!(
            "/v1/agreements/{TRIPARTITE}/diff?from=1&to=2013-07-03"
        ))
        .await;
    assert_eq!(not_yet.status, 404, "{}", not_yet.text);
    let malformed = server
        .get(&format!("/v1/agreements/{BILATERAL}/diff?from=1&to=4-July"))
        .await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert_eq!(malformed.content_type, "application/problem+json");
    assert_eq!(malformed.body["errors"][0]["field"], "to");
}
