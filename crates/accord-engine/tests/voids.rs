//! Voids through the writer, against a real sled store (ADR 0031): what a
//! void refuses, how every model treats the voided event from the void's
//! position on (live, `as_of`, snapshots, start-up, rebuild), and, for
//! random logs, that voiding never breaks the chain and that the models
//! with voids are the models of the log without the voided events.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use accord_domain::refusal::Rule;
use accord_domain::*;
use accord_engine::{rebuild_read_models, Engine, EngineConfig, EngineError, Models, Submission};
use accord_projections::{decode, AgreementStatus, ReadModels};
use accord_store::{Actor, EventLog, Role, SledStore, StoredEvent};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;
use uuid::Uuid;

mod support;
use support::{admin, command, submission};

const AGREEMENT: &str = "0190f0a0-2013-7000-8000-000000000001";

fn register(id: &str) -> Command {
    command(json!({"type": "RegisterParty", "data": {
        "party_id": id, "name": format!("Ban quản lý {id}"), "kind": "industrial_zone_authority"}}))
}

fn sign(id: &str, parties: &[&str], supersedes: Option<&str>) -> Command {
    command(json!({"type": "SignAgreement", "data": {
        "agreement_id": id, "title": "Chương trình hợp tác 2013–2015",
        "parties": parties, "signed_on": "2013-07-04",
        "term": {"start": "2013-07-04", "end": "2015-12-31"},
        "areas": ["investment_promotion", "scheme_30"], "supersedes": supersedes}}))
}

fn exchange(agreement: &str, exchange_id: &str, on: &str) -> Command {
    command(json!({"type": "RecordExchange", "data": {
        "agreement_id": agreement, "exchange_id": exchange_id, "occurred_on": on,
        "area": "investment_promotion", "kind": "meeting", "parties": ["dong-nai-iza"],
        "summary": "Hội nghị xúc tiến đầu tư chung"}}))
}

fn terminate(agreement: &str, on: &str) -> Command {
    command(json!({"type": "TerminateAgreement", "data": {
        "agreement_id": agreement, "effective_on": on, "reason": "Các bên thống nhất chấm dứt"}}))
}

fn void(event_id: Uuid, reason: &str) -> Command {
    command(json!({"type": "VoidEvent", "data": {"event_id": event_id, "reason": reason}}))
}

fn start(store: &Arc<SledStore>, snapshot_every: u64) -> Engine {
    let config = EngineConfig {
        snapshot_every,
        ..EngineConfig::default()
    };
    Engine::start(store.clone(), store.clone(), config).expect("engine starts")
}

/// Submits `c`: its last position, or the engine's error.
async fn submit(engine: &Engine, c: Command) -> Result<u64, EngineError> {
    match engine.submit(submission(c)).await? {
        accord_engine::Outcome::Created(r) | accord_engine::Outcome::Replayed(r) => Ok(r.position),
    }
}

async fn accept(engine: &Engine, c: Command) -> u64 {
    let name = c.name();
    submit(engine, c)
        .await
        .unwrap_or_else(|e| panic!("{name} refused: {e}"))
}

#[track_caller]
fn refused(answer: Result<u64, EngineError>, rule: Rule) -> String {
    match answer {
        Err(EngineError::Refused(r)) if r.rule == rule => r.detail,
        other => panic!("expected a refusal by {}, got {other:?}", rule.code()),
    }
}

fn event_at(store: &SledStore, position: u64) -> StoredEvent {
    store.event(position).unwrap().expect("an event there")
}

fn id_at(store: &SledStore, position: u64) -> Uuid {
    event_at(store, position).envelope.id
}

fn d(s: &str) -> BusinessDate {
    BusinessDate::parse(s).unwrap()
}

fn agreement_id() -> AgreementId {
    AGREEMENT.parse().unwrap()
}

/// Two parties, the program signed (3), one exchange in 2014 (4).
async fn seeded(engine: &Engine) {
    accept(engine, register("dong-nai-iza")).await;
    accept(engine, register("lam-dong-iza")).await;
    accept(
        engine,
        sign(AGREEMENT, &["dong-nai-iza", "lam-dong-iza"], None),
    )
    .await;
    let x = "0190f0a0-2014-7000-8000-000000000001";
    accept(engine, exchange(AGREEMENT, x, "2014-03-01")).await;
}

