//! Turning a batch of writes into one sled batch: every check first, then the records.
//!
//! Nothing here touches the disk except to read stream versions and command ids,
//! so a refused batch writes nothing.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::event_codec::Compressor;
use crate::{
    command_record, keys, reads, Actor, CommandRecord, Head, PlannedBatch, StoreError, Write,
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

/// Checks every write against the tree and returns the version each touched
/// stream has before the batch: [`crate::check_writes`], the checks every
/// backend makes, with command ids and stream versions read from sled.
pub(crate) fn check(
    tree: &sled::Tree,
    writes: &[Write],
) -> Result<HashMap<String, u64>, StoreError> {
    crate::check_writes(
        writes,
        &mut |id| Ok(tree.contains_key(keys::command(id))?),
        &mut |stream| reads::stored_version(tree, stream),
    )
}

/// Refuses writes the store does not take: no events, or a stream name
/// that is empty or holds NUL (refused on every backend and in every data
/// format alike, so a log moves between them whole).
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

/// Builds the sled batch for checked writes: [`crate::plan_writes`] forms
/// the events, hashes and records as on every backend; here they become the
/// event records, the stream index (which also gives each stream's version),
/// the command records and the new head.
pub(crate) fn build(
    tree: &sled::Tree,
    writes: &[Write],
    versions: HashMap<String, u64>,
    head: &Head,
    recorded_at: OffsetDateTime,
    compressor: &mut Compressor,
) -> Result<Plan, StoreError> {
    let planned = crate::plan_writes(writes, versions, head, recorded_at)?;
    Ok(Plan {
        batch: batch_of(tree, &planned, compressor)?,
        records: planned.records,
        head: planned.head,
    })
}

/// The sled batch that stores a planned batch (an append's or an import's):
/// each event's record (its canonical bytes compressed with the writer's
/// context) and stream index entry, the number of each stream new to the
/// log, the command records and the head.
pub(crate) fn batch_of(
    tree: &sled::Tree,
    planned: &PlannedBatch,
    compressor: &mut Compressor,
) -> Result<sled::Batch, StoreError> {
    let mut batch = sled::Batch::default();
    let mut numbers = StreamNumbers::new(tree);
    for event in &planned.events {
        // The canonical bytes are hashed as they are and never rebuilt: the
        // record holds them compressed, and gives them back exactly.
        let record = keys::encode_event(&event.hash, &event.canonical, compressor)?;
        batch.insert(&keys::event(event.position)[..], record);
        let number = numbers.of(&event.stream, &mut batch)?;
        let index_key = keys::stream_entry(number, event.version);
        batch.insert(&index_key[..], &event.position.to_be_bytes()[..]);
    }
    for record in &planned.records {
        batch.insert(
            &keys::command(record.command_id)[..],
            command_record::encode(record)?,
        );
    }
    batch.insert(keys::HEAD, keys::encode_head(&planned.head));
    Ok(batch)
}

/// The stream numbers of one batch: a stream's number as stored, or, for a
/// stream new to the log, the next one, recorded in the batch. Batches are
/// built one at a time by the writer, so no two streams get one number.
struct StreamNumbers<'a> {
    tree: &'a sled::Tree,
    known: HashMap<String, u64>,
    /// The number the next new stream gets, once looked up.
    next: Option<u64>,
}

impl<'a> StreamNumbers<'a> {
    fn new(tree: &'a sled::Tree) -> Self {
        StreamNumbers {
            tree,
            known: HashMap::new(),
            next: None,
        }
    }

    /// The number of `stream`, given it (in `batch`) if it has none yet.
    fn of(&mut self, stream: &str, batch: &mut sled::Batch) -> Result<u64, StoreError> {
        let entry = match self.known.entry(stream.to_owned()) {
            Entry::Occupied(known) => return Ok(*known.get()),
            Entry::Vacant(entry) => entry,
        };
        let number = match reads::stream_number(self.tree, stream)? {
            Some(number) => number,
            None => {
                let number = match self.next {
                    Some(next) => next,
                    None => reads::last_stream_number(self.tree)? + 1,
                };
                self.next = Some(number + 1);
                batch.insert(keys::stream_number(stream), &number.to_be_bytes()[..]);
                number
            }
        };
        entry.insert(number);
        Ok(number)
    }
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
