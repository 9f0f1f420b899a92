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

/// The number the stream index knows `stream` by, if it has events
/// (durable or not).
pub(crate) fn stream_number(tree: &sled::Tree, stream: &str) -> Result<Option<u64>, StoreError> {
    tree.get(keys::stream_number(stream))?
        .map(|value| keys::be_u64(&value))
        .transpose()
}

/// The greatest stream number given so far (0 when none is): the number of
/// the last stream index entry, since numbers are given in order and a
/// stream's number and its first entry are written in one batch.
pub(crate) fn last_stream_number(tree: &sled::Tree) -> Result<u64, StoreError> {
    match tree.scan_prefix(keys::STREAM_INDEX).next_back() {
        Some(entry) => Ok(keys::stream_entry_parts(&entry?.0)?.0),
        None => Ok(0),
    }
}

/// The stream's last version in the index, including batches not yet durable:
/// what the single writer builds on: the index is the only record of a
/// stream's version.
pub(crate) fn stored_version(tree: &sled::Tree, stream: &str) -> Result<u64, StoreError> {
    let Some(number) = stream_number(tree, stream)? else {
        return Ok(0);
    };
    match tree.scan_prefix(keys::stream_prefix(number)).next_back() {
        Some(entry) => Ok(keys::stream_entry_parts(&entry?.0)?.1),
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
    let Some(number) = stream_number(tree, stream)? else {
        return Ok(0);
    };
    for entry in tree.scan_prefix(keys::stream_prefix(number)).rev() {
        let (key, position) = entry?;
        if keys::be_u64(&position)? <= head {
            return Ok(keys::stream_entry_parts(&key)?.1);
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
    let Some(number) = stream_number(tree, stream)? else {
        return Ok(Vec::new());
    };
    let prefix = keys::stream_prefix(number);
    let mut events = Vec::new();
    for item in tree.range(keys::stream_entry(number, first)..) {
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
