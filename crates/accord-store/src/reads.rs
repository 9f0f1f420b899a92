//! Reading the tree: ranges of stored events, streams and their versions.
//!
//! Every function takes the durable head position as a cap, because
//! `apply_batch` makes a batch visible before its flush and sync.

use std::ops::ControlFlow;

use crate::{keys, StoreError, StoredBytes, StoredEvent};

/// Decodes a stored event record.
pub(crate) fn decode(value: &[u8]) -> Result<StoredEvent, StoreError> {
    let (hash, canonical) = keys::decode_event(value)?;
    StoredEvent::decode(hash, &canonical)
}

/// The event at `position`, if it is stored and not past `head`.
pub(crate) fn event(
    tree: &sled::Tree,
    head: u64,
    position: u64,
) -> Result<Option<StoredEvent>, StoreError> {
    if position == 0 || position > head {
        return Ok(None);
    }
    tree.get(keys::event(position))?
        .map(|value| decode(&value))
        .transpose()
}

/// Hands the stored events `after+1..=up_to` to `f` in position order,
/// each decompressed into a buffer lent to `f`, until `f` breaks or errs.
pub(crate) fn scan(
    tree: &sled::Tree,
    after: u64,
    up_to: u64,
    f: &mut dyn FnMut(StoredBytes<'_>) -> Result<ControlFlow<()>, StoreError>,
) -> Result<(), StoreError> {
    let first = after.saturating_add(1);
    // sled cannot scan a range whose start is past its end: scan nothing instead.
    if first > up_to {
        return Ok(());
    }
    for item in tree.range(keys::event(first)..=keys::event(up_to)) {
        let (key, value) = item?;
        let (hash, canonical) = keys::decode_event(&value)?;
        let stored = StoredBytes {
            position: keys::event_position(&key)?,
            hash: &hash,
            canonical: &canonical,
        };
        if f(stored)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// The stream's last version in the index, including batches not yet durable:
/// what the single writer builds on: the index is the only record of a
/// stream's version.
pub(crate) fn stored_version(tree: &sled::Tree, stream: &str) -> Result<u64, StoreError> {
    match tree.scan_prefix(keys::stream_prefix(stream)).next_back() {
        Some(entry) => keys::stream_entry_version(&entry?.0),
        None => Ok(0),
    }
}

/// The stream's version as of the durable head: the last index entry whose
/// event is at or before the head (entries of a batch applied but not yet
/// synced are passed over; there are a few at most).
pub(crate) fn durable_version(
    tree: &sled::Tree,
    head: u64,
    stream: &str,
) -> Result<u64, StoreError> {
    for entry in tree.scan_prefix(keys::stream_prefix(stream)).rev() {
        let (key, position) = entry?;
        if keys::be_u64(&position)? <= head {
            return keys::stream_entry_version(&key);
        }
    }
    Ok(0)
}

/// The events of `stream` with version > `after_version`, oldest first, at most `limit`.
pub(crate) fn stream(
    tree: &sled::Tree,
    head: u64,
    stream: &str,
    after_version: u64,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let Some(first) = after_version.checked_add(1) else {
        return Ok(Vec::new());
    };
    let prefix = keys::stream_prefix(stream);
    let mut events = Vec::new();
    for item in tree.range(keys::stream_entry(stream, first)..) {
        let (key, value) = item?;
        let position = keys::be_u64(&value)?;
        if events.len() == limit || !key.starts_with(&prefix) || position > head {
            break;
        }
        let event = event(tree, head, position)?.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "stream {stream} names position {position}, which is missing"
            ))
        })?;
        events.push(event);
    }
    Ok(events)
}
