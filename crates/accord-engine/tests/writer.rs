//! The single writer, driven concurrently against a real sled store.

use std::sync::Arc;

use accord_domain::*;
use accord_engine::{
    rebuild_read_models, Checked, Engine, EngineConfig, EngineError, Outcome, Submission,
};
use accord_store::{Actor, EventLog, Role, SledStore};
use uuid::Uuid;

const AGREEMENT: &str = "0190f0a0-2007-7000-8000-000000002007";

fn actor() -> Actor {
    Actor {
        token_id: "test".into(),
        role: Role::Admin,
        party_id: None,
    }
}

fn submission(command: Command, command_id: Option<Uuid>, body_marker: u8) -> Submission {
    Submission {
        command,
        command_id,
        expected_version: None,
        correlation_id: None,
        actor: actor(),
        request_hash: [body_marker; 32],
    }
}

fn command(json: serde_json::Value) -> Command {
    serde_json::from_value(json).expect("a valid command")
}

fn register(id: &str, name: &str) -> Command {
    command(serde_json::json!({"type": "RegisterParty", "data": {
        "party_id": id, "name": name, "kind": "industrial_zone_authority"}}))
}

fn sign() -> Command {
    command(serde_json::json!({"type": "SignAgreement", "data": {
        "agreement_id": AGREEMENT, "title": "Chương trình hợp tác 2007–2013",
        "parties": ["dong-nai-iza", "lam-dong-iza"], "signed_on": "2007-12-20",
        "term": {"start": "2007-12-20", "end": "2013-12-31"}, "areas": ["investment_promotion", "scheme_30"]}}))
}

fn exchange(on: &str) -> Command {
    command(serde_json::json!({"type": "RecordExchange", "data": {
        "agreement_id": AGREEMENT, "occurred_on": on, "area": "investment_promotion", "kind": "meeting",
        "parties": ["dong-nai-iza"], "summary": "Hỗ trợ nhau trong công tác mời gọi đầu tư"}}))
}

fn open(dir: &std::path::Path) -> (Arc<SledStore>, Engine) {
    start(SledStore::open(dir).expect("store opens"))
}

fn start(store: SledStore) -> (Arc<SledStore>, Engine) {
    let store = Arc::new(store);
    let engine = Engine::start(store.clone(), store.clone(), EngineConfig::default())
        .expect("engine starts");
    (store, engine)
}

async fn seed(engine: &Engine) {
    for c in [
        register(
            "dong-nai-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
        ),
        register(
            "lam-dong-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
        ),
        sign(),
    ] {
        engine
            .submit(submission(c, None, 0))
            .await
            .expect("seed command accepted");
    }
}

