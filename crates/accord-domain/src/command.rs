//! The commands clients send: one struct per command, and [`Command`], the
//! enum that the API parses from `{"type": ..., "data": {...}}`.
//!
//! Unknown fields are refused (`deny_unknown_fields`) so a misspelt optional
//! field is a 400, not a silently ignored value.
//!
//! The OpenAPI schemas (feature `openapi`) also state the simple rules the
//! domain checks, so that valid requests can be generated from them: texts
//! that must not be blank (a non-space character, `pattern = "\\S"`) and the
//! fewest parties and areas (`min_items`). Refusing them stays the domain's
//! (422 with the rule's code).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{
    ActivityId, AgreementId, AreaId, BusinessDate, DateRange, EventId, ExchangeId, FollowUpId,
    PartyId, ReviewId,
};

/// Declares a snake_case enum of fixed values.
macro_rules! value_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
        pub enum $name { $($(#[$vdoc])* $variant),+ }
    };
}

value_enum!(
    /// What kind of organisation a party is.
    PartyKind { IndustrialZoneAuthority, EconomicZoneAuthority, Agency, Enterprise, Other }
);
value_enum!(
    /// What kind of cooperation activity an exchange was.
    ExchangeKind { Meeting, Visit, Information, Support, Training, Event, Other }
);
value_enum!(
    /// An interim (sơ kết) or final (tổng kết) review.
    ReviewKind { Interim, Final }
);
value_enum!(
    /// How far objectives were met: an assessment's rating or a review's outcome.
    Rating { Met, PartiallyMet, NotMet }
);

value_enum!(
    /// What an attached file is: the signed text, minutes, a report, a plan, or other.
    DocumentKind { SignedText, Minutes, Report, Plan, Other }
);

/// A person who signed an agreement's document for one of its parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signatory {
    /// The party signed for: a party of the agreement.
    pub party_id: PartyId,
    /// The person's name, e.g. "Nguyễn Văn A".
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub name: String,
    /// Their title, e.g. "Trưởng ban".
    #[serde(default)]
    pub title: Option<String>,
}

/// The document a signature or an amendment was made by: its number
/// (số/ký hiệu), the day it was issued, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    /// Its number, e.g. "01/CTHT-BQL".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub number: Option<String>,
    /// The day it was issued.
    #[serde(default)]
    pub issued_on: Option<BusinessDate>,
    /// Who signed it, for which party.
    #[serde(default)]
    pub signatories: Vec<Signatory>,
}

/// Responsibilities of each party under an agreement, in free text.
pub type Responsibilities = BTreeMap<PartyId, String>;

/// Registers a signing organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterParty {
    pub party_id: PartyId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    pub kind: PartyKind,
    #[serde(default)]
    pub province: Option<String>,
}

/// Signs a cooperation agreement between two or more registered parties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignAgreement {
    /// Generated (UUID v7) when absent.
    #[serde(default)]
    pub agreement_id: Option<AgreementId>,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 2))]
    pub parties: Vec<PartyId>,
    pub signed_on: BusinessDate,
    #[serde(default)]
    pub place: Option<String>,
    pub term: DateRange,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub areas: Vec<AreaId>,
    #[serde(default)]
    // Spelt out: through the alias utoipa would name the schema `BTreeMap`.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<PartyId, String>))]
    pub responsibilities: Responsibilities,
    /// The agreement this one succeeds.
    #[serde(default)]
    pub supersedes: Option<AgreementId>,
    /// The signed document: number, date, signatories.
    #[serde(default)]
    pub document: Option<Document>,
}

/// Changes an agreement's title, term, areas or responsibilities from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AmendAgreement {
    pub agreement_id: AgreementId,
    pub effective_on: BusinessDate,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub title: Option<String>,
    #[serde(default)]
    pub term: Option<DateRange>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub areas: Option<Vec<AreaId>>,
    #[serde(default)]
    // Spelt out: through the alias utoipa would name the schema `BTreeMap`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BTreeMap<PartyId, String>>))]
    pub responsibilities: Option<Responsibilities>,
    /// The amending document: number, date, signatories.
    #[serde(default)]
    pub document: Option<Document>,
}

