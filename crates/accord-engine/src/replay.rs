//! Folding the log into models: the whole log at start-up, a prefix of it for
//! `as_of` reads. Both go through [`fold`], so the live models and a rebuild
//! can only differ if `apply` itself is wrong (which the tests check).

use std::sync::Arc;

use accord_domain::{Event, WriteModel};
use accord_projections::{decode, DecodeError, ReadModels};
use accord_store::{EventStore, StoreError, StoredEvent};

use crate::Shared;

/// Why the log could not be folded into models.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event at position {position} cannot be decoded: {source}")]
    Decode { position: u64, source: DecodeError },
}

/// Decodes a stored event into a domain event.
pub(crate) fn decode_stored(stored: &StoredEvent) -> Result<Event, ReplayError> {
    let e = &stored.envelope;
    decode(&e.event_type, e.schema, &e.data).map_err(|source| ReplayError::Decode {
        position: e.position,
        source,
    })
}

/// Feeds events 1..=up_to to `f`, decoded.
fn fold(
    store: &dyn EventStore,
    up_to: u64,
    f: &mut dyn FnMut(&StoredEvent, &Event),
) -> Result<(), ReplayError> {
    let mut failure = None;
    let result = store.replay(0, up_to, &mut |stored| match decode_stored(&stored) {
        Ok(event) => {
            f(&stored, &event);
            Ok(())
        }
        Err(e) => {
            // Stop at the first undecodable event; the error is reported below.
            failure = Some(e);
            Err(StoreError::Invalid("undecodable event".into()))
        }
    });
    match (result, failure) {
        (_, Some(decode_error)) => Err(decode_error),
        (Err(e), None) => Err(ReplayError::Store(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// The write model and the read models after events 1..=up_to.
pub(crate) fn rebuild(
    store: &dyn EventStore,
    up_to: u64,
) -> Result<(WriteModel, ReadModels), ReplayError> {
    let mut model = WriteModel::new();
    let mut read = ReadModels::new();
    fold(store, up_to, &mut |stored, event| {
        model.evolve(event);
        read.apply(stored.envelope.position, stored.envelope.version, event);
    })?;
    Ok((model, read))
}

/// The read models after events 1..=up_to, rebuilt from the log alone
/// (`accord rebuild`, `as_of` reads and the tests' "equals a rebuild").
pub fn rebuild_read_models(store: &dyn EventStore, up_to: u64) -> Result<ReadModels, ReplayError> {
    let mut read = ReadModels::new();
    fold(store, up_to, &mut |stored, event| {
        read.apply(stored.envelope.position, stored.envelope.version, event);
    })?;
    Ok(read)
}

/// The read models as of `position`: the live ones when nothing was appended
/// since, else a cached or fresh rebuild of the prefix.
pub(crate) fn as_of(shared: &Shared, position: u64) -> Result<Arc<ReadModels>, ReplayError> {
    {
        let live = shared.read.read().unwrap_or_else(|e| e.into_inner());
        if position >= live.position() {
            return Ok(Arc::new(live.clone()));
        }
    }
    let mut cache = shared.as_of.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache.get(&position) {
        return Ok(hit.clone());
    }
    let models = Arc::new(rebuild_read_models(shared.store.as_ref(), position)?);
    if cache.len() >= shared.config.as_of_cache {
        // Evict the oldest cut: recent instants are the ones asked again.
        if let Some(oldest) = cache.keys().min().copied() {
            cache.remove(&oldest);
        }
    }
    cache.insert(position, models.clone());
    Ok(models)
}
