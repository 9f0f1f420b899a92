//! Folding an agreement's facts at a business date D: only facts effective
//! on or before D count, except corrections and retractions of exchanges,
//! which fix the record and so apply at every date.

use accord_domain::{
    AgreementId, AreaId, BusinessDate, DateRange, Document, DocumentAttached, ExchangeId, Member,
    PartyId, Responsibilities,
};

use crate::read_models::{ExchangeQuery, Exchanges};
use crate::state::{tally, AgreementRecord, ExchangeRecord, ExchangeTexts, ReviewRecord};
use crate::views::{
    AgreementStatus, AgreementView, AssessmentView, AttachmentView, ExchangeCounts, ExchangeStatus,
    ExchangeView, ReviewStatus, ReviewView,
};

/// The amendable terms of an agreement on a date.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    pub title: String,
    pub term: DateRange,
    pub areas: Vec<AreaId>,
    pub responsibilities: Responsibilities,
    pub document: Option<Document>,
}

impl AgreementRecord {
    /// Whether the agreement exists at `day`: signed on or before it.
    pub fn exists_at(&self, day: BusinessDate) -> bool {
        self.signed.signed_on <= day
    }

    /// The signature's terms, then every amendment effective by `day`, in
    /// (effective_on, position) order.
    pub fn terms_at(&self, day: BusinessDate) -> Terms {
        let s = &self.signed;
        let mut terms = Terms {
            title: s.title.clone(),
            term: s.term,
            areas: s.areas.clone(),
            responsibilities: s.responsibilities.clone(),
            document: s.document.clone(),
        };
        for (_, a) in self
            .amendments
            .iter()
            .take_while(|(_, a)| a.effective_on <= day)
        {
            terms.title = a.title.clone().unwrap_or(terms.title);
            terms.term = a.term.unwrap_or(terms.term);
            terms.areas = a.areas.clone().unwrap_or(terms.areas);
            terms.responsibilities = a.responsibilities.clone().unwrap_or(terms.responsibilities);
            if a.document.is_some() {
                terms.document.clone_from(&a.document);
            }
        }
        terms
    }

    /// The title and the term in force on `day`: [`Self::terms_at`]'s,
    /// without cloning the rest (the report reads these two of every
    /// agreement).
    pub fn title_and_term_at(&self, day: BusinessDate) -> (&str, DateRange) {
        let mut title = self.signed.title.as_str();
        let mut term = self.signed.term;
        for (_, a) in self
            .amendments
            .iter()
            .take_while(|(_, a)| a.effective_on <= day)
        {
            if let Some(amended) = &a.title {
                title = amended;
            }
            term = a.term.unwrap_or(term);
        }
        (title, term)
    }

    /// The term in force on `day`: [`Self::terms_at`]'s, without the rest.
    pub fn term_at(&self, day: BusinessDate) -> DateRange {
        self.amendments
            .iter()
            .take_while(|(_, a)| a.effective_on <= day)
            .fold(self.signed.term, |term, (_, a)| a.term.unwrap_or(term))
    }

    /// The members on `day`: signatories, then parties that joined by
    /// then, in the order they joined, without those that left by then.
    pub fn parties_at(&self, day: BusinessDate) -> Vec<PartyId> {
        self.members.on(day)
    }

    /// Whether `party` is a party of the agreement at `day`.
    pub fn has_party_at(&self, party: &PartyId, day: BusinessDate) -> bool {
        self.members.is_member(party, day)
    }

    /// The memberships begun by `day`, an end shown only if on or before
    /// it (a later one is not known on `day`).
    pub fn members_at(&self, day: BusinessDate) -> Vec<Member> {
        self.members
            .all()
            .iter()
            .filter(|m| m.since <= day)
            .map(|m| Member {
                until: m.until.filter(|until| *until <= day),
                ..m.clone()
            })
            .collect()
    }

