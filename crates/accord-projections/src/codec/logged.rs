//! Reading a stored envelope in one pass: the fields the models need
//! (`position`, `version`, `type`, `schema`) and the event straight from
//! `data`, without a JSON tree in between. The fields a fold ignores (ids,
//! `recorded_at`, the actor, hashes) are skipped, never allocated.
//!
//! The store writes `type` and `schema` before `data` (the canonical key
//! order), so `data` is decoded as it is read. Bytes in another order (an
//! import written by another tool) still decode: `data` is then kept as a
//! JSON value until the type is known.

use std::cell::Cell;
use std::fmt;

use accord_domain::Event;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{decode, decode_v1, DecodeError};

/// An event as the models fold it: its place in the log and the fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// Its global position.
    pub position: u64,
    /// The version of its stream after it.
    pub version: u64,
    /// The fact.
    pub event: Event,
}

/// Decodes the canonical bytes of a stored envelope into what the models
/// fold, in one pass (ADR 0019).
///
/// Fails like [`decode`] on an unknown type, an unknown schema or `data` of
/// the wrong shape, and with [`DecodeError::Envelope`] when the bytes are not
/// a JSON object with `position`, `version`, `type`, `schema` and `data`.
pub fn decode_logged(canonical: &[u8]) -> Result<Logged, DecodeError> {
    let data_of = Cell::new(None);
    let mut reader = serde_json::Deserializer::from_slice(canonical);
    let found = reader
        .deserialize_map(Fields { data_of: &data_of })
        .and_then(|found| reader.end().map(|()| found));
    let found = found.map_err(|source| match data_of.get() {
        // The failure happened inside `data`: the event's shape is wrong.
        Some(index) => DecodeError::Invalid {
            event_type: Event::TYPES[index].to_owned(),
            source,
        },
        None => DecodeError::Envelope(source),
    })?;
    found.into_logged()
}

/// What the pass found.
struct Found {
    position: u64,
    version: u64,
    kind: Kind,
    schema: u32,
    data: Data,
}

/// The `type` field: an index into [`Event::TYPES`], or the unknown name.
enum Kind {
    Known(usize),
    Unknown(String),
}

/// The `data` field as read.
enum Data {
    /// Decoded in the pass (type and schema came first, as stored).
    Event(Event),
    /// Came before the type or schema: kept to decode afterwards.
    Later(Value),
    /// Skipped: the type or schema is one this build cannot read.
    Skipped,
}

impl Found {
    fn into_logged(self) -> Result<Logged, DecodeError> {
        let event_type = match self.kind {
            Kind::Known(index) => Event::TYPES[index],
            Kind::Unknown(name) => return Err(DecodeError::UnknownType(name)),
        };
        let event = match self.data {
            Data::Event(event) => event,
            Data::Later(value) => decode(event_type, self.schema, &value)?,
            Data::Skipped => {
                return Err(DecodeError::UnknownSchema {
                    event_type: event_type.to_owned(),
                    schema: self.schema,
                })
            }
        };
        Ok(Logged {
            position: self.position,
            version: self.version,
            event,
        })
    }
}

/// Visits the envelope object. `data_of` is set to the type's index while
/// `data` is being decoded, so a failure there is reported as the event's.
struct Fields<'a> {
    data_of: &'a Cell<Option<usize>>,
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event envelope")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Found, M::Error> {
        let (mut position, mut version, mut kind, mut schema, mut data) =
            (None, None, None, None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Position => once(&mut position, map.next_value()?, "position")?,
                Key::Version => once(&mut version, map.next_value()?, "version")?,
                Key::Type => once(&mut kind, map.next_value::<Kind>()?, "type")?,
                Key::Schema => once(&mut schema, map.next_value::<u32>()?, "schema")?,
                Key::Data => {
                    let read = match (&kind, schema) {
                        (Some(Kind::Known(index)), Some(Event::SCHEMA)) => {
                            self.data_of.set(Some(*index));
                            let event = map.next_value_seed(EventSeed(*index))?;
                            self.data_of.set(None);
                            Data::Event(event)
                        }
                        (Some(Kind::Unknown(_)), _) | (Some(_), Some(_)) => {
                            map.next_value::<IgnoredAny>()?;
                            Data::Skipped
                        }
                        (None, _) | (_, None) => Data::Later(map.next_value()?),
                    };
                    once(&mut data, read, "data")?;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let data = data.ok_or_else(|| de::Error::missing_field("data"))?;
        Ok(Found {
            position: position.ok_or_else(|| de::Error::missing_field("position"))?,
            version: version.ok_or_else(|| de::Error::missing_field("version"))?,
            kind: kind.ok_or_else(|| de::Error::missing_field("type"))?,
            schema: schema.ok_or_else(|| de::Error::missing_field("schema"))?,
            data,
        })
    }
}

