//! Folding the log into models: the tail after a snapshot at start-up, a
//! prefix of it for `as_of` reads. Both go through [`fold`], so the live
//! models and a rebuild can only differ if `apply` itself is wrong (which
//! the tests check).

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use accord_domain::Event;
use accord_projections::{
    decode_logged, decode_snapshot_read_models, DecodeError, Logged, ReadModels,
};
use accord_store::{EventLog, SnapshotStore, StoreError};

use crate::Shared;

/// Why the log could not be folded into models.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event at position {position} cannot be decoded: {source}")]
    Decode { position: u64, source: DecodeError },
}

/// How an `as_of` state was obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AsOfTrace {
    /// Served from the cache of recent `as_of` states.
    pub cached: bool,
    /// The snapshot it started from, if any.
    pub snapshot: Option<u64>,
    /// Events replayed on top of it.
    pub replayed: u64,
}

/// Folds of more events than this run as a pipeline of three threads
/// (ADR 0019): one reads the stored bytes from sled, one decodes them, the
/// calling one applies. A rebuild, a start-up without snapshot or a long
/// `as_of` replay then uses both cores; below this the threads cost more
/// than they save.
pub(crate) const PIPELINE_FROM: u64 = 20_000;

/// Events handed from one stage to the next at a time.
const CHUNK: usize = 512;

/// Feeds events after+1..=up_to to `f`, in order, each decoded once from its
/// stored bytes into what the models fold (ADR 0019): no envelope struct, no
/// JSON tree, until `f` breaks. Long folds read and decode on two other threads
/// ([`PIPELINE_FROM`]); `f` always runs on the calling thread. On an
/// undecodable event, `f` has seen every event before it.
pub(crate) fn fold(
    store: &dyn EventLog,
    after: u64,
    up_to: u64,
    f: &mut dyn FnMut(Logged) -> ControlFlow<()>,
) -> Result<(), ReplayError> {
    fold_pipelined_from(store, after, up_to, PIPELINE_FROM, f)
}

/// [`fold`] with the threshold of the pipeline as a parameter (the tests
/// run the pipeline on small logs).
fn fold_pipelined_from(
    store: &dyn EventLog,
    after: u64,
    up_to: u64,
    pipeline_from: u64,
    f: &mut dyn FnMut(Logged) -> ControlFlow<()>,
) -> Result<(), ReplayError> {
    if up_to.saturating_sub(after) < pipeline_from {
        return decode_each(store, after, up_to, f);
    }
    std::thread::scope(|scope| {
        let (raw_chunks, raw_received) = std::sync::mpsc::sync_channel::<RawChunk>(4);
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<Logged>>(4);
        let reader = std::thread::Builder::new()
            .name("accord-read".into())
            .spawn_scoped(scope, move || read_chunks(store, after, up_to, raw_chunks))
            .expect("the reading thread starts");
        let decoder = std::thread::Builder::new()
            .name("accord-decode".into())
            .spawn_scoped(scope, move || decode_chunks(after, raw_received, chunks))
            .expect("the decoding thread starts");
        let mut stopped = false;
        'chunks: for chunk in received {
            for logged in chunk {
                if f(logged).is_break() {
                    stopped = true;
                    break 'chunks;
                }
            }
        }
        // Dropping the receiver (above, when `f` broke) stops the decoder,
        // which stops the reader.
        let decoded = decoder
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        if stopped {
            return Ok(());
        }
        // A decoding error stops the reader too: it is the one to report.
        decoded?;
        read.map_err(ReplayError::Store)
    })
}

/// The stored bytes of up to [`CHUNK`] consecutive events, in one buffer.
#[derive(Default)]
struct RawChunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl RawChunk {
    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.ends.push(self.bytes.len());
    }

    fn events(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.bytes[start..end])
    }
}

/// The first stage: the stored bytes of events after+1..=up_to, in chunks.
fn read_chunks(
    store: &dyn EventLog,
    after: u64,
    up_to: u64,
    out: std::sync::mpsc::SyncSender<RawChunk>,
) -> Result<(), StoreError> {
    let mut chunk = RawChunk::default();
    store.replay_canonical(after, up_to, &mut |bytes| {
        chunk.push(bytes);
        if chunk.ends.len() < CHUNK {
            return Ok(());
        }
        // A closed channel: a later stage stopped (an undecodable event, or
        // the applying thread unwinding).
        out.send(std::mem::take(&mut chunk))
            .map_err(|_| StoreError::Invalid("the fold stopped".into()))
    })?;
    if !chunk.ends.is_empty() {
        let _ = out.send(chunk);
    }
    Ok(())
}

