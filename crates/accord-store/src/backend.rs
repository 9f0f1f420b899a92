//! What every backend builds its appends and imports with, so that each
//! checks writes, forms envelopes and links the chain the same way: the
//! checks of [`crate::EventLog::append`] ([`check_writes`]), the events and
//! records of a checked batch ([`plan_writes`]) and of an import
//! ([`plan_import`]). [`crate::SledStore`] turns their plans into one sled
//! batch; the PostgreSQL store into rows.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::append::{validate, EnvelopeRef};
use crate::{chain, CommandRecord, EventRef, Head, Linker, RawEvent, StoreError, Write};

/// One event as a backend stores it: the columns it is looked up by, its
/// hash and its canonical bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedEvent {
    /// Its position in the log.
    pub position: u64,
    /// Its stream.
    pub stream: String,
    /// Its version in the stream.
    pub version: u64,
    /// The command that produced it.
    pub command_id: Uuid,
    /// SHA-256(previous hash ‖ canonical).
    pub hash: [u8; 32],
    /// The envelope JSON, hashed and stored as it is.
    pub canonical: Vec<u8>,
}

/// A checked batch: its events in position order, one record per write and
/// the head once it is durable.
#[derive(Clone, Debug)]
pub struct PlannedBatch {
    /// Every event of the batch, in position order.
    pub events: Vec<PlannedEvent>,
    /// One record per write (or, for an import, per command touched), in order.
    pub records: Vec<CommandRecord>,
    /// The head after the batch.
    pub head: Head,
}

/// The hash of an event from its predecessor's hash and its exact bytes.
pub fn chain_link(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    chain::link(prev, canonical)
}

/// The checks of [`crate::EventLog::append`], write by write in order:
/// shape (`Invalid`), command id stored (`command_stored`) or repeated in
/// the batch (`DuplicateCommand`), expected version against the stream's
/// (`stream_version`, counting earlier writes of the batch: `Conflict`).
/// Returns the version each touched stream has before the batch.
pub fn check_writes(
    writes: &[Write],
    command_stored: &mut dyn FnMut(Uuid) -> Result<bool, StoreError>,
    stream_version: &mut dyn FnMut(&str) -> Result<u64, StoreError>,
) -> Result<HashMap<String, u64>, StoreError> {
    let mut before = HashMap::new();
    let mut current: HashMap<&str, u64> = HashMap::new();
    let mut commands = HashSet::new();
    for write in writes {
        validate(write)?;
        if !commands.insert(write.command_id) || command_stored(write.command_id)? {
            return Err(StoreError::DuplicateCommand(write.command_id));
        }
        let stream = write.stream.as_str();
        if !current.contains_key(stream) {
            let stored = stream_version(stream)?;
            before.insert(stream.to_owned(), stored);
            current.insert(stream, stored);
        }
        let version = current.get_mut(stream).expect("inserted above");
        match write.expected_version {
            Some(expected) if expected != *version => {
                return Err(StoreError::Conflict {
                    stream: write.stream.clone(),
                    expected,
                    actual: *version,
                });
            }
            _ => *version += write.events.len() as u64,
        }
    }
    Ok(before)
}

