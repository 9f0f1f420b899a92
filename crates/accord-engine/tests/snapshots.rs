//! Snapshots against a real sled store: written every K events by the
//! snapshotter, loaded at start-up with only the tail replayed, used by
//! `as_of` with at most K events replayed, and always equal to a rebuild.

use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_domain::Command;
use accord_engine::retention::retained;
use accord_engine::{rebuild_read_models, Engine, EngineConfig, Loaded, Models};
use accord_projections::SNAPSHOT_FORMAT;
use accord_store::{SledStore, SnapshotStore};
use serde_json::json;

mod support;
use support::{command, submission};

const AGREEMENT: &str = "0190f0a0-2007-7000-8000-000000002007";

fn config(every: u64, keep_recent: usize) -> EngineConfig {
    EngineConfig {
        snapshot_every: every,
        snapshot_keep_recent: keep_recent,
        as_of_cache: 2,
        ..EngineConfig::default()
    }
}

/// The i-th command of a mix touching every read model: exchanges, their
/// corrections and retractions, reviews with assessments, amendments.
fn mixed(i: u64) -> Command {
    let exchange = |n: u64| format!("0190f0a0-2008-7000-8000-{n:012}");
    let review = |n: u64| format!("0190f0a0-2009-7000-8000-{n:012}");
    let a = AGREEMENT;
    command(match i % 10 {
        7 => json!({"type": "CorrectExchange", "data": {"agreement_id": a,
            "exchange_id": exchange(i - 1), "reason": "Sai khu vực", "area": "scheme_30"}}),
        9 if i % 20 == 9 => json!({"type": "RetractExchange", "data": {"agreement_id": a,
            "exchange_id": exchange(i - 3), "reason": "Ghi trùng"}}),
        3 => json!({"type": "OpenReviewPeriod", "data": {"agreement_id": a, "review_id": review(i),
            "title": format!("Sơ kết {i}"), "kind": "interim",
            "period": {"start": "2008-01-01", "end": "2008-12-31"}, "opened_on": "2009-01-05"}}),
        4 => {
            json!({"type": "RecordAssessment", "data": {"agreement_id": a, "review_id": review(i - 1),
            "party_id": "dong-nai-iza", "assessed_on": "2009-01-06", "rating": "met"}})
        }
        5 => {
            json!({"type": "CloseReviewPeriod", "data": {"agreement_id": a, "review_id": review(i - 2),
            "closed_on": "2009-01-07", "outcome": "partially_met", "summary": "Đạt một phần"}})
        }
        _ => {
            json!({"type": "RecordExchange", "data": {"agreement_id": a, "exchange_id": exchange(i),
            "occurred_on": format!("2008-{:02}-15", i % 12 + 1), "area": "investment_promotion",
            "kind": "meeting", "parties": ["dong-nai-iza", "lam-dong-iza"],
            "summary": "Hỗ trợ nhau trong công tác mời gọi đầu tư"}})
        }
    })
}

fn seed_commands() -> Vec<Command> {
    let register = |id: &str, name: &str| {
        command(json!({"type": "RegisterParty", "data": {
            "party_id": id, "name": name, "kind": "industrial_zone_authority"}}))
    };
    vec![
        register("dong-nai-iza", "Ban quản lý các KCN Đồng Nai"),
        register("lam-dong-iza", "Ban quản lý các KCN Lâm Đồng"),
        command(json!({"type": "SignAgreement", "data": {
            "agreement_id": AGREEMENT, "title": "Chương trình hợp tác 2007–2013",
            "parties": ["dong-nai-iza", "lam-dong-iza"], "signed_on": "2007-12-20",
            "term": {"start": "2007-12-20", "end": "2013-12-31"},
            "areas": ["investment_promotion", "scheme_30"]}})),
    ]
}

/// Appends the seed then `count` mixed commands, one at a time, waiting at
/// each multiple of `every` for its snapshot (the snapshotter skips the
/// multiples it was too busy for; here it must not); returns the head.
async fn fill(engine: &Engine, store: &SledStore, count: u64, every: u64) -> u64 {
    for c in seed_commands()
        .into_iter()
        .chain((10..10 + count).map(mixed))
    {
        engine.submit(submission(c)).await.expect("accepted");
        let head = engine.log().head().position;
        if head.is_multiple_of(every) {
            wait_for_snapshot(store, head);
        }
    }
    engine.log().head().position
}

