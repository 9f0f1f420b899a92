//! A command's idempotency record as stored under `c ‖ command id` (ADR 0023).
//!
//! Stored lean: what only the command knows (the hash of its request) and
//! where its events are (the last position and how many), 45 bytes in all.
//! Everything else a [`CommandRecord`] holds (the stream, the versions, each
//! event's id and type) is already in those events, so a repeat of the
//! command reads it back from them.
//!
//! | tag  | then                                                     |
//! |------|----------------------------------------------------------|
//! | 0x01 | request hash (32) ‖ last position (u64) ‖ events (u32)   |
//! | 0x02 | last position (u64) ‖ events (u32): request not known    |
//!
//! Tag 0x02 is what an import writes: the log does not hold the requests
//! (ADR 0013), so such a record answers a repeat by its id alone.

use serde::Deserialize;
use uuid::Uuid;

use crate::{keys, CommandRecord, EventRef, StoreError};

const WITH_HASH: u8 = 0x01;
const WITHOUT_HASH: u8 = 0x02;

/// The stored form of `record`: its request hash (hex, or empty when not
/// known), its last position and its number of events.
pub(crate) fn encode(record: &CommandRecord) -> Result<Vec<u8>, StoreError> {
    let mut value = Vec::with_capacity(45);
    if record.request_hash.is_empty() {
        value.push(WITHOUT_HASH);
    } else {
        let mut hash = [0u8; 32];
        hex::decode_to_slice(&record.request_hash, &mut hash).map_err(|e| {
            StoreError::Invalid(format!("command {}: request hash: {e}", record.command_id))
        })?;
        value.push(WITH_HASH);
        value.extend_from_slice(&hash);
    }
    let count = u32::try_from(record.events.len()).map_err(|_| {
        StoreError::Invalid(format!("command {}: too many events", record.command_id))
    })?;
    value.extend_from_slice(&record.position.to_be_bytes());
    value.extend_from_slice(&count.to_be_bytes());
    Ok(value)
}

/// The record of command `id` whose stored value is `value`, its events read
/// back from `tree`.
pub(crate) fn decode(
    tree: &sled::Tree,
    id: Uuid,
    value: &[u8],
) -> Result<CommandRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("command {id}: {what}"));
    let (request_hash, rest) = match value.split_first() {
        Some((&WITH_HASH, rest)) if rest.len() == 44 => (hex::encode(&rest[..32]), &rest[32..]),
        Some((&WITHOUT_HASH, rest)) if rest.len() == 12 => (String::new(), rest),
        _ => return Err(corrupt("unknown record format")),
    };
    let position = keys::be_u64(&rest[..8])?;
    let count = u64::from(u32::from_be_bytes(rest[8..].try_into().expect("4 bytes")));
    if count == 0 || count > position {
        return Err(corrupt("event count out of range"));
    }
    let mut events = Vec::with_capacity(count as usize);
    let mut stream = String::new();
    for at in position + 1 - count..=position {
        let stored = tree
            .get(keys::event(at))?
            .ok_or_else(|| corrupt(&format!("its event at position {at} is missing")))?;
        let (_, canonical) = keys::decode_event(&stored)?;
        let event: EventOfCommand =
            serde_json::from_slice(&canonical).map_err(|e| corrupt(&e.to_string()))?;
        if event.command_id != id {
            return Err(corrupt(&format!(
                "the event at position {at} is not its own"
            )));
        }
        stream = event.stream;
        events.push(EventRef {
            id: event.id,
            event_type: event.event_type,
            position: at,
            version: event.version,
        });
    }
    Ok(CommandRecord {
        command_id: id,
        request_hash,
        stream,
        version: events.last().expect("count > 0").version,
        position,
        events,
    })
}

/// The fields of a stored envelope that a command record repeats.
#[derive(Deserialize)]
struct EventOfCommand {
    stream: String,
    version: u64,
    id: Uuid,
    #[serde(rename = "type")]
    event_type: String,
    command_id: Uuid,
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{Actor, Envelope, Role};

    /// A tree holding the events of one command of two events at positions 6
    /// and 7 (versions 2 and 3 of its stream), after an unrelated event at 5.
    fn tree_with_a_command(command_id: Uuid) -> (sled::Db, CommandRecord) {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let mut compressor = crate::event_codec::Compressor::new().unwrap();
        let mut events = Vec::new();
        for (position, version, command) in [
            (5, 1, Uuid::now_v7()),
            (6, 2, command_id),
            (7, 3, command_id),
        ] {
            let envelope = Envelope {
                position,
                stream: "agreement:đồng-nai".into(),
                version,
                id: Uuid::now_v7(),
                event_type: format!("Type{position}"),
                schema: 1,
                recorded_at: datetime!(2013-07-04 08:30:00 UTC),
                effective_on: None,
                actor: Actor {
                    token_id: "tok".into(),
                    role: Role::Writer,
                    party_id: None,
                },
                command_id: command,
                correlation_id: None,
                data: serde_json::json!({"summary": "Trao đổi"}),
                prev_hash: "00".repeat(32),
            };
            let canonical = serde_json::to_vec(&envelope).unwrap();
            db.insert(
                keys::event(position),
                keys::encode_event(&[7; 32], &canonical, &mut compressor).unwrap(),
            )
            .unwrap();
            if command == command_id {
                events.push(EventRef {
                    id: envelope.id,
                    event_type: envelope.event_type,
                    position,
                    version,
                });
            }
        }
        let record = CommandRecord {
            command_id,
            request_hash: "ab".repeat(32),
            stream: "agreement:đồng-nai".into(),
            version: 3,
            position: 7,
            events,
        };
        (db, record)
    }

    #[test]
    fn a_lean_record_reads_back_as_the_whole_record_from_its_events() {
        let id = Uuid::now_v7();
        let (db, record) = tree_with_a_command(id);
        let stored = encode(&record).unwrap();
        assert_eq!(stored.len(), 45);
        assert_eq!(decode(&db, id, &stored).unwrap(), record);
    }

    #[test]
    fn a_record_without_a_request_hash_keeps_it_unknown() {
        let id = Uuid::now_v7();
        let (db, mut record) = tree_with_a_command(id);
        record.request_hash = String::new();
        let stored = encode(&record).unwrap();
        assert_eq!(stored.len(), 13);
        assert_eq!(decode(&db, id, &stored).unwrap(), record);
    }

    #[test]
    fn a_record_whose_events_belong_to_another_command_is_corrupt() {
        let id = Uuid::now_v7();
        let (db, record) = tree_with_a_command(id);
        let mut stored = encode(&record).unwrap();
        // Three events back from 7 takes in the unrelated event at 5.
        stored[41..].copy_from_slice(&3u32.to_be_bytes());
        let error = decode(&db, id, &stored).unwrap_err().to_string();
        assert!(error.contains("position 5 is not its own"), "{error}");
        let error = decode(&db, id, &[9, 1, 2]).unwrap_err().to_string();
        assert!(error.contains("unknown record format"), "{error}");
    }
}
