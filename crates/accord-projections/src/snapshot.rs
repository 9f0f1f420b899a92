//! Snapshots: the models after a position, as bytes.
//!
//! ```text
//! magic "ACCSNAP\0" (8) ‖ format u32 BE ‖ position u64 BE ‖ body length u64 BE
//! ‖ bincode(ReadModels)
//! ```
//!
//! Only the read models are stored (ADR 0019): the write model is derived
//! from them when the snapshot is decoded ([`ReadModels::write_model`]).
//!
//! bincode, not JSON: at a million events it encodes and decodes several
//! times faster and is about half the size (measured in ADR 0011). The
//! body's length in the header tells a truncated file from a snapshot. The
//! format number is checked before anything is decoded: a
//! snapshot of another format is refused, never misread, and the caller
//! replays the log instead (snapshots are derived data).

use accord_domain::WriteModel;
use bincode::Options;

use crate::ReadModels;

/// The format written by [`encode_snapshot`]. Bump it whenever `ReadModels`
/// or anything it holds changes shape, or its encoding does: snapshots of
/// another format are then refused and rebuilt from the log.
pub const SNAPSHOT_FORMAT: u32 = 8;

const MAGIC: &[u8; 8] = b"ACCSNAP\0";
const HEADER: usize = 8 + 4 + 8 + 8;
/// Where the body's length sits in the header (after magic, format, position).
const LENGTH_AT: usize = 8 + 4 + 8;

/// Why bytes are not a usable snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Too short, or not a snapshot at all.
    #[error("not a snapshot (bad header)")]
    NotASnapshot,
    /// Written in another format: ignore it and replay the log.
    #[error("snapshot format {found}, this version reads {SNAPSHOT_FORMAT}")]
    Format {
        /// The format number stored in the snapshot.
        found: u32,
    },
    /// The header's position is not the decoded models' position.
    #[error("the header says position {header} but the models are at {models}")]
    Position {
        /// The position in the header.
        header: u64,
        /// The position of the decoded read models.
        models: u64,
    },
    /// The body could not be decoded.
    #[error("snapshot body cannot be decoded: {0}")]
    Body(String),
}

/// Encodes the read models after `read.position()`: all a snapshot holds.
pub fn encode_snapshot(read: &ReadModels) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + 64 * 1024);
    encode_snapshot_into(&mut bytes, read);
    bytes
}

/// [`encode_snapshot`] into `bytes`, replacing what it held. A snapshotter
/// passes a buffer allocated at about the size of its previous snapshot
/// instead of growing one from 64 KiB by doubling (copies, fresh pages
/// faulted in each time): about a tenth of the encoding's time at 200,000
/// events (docs/PERFORMANCE.md).
pub fn encode_snapshot_into(bytes: &mut Vec<u8>, read: &ReadModels) {
    bytes.clear();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&SNAPSHOT_FORMAT.to_be_bytes());
    bytes.extend_from_slice(&read.position().to_be_bytes());
    bytes.extend_from_slice(&0u64.to_be_bytes());
    codec()
        .serialize_into(&mut *bytes, read)
        .expect("read models always serialize");
    let body = (bytes.len() - HEADER) as u64;
    bytes[LENGTH_AT..HEADER].copy_from_slice(&body.to_be_bytes());
}

/// Decodes both models of a snapshot: the read models, and the write model
/// derived from them.
pub fn decode_snapshot(bytes: &[u8]) -> Result<(ReadModels, WriteModel), SnapshotError> {
    let read = decode_snapshot_read_models(bytes)?;
    let write = read.write_model();
    Ok((read, write))
}

/// Decodes only the read models of a snapshot (what an `as_of` read needs).
pub fn decode_snapshot_read_models(bytes: &[u8]) -> Result<ReadModels, SnapshotError> {
    let body = body(bytes)?;
    decode_read(body, header_position(bytes))
}

