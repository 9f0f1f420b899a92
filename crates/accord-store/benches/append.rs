//! The store's two hot paths: a durable batch append (one atomic sled batch,
//! flush and fdatasync) with 1, 10 and 100 events per batch, and a replay of
//! 10,000 events decoding each envelope. Run:
//! `cargo bench -p accord-store --bench append`.
//!
//! The appends hit the disk: their figures are the machine's fsync latency
//! more than the code's; compare them with `accord_append_duration_seconds`
//! on `/metrics` in production.

use std::hint::black_box;
use std::time::Duration;

use accord_store::{Actor, EventLog, NewEvent, Role, SledStore, StoreOptions, Write};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use uuid::Uuid;

/// One write of one ExchangeRecorded-like event (about 400 bytes stored),
/// spread over 100 streams.
fn write(n: u64) -> Write {
    Write {
        command_id: Uuid::now_v7(),
        request_hash: [7; 32],
        stream: format!("agreement:0190f0a0-2013-7000-8000-{:012}", n % 100),
        expected_version: None,
        actor: Actor {
            token_id: "tok_bench".into(),
            role: Role::Admin,
            party_id: None,
        },
        correlation_id: None,
        events: vec![NewEvent {
            id: Uuid::now_v7(),
            event_type: "ExchangeRecorded".into(),
            schema: 1,
            effective_on: Some("2014-05-20".into()),
            data: serde_json::json!({"type": "ExchangeRecorded", "agreement_id": "0190f0a0-2013-7000-8000-000000002013",
                "exchange_id": Uuid::now_v7(), "occurred_on": "2014-05-20", "area": "investment_promotion",
                "kind": "meeting", "parties": ["dong-nai-iza", "binh-phuoc-eza"],
                "summary": format!("Trao đổi kinh nghiệm xúc tiến đầu tư số {n}"), "outcome": null}),
        }],
    }
}

fn batch(first: u64, size: u64) -> Vec<Write> {
    (first..first + size).map(write).collect()
}

fn append_durable(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_durable");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for size in [1u64, 10, 100] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SledStore::open(dir.path()).expect("a synced store");
        let mut next = 0;
        group.throughput(Throughput::Elements(size));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter_batched(
                || {
                    next += size;
                    batch(next, size)
                },
                |writes| black_box(store.append(&writes).expect("an append")),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn replay_decoding(c: &mut Criterion) {
    const EVENTS: u64 = 10_000;
    let dir = tempfile::tempdir().expect("a temp dir");
    // Filling without fdatasync: the replay reads the same bytes either way.
    let options = StoreOptions {
        sync_data: false,
        ..StoreOptions::default()
    };
    let store = SledStore::open_with_options(dir.path(), options).expect("a store");
    for first in (0..EVENTS).step_by(1_000) {
        store.append(&batch(first, 1_000)).expect("an append");
    }
    let mut group = c.benchmark_group("replay_decoding");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(EVENTS));
    group.bench_function(BenchmarkId::from_parameter(EVENTS), |b| {
        b.iter(|| {
            let mut count = 0u64;
            store
                .replay(0, EVENTS, &mut |event| {
                    count += black_box(event).envelope.position;
                    Ok(())
                })
                .expect("a replay");
            count
        })
    });
    group.finish();
}

criterion_group!(benches, append_durable, replay_decoding);
criterion_main!(benches);
