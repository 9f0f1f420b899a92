//! Webhooks end to end: the real binary (`--webhook-allow-private`) delivers
//! to a real `TestReceiver` on 127.0.0.1; deliveries are checked with the
//! Standard Webhooks reference verifier (Python), through a receiver outage,
//! a `kill -9` of Accord, a secret rotation and a replay.

#[path = "support/receiver.rs"]
mod receiver;
#[path = "support/server.rs"]
mod server;

use std::collections::HashMap;
use std::time::Duration;

use receiver::{verify_with_python, Received, TestReceiver};
use serde_json::{json, Value};
use server::{DataDir, Server};

/// Quick retries so outages and failures play out in seconds.
const FLAGS: &[&str] = &[
    "--webhook-allow-private",
    "--webhook-retry-schedule",
    "100ms,200ms,300ms,500ms,1s,1s,1s,1s,2s,2s,2s,2s,2s,2s",
    "--webhook-timeout",
    "2s",
];
const WITHIN: Duration = Duration::from_secs(60);

async fn subscribe(server: &Server, url: &str) -> (String, String) {
    let created = server.post("/v1/webhooks", &json!({"url": url})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    (id, secret)
}

/// Registers `n` parties; their positions.
async fn register(server: &Server, from: usize, n: usize) -> Vec<u64> {
    let mut positions = Vec::new();
    for i in from..from + n {
        let data = json!({"party_id": format!("party-{i:04}"), "name": format!("Ban quản lý {i}"), "kind": "industrial_zone_authority"});
        let result = server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
        positions.push(result["position"].as_u64().unwrap());
    }
    positions
}

/// The first time each position arrived, in arrival order.
fn first_arrivals(received: &[Received]) -> Vec<u64> {
    let mut seen = std::collections::HashSet::new();
    received
        .iter()
        .map(Received::position)
        .filter(|p| seen.insert(*p))
        .collect()
}

fn has_all(received: &[Received], positions: &[u64]) -> bool {
    let got: std::collections::HashSet<u64> = received.iter().map(Received::position).collect();
    positions.iter().all(|p| got.contains(p))
}

#[tokio::test]
async fn deliveries_verify_with_the_reference_verifier_in_log_order_with_the_event_id() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    let (id, secret) = subscribe(&server, &receiver.url()).await;
    let positions = register(&server, 0, 5).await;
    let received = receiver.wait_for(WITHIN, |r| r.len() >= 5).await;
    assert_eq!(
        received.iter().map(Received::position).collect::<Vec<_>>(),
        positions
    );
    let events = server.events().await;
    for delivery in &received {
        verify_with_python(&secret, delivery).expect("the reference verifier accepts the delivery");
        let event = events
            .iter()
            .find(|e| e["position"].as_u64() == Some(delivery.position()))
            .unwrap();
        assert_eq!(delivery.header("webhook-id"), event["id"].as_str().unwrap());
        assert_eq!(delivery.json["type"], "PartyRegistered");
        assert_eq!(delivery.json["timestamp"], event["recorded_at"]);
        assert_eq!(delivery.json["data"], *event);
    }
    let mut tampered = received[0].clone();
    tampered.body = tampered.body.replace("party-0000", "party-9999");
    assert!(
        verify_with_python(&secret, &tampered).is_err(),
        "a changed body must not verify"
    );
    let log = server
        .json(&format!("/v1/webhooks/{id}/deliveries?state=succeeded"))
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{log}");
    let attempt = &items[0]["attempts"][0];
    assert_eq!(attempt["status_code"], 204);
    assert!(
        attempt["duration_ms"].is_u64() && attempt["at"].is_string(),
        "{attempt}"
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_old_one_and_both_verify() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    let (id, old) = subscribe(&server, &receiver.url()).await;
    let rotated = server
        .post(&format!("/v1/webhooks/{id}/rotate-secret"), &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    register(&server, 0, 1).await;
    let received = receiver.wait_for(WITHIN, |r| !r.is_empty()).await;
    let signatures = received[0].header("webhook-signature");
    assert_eq!(signatures.split(' ').count(), 2, "{signatures}");
    assert!(signatures.split(' ').all(|s| s.starts_with("v1,")));
    verify_with_python(&new, &received[0]).expect("the new secret verifies");
    verify_with_python(&old, &received[0]).expect("the old secret still verifies for 24 hours");
}

#[tokio::test]
async fn replay_delivers_again_from_a_position_with_the_same_webhook_ids() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    let (id, _) = subscribe(&server, &receiver.url()).await;
    let positions = register(&server, 0, 4).await;
    let first = receiver.wait_for(WITHIN, |r| r.len() >= 4).await;
    let replay = server
        .post(
            &format!("/v1/webhooks/{id}/replay"),
            &json!({"from_position": positions[1]}),
        )
        .await;
    assert_eq!(replay.status, 202, "{}", replay.text);
    let all = receiver.wait_for(WITHIN, |r| r.len() >= 7).await;
    let again: Vec<u64> = all[4..].iter().map(Received::position).collect();
    assert_eq!(again, positions[1..]);
    for (before, after) in first[1..].iter().zip(&all[4..]) {
        assert_eq!(before.header("webhook-id"), after.header("webhook-id"));
    }
    let resend = server
        .post(
            &format!("/v1/webhooks/{id}/deliveries/{}/resend", positions[0]),
            &json!({}),
        )
        .await;
    assert_eq!(resend.status, 200, "{}", resend.text);
    assert_eq!(resend.body["state"], "succeeded");
    receiver.wait_for(WITHIN, |r| r.len() >= 8).await;
}

#[tokio::test]
async fn events_appended_while_the_receiver_was_down_arrive_in_order_once_it_is_back() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    let (address, log) = (receiver.address, receiver.log());
    let (id, _) = subscribe(&server, &receiver.url()).await;
    receiver.stop();
    let positions = register(&server, 0, 3).await;
    // Wait until the first delivery has been tried against the closed port.
    let deadline = std::time::Instant::now() + WITHIN;
    let pending = loop {
        let pending = server
            .json(&format!("/v1/webhooks/{id}/deliveries?state=pending"))
            .await;
        if pending["items"][0]["attempts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break pending;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no attempt within {WITHIN:?}: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let attempts = &pending["items"][0]["attempts"];
    assert!(
        attempts[0]["error"].is_string() && attempts[0]["status_code"].is_null(),
        "{attempts}"
    );
    let receiver = TestReceiver::start_on(address, log).await;
    let received = receiver.wait_for(WITHIN, |r| has_all(r, &positions)).await;
    assert_eq!(first_arrivals(&received), positions);
}

#[tokio::test]
async fn a_receiver_answering_errors_is_retried_until_it_succeeds_and_500s_are_logged() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    receiver.answer(500);
    let (id, _) = subscribe(&server, &receiver.url()).await;
    let positions = register(&server, 0, 2).await;
    receiver.wait_for(WITHIN, |r| r.len() >= 3).await;
    receiver.answer(200);
    let received = receiver
        .wait_for(WITHIN, |r| {
            has_all(r, &positions) && r.last().map(Received::position) == Some(positions[1])
        })
        .await;
    assert_eq!(first_arrivals(&received), positions);
    let ids: Vec<&str> = received
        .iter()
        .filter(|r| r.position() == positions[0])
        .map(|r| r.header("webhook-id"))
        .collect();
    assert!(
        ids.len() >= 3 && ids.iter().all(|i| *i == ids[0]),
        "{ids:?}"
    );
    let log = server.json(&format!("/v1/webhooks/{id}/deliveries")).await;
    let attempts = log["items"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["status_code"], 500, "{log}");
    assert_eq!(log["items"][0]["state"], "succeeded");
}

#[tokio::test]
async fn a_kill_9_mid_delivery_loses_no_event_and_duplicates_keep_their_webhook_id() {
    let dir = DataDir::new();
    let mut server = Server::start_with(&dir, FLAGS).await;
    let receiver = TestReceiver::start().await;
    subscribe(&server, &receiver.url()).await;
    let mut positions = register(&server, 0, 40).await;
    receiver.wait_for(WITHIN, |r| r.len() >= 5).await;
    server.kill();
    let before = receiver.received().len();
    let server = Server::start_with(&dir, FLAGS).await;
    positions.extend(register(&server, 40, 10).await);
    let received = receiver.wait_for(WITHIN, |r| has_all(r, &positions)).await;
    assert!(before < 50 || received.len() >= 50, "sanity");
    assert_eq!(
        first_arrivals(&received),
        positions,
        "every event, in log order"
    );
    let mut ids: HashMap<u64, &str> = HashMap::new();
    for delivery in &received {
        let id = ids
            .entry(delivery.position())
            .or_insert(delivery.header("webhook-id"));
        assert_eq!(
            *id,
            delivery.header("webhook-id"),
            "a duplicate keeps its webhook-id"
        );
    }
    let events: Vec<Value> = server.events().await;
    assert_eq!(events.len(), 50);
}

/// A receiver down for days, compressed into seconds: four quick attempts
/// per event and `--webhook-disable-after 1s`. The dispatcher holds no queue
/// of its own (the log is its outbox: it reads at most one page of events
/// after its cursor), so what piles up while the receiver is down is the
/// log, on disk, not the server's memory.
#[tokio::test]
async fn a_receiver_down_past_disable_after_disables_the_subscription_and_enable_resumes_at_its_cursor(
) {
    let dir = DataDir::new();
    let flags = [
        "--webhook-allow-private",
        "--webhook-retry-schedule",
        "100ms,100ms,100ms",
        "--webhook-timeout",
        "1s",
        "--webhook-disable-after",
        "1s",
    ];
    let server = Server::start_with(&dir, &flags).await;
    let receiver = TestReceiver::start().await;
    let (address, log) = (receiver.address, receiver.log());
    let (id, _) = subscribe(&server, &receiver.url()).await;
    receiver.stop();
    let mut positions = register(&server, 0, 20).await;

    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let subscription = server.json(&format!("/v1/webhooks/{id}")).await;
        if subscription["status"] == "disabled" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not disabled within {WITHIN:?}: {subscription}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = server
        .json(&format!("/v1/webhooks/{id}/deliveries?state=failed"))
        .await;
    let failed: Vec<u64> = failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["position"].as_u64().unwrap())
        .collect();
    assert!(
        !failed.is_empty() && failed.len() < positions.len(),
        "a few events failed their whole schedule before the subscription was disabled: {failed:?}"
    );
    positions.extend(register(&server, 20, 10).await);
    let receiver = TestReceiver::start_on(address, log).await;
    let enabled = server
        .post(&format!("/v1/webhooks/{id}/enable"), &json!({}))
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);

    let expected: Vec<u64> = positions
        .iter()
        .copied()
        .filter(|p| !failed.contains(p))
        .collect();
    let received = receiver.wait_for(WITHIN, |r| has_all(r, &expected)).await;
    assert_eq!(
        first_arrivals(&received),
        expected,
        "from the cursor on, in order: events appended while disabled included, the failed ones not again"
    );
    let subscription = server.json(&format!("/v1/webhooks/{id}")).await;
    assert_eq!(subscription["status"], "enabled", "{subscription}");
}

