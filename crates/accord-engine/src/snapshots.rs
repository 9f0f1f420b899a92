//! Writing snapshots without stalling the write path.
//!
//! A snapshotter thread follows the log from the store: the writer only sends
//! it each new head on a channel (never blocks). When the head crosses a
//! multiple of K, the snapshotter loads its own copy of the read models from
//! the latest snapshot, replays up to that multiple, encodes, stores, prunes
//! ([`crate::retention`]) and drops the copy (ADR 0043).
//! Encoding a million-event state takes a good fraction of a second: done by
//! the writer (even under a read lock), it would stall every command behind
//! it; here it costs the second core, and a second copy of the read models
//! while a snapshot is made (measured in ADR 0011).
//!
//! Failures are logged, never fatal: a snapshot is derived data; without it
//! start-up and `as_of` replay more.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Instant;

use accord_store::{EventLog, SnapshotStore};

use accord_projections::encode_snapshot_into;

use crate::replay::{advance, base, Folded, LeanRead};
use crate::retention::retained;
use crate::{Models, ReplayError};

/// When snapshots are written and which are kept.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotPolicy {
    /// K: a snapshot at each multiple of it (0: none).
    pub every: u64,
    /// Recent snapshots kept before older ones are thinned ([`crate::retention`]).
    pub keep_recent: usize,
}

/// Writes the snapshots at multiples of `policy.every` in
/// `(models.position(), up_to]` that the retention policy keeps given those
/// already stored, advancing `models` along `log` to the last of them, then
/// prunes. Returns the positions written. Each is encoded into `buffer` (the
/// snapshotter sizes it from its previous snapshot).
pub fn write_snapshots(
    log: &dyn EventLog,
    snapshots: &dyn SnapshotStore,
    models: &mut Models,
    policy: SnapshotPolicy,
    up_to: u64,
    buffer: &mut Vec<u8>,
) -> Result<Vec<u64>, ReplayError> {
    write_snapshots_of(
        log,
        snapshots,
        models,
        policy,
        up_to,
        buffer,
        Models::encode_into,
    )
}

/// [`write_snapshots`] of any models a fold builds, `encode` writing the
/// snapshot bytes of them into a buffer.
fn write_snapshots_of<M: Folded>(
    log: &dyn EventLog,
    snapshots: &dyn SnapshotStore,
    models: &mut M,
    policy: SnapshotPolicy,
    up_to: u64,
    buffer: &mut Vec<u8>,
    encode: fn(&M, &mut Vec<u8>),
) -> Result<Vec<u64>, ReplayError> {
    let planned = plan(snapshots, models.position(), policy, up_to)?;
    for &position in &planned {
        advance(log, Some(snapshots), models, position)?;
        let started = Instant::now();
        encode(models, buffer);
        let bytes = &buffer[..];
        let encoded = started.elapsed();
        snapshots.put_snapshot(position, bytes)?;
        tracing::info!(
            position,
            bytes = bytes.len(),
            encode_ms = encoded.as_millis() as u64,
            write_ms = (started.elapsed() - encoded).as_millis() as u64,
            "snapshot written"
        );
    }
    prune(snapshots, policy)?;
    Ok(planned)
}

/// The multiples of `every` in `(after, up_to]` worth writing: those the
/// policy would keep among the stored snapshots plus all the candidates.
fn plan(
    snapshots: &dyn SnapshotStore,
    after: u64,
    SnapshotPolicy { every, keep_recent }: SnapshotPolicy,
    up_to: u64,
) -> Result<Vec<u64>, ReplayError> {
    if every == 0 {
        return Ok(Vec::new());
    }
    let candidates: Vec<u64> = (after / every + 1..=up_to / every)
        .map(|m| m * every)
        .collect();
    let mut all = snapshots.snapshot_positions()?;
    all.retain(|p| *p < candidates.first().copied().unwrap_or(u64::MAX));
    all.extend(&candidates);
    let keep = retained(&all, every, keep_recent);
    Ok(candidates
        .into_iter()
        .filter(|c| keep.binary_search(c).is_ok())
        .collect())
}

/// Deletes the stored snapshots the policy no longer keeps.
fn prune(
    snapshots: &dyn SnapshotStore,
    SnapshotPolicy { every, keep_recent }: SnapshotPolicy,
) -> Result<(), ReplayError> {
    let stored = snapshots.snapshot_positions()?;
    let keep = retained(&stored, every, keep_recent);
    for position in stored
        .into_iter()
        .filter(|p| keep.binary_search(p).is_err())
    {
        snapshots.delete_snapshot(position)?;
        tracing::debug!(position, "snapshot pruned");
    }
    Ok(())
}

/// Starts the snapshotter thread; it stops when the writer drops its sender.
/// After each snapshot it rests `rest` times as long as the snapshot took.
pub(crate) fn spawn(
    log: Arc<dyn EventLog>,
    snapshots: Arc<dyn SnapshotStore>,
    policy: SnapshotPolicy,
    rest: u32,
    heads: Receiver<u64>,
) {
    let done = snapshots
        .snapshot_positions()
        .ok()
        .and_then(|p| p.last().copied())
        .unwrap_or(0);
    let snapshotter = Snapshotter {
        log,
        snapshots,
        policy,
        rest,
        models: None,
        done,
        last_size: 0,
        rested_until: Instant::now(),
    };
    std::thread::Builder::new()
        .name("accord-snapshots".into())
        .spawn(move || follow(snapshotter, heads))
        .expect("the snapshotter thread starts");
}