fn created(outcome: Outcome) -> accord_store::CommandRecord {
    match outcome {
        Outcome::Created(r) => r,
        Outcome::Replayed(r) => panic!("expected a new append, got a replay of {}", r.command_id),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commands_get_gapless_positions_matching_their_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, engine) = open(dir.path());
    seed(&engine).await;
    let mut tasks = Vec::new();
    for t in 0..16 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for i in 0..40 {
                let on = if (t + i) % 7 == 0 {
                    "2015-01-01"
                } else {
                    "2010-06-01"
                };
                answers.push(engine.submit(submission(exchange(on), None, 1)).await);
            }
            answers
        }));
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for task in tasks {
        for answer in task.await.unwrap() {
            match answer {
                Ok(outcome) => accepted.push(created(outcome)),
                Err(EngineError::Refused(r)) => {
                    assert_eq!(r.rule.code(), "exchange_outside_term");
                    refused += 1;
                }
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
    }
    assert!(
        refused > 0 && accepted.len() > 300,
        "{refused} refused, {} accepted",
        accepted.len()
    );
    let head = store.head().position;
    assert_eq!(
        head,
        3 + accepted.len() as u64,
        "refused commands appended nothing"
    );
    let mut positions: Vec<u64> = accepted.iter().map(|r| r.position).collect();
    positions.sort_unstable();
    assert_eq!(
        positions,
        (4..=head).collect::<Vec<_>>(),
        "gapless, each position answered once"
    );
    for record in &accepted {
        let stored = store
            .event(record.position)
            .unwrap()
            .expect("the answered position exists");
        assert_eq!(stored.envelope.command_id, record.command_id);
        assert_eq!(stored.envelope.version, record.version);
    }
    let versions: Vec<u64> = store
        .read_stream(&format!("agreement:{AGREEMENT}"), 0, 10_000)
        .unwrap()
        .iter()
        .map(|e| e.envelope.version)
        .collect();
    assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>());
    assert!(store.verify(None).unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_read_models_equal_a_rebuild_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (store, engine) = open(dir.path());
    seed(&engine).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                engine
                    .submit(submission(exchange("2011-03-03"), None, 2))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rebuilt = rebuild_read_models(store.as_ref(), store.head().position).unwrap();
    assert_eq!(*engine.read(), rebuilt);
    let at = BusinessDate::parse("2012-01-01").unwrap();
    let id: AgreementId = AGREEMENT.parse().unwrap();
    assert_eq!(
        engine.read().agreement(id, at).unwrap().exchanges.total,
        200
    );
}

#[tokio::test]
async fn the_same_command_id_answers_the_original_result_or_a_conflict_even_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let id = Uuid::now_v7();
    let first = {
        let (_, engine) = open(dir.path());
        seed(&engine).await;
        let first = created(
            engine
                .submit(submission(exchange("2010-01-01"), Some(id), 7))
                .await
                .unwrap(),
        );
        match engine
            .submit(submission(exchange("2010-01-01"), Some(id), 7))
            .await
            .unwrap()
        {
            Outcome::Replayed(r) => assert_eq!(r, first),
            other => panic!("expected a replay, got {other:?}"),
        }
        first
    };
    // The engine's writer holds the store; wait for it to let go of sled's lock.
    let (store, engine) = reopen(dir.path()).await;
    match engine
        .submit(submission(exchange("2010-01-01"), Some(id), 7))
        .await
        .unwrap()
    {
        Outcome::Replayed(r) => assert_eq!(r, first),
        other => panic!("expected a replay after restart, got {other:?}"),
    }
    let other_body = engine
        .submit(submission(exchange("2010-01-02"), Some(id), 8))
        .await;
    assert!(
        matches!(other_body, Err(EngineError::CommandIdReused(_))),
        "{other_body:?}"
    );
    assert_eq!(store.head().position, 4);
}