    /// The earliest-signed successor signed by `day` (ties: first recorded).
    pub fn superseded_by_at(&self, day: BusinessDate) -> Option<AgreementId> {
        self.successors
            .iter()
            .filter(|(signed_on, _, _)| *signed_on <= day)
            .min_by_key(|(signed_on, position, _)| (*signed_on, *position))
            .map(|(_, _, id)| *id)
    }

    /// The termination's effective date, if on or before `day`.
    pub fn terminated_on_at(&self, day: BusinessDate) -> Option<BusinessDate> {
        self.terminated.map(|(on, _)| on).filter(|on| *on <= day)
    }

    /// The status at `day` given the term in force then: terminated wins
    /// over superseded, which wins over pending / active / expired.
    pub fn status_at(&self, term: &DateRange, day: BusinessDate) -> AgreementStatus {
        if self.terminated_on_at(day).is_some() {
            AgreementStatus::Terminated
        } else if self.superseded_by_at(day).is_some() {
            AgreementStatus::Superseded
        } else if day < term.start {
            AgreementStatus::Pending
        } else if day > term.end {
            AgreementStatus::Expired
        } else {
            AgreementStatus::Active
        }
    }

    /// Reviews opened by `day`, ordered by (opened_on, position).
    pub fn reviews_at(&self, day: BusinessDate) -> Vec<ReviewView> {
        let mut open: Vec<&ReviewRecord> = self
            .reviews
            .iter()
            .filter(|r| r.opened.opened_on <= day)
            .collect();
        open.sort_by_key(|r| (r.opened.opened_on, r.position));
        open.into_iter()
            .map(|r| {
                let mut view = review_view(r, day);
                let id = Some(r.opened.review_id);
                view.attachments = self.attachments_at(day, |a| a.review_id == id);
                view
            })
            .collect()
    }

    /// The files attached by `day` that `keep` selects, by (dated_on, recording).
    pub fn attachments_at(
        &self,
        day: BusinessDate,
        keep: impl Fn(&DocumentAttached) -> bool,
    ) -> Vec<AttachmentView> {
        self.attachments
            .iter()
            .take_while(|(_, a)| a.dated_on <= day)
            .filter(|(_, a)| keep(a))
            .map(|(position, a)| AttachmentView {
                attachment: a.attachment.clone(),
                title: a.title.clone(),
                kind: a.kind,
                dated_on: a.dated_on,
                filename: a.filename.clone(),
                size: a.size,
                media_type: a.media_type.clone(),
                exchange_id: a.exchange_id,
                review_id: a.review_id,
                source: *position,
            })
            .collect()
    }
}

/// A review as it stood on `day`: closed only if closed by then, with the
/// assessments made by then (its attachments are the agreement's to add:
/// [`AgreementRecord::reviews_at`]).
pub(crate) fn review_view(review: &ReviewRecord, day: BusinessDate) -> ReviewView {
    let opened = &review.opened;
    let closed = review
        .closed
        .as_ref()
        .map(|(_, c)| c)
        .filter(|c| c.closed_on <= day);
    let assessments = review
        .counted_assessments(day)
        .into_iter()
        .map(|(_, a)| a)
        .map(|a| AssessmentView {
            party_id: a.party_id.clone(),
            rating: a.rating,
            assessed_on: a.assessed_on,
            notes: a.notes.clone(),
        })
        .collect();
    ReviewView {
        review_id: opened.review_id,
        title: opened.title.clone(),
        kind: opened.kind,
        period: opened.period,
        status: if closed.is_some() {
            ReviewStatus::Closed
        } else {
            ReviewStatus::Open
        },
        outcome: closed.map(|c| c.outcome),
        closed_on: closed.map(|c| c.closed_on),
        summary: closed.map(|c| c.summary.clone()),
        opened_on: opened.opened_on,
        assessments,
        attachments: Vec::new(),
        sources: review.sources_at(day),
    }
}

