//! The values that go in and out of the store.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Who issued a command; written into every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The id of the API token that authenticated the request.
    pub token_id: String,
    /// The token's role; `system` for the service itself.
    pub role: Role,
    /// The party the token acts for, if it is bound to one.
    pub party_id: Option<String>,
}

/// A role a token can have, as spelt in tokens and events (`"admin"`,
/// `"writer"`, `"auditor"`, `"system"`). What each may do is the engine's
/// and the API's concern (ADR 0016); the store only records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything: commands, tokens, webhooks, reads.
    Admin,
    /// Commands for its own party only; reads.
    Writer,
    /// Reads only.
    Auditor,
    /// The service itself (the demo loader, `generate`): never a token's role.
    System,
}

impl Role {
    /// The role named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "admin" => Some(Role::Admin),
            "writer" => Some(Role::Writer),
            "auditor" => Some(Role::Auditor),
            "system" => Some(Role::System),
            _ => None,
        }
    }

    /// The role's name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Writer => "writer",
            Role::Auditor => "auditor",
            Role::System => "system",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to append; the store fills in position, version, recorded_at and hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// The event's id, chosen by the caller (UUID v7).
    pub id: Uuid,
    /// The event's type name; opaque to the store.
    pub event_type: String,
    /// The schema number of `data`, so old payloads can be upcast.
    pub schema: u32,
    /// The business date the event takes effect on (`YYYY-MM-DD`), if any.
    pub effective_on: Option<String>,
    /// The payload; opaque to the store.
    pub data: serde_json::Value,
}

/// One command's events, appended to one stream.
#[derive(Clone, Debug)]
pub struct Write {
    /// The command's idempotency key.
    pub command_id: Uuid,
    /// SHA-256 of the request as the client sent it: the same id with another hash is a conflict.
    pub request_hash: [u8; 32],
    /// The stream the events belong to; must be non-empty and free of NUL bytes.
    pub stream: String,
    /// None: no check. Some(v): the stream's version before this write must be v (0 = stream does not exist).
    pub expected_version: Option<u64>,
    /// Who issued the command.
    pub actor: Actor,
    /// Ties the events to a client request or another command.
    pub correlation_id: Option<String>,
    /// The events, at least one; an empty list is refused with [`crate::StoreError::Invalid`].
    pub events: Vec<NewEvent>,
}

/// The canonical stored form of an event. Field order = the JSON key order on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The event's place in the global log, gapless from 1.
    pub position: u64,
    /// The stream the event belongs to.
    pub stream: String,
    /// The event's place in its stream, gapless from 1.
    pub version: u64,
    /// The event's id.
    pub id: Uuid,
    /// The event's type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The schema number of `data`.
    pub schema: u32,
    /// When the store recorded the event (UTC); never decreases along the log.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// The business date the event takes effect on, if any.
    pub effective_on: Option<String>,
    /// Who issued the command.
    pub actor: Actor,
    /// The command that produced the event.
    pub command_id: Uuid,
    /// The correlation id of the command, if any.
    pub correlation_id: Option<String>,
    /// The payload.
    pub data: serde_json::Value,
    /// Lowercase hex of the predecessor's hash; 64 zeros for position 1.
    pub prev_hash: String,
}

/// An event as read back: the envelope and its hash.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// The envelope decoded from the stored canonical bytes.
    pub envelope: Envelope,
    /// SHA-256(previous hash ‖ canonical bytes).
    pub hash: [u8; 32],
}

impl StoredEvent {
    /// The event stored as `canonical` with `hash`; `Corrupt` if the bytes
    /// are not an envelope.
    pub(crate) fn decode(hash: [u8; 32], canonical: &[u8]) -> Result<StoredEvent, StoreError> {
        let envelope: Envelope = serde_json::from_slice(canonical)
            .map_err(|e| StoreError::Corrupt(format!("event envelope: {e}")))?;
        Ok(StoredEvent { envelope, hash })
    }