#[tokio::test]
async fn a_void_goes_to_the_subscribers_of_the_voided_events_type_and_nothing_is_unsent() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, FLAGS).await;
    let (registrations, signatures) = (TestReceiver::start().await, TestReceiver::start().await);
    for (receiver, types) in [
        (&registrations, ["PartyRegistered"]),
        (&signatures, ["AgreementSigned"]),
    ] {
        let body = json!({"url": receiver.url(), "event_types": types});
        let created = server.post("/v1/webhooks", &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let registered = register(&server, 0, 3).await;
    let events = server.events().await;
    let mistaken = events[registered[2] as usize - 1]["id"].as_str().unwrap();
    let void = json!({"type": "VoidEvent", "data": {"event_id": mistaken, "reason": "Đăng ký nhầm đơn vị"}});
    let voided = server.accept(&void).await["position"].as_u64().unwrap();
    let data = json!({"agreement_id": "0190f0a0-2013-7000-8000-000000000777", "title": "Chương trình hợp tác",
        "parties": ["party-0000", "party-0001"], "signed_on": "2013-07-04",
        "term": {"start": "2013-07-04", "end": "2015-12-31"}, "areas": ["investment_promotion"]});
    let signed = server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await["position"]
        .as_u64()
        .unwrap();

    // The registrations' subscriber receives the three facts, then the void
    // of the third: the fact it had is not taken back, it is voided.
    let received = registrations.wait_for(WITHIN, |r| r.len() >= 4).await;
    let expected: Vec<u64> = registered.iter().copied().chain([voided]).collect();
    assert_eq!(first_arrivals(&received), expected);
    let delivery = received.iter().find(|r| r.position() == voided).unwrap();
    assert_eq!(delivery.json["type"], "EventVoided");
    let payload = &delivery.json["data"]["data"];
    assert_eq!(payload["event_id"], mistaken);
    assert_eq!(payload["voided_type"], "PartyRegistered");
    assert_eq!(payload["voided_position"], registered[2]);
    assert_eq!(payload["reason"], "Đăng ký nhầm đơn vị");
    // Deliveries follow the log: once the signature arrived, nothing of a
    // type it did not subscribe to (the void of a registration) came before.
    let received = signatures.wait_for(WITHIN, |r| !r.is_empty()).await;
    assert_eq!(first_arrivals(&received), [signed]);
}