/// Waits until the snapshotter has written its snapshot at `position`.
fn wait_for_snapshot(store: &dyn SnapshotStore, position: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.snapshot_positions().unwrap().last() != Some(&position) {
        assert!(Instant::now() < deadline, "no snapshot at {position}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A store with 25 commands and snapshots at 10 and 20, its engine stopped;
/// returns the store and its head.
async fn stopped_with_snapshots(dir: &std::path::Path) -> (Arc<SledStore>, u64) {
    let store = open(dir);
    let first = Engine::start(store.clone(), store.clone(), config(10, 0)).unwrap();
    let head = fill(&first, &store, 25, 10).await;
    wait_for_snapshot(store.as_ref(), 20);
    drop(first);
    (store, head)
}

fn open(dir: &std::path::Path) -> Arc<SledStore> {
    Arc::new(SledStore::open(dir).expect("store opens"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_written_at_every_multiple_of_k() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let engine = Engine::start(store.clone(), store.clone(), config(10, 0)).unwrap();

    let head = fill(&engine, &store, 52, 10).await;

    assert_eq!(head, 55);
    wait_for_snapshot(store.as_ref(), 50);
    assert_eq!(
        store.snapshot_positions().unwrap(),
        vec![10, 20, 30, 40, 50]
    );
    let (_, bytes) = store.snapshot_at_or_before(30).unwrap().unwrap();
    let snapshot = Models::decode(&bytes).unwrap();
    assert_eq!(
        snapshot.read,
        rebuild_read_models(store.as_ref(), 30).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_snapshot_the_snapshotter_rests_before_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // A rest of 100,000 times the first snapshot's duration: minutes.
    let resting = EngineConfig {
        snapshot_rest: 100_000,
        ..config(10, 0)
    };
    let engine = Engine::start(store.clone(), store.clone(), resting).unwrap();
    let head = fill(&engine, &store, 6, 10).await;
    assert_eq!(head, 9);
    for c in (16..30).map(mixed) {
        engine.submit(submission(c)).await.expect("accepted");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while !store.snapshot_positions().unwrap().contains(&10) {
        assert!(Instant::now() < deadline, "no snapshot at 10");
        std::thread::sleep(Duration::from_millis(10));
    }

    // Two more multiples of K are passed while it rests: none is written.
    // The control: an engine that does not rest, given the same commands,
    // writes both in the time the resting one is watched.
    let control_dir = tempfile::tempdir().unwrap();
    let control_store = open(control_dir.path());
    let control =
        Engine::start(control_store.clone(), control_store.clone(), config(10, 0)).unwrap();
    fill(&control, &control_store, 6, 10).await;
    for i in 16..50 {
        control
            .submit(submission(mixed(i)))
            .await
            .expect("accepted");
        if i >= 30 {
            engine.submit(submission(mixed(i))).await.expect("accepted");
        }
    }
    assert!(engine.log().head().position >= 40);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !control_store.snapshot_positions().unwrap().contains(&40) {
        assert!(
            Instant::now() < deadline,
            "the control wrote no snapshot at 40"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(store.snapshot_positions().unwrap(), vec![10]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loads_the_latest_snapshot_and_replays_only_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = Engine::start(store.clone(), store.clone(), config(10, 0)).unwrap();
    let head = fill(&first, &store, 45, 10).await;
    wait_for_snapshot(store.as_ref(), 40);
    let live = first.read().clone();
    drop(first);

    let engine = Engine::start(store.clone(), store.clone(), config(10, 0)).unwrap();

    let expected = Loaded {
        snapshot: Some(40),
        replayed: head - 40,
    };
    assert_eq!(engine.loaded(), expected);
    assert_eq!(*engine.read(), live);
    // The write model came from the snapshot too: deciding still knows the agreement.
    engine.submit(submission(mixed(1_000))).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_snapshot_is_ignored_and_the_whole_log_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, head) = stopped_with_snapshots(dir.path()).await;
    store.put_snapshot(20, b"not a snapshot").unwrap();

    let engine = Engine::start(store.clone(), store.clone(), config(0, 0)).unwrap();

    let expected = Loaded {
        snapshot: None,
        replayed: head,
    };
    assert_eq!(engine.loaded(), expected);
    assert_eq!(
        *engine.read(),
        rebuild_read_models(store.as_ref(), head).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_of_another_format_is_ignored_at_start_up_and_by_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let (store, head) = stopped_with_snapshots(dir.path()).await;
    // The same bytes under another format number: read as the current
    // format, bytes of another layout could decode to wrong models.
    let (_, mut bytes) = store.snapshot_at_or_before(20).unwrap().unwrap();
    assert_eq!(&bytes[8..12], &SNAPSHOT_FORMAT.to_be_bytes());
    bytes[8..12].copy_from_slice(&(SNAPSHOT_FORMAT - 1).to_be_bytes());
    store.put_snapshot(20, &bytes).unwrap();
    store.delete_snapshot(10).unwrap();

    let engine = Engine::start(store.clone(), store.clone(), config(0, 0)).unwrap();

    let expected = Loaded {
        snapshot: None,
        replayed: head,
    };
    assert_eq!(engine.loaded(), expected);
    let rebuilt = rebuild_read_models(store.as_ref(), head).unwrap();
    assert_eq!(*engine.read(), rebuilt);
    let (at_20, trace) = engine.read_as_of_traced(21).unwrap();
    assert_eq!(trace.snapshot, None, "{trace:?}");
    assert_eq!(*at_20, rebuild_read_models(store.as_ref(), 21).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_from_a_snapshot_equals_a_full_replay_of_the_prefix_at_every_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let engine = Engine::start(store.clone(), store.clone(), config(10, 0)).unwrap();
    let head = fill(&engine, &store, 80, 10).await;
    wait_for_snapshot(store.as_ref(), 80);

    for position in 0..head {
        let (models, trace) = engine.read_as_of_traced(position).unwrap();
        let expected = rebuild_read_models(store.as_ref(), position).unwrap();
        assert_eq!(*models, expected, "as_of position {position}");
        assert_eq!(trace.snapshot, Some(position / 10 * 10).filter(|p| *p > 0));
        assert!(trace.replayed < 10, "{position}: {trace:?}");
    }
    let (_, again) = engine.read_as_of_traced(head - 1).unwrap();
    assert!(again.cached);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_snapshots_are_thinned_by_the_retention_policy() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let engine = Engine::start(store.clone(), store.clone(), config(5, 4)).unwrap();

    let head = fill(&engine, &store, 150, 5).await;

    wait_for_snapshot(store.as_ref(), head / 5 * 5);
    let every: Vec<u64> = (1..=head / 5).map(|m| m * 5).collect();
    let kept = store.snapshot_positions().unwrap();
    assert_eq!(kept, retained(&every, 5, 4));
    assert!(kept.len() < every.len() / 2, "{kept:?}");
    for position in [1, 7, 64, head / 2, head - 1] {
        let as_of = engine.read_as_of(position).unwrap();
        assert_eq!(
            *as_of,
            rebuild_read_models(store.as_ref(), position).unwrap()
        );
    }
}