/// Admits a registered party to an agreement from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdmitParty {
    pub agreement_id: AgreementId,
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
}

/// Someone who took part in an exchange: a name as written in the minutes,
/// a title, and the party they came for (none: a guest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participant {
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub party_id: Option<PartyId>,
}

/// A follow-up action agreed at an exchange, as sent: its id is derived
/// from the exchange's when absent (ADR 0032).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpInput {
    #[serde(default)]
    pub follow_up_id: Option<FollowUpId>,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub action: String,
    /// The party responsible for it.
    pub party_id: PartyId,
    pub due_on: BusinessDate,
}

/// Records one cooperation activity carried out under an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordExchange {
    pub agreement_id: AgreementId,
    /// Generated (UUID v7) when absent.
    #[serde(default)]
    pub exchange_id: Option<ExchangeId>,
    pub occurred_on: BusinessDate,
    pub area: AreaId,
    pub kind: ExchangeKind,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub parties: Vec<PartyId>,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub summary: String,
    #[serde(default)]
    pub outcome: Option<String>,
    /// Where it took place.
    #[serde(default)]
    pub place: Option<String>,
    /// Who took part.
    #[serde(default)]
    pub participants: Vec<Participant>,
    /// The minutes (biên bản), in full.
    #[serde(default)]
    pub minutes: Option<String>,
    /// The actions agreed, each with its responsible party and due date.
    #[serde(default)]
    pub follow_ups: Vec<FollowUpInput>,
    /// The planned activity it carries out.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// Corrects a recorded exchange; only the fields given change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectExchange {
    pub agreement_id: AgreementId,
    pub exchange_id: ExchangeId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
    #[serde(default)]
    pub occurred_on: Option<BusinessDate>,
    #[serde(default)]
    pub area: Option<AreaId>,
    #[serde(default)]
    pub kind: Option<ExchangeKind>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub parties: Option<Vec<PartyId>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub summary: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// Replaces the list of participants.
    #[serde(default)]
    pub participants: Option<Vec<Participant>>,
    #[serde(default)]
    pub minutes: Option<String>,
    /// Replaces the list of follow-ups: one given with its id keeps that
    /// follow-up; one left out is dropped (a completed one can neither be
    /// dropped nor changed).
    #[serde(default)]
    pub follow_ups: Option<Vec<FollowUpInput>>,
    /// The planned activity it carries out instead.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// Withdraws a recorded exchange (it stays in the history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetractExchange {
    pub agreement_id: AgreementId,
    pub exchange_id: ExchangeId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// Opens an interim or final review of an agreement over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenReviewPeriod {
    pub agreement_id: AgreementId,
    /// Generated (UUID v7) when absent.
    #[serde(default)]
    pub review_id: Option<ReviewId>,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub title: String,
    pub kind: ReviewKind,
    pub period: DateRange,
    pub opened_on: BusinessDate,
}

/// Records one party's assessment in an open review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordAssessment {
    pub agreement_id: AgreementId,
    pub review_id: ReviewId,
    pub party_id: PartyId,
    pub assessed_on: BusinessDate,
    pub rating: Rating,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Closes an open review with its outcome (a review closes once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseReviewPeriod {
    pub agreement_id: AgreementId,
    pub review_id: ReviewId,
    pub closed_on: BusinessDate,
    pub outcome: Rating,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub summary: String,
}

/// Ends an agreement from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TerminateAgreement {
    pub agreement_id: AgreementId,
    pub effective_on: BusinessDate,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// Changes a party's name, short name, kind or province from a date; only
/// the fields given change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateParty {
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub name: Option<String>,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub kind: Option<PartyKind>,
    #[serde(default)]
    pub province: Option<String>,
}

/// Records that a party was merged into another from a date: the successor
/// takes its place in every agreement it belonged to then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SucceedParty {
    /// The predecessor.
    pub party_id: PartyId,
    /// The party that takes over.
    pub successor_id: PartyId,
    pub effective_on: BusinessDate,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// A party leaves a multilateral agreement from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawParty {
    pub agreement_id: AgreementId,
    pub party_id: PartyId,
    pub effective_on: BusinessDate,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// Voids a mistaken fact: from now on every read treats it as never
