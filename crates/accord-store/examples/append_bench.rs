//! Measures group-commit throughput, with and without the fdatasync after each flush.
//!
//! `cargo run --release -p accord-store --example append_bench -- BATCHES EVENTS_PER_BATCH`
//! appends BATCHES batches of EVENTS_PER_BATCH one-event writes to a fresh
//! temporary store, once synced and once not, and prints events/s for each.

use std::time::Instant;

use accord_store::{Actor, EventLog, NewEvent, Role, SledStore, StoreOptions, Write};
use uuid::Uuid;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let batches = args.next().and_then(Result::ok).unwrap_or(1_000);
    let per_batch = args.next().and_then(Result::ok).unwrap_or(10);
    for sync_data in [true, false] {
        let (seconds, events) = run(batches, per_batch, sync_data);
        let rate = events as f64 / seconds;
        println!(
            "sync_data={sync_data:<5} {batches} batches x {per_batch} events: {events} events in {seconds:.3} s = {rate:.0} events/s, {:.0} batches/s",
            batches as f64 / seconds
        );
    }
}

/// Appends the batches to a fresh store; returns the elapsed seconds and the event count.
fn run(batches: usize, per_batch: usize, sync_data: bool) -> (f64, u64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let options = StoreOptions {
        sync_data,
        ..StoreOptions::default()
    };
    let store = SledStore::open_with_options(dir.path(), options).expect("a store");
    let started = Instant::now();
    for b in 0..batches {
        let writes: Vec<Write> = (0..per_batch).map(|i| write(b * per_batch + i)).collect();
        store.append(&writes).expect("an append");
    }
    (started.elapsed().as_secs_f64(), store.head().position)
}

/// One write of one event of about 300 bytes, spread over 100 streams.
fn write(n: usize) -> Write {
    Write {
        command_id: Uuid::now_v7(),
        request_hash: [0; 32],
        stream: format!("agreement:{}", n % 100),
        expected_version: None,
        actor: Actor {
            token_id: "tok_bench".into(),
            role: Role::Writer,
            party_id: Some("dong-nai-iza".into()),
        },
        correlation_id: None,
        events: vec![NewEvent {
            id: Uuid::now_v7(),
            event_type: "ExchangeRecorded".into(),
            schema: 1,
            effective_on: Some("2013-05-20".into()),
            data: serde_json::json!({"area": "investment_promotion", "n": n,
                "summary": "Trao đổi về xúc tiến đầu tư giữa hai Ban quản lý"}),
        }],
    }
}