fn status(read: &ReadModels, on: &str) -> AgreementStatus {
    read.agreement(agreement_id(), d(on))
        .expect("signed")
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voided_termination_is_terminated_before_the_void_and_active_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let engine = start(&store, 0);
    seeded(&engine).await;
    let terminated = accept(&engine, terminate(AGREEMENT, "2014-06-01")).await;
    // Refused while the termination stands.
    let later = "0190f0a0-2014-7000-8000-000000000002";
    refused(
        submit(&engine, exchange(AGREEMENT, later, "2014-09-01")).await,
        Rule::ExchangeAfterTermination,
    );
    let voided = accept(&engine, void(id_at(&store, terminated), "Chấm dứt nhầm")).await;
    assert_eq!(voided, terminated + 1);

    let before = engine.read_as_of(terminated).unwrap();
    assert_eq!(status(&before, "2014-09-01"), AgreementStatus::Terminated);
    assert_eq!(
        status(&engine.read(), "2014-09-01"),
        AgreementStatus::Active
    );
    assert_eq!(engine.read().voided_by(terminated), Some(voided));
    assert_eq!(before.voided_by(terminated), None);

    // The write model forgot it too: the exchange is accepted now.
    accept(&engine, exchange(AGREEMENT, later, "2014-09-01")).await;
    let live = engine.read().clone();
    assert_eq!(
        live,
        rebuild_read_models(store.as_ref(), live.position()).unwrap()
    );

    // After a restart (no snapshot: the whole log folded) the same.
    drop(engine);
    let engine = start(&store, 0);
    assert_eq!(*engine.read(), live);
    assert_eq!(
        status(&engine.read(), "2014-09-01"),
        AgreementStatus::Active
    );
    // The void's stream is the agreement's; the chain verifies.
    let void = event_at(&store, voided).envelope;
    assert_eq!(void.stream, format!("agreement:{AGREEMENT}"));
    assert_eq!(void.effective_on.as_deref(), Some("2014-06-01"));
    assert!(store.verify(None).unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_is_refused_by_each_of_its_rules_and_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let engine = start(&store, 0);
    seeded(&engine).await;
    refused(
        submit(&engine, void(Uuid::now_v7(), "Nhập nhầm")).await,
        Rule::EventNotFound,
    );
    refused(
        submit(&engine, void(id_at(&store, 4), "  ")).await,
        Rule::ReasonRequired,
    );
    // Lâm Đồng (2) is named by the signature (3): the first fact that
    // depends on it is named, by position and id.
    let detail = refused(
        submit(&engine, void(id_at(&store, 2), "Đăng ký nhầm")).await,
        Rule::VoidBreaksHistory,
    );
    assert!(detail.contains("AgreementSigned at position 3"), "{detail}");
    assert!(detail.contains(&id_at(&store, 3).to_string()), "{detail}");
    let detail = refused(
        submit(&engine, void(id_at(&store, 3), "Ký nhầm")).await,
        Rule::VoidBreaksHistory,
    );
    assert!(
        detail.contains("ExchangeRecorded at position 4"),
        "{detail}"
    );
    assert_eq!(store.head().position, 4, "nothing appended");

    let voided = accept(&engine, void(id_at(&store, 4), "Nhập nhầm")).await;
    refused(
        submit(&engine, void(id_at(&store, 4), "Lần nữa")).await,
        Rule::EventAlreadyVoided,
    );
    refused(
        submit(&engine, void(id_at(&store, voided), "Hủy hủy")).await,
        Rule::VoidOfVoid,
    );
    assert_eq!(store.head().position, voided, "nothing appended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_voids_only_what_it_may_record_and_an_auditor_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let engine = start(&store, 0);
    seeded(&engine).await;
    accept(&engine, register("binh-phuoc-eza")).await;
    let as_role = |role: Role, party: Option<&str>, c: Command| Submission {
        actor: Actor {
            token_id: "t".into(),
            role,
            party_id: party.map(str::to_owned),
        },
        ..submission(c)
    };
    let exchange = id_at(&store, 4);
    for (role, party, event) in [
        (Role::Auditor, None, exchange),
        (Role::Writer, Some("binh-phuoc-eza"), exchange),
        // Registrations are an admin's.
        (Role::Writer, Some("dong-nai-iza"), id_at(&store, 5)),
    ] {
        let answer = engine
            .submit(as_role(role, party, void(event, "Nhập nhầm")))
            .await;
        assert!(
            matches!(answer, Err(EngineError::Forbidden(_))),
            "{role:?} {party:?}: {answer:?}"
        );
    }
    let answer = engine
        .submit(as_role(
            Role::Writer,
            Some("dong-nai-iza"),
            void(exchange, "Nhập nhầm"),
        ))
        .await;
    assert!(answer.is_ok(), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voids_before_and_after_snapshots_fold_alike_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    // A snapshot every 3 events: voided events sit before and after them.
    let engine = start(&store, 3);
    seeded(&engine).await;
    let mut voids = Vec::new();
    for n in 0..6u64 {
        let x = format!("0190f0a0-2015-7000-8000-{n:012}");
        let on = format!("2015-0{}-01", n + 1);
        accept(&engine, exchange(AGREEMENT, &x, &on)).await;
    }
    // Void the first exchange (4, inside the first snapshots), then two of
    // the later ones.
    for position in [4, 7, 9] {
        voids.push(accept(&engine, void(id_at(&store, position), "Nhập nhầm")).await);
    }
    let head = store.head().position;
    let live = engine.read().clone();
    assert_eq!(live, rebuild_read_models(store.as_ref(), head).unwrap());
    let view = live.agreement(agreement_id(), d("2015-12-31")).unwrap();
    assert_eq!(view.exchanges.total, 4, "7 recorded, 3 voided");
    // Every cut: as of it equals a rebuild of the prefix.
    for position in 1..=head {
        let as_of = engine.read_as_of(position).unwrap();
        let rebuilt = rebuild_read_models(store.as_ref(), position).unwrap();
        assert_eq!(*as_of, rebuilt, "as of position {position}");
    }
    drop(engine);
    // Start-up from the latest snapshot equals the fold from 0, once the
    // exchanges it loads on demand are loaded.
    let (mut loaded, _) = Models::load(store.as_ref(), store.as_ref(), head).unwrap();
    loaded.load_exchanges(store.as_ref()).unwrap();
    let mut folded = Models::new();
    folded.advance(store.as_ref(), None, head).unwrap();
    assert_eq!(loaded, folded);
    assert_eq!(loaded.read, live);
}

// ---------------------------------------------------------------- properties

/// One step of a random history: a fact, or a void of the event at a
/// position picked among those recorded so far.
#[derive(Debug, Clone)]
enum Step {
    Register(u8),
    Sign(u8, u8, u8),
    Exchange(u8, u8, u8),
    Terminate(u8, u8),
    Void(prop::sample::Index),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..3u8).prop_map(Step::Register),
        1 => (0..2u8, 0..3u8, 0..3u8).prop_map(|(a, p, q)| Step::Sign(a, p, q)),
        3 => (0..2u8, 0..8u8, 0..30u8).prop_map(|(a, x, m)| Step::Exchange(a, x, m)),
        1 => (0..3u8, 0..30u8).prop_map(|(a, m)| Step::Terminate(a, m)),
        3 => any::<prop::sample::Index>().prop_map(Step::Void),
    ]
}

fn party(n: u8) -> String {
    format!("party-{n}")
}

fn agreement(n: u8) -> String {
    format!("0190f0a0-2013-7000-8000-{n:012}")
}

/// A month of the term, as a date.
fn month(m: u8) -> String {
    format!("{}-{:02}-01", 2013 + m as u32 / 12 + 1, m % 12 + 1)
}

fn command_of_step(step: &Step, store: &SledStore) -> Option<Command> {
    Some(match *step {
        Step::Register(p) => register(&party(p)),
        Step::Sign(a, p, q) => sign(&agreement(a), &[&party(p), &party(q)], None),
        Step::Exchange(a, x, m) => {
            let exchange_id = format!("0190f0a0-2014-7000-8000-{:012}", a as u32 * 100 + x as u32);
            let mut c = exchange(&agreement(a), &exchange_id, &month(m));
            if let Command::RecordExchange(e) = &mut c {
                e.parties = vec![PartyId::parse(&party(0)).unwrap()];
            }
            c
        }
        Step::Terminate(a, m) => terminate(&agreement(a), &month(m)),
        Step::Void(ref index) => {
            let head = store.head().position;
            if head == 0 {
                return None;
            }
            let position = index.index(head as usize) as u64 + 1;
            void(id_at(store, position), "Nhập nhầm")
        }
    })
}

/// Every event of the log with its decoded fact.
fn whole_log(store: &SledStore) -> Vec<(StoredEvent, Event)> {
    store
        .read_all(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| {
            let env = &e.envelope;
            let event = decode(&env.event_type, env.schema, &env.data).unwrap();
            (e, event)
        })
        .collect()
}

/// The models of the log without the voided events and without the voids,
/// each event applied at its own position and version.
fn fold_without_voids(log: &[(StoredEvent, Event)]) -> (WriteModel, ReadModels) {
    let voided: BTreeSet<u64> = log
        .iter()
        .filter_map(|(_, e)| match e {
            Event::EventVoided(v) => Some(v.voided_position),
            _ => None,
        })
        .collect();
    let (mut write, mut read) = (WriteModel::new(), ReadModels::new());
    for (stored, event) in log {
        let env = &stored.envelope;
        if voided.contains(&env.position) {
            continue;
        }
        // The write model notes what a void voids; the read models compared
        // are those of the log without the voids.
        write.evolve(event);
        if !matches!(event, Event::EventVoided(_)) {
            read.apply(env.position, env.version, event);
        }
    }
    (write, read)
}

/// What a reader sees of every agreement on every date it could ask about,
/// without the versions (a void is an event of the agreement's stream, so
/// it moves the version).
fn views(read: &ReadModels) -> serde_json::Value {
    let days = ["2013-01-01", "2014-06-01", "2015-06-01", "2016-12-31"];
    let mut all = Vec::new();
    for day in days {
        let mut agreements =
            serde_json::to_value(read.agreements(d(day), &Default::default())).unwrap();
        for a in agreements.as_array_mut().unwrap() {
            a.as_object_mut().unwrap().remove("version");
        }
        all.push(json!({"day": day, "agreements": agreements, "parties": read.parties_at(d(day))}));
    }
    json!(all)
}

#[test]
fn voiding_never_breaks_the_chain_and_folds_as_the_log_without_the_voided_events() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    let strategy = (prop::collection::vec(step(), 10..40), 0..4u64);
    // How many voids were accepted, and refused for breaking history, over
    // every case: the property must have been exercised on both.
    let (accepted, broke) = (AtomicU64::new(0), AtomicU64::new(0));
    runner
        .run(&strategy, |(steps, every)| {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(SledStore::open(dir.path()).unwrap());
            runtime.block_on(async {
                // Snapshots every 2 to 4 events, or none.
                let engine = start(&store, if every == 0 { 0 } else { every + 1 });
                // Two parties and an agreement between them first, so that
                // later facts depend on earlier ones.
                let start = [Step::Register(0), Step::Register(1), Step::Sign(0, 0, 1)];
                for step in start.iter().chain(&steps) {
                    if let Some(c) = command_of_step(step, &store) {
                        // Refusals are part of a random history.
                        let is_void = matches!(c, Command::VoidEvent(_));
                        match engine.submit(submission(c)).await {
                            Ok(_) if is_void => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(EngineError::Refused(r)) if r.rule == Rule::VoidBreaksHistory => {
                                broke.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {}
                        }
                    }
                }
                let verification = store.verify(None).unwrap();
                prop_assert!(verification.ok, "{verification:?}");
                let log = whole_log(&store);
                let (write, read) = fold_without_voids(&log);
                let head = store.head().position;
                let live = engine.read().clone();
                prop_assert_eq!(views(&live), views(&read));
                drop(engine);
                let (mut loaded, _) = Models::load(store.as_ref(), store.as_ref(), head)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                loaded
                    .load_exchanges(store.as_ref())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&loaded.write, &write);
                prop_assert_eq!(&loaded.read, &live);
                let mut rebuilt = Models::new();
                rebuilt
                    .advance(store.as_ref(), None, head)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&rebuilt.write, &write);
                prop_assert_eq!(views(&rebuilt.read), views(&read));
                Ok(())
            })
        })
        .unwrap();
    let (accepted, broke) = (accepted.into_inner(), broke.into_inner());
    assert!(
        accepted > 10 && broke > 0,
        "{accepted} voids accepted, {broke} refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_id_says_a_later_instant_than_its_record_is_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    // An id minted "an hour from now" (a clock that was wrong, an import),
    // recorded first: the search from the id's instant misses it, the
    // search before it finds it.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    let since = later.duration_since(std::time::UNIX_EPOCH).unwrap();
    let stamp = uuid::Timestamp::from_unix(uuid::NoContext, since.as_secs(), since.subsec_nanos());
    let odd = Uuid::new_v7(stamp);
    let data = json!({"party_id": "party-odd", "name": "Ban quản lý ghi nhầm", "kind": "other"});
    store
        .append(&[accord_store::Write {
            command_id: Uuid::now_v7(),
            request_hash: [0; 32],
            stream: "party:party-odd".into(),
            expected_version: Some(0),
            actor: admin(),
            correlation_id: None,
            events: vec![accord_store::NewEvent {
                id: odd,
                event_type: "PartyRegistered".into(),
                schema: Event::SCHEMA,
                effective_on: None,
                data,
            }],
        }])
        .unwrap();
    let engine = start(&store, 0);
    seeded(&engine).await;
    let voided = accept(&engine, void(odd, "Đăng ký nhầm")).await;
    assert_eq!(engine.read().voided_by(1), Some(voided));
    assert!(engine
        .read()
        .parties()
        .iter()
        .all(|p| p.party_id.as_str() != "party-odd"));
}
