//! The layout of the one sled tree, and the codecs of its values.
//!
//! Every record lives in one tree so a batch is one atomic `apply_batch`.
//! Numbers are big-endian so sled's byte order is numeric order.
//!
//! | key                              | value                                      |
//! |----------------------------------|--------------------------------------------|
//! | `e` ‖ position                   | hash (32 bytes) ‖ zstd frame of the canonical envelope JSON |
//! | `n` ‖ stream name                | the stream's number                        |
//! | `s` ‖ stream number ‖ version    | position                                   |
//! | `c` ‖ command id (16 bytes)      | the command's record (`command_record`)    |
//! | `h`                              | head: position ‖ hash ‖ recorded_at (ns)   |
//! | `m` ‖ name                       | metadata bytes                             |
//!
//! Webhook state lives in its own database (`webhook_db`). Snapshots
//! (derived data, never in an append's batch) are files beside sled's
//! (`snapshot_files`). The layout is data format 3 (`data_format`): the
//! event's canonical JSON is compressed with the log's dictionary
//! (`event_codec`, ADR 0048); its hash is over the decompressed bytes. The
//! stream index is keyed by a number given to each stream when its first
//! event is written (1, 2, ... in that order), not by its name: the keys
//! sled copies into its inner nodes on every leaf split stay short (ADR 0055).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::event_codec::{self, Compressor};
use crate::{Head, StoreError};

/// The key of the head record.
pub(crate) const HEAD: &[u8] = b"h";

/// The key of the event at `position`.
pub(crate) fn event(position: u64) -> [u8; 9] {
    let mut key = [b'e'; 9];
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

/// The position encoded in an event key.
pub(crate) fn event_position(key: &[u8]) -> Result<u64, StoreError> {
    match key {
        [b'e', rest @ ..] => be_u64(rest),
        _ => Err(StoreError::Corrupt("not an event key".into())),
    }
}

/// The key of the number of stream `stream`.
pub(crate) fn stream_number(stream: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.len() + 1);
    key.push(b'n');
    key.extend_from_slice(stream.as_bytes());
    key
}

/// The prefix of every stream index key (the last one holds the greatest
/// stream number given so far).
pub(crate) const STREAM_INDEX: &[u8] = b"s";

/// The prefix shared by every index entry of stream number `number`.
pub(crate) fn stream_prefix(number: u64) -> [u8; 9] {
    let mut key = [b's'; 9];
    key[1..].copy_from_slice(&number.to_be_bytes());
    key
}

/// The key of version `version` of stream number `number` in the stream index.
pub(crate) fn stream_entry(number: u64, version: u64) -> [u8; 17] {
    let mut key = [b's'; 17];
    key[1..9].copy_from_slice(&number.to_be_bytes());
    key[9..].copy_from_slice(&version.to_be_bytes());
    key
}

/// The stream number and version in a stream index key.
pub(crate) fn stream_entry_parts(key: &[u8]) -> Result<(u64, u64), StoreError> {
    match key {
        [b's', rest @ ..] if rest.len() == 16 => Ok((be_u64(&rest[..8])?, be_u64(&rest[8..])?)),
        _ => Err(StoreError::Corrupt("not a stream index key".into())),
    }
}

/// The key of a command's idempotency record.
pub(crate) fn command(id: Uuid) -> [u8; 17] {
    let mut key = [b'c'; 17];
    key[1..].copy_from_slice(id.as_bytes());
    key
}

/// The key of a metadata entry.
pub(crate) fn meta(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + 1);
    key.push(b'm');
    key.extend_from_slice(name.as_bytes());
    key
}

/// Decodes a big-endian u64 value.
pub(crate) fn be_u64(bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("expected 8 bytes, found {}", bytes.len())))?;
    Ok(u64::from_be_bytes(array))
}

/// Encodes an event record: the hash first, so verification and the
/// watermark read it without decompressing, then the canonical bytes
/// compressed by the writer's context.
pub(crate) fn encode_event(
    hash: &[u8; 32],
    canonical: &[u8],
    compressor: &mut Compressor,
) -> Result<Vec<u8>, StoreError> {
    let frame = compressor.compress(canonical)?;
    let mut value = Vec::with_capacity(32 + frame.len());
    value.extend_from_slice(hash);
    value.extend_from_slice(&frame);
    Ok(value)
}

/// Splits an event record into its stored hash and the canonical bytes,
/// decompressed: exactly the bytes that were hashed.
pub(crate) fn decode_event(value: &[u8]) -> Result<([u8; 32], Vec<u8>), StoreError> {
    let hash = event_hash(value)?;
    Ok((hash, event_codec::decompress(&value[32..])?))
}

/// The hash stored in an event record, without decompressing its bytes.
pub(crate) fn event_hash(value: &[u8]) -> Result<[u8; 32], StoreError> {
    match value.get(..32) {
        Some(hash) => Ok(hash.try_into().expect("32 bytes")),
        None => Err(StoreError::Corrupt(
            "event record shorter than its hash".into(),
        )),
    }
}

/// Encodes the head: position ‖ hash ‖ recorded_at as Unix nanoseconds (i128).
pub(crate) fn encode_head(head: &Head) -> Vec<u8> {
    let nanos = head.recorded_at.map_or(0, |at| at.unix_timestamp_nanos());
    let mut value = Vec::with_capacity(56);
    value.extend_from_slice(&head.position.to_be_bytes());
    value.extend_from_slice(&head.hash);
    value.extend_from_slice(&nanos.to_be_bytes());
    value
}

/// Decodes the head record written by [`encode_head`].
pub(crate) fn decode_head(value: &[u8]) -> Result<Head, StoreError> {
    if value.len() != 56 {
        return Err(StoreError::Corrupt(
            "head record has the wrong length".into(),
        ));
    }
    let position = be_u64(&value[..8])?;
    let hash: [u8; 32] = value[8..40].try_into().expect("32 bytes");
    let nanos = i128::from_be_bytes(value[40..].try_into().expect("16 bytes"));
    let recorded_at = match position {
        0 => None,
        _ => Some(
            OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .map_err(|e| StoreError::Corrupt(format!("head recorded_at: {e}")))?,
        ),
    };
    Ok(Head {
        position,
        hash,
        recorded_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_sort_numerically_across_byte_boundaries() {
        let positions = [1u64, 255, 256, 257, 65_535, 65_536, 1 << 40];
        for pair in positions.windows(2) {
            assert!(event(pair[0]) < event(pair[1]));
        }
    }

    #[test]
    fn stream_index_keys_sort_by_number_then_version_and_decode() {
        let keys = [
            stream_entry(1, 1),
            stream_entry(1, 256),
            stream_entry(2, 1),
            stream_entry(256, 7),
        ];
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        assert!(keys[1].starts_with(&stream_prefix(1)));
        assert!(!keys[2].starts_with(&stream_prefix(1)));
        assert_eq!(stream_entry_parts(&keys[3]).unwrap(), (256, 7));
        assert!(stream_entry_parts(&stream_prefix(3)).is_err());
    }

    #[test]
    fn the_head_round_trips_through_its_encoding() {
        let head = Head {
            position: 300,
            hash: [7; 32],
            recorded_at: Some(time::macros::datetime!(2026-01-02 03:04:05.123456789 UTC)),
        };
        assert_eq!(decode_head(&encode_head(&head)).unwrap(), head);
        assert_eq!(
            decode_head(&encode_head(&Head::EMPTY)).unwrap(),
            Head::EMPTY
        );
    }
}