/// recorded; it stays in the log and in the history, marked `voided_by`.
/// Appended to the voided event's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoidEvent {
    /// The event to void (its envelope's `id`).
    pub event_id: EventId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// Adds an activity to an agreement's work plan: what is to be done, in
/// which area, led by which party, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanActivity {
    pub agreement_id: AgreementId,
    /// Generated (UUID v7) when absent.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
    pub area: AreaId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub title: String,
    /// The party that leads it.
    pub lead_party: PartyId,
    pub due_on: BusinessDate,
    #[serde(default)]
    pub description: Option<String>,
}

/// Takes a planned activity off the work plan (it stays in the history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelActivity {
    pub agreement_id: AgreementId,
    pub activity_id: ActivityId,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub reason: String,
}

/// Attaches a stored file (uploaded to `/v1/attachments`, named by its
/// SHA-256) to an agreement, and optionally to one of its exchanges or
/// reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachDocument {
    pub agreement_id: AgreementId,
    /// The file's SHA-256, 64 lowercase hex digits, as the upload answered.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub attachment: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub title: String,
    pub kind: DocumentKind,
    /// The document's own date (not after today).
    pub dated_on: BusinessDate,
    /// The file's name, offered when it is downloaded.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "\\S"))]
    pub filename: Option<String>,
    /// The exchange of the agreement it belongs to, if any.
    #[serde(default)]
    pub exchange_id: Option<ExchangeId>,
    /// The review of the agreement it belongs to, if any.
    #[serde(default)]
    pub review_id: Option<ReviewId>,
}

/// Records that a follow-up action was carried out, on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompleteFollowUp {
    pub agreement_id: AgreementId,
    pub follow_up_id: FollowUpId,
    pub completed_on: BusinessDate,
}

/// Every command, as sent: `{"type": "RecordExchange", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Command {
    RegisterParty(RegisterParty),
    SignAgreement(SignAgreement),
    AmendAgreement(AmendAgreement),
    AdmitParty(AdmitParty),
    RecordExchange(RecordExchange),
    CorrectExchange(CorrectExchange),
    RetractExchange(RetractExchange),
    OpenReviewPeriod(OpenReviewPeriod),
    RecordAssessment(RecordAssessment),
    CloseReviewPeriod(CloseReviewPeriod),
    TerminateAgreement(TerminateAgreement),
    UpdateParty(UpdateParty),
    SucceedParty(SucceedParty),
    WithdrawParty(WithdrawParty),
    VoidEvent(VoidEvent),
    AttachDocument(AttachDocument),
    PlanActivity(PlanActivity),
    CancelActivity(CancelActivity),
    CompleteFollowUp(CompleteFollowUp),
}

/// The stream a command writes to: `party:<id>` or `agreement:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamId {
    Party(PartyId),
    Agreement(AgreementId),
}

impl StreamId {
    /// A stream from its name (`party:<id>`, `agreement:<id>`), as the log
    /// stores it.
    pub fn parse(name: &str) -> Option<StreamId> {
        match name.split_once(':')? {
            ("party", id) => PartyId::parse(id).ok().map(StreamId::Party),
            ("agreement", id) => id.parse().ok().map(StreamId::Agreement),
            _ => None,
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamId::Party(id) => write!(f, "party:{id}"),
            StreamId::Agreement(id) => write!(f, "agreement:{id}"),
        }
    }
}

impl Command {
    /// Every command's name, in the order of docs/domain.md.
    pub const NAMES: [&'static str; 19] = [
        "RegisterParty",
        "SignAgreement",
        "AmendAgreement",
        "AdmitParty",
        "RecordExchange",
        "CorrectExchange",
        "RetractExchange",
        "OpenReviewPeriod",
        "RecordAssessment",
        "CloseReviewPeriod",
        "TerminateAgreement",
        "UpdateParty",
        "SucceedParty",
        "WithdrawParty",
        "VoidEvent",
        "AttachDocument",
        "PlanActivity",
        "CancelActivity",
        "CompleteFollowUp",
    ];

