//! The event payload codec. The log keeps an event's `type`, `schema` and
//! `data` in separate fields, so the codec deals with the `data` object only
//! and the type name travels beside it ([`Event::type_name`]).

use accord_domain::{
    ActivityCancelled, ActivityPlanned, AgreementAmended, AgreementSigned, AgreementTerminated,
    AssessmentRecorded, DocumentAttached, Event, EventVoided, ExchangeCorrected, ExchangeRecorded,
    ExchangeRetracted, FollowUpCompleted, PartyAdmitted, PartyRegistered, PartySucceeded,
    PartyUpdated, PartyWithdrew, ReviewPeriodClosed, ReviewPeriodOpened,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

mod logged;

pub use logged::{decode_logged, Logged};

/// Why a stored payload could not be turned back into an [`Event`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The type name is none of [`Event::TYPES`].
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    /// The schema number is one this build cannot read: it reads
    /// [`Event::SCHEMA`] (another schema would be upcast here).
    #[error("event type `{event_type}` has no schema {schema}")]
    UnknownSchema {
        /// The stored type name.
        event_type: String,
        /// The stored schema number.
        schema: u32,
    },
    /// The stored envelope is not JSON of the envelope's shape (a field the
    /// models need is missing or of the wrong type).
    #[error("invalid envelope: {0}")]
    Envelope(serde_json::Error),
    /// The `data` object does not have the shape of its type.
    #[error("invalid `{event_type}` data: {source}")]
    Invalid {
        /// The stored type name.
        event_type: String,
        /// What serde found wrong.
        source: serde_json::Error,
    },
}

/// The `data` object of an event, as the log stores it (schema
/// [`Event::SCHEMA`]); its type name is [`Event::type_name`].
pub fn encode(event: &Event) -> Value {
    let tagged = serde_json::to_value(event)
        .expect("events serialise to JSON: string keys and no floats, nothing can fail");
    match tagged {
        Value::Object(mut fields) => fields.remove("data").unwrap_or(Value::Null),
        other => other,
    }
}

/// Rebuilds an event from its stored `type`, `schema` and `data`.
///
/// Fails on an unknown type, a schema other than [`Event::SCHEMA`], or data
/// that does not match the type's shape.
pub fn decode(event_type: &str, schema: u32, data: &Value) -> Result<Event, DecodeError> {
    if !Event::TYPES.contains(&event_type) {
        return Err(DecodeError::UnknownType(event_type.to_owned()));
    }
    if schema != Event::SCHEMA {
        return Err(DecodeError::UnknownSchema {
            event_type: event_type.to_owned(),
            schema,
        });
    }
    decode_v1(event_type, data).map_err(|source| DecodeError::Invalid {
        event_type: event_type.to_owned(),
        source,
    })
}

/// Decodes schema 1 of a known type (`event_type` is one of [`Event::TYPES`])
/// from any deserializer: a stored `data` value, or the `data` field of an
/// envelope being read ([`decode_logged`]).
fn decode_v1<'de, D: Deserializer<'de>>(event_type: &str, data: D) -> Result<Event, D::Error> {
    /// Tries each variant whose name matches, deserialising without a copy.
    macro_rules! variants {
        ($($name:ident),+) => {
            match event_type {
                $(stringify!($name) => $name::deserialize(data).map(Event::$name),)+
                other => unreachable!("`{other}` was checked against Event::TYPES"),
            }
        };
    }
    variants!(
        PartyRegistered,
        AgreementSigned,
        AgreementAmended,
        PartyAdmitted,
        ExchangeRecorded,
        ExchangeCorrected,
        ExchangeRetracted,
        ReviewPeriodOpened,
        AssessmentRecorded,
        ReviewPeriodClosed,
        AgreementTerminated,
        PartyUpdated,
        PartySucceeded,
        PartyWithdrew,
        EventVoided,
        DocumentAttached,
        ActivityPlanned,
        ActivityCancelled,
        FollowUpCompleted
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_seed::every_event_type;

    #[test]
    fn every_event_type_survives_an_encode_decode_round_trip() {
        let events = every_event_type();
        let mut seen: Vec<&str> = events.iter().map(Event::type_name).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            Event::TYPES.len(),
            "the sample covers every type"
        );
        for event in &events {
            let data = encode(event);
            let back = decode(event.type_name(), Event::SCHEMA, &data).unwrap();
            assert_eq!(&back, event);
        }
    }

    #[test]
    fn encoding_keeps_only_the_data_object() {
        let event = &every_event_type()[0];
        let data = encode(event);
        assert!(data.get("type").is_none());
        assert_eq!(
            data["name"],
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai"
        );
    }

    #[test]
    fn an_unknown_event_type_does_not_decode() {
        let err = decode("AgreementRenewed", 1, &serde_json::json!({})).unwrap_err();
        assert!(matches!(err, DecodeError::UnknownType(t) if t == "AgreementRenewed"));
    }

    #[test]
    fn an_unknown_schema_does_not_decode() {
        let event = &every_event_type()[0];
        let err = decode(event.type_name(), 2, &encode(event)).unwrap_err();
        assert!(matches!(err, DecodeError::UnknownSchema { schema: 2, .. }));
    }

    #[test]
    fn data_of_the_wrong_shape_does_not_decode() {
        let data = serde_json::json!({"party_id": "dong-nai-iza"});
        let err = decode("PartyRegistered", 1, &data).unwrap_err();
        assert!(matches!(err, DecodeError::Invalid { .. }), "{err}");
    }
}