/// Follows the announced heads, snapshotting at each multiple of K once
/// rested: a snapshot of a large state takes seconds of a core, and under a
/// sustained write load that core belongs to the commands (ADR 0011). With
/// `rest` 4 the snapshotter uses at most about a fifth of a core on average;
/// the multiples of K passed while it works or rests are skipped, so under
/// such a load snapshots are spaced further apart than K.
fn follow(mut snapshotter: Snapshotter, heads: Receiver<u64>) {
    let mut head = snapshotter.log.head().position;
    loop {
        let due = snapshotter.due(head);
        match due {
            Some(target) if snapshotter.rested() => snapshotter.snapshot(target),
            _ => match wait(&heads, due.map(|_| snapshotter.rested_until)) {
                Woken::Head(next) => head = next,
                Woken::Rested => {}
                Woken::Stopped => return,
            },
        }
    }
}

/// Why the snapshotter woke.
enum Woken {
    /// A new head was announced (the latest of those waiting).
    Head(u64),
    /// Its rest ended with a snapshot due.
    Rested,
    /// The writer stopped.
    Stopped,
}

/// Waits for the next announced head, or until `until` when resting with a
/// snapshot due; takes every head announced meanwhile, keeping the last.
fn wait(heads: &Receiver<u64>, until: Option<Instant>) -> Woken {
    let next = match until {
        Some(until) => match heads.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(next) => next,
            Err(RecvTimeoutError::Timeout) => return Woken::Rested,
            Err(RecvTimeoutError::Disconnected) => return Woken::Stopped,
        },
        None => match heads.recv() {
            Ok(next) => next,
            Err(_) => return Woken::Stopped,
        },
    };
    Woken::Head(heads.try_iter().last().unwrap_or(next))
}

/// The snapshotter's state between announced heads.
struct Snapshotter {
    log: Arc<dyn EventLog>,
    snapshots: Arc<dyn SnapshotStore>,
    policy: SnapshotPolicy,
    /// Rest this many times as long as a snapshot took (0: never rest).
    rest: u32,
    /// Its own copy of the read models, lean (ADR 0037): a snapshot holds
    /// the read models alone, so the write model is not folded here. Only
    /// while it snapshots: loaded from the latest snapshot, as start-up
    /// does, brought to the target, encoded, then dropped (ADR 0043). Kept
    /// between snapshots it was a second copy of the read models for the
    /// life of the process (about 200 MiB at a million events) to save a
    /// decode per snapshot (about a second there), which the rest after
    /// each snapshot pays for.
    models: Option<LeanRead>,
    /// The position of the latest snapshot stored (0: none).
    done: u64,
    /// The size of the last snapshot: the next one is encoded into a buffer
    /// allocated once at about that size, not grown by doubling (each growth
    /// copies and faults in fresh pages). The buffer is freed after each
    /// snapshot, so the server does not hold a snapshot's size while resting.
    last_size: usize,
    /// No snapshot starts before this instant.
    rested_until: Instant,
}

impl Snapshotter {
    /// The multiple of K to snapshot at once `head` is known, if past the last one.
    fn due(&self, head: u64) -> Option<u64> {
        let every = self.policy.every;
        let target = head / every * every;
        (target > self.done).then_some(target)
    }

    fn rested(&self) -> bool {
        Instant::now() >= self.rested_until
    }

    /// Writes the snapshot at `target` (a failure is logged and the models
    /// dropped, to be loaded again), then rests.
    fn snapshot(&mut self, target: u64) {
        let started = Instant::now();
        let mut buffer = Vec::with_capacity(self.last_size + self.last_size / 8);
        match self.snapshot_to(target, &mut buffer) {
            Ok(()) => {
                self.done = target;
                self.last_size = self.last_size.max(buffer.len());
                self.models = None;
            }
            Err(error) => {
                tracing::warn!(%error, target, "snapshot failed; the next one will retry");
                self.models = None;
            }
        }
        self.rested_until = Instant::now() + started.elapsed() * self.rest;
    }

    /// Brings the models to `target` (the first time, loading them at the
    /// latest snapshot, the way start-up does), writes the snapshot at
    /// `target` and prunes. Multiples of K passed while it was busy are
    /// skipped: under load the spacing stretches rather than the lag grows.
    fn snapshot_to(&mut self, target: u64, buffer: &mut Vec<u8>) -> Result<(), ReplayError> {
        let (log, snapshots) = (self.log.as_ref(), self.snapshots.as_ref());
        let current = match self.models.take() {
            Some(current) => current,
            None => {
                let mut loaded: LeanRead = base(Some(snapshots), &Default::default(), self.done);
                advance(log, Some(snapshots), &mut loaded, self.done)?;
                loaded
            }
        };
        let current = self.models.insert(current);
        let skipped = target
            .saturating_sub(self.policy.every)
            .max(current.position());
        advance(log, Some(snapshots), current, skipped)?;
        let encode = |m: &LeanRead, bytes: &mut Vec<u8>| encode_snapshot_into(bytes, &m.0);
        write_snapshots_of(log, snapshots, current, self.policy, target, buffer, encode)?;
        Ok(())
    }
}