/// bincode with variable-length integers (lengths and positions are small):
/// about a third smaller than fixed-width at the same speed.
fn codec() -> impl Options {
    bincode::DefaultOptions::new()
}

/// Checks the header; returns the body, the read models' bytes.
fn body(bytes: &[u8]) -> Result<&[u8], SnapshotError> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    let found = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if found != SNAPSHOT_FORMAT {
        return Err(SnapshotError::Format { found });
    }
    let length = u64::from_be_bytes(bytes[LENGTH_AT..HEADER].try_into().expect("8 bytes"));
    let body = &bytes[HEADER..];
    match usize::try_from(length) {
        Ok(length) if length == body.len() => Ok(body),
        _ => Err(SnapshotError::NotASnapshot),
    }
}

/// The position in a header [`body`] has checked.
fn header_position(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes[12..20].try_into().expect("8 bytes"))
}

fn decode_read(bytes: &[u8], header: u64) -> Result<ReadModels, SnapshotError> {
    let read: ReadModels = codec()
        .deserialize(bytes)
        .map_err(|e| SnapshotError::Body(e.to_string()))?;
    match read.position() {
        models if models == header => Ok(read),
        models => Err(SnapshotError::Position { header, models }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_seed;

    #[test]
    fn a_snapshot_round_trips_both_models() {
        let (read, mut write) = test_seed::every_event_type_models();
        // The write model's exchanges are loaded from the log, not decoded.
        for id in read.agreements.keys() {
            write.unload(*id);
        }

        let (read2, write2) = decode_snapshot(&encode_snapshot(&read)).unwrap();

        assert_eq!(read2, read);
        assert_eq!(write2, write);
        assert_eq!(
            decode_snapshot_read_models(&encode_snapshot(&read)).unwrap(),
            read
        );
    }

    #[test]
    fn a_decoded_snapshot_keeps_one_copy_of_each_party_list() {
        let (read, _) = test_seed::every_event_type_models();

        let decoded = decode_snapshot_read_models(&encode_snapshot(&read)).unwrap();

        let records: Vec<_> = decoded.exchanges.values().collect();
        let mut alike = 0;
        for (i, a) in records.iter().enumerate() {
            for b in &records[i + 1..] {
                if a.parties == b.parties {
                    alike += 1;
                    assert!(a.parties.same_copy(&b.parties), "{:?}", a.parties);
                }
            }
        }
        assert!(alike > 0, "the seed names the same parties twice");
    }

    #[test]
    fn a_snapshot_of_another_format_is_refused_not_misread() {
        let (read, _) = test_seed::every_event_type_models();
        let mut bytes = encode_snapshot(&read);
        bytes[8..12].copy_from_slice(&(SNAPSHOT_FORMAT + 1).to_be_bytes());

        let result = decode_snapshot(&bytes);

        assert!(
            matches!(result, Err(SnapshotError::Format { found }) if found == SNAPSHOT_FORMAT + 1)
        );
        assert!(matches!(
            decode_snapshot_read_models(&bytes),
            Err(SnapshotError::Format { .. })
        ));
    }

    #[test]
    fn a_snapshot_holds_the_read_models_alone() {
        let (read, _) = test_seed::every_event_type_models();
        let read_only = codec().serialize(&read).unwrap();

        let bytes = encode_snapshot(&read);

        assert_eq!(bytes.len(), HEADER + read_only.len());
    }

    #[test]
    fn truncated_extended_or_foreign_bytes_are_not_a_snapshot() {
        let (read, _) = test_seed::every_event_type_models();
        let bytes = encode_snapshot(&read);
        let mut extended = bytes.clone();
        extended.push(0);

        assert!(decode_snapshot(&bytes[..bytes.len() / 2]).is_err());
        assert!(matches!(
            decode_snapshot(&extended),
            Err(SnapshotError::NotASnapshot)
        ));
        assert!(matches!(
            decode_snapshot(b"{\"position\":3}"),
            Err(SnapshotError::NotASnapshot)
        ));
    }
}
