//! The facts the log keeps. Events are never edited or deleted: a mistake is
//! fixed by a later event (correction, retraction, amendment).
//!
//! [`Event`] is adjacently tagged like commands (`{"type", "data"}`); the log
//! stores `type` and `data` separately with a schema number
//! ([`Event::SCHEMA`]) so that old payloads can be upcast if a shape changes.

use serde::{Deserialize, Serialize};

use crate::command::{
    Document, DocumentKind, ExchangeKind, Participant, PartyKind, Rating, Responsibilities,
    ReviewKind,
};
use crate::ids::{
    ActivityId, AgreementId, AreaId, BusinessDate, DateRange, EventId, ExchangeId, FollowUpId,
    PartyId, ReviewId,
};

/// A party was registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyRegistered {
    pub party_id: PartyId,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: PartyKind,
    pub province: Option<String>,
}

/// An agreement was signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementSigned {
    pub agreement_id: AgreementId,
    pub title: String,
    pub parties: Vec<PartyId>,
    pub signed_on: BusinessDate,
    pub place: Option<String>,
    pub term: DateRange,
    pub areas: Vec<AreaId>,
    // Spelt out: through the alias utoipa would name the schema `BTreeMap`.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<PartyId, String>))]
    pub responsibilities: Responsibilities,
    pub supersedes: Option<AgreementId>,
    /// The signed document; absent from signatures recorded before documents were.
    #[serde(default)]
    pub document: Option<Document>,
}

/// An agreement was amended from `effective_on`; absent fields are unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementAmended {
    pub agreement_id: AgreementId,
    pub effective_on: BusinessDate,
    pub reason: String,
    pub title: Option<String>,
    pub term: Option<DateRange>,
    pub areas: Option<Vec<AreaId>>,
    // Spelt out: through the alias utoipa would name the schema `BTreeMap`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BTreeMap<PartyId, String>>))]
    pub responsibilities: Option<Responsibilities>,
    /// The amending document; absent from amendments recorded before documents were.
    #[serde(default)]
    pub document: Option<Document>,
}

/// A party joined an agreement from `effective_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyAdmitted {
    pub agreement_id: AgreementId,
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
}

/// A cooperation activity took place under an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeRecorded {
    pub agreement_id: AgreementId,
    pub exchange_id: ExchangeId,
    pub occurred_on: BusinessDate,
    pub area: AreaId,
    pub kind: ExchangeKind,
    pub parties: Vec<PartyId>,
    pub summary: String,
    pub outcome: Option<String>,
    // The fields below came with ADR 0032: events logged before them lack
    // them and read as none.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub minutes: Option<String>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// A follow-up action agreed at an exchange, with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub follow_up_id: FollowUpId,
    pub action: String,
    /// The party responsible for it.
    pub party_id: PartyId,
    pub due_on: BusinessDate,
}

/// A recorded exchange was corrected; absent fields are unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeCorrected {
    pub agreement_id: AgreementId,
    pub exchange_id: ExchangeId,
    pub reason: String,
    pub occurred_on: Option<BusinessDate>,
    pub area: Option<AreaId>,
    pub kind: Option<ExchangeKind>,
    pub parties: Option<Vec<PartyId>>,
    pub summary: Option<String>,
    pub outcome: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// The new list of participants.
    #[serde(default)]
    pub participants: Option<Vec<Participant>>,
    #[serde(default)]
    pub minutes: Option<String>,
    /// The new list of follow-ups.
    #[serde(default)]
    pub follow_ups: Option<Vec<FollowUp>>,
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// A recorded exchange was withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeRetracted {
    pub agreement_id: AgreementId,
    pub exchange_id: ExchangeId,
    pub reason: String,
}

/// A review period was opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPeriodOpened {
    pub agreement_id: AgreementId,
    pub review_id: ReviewId,
    pub title: String,
    pub kind: ReviewKind,
    pub period: DateRange,
    pub opened_on: BusinessDate,
}

/// A party assessed the agreement in a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentRecorded {
    pub agreement_id: AgreementId,
    pub review_id: ReviewId,
    pub party_id: PartyId,
    pub assessed_on: BusinessDate,
    pub rating: Rating,
    pub notes: Option<String>,
}

/// A review period was closed with its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewPeriodClosed {
    pub agreement_id: AgreementId,
    pub review_id: ReviewId,
    pub closed_on: BusinessDate,
    pub outcome: Rating,
    pub summary: String,
}

/// An agreement was terminated from `effective_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementTerminated {
    pub agreement_id: AgreementId,
    pub effective_on: BusinessDate,
    pub reason: String,
}

/// A party's name, short name, kind or province changed from
/// `effective_on`; absent fields are unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyUpdated {
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
    pub reason: String,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub kind: Option<PartyKind>,
    pub province: Option<String>,
}

/// A party was succeeded (merged into another) from `effective_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartySucceeded {
    /// The predecessor.
    pub party_id: PartyId,
    /// The party that took over.
    pub successor_id: PartyId,
    pub effective_on: BusinessDate,
    pub reason: String,
}

