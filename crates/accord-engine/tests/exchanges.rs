//! The write model's exchanges loaded on demand (ADR 0054). An engine
//! started from a snapshot holds no agreement's exchanges; each command
//! that reads them loads them from the agreement's stream in the real sled
//! log. It must decide every command, and judge every dry run, exactly as
//! a write model folded from the whole log.
//!
//! Each probe runs on an engine started afresh from the same snapshot, so
//! that every one of them is decided with nothing loaded, and the facts
//! accepted by earlier probes are in the replayed tail, not in the snapshot.

use std::sync::Arc;

use accord_domain::*;
use accord_engine::{clock, Checked, Engine, EngineConfig, EngineError, Models, Outcome};
use accord_projections::decode;
use accord_store::{EventLog, SledStore, SnapshotStore};
use serde_json::json;
use uuid::Uuid;

mod support;
use support::{command, submission};

const A: &str = "0190f0a0-2007-7000-8000-00000000000a";
const B: &str = "0190f0a0-2007-7000-8000-00000000000b";
const PLAN: &str = "0190f0a0-2008-7000-8000-0000000000ac";
const VISIT: &str = "0190f0a0-2008-7000-8000-000000000001";
const FAIR: &str = "0190f0a0-2009-7000-8000-000000000002";
const TALKS: &str = "0190f0a0-2008-7000-8000-000000000003";
const REPORT: &str = "0190f0a0-2008-7000-8000-0000000000f1";

fn register(id: &str) -> Command {
    command(json!({"type": "RegisterParty", "data": {
        "party_id": id, "name": format!("Ban quản lý {id}"), "kind": "industrial_zone_authority"}}))
}

fn sign(id: &str, parties: &[&str]) -> Command {
    command(json!({"type": "SignAgreement", "data": {
        "agreement_id": id, "title": "Chương trình hợp tác 2007–2013",
        "parties": parties, "signed_on": "2007-12-20",
        "term": {"start": "2007-12-20", "end": "2013-12-31"},
        "areas": ["investment_promotion", "scheme_30"]}}))
}

fn exchange(agreement: &str, id: &str, on: &str, party: &str) -> serde_json::Value {
    json!({"agreement_id": agreement, "exchange_id": id, "occurred_on": on,
        "area": "investment_promotion", "kind": "meeting", "parties": [party],
        "summary": "Hỗ trợ nhau trong công tác mời gọi đầu tư"})
}

fn record(data: serde_json::Value) -> Command {
    command(json!({"type": "RecordExchange", "data": data}))
}

/// Three agreements' worth of facts: an activity carried out by an
/// exchange with a follow-up, an exchange of another party, an exchange
/// under a second agreement.
fn history() -> Vec<Command> {
    let mut visit = exchange(A, VISIT, "2008-03-01", "dong-nai-iza");
    visit["activity_id"] = json!(PLAN);
    visit["follow_ups"] = json!([{"follow_up_id": REPORT, "action": "Gửi báo cáo",
        "party_id": "dong-nai-iza", "due_on": "2008-04-01"}]);
    vec![
        register("dong-nai-iza"),
        register("lam-dong-iza"),
        register("binh-duong-iza"),
        register("ba-ria-vung-tau-iza"),
        sign(A, &["dong-nai-iza", "lam-dong-iza", "binh-duong-iza"]),
        sign(B, &["dong-nai-iza", "lam-dong-iza"]),
        command(json!({"type": "PlanActivity", "data": {
            "agreement_id": A, "activity_id": PLAN, "area": "investment_promotion",
            "title": "Hội nghị xúc tiến đầu tư", "lead_party": "dong-nai-iza",
            "due_on": "2010-01-01"}})),
        record(visit),
        record(exchange(A, FAIR, "2009-05-01", "binh-duong-iza")),
        record(exchange(B, TALKS, "2008-06-01", "lam-dong-iza")),
    ]
}

