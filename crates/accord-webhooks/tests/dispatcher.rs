//! The dispatcher against a real receiver (an axum server on 127.0.0.1):
//! exhaustion marks a delivery failed and moves on, `Retry-After` is honoured.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_store::{Actor, EventLog, LogReader, NewEvent, Role, SledStore, Write};
use accord_webhooks::{DeliveryState, NewSubscription, RetrySchedule, WebhookConfig, Webhooks};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use uuid::Uuid;

/// A receiver answering from a script (then 204), recording when each request came.
async fn receiver(script: Vec<(u16, Option<&'static str>)>) -> (String, Arc<Mutex<Vec<Instant>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let times = Arc::new(Mutex::new(Vec::new()));
    let (log, count) = (times.clone(), Arc::new(AtomicUsize::new(0)));
    let app = Router::new().route(
        "/hook",
        post(move || {
            let (log, script) = (log.clone(), script.clone());
            let n = count.fetch_add(1, Ordering::SeqCst);
            async move {
                log.lock().unwrap().push(Instant::now());
                let (status, retry_after) = script.get(n).copied().unwrap_or((204, None));
                let mut headers = HeaderMap::new();
                if let Some(value) = retry_after {
                    headers.insert("retry-after", value.parse().unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), headers)
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, times)
}

fn append(store: &SledStore, n: usize) {
    for i in 0..n {
        let data = serde_json::json!({"party_id": format!("p{i}")});
        append_one(store, "PartyRegistered", &format!("party:p{i}"), data);
    }
}

/// Appends one event of `event_type` to `stream`.
fn append_one(store: &SledStore, event_type: &str, stream: &str, data: serde_json::Value) {
    let event = NewEvent {
        id: Uuid::now_v7(),
        event_type: event_type.into(),
        schema: 1,
        effective_on: None,
        data,
    };
    let write = Write {
        command_id: Uuid::now_v7(),
        request_hash: [0; 32],
        stream: stream.into(),
        expected_version: None,
        actor: Actor {
            token_id: "t".into(),
            role: Role::Admin,
            party_id: None,
        },
        correlation_id: None,
        events: vec![event],
    };
    store.append(&[write]).unwrap();
}

fn config(schedule: &str) -> WebhookConfig {
    WebhookConfig {
        schedule: RetrySchedule::parse(schedule).unwrap(),
        allow_private: true,
        jitter: Arc::new(|| 0.0),
        ..WebhookConfig::default()
    }
}

async fn settle(
    webhooks: &Webhooks,
    id: Uuid,
    done: impl Fn(&[accord_webhooks::Delivery]) -> bool,
) -> Vec<accord_webhooks::Delivery> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let deliveries = webhooks.deliveries(id, 0, 100, None).await.unwrap();
        if done(&deliveries) {
            return deliveries;
        }
        assert!(Instant::now() < deadline, "not settled: {deliveries:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The service on `store`, following the heads announced on `heads`.
fn start(
    store: &Arc<SledStore>,
    heads: tokio::sync::watch::Receiver<u64>,
    config: WebhookConfig,
) -> Arc<Webhooks> {
    Webhooks::start(LogReader::new(store.clone()), store.clone(), heads, config).unwrap()
}

#[tokio::test]
async fn an_exhausted_schedule_marks_the_delivery_failed_and_the_next_event_is_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let (head, heads) = tokio::sync::watch::channel(0);
    let webhooks = start(&store, heads, config("10ms,20ms"));
    let (url, times) = receiver(vec![(500, None), (503, None), (500, None)]).await;
    let (view, _) = webhooks
        .create(NewSubscription {
            url,
            ..Default::default()
        })
        .await
        .unwrap();
    append(&store, 2);
    head.send_replace(2);
    let deliveries = settle(&webhooks, view.id, |d| {
        d.len() == 2 && d[1].state != DeliveryState::Pending
    })
    .await;
    assert_eq!(deliveries[0].state, DeliveryState::Failed);
    let codes: Vec<_> = deliveries[0]
        .attempts
        .iter()
        .map(|a| a.status_code)
        .collect();
    assert_eq!(codes, [Some(500), Some(503), Some(500)]);
    assert_eq!(deliveries[1].state, DeliveryState::Succeeded);
    assert_eq!(deliveries[1].attempts.len(), 1);
    assert_eq!(times.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn retry_after_replaces_the_scheduled_delay() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let (head, heads) = tokio::sync::watch::channel(0);
    let webhooks = start(&store, heads, config("10ms"));
    let (url, times) = receiver(vec![(429, Some("1"))]).await;
    let (view, _) = webhooks
        .create(NewSubscription {
            url,
            ..Default::default()
        })
        .await
        .unwrap();
    append(&store, 1);
    head.send_replace(1);
    let deliveries = settle(&webhooks, view.id, |d| {
        d.len() == 1 && d[0].state == DeliveryState::Succeeded
    })
    .await;
    assert_eq!(deliveries[0].attempts[0].status_code, Some(429));
    let times = times.lock().unwrap();
    let gap = times[1] - times[0];
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
}

#[tokio::test]
async fn a_subscription_filtered_by_type_and_agreement_skips_other_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let (head, heads) = tokio::sync::watch::channel(0);
    let webhooks = start(&store, heads, config(""));
    let (url, times) = receiver(vec![]).await;
    let new = NewSubscription {
        url,
        event_types: vec!["ExchangeRecorded".into()],
        ..Default::default()
    };
    let (view, _) = webhooks.create(new).await.unwrap();
    append(&store, 3);
    head.send_replace(3);
    // The control: a matching event after them is delivered, so the three
    // before it were read and passed over, not merely not reached yet.
    let agreement = Uuid::now_v7();
    let data = serde_json::json!({"agreement_id": agreement, "exchange_id": Uuid::now_v7()});
    append_one(
        &store,
        "ExchangeRecorded",
        &format!("agreement:{agreement}"),
        data,
    );
    head.send_replace(4);
    let deliveries = settle(&webhooks, view.id, |d| {
        d.iter().any(|d| d.state == DeliveryState::Succeeded)
    })
    .await;
    let delivered: Vec<u64> = deliveries.iter().map(|d| d.position).collect();
    assert_eq!(delivered, vec![4], "only the ExchangeRecorded event");
    assert_eq!(times.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn deliveries_go_on_in_order_while_the_write_path_stays_saturated() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let (head, heads) = tokio::sync::watch::channel(0);
    let saturated = WebhookConfig {
        write_queue: Arc::new(|| 64),
        ..config("")
    };
    let webhooks = start(&store, heads, saturated);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (url, _) = receiver(vec![]).await;
        let new = NewSubscription {
            url,
            ..Default::default()
        };
        ids.push(webhooks.create(new).await.unwrap().0.id);
    }
    append(&store, 5);
    head.send_replace(5);
    for id in ids {
        let deliveries = settle(&webhooks, id, |d| {
            d.len() == 5 && d.iter().all(|d| d.state == DeliveryState::Succeeded)
        })
        .await;
        let positions: Vec<u64> = deliveries.iter().map(|d| d.position).collect();
        assert_eq!(
            positions,
            [1, 2, 3, 4, 5],
            "slowed, never stopped, in order"
        );
    }
}