/// Stores a field's value, refusing a second one.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    match slot.replace(value) {
        Some(_) => Err(E::duplicate_field(name)),
        None => Ok(()),
    }
}

/// The envelope's keys the models need; every other key is skipped.
enum Key {
    Position,
    Version,
    Type,
    Schema,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(match name {
                    "position" => Key::Position,
                    "version" => Key::Version,
                    "type" => Key::Type,
                    "schema" => Key::Schema,
                    "data" => Key::Data,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(Name)
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TypeName;
        impl Visitor<'_> for TypeName {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event type name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Kind, E> {
                Ok(match Event::TYPES.iter().position(|t| *t == name) {
                    Some(index) => Kind::Known(index),
                    None => Kind::Unknown(name.to_owned()),
                })
            }
        }
        d.deserialize_str(TypeName)
    }
}

/// Decodes `data` as schema 1 of the type at this index of [`Event::TYPES`].
struct EventSeed(usize);

impl<'de> DeserializeSeed<'de> for EventSeed {
    type Value = Event;

    fn deserialize<D: Deserializer<'de>>(self, data: D) -> Result<Event, D::Error> {
        decode_v1(Event::TYPES[self.0], data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode;
    use crate::test_seed::every_event_type;
    use serde_json::json;

    /// An envelope as the store writes it: every field, in the canonical order.
    fn envelope(position: u64, event: &Event) -> Vec<u8> {
        let value = json!({
            "position": position, "stream": "agreement:x", "version": position + 1,
            "id": "0190f0a0-2013-7000-8000-000000000001", "type": event.type_name(),
            "schema": 1, "recorded_at": "2026-11-27T15:31:46.597824785Z",
            "effective_on": null,
            "actor": {"token_id": "t", "role": "admin", "party_id": null},
            "command_id": "0190f0a0-2013-7000-8000-000000000002", "correlation_id": null,
            "data": encode(event), "prev_hash": "00".repeat(32)});
        serde_json::to_vec(&value).unwrap()
    }

    #[test]
    fn every_event_type_decodes_in_one_pass_as_the_two_step_decode_does() {
        for (i, event) in every_event_type().iter().enumerate() {
            let logged = decode_logged(&envelope(i as u64 + 1, event)).unwrap();

            assert_eq!(logged.position, i as u64 + 1);
            assert_eq!(logged.version, i as u64 + 2);
            assert_eq!(&logged.event, event);
        }
    }

    #[test]
    fn data_before_its_type_still_decodes() {
        let event = &every_event_type()[4];
        let bytes = serde_json::to_vec(&json!({"data": encode(event), "schema": 1,
            "type": event.type_name(), "version": 2, "position": 9}))
        .unwrap();

        assert_eq!(&decode_logged(&bytes).unwrap().event, event);
    }

    #[test]
    fn an_unknown_type_or_schema_is_named_not_misread() {
        let event = &every_event_type()[0];
        let renamed = String::from_utf8(envelope(1, event))
            .unwrap()
            .replace("\"PartyRegistered\"", "\"PartyRenamed\"");
        let rescheduled = String::from_utf8(envelope(1, event))
            .unwrap()
            .replace("\"schema\":1", "\"schema\":2");

        assert!(matches!(decode_logged(renamed.as_bytes()),
            Err(DecodeError::UnknownType(t)) if t == "PartyRenamed"));
        assert!(matches!(
            decode_logged(rescheduled.as_bytes()),
            Err(DecodeError::UnknownSchema { schema: 2, .. })
        ));
    }

    #[test]
    fn data_of_the_wrong_shape_is_the_events_error_and_a_broken_envelope_its_own() {
        let bad_data = br#"{"position":1,"version":1,"type":"PartyRegistered","schema":1,"data":{"party_id":"dong-nai-iza"}}"#;
        let no_version = br#"{"position":1,"type":"PartyRegistered","schema":1,"data":{"party_id":"dong-nai-iza","name":"Dong Nai","kind":"industrial_zone_authority"}}"#;
        let twice = br#"{"position":1,"position":2,"version":1,"type":"PartyRegistered","schema":1,"data":{}}"#;

        assert!(
            matches!(decode_logged(bad_data), Err(DecodeError::Invalid { event_type, .. }) if event_type == "PartyRegistered")
        );
        assert!(matches!(
            decode_logged(no_version),
            Err(DecodeError::Envelope(_))
        ));
        assert!(matches!(
            decode_logged(twice),
            Err(DecodeError::Envelope(_))
        ));
        assert!(matches!(
            decode_logged(b"[1, 2]"),
            Err(DecodeError::Envelope(_))
        ));
    }
}
