//! Export and import (ADR 0013): events as they travel between stores.
//!
//! An export line is the stored canonical bytes with `,"hash":"<hex>"`
//! spliced in before the final `}`, which is exactly
//! [`crate::StoredEvent::to_json`] as compact JSON, yet never re-serialised:
//! the importer cuts the same suffix off and gets the exact bytes that were
//! hashed, so the chain verifies whatever serializer wrote them.
//!
//! The files events name travel in the same file (ADR 0033): before the
//! first event that names a file, the file's bytes as [`FilePiece`] lines,
//! which begin `{"file":` where an event line begins `{"position":`.

use crate::{chain, command_record, keys, reads, CommandRecord, Envelope, Head, StoreError};

/// The length of `,"hash":"` + 64 hex digits + `"}`.
const SUFFIX_LEN: usize = 9 + 64 + 2;

/// An event with its exact stored bytes, as exported and imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEvent {
    /// SHA-256(previous hash ‖ canonical).
    pub hash: [u8; 32],
    /// The envelope JSON exactly as stored and hashed.
    pub canonical: Vec<u8>,
}

impl RawEvent {
    /// The NDJSON line (without its newline): the canonical bytes with
    /// `,"hash":"<lowercase hex>"` before the closing brace.
    pub fn to_line(&self) -> Vec<u8> {
        let body = self.canonical.strip_suffix(b"}").unwrap_or(&self.canonical);
        let mut line = Vec::with_capacity(body.len() + SUFFIX_LEN);
        line.extend_from_slice(body);
        line.extend_from_slice(b",\"hash\":\"");
        line.extend_from_slice(hex::encode(self.hash).as_bytes());
        line.extend_from_slice(b"\"}");
        line
    }

    /// Parses a line written by [`RawEvent::to_line`] (a trailing `\r` is
    /// tolerated); `Invalid` unless it ends with a `"hash"` of 64 lowercase hex digits.
    pub fn from_line(line: &[u8]) -> Result<RawEvent, StoreError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let invalid = || StoreError::Invalid("the line does not end with a \"hash\" field".into());
        let split = line.len().checked_sub(SUFFIX_LEN).ok_or_else(invalid)?;
        let (body, suffix) = line.split_at(split);
        let hex_digits = suffix
            .strip_prefix(b",\"hash\":\"")
            .and_then(|rest| rest.strip_suffix(b"\"}"))
            .ok_or_else(invalid)?;
        let hash: [u8; 32] = hex::decode(hex_digits)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .filter(|bytes: &[u8; 32]| hex::encode(bytes).as_bytes() == hex_digits)
            .ok_or_else(invalid)?;
        let mut canonical = body.to_vec();
        canonical.push(b'}');
        Ok(RawEvent { hash, canonical })
    }

    /// The envelope decoded from the canonical bytes.
    pub fn envelope(&self) -> Result<Envelope, StoreError> {
        serde_json::from_slice(&self.canonical)
            .map_err(|e| StoreError::Invalid(format!("not an event envelope: {e}")))
    }
}

/// One piece of a file in an export: `{"file": "<sha256>", "media_type",
/// "size", "piece", "pieces", "base64"}`, the pieces of a file in order on
/// consecutive lines. Pieces hold [`FilePiece::BYTES`] bytes (the last one
/// fewer; an empty file is one empty piece), so neither the exporter nor
/// the importer holds a whole file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilePiece {
    /// The file's name: the SHA-256 of all its bytes.
    pub file: String,
    /// Its media type, as stored.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// This piece's number, from 0.
    pub piece: u64,
    /// How many pieces the file has.
    pub pieces: u64,
    /// The piece's bytes, in standard base64.
    pub base64: String,
}

impl FilePiece {
    /// The bytes of a full piece: 48 KiB, 64 KiB of base64.
    pub const BYTES: usize = 48 * 1024;

    /// Whether an export line is a file's piece rather than an event.
    pub fn is_piece(line: &[u8]) -> bool {
        line.starts_with(b"{\"file\":")
    }

    /// How many pieces a file of `size` bytes is cut into.
    pub fn count(size: u64) -> u64 {
        size.div_ceil(Self::BYTES as u64).max(1)
    }

    /// The piece `piece` of `pieces` of a file, holding `bytes`.
    pub fn new(file: &str, media_type: &str, size: u64, piece: u64, bytes: &[u8]) -> Self {
        use base64::Engine;
        FilePiece {
            file: file.to_owned(),
            media_type: media_type.to_owned(),
            size,
            piece,
            pieces: Self::count(size),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The NDJSON line (without its newline).
    pub fn to_line(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a piece serialises: strings and numbers")
    }

    /// Parses a line [`FilePiece::to_line`] wrote.
    pub fn from_line(line: &[u8]) -> Result<FilePiece, StoreError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        serde_json::from_slice(line)
            .map_err(|e| StoreError::Invalid(format!("not a file piece: {e}")))
    }

    /// The piece's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, StoreError> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .map_err(|e| StoreError::Invalid(format!("the piece is not base64: {e}")))
    }
}

