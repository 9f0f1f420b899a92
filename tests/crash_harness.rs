//! The kill -9 harness (issue #6): rounds of the real `accord serve` under
//! concurrent commands of every kind, SIGKILLed at a random moment, then
//! restarted and checked.
//!
//! Each round, on a fresh data folder and with its own seed (printed, so a
//! failure can be replayed with `ACCORD_CRASH_SEED=<seed>`):
//!
//! 1. seed parties and two agreements; eight clients then send a random mix
//!    of all eleven commands with client-chosen `command_id`s (some refused
//!    by a rule, some with a wrong `expected_version`, some repeated at once);
//! 2. once [`MIN_ACKED`] commands are acknowledged, SIGKILL after a random
//!    delay (up to 1.3 s); a client whose request got no answer
//!    keeps it as "answer lost";
//! 3. restart and check: every acknowledged command is in the log exactly as
//!    it was answered (event ids, types, positions) and holds what was sent
//!    (every field of the command's `data` in its first event's `data`); no
//!    refused command id is; positions are gapless and each command's events
//!    contiguous; the chain verifies online; every command whose answer was
//!    cut off by the kill ("maybe acknowledged") is wholly present or wholly
//!    absent, and re-posted answers 200 with the original result if it was
//!    appended, or is appended exactly once now;
//!    acknowledged commands re-posted answer 200 and append nothing; a
//!    webhook subscription made before the round has delivered every
//!    position up to the head to a real receiver, in order, with at most the
//!    event in flight at the kill delivered twice;
//! 4. stop, then `accord verify` and `accord rebuild --check` offline, and a
//!    third start must serve exactly the read models the second one built
//!    incrementally.
//!
//! Each round must acknowledge at least [`MIN_ACKED`] commands beyond the
//! seeded ones. `ACCORD_CRASH_ROUNDS` sets the number of rounds (default 20,
//! about a minute in a debug build); over five rounds, every command type
//! must have been acknowledged at least once. The last line printed counts,
//! over all rounds, the acknowledged commands and the lost, duplicated and
//! torn ones (`scripts/crash-soak.sh N` runs N rounds and prints it).

#[path = "support/receiver.rs"]
mod receiver;
#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use receiver::{Received, TestReceiver};
use serde_json::{json, Value};
use server::{accord_rebuild_check, accord_verify, DataDir, Server, TOKEN};
use uuid::Uuid;

const CLIENTS: u64 = 8;
/// Commands each round must acknowledge besides the seeded ones.
const MIN_ACKED: usize = 20;
const DEFAULT_ROUNDS: u64 = 20;
const AREAS: [&str; 3] = ["investment_promotion", "labour_recruitment", "scheme_30"];
const FOUNDERS: [&str; 3] = ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"];

/// SplitMix64: small, deterministic, good enough to pick commands.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn uuid(&mut self) -> Uuid {
        let bytes = (u128::from(self.next()) << 64 | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len() as u64) as usize].clone())
    }
    fn date(&mut self) -> String {
        format!(
            "20{}-{:02}-{:02}",
            22 + self.below(7),
            1 + self.below(12),
            1 + self.below(28)
        )
    }
}

/// A command acknowledged with 201 (or 200): the events the server said it
/// appended, and what was sent.
struct Acked {
    events: Vec<Answered>,
    body: Value,
}

/// One appended event as a command's answer names it.
#[derive(Clone, Debug, PartialEq)]
struct Answered {
    id: String,
    kind: String,
    position: u64,
}

impl Acked {
    fn positions(&self) -> Vec<u64> {
        self.events.iter().map(|e| e.position).collect()
    }
}

/// What one round found broken, by kind of damage.
#[derive(Debug, Default, Clone, Copy)]
struct Damage {
    /// Acknowledged commands missing after the restart, or stored otherwise than answered.
    lost: usize,
    /// Commands appended more than once (events of one command apart, or a retry appending again).
    duplicated: usize,
    /// Commands present in part: some of their events missing.
    torn: usize,
}

