//! Tests of `SledStore` against a real sled database in a temporary folder.

mod append;
mod data_format;
mod reopen;
mod snapshots;
mod staging;
mod time_search;
mod transfer;
mod verify;
mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex};

use accord_store::{Actor, EventLog, NewEvent, Role, SledStore, Write};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// A clock the test sets by hand, shared with the store it was given to.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    pub fn at(instant: OffsetDateTime) -> Self {
        ManualClock(Arc::new(Mutex::new(instant)))
    }

    pub fn set(&self, instant: OffsetDateTime) {
        *self.0.lock().unwrap() = instant;
    }

    pub fn open(&self, dir: &Path) -> SledStore {
        let clock = self.0.clone();
        SledStore::open_with_clock(dir, Box::new(move || *clock.lock().unwrap())).unwrap()
    }
}

/// A fresh store in a fresh folder; keep the folder alive as long as the store.
pub fn fresh() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    (dir, store)
}

pub fn actor() -> Actor {
    Actor {
        token_id: "tok_1".into(),
        role: Role::Writer,
        party_id: Some("dong-nai-iza".into()),
    }
}

pub fn new_event(n: usize) -> NewEvent {
    NewEvent {
        id: Uuid::now_v7(),
        event_type: "Noted".into(),
        schema: 1,
        effective_on: Some("2013-07-04".into()),
        data: json!({"n": n, "note": "ghi chú"}),
    }
}

/// A write of `events` events to `stream` with a fresh command id.
pub fn write(stream: &str, events: usize, expected_version: Option<u64>) -> Write {
    Write {
        command_id: Uuid::now_v7(),
        request_hash: [events as u8; 32],
        stream: stream.into(),
        expected_version,
        actor: actor(),
        correlation_id: None,
        events: (0..events).map(new_event).collect(),
    }
}

/// Appends `batches` batches of `per_batch` one-event writes, round-robin over `streams` streams.
pub fn fill(store: &SledStore, batches: usize, per_batch: usize, streams: usize) {
    for b in 0..batches {
        let writes: Vec<Write> = (0..per_batch)
            .map(|i| write(&format!("s-{}", (b * per_batch + i) % streams), 1, None))
            .collect();
        store.append(&writes).unwrap();
    }
}