/// The whole agreement view at `day` (the agreement exists at `day`).
pub(crate) fn agreement_view(
    record: &AgreementRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
) -> AgreementView {
    let terms = record.terms_at(day);
    let s = &record.signed;
    AgreementView {
        agreement_id: s.agreement_id,
        status: record.status_at(&terms.term, day),
        title: terms.title,
        parties: record.parties_at(day),
        members: record.members_at(day),
        signed_on: s.signed_on,
        place: s.place.clone(),
        term: terms.term,
        areas: terms.areas,
        responsibilities: terms.responsibilities,
        supersedes: s.supersedes,
        superseded_by: record.superseded_by_at(day),
        terminated_on: record.terminated_on_at(day),
        version: record.version,
        exchanges: exchange_counts(record, exchanges, day),
        reviews: record.reviews_at(day),
        document: terms.document,
        attachments: record.attachments_at(day, |_| true),
        activities: crate::plans::activities_at(record, exchanges, day),
        follow_ups: crate::plans::follow_ups_at(record, exchanges, day),
        sources: record.sources_at(day),
    }
}

/// Counted exchanges at `day`: the incremental totals when `day` is on or
/// after every fact of the agreement (they are then equal), else a fold.
pub(crate) fn exchange_counts(
    record: &AgreementRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
) -> ExchangeCounts {
    if day >= record.latest {
        return record.totals.clone();
    }
    tally(agreement_exchanges(record, exchanges), |x| x.counts_at(day))
}

/// The agreement's exchanges in recording order.
pub(crate) fn agreement_exchanges<'a>(
    record: &'a AgreementRecord,
    exchanges: &'a Exchanges,
) -> impl Iterator<Item = &'a ExchangeRecord> + 'a {
    record
        .exchanges
        .iter()
        .filter_map(|id| exchanges.get(id).map(|x| &**x))
}

/// The exchange list at `day` (retracted ones included), filtered by
/// `query` and ordered by (occurred_on, position).
pub(crate) fn exchange_list(
    record: &AgreementRecord,
    exchanges: &Exchanges,
    day: BusinessDate,
    query: &ExchangeQuery,
) -> Vec<ExchangeView> {
    let mut listed: Vec<(&ExchangeId, &ExchangeRecord)> = record
        .exchanges
        .iter()
        .filter_map(|id| exchanges.get(id).map(|x| (id, &**x)))
        .filter(|(_, x)| x.occurred_on <= day && matches(x, query))
        .collect();
    listed.sort_by_key(|(_, x)| (x.occurred_on, x.position));
    listed
        .into_iter()
        .map(|(id, x)| {
            let mut view = exchange_view(*id, x, &exchanges.texts_of(x));
            view.attachments = record.attachments_at(day, |a| a.exchange_id == Some(*id));
            view
        })
        .collect()
}

fn matches(exchange: &ExchangeRecord, query: &ExchangeQuery) -> bool {
    query.from.is_none_or(|from| exchange.occurred_on >= from)
        && query.to.is_none_or(|to| exchange.occurred_on <= to)
        && query
            .area
            .as_ref()
            .is_none_or(|area| &exchange.area == area)
}

/// The view of an exchange given its texts (kept, or read from the log).
pub(crate) fn exchange_view(
    id: ExchangeId,
    x: &ExchangeRecord,
    texts: &ExchangeTexts,
) -> ExchangeView {
    let status = match (x.retracted, x.corrected) {
        (true, _) => ExchangeStatus::Retracted,
        (false, true) => ExchangeStatus::Corrected,
        (false, false) => ExchangeStatus::Recorded,
    };
    ExchangeView {
        exchange_id: id,
        agreement_id: x.agreement_id,
        occurred_on: x.occurred_on,
        area: x.area.clone(),
        kind: x.kind,
        parties: x.parties.to_vec(),
        summary: texts.summary.clone(),
        outcome: texts.outcome.clone(),
        place: texts.place.clone(),
        participants: texts.participants.clone(),
        minutes: texts.minutes.clone(),
        follow_ups: x.follow_ups.clone(),
        activity_id: x.activity_id,
        status,
        attachments: Vec::new(),
        sources: x.sources.clone(),
    }
}
