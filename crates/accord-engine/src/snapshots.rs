//! Writing snapshots without stalling the write path.
//!
//! A snapshotter thread keeps its own copy of both models and follows the log
//! from the store: the writer only sends it each new head on a channel (never
//! blocks). When the head crosses a multiple of K, the snapshotter replays up
//! to that multiple, encodes, stores and prunes ([`crate::retention`]).
//! Encoding a million-event state takes a good fraction of a second: done by
//! the writer (even under a read lock), it would stall every command behind
//! it; here it costs the second core and a second copy of the models in
//! memory (measured in ADR 0011).
//!
//! Failures are logged, never fatal: a snapshot is derived data; without it
//! start-up and `as_of` replay more.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Instant;

use accord_store::EventStore;

use crate::retention::retained;
use crate::{Models, ReplayError};

/// Writes the snapshots at multiples of `every` in `(models.position(), up_to]`
/// that the retention policy keeps given those already stored, advancing
/// `models` to the last of them, then prunes. Returns the positions written.
/// Each is encoded into `buffer` (the snapshotter sizes it from its previous snapshot).
pub fn write_snapshots(
    store: &dyn EventStore,
    models: &mut Models,
    every: u64,
    keep_recent: usize,
    up_to: u64,
    buffer: &mut Vec<u8>,
) -> Result<Vec<u64>, ReplayError> {
    let planned = plan(store, models.position(), every, keep_recent, up_to)?;
    for &position in &planned {
        models.advance(store, position)?;
        let started = Instant::now();
        models.encode_into(buffer);
        let bytes = &buffer[..];
        let encoded = started.elapsed();
        store.put_snapshot(position, bytes)?;
        tracing::info!(
            position,
            bytes = bytes.len(),
            encode_ms = encoded.as_millis() as u64,
            write_ms = (started.elapsed() - encoded).as_millis() as u64,
            "snapshot written"
        );
    }
    prune(store, every, keep_recent)?;
    Ok(planned)
}

/// The multiples of `every` in `(after, up_to]` worth writing: those the
/// policy would keep among the stored snapshots plus all the candidates.
fn plan(
    store: &dyn EventStore,
    after: u64,
    every: u64,
    keep_recent: usize,
    up_to: u64,
) -> Result<Vec<u64>, ReplayError> {
    if every == 0 {
        return Ok(Vec::new());
    }
    let candidates: Vec<u64> = (after / every + 1..=up_to / every)
        .map(|m| m * every)
        .collect();
    let mut all = store.snapshot_positions()?;
    all.retain(|p| *p < candidates.first().copied().unwrap_or(u64::MAX));
    all.extend(&candidates);
    let keep = retained(&all, every, keep_recent);
    Ok(candidates
        .into_iter()
        .filter(|c| keep.binary_search(c).is_ok())
        .collect())
}

/// Deletes the stored snapshots the policy no longer keeps.
fn prune(store: &dyn EventStore, every: u64, keep_recent: usize) -> Result<(), ReplayError> {
    let stored = store.snapshot_positions()?;
    let keep = retained(&stored, every, keep_recent);
    for position in stored
        .into_iter()
        .filter(|p| keep.binary_search(p).is_err())
    {
        store.delete_snapshot(position)?;
        tracing::debug!(position, "snapshot pruned");
    }
    Ok(())
}

/// How the snapshotter follows the log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Follow {
    /// K: a snapshot at each multiple of it.
    pub every: u64,
    /// Recent snapshots kept before older ones are thinned.
    pub keep_recent: usize,
    /// After each snapshot, rest this many times as long as it took before
    /// the next one (0: never rest).
    pub rest: u32,
}

/// Starts the snapshotter thread; it stops when the writer drops its sender.
pub(crate) fn spawn(store: Arc<dyn EventStore>, follow_config: Follow, heads: Receiver<u64>) {
    std::thread::Builder::new()
        .name("accord-snapshots".into())
        .spawn(move || follow(store.as_ref(), follow_config, heads))
        .expect("the snapshotter thread starts");
}

/// Follows the announced heads, snapshotting at each multiple of `every`,
/// resting `rest` times as long as each snapshot took before the next: a
/// snapshot of a large state takes seconds of a core, and under a sustained
/// write load that core belongs to the commands (ADR 0011). With `rest` 4
/// the snapshotter uses at most about a fifth of a core on average; the
/// multiples of K passed while it works or rests are skipped, so under such
/// a load snapshots are spaced further apart than K.
fn follow(store: &dyn EventStore, config: Follow, heads: Receiver<u64>) {
    let Follow {
        every,
        keep_recent,
        rest,
    } = config;
    let mut models: Option<Models> = None;
    // The size of the last snapshot: the next one is encoded into a buffer
    // allocated once at about that size, not grown by doubling (each growth
    // copies and faults in fresh pages). The buffer is freed after each
    // snapshot, so the server does not hold a snapshot's size while resting.
    let mut last_size = 0;
    let mut done = store
        .snapshot_positions()
        .ok()
        .and_then(|p| p.last().copied());
    let mut head = store.head().position;
    let mut rested_at = Instant::now();
    loop {
        let target = head / every * every;
        let due = target > done.unwrap_or(0);
        if due && Instant::now() >= rested_at {
            let started = Instant::now();
            let from = done.unwrap_or(0);
            let mut buffer = Vec::with_capacity(last_size + last_size / 8);
            match snapshot_to(
                store,
                &mut models,
                every,
                keep_recent,
                from,
                target,
                &mut buffer,
            ) {
                Ok(()) => {
                    done = Some(target);
                    last_size = last_size.max(buffer.len());
                }
                Err(error) => {
                    tracing::warn!(%error, target, "snapshot failed; the next one will retry");
                    models = None;
                }
            }
            rested_at = Instant::now() + started.elapsed() * rest;
            continue;
        }
        let next = match due {
            // Resting with a snapshot due: wake when the rest ends, taking
            // the heads announced meanwhile.
            true => match heads.recv_timeout(rested_at.saturating_duration_since(Instant::now())) {
                Ok(next) => next,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            },
            false => match heads.recv() {
                Ok(next) => next,
                Err(_) => return,
            },
        };
        head = heads.try_iter().last().unwrap_or(next);
    }
}

/// Brings the snapshotter's models to `target` (the first time, loading them
/// at `from`, the latest snapshot, the way start-up does), writes the
/// snapshot at `target` and prunes. Multiples of K passed while it was busy
/// are skipped: under load the spacing stretches rather than the lag grows.
fn snapshot_to(
    store: &dyn EventStore,
    models: &mut Option<Models>,
    every: u64,
    keep_recent: usize,
    from: u64,
    target: u64,
    buffer: &mut Vec<u8>,
) -> Result<(), ReplayError> {
    let current = match models.take() {
        Some(current) => current,
        None => Models::load(store, from)?.0,
    };
    let current = models.insert(current);
    let skipped = target.saturating_sub(every).max(current.position());
    current.advance(store, skipped)?;
    write_snapshots(store, current, every, keep_recent, target, buffer)?;
    Ok(())
}
