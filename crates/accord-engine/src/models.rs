//! [`Models`]: the write model and the read models together, at one log
//! position: what a snapshot holds, what start-up loads and what
//! `accord rebuild` folds from position 0.

use accord_domain::WriteModel;
use accord_projections::{
    decode_snapshot, decode_snapshot_read_models, encode_snapshot, encode_snapshot_into,
    ReadModels, SnapshotError,
};
use accord_store::{EventLog, SnapshotStore};

use std::collections::BTreeMap;

use accord_projections::Logged;

use crate::replay::{advance, Folded};
use crate::ReplayError;

/// Both models after the same position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Models {
    /// What deciding needs (owned by the writer once the engine runs).
    pub write: WriteModel,
    /// What reads fold.
    pub read: ReadModels,
}

/// How the models were loaded at start-up: the observable proof that only
/// the log's tail was replayed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The position of the snapshot loaded, if one was usable.
    pub snapshot: Option<u64>,
    /// How many events were replayed on top of it (the whole log without one).
    pub replayed: u64,
}

impl Models {
    /// Empty models (position 0); the read models are lean: they keep no
    /// exchange texts (ADR 0037), which the engine reads from the log.
    pub fn new() -> Self {
        Self {
            write: WriteModel::new(),
            read: ReadModels::lean(),
        }
    }

    /// The last position applied.
    pub fn position(&self) -> u64 {
        self.read.position()
    }

    /// Applies events `position()+1..=up_to` of the log, treating voided
    /// events as never recorded; returns how many were folded. A void met
    /// on the way folds the models again from the latest of `snapshots`
    /// before the event it voids (from position 0 without `snapshots`).
    pub fn advance(
        &mut self,
        log: &dyn EventLog,
        snapshots: Option<&dyn SnapshotStore>,
        up_to: u64,
    ) -> Result<u64, ReplayError> {
        advance(log, snapshots, self, up_to)
    }

    /// Loads every agreement's exchanges the write model does not hold
    /// from `log`, as far as the models go (ADR 0054): a model derived from
    /// a snapshot then holds all a model folded from position 0 holds, and
    /// the two can be compared (`accord rebuild --check`, the tests).
    pub fn load_exchanges(&mut self, log: &dyn EventLog) -> Result<(), ReplayError> {
        let position = self.position();
        crate::exchanges::load_all(log, &mut self.write, position)?;
        Ok(())
    }

    /// The snapshot bytes of both models: the read models, from which
    /// decoding derives the write model.
    pub fn encode(&self) -> Vec<u8> {
        encode_snapshot(&self.read)
    }

    /// [`Models::encode`] into `bytes` (replacing what it held), reusing its pages.
    pub fn encode_into(&self, bytes: &mut Vec<u8>) {
        encode_snapshot_into(bytes, &self.read)
    }

    /// Both models from snapshot bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let (read, write) = decode_snapshot(bytes)?;
        Ok(Self { write, read })
    }

    /// The models at `up_to` the way `serve` loads them: the latest stored
    /// snapshot at or before `up_to`, then the events after it. A missing,
    /// undecodable or misplaced snapshot is logged and the whole log replayed.
    pub fn load(
        log: &dyn EventLog,
        snapshots: &dyn SnapshotStore,
        up_to: u64,
    ) -> Result<(Self, Loaded), ReplayError> {
        let mut models = match latest_snapshot(snapshots, up_to) {
            Some(models) => models,
            None => Models::new(),
        };
        let snapshot = Some(models.position()).filter(|p| *p > 0);
        let replayed = models.advance(log, Some(snapshots), up_to)?;
        Ok((models, Loaded { snapshot, replayed }))
    }
}

impl Folded for Models {
    fn empty() -> Self {
        Models::new()
    }
    fn from_snapshot(position: u64, bytes: &[u8]) -> Option<Self> {
        Models::decode(bytes)
            .ok()
            .filter(|models| models.position() == position)
    }
    fn position(&self) -> u64 {
        self.read.position()
    }
    fn voids(&self) -> &BTreeMap<u64, u64> {
        self.read.voids()
    }
    fn apply(&mut self, logged: Logged) {
        self.write.evolve(&logged.event);
        self.read
            .apply_owned(logged.position, logged.version, logged.event);
    }
    fn skip(&mut self, position: u64) {
        self.read.skip(position);
    }
}

/// The latest usable snapshot at or before `up_to`, if any.
fn latest_snapshot(snapshots: &dyn SnapshotStore, up_to: u64) -> Option<Models> {
    let (position, bytes) = match snapshots.snapshot_at_or_before(up_to) {
        Ok(found) => found?,
        Err(error) => {
            tracing::warn!(%error, "snapshots cannot be read; replaying the whole log");
            return None;
        }
    };
    let started = std::time::Instant::now();
    let decoded = decode_snapshot_read_models(&bytes);
    let decode_ms = started.elapsed().as_millis() as u64;
    let decoded = decoded.map(|read| {
        let started = std::time::Instant::now();
        let write = read.write_model();
        tracing::info!(
            position,
            bytes = bytes.len(),
            decode_ms,
            derive_ms = started.elapsed().as_millis() as u64,
            "snapshot decoded: the read models, then the write model derived from them"
        );
        Models { write, read }
    });
    match decoded {
        Ok(models) if models.position() == position => Some(models),
        Ok(models) => {
            let found = models.position();
            tracing::warn!(
                position,
                found,
                "snapshot holds another position; replaying the whole log"
            );
            None
        }
        Err(error) => {
            tracing::warn!(position, %error, "snapshot unusable; replaying the whole log");
            None
        }
    }
}
