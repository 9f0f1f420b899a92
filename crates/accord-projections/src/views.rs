//! The JSON shapes of the reads (docs/api-guide.md, "JSON shapes"). Field names are the
//! contract: clients rely on them, so never rename or drop one. Absent
//! values are serialised as `null`, never skipped.

use std::collections::BTreeMap;

use accord_domain::{
    ActivityId, AgreementId, AreaId, BusinessDate, DateRange, Document, DocumentKind, ExchangeId,
    ExchangeKind, FollowUp, Member, Participant, PartyId, PartyKind, Rating, Responsibilities,
    ReviewId, ReviewKind,
};

pub use crate::plans::{
    ActivityCounts, ActivityStatus, ActivityView, FollowUpCounts, FollowUpStatus, FollowUpView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An agreement's status on a business date (docs/domain.md): `pending` before
/// its term, `active` within it, `expired` after it, `superseded` once a
/// successor naming it is signed, `terminated` from its termination. The
/// later states win in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Signed, but its term has not started.
    Pending,
    /// Within its term (both ends inclusive).
    Active,
    /// Its term has ended.
    Expired,
    /// A successor that names it in `supersedes` has been signed.
    Superseded,
    /// Terminated from the effective date of the termination.
    Terminated,
}

impl AgreementStatus {
    /// The status as in JSON (`pending`, `active`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Pending => "pending",
            AgreementStatus::Active => "active",
            AgreementStatus::Expired => "expired",
            AgreementStatus::Superseded => "superseded",
            AgreementStatus::Terminated => "terminated",
        }
    }
}

/// Where an exchange's record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeStatus {
    /// As recorded, never corrected.
    Recorded,
    /// Corrected at least once, not retracted.
    Corrected,
    /// Withdrawn: still listed, never counted.
    Retracted,
}

/// Whether a review is still open on the date of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Opened, not closed by the date of the view.
    Open,
    /// Closed on or before the date of the view.
    Closed,
}

/// A party as it stood on a date: its name, short name, kind and province
/// in force then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartyView {
    /// Its slug, e.g. `dong-nai-iza`.
    pub party_id: PartyId,
    /// Its full name, e.g. "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai".
    pub name: String,
    /// A short name, if registered with one.
    pub short_name: Option<String>,
    /// What kind of organisation it is.
    pub kind: PartyKind,
    /// Its province, if given.
    pub province: Option<String>,
    /// The party that succeeded it (a merger), if effective by the date.
    pub succeeded_by: Option<PartyId>,
    /// The day the succession took effect, if by the date.
    pub succeeded_on: Option<BusinessDate>,
    /// Its names over time: as registered (`effective_on` null), then after
    /// each update effective by the date, in date order.
    pub history: Vec<PartyName>,
}

/// A party's name, short name, kind and province from a date on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartyName {
    /// The first day these are in force; null for the registration.
    pub effective_on: Option<BusinessDate>,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: PartyKind,
    pub province: Option<String>,
}

/// A party with the agreements it belongs to on the date of the view.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PartyDetail {
    /// The party's own fields, flattened into this object.
    #[serde(flatten)]
    pub party: PartyView,
    /// Agreements signed by the date in which it is a party on that date,
    /// in signing order.
    pub agreements: Vec<AgreementId>,
}

/// How many exchanges count for an agreement: never retracted ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExchangeCounts {
    /// Exchanges not retracted that occurred by the date of the view.
    pub total: u64,
    /// The same, by area (as last corrected); areas with none are absent.
    pub by_area: BTreeMap<AreaId, u64>,
}

/// One party's assessment in a review.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssessmentView {
    /// The assessing party.
    pub party_id: PartyId,
    /// How far it judged the objectives met.
    pub rating: Rating,
    /// The day of the assessment.
    pub assessed_on: BusinessDate,
    /// Free-text notes, if any.
    pub notes: Option<String>,
}

/// A file attached to an agreement (and perhaps to one of its exchanges or
/// reviews), as `DocumentAttached` recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AttachmentView {
    /// The SHA-256 of the file's bytes: `GET /v1/attachments/{attachment}` serves them.
    pub attachment: String,
    /// Its title, e.g. "Biên bản ký kết chương trình hợp tác".
    pub title: String,
    /// What it is: signed text, minutes, report, plan, other.
    pub kind: DocumentKind,
    /// The document's own date.
    pub dated_on: BusinessDate,
    /// The file's name, if given.
    pub filename: Option<String>,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub media_type: String,
    /// The exchange it belongs to, if any.
    pub exchange_id: Option<ExchangeId>,
    /// The review it belongs to, if any.
    pub review_id: Option<ReviewId>,
    /// The log position of the `DocumentAttached` event.
    pub source: u64,
}

/// A review period of an agreement, as it stood on the date of the view.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReviewView {
    /// Its identifier.
    pub review_id: ReviewId,
    /// Its title, e.g. "Tổng kết 5 năm thực hiện chương trình hợp tác".
    pub title: String,
    /// Interim (sơ kết) or final (tổng kết).
    pub kind: ReviewKind,
    /// The period under review.
    pub period: DateRange,
    /// `closed` only if closed on or before the date of the view.
    pub status: ReviewStatus,
    /// The closing outcome; null while open.
    pub outcome: Option<Rating>,
    /// The closing day; null while open.
    pub closed_on: Option<BusinessDate>,
    /// The closing summary; null while open.
    pub summary: Option<String>,
    /// The day it was opened.
    pub opened_on: BusinessDate,
    /// Assessments that count on the date of the view: of those made by
    /// then, each party's latest (by `assessed_on`, then recording), in
    /// recording order. Every assessment stays in the history.
    pub assessments: Vec<AssessmentView>,
    /// The files attached to it, dated by the date of the view, by
    /// (dated_on, recording).
    pub attachments: Vec<AttachmentView>,
    /// Its lineage: the log positions of its opening, of the assessments
    /// shown and of its closing if shown, ascending.
    pub sources: Vec<u64>,
}

