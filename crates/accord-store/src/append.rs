//! Turning a batch of writes into one sled batch: every check first, then the records.
//!
//! Nothing here touches the disk except to read stream versions and command ids,
//! so a refused batch writes nothing.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use crate::{
    chain, keys, reads, CommandRecord, Envelope, EventRef, Head, NewEvent, StoreError, Write,
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
fn validate(write: &Write) -> Result<(), StoreError> {
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
        let json = serde_json::to_vec(&record).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.batch
            .insert(&keys::command(write.command_id)[..], json);
        Ok(record)
    }

    fn event(&mut self, write: &Write, event: &NewEvent) -> Result<EventRef, StoreError> {
        let version = self
            .versions
            .get_mut(write.stream.as_str())
            .expect("checked stream");
        *version += 1;
        self.position += 1;
        let envelope = Envelope {
            position: self.position,
            stream: write.stream.clone(),
            version: *version,
            id: event.id,
            event_type: event.event_type.clone(),
            schema: event.schema,
            recorded_at: self.recorded_at,
            effective_on: event.effective_on.clone(),
            actor: write.actor.clone(),
            command_id: write.command_id,
            correlation_id: write.correlation_id.clone(),
            data: event.data.clone(),
            prev_hash: hex::encode(self.prev),
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