/// Commands about exchanges, activities, follow-ups and what may
/// contradict a recorded exchange: accepted and refused ones.
fn probes() -> Vec<Command> {
    let on = |kind: &str, data: serde_json::Value| command(json!({"type": kind, "data": data}));
    let mut again = exchange(
        A,
        Uuid::now_v7().to_string().as_str(),
        "2009-07-01",
        "dong-nai-iza",
    );
    again["activity_id"] = json!(PLAN);
    vec![
        on(
            "CorrectExchange",
            json!({"agreement_id": A, "exchange_id": VISIT,
            "occurred_on": "2008-05-01", "reason": "sai ngày"}),
        ),
        on(
            "CompleteFollowUp",
            json!({"agreement_id": A, "follow_up_id": REPORT,
            "completed_on": "2008-03-10"}),
        ),
        on(
            "CompleteFollowUp",
            json!({"agreement_id": A, "follow_up_id": REPORT,
            "completed_on": "2008-03-11"}),
        ),
        on(
            "CancelActivity",
            json!({"agreement_id": A, "activity_id": PLAN, "reason": "hủy"}),
        ),
        record(exchange(B, VISIT, "2008-07-01", "dong-nai-iza")),
        record(exchange(A, FAIR, "2009-06-01", "dong-nai-iza")),
        on(
            "RetractExchange",
            json!({"agreement_id": B, "exchange_id": TALKS, "reason": "nhầm"}),
        ),
        on(
            "CorrectExchange",
            json!({"agreement_id": B, "exchange_id": TALKS,
            "summary": "Trao đổi", "reason": "bổ sung"}),
        ),
        on(
            "TerminateAgreement",
            json!({"agreement_id": A, "effective_on": "2009-01-01",
            "reason": "kết thúc"}),
        ),
        on(
            "WithdrawParty",
            json!({"agreement_id": A, "party_id": "binh-duong-iza",
            "effective_on": "2009-01-01", "reason": "rút"}),
        ),
        on(
            "AmendAgreement",
            json!({"agreement_id": A, "effective_on": "2008-01-01",
            "reason": "rút ngắn", "term": {"start": "2007-12-20", "end": "2009-01-01"}}),
        ),
        on(
            "SucceedParty",
            json!({"party_id": "binh-duong-iza",
            "successor_id": "ba-ria-vung-tau-iza", "effective_on": "2009-01-01",
            "reason": "sáp nhập"}),
        ),
        on(
            "CorrectExchange",
            json!({"agreement_id": A, "exchange_id": FAIR,
            "parties": ["dong-nai-iza"], "reason": "sai bên"}),
        ),
        on(
            "SucceedParty",
            json!({"party_id": "binh-duong-iza",
            "successor_id": "ba-ria-vung-tau-iza", "effective_on": "2009-01-01",
            "reason": "sáp nhập"}),
        ),
        record(again),
        on(
            "CancelActivity",
            json!({"agreement_id": A, "activity_id": PLAN, "reason": "hủy"}),
        ),
        on(
            "TerminateAgreement",
            json!({"agreement_id": B, "effective_on": "2013-01-01",
            "reason": "kết thúc"}),
        ),
    ]
}

fn start(store: &Arc<SledStore>, exchange_cache: usize) -> Engine {
    let config = EngineConfig {
        snapshot_every: 0,
        exchange_cache,
        ..EngineConfig::default()
    };
    Engine::start(store.clone(), store.clone(), config).expect("engine starts")
}

/// The write model folded from every event of the log.
fn folded(store: &SledStore) -> WriteModel {
    let mut models = Models::new();
    models.advance(store, None, store.head().position).unwrap();
    models.write
}

/// The facts a record appended, decoded from the log.
fn appended(store: &SledStore, positions: impl Iterator<Item = u64>) -> Vec<Event> {
    positions
        .map(|p| {
            let e = store.event(p).unwrap().expect("appended").envelope;
            decode(&e.event_type, e.schema, &e.data).unwrap()
        })
        .collect()
}

/// A store holding [`history`] and a snapshot at its head; returns the head.
async fn with_snapshot(store: &Arc<SledStore>) -> u64 {
    let engine = start(store, EngineConfig::EXCHANGE_CACHE);
    for c in history() {
        engine.submit(submission(c)).await.expect("accepted");
    }
    drop(engine);
    let mut models = Models::new();
    let head = store.head().position;
    models.advance(store.as_ref(), None, head).unwrap();
    store.put_snapshot(head, &models.encode()).unwrap();
    head
}

