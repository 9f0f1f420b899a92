//! The store contracts, tested against every backend with one harness:
//! `SledStore` in a temporary folder and `PgStore` in a database created
//! for the test on a real PostgreSQL server (and dropped after). Each
//! contract test is written once, generic over [`Backend`], and run once
//! per backend by [`contract!`]. Tests of what only sled has (its folder,
//! files and format marker) name `SledStore` directly.
//!
//! The PostgreSQL tests never skip: without a server they fail
//! (`ACCORD_TEST_DATABASE_URL` names one; `.ci/run` starts one).

mod append;
mod attachments;
mod data_format;
mod pg;
mod reopen;
mod snapshots;
mod staging;
mod time_search;
mod transfer;
mod verify;
mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex};

use accord_store::{
    Actor, AttachmentStore, Clock, EventLog, MetaStore, NewEvent, Role, SledStore, SnapshotStore,
    WebhookStore, Write,
};
use accord_store_pg::testing::TestDatabase;
use accord_store_pg::PgStore;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// A backend under test: where its data lives, and how to open it there.
pub trait Backend {
    type Store: EventLog + SnapshotStore + MetaStore + WebhookStore + AttachmentStore;
    /// A folder or a database, removed when dropped; outlives its stores.
    type Place;

    fn place() -> Self::Place;
    fn open(place: &Self::Place) -> Self::Store;
    fn open_with_clock(place: &Self::Place, clock: Clock) -> Self::Store;
    /// The durable version of a stream.
    fn stream_version(store: &Self::Store, stream: &str) -> u64;
    /// Raw edits of the stored events, as someone with access to the disk
    /// or the database could make (the in-memory head is left alone).
    fn tamper(store: &Self::Store) -> Box<dyn Tampering + '_>;
}

/// Raw edits of stored events.
pub trait Tampering {
    /// The canonical bytes stored at `position`.
    fn event_bytes(&self, position: u64) -> Option<Vec<u8>>;
    /// Replaces the bytes at `position`, keeping the stored hash.
    fn overwrite_event_bytes(&self, position: u64, canonical: &[u8]);
    /// Replaces the bytes and the hash at `position`.
    fn overwrite_event(&self, position: u64, hash: &[u8; 32], canonical: &[u8]);
    /// Deletes the event at `position`.
    fn remove_event(&self, position: u64);
    /// Exchanges what is stored at `a` and `b`.
    fn swap_events(&self, a: u64, b: u64);
    /// Replaces the bytes at `position` and rewrites every later link and
    /// the head so the chain verifies again (a forger who knows the chain).
    fn rewrite_chain_from(&self, position: u64, canonical: &[u8]);
}

/// The sled store in a temporary folder.
pub struct Sled;

impl Backend for Sled {
    type Store = SledStore;
    type Place = tempfile::TempDir;

    fn place() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn open(place: &tempfile::TempDir) -> SledStore {
        SledStore::open(place.path()).unwrap()
    }

    fn open_with_clock(place: &tempfile::TempDir, clock: Clock) -> SledStore {
        SledStore::open_with_clock(place.path(), clock).unwrap()
    }

    fn stream_version(store: &SledStore, stream: &str) -> u64 {
        store.stream_version(stream).unwrap()
    }

    fn tamper(store: &SledStore) -> Box<dyn Tampering + '_> {
        Box::new(store.tamper())
    }
}

impl Tampering for accord_store::Tamper<'_> {
    fn event_bytes(&self, position: u64) -> Option<Vec<u8>> {
        accord_store::Tamper::event_bytes(self, position).unwrap()
    }

    fn overwrite_event_bytes(&self, position: u64, canonical: &[u8]) {
        accord_store::Tamper::overwrite_event_bytes(self, position, canonical).unwrap()
    }

    fn overwrite_event(&self, position: u64, hash: &[u8; 32], canonical: &[u8]) {
        accord_store::Tamper::overwrite_event(self, position, hash, canonical).unwrap()
    }

    fn remove_event(&self, position: u64) {
        accord_store::Tamper::remove_event(self, position).unwrap()
    }

    fn swap_events(&self, a: u64, b: u64) {
        accord_store::Tamper::swap_events(self, a, b).unwrap()
    }

    fn rewrite_chain_from(&self, position: u64, canonical: &[u8]) {
        accord_store::Tamper::rewrite_chain_from(self, position, canonical).unwrap()
    }
}

/// The PostgreSQL store in a database of its own.
pub struct Pg;

impl Backend for Pg {
    type Store = PgStore;
    type Place = TestDatabase;

    fn place() -> TestDatabase {
        TestDatabase::create()
    }

    fn open(place: &TestDatabase) -> PgStore {
        PgStore::open(place.url()).unwrap()
    }

    fn open_with_clock(place: &TestDatabase, clock: Clock) -> PgStore {
        PgStore::open_with_clock(place.url(), clock).unwrap()
    }

    fn stream_version(store: &PgStore, stream: &str) -> u64 {
        store.stream_version(stream).unwrap()
    }