/// The second stage: decodes each chunk, stopping at the first undecodable
/// event (after handing on the events before it).
fn decode_chunks(
    after: u64,
    raw: std::sync::mpsc::Receiver<RawChunk>,
    out: std::sync::mpsc::SyncSender<Vec<Logged>>,
) -> Result<(), ReplayError> {
    let mut next = after + 1;
    for chunk in raw {
        let mut decoded = Vec::with_capacity(chunk.ends.len());
        for bytes in chunk.events() {
            match decode_next(bytes, &mut next) {
                Ok(logged) => decoded.push(logged),
                Err(error) => {
                    let _ = out.send(decoded);
                    return Err(error);
                }
            }
        }
        if out.send(decoded).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Decodes the event expected at position `next`, moving `next` past it; an
/// undecodable one is reported at `next` (its own position is unreadable).
fn decode_next(bytes: &[u8], next: &mut u64) -> Result<Logged, ReplayError> {
    let logged = decode_logged(bytes).map_err(|source| ReplayError::Decode {
        position: *next,
        source,
    })?;
    *next = logged.position + 1;
    Ok(logged)
}

/// Reads and decodes events after+1..=up_to on the calling thread, handing
/// each to `f`.
fn decode_each(
    store: &dyn EventLog,
    after: u64,
    up_to: u64,
    f: &mut dyn FnMut(Logged) -> ControlFlow<()>,
) -> Result<(), ReplayError> {
    let mut failure = None;
    let mut stopped = false;
    let mut next = after + 1;
    let result = store.replay_canonical(after, up_to, &mut |bytes| match decode_next(
        bytes, &mut next,
    ) {
        Ok(logged) => match f(logged) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => {
                stopped = true;
                Err(StoreError::Invalid("the fold stopped".into()))
            }
        },
        Err(error) => {
            // Stop at the first undecodable event; the error is reported below.
            failure = Some(error);
            Err(StoreError::Invalid("undecodable event".into()))
        }
    });
    match (result, failure) {
        _ if stopped => Ok(()),
        (_, Some(decode_error)) => Err(decode_error),
        (Err(e), None) => Err(ReplayError::Store(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// Applies events after `read.position()` up to `up_to`, voids included
/// ([`advance`]); returns how many were folded.
fn advance_read(
    store: &dyn EventLog,
    snapshots: Option<&dyn SnapshotStore>,
    read: &mut ReadModels,
    up_to: u64,
) -> Result<u64, ReplayError> {
    advance(store, snapshots, read, up_to)
}

/// The read models after events 1..=up_to, rebuilt from the log alone, no
/// snapshot (`accord rebuild` and the tests' "equals a rebuild").
pub fn rebuild_read_models(store: &dyn EventLog, up_to: u64) -> Result<ReadModels, ReplayError> {
    let mut read = ReadModels::new();
    advance_read(store, None, &mut read, up_to)?;
    Ok(read)
}

/// What a fold of the log builds: the read models alone, or both models.
pub(crate) trait Folded: Sized {
    /// Nothing applied (position 0).
    fn empty() -> Self;
    /// The models a snapshot holds, if it decodes and is at `position`.
    fn from_snapshot(position: u64, bytes: &[u8]) -> Option<Self>;
    /// The last position folded.
    fn position(&self) -> u64;
    /// Every void applied: the voided event's position → the void's.
    fn voids(&self) -> &BTreeMap<u64, u64>;
    /// Applies one event.
    fn apply(&mut self, logged: Logged);
    /// Moves past a voided event without applying it.
    fn skip(&mut self, position: u64);
}

impl Folded for ReadModels {
    /// Models that keep texts: a rebuild without a log to read them from
    /// answers every view (`as_of` reads drop them as they attach the log).
    fn empty() -> Self {
        ReadModels::new()
    }
    fn from_snapshot(position: u64, bytes: &[u8]) -> Option<Self> {
        decode_snapshot_read_models(bytes)
            .ok()
            .filter(|read| read.position() == position)
    }
    fn position(&self) -> u64 {
        ReadModels::position(self)
    }
    fn voids(&self) -> &BTreeMap<u64, u64> {
        ReadModels::voids(self)
    }
    fn apply(&mut self, logged: Logged) {
        self.apply_owned(logged.position, logged.version, logged.event);
    }
    fn skip(&mut self, position: u64) {
        ReadModels::skip(self, position);
    }
}

/// The read models alone, lean (ADR 0037): what the snapshotter folds.
/// Unlike [`ReadModels`]' own fold, a refold after a void starts from lean
/// models too, so texts are never kept.
pub(crate) struct LeanRead(pub ReadModels);

impl Folded for LeanRead {
    fn empty() -> Self {
        LeanRead(ReadModels::lean())
    }
    fn from_snapshot(position: u64, bytes: &[u8]) -> Option<Self> {
        ReadModels::from_snapshot(position, bytes).map(LeanRead)
    }
    fn position(&self) -> u64 {
        self.0.position()
    }
    fn voids(&self) -> &BTreeMap<u64, u64> {
        self.0.voids()
    }
    fn apply(&mut self, logged: Logged) {
        Folded::apply(&mut self.0, logged);
    }
    fn skip(&mut self, position: u64) {
        self.0.skip(position);
    }
}

/// Folds events after `models.position()` up to `up_to` into `models`,
/// treating every voided event as never recorded (ADR 0031); returns how
/// many events were folded.
///
/// A void can only be met after the event it voids, which the models
/// already hold: on meeting one at Q, the models are folded again up to Q
/// from a point before every voided event they hold ([`refold`]: the
/// latest fitting snapshot, or position 0 without `snapshots`), skipping
/// the voided events, and the fold goes on after Q. Only voids pay for it.
pub(crate) fn advance<M: Folded>(
    log: &dyn EventLog,
    snapshots: Option<&dyn SnapshotStore>,
    models: &mut M,
    up_to: u64,
) -> Result<u64, ReplayError> {
    let mut count = 0;
    loop {
        let mut void_at = None;
        fold(log, models.position(), up_to, &mut |logged| {
            let position = logged.position;
            let is_void = matches!(logged.event, Event::EventVoided(_));
            models.apply(logged);
            count += 1;
            match is_void {
                true => {
                    void_at = Some(position);
                    ControlFlow::Break(())
                }
                false => ControlFlow::Continue(()),
            }
        })?;
        let Some(at) = void_at else {
            return Ok(count);
        };
        let voids = models.voids().clone();
        let (refolded, folded) =
            refold::<M, std::convert::Infallible>(log, snapshots, &voids, at, &mut |_, _| Ok(()))?;
        *models = refolded.unwrap_or_else(|never| match never {});
        count += folded;
    }
}

/// The models after `up_to`, folded from a point before every event in
/// `voids` (voided position → the void's position) that is not already
/// left out of it, skipping those events. `judge` sees each other event
/// before it is applied, with the models before it (which it may complete,
/// not advance: exchanges loaded, ADR 0054), and may stop the fold with a
/// value, returned as `Err`. Returns the models and how many events
/// were folded.
pub(crate) fn refold<M: Folded, E>(
    log: &dyn EventLog,
    snapshots: Option<&dyn SnapshotStore>,
    voids: &BTreeMap<u64, u64>,
    up_to: u64,
    judge: &mut dyn FnMut(&mut M, &Logged) -> Result<(), E>,
) -> Result<(Result<M, E>, u64), ReplayError> {
    let mut models: M = base(snapshots, voids, up_to);
    let mut count = 0;
    let mut refused = None;
    fold(log, models.position(), up_to, &mut |logged| {
        if voids.contains_key(&logged.position) {
            models.skip(logged.position);
            return ControlFlow::Continue(());
        }
        if let Err(e) = judge(&mut models, &logged) {
            refused = Some(e);
            return ControlFlow::Break(());
        }
        models.apply(logged);
        count += 1;
        ControlFlow::Continue(())
    })?;
    models.skip(up_to);
    Ok((refused.map_or(Ok(models), Err), count))
}

/// The latest models a fold leaving out `voids` can start from: a snapshot
/// (at or before `up_to`) that holds none of the voided events it does not
/// already leave out, else empty models.
pub(crate) fn base<M: Folded>(
    snapshots: Option<&dyn SnapshotStore>,
    voids: &BTreeMap<u64, u64>,
    up_to: u64,
) -> M {
    let Some(snapshots) = snapshots else {
        return M::empty();
    };
    let mut limit = up_to;
    loop {
        let found = match snapshots.snapshot_at_or_before(limit) {
            Ok(Some((at, bytes))) => M::from_snapshot(at, &bytes),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "snapshots cannot be read; folding from position 0");
                None
            }
        };
        let Some(models) = found else {
            return M::empty();
        };
        let at = models.position();
        // A voided event the snapshot holds, voided after it was taken.
        let held = voids
            .iter()
            .filter(|(voided, by)| **voided <= at && **by > at)
            .map(|(voided, _)| *voided)
            .min();
        match held {
            None => return models,
            Some(voided) if voided > 0 => limit = voided - 1,
            Some(_) => return M::empty(),
        }
    }
}

/// The read models after `position`: the nearest snapshot at or before it
/// (an undecodable one is skipped with a warning) plus the events between.
pub(crate) fn read_models_at(
    log: &dyn EventLog,
    snapshots: &dyn SnapshotStore,
    position: u64,
) -> Result<(ReadModels, AsOfTrace), ReplayError> {
    let mut trace = AsOfTrace::default();
    let mut read = match snapshots.snapshot_at_or_before(position)? {
        Some((at, bytes)) => match decode_snapshot_read_models(&bytes) {
            Ok(read) if read.position() == at => {
                trace.snapshot = Some(at);
                read
            }
            Ok(_) | Err(_) => {
                tracing::warn!(at, "snapshot unusable for as_of; replaying from 0");
                ReadModels::lean()
            }
        },
        None => ReadModels::lean(),
    };
    trace.replayed = advance_read(log, Some(snapshots), &mut read, position)?;
    Ok((read, trace))
}

/// The read models as of `position`: the live ones when nothing was appended
/// since, else a cached state or the nearest snapshot plus the events after it.
pub(crate) fn as_of(
    shared: &Shared,
    position: u64,
) -> Result<(Arc<ReadModels>, AsOfTrace), ReplayError> {
    {
        let live = shared.read.read().unwrap_or_else(|e| e.into_inner());
        if position >= live.position() {
            return Ok((Arc::new(live.clone()), AsOfTrace::default()));
        }
    }
    if let Some(hit) = cached(shared, position) {
        let trace = AsOfTrace {
            cached: true,
            ..AsOfTrace::default()
        };
        return Ok((hit, trace));
    }
    // Built outside the cache's lock: concurrent misses at other cuts proceed in parallel.
    let (mut models, trace) =
        read_models_at(shared.log.as_ref(), shared.snapshots.as_ref(), position)?;
    models.read_texts_from(shared.texts.clone());
    let models = Arc::new(models);
    remember(shared, position, models.clone());
    Ok((models, trace))
}

fn cached(shared: &Shared, position: u64) -> Option<Arc<ReadModels>> {
    let mut cache = shared.as_of.lock().unwrap_or_else(|e| e.into_inner());
    let index = cache.iter().position(|(p, _)| *p == position)?;
    // Least recently used first: move the hit to the back.
    let entry = cache.remove(index);
    let models = entry.1.clone();
    cache.push(entry);
    Some(models)
}

/// Keeps `models` for reuse within both bounds of the cache: its number
/// of states and the exchanges they hold together (ADR 0046).
fn remember(shared: &Shared, position: u64, models: Arc<ReadModels>) {
    let (count, budget) = (
        shared.config.as_of_cache,
        shared.config.as_of_cache_exchanges,
    );
    let evicted: Vec<_> = {
        let mut cache = shared.as_of.lock().unwrap_or_else(|e| e.into_inner());
        if cache.iter().any(|(p, _)| *p == position) {
            return;
        }
        let held: Vec<usize> = cache.iter().map(|(_, m)| m.exchange_count()).collect();
        let Some(evict) = evictions(&held, models.exchange_count(), count, budget) else {
            return;
        };
        let evicted = cache.drain(..evict).collect();
        cache.push((position, models));
        evicted
    };
    // Dropped once the lock is released: freeing a state of a large log
    // takes a while, and other `as_of` reads wait for the lock.
    drop(evicted);
}

/// How many of the cached states (their exchange counts in `held`, least
/// recently used first) to evict so that one more of `size` exchanges fits
/// in `count` states and `budget` exchanges; `None` if it cannot be kept.
fn evictions(held: &[usize], size: usize, count: usize, budget: usize) -> Option<usize> {
    if count == 0 || size > budget {
        return None;
    }
    let mut total: usize = held.iter().sum();
    let mut evict = 0;
    while evict < held.len() && (held.len() - evict >= count || total + size > budget) {
        total -= held[evict];
        evict += 1;
    }
    Some(evict)
}

#[cfg(test)]
mod tests {
    use accord_store::{Actor, NewEvent, Role, SledStore, Write};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_as_of_cache_keeps_a_state_within_its_count_and_its_exchanges() {
        // Room for both: nothing evicted.
        assert_eq!(evictions(&[100, 200], 300, 8, 1_000), Some(0));
        // As many states as the count: the least recently used goes.
        assert_eq!(evictions(&[1, 1, 1], 1, 3, 1_000), Some(1));
        // Within the count but past the exchanges: the oldest go until it fits.
        assert_eq!(evictions(&[400, 400, 100], 400, 8, 1_000), Some(1));
        assert_eq!(evictions(&[400, 400, 100], 600, 8, 1_000), Some(2));
        // Exactly at the bound still fits.
        assert_eq!(evictions(&[500], 500, 8, 1_000), Some(0));
        // Larger than the whole bound, or no cache: not kept, nothing evicted.
        assert_eq!(evictions(&[10], 1_001, 8, 1_000), None);
        assert_eq!(evictions(&[], 1, 0, 1_000), None);
        // Every state evicted when the new one needs the whole bound.
        assert_eq!(evictions(&[300, 300], 1_000, 8, 1_000), Some(2));
    }

    /// A store of `count` one-event writes (parties registered), appended
    /// straight through the store in batches (no rules needed to fold).
    fn store_with(dir: &std::path::Path, count: u64) -> SledStore {
        let store = SledStore::open(dir).unwrap();
        let actor = Actor {
            token_id: "test".into(),
            role: Role::Admin,
            party_id: None,
        };
        let writes: Vec<Write> = (0..count)
            .map(|i| {
                let data = serde_json::json!({"party_id": format!("party-{i}"),
                    "name": format!("Ban quản lý số {i}"), "kind": "industrial_zone_authority"});
                Write {
                    command_id: Uuid::now_v7(),
                    request_hash: [0; 32],
                    stream: format!("party:party-{i}"),
                    expected_version: Some(0),
                    actor: actor.clone(),
                    correlation_id: None,
                    events: vec![NewEvent {
                        id: Uuid::now_v7(),
                        event_type: "PartyRegistered".into(),
                        schema: accord_domain::Event::SCHEMA,
                        effective_on: None,
                        data,
                    }],
                }
            })
            .collect();
        for batch in writes.chunks(500) {
            store.append(batch).unwrap();
        }
        store
    }

    fn positions(
        store: &dyn EventLog,
        after: u64,
        up_to: u64,
        pipeline_from: u64,
    ) -> (Vec<(u64, u64)>, Result<(), ReplayError>) {
        let mut seen = Vec::new();
        let result = fold_pipelined_from(store, after, up_to, pipeline_from, &mut |logged| {
            seen.push((logged.position, logged.version));
            ControlFlow::Continue(())
        });
        (seen, result)
    }

    #[test]
    fn the_pipeline_feeds_the_same_events_in_the_same_order_as_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        // More than two chunks, and a last chunk that is not full.
        let store = store_with(dir.path(), 2 * CHUNK as u64 + 37);
        let head = store.head().position;
        for (after, up_to) in [(0, head), (5, head - 3), (CHUNK as u64, CHUNK as u64 + 1)] {
            let (one_thread, r1) = positions(&store, after, up_to, u64::MAX);
            let (pipelined, r2) = positions(&store, after, up_to, 0);
            assert!(r1.is_ok() && r2.is_ok());
            assert_eq!(pipelined, one_thread);
            let expected: Vec<u64> = (after + 1..=up_to).collect();
            let got: Vec<u64> = pipelined.iter().map(|(p, _)| *p).collect();
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn the_pipeline_stops_at_an_undecodable_event_after_feeding_every_event_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 2 * CHUNK as u64 + 10);
        let bad = CHUNK as u64 + 3;
        store
            .tamper()
            .overwrite_event_bytes(bad, b"{\"not\": \"an envelope\"}")
            .unwrap();
        for pipeline_from in [0, u64::MAX] {
            let (seen, result) = positions(&store, 0, store.head().position, pipeline_from);
            assert_eq!(seen.len() as u64, bad - 1, "pipeline_from {pipeline_from}");
            match result {
                Err(ReplayError::Decode { position, .. }) => assert_eq!(position, bad),
                other => panic!("expected a decode error at {bad}, got {other:?}"),
            }
        }
    }
}