    /// The envelope as API JSON: every Envelope field plus "hash" (lowercase hex),
    /// in Envelope's key order with "hash" last.
    ///
    /// The order holds because this crate enables serde_json's `preserve_order`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.envelope)
            .expect("an envelope always serialises: its keys are strings");
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("hash".into(), hex::encode(self.hash).into());
        }
        value
    }
}

/// A reference to one appended event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The event's id.
    pub id: Uuid,
    /// The event's type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event's position in the log.
    pub position: u64,
    /// The event's version in its stream.
    pub version: u64,
}

/// What a committed command produced; kept durably for idempotency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The command's id.
    pub command_id: Uuid,
    /// Lowercase hex of the request hash the command was appended with.
    pub request_hash: String,
    /// The stream written to.
    pub stream: String,
    /// The stream version after the write (= version of its last event).
    pub version: u64,
    /// The position of its last event.
    pub position: u64,
    /// The events appended, in order.
    pub events: Vec<EventRef>,
}

/// A batch written by [`crate::EventLog::stage`], waiting for
/// [`crate::EventLog::commit`] to make it durable.
#[derive(Debug, Default)]
#[must_use = "a staged batch is not durable until it is committed"]
pub struct Staged {
    pub(crate) records: Vec<CommandRecord>,
    /// The head once it is durable; None for an empty batch.
    pub(crate) head: Option<Head>,
}

impl Staged {
    /// A batch staged by a backend outside this crate: its records, and the
    /// head once it is durable (None for an empty batch).
    pub fn new(records: Vec<CommandRecord>, head: Option<Head>) -> Staged {
        Staged { records, head }
    }

    /// One record per write, in order.
    pub fn records(&self) -> &[CommandRecord] {
        &self.records
    }

    /// The head once the batch is durable; None for an empty batch.
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// The records and the head, for the backend that commits the batch.
    pub fn into_parts(self) -> (Vec<CommandRecord>, Option<Head>) {
        (self.records, self.head)
    }
}

/// The head of the log: the last durable event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The last durable position; 0 when the log is empty.
    pub position: u64,
    /// The hash of that event; 32 zero bytes when the log is empty.
    pub hash: [u8; 32],
    /// When that event was recorded; None when the log is empty.
    pub recorded_at: Option<OffsetDateTime>,
}

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Head = Head {
        position: 0,
        hash: [0; 32],
        recorded_at: None,
    };
}

/// Result of checking the hash chain.
///
/// ok=true: `events` = number checked, `head_hash` = hex hash of the last checked,
/// `first_bad_position` None. ok=false: `events` = count of events that verified
/// before the bad one, `head_hash` = hash of the last good one, `first_bad_position`
/// the bad position and `reason` a short English sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Whether every checked event verified.
    pub ok: bool,
    /// How many events verified.
    pub events: u64,
    /// Lowercase hex hash of the last event that verified (64 zeros if none).
    pub head_hash: String,
    /// The first position that does not verify.
    pub first_bad_position: Option<u64>,
    /// Why that position does not verify.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_is_stored_with_its_role_spelt_as_a_string() {
        let actor = Actor {
            token_id: "tok_1".into(),
            role: Role::Writer,
            party_id: Some("dong-nai-iza".into()),
        };

        let json = serde_json::to_string(&actor).unwrap();

        assert_eq!(
            json,
            r#"{"token_id":"tok_1","role":"writer","party_id":"dong-nai-iza"}"#
        );
        assert_eq!(serde_json::from_str::<Actor>(&json).unwrap(), actor);
    }

    #[test]
    fn every_role_is_spelt_as_parse_reads_it() {
        for role in [Role::Admin, Role::Writer, Role::Auditor, Role::System] {
            let spelt = serde_json::to_value(role).unwrap();
            assert_eq!(spelt, serde_json::Value::from(role.as_str()));
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(serde_json::from_str::<Role>(r#""root""#).is_err());
    }
}