/// What the clients learnt, shared by all of them.
#[derive(Default)]
struct Ledger {
    acked: HashMap<Uuid, Acked>,
    /// How many of `acked` were the seeded commands.
    seeded: usize,
    /// Answered 4xx or 503: must never be in the log.
    refused: HashMap<Uuid, u16>,
    /// Sent, but the server died before answering.
    lost: Vec<(Uuid, Value)>,
    /// Broken promises seen while the server was up.
    violations: Vec<String>,
}

fn positions(result: &Value) -> Vec<u64> {
    answered(result).iter().map(|e| e.position).collect()
}

/// The events a command's answer names.
fn answered(result: &Value) -> Vec<Answered> {
    let events = result["events"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    events
        .iter()
        .map(|e| Answered {
            id: e["id"].as_str().unwrap_or_default().to_owned(),
            kind: e["type"].as_str().unwrap_or_default().to_owned(),
            position: e["position"].as_u64().unwrap_or_default(),
        })
        .collect()
}

/// One client's view: what it may refer to in its next commands.
struct Client {
    number: u64,
    rng: Rng,
    agreements: Vec<String>,
    own_agreements: Vec<String>,
    parties: Vec<String>,
    exchanges: Vec<(String, String)>,
    reviews: Vec<(String, String)>,
    sent: u64,
}

impl Client {
    fn new(number: u64, seed: u64, agreements: &[String]) -> Client {
        Client {
            number,
            // Offset from the round's own stream, whose ids seed the log.
            rng: Rng(Rng(seed ^ (number + 1).wrapping_mul(0x2545_f491_4f6c_dd1d)).next()),
            agreements: agreements.to_vec(),
            own_agreements: Vec::new(),
            parties: Vec::new(),
            exchanges: Vec::new(),
            reviews: Vec::new(),
            sent: 0,
        }
    }

    /// The next command: its type and data, mostly valid, sometimes not.
    fn next_command(&mut self) -> (&'static str, Value) {
        self.sent += 1;
        let n = self.sent;
        let c = self.number;
        let r = &mut self.rng;
        let agreement = r.pick(&self.agreements).expect("seeded agreements");
        let date = if r.percent(5) {
            "2035-01-01".to_owned()
        } else {
            r.date()
        };
        match r.below(100) {
            0..=5 => {
                let party = match r.percent(10) {
                    true => FOUNDERS[0].to_owned(), // already registered: refused
                    false => format!("c{c}-p{n}-{:x}", r.below(1 << 20)),
                };
                (
                    "RegisterParty",
                    json!({"party_id": party, "name": format!("Đơn vị {party}"), "kind": "agency"}),
                )
            }
            6..=9 => (
                "SignAgreement",
                json!({"agreement_id": r.uuid(), "title": format!("Thỏa thuận {c}-{n}"),
                "parties": &FOUNDERS[..2], "signed_on": "2021-01-01",
                "term": {"start": "2021-01-01", "end": "2029-12-31"}, "areas": AREAS}),
            ),
            10..=14 => (
                "AmendAgreement",
                json!({"agreement_id": agreement, "effective_on": date,
                "reason": "Điều chỉnh tên", "title": format!("Chương trình hợp tác (sửa đổi {c}-{n})")}),
            ),
            15..=19 => {
                let party = r
                    .pick(&self.parties)
                    .unwrap_or_else(|| FOUNDERS[2].to_owned());
                (
                    "AdmitParty",
                    json!({"agreement_id": agreement, "party_id": party, "effective_on": date}),
                )
            }
            20..=24 => match r.pick(&self.exchanges) {
                Some((agreement, exchange)) => (
                    "CorrectExchange",
                    json!({"agreement_id": agreement,
                    "exchange_id": exchange, "reason": "Sửa nội dung", "summary": format!("Đã sửa {c}-{n}")}),
                ),
                None => self.record_exchange(agreement, date),
            },
            25..=27 => match r.pick(&self.exchanges) {
                Some((agreement, exchange)) => (
                    "RetractExchange",
                    json!({"agreement_id": agreement,
                    "exchange_id": exchange, "reason": "Ghi nhầm"}),
                ),
                None => self.record_exchange(agreement, date),
            },
            28..=33 => (
                "OpenReviewPeriod",
                json!({"agreement_id": agreement, "review_id": r.uuid(),
                "title": format!("Sơ kết {c}-{n}"), "kind": "interim",
                "period": {"start": "2022-01-01", "end": "2022-12-31"}, "opened_on": "2023-01-05"}),
            ),
            34..=40 => match r.pick(&self.reviews) {
                Some((agreement, review)) => (
                    "RecordAssessment",
                    json!({"agreement_id": agreement,
                    "review_id": review, "party_id": r.pick(&FOUNDERS[..2]), "assessed_on": "2023-01-10",
                    "rating": "partially_met"}),
                ),
                None => self.record_exchange(agreement, date),
            },
            41..=44 => match r.pick(&self.reviews) {
                Some((agreement, review)) => (
                    "CloseReviewPeriod",
                    json!({"agreement_id": agreement,
                    "review_id": review, "closed_on": "2023-02-01", "outcome": "met", "summary": "Đạt"}),
                ),
                None => self.record_exchange(agreement, date),
            },
            45..=46 => match r.pick(&self.own_agreements) {
                Some(own) => (
                    "TerminateAgreement",
                    json!({"agreement_id": own,
                    "effective_on": "2028-06-30", "reason": "Chấm dứt trước hạn"}),
                ),
                None => self.record_exchange(agreement, date),
            },
            _ => self.record_exchange(agreement, date),
        }
    }

    fn record_exchange(&mut self, agreement: String, date: String) -> (&'static str, Value) {
        let r = &mut self.rng;
        (
            "RecordExchange",
            json!({"agreement_id": agreement, "exchange_id": r.uuid(), "occurred_on": date,
            "area": r.pick(&AREAS), "kind": "meeting", "parties": &FOUNDERS[..2],
            "summary": format!("Trao đổi {}-{}", self.number, self.sent)}),
        )
    }

    /// Remembers what an acknowledged command created or ended.
    fn learn(&mut self, kind: &str, data: &Value) {
        let text = |key: &str| data[key].as_str().unwrap_or_default().to_owned();
        let pair = |key: &str| (text("agreement_id"), text(key));
        match kind {
            "RegisterParty" => self.parties.push(text("party_id")),
            "SignAgreement" => {
                self.agreements.push(text("agreement_id"));
                self.own_agreements.push(text("agreement_id"));
            }
            "RecordExchange" => self.exchanges.push(pair("exchange_id")),
            "RetractExchange" => self.exchanges.retain(|e| *e != pair("exchange_id")),
            "OpenReviewPeriod" => self.reviews.push(pair("review_id")),
            "CloseReviewPeriod" => self.reviews.retain(|e| *e != pair("review_id")),
            "TerminateAgreement" => self.own_agreements.retain(|a| *a != text("agreement_id")),
            _ => {}
        }
    }
}

/// Sends commands until the server dies; records every answer in `ledger`.
async fn run_client(
    mut me: Client,
    http: reqwest::Client,
    url: String,
    ledger: Arc<Mutex<Ledger>>,
) {
    let mut last_acked: Option<(Value, Vec<u64>)> = None;
    loop {
        let repeat = me.rng.percent(3).then(|| last_acked.clone()).flatten();
        let body = match &repeat {
            Some((body, _)) => body.clone(),
            None => {
                let (kind, data) = me.next_command();
                let mut body = json!({"type": kind, "command_id": me.rng.uuid(), "data": data});
                if me.rng.percent(3) {
                    body["expected_version"] = json!(0); // a stale version: 409
                }
                body
            }
        };
        let id: Uuid = body["command_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("an id");
        let answer = async {
            let response = http
                .post(&url)
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            // A body cut off by the kill is an answer lost too.
            Some((status, response.json::<Value>().await.ok()?))
        };
        let Some((status, result)) = answer.await else {
            ledger.lock().unwrap().lost.push((id, body));
            return;
        };
        let mut ledger = ledger.lock().unwrap();
        match (status, &repeat) {
            (200, Some((_, expected))) if positions(&result) == *expected => {}
            (_, Some((_, expected))) => ledger.violations.push(format!(
                "repeating {id} answered {status} {result}, not 200 at {expected:?}"
            )),
            (201, None) => {
                me.learn(body["type"].as_str().unwrap_or_default(), &body["data"]);
                last_acked = Some((body.clone(), positions(&result)));
                ledger.acked.insert(
                    id,
                    Acked {
                        events: answered(&result),
                        body,
                    },
                );
            }
            _ => {
                ledger.refused.insert(id, status);
            }
        }
    }
}

/// Parties and two agreements every client can refer to; acknowledged.
async fn seed_log(server: &Server, rng: &mut Rng, ledger: &mut Ledger) -> Vec<String> {
    let agreements = vec![rng.uuid().to_string(), rng.uuid().to_string()];
    let mut bodies: Vec<Value> = FOUNDERS
        .iter()
        .map(|p| json!({"type": "RegisterParty", "data": {"party_id": p, "name": format!("Ban quản lý {p}"), "kind": "industrial_zone_authority"}}))
        .collect();
    for (agreement, parties) in agreements.iter().zip([&FOUNDERS[..], &FOUNDERS[..2]]) {
        bodies.push(json!({"type": "SignAgreement", "data": {"agreement_id": agreement,
            "title": "Chương trình hợp tác 2020–2030", "parties": parties, "signed_on": "2020-01-01",
            "term": {"start": "2020-01-01", "end": "2030-12-31"}, "areas": AREAS}}));
    }
    for mut body in bodies {
        let id = rng.uuid();
        body["command_id"] = json!(id);
        let result = server.accept(&body).await;
        ledger.acked.insert(
            id,
            Acked {
                events: answered(&result),
                body,
            },
        );
        ledger.seeded += 1;
    }
    agreements
}

/// The events' positions grouped by command id.
fn by_command(events: &[Value]) -> HashMap<Uuid, Vec<u64>> {
    stored_by_command(events)
        .into_iter()
        .map(|(id, events)| (id, events.iter().map(|e| e.position).collect()))
        .collect()
}

/// The stored events grouped by command id, in log order.
fn stored_by_command(events: &[Value]) -> HashMap<Uuid, Vec<Stored>> {
    let mut commands: HashMap<Uuid, Vec<Stored>> = HashMap::new();
    for event in events {
        let id = event["command_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a command id");
        commands.entry(id).or_default().push(Stored {
            position: event["position"].as_u64().expect("a position"),
            answered: Answered {
                id: event["id"].as_str().unwrap_or_default().to_owned(),
                kind: event["type"].as_str().unwrap_or_default().to_owned(),
                position: event["position"].as_u64().expect("a position"),
            },
            data: event["data"].clone(),
        });
    }
    commands
}

/// A stored event, as the restarted server serves it.
#[derive(Debug)]
struct Stored {
    position: u64,
    answered: Answered,
    data: Value,
}

/// Whether every field of the command's `data` is in the event's, equal.
fn holds_what_was_sent(sent: &Value, stored: &Value) -> bool {
    match sent.as_object() {
        Some(fields) => fields
            .iter()
            .all(|(key, value)| stored.get(key) == Some(value)),
        None => sent == stored,
    }
}

/// The log as the restarted server serves it: gapless, each command's
/// events contiguous, the chain verifying online.
async fn check_log(
    server: &Server,
    problems: &mut Vec<String>,
    damage: &mut Damage,
) -> HashMap<Uuid, Vec<Stored>> {
    let head = server.head().await;
    let events = server.events().await;
    let served: Vec<u64> = events
        .iter()
        .filter_map(|e| e["position"].as_u64())
        .collect();
    if served != (1..=head).collect::<Vec<_>>() {
        problems.push(format!("positions are not gapless 1..={head}"));
    }
    let commands = stored_by_command(&events);
    for (id, stored) in &commands {
        let at: Vec<u64> = stored.iter().map(|e| e.position).collect();
        if at.windows(2).any(|w| w[1] != w[0] + 1) {
            damage.duplicated += 1;
            problems.push(format!("command {id}'s events are not contiguous: {at:?}"));
        }
    }
    let verify = server.json("/v1/audit/verify").await;
    if verify["ok"] != true || verify["events"] != head {
        problems.push(format!("GET /v1/audit/verify: {verify}"));
    }
    commands
}

/// Every answer the clients got must match the restarted log: the same
/// events (ids, types, positions), holding what was sent.
fn check_answers(
    ledger: &Ledger,
    log: &HashMap<Uuid, Vec<Stored>>,
    problems: &mut Vec<String>,
    damage: &mut Damage,
) {
    for (id, acked) in &ledger.acked {
        let stored = log.get(id).map(Vec::as_slice).unwrap_or_default();
        let found: Vec<Answered> = stored.iter().map(|e| e.answered.clone()).collect();
        if found != acked.events {
            match found.len() {
                0 => damage.lost += 1,
                n if n < acked.events.len() => damage.torn += 1,
                _ => damage.lost += 1,
            }
            problems.push(format!(
                "acknowledged {id} was answered {:?} and is stored as {found:?}",
                acked.events
            ));
        } else if !holds_what_was_sent(&acked.body["data"], &stored[0].data) {
            damage.lost += 1;
            problems.push(format!(
                "acknowledged {id}: sent {} but stored {}",
                acked.body["data"], stored[0].data
            ));
        }
    }
    for (id, status) in &ledger.refused {
        if let Some(at) = log.get(id) {
            problems.push(format!("{id}, answered {status}, is in the log at {at:?}"));
        }
    }
}

/// Re-posts every lost-answer command and a sample of acknowledged ones:
/// the original result if it was appended, appended exactly once otherwise.
async fn check_retries(
    server: &Server,
    ledger: &Ledger,
    log: &HashMap<Uuid, Vec<u64>>,
    problems: &mut Vec<String>,
    damage: &mut Damage,
) -> (usize, usize) {
    let (mut were_appended, mut appended_now) = (0, 0);
    let mut expected: HashMap<Uuid, Vec<u64>> = HashMap::new();
    for (id, body) in &ledger.lost {
        let reply = server.command(body).await;
        match log.get(id) {
            Some(at) if reply.status == 200 && positions(&reply.body) == *at => were_appended += 1,
            Some(at) => {
                // In the log, but not as its original answer says: partly there.
                damage.torn += 1;
                problems.push(format!(
                    "lost {id} (in the log at {at:?}) re-posted: {} {}",
                    reply.status, reply.text
                ));
            }
            None if reply.status == 201 => appended_now += 1,
            None if (400..500).contains(&reply.status) => {}
            None => problems.push(format!(
                "lost {id} re-posted: {} {}",
                reply.status, reply.text
            )),
        }
        if reply.status == 201 || reply.status == 200 {
            expected.insert(*id, positions(&reply.body));
        }
    }
    let head = server.head().await;
    for (id, acked) in ledger.acked.iter().take(16) {
        let reply = server.command(&acked.body).await;
        if reply.status != 200 || positions(&reply.body) != acked.positions() {
            problems.push(format!(
                "acknowledged {id} re-posted: {} {}",
                reply.status, reply.text
            ));
        }
    }
    if server.head().await != head {
        damage.duplicated += 1;
        problems.push("re-posting acknowledged commands appended events".into());
    }
    let after = by_command(&server.events().await);
    for (id, _) in &ledger.lost {
        if after.get(id) != expected.get(id) {
            damage.duplicated += 1;
            problems.push(format!(
                "lost {id} is at {:?} in the log, answered {:?} on retry",
                after.get(id),
                expected.get(id)
            ));
        }
    }
    (were_appended, appended_now)
}

/// What the read models serve, without the echo of the request's instant.
async fn views(server: &Server, agreements: &[String]) -> BTreeMap<String, Value> {
    let mut paths = vec![
        "/v1/parties".to_owned(),
        "/v1/agreements".to_owned(),
        "/v1/reports/cooperation".to_owned(),
    ];
    paths.extend(agreements.iter().map(|a| format!("/v1/agreements/{a}")));
    let mut views = BTreeMap::new();
    for path in paths {
        let mut view = server.json(&path).await;
        if let Some(map) = view.as_object_mut() {
            map.remove("as_of");
        }
        views.insert(path, view);
    }
    views
}

/// Subscribes `receiver` to every event, before the round writes any.
async fn subscribe(server: &Server, receiver: &TestReceiver) {
    let body = json!({"url": receiver.url(), "description": "crash harness"});
    let response = server
        .client
        .post(server.url("/v1/webhooks"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("POST /v1/webhooks");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
}

/// Webhook cursors lose nothing across the crash: once the restarted server
/// has delivered up to its head, the receiver has seen every position from 1
/// in log order, and at most the one event in flight at the kill twice (the
/// same `webhook-id` both times).
async fn check_webhook_cursors(
    server: &Server,
    receiver: &TestReceiver,
    problems: &mut Vec<String>,
) {
    let head = server.head().await;
    let delivered = |received: &[Received]| received.iter().any(|r| r.position() == head);
    let received = receiver.wait_for(Duration::from_secs(120), delivered).await;
    let mut expected = 1;
    let mut repeats = 0;
    for (i, delivery) in received.iter().enumerate() {
        let position = delivery.position();
        if position == expected {
            expected += 1;
        } else if i > 0 && position + 1 == expected {
            repeats += 1;
            if delivery.header("webhook-id") != received[i - 1].header("webhook-id") {
                problems.push(format!(
                    "position {position} was re-delivered with another webhook-id"
                ));
            }
        } else {
            problems.push(format!(
                "webhook delivery {i} is position {position}, expected {expected} (log order, nothing skipped)"
            ));
            return;
        }
    }
    if expected != head + 1 || repeats > 1 {
        problems.push(format!(
            "webhooks: delivered up to {} of head {head}, {repeats} re-deliveries (at most one after one kill)",
            expected - 1
        ));
    }
}

fn offline(name: &str, output: std::process::Output, problems: &mut Vec<String>) {
    if !output.status.success() {
        problems.push(format!(
            "{name} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
}

/// What one round acknowledged (by command type, seeded ones excluded) and
/// what it found broken.
struct Round {
    kinds: BTreeMap<String, usize>,
    acknowledged: usize,
    maybe: usize,
    damage: Damage,
    /// What was wrong, if anything, with the seed to replay it.
    failure: Option<String>,
}

/// One round, checked.
async fn round(seed: u64) -> Round {
    let mut rng = Rng(seed);
    let snapshot_every = [0, 64, 500][rng.below(3) as usize];
    let kill_after = Duration::from_millis(rng.below(1300));
    let env = [
        ("ACCORD_SNAPSHOT_EVERY", snapshot_every.to_string()),
        ("ACCORD_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
    ];
    println!("round seed={seed} (replay: ACCORD_CRASH_SEED={seed}) snapshot_every={snapshot_every} kill_after={kill_after:?}");
    let dir = DataDir::new();
    let mut server = Server::start_with_env(&dir, &env).await;
    let receiver = TestReceiver::start().await;
    subscribe(&server, &receiver).await;
    let mut ledger = Ledger::default();
    let agreements = seed_log(&server, &mut rng, &mut ledger).await;
    let ledger = Arc::new(Mutex::new(ledger));
    let url = server.url("/v1/commands");
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            tokio::spawn(run_client(
                Client::new(n, seed, &agreements),
                server.client.clone(),
                url.clone(),
                ledger.clone(),
            ))
        })
        .collect();
    // Kill at a random moment once the round has acknowledged enough to
    // judge: a slow machine makes rounds slower, not emptier.
    let enough = tokio::time::Instant::now() + Duration::from_secs(120);
    while {
        let ledger = ledger.lock().unwrap();
        ledger.acked.len() - ledger.seeded < MIN_ACKED
    } {
        assert!(
            tokio::time::Instant::now() < enough,
            "seed {seed}: {MIN_ACKED} commands were not acknowledged within two minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(kill_after).await;
    server.kill();
    for client in clients {
        tokio::time::timeout(Duration::from_secs(60), client)
            .await
            .expect("clients end once the server is dead")
            .expect("no client panics");
    }
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    let mut problems = ledger.violations.clone();
    let mut damage = Damage::default();

    let restarted = Server::start_with_env(&dir, &env).await;
    let stored = check_log(&restarted, &mut problems, &mut damage).await;
    check_answers(&ledger, &stored, &mut problems, &mut damage);
    let log: HashMap<Uuid, Vec<u64>> = stored
        .iter()
        .map(|(id, events)| (*id, events.iter().map(|e| e.position).collect()))
        .collect();
    let (were_appended, appended_now) =
        check_retries(&restarted, &ledger, &log, &mut problems, &mut damage).await;
    check_webhook_cursors(&restarted, &receiver, &mut problems).await;
    let head = restarted.head().await;
    let live = views(&restarted, &agreements).await;
    restarted.stop();
    offline("accord verify", accord_verify(&dir.data()), &mut problems);
    offline(
        "accord rebuild --check",
        accord_rebuild_check(&dir.data()),
        &mut problems,
    );
    let third = Server::start_with_env(&dir, &env).await;
    for (path, view) in views(&third, &agreements).await {
        if live.get(&path) != Some(&view) {
            problems.push(format!(
                "GET {path} differs between the live models and a restart"
            ));
        }
    }
    third.stop();
    let acknowledged = ledger.acked.len() - ledger.seeded;
    println!(
        "  acknowledged={acknowledged} (besides {} seeded) refused={} maybe={} (appended before the kill: {were_appended}, appended on retry: {appended_now}) head={head} {damage:?}",
        ledger.seeded, ledger.refused.len(), ledger.lost.len()
    );
    if acknowledged < MIN_ACKED {
        problems.push(format!(
            "only {acknowledged} commands were acknowledged before the kill (at least {MIN_ACKED} make a round)"
        ));
    }
    let mut kinds = BTreeMap::new();
    for acked in ledger.acked.values() {
        let kind = acked.body["type"].as_str().unwrap_or_default().to_owned();
        *kinds.entry(kind).or_default() += 1;
    }
    let failure = (!problems.is_empty()).then(|| {
        format!(
            "seed {seed} (replay: ACCORD_CRASH_SEED={seed}):\n{}",
            problems.join("\n")
        )
    });
    Round {
        kinds,
        acknowledged,
        maybe: ledger.lost.len(),
        damage,
        failure,
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commands_survive_random_kill_9s_and_the_models_equal_a_rebuild() {
    let seeds: Vec<u64> = match env_u64("ACCORD_CRASH_SEED") {
        Some(seed) => vec![seed],
        None => {
            let base = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .expect("after 1970")
                .as_nanos() as u64;
            let mut rng = Rng(base);
            (0..env_u64("ACCORD_CRASH_ROUNDS").unwrap_or(DEFAULT_ROUNDS))
                .map(|_| rng.next() >> 12)
                .collect()
        }
    };
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let (mut acknowledged, mut maybe, mut total) = (0, 0, Damage::default());
    let mut failures = Vec::new();
    for seed in &seeds {
        let round = round(*seed).await;
        failures.extend(round.failure);
        for (kind, count) in round.kinds {
            *kinds.entry(kind).or_default() += count;
        }
        acknowledged += round.acknowledged;
        maybe += round.maybe;
        total.lost += round.damage.lost;
        total.duplicated += round.damage.duplicated;
        total.torn += round.damage.torn;
    }
    println!(
        "crash rounds={} acknowledged={acknowledged} maybe_acknowledged={maybe} lost={} duplicated={} torn={}",
        seeds.len(),
        total.lost,
        total.duplicated,
        total.torn
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    println!(
        "acknowledged by type over {} rounds: {kinds:?}",
        seeds.len()
    );
    if seeds.len() > 5 {
        assert_eq!(
            kinds.len(),
            11,
            "some command types were never acknowledged: {kinds:?}"
        );
    }
}