/// A party left an agreement from `effective_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyWithdrew {
    pub agreement_id: AgreementId,
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
    pub reason: String,
}

/// A mistaken fact was voided: every read from this event's position on
/// treats the voided event as never recorded. Appended to the voided
/// event's stream; carries what a reader needs without reading the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventVoided {
    /// The voided event's id.
    pub event_id: EventId,
    /// The voided event's position in the log.
    pub voided_position: u64,
    /// The voided event's type.
    pub voided_type: String,
    /// The agreement the voided event was about, if any (what webhook
    /// filters by agreement match).
    pub agreement_id: Option<AgreementId>,
    pub reason: String,
}

/// A stored file was attached to an agreement (and perhaps to one of its
/// exchanges or reviews). Its hash, size and media type are in the event,
/// so the hash chain covers the file's bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentAttached {
    pub agreement_id: AgreementId,
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub attachment: String,
    /// The file's size in bytes when it was attached.
    pub size: u64,
    /// The file's media type, as stored.
    pub media_type: String,
    pub title: String,
    pub kind: DocumentKind,
    pub dated_on: BusinessDate,
    pub filename: Option<String>,
    pub exchange_id: Option<ExchangeId>,
    pub review_id: Option<ReviewId>,
}

/// An activity was added to an agreement's work plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPlanned {
    pub agreement_id: AgreementId,
    pub activity_id: ActivityId,
    pub area: AreaId,
    pub title: String,
    pub lead_party: PartyId,
    pub due_on: BusinessDate,
    pub description: Option<String>,
}

/// A planned activity was cancelled (at every date, as a retraction is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityCancelled {
    pub agreement_id: AgreementId,
    pub activity_id: ActivityId,
    pub reason: String,
}

/// A follow-up action was carried out on `completed_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpCompleted {
    pub agreement_id: AgreementId,
    pub follow_up_id: FollowUpId,
    pub completed_on: BusinessDate,
}

/// Every fact the log can hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Event {
    PartyRegistered(PartyRegistered),
    AgreementSigned(AgreementSigned),
    AgreementAmended(AgreementAmended),
    PartyAdmitted(PartyAdmitted),
    ExchangeRecorded(ExchangeRecorded),
    ExchangeCorrected(ExchangeCorrected),
    ExchangeRetracted(ExchangeRetracted),
    ReviewPeriodOpened(ReviewPeriodOpened),
    AssessmentRecorded(AssessmentRecorded),
    ReviewPeriodClosed(ReviewPeriodClosed),
    AgreementTerminated(AgreementTerminated),
    PartyUpdated(PartyUpdated),
    PartySucceeded(PartySucceeded),
    PartyWithdrew(PartyWithdrew),
    EventVoided(EventVoided),
    DocumentAttached(DocumentAttached),
    ActivityPlanned(ActivityPlanned),
    ActivityCancelled(ActivityCancelled),
    FollowUpCompleted(FollowUpCompleted),
}

impl Event {
    /// The schema number every event is written with today. Bump it (and
    /// teach the decoder to upcast) when a payload's shape changes.
    pub const SCHEMA: u32 = 1;

    /// Every event type, in the order of docs/domain.md.
    pub const TYPES: [&'static str; 19] = [
        "PartyRegistered",
        "AgreementSigned",
        "AgreementAmended",
        "PartyAdmitted",
        "ExchangeRecorded",
        "ExchangeCorrected",
        "ExchangeRetracted",
        "ReviewPeriodOpened",
        "AssessmentRecorded",
        "ReviewPeriodClosed",
        "AgreementTerminated",
        "PartyUpdated",
        "PartySucceeded",
        "PartyWithdrew",
        "EventVoided",
        "DocumentAttached",
        "ActivityPlanned",
        "ActivityCancelled",
        "FollowUpCompleted",
    ];

    /// The event's type name, as stored.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::PartyRegistered(_) => "PartyRegistered",
            Event::AgreementSigned(_) => "AgreementSigned",
            Event::AgreementAmended(_) => "AgreementAmended",
            Event::PartyAdmitted(_) => "PartyAdmitted",
            Event::ExchangeRecorded(_) => "ExchangeRecorded",
            Event::ExchangeCorrected(_) => "ExchangeCorrected",
            Event::ExchangeRetracted(_) => "ExchangeRetracted",
            Event::ReviewPeriodOpened(_) => "ReviewPeriodOpened",
            Event::AssessmentRecorded(_) => "AssessmentRecorded",
            Event::ReviewPeriodClosed(_) => "ReviewPeriodClosed",
            Event::AgreementTerminated(_) => "AgreementTerminated",
            Event::PartyUpdated(_) => "PartyUpdated",
            Event::PartySucceeded(_) => "PartySucceeded",
            Event::PartyWithdrew(_) => "PartyWithdrew",
            Event::EventVoided(_) => "EventVoided",
            Event::DocumentAttached(_) => "DocumentAttached",
            Event::ActivityPlanned(_) => "ActivityPlanned",
            Event::ActivityCancelled(_) => "ActivityCancelled",
            Event::FollowUpCompleted(_) => "FollowUpCompleted",
        }
    }
}
