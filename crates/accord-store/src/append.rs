//! Turning a batch of writes into one sled batch: every check first, then the records.
//!
//! Nothing here touches the disk except to read stream versions and command ids,
//! so a refused batch writes nothing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    chain, command_record, keys, reads, Actor, CommandRecord, EventRef, Head, NewEvent, StoreError,
    Write,
};

/// A checked batch, ready for one `apply_batch`.
pub(crate) struct Plan {
    /// Every record of the batch, head included.
    pub(crate) batch: sled::Batch,
    /// One record per write, in order.
    pub(crate) records: Vec<CommandRecord>,
    /// The head once the batch is durable.
    pub(crate) head: Head,
}

/// Checks every write and returns the version each touched stream has before the batch.
///
/// Per write, in order: shape (`Invalid`), command id (`DuplicateCommand`), expected
/// version (`Conflict`), where earlier writes of the batch count towards the version.
pub(crate) fn check<'w>(
    tree: &sled::Tree,
    writes: &'w [Write],
) -> Result<HashMap<&'w str, u64>, StoreError> {
    let mut before = HashMap::new();
    let mut current: HashMap<&str, u64> = HashMap::new();
    let mut commands = HashSet::new();
    for write in writes {
        validate(write)?;
        if !commands.insert(write.command_id)
            || tree.contains_key(keys::command(write.command_id))?
        {
            return Err(StoreError::DuplicateCommand(write.command_id));
        }
        let stream = write.stream.as_str();
        if !current.contains_key(stream) {
            let stored = reads::stored_version(tree, stream)?;
            before.insert(stream, stored);
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

/// Refuses writes the store cannot index: no events, or a stream name that
/// would make the NUL-separated stream index ambiguous.
pub(crate) fn validate(write: &Write) -> Result<(), StoreError> {
    if write.events.is_empty() {
        let id = write.command_id;
        return Err(StoreError::Invalid(format!("command {id} has no events")));
    }
    if write.stream.is_empty() || write.stream.contains('\0') {
        let stream = &write.stream;
        return Err(StoreError::Invalid(format!(
            "stream name {stream:?} is empty or contains NUL"
        )));
    }
    Ok(())
}

/// Builds the sled batch for checked writes: events, stream index (which also
/// gives each stream's version), command records and the new head.
pub(crate) fn build(
    writes: &[Write],
    versions: HashMap<&str, u64>,
    head: &Head,
    recorded_at: OffsetDateTime,
) -> Result<Plan, StoreError> {
    let mut builder = Builder {
        batch: sled::Batch::default(),
        position: head.position,
        prev: head.hash,
        recorded_at,
        versions,
    };
    let records = writes
        .iter()
        .map(|write| builder.write(write))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(builder.finish(records))
}

/// [`Envelope`] by reference: the same fields, names and order, so the same
/// bytes, serialised without copying the event's `data` (a test compares them).
#[derive(Serialize)]
pub(crate) struct EnvelopeRef<'a> {
    pub(crate) position: u64,
    pub(crate) stream: &'a str,
    pub(crate) version: u64,
    pub(crate) id: Uuid,
    #[serde(rename = "type")]
    pub(crate) event_type: &'a str,
    pub(crate) schema: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) recorded_at: OffsetDateTime,
    pub(crate) effective_on: Option<&'a str>,
    pub(crate) actor: &'a Actor,
    pub(crate) command_id: Uuid,
    pub(crate) correlation_id: Option<&'a str>,
    pub(crate) data: &'a serde_json::Value,
    pub(crate) prev_hash: &'a str,
}

struct Builder<'w> {
    batch: sled::Batch,
    position: u64,
    prev: [u8; 32],
    recorded_at: OffsetDateTime,
    versions: HashMap<&'w str, u64>,
}

