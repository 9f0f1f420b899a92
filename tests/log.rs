//! The global log over real HTTP: pages, filters, the two times, and the
//! Server-Sent Events stream resuming after `Last-Event-ID`.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use server::{read_events, subscribe, DataDir, Server};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";

#[tokio::test]
async fn the_stream_resumes_after_last_event_id_and_follows_new_events() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let response = subscribe(&server, Some("20")).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let reader = tokio::spawn(read_events(response, 4));
    let exchange = json!({"type": "RecordExchange", "data": {"agreement_id": BILATERAL, "occurred_on": "2013-01-15",
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "summary": "Hội nghị xúc tiến đầu tư chung"}});
    let appended = server.accept(&exchange).await;
    let events = reader.await.unwrap();
    let ids: Vec<u64> = events.iter().map(|e| e.0).collect();
    assert_eq!(
        ids,
        vec![21, 22, 23, 24],
        "resumes after 20, then follows the new event"
    );
    assert_eq!(events[3].1, "ExchangeRecorded");
    assert_eq!(events[3].2["position"], appended["position"]);
    assert_eq!(
        events[3].2["data"]["summary"],
        "Hội nghị xúc tiến đầu tư chung"
    );
}

#[tokio::test]
async fn log_pages_follow_next_after_and_filter_by_type_and_time() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let first = server.json("/v1/events?limit=4").await;
    let positions: Vec<u64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, vec![1, 2, 3, 4]);
    assert_eq!(first["next_after"], 4);
    let last = server.json("/v1/events?after=20&limit=10").await;
    assert_eq!(last["items"].as_array().unwrap().len(), 3);
    assert!(last["next_after"].is_null(), "the end of the log");

    let exchanges = server
        .json("/v1/events?type=ExchangeRecorded&limit=100")
        .await;
    let items = exchanges["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert!(items.iter().all(|e| e["type"] == "ExchangeRecorded"));
    let bad_type = server.get("/v1/events?type=Nonsense").await;
    assert_eq!(bad_type.status, 400);

    // Business time: only facts effective by 2010-01-01 (and parties, which have no date).
    let early = server.json("/v1/events?at=2010-01-01&limit=100").await;
    let early = early["items"].as_array().unwrap();
    assert!(early.iter().all(
        |e| e["effective_on"].is_null() || e["effective_on"].as_str().unwrap() <= "2010-01-01"
    ));
    assert_eq!(
        early.len(),
        3 + 1 + 2 + 4,
        "three parties, the signature, two exchanges, the work plan's three activities and one cancellation (no business date)"
    );

    // Knowledge time: as of the 5th event's recording, nothing later is known.
    let fifth = &server.json("/v1/events?after=4&limit=1").await["items"][0];
    let instant = fifth["recorded_at"].as_str().unwrap();
    let known = server
        .get_query("/v1/events", &[("as_of", instant), ("limit", "100")])
        .await;
    let known_positions: Vec<u64> = known.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    // Each demo command was its own batch, so no later event shares that instant.
    assert_eq!(known_positions, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_agreement_history_honours_both_times() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let all = server
        .json(&format!("/v1/agreements/{BILATERAL}/history"))
        .await;
    let all = all["items"].as_array().unwrap().clone();
    assert_eq!(
        all.len(),
        11,
        "signature, six exchanges, the review opened, two assessments, closed"
    );
    let early = server
        .json(&format!("/v1/agreements/{BILATERAL}/history?at=2010-12-31"))
        .await;
    assert_eq!(early["items"].as_array().unwrap().len(), 1 + 3);
    let before = server
        .get(&format!("/v1/agreements/{BILATERAL}/history?at=2007-12-19"))
        .await;
    assert_eq!(before.status, 404, "not signed yet on that date");
    let sixth = all[5]["recorded_at"].as_str().unwrap().to_owned();
    let known = server
        .get_query(
            &format!("/v1/agreements/{BILATERAL}/history"),
            &[("as_of", &sixth)],
        )
        .await;
    let versions: Vec<u64> = known.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    assert!(
        versions.len() >= 6 && versions.len() < 11,
        "as of the sixth event: {versions:?}"
    );
    assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn sigterm_ends_open_event_streams_and_stops_the_server() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let response = subscribe(&server, None).await;
    let mut open_stream = response.bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(20), open_stream.next()).await;
    assert!(matches!(first, Ok(Some(Ok(_)))), "the stream sends the log");
    // The stream is still open: the server must end it itself. `stop` panics
    // unless the process exits within its bound after SIGTERM.
    server.stop();
    drop(open_stream);
}
