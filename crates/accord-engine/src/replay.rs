//! Folding the log into models: the tail after a snapshot at start-up, a
//! prefix of it for `as_of` reads. Both go through [`fold`], so the live
//! models and a rebuild can only differ if `apply` itself is wrong (which
//! the tests check).

use std::sync::Arc;

use accord_projections::{
    decode_logged, decode_snapshot_read_models, DecodeError, Logged, ReadModels,
};
use accord_store::{EventStore, StoreError};

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

/// Feeds events after+1..=up_to to `f`, each decoded once from its stored
/// bytes into what the models fold (ADR 0019): no envelope struct, no JSON
/// tree, no copy of the bytes.
pub(crate) fn fold(
    store: &dyn EventStore,
    after: u64,
    up_to: u64,
    f: &mut dyn FnMut(Logged),
) -> Result<(), ReplayError> {
    let mut failure = None;
    let mut next = after + 1;
    let result = store.replay_canonical(after, up_to, &mut |bytes| match decode_logged(bytes) {
        Ok(logged) => {
            next = logged.position + 1;
            f(logged);
            Ok(())
        }
        Err(source) => {
            // Stop at the first undecodable event; the error is reported below.
            failure = Some(ReplayError::Decode {
                position: next,
                source,
            });
            Err(StoreError::Invalid("undecodable event".into()))
        }
    });
    match (result, failure) {
        (_, Some(decode_error)) => Err(decode_error),
        (Err(e), None) => Err(ReplayError::Store(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// Applies events after `read.position()` up to `up_to`; returns how many.
fn advance_read(
    store: &dyn EventStore,
    read: &mut ReadModels,
    up_to: u64,
) -> Result<u64, ReplayError> {
    let mut count = 0;
    fold(store, read.position(), up_to, &mut |logged| {
        read.apply_owned(logged.position, logged.version, logged.event);
        count += 1;
    })?;
    Ok(count)
}

/// The read models after events 1..=up_to, rebuilt from the log alone, no
/// snapshot (`accord rebuild` and the tests' "equals a rebuild").
pub fn rebuild_read_models(store: &dyn EventStore, up_to: u64) -> Result<ReadModels, ReplayError> {
    let mut read = ReadModels::new();
    advance_read(store, &mut read, up_to)?;
    Ok(read)
}

/// The read models after `position`: the nearest snapshot at or before it
/// (an undecodable one is skipped with a warning) plus the events between.
pub(crate) fn read_models_at(
    store: &dyn EventStore,
    position: u64,
) -> Result<(ReadModels, AsOfTrace), ReplayError> {
    let mut trace = AsOfTrace::default();
    let mut read = match store.snapshot_at_or_before(position)? {
        Some((at, bytes)) => match decode_snapshot_read_models(&bytes) {
            Ok(read) if read.position() == at => {
                trace.snapshot = Some(at);
                read
            }
            Ok(_) | Err(_) => {
                tracing::warn!(at, "snapshot unusable for as_of; replaying from 0");
                ReadModels::new()
            }
        },
        None => ReadModels::new(),
    };
    trace.replayed = advance_read(store, &mut read, position)?;
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
    let (models, trace) = read_models_at(shared.store.as_ref(), position)?;
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

fn remember(shared: &Shared, position: u64, models: Arc<ReadModels>) {
    let mut cache = shared.as_of.lock().unwrap_or_else(|e| e.into_inner());
    if shared.config.as_of_cache == 0 || cache.iter().any(|(p, _)| *p == position) {
        return;
    }
    if cache.len() >= shared.config.as_of_cache {
        cache.remove(0);
    }
    cache.push((position, models));
}