/// Follows the file pieces of an export in order, hashing each file as its
/// pieces come: a file is complete once its last piece came and its bytes
/// hash to its name ([`PieceFollower::has`]).
#[derive(Default)]
pub struct PieceFollower {
    open: Option<OpenFile>,
    done: std::collections::HashSet<String>,
}

struct OpenFile {
    first: FilePiece,
    next: u64,
    received: u64,
    hasher: sha2::Sha256,
}

impl PieceFollower {
    /// Takes the next piece with its decoded `bytes`; true when it is the
    /// last of its file and the file checked. `Invalid` says what is wrong:
    /// a piece out of order, a name that is not a SHA-256, bytes that do
    /// not hash to the name or do not add up to the size.
    pub fn follow(&mut self, piece: &FilePiece, bytes: &[u8]) -> Result<bool, StoreError> {
        use sha2::Digest;
        let refuse = |why: String| Err(StoreError::Invalid(format!("file {}: {why}", piece.file)));
        if !crate::attachments::is_sha256(&piece.file) {
            return refuse("the name is not a SHA-256 (64 lowercase hex digits)".into());
        }
        if piece.piece == 0 {
            if let Some(open) = &self.open {
                let name = &open.first.file;
                return refuse(format!("it starts before the file {name} is complete"));
            }
            if piece.pieces != FilePiece::count(piece.size) {
                return refuse(format!(
                    "{} pieces for {} bytes, where {} were expected",
                    piece.pieces,
                    piece.size,
                    FilePiece::count(piece.size)
                ));
            }
            self.open = Some(OpenFile {
                first: piece.clone(),
                next: 0,
                received: 0,
                hasher: sha2::Sha256::new(),
            });
        }
        let Some(open) = self.open.as_mut() else {
            return refuse(format!("piece {} comes without piece 0", piece.piece));
        };
        let first = &open.first;
        let same = piece.file == first.file
            && piece.media_type == first.media_type
            && piece.size == first.size
            && piece.pieces == first.pieces;
        if !same || piece.piece != open.next {
            return refuse(format!(
                "piece {} of {} where piece {} of {} {} was expected",
                piece.piece, piece.file, open.next, first.pieces, first.file
            ));
        }
        open.received += bytes.len() as u64;
        if open.received > first.size {
            return refuse(format!("more bytes than its size, {}", first.size));
        }
        open.hasher.update(bytes);
        open.next += 1;
        if open.next < first.pieces {
            return Ok(false);
        }
        let open = self.open.take().expect("a file is open");
        if open.received != open.first.size {
            return refuse(format!(
                "{} bytes, where its size is {}",
                open.received, open.first.size
            ));
        }
        let hash = hex::encode(open.hasher.finalize());
        if hash != open.first.file {
            return refuse(format!(
                "its bytes hash to {hash}, not to its name: the file was altered"
            ));
        }
        self.done.insert(open.first.file);
        Ok(true)
    }

    /// Whether the file `name` came whole and checked.
    pub fn has(&self, name: &str) -> bool {
        self.done.contains(name)
    }

    /// The file whose pieces stopped before its last, if any.
    pub fn unfinished(&self) -> Option<&str> {
        self.open.as_ref().map(|open| open.first.file.as_str())
    }
}

/// Follows raw events from a head, checking that each one links to the one
/// before: the next position, `prev_hash`, the hash of its bytes, and a
/// `recorded_at` that does not go back.
#[derive(Clone, Debug)]
pub struct Linker {
    head: Head,
}

impl Linker {
    /// Starts after `head` (use [`Head::EMPTY`] for a whole log).
    pub fn after(head: &Head) -> Self {
        Linker { head: head.clone() }
    }

    /// The head after the last event that linked.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Checks `event` and moves past it; `Invalid` says why it does not link.
    pub fn link(&mut self, event: &RawEvent) -> Result<Envelope, StoreError> {
        let envelope = event.envelope()?;
        let expected = self.head.position + 1;
        let refuse = |why: String| Err(StoreError::Invalid(why));
        if envelope.position != expected {
            return refuse(format!(
                "position {} where {expected} was expected",
                envelope.position
            ));
        }
        if envelope.prev_hash != hex::encode(self.head.hash) {
            return refuse(format!(
                "position {expected}: prev_hash does not link to position {}",
                expected - 1
            ));
        }
        if chain::link(&self.head.hash, &event.canonical) != event.hash {
            return refuse(format!(
                "position {expected}: hash does not match the bytes"
            ));
        }
        if self
            .head
            .recorded_at
            .is_some_and(|last| envelope.recorded_at < last)
        {
            return refuse(format!(
                "position {expected}: recorded_at goes back in time"
            ));
        }
        self.head = Head {
            position: expected,
            hash: event.hash,
            recorded_at: Some(envelope.recorded_at),
        };
        Ok(envelope)
    }
}