    /// The command's name, as in its `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::RegisterParty(_) => "RegisterParty",
            Command::SignAgreement(_) => "SignAgreement",
            Command::AmendAgreement(_) => "AmendAgreement",
            Command::AdmitParty(_) => "AdmitParty",
            Command::RecordExchange(_) => "RecordExchange",
            Command::CorrectExchange(_) => "CorrectExchange",
            Command::RetractExchange(_) => "RetractExchange",
            Command::OpenReviewPeriod(_) => "OpenReviewPeriod",
            Command::RecordAssessment(_) => "RecordAssessment",
            Command::CloseReviewPeriod(_) => "CloseReviewPeriod",
            Command::TerminateAgreement(_) => "TerminateAgreement",
            Command::UpdateParty(_) => "UpdateParty",
            Command::SucceedParty(_) => "SucceedParty",
            Command::WithdrawParty(_) => "WithdrawParty",
            Command::VoidEvent(_) => "VoidEvent",
            Command::AttachDocument(_) => "AttachDocument",
            Command::PlanActivity(_) => "PlanActivity",
            Command::CancelActivity(_) => "CancelActivity",
            Command::CompleteFollowUp(_) => "CompleteFollowUp",
        }
    }

    /// Fills every absent generated id (agreement, exchange, review,
    /// activity) with
    /// `new_id()`. The domain has no randomness: the caller brings it.
    pub fn assign_ids(&mut self, mut new_id: impl FnMut() -> Uuid) {
        match self {
            Command::SignAgreement(c) => {
                c.agreement_id.get_or_insert_with(|| AgreementId(new_id()));
            }
            Command::RecordExchange(c) => {
                c.exchange_id.get_or_insert_with(|| ExchangeId(new_id()));
            }
            Command::OpenReviewPeriod(c) => {
                c.review_id.get_or_insert_with(|| ReviewId(new_id()));
            }
            Command::PlanActivity(c) => {
                c.activity_id.get_or_insert_with(|| ActivityId(new_id()));
            }
            _ => {}
        }
    }

    /// The agreement a command concerns, if any (after [`Command::assign_ids`]);
    /// commands about a party alone concern none, and a void names an
    /// event, not an agreement.
    pub fn agreement_id(&self) -> Option<AgreementId> {
        match self {
            Command::RegisterParty(_)
            | Command::UpdateParty(_)
            | Command::SucceedParty(_)
            | Command::VoidEvent(_) => None,
            Command::SignAgreement(c) => c.agreement_id,
            Command::AmendAgreement(c) => Some(c.agreement_id),
            Command::AdmitParty(c) => Some(c.agreement_id),
            Command::RecordExchange(c) => Some(c.agreement_id),
            Command::CorrectExchange(c) => Some(c.agreement_id),
            Command::RetractExchange(c) => Some(c.agreement_id),
            Command::OpenReviewPeriod(c) => Some(c.agreement_id),
            Command::RecordAssessment(c) => Some(c.agreement_id),
            Command::CloseReviewPeriod(c) => Some(c.agreement_id),
            Command::TerminateAgreement(c) => Some(c.agreement_id),
            Command::WithdrawParty(c) => Some(c.agreement_id),
            Command::AttachDocument(c) => Some(c.agreement_id),
            Command::PlanActivity(c) => Some(c.agreement_id),
            Command::CancelActivity(c) => Some(c.agreement_id),
            Command::CompleteFollowUp(c) => Some(c.agreement_id),
        }
    }

    /// The stored file a command names (`AttachDocument`), which the
    /// caller looks up before deciding it ([`crate::Circumstances`]).
    pub fn attachment(&self) -> Option<&str> {
        match self {
            Command::AttachDocument(c) => Some(&c.attachment),
            _ => None,
        }
    }

    /// The stream the command appends to; `None` for a `SignAgreement`
    /// whose id has not been assigned yet, and for a `VoidEvent`, which
    /// appends to the voided event's stream (found in the log).
    pub fn stream(&self) -> Option<StreamId> {
        match self {
            Command::RegisterParty(c) => Some(StreamId::Party(c.party_id.clone())),
            Command::UpdateParty(c) => Some(StreamId::Party(c.party_id.clone())),
            // On the predecessor's stream: the fact is about it.
            Command::SucceedParty(c) => Some(StreamId::Party(c.party_id.clone())),
            _ => self.agreement_id().map(StreamId::Agreement),
        }
    }
}