/// The events, records and head of writes checked by [`check_writes`],
/// appended after `head` at `recorded_at` (already clamped by the caller).
pub fn plan_writes(
    writes: &[Write],
    mut versions: HashMap<String, u64>,
    head: &Head,
    recorded_at: OffsetDateTime,
) -> Result<PlannedBatch, StoreError> {
    let mut position = head.position;
    let mut prev = head.hash;
    let mut events = Vec::new();
    let mut records = Vec::with_capacity(writes.len());
    for write in writes {
        let mut refs = Vec::with_capacity(write.events.len());
        for event in &write.events {
            let version = versions
                .get_mut(write.stream.as_str())
                .ok_or_else(|| StoreError::Invalid(format!("stream {} unchecked", write.stream)))?;
            *version += 1;
            position += 1;
            let prev_hash = hex::encode(prev);
            let envelope = EnvelopeRef {
                position,
                stream: &write.stream,
                version: *version,
                id: event.id,
                event_type: &event.event_type,
                schema: event.schema,
                recorded_at,
                effective_on: event.effective_on.as_deref(),
                actor: &write.actor,
                command_id: write.command_id,
                correlation_id: write.correlation_id.as_deref(),
                data: &event.data,
                prev_hash: &prev_hash,
            };
            let canonical =
                serde_json::to_vec(&envelope).map_err(|e| StoreError::Invalid(e.to_string()))?;
            prev = chain::link(&prev, &canonical);
            events.push(PlannedEvent {
                position,
                stream: write.stream.clone(),
                version: *version,
                command_id: write.command_id,
                hash: prev,
                canonical,
            });
            refs.push(EventRef {
                id: event.id,
                event_type: event.event_type.clone(),
                position,
                version: *version,
            });
        }
        let last = refs.last().ok_or_else(|| {
            StoreError::Invalid(format!("command {} has no events", write.command_id))
        })?;
        records.push(CommandRecord {
            command_id: write.command_id,
            request_hash: hex::encode(write.request_hash),
            stream: write.stream.clone(),
            version: last.version,
            position: last.position,
            events: refs,
        });
    }
    Ok(PlannedBatch {
        events,
        records,
        head: Head {
            position,
            hash: prev,
            recorded_at: Some(recorded_at),
        },
    })
}

/// The events and command records of an import of `events` after `head`,
/// checked as [`crate::EventLog::import`] says: each event links to the one
/// before ([`Linker`]) and follows its stream's version (`stream_version`
/// of the stored log); a command continues its stored record
/// (`stored_command`) when an earlier import cut it in two. The records
/// returned are those to store (new or continued), with an empty (unknown)
/// request hash for new ones.
pub fn plan_import(
    head: &Head,
    events: &[RawEvent],
    stream_version: &mut dyn FnMut(&str) -> Result<u64, StoreError>,
    stored_command: &mut dyn FnMut(Uuid) -> Result<Option<CommandRecord>, StoreError>,
) -> Result<PlannedBatch, StoreError> {
    let mut linker = Linker::after(head);
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut commands: HashMap<Uuid, CommandRecord> = HashMap::new();
    let mut order = Vec::new();
    let mut planned = Vec::with_capacity(events.len());
    for event in events {
        let envelope = linker.link(event)?;
        let stream = &envelope.stream;
        if stream.is_empty() || stream.contains('\0') {
            return Err(StoreError::Invalid(format!(
                "stream name {stream:?} is empty or contains NUL"
            )));
        }
        let version = match versions.get(stream) {
            Some(v) => *v,
            None => stream_version(stream)?,
        };
        if envelope.version != version + 1 {
            return Err(StoreError::Invalid(format!(
                "position {}: version {} of stream {stream} where {} was expected",
                envelope.position,
                envelope.version,
                version + 1
            )));
        }
        versions.insert(stream.clone(), envelope.version);
        let id = envelope.command_id;
        let record = match commands.entry(id) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                order.push(id);
                let stored = stored_command(id)?;
                entry.insert(stored.unwrap_or_else(|| CommandRecord {
                    command_id: id,
                    // Unknown: the request body is not in the log (ADR 0013).
                    request_hash: String::new(),
                    stream: envelope.stream.clone(),
                    version: 0,
                    position: envelope.position - 1,
                    events: Vec::new(),
                }))
            }
        };
        if record.position + 1 != envelope.position || record.stream != envelope.stream {
            return Err(StoreError::Invalid(format!(
                "position {}: command {id} already has events elsewhere",
                envelope.position
            )));
        }
        record.version = envelope.version;
        record.position = envelope.position;
        record.events.push(EventRef {
            id: envelope.id,
            event_type: envelope.event_type.clone(),
            position: envelope.position,
            version: envelope.version,
        });
        planned.push(PlannedEvent {
            position: envelope.position,
            stream: envelope.stream,
            version: envelope.version,
            command_id: id,
            hash: event.hash,
            canonical: event.canonical.clone(),
        });
    }
    let records = order
        .into_iter()
        .filter_map(|id| commands.remove(&id))
        .collect();
    Ok(PlannedBatch {
        events: planned,
        records,
        head: linker.head().clone(),
    })
}