/// Reopens a store whose previous engine was dropped; sled's file lock is
/// released once the writer thread has exited.
async fn reopen(dir: &std::path::Path) -> (Arc<SledStore>, Engine) {
    for _ in 0..200 {
        if let Ok(store) = SledStore::open(dir) {
            return start(store);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the store could not be reopened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_command_id_twice_in_one_batch_appends_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, engine) = open(dir.path());
    seed(&engine).await;
    let id = Uuid::now_v7();
    let (a, b) = tokio::join!(
        engine.submit(submission(exchange("2010-01-01"), Some(id), 3)),
        engine.submit(submission(exchange("2010-01-01"), Some(id), 3)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let record = |o: &Outcome| match o {
        Outcome::Created(r) | Outcome::Replayed(r) => r.clone(),
    };
    assert_eq!(record(&a), record(&b));
    assert_eq!(store.head().position, 4, "appended exactly once");
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, engine) = open(dir.path());
    seed(&engine).await;
    let mut s = submission(exchange("2010-01-01"), None, 4);
    s.expected_version = Some(5);
    match engine.submit(s).await {
        Err(EngineError::VersionConflict {
            expected: 5,
            actual: 1,
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let mut s = submission(exchange("2010-01-01"), None, 4);
    s.expected_version = Some(1);
    assert_eq!(created(engine.submit(s).await.unwrap()).version, 2);
    assert_eq!(store.head().position, 4);
}

#[tokio::test]
async fn a_restart_rebuilds_the_same_models() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let (_, engine) = open(dir.path());
        seed(&engine).await;
        for on in ["2008-01-01", "2009-01-01", "2010-01-01"] {
            engine
                .submit(submission(exchange(on), None, 5))
                .await
                .unwrap();
        }
        let snapshot = engine.read().clone();
        snapshot
    };
    let (_, engine) = reopen(dir.path()).await;
    assert_eq!(*engine.read(), before);
    // The write model was rebuilt too: a rule that needs history still holds.
    let refused = engine.submit(submission(sign(), None, 6)).await;
    assert!(
        matches!(refused, Err(EngineError::Refused(r)) if r.rule.code() == "agreement_already_exists")
    );
}

/// An exchange of the seeded agreement with a given id.
fn exchange_with_id(on: &str, id: Uuid) -> Command {
    let mut command = exchange(on);
    if let Command::RecordExchange(c) = &mut command {
        c.exchange_id = Some(ExchangeId(id));
    }
    command
}

fn rule(answer: &Result<Checked, EngineError>) -> &'static str {
    match answer {
        Err(EngineError::Refused(refusal)) => refusal.rule.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_dry_run_judges_in_order_by_the_same_rules_and_appends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, engine) = open(dir.path());
    seed(&engine).await;
    let (x, first) = (Uuid::now_v7(), Uuid::now_v7());
    let batch = || {
        vec![
            submission(exchange_with_id("2010-01-01", x), Some(first), 1),
            // The same exchange id again: the first one's fact counts.
            submission(exchange_with_id("2010-02-01", x), None, 2),
            submission(exchange("2014-01-01"), None, 3),
            // The first command again: answered as it would be.
            submission(exchange_with_id("2010-01-01", x), Some(first), 1),
            submission(exchange_with_id("2010-01-01", x), Some(first), 9),
        ]
    };
    let answers = engine.check(batch()).await.expect("the writer answers");
    assert_eq!(answers.len(), 5);
    assert_eq!(*answers[0].as_ref().unwrap(), Checked::New);
    assert_eq!(rule(&answers[1]), "exchange_already_exists");
    assert_eq!(rule(&answers[2]), "exchange_outside_term");
    assert_eq!(*answers[3].as_ref().unwrap(), Checked::Repeats(0));
    assert!(matches!(answers[4], Err(EngineError::CommandIdReused(id)) if id == first));
    assert_eq!(store.head().position, 3, "a dry run appends nothing");

    // Submitted for real, one after the other, the same verdicts.
    let mut submitted = Vec::new();
    for s in batch() {
        submitted.push(engine.submit(s).await);
    }
    let recorded = created(submitted.remove(0).expect("the first is appended"));
    for (check, submit) in answers[1..3].iter().zip(&submitted) {
        let Err(EngineError::Refused(refusal)) = submit else {
            panic!("expected a refusal, got {submit:?}");
        };
        assert_eq!(rule(check), refusal.rule.code());
    }
    assert!(matches!(submitted[2], Ok(Outcome::Replayed(ref r)) if *r == recorded));
    assert!(matches!(submitted[3], Err(EngineError::CommandIdReused(_))));

    // Checked again, the appended command is known with its record.
    let again = engine.check(batch()).await.unwrap();
    assert_eq!(*again[0].as_ref().unwrap(), Checked::Recorded(recorded));
    assert_eq!(rule(&again[1]), "exchange_already_exists");
    assert_eq!(store.head().position, 4);
}

#[tokio::test]
async fn a_dry_run_judges_the_actors_rights() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, engine) = open(dir.path());
    seed(&engine).await;
    let writer = |party: &str| Actor {
        token_id: "writer".into(),
        role: Role::Writer,
        party_id: Some(party.into()),
    };
    let mut outsider = submission(exchange("2010-01-01"), None, 1);
    outsider.actor = writer("binh-phuoc-eza");
    let mut member = submission(exchange("2010-01-01"), None, 1);
    member.actor = writer("dong-nai-iza");
    let answers = engine.check(vec![outsider, member]).await.unwrap();
    assert!(
        matches!(answers[0], Err(EngineError::Forbidden(_))),
        "{:?}",
        answers[0]
    );
    assert_eq!(*answers[1].as_ref().unwrap(), Checked::New);
}
