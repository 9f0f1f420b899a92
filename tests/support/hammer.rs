//! Load for the kill -9 tests (`tests/crash.rs`, `tests/postgres.rs`): a
//! seeded tripartite agreement and clients posting exchanges, each
//! remembering the commands it got a `201` for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Client;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::server::{Server, TOKEN};

pub const AGREEMENT: &str = "0190f0a0-2020-7000-8000-000000000001";
pub const AREAS: [&str; 3] = ["investment_promotion", "labour_recruitment", "scheme_30"];
pub const CLIENTS: usize = 8;
pub const HAMMER_FOR: Duration = Duration::from_millis(1500);

/// command_id → (answered position, the exact body sent).
pub type Acknowledged = Arc<Mutex<HashMap<String, (u64, Value)>>>;

pub async fn seed(server: &Server) {
    for id in ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"] {
        let data = json!({"party_id": id, "name": format!("Ban quản lý {id}"), "kind": "industrial_zone_authority"});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    let data = json!({"agreement_id": AGREEMENT, "title": "Chương trình hợp tác ba bên 2020–2030",
        "parties": ["binh-phuoc-eza", "dong-nai-iza", "lam-dong-iza"], "signed_on": "2020-01-01",
        "term": {"start": "2020-01-01", "end": "2030-12-31"}, "areas": AREAS});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
}

pub fn exchange(client: usize, n: usize) -> Value {
    json!({"type": "RecordExchange", "command_id": Uuid::now_v7(), "data": {
        "agreement_id": AGREEMENT, "occurred_on": format!("2021-{:02}-{:02}", 1 + n % 12, 1 + client),
        "area": AREAS[n % AREAS.len()], "kind": "information", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "summary": format!("Trao đổi thông tin số {n} của máy khách {client}")}})
}

/// Posts exchanges until the server dies or `stop` is set, remembering every
/// 201; true if it ended on a request the dead server never answered.
pub async fn hammer(
    client: Client,
    url: String,
    number: usize,
    stop: Arc<AtomicBool>,
    acked: Acknowledged,
) -> bool {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body = exchange(number, n);
        let Ok(response) = client
            .post(&url)
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
        else {
            return true;
        };
        if response.status() != 201 {
            continue;
        }
        let Ok(result) = response.json::<Value>().await else {
            return true;
        };
        let position = result["position"]
            .as_u64()
            .expect("a 201 names its position");
        let id = body["command_id"]
            .as_str()
            .expect("a command id")
            .to_owned();
        acked.lock().unwrap().insert(id, (position, body));
    }
    false
}

/// Clients posting exchanges ([`hammer`]) until stopped, each remembering
/// the commands it got a `201` for.
pub struct Load {
    stop: Arc<AtomicBool>,
    /// What the clients got a `201` for.
    pub acked: Acknowledged,
    clients: Vec<tokio::task::JoinHandle<bool>>,
}

impl Load {
    /// Clients numbered `numbers`, client `n` posting to
    /// `servers[n % servers.len()]`.
    pub fn start(servers: &[&Server], numbers: std::ops::Range<usize>) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Acknowledged = Arc::default();
        let clients = numbers
            .map(|n| {
                let server = servers[n % servers.len()];
                let (client, url) = (server.client.clone(), server.url("/v1/commands"));
                tokio::spawn(hammer(client, url, n, stop.clone(), acked.clone()))
            })
            .collect();
        Load {
            stop,
            acked,
            clients,
        }
    }

    /// How many commands were acknowledged so far.
    pub fn count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    /// Stops the clients and waits for each to end (at most a minute); how
    /// many ended on a request their server never answered.
    pub async fn stop(&mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        let mut cut_off = 0;
        for client in self.clients.drain(..) {
            let ended = tokio::time::timeout(Duration::from_secs(60), client).await;
            cut_off += usize::from(ended.expect("clients end").expect("no panic"));
        }
        cut_off
    }

    /// The acknowledged commands, taken out.
    pub fn take(&self) -> HashMap<String, (u64, Value)> {
        std::mem::take(&mut *self.acked.lock().unwrap())
    }
}

/// Asserts that `events` (the whole log) is gapless from 1 and holds every
/// acknowledged command once, at the position it was answered with.
pub fn assert_each_once(events: &[Value], acked: &HashMap<String, (u64, Value)>) {
    let positions: Vec<u64> = events
        .iter()
        .map(|e| e["position"].as_u64().expect("an event's position"))
        .collect();
    assert_eq!(
        positions,
        (1..=positions.len() as u64).collect::<Vec<_>>(),
        "gapless 1..=head"
    );
    let mut by_command: HashMap<&str, Vec<u64>> = HashMap::new();
    for event in events {
        by_command
            .entry(event["command_id"].as_str().expect("a command id"))
            .or_default()
            .push(event["position"].as_u64().expect("an event's position"));
    }
    for (id, (position, _)) in acked {
        assert_eq!(
            by_command.get(id.as_str()),
            Some(&vec![*position]),
            "command {id} is in the log once, at the position it was answered with"
        );
    }
}