/// Checks, then submits each of [`probes`] to `engine(probe)` and compares
/// both answers with the decision of the write model folded from the whole
/// log at that point.
async fn decides_every_probe_as_the_whole_log_folded(
    store: &Arc<SledStore>,
    mut engine: impl FnMut() -> Arc<Engine>,
) {
    let circumstances = Circumstances {
        today: Some(clock::today()),
        file: None,
    };
    let (mut accepted, mut refused) = (0, 0);
    for mut probe in probes() {
        probe.assign_ids(Uuid::now_v7);
        let expected = folded(store).decide_in(&probe, &circumstances);
        let engine = engine();
        let checked = engine.check(vec![submission(probe.clone())]).await.unwrap();
        let answer = engine.submit(submission(probe.clone())).await;
        match (&expected, checked.as_slice(), answer) {
            (Ok(decision), [Ok(Checked::New)], Ok(Outcome::Created(record))) => {
                let facts: Vec<Event> = decision.facts.iter().map(|f| f.event.clone()).collect();
                let positions = record.events.iter().map(|e| e.position);
                assert_eq!(appended(store, positions), facts, "{}", probe.name());
                accepted += 1;
            }
            (Err(rule), [Err(EngineError::Refused(checked))], Err(EngineError::Refused(got))) => {
                assert_eq!((checked, &got), (rule, rule), "{}", probe.name());
                refused += 1;
            }
            (expected, checked, answer) => panic!(
                "{}: the folded model decides {expected:?}, the engine checks {checked:?} \
                 and answers {answer:?}",
                probe.name()
            ),
        }
    }
    assert!(
        accepted >= 6 && refused >= 8,
        "{accepted} accepted, {refused} refused"
    );
}

/// Each probe on an engine started afresh from the snapshot: nothing
/// loaded, the earlier probes' facts in the replayed tail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_started_from_a_snapshot_decides_as_the_whole_log_folded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let head = with_snapshot(&store).await;
    decides_every_probe_as_the_whole_log_folded(&store, || {
        let engine = start(&store, EngineConfig::EXCHANGE_CACHE);
        assert_eq!(
            engine.loaded().snapshot,
            Some(head),
            "started from the snapshot"
        );
        Arc::new(engine)
    })
    .await;
}

/// Every probe on one engine whose cache holds one exchange: each batch
/// unloads what the one before loaded once it is durable, so agreements
/// are loaded again and again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_keeping_one_exchange_loaded_decides_as_the_whole_log_folded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    with_snapshot(&store).await;
    let engine = Arc::new(start(&store, 1));
    decides_every_probe_as_the_whole_log_folded(&store, || engine.clone()).await;
    let metrics = engine.render_metrics();
    let count = |name: &str| -> u64 {
        let line = metrics.lines().find(|l| l.starts_with(name)).unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (loads, evictions) = (
        count("accord_exchange_loads_total "),
        count("accord_exchange_evictions_total "),
    );
    // Two agreements, loaded again after each eviction.
    assert!(
        evictions >= 8 && loads > evictions,
        "{loads} loads, {evictions} evictions"
    );
}

/// A plain exchange (no activity, no follow-up) is recorded without its
/// agreement's exchanges loaded (ADR 0062); a correction of it that
/// follows at once, in the same batch or in the next while the first waits
/// for its sync, loads them and must find it. The cache holds one exchange,
/// so both agreements are unloaded again after every durable batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_recorded_while_its_agreement_is_not_loaded_is_found_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    with_snapshot(&store).await;
    let engine = Arc::new(start(&store, 1));
    let loads = |engine: &Engine| -> u64 {
        let metrics = engine.render_metrics();
        let line = metrics
            .lines()
            .find(|l| l.starts_with("accord_exchange_loads_total "))
            .unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let before = loads(&engine);
    for (i, agreement) in [A, B].iter().cycle().take(24).enumerate() {
        let id = Uuid::now_v7().to_string();
        let recorded = record(exchange(agreement, &id, "2008-08-01", "dong-nai-iza"));
        let corrected = command(json!({"type": "CorrectExchange", "data": {
            "agreement_id": agreement, "exchange_id": id,
            "occurred_on": format!("2008-09-{:02}", i + 1), "reason": "sai ngày"}}));
        let (first, second) = tokio::join!(
            engine.submit(submission(recorded)),
            engine.submit(submission(corrected))
        );
        assert!(first.is_ok(), "{i}: recording answered {first:?}");
        assert!(second.is_ok(), "{i}: the correction answered {second:?}");
    }
    // Each correction loaded its agreement; no recording did.
    assert_eq!(loads(&engine) - before, 24);
    drop(engine);
    let restarted = start(&store, EngineConfig::EXCHANGE_CACHE);
    drop(restarted);
    let mut live = Models::load(store.as_ref(), store.as_ref(), store.head().position)
        .unwrap()
        .0;
    live.load_exchanges(store.as_ref()).unwrap();
    assert_eq!(live.write, folded(&store));
}