/// Builds one sled batch importing `events` after `head`: events, stream
/// index, command records and the new head. [`crate::plan_import`] checks
/// everything first, as on every backend, so a refused import writes nothing.
pub(crate) fn build_import(
    tree: &sled::Tree,
    head: &Head,
    events: &[RawEvent],
    compressor: &mut crate::event_codec::Compressor,
) -> Result<(sled::Batch, Head), StoreError> {
    let planned = crate::plan_import(
        head,
        events,
        &mut |stream| reads::stored_version(tree, stream),
        &mut |id| stored_command(tree, id),
    )?;
    let batch = crate::append::batch_of(tree, &planned, compressor)?;
    Ok((batch, planned.head))
}

/// A command record already stored, if any.
fn stored_command(tree: &sled::Tree, id: uuid::Uuid) -> Result<Option<CommandRecord>, StoreError> {
    tree.get(keys::command(id))?
        .map(|value| command_record::decode(tree, id, &value))
        .transpose()
}

#[cfg(test)]
mod piece_tests {
    use sha2::{Digest, Sha256};

    use super::*;

    /// The pieces of `bytes` as an export writes them.
    fn pieces(bytes: &[u8]) -> Vec<(FilePiece, Vec<u8>)> {
        let name = hex::encode(Sha256::digest(bytes));
        let size = bytes.len() as u64;
        let mut out: Vec<_> = bytes
            .chunks(FilePiece::BYTES)
            .enumerate()
            .map(|(i, chunk)| {
                let piece = FilePiece::new(&name, "application/pdf", size, i as u64, chunk);
                (piece, chunk.to_vec())
            })
            .collect();
        if out.is_empty() {
            out.push((FilePiece::new(&name, "text/plain", 0, 0, b""), Vec::new()));
        }
        out
    }

    #[test]
    fn a_file_in_pieces_round_trips_through_its_lines_and_checks() {
        let bytes: Vec<u8> = (0..(FilePiece::BYTES * 2 + 17)).map(|i| i as u8).collect();
        let mut follower = PieceFollower::default();
        let all = pieces(&bytes);
        assert_eq!(all.len(), 3);
        for (i, (piece, _)) in all.iter().enumerate() {
            let line = piece.to_line();
            assert!(FilePiece::is_piece(&line));
            let back = FilePiece::from_line(&line).unwrap();
            let complete = follower.follow(&back, &back.bytes().unwrap()).unwrap();
            assert_eq!(complete, i == 2);
        }
        assert!(follower.has(&all[0].0.file));
        assert_eq!(follower.unfinished(), None);
        // An empty file is one empty piece.
        let empty = pieces(b"");
        assert!(follower.follow(&empty[0].0, &empty[0].1).unwrap());
    }

    #[test]
    fn altered_reordered_or_short_pieces_are_refused() {
        let bytes: Vec<u8> = (0..(FilePiece::BYTES + 5)).map(|i| (i * 7) as u8).collect();
        let all = pieces(&bytes);
        let refusal = |follower: &mut PieceFollower, piece: &FilePiece, bytes: &[u8]| match follower
            .follow(piece, bytes)
        {
            Err(StoreError::Invalid(why)) => why,
            other => panic!("{other:?}"),
        };
        let mut altered = all[1].1.clone();
        altered[0] ^= 1;
        let mut follower = PieceFollower::default();
        follower.follow(&all[0].0, &all[0].1).unwrap();
        let why = refusal(&mut follower, &all[1].0, &altered);
        assert!(why.contains("not to its name"), "{why}");
        let mut follower = PieceFollower::default();
        let why = refusal(&mut follower, &all[1].0, &all[1].1);
        assert!(why.contains("without piece 0"), "{why}");
        let mut follower = PieceFollower::default();
        follower.follow(&all[0].0, &all[0].1).unwrap();
        assert_eq!(follower.unfinished(), Some(all[0].0.file.as_str()));
        let why = refusal(&mut follower, &all[1].0, &all[1].1[..3]);
        assert!(why.contains("where its size is"), "{why}");
        let mut bad_name = all[0].0.clone();
        bad_name.file = "../etc".into();
        let why = refusal(&mut PieceFollower::default(), &bad_name, &all[0].1);
        assert!(why.contains("not a SHA-256"), "{why}");
    }
}