    fn tamper(store: &PgStore) -> Box<dyn Tampering + '_> {
        Box::new(PgTamper(store))
    }
}

/// Edits of the `accord_events` rows, in SQL.
struct PgTamper<'a>(&'a PgStore);

fn bytea(bytes: &[u8]) -> String {
    format!("'\\x{}'::bytea", hex::encode(bytes))
}

impl PgTamper<'_> {
    fn sql(&self, sql: &str) {
        self.0.tamper_sql(sql).unwrap();
    }

    fn hash(&self, position: u64) -> [u8; 32] {
        let mut found = None;
        self.0
            .scan(position - 1, position, &mut |stored| {
                found = Some(*stored.hash);
                Ok(std::ops::ControlFlow::Break(()))
            })
            .unwrap();
        found.unwrap()
    }
}

impl Tampering for PgTamper<'_> {
    fn event_bytes(&self, position: u64) -> Option<Vec<u8>> {
        let mut found = None;
        self.0
            .scan(position - 1, position, &mut |stored| {
                found = (stored.position == position).then(|| stored.canonical.to_vec());
                Ok(std::ops::ControlFlow::Break(()))
            })
            .unwrap();
        found
    }

    fn overwrite_event_bytes(&self, position: u64, canonical: &[u8]) {
        let bytes = bytea(canonical);
        self.sql(&format!(
            "UPDATE accord_events SET canonical = {bytes} WHERE position = {position}"
        ));
    }

    fn overwrite_event(&self, position: u64, hash: &[u8; 32], canonical: &[u8]) {
        let (hash, bytes) = (bytea(hash), bytea(canonical));
        self.sql(&format!(
            "UPDATE accord_events SET hash = {hash}, canonical = {bytes} WHERE position = {position}"
        ));
    }

    fn remove_event(&self, position: u64) {
        self.sql(&format!(
            "DELETE FROM accord_events WHERE position = {position}"
        ));
    }

    fn swap_events(&self, a: u64, b: u64) {
        self.sql(&format!(
            "UPDATE accord_events AS e SET hash = o.hash, canonical = o.canonical \
             FROM accord_events AS o \
             WHERE (e.position, o.position) IN (({a}, {b}), ({b}, {a}))"
        ));
    }

    fn rewrite_chain_from(&self, position: u64, canonical: &[u8]) {
        let mut prev = match position {
            1 => [0; 32],
            p => self.hash(p - 1),
        };
        let mut bytes = canonical.to_vec();
        let mut at = position;
        loop {
            let old = self.hash(at);
            let hash = accord_store::chain_link(&prev, &bytes);
            self.overwrite_event(at, &hash, &bytes);
            prev = hash;
            at += 1;
            let Some(next) = self.event_bytes(at) else {
                break;
            };
            let (from, to) = (hex::encode(old), hex::encode(hash));
            bytes = String::from_utf8_lossy(&next)
                .replace(
                    &format!("\"prev_hash\":\"{from}\""),
                    &format!("\"prev_hash\":\"{to}\""),
                )
                .into_bytes();
        }
        let hash = bytea(&prev);
        self.sql(&format!(
            "UPDATE accord_head SET hash = {hash} WHERE id = 1"
        ));
    }
}

/// Runs each generic contract test once per backend:
/// `contract!(name, …)` makes `on_sled::name` and `on_pg::name`.
#[macro_export]
macro_rules! contract {
    ($($test:ident),+ $(,)?) => {
        mod on_sled {
            $(#[test]
            fn $test() {
                super::$test::<$crate::Sled>();
            })+
        }
        mod on_pg {
            $(#[test]
            fn $test() {
                super::$test::<$crate::Pg>();
            })+
        }
    };
}

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

    fn clock(&self) -> Clock {
        let clock = self.0.clone();
        Box::new(move || *clock.lock().unwrap())
    }

    /// A sled store in `dir` on this clock.
    pub fn open(&self, dir: &Path) -> SledStore {
        SledStore::open_with_clock(dir, self.clock()).unwrap()
    }

    /// A store of backend `B` in `place` on this clock.
    pub fn open_in<B: Backend>(&self, place: &B::Place) -> B::Store {
        B::open_with_clock(place, self.clock())
    }
}

/// A fresh store in a fresh place; keep the place alive as long as the store.
pub fn fresh_in<B: Backend>() -> (B::Place, B::Store) {
    let place = B::place();
    let store = B::open(&place);
    (place, store)
}

/// A fresh sled store in a fresh folder.
pub fn fresh() -> (tempfile::TempDir, SledStore) {
    fresh_in::<Sled>()
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
pub fn fill(store: &impl EventLog, batches: usize, per_batch: usize, streams: usize) {
    for b in 0..batches {
        let writes: Vec<Write> = (0..per_batch)
            .map(|i| write(&format!("s-{}", (b * per_batch + i) % streams), 1, None))
            .collect();
        store.append(&writes).unwrap();
    }
}