impl Builder<'_> {
    fn write(&mut self, write: &Write) -> Result<CommandRecord, StoreError> {
        let events = write
            .events
            .iter()
            .map(|event| self.event(write, event))
            .collect::<Result<Vec<_>, _>>()?;
        let last = events.last().expect("validated: at least one event");
        let record = CommandRecord {
            command_id: write.command_id,
            request_hash: hex::encode(write.request_hash),
            stream: write.stream.clone(),
            version: last.version,
            position: last.position,
            events,
        };
        self.batch.insert(
            &keys::command(write.command_id)[..],
            command_record::encode(&record)?,
        );
        Ok(record)
    }

    fn event(&mut self, write: &Write, event: &NewEvent) -> Result<EventRef, StoreError> {
        let version = self
            .versions
            .get_mut(write.stream.as_str())
            .expect("checked stream");
        *version += 1;
        self.position += 1;
        let prev_hash = hex::encode(self.prev);
        let envelope = EnvelopeRef {
            position: self.position,
            stream: &write.stream,
            version: *version,
            id: event.id,
            event_type: &event.event_type,
            schema: event.schema,
            recorded_at: self.recorded_at,
            effective_on: event.effective_on.as_deref(),
            actor: &write.actor,
            command_id: write.command_id,
            correlation_id: write.correlation_id.as_deref(),
            data: &event.data,
            prev_hash: &prev_hash,
        };
        // These bytes are the canonical form: hashed and stored as they are, never rebuilt.
        let canonical =
            serde_json::to_vec(&envelope).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.prev = chain::link(&self.prev, &canonical);
        let event_key = keys::event(self.position);
        let index_key = keys::stream_entry(&write.stream, *version);
        let record = keys::encode_event(&self.prev, &canonical);
        self.batch.insert(&event_key[..], record);
        self.batch
            .insert(index_key, &self.position.to_be_bytes()[..]);
        Ok(EventRef {
            id: event.id,
            event_type: event.event_type.clone(),
            position: self.position,
            version: *version,
        })
    }

    fn finish(mut self, records: Vec<CommandRecord>) -> Plan {
        let head = Head {
            position: self.position,
            hash: self.prev,
            recorded_at: Some(self.recorded_at),
        };
        self.batch.insert(keys::HEAD, keys::encode_head(&head));
        Plan {
            batch: self.batch,
            records,
            head,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::{Envelope, Role};

    fn both(effective_on: Option<&str>, correlation_id: Option<&str>) -> (Vec<u8>, Vec<u8>) {
        let actor = Actor {
            token_id: "tok_1".into(),
            role: Role::Writer,
            party_id: Some("dong-nai-iza".into()),
        };
        let data = json!({"summary": "Hội nghị xúc tiến đầu tư", "parties": ["a", "b"], "n": 1});
        let (id, command_id) = (Uuid::now_v7(), Uuid::now_v7());
        let recorded_at = datetime!(2013-07-04 08:30:00.123456 UTC);
        let owned = Envelope {
            position: 7,
            stream: "agreement:x".into(),
            version: 3,
            id,
            event_type: "ExchangeRecorded".into(),
            schema: 1,
            recorded_at,
            effective_on: effective_on.map(str::to_owned),
            actor: actor.clone(),
            command_id,
            correlation_id: correlation_id.map(str::to_owned),
            data: data.clone(),
            prev_hash: "ab".repeat(32),
        };
        let borrowed = EnvelopeRef {
            position: 7,
            stream: "agreement:x",
            version: 3,
            id,
            event_type: "ExchangeRecorded",
            schema: 1,
            recorded_at,
            effective_on,
            actor: &actor,
            command_id,
            correlation_id,
            data: &data,
            prev_hash: &"ab".repeat(32),
        };
        (
            serde_json::to_vec(&owned).unwrap(),
            serde_json::to_vec(&borrowed).unwrap(),
        )
    }

    #[test]
    fn the_borrowed_envelope_serialises_to_the_same_bytes_as_the_envelope() {
        for (effective_on, correlation_id) in [
            (Some("2013-07-04"), Some("corr-1")),
            (None, None),
            (Some("2013-07-04"), None),
        ] {
            let (owned, borrowed) = both(effective_on, correlation_id);
            assert_eq!(
                String::from_utf8(borrowed).unwrap(),
                String::from_utf8(owned).unwrap()
            );
        }
    }
}
