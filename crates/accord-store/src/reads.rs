//! Reading the tree: decoding events, stream versions and the time search.
//!
//! Every function takes the durable head position as a cap, because
//! `apply_batch` makes a batch visible before its flush and sync.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::{keys, Envelope, StoreError, StoredEvent};

/// Decodes a stored event record.
pub(crate) fn decode(value: &[u8]) -> Result<StoredEvent, StoreError> {
    let (hash, canonical) = keys::decode_event(value)?;
    let envelope: Envelope = serde_json::from_slice(canonical)
        .map_err(|e| StoreError::Corrupt(format!("event envelope: {e}")))?;
    Ok(StoredEvent { envelope, hash })
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

/// Events `after+1..=up_to`, lazily, in position order.
pub(crate) fn range(
    tree: &sled::Tree,
    after: u64,
    up_to: u64,
) -> impl Iterator<Item = Result<StoredEvent, StoreError>> {
    let first = after.saturating_add(1);
    // sled cannot scan a range whose start is past its end: scan nothing instead.
    let scan = (first <= up_to).then(|| tree.range(keys::event(first)..=keys::event(up_to)));
    scan.into_iter().flatten().map(|item| decode(&item?.1))
}

/// Feeds the canonical bytes of events `after+1..=up_to` to `f`, in position
/// order, without decoding or copying them.
pub(crate) fn canonical_range(
    tree: &sled::Tree,
    after: u64,
    up_to: u64,
    f: &mut dyn FnMut(&[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let first = after.saturating_add(1);
    if first > up_to {
        return Ok(());
    }
    for item in tree.range(keys::event(first)..=keys::event(up_to)) {
        let (_, value) = item?;
        let (_, canonical) = keys::decode_event(&value)?;
        f(canonical)?;
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

/// The last position in `1..=head` recorded at or before `instant`, 0 if none.
pub(crate) fn position_at(
    tree: &sled::Tree,
    head: u64,
    instant: OffsetDateTime,
) -> Result<u64, StoreError> {
    // Invariant: positions <= low are recorded at or before `instant`, positions > high after it.
    let (mut low, mut high) = (0, head);
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        if recorded_at(tree, middle)? <= instant {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    Ok(low)
}

/// The `recorded_at` of one event, parsing only that field.
fn recorded_at(tree: &sled::Tree, position: u64) -> Result<OffsetDateTime, StoreError> {
    #[derive(Deserialize)]
    struct Recorded {
        #[serde(with = "time::serde::rfc3339")]
        recorded_at: OffsetDateTime,
    }
    let value = tree
        .get(keys::event(position))?
        .ok_or_else(|| StoreError::Corrupt(format!("event {position} is missing")))?;
    let (_, canonical) = keys::decode_event(&value)?;
    let recorded: Recorded = serde_json::from_slice(canonical)
        .map_err(|e| StoreError::Corrupt(format!("event {position}: {e}")))?;
    Ok(recorded.recorded_at)
}