/// An agreement as it stood on a business date.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgreementView {
    /// Its identifier.
    pub agreement_id: AgreementId,
    /// Its title, as last amended by the date.
    pub title: String,
    /// Its parties on the date: signatories, then parties that joined by
    /// then (admission or succession), in the order they joined, without
    /// those that left by then (withdrawal or succession).
    pub parties: Vec<PartyId>,
    /// Every membership begun by the date: `since`, `until` (the first day
    /// it no longer holds, if on or before the date) and `via` (the
    /// predecessor, for a successor).
    pub members: Vec<Member>,
    /// The day it was signed.
    pub signed_on: BusinessDate,
    /// Where it was signed, if recorded.
    pub place: Option<String>,
    /// Its term, as last amended by the date.
    pub term: DateRange,
    /// Its areas, as last amended by the date.
    pub areas: Vec<AreaId>,
    /// Each party's responsibilities, as last amended by the date.
    // Spelt out: through the alias utoipa would name the schema `BTreeMap`.
    #[schema(value_type = BTreeMap<PartyId, String>)]
    pub responsibilities: Responsibilities,
    /// Its status on the date.
    pub status: AgreementStatus,
    /// The agreement it succeeds, as signed.
    pub supersedes: Option<AgreementId>,
    /// The earliest-signed successor signed by the date, if any.
    pub superseded_by: Option<AgreementId>,
    /// The termination's effective date, if on or before the date.
    pub terminated_on: Option<BusinessDate>,
    /// The version of its stream (all events known, whatever the date):
    /// the `ETag` of the resource.
    pub version: u64,
    /// Counted exchanges (corrections and retractions apply at every date).
    pub exchanges: ExchangeCounts,
    /// Reviews opened by the date, ordered by opening day then recording.
    pub reviews: Vec<ReviewView>,
    /// The document of the signature, or of the latest amendment effective
    /// by the date that carried one; null if none did.
    pub document: Option<Document>,
    /// Every file attached to it (its exchanges' and reviews' included),
    /// dated by the date, by (dated_on, recording).
    pub attachments: Vec<AttachmentView>,
    /// Its work plan with each activity's status on the date, ordered by
    /// due date then planning.
    pub activities: Vec<ActivityView>,
    /// The follow-ups of its exchanges not retracted that occurred by the
    /// date, with their status then, ordered by due date.
    pub follow_ups: Vec<FollowUpView>,
    /// Its lineage: the log positions of the facts that define it on the
    /// date — its signature, the amendments and admissions effective by
    /// then, its termination if effective by then, and the successor's
    /// signature shown as `superseded_by`. Ascending. Exchanges and reviews
    /// list their own.
    pub sources: Vec<u64>,
}

/// An exchange as last corrected.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExchangeView {
    /// Its identifier.
    pub exchange_id: ExchangeId,
    /// The agreement it was carried out under.
    pub agreement_id: AgreementId,
    /// The day it took place.
    pub occurred_on: BusinessDate,
    /// Its area of cooperation.
    pub area: AreaId,
    /// What kind of activity it was.
    pub kind: ExchangeKind,
    /// The parties involved.
    pub parties: Vec<PartyId>,
    /// What happened.
    pub summary: String,
    /// What came of it, if recorded.
    pub outcome: Option<String>,
    /// Where it took place, if recorded.
    pub place: Option<String>,
    /// Who took part (empty if not recorded).
    pub participants: Vec<Participant>,
    /// Its minutes, in full, if recorded.
    pub minutes: Option<String>,
    /// The follow-up actions agreed, each with its id.
    pub follow_ups: Vec<FollowUp>,
    /// The planned activity it carries out, if any.
    pub activity_id: Option<ActivityId>,
    /// Recorded, corrected or retracted.
    pub status: ExchangeStatus,
    /// The files attached to it, dated by the date of the view, by
    /// (dated_on, recording).
    pub attachments: Vec<AttachmentView>,
    /// Its lineage: the log positions of its recording and of every
    /// correction and retraction of it, ascending (they apply at every date).
    pub sources: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use crate::{AgreementView, ExchangeView, PartyDetail, Report};

    #[derive(OpenApi)]
    #[openapi(components(schemas(AgreementView, ExchangeView, PartyDetail, Report)))]
    struct Doc;

    #[test]
    fn the_views_describe_themselves_in_openapi() {
        let doc = serde_json::to_value(Doc::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let agreement = &schemas["AgreementView"]["properties"];
        assert!(agreement["superseded_by"].is_object());
        assert!(agreement["exchanges"].is_object());
        assert!(schemas["Report"]["properties"]["totals"].is_object());
        assert!(schemas["PartyDetail"].is_object());
        let responsibilities = &agreement["responsibilities"];
        assert_eq!(responsibilities["additionalProperties"]["type"], "string");
        assert!(schemas.get("BTreeMap").is_none(), "maps are inline");
    }
}
