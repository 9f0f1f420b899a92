//! Every business rule, one function per command. Each checks, in the order a
//! secretariat would, and either refuses with the first broken rule or
//! returns the facts to append.

use std::collections::HashSet;

use crate::command::*;
use crate::event::*;
use crate::ids::{AgreementId, AreaId, BusinessDate, PartyId, ReviewId};
use crate::model::{AgreementState, Decision, Fact, ReviewState, WriteModel};
use crate::refusal::{Refusal, Rule};
use crate::StreamId;

type Decided = Result<Decision, Refusal>;

pub(crate) fn decide(model: &WriteModel, command: &Command) -> Decided {
    match command {
        Command::RegisterParty(c) => register_party(model, c),
        Command::SignAgreement(c) => sign_agreement(model, c),
        Command::AmendAgreement(c) => amend_agreement(model, c),
        Command::AdmitParty(c) => admit_party(model, c),
        Command::RecordExchange(c) => record_exchange(model, c),
        Command::CorrectExchange(c) => correct_exchange(model, c),
        Command::RetractExchange(c) => retract_exchange(model, c),
        Command::OpenReviewPeriod(c) => open_review(model, c),
        Command::RecordAssessment(c) => record_assessment(model, c),
        Command::CloseReviewPeriod(c) => close_review(model, c),
        Command::TerminateAgreement(c) => terminate(model, c),
    }
}

/// One fact on an agreement's stream.
fn on_agreement(id: AgreementId, event: Event, effective_on: BusinessDate) -> Decided {
    Ok(Decision {
        stream: StreamId::Agreement(id),
        facts: vec![Fact {
            event,
            effective_on: Some(effective_on),
        }],
    })
}

fn require_text(value: &str, field: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        return Err(Refusal::new(
            Rule::TextRequired,
            format!("`{field}` must not be blank"),
        ));
    }
    Ok(())
}

fn require_reason(reason: &str) -> Result<(), Refusal> {
    if reason.trim().is_empty() {
        return Err(Refusal::new(Rule::ReasonRequired, "a reason must be given"));
    }
    Ok(())
}

fn agreement(model: &WriteModel, id: AgreementId) -> Result<&AgreementState, Refusal> {
    model.agreements.get(&id).ok_or_else(|| {
        Refusal::new(
            Rule::AgreementNotFound,
            format!("agreement {id} does not exist"),
        )
    })
}

/// The agreement, which must not be terminated.
fn live_agreement(model: &WriteModel, id: AgreementId) -> Result<&AgreementState, Refusal> {
    let a = agreement(model, id)?;
    match a.terminated_on {
        Some(on) => Err(Refusal::new(
            Rule::AgreementTerminated,
            format!("agreement {id} was terminated on {on}"),
        )),
        None => Ok(a),
    }
}

fn check_term(start: BusinessDate, end: BusinessDate) -> Result<(), Refusal> {
    if start > end {
        return Err(Refusal::new(
            Rule::TermStartAfterEnd,
            format!("the term starts on {start}, after its end on {end}"),
        ));
    }
    Ok(())
}

fn check_areas(areas: &[AreaId]) -> Result<(), Refusal> {
    if areas.is_empty() {
        return Err(Refusal::new(
            Rule::NoAreas,
            "at least one area of cooperation is required",
        ));
    }
    let mut seen = HashSet::new();
    match areas.iter().find(|a| !seen.insert(*a)) {
        Some(dup) => Err(Refusal::new(
            Rule::DuplicateArea,
            format!("area `{dup}` is listed twice"),
        )),
        None => Ok(()),
    }
}

fn check_responsibilities(
    responsibilities: &Responsibilities,
    mut is_party: impl FnMut(&PartyId) -> bool,
) -> Result<(), Refusal> {
    match responsibilities.keys().find(|p| !is_party(p)) {
        Some(p) => Err(Refusal::new(
            Rule::ResponsibilityForNonParty,
            format!("responsibilities name `{p}`, which is not a party of the agreement"),
        )),
        None => Ok(()),
    }
}

fn register_party(model: &WriteModel, c: &RegisterParty) -> Decided {
    require_text(&c.name, "name")?;
    if model.parties.contains(&c.party_id) {
        return Err(Refusal::new(
            Rule::PartyAlreadyRegistered,
            format!("party `{}` is already registered", c.party_id),
        ));
    }
    let event = Event::PartyRegistered(PartyRegistered {
        party_id: c.party_id.clone(),
        name: c.name.clone(),
        short_name: c.short_name.clone(),
        kind: c.kind,
        province: c.province.clone(),
    });
    Ok(Decision {
        stream: StreamId::Party(c.party_id.clone()),
        facts: vec![Fact {
            event,
            effective_on: None,
        }],
    })
}

fn sign_agreement(model: &WriteModel, c: &SignAgreement) -> Decided {
    let id = c
        .agreement_id
        .expect("agreement ids are assigned before deciding");
    require_text(&c.title, "title")?;
    if model.agreements.contains_key(&id) {
        return Err(Refusal::new(
            Rule::AgreementAlreadyExists,
            format!("agreement {id} already exists"),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = c.parties.iter().find(|p| !seen.insert(*p)) {
        return Err(Refusal::new(
            Rule::DuplicateParty,
            format!("party `{dup}` is listed twice"),
        ));
    }
    if c.parties.len() < 2 {
        return Err(Refusal::new(
            Rule::TooFewParties,
            "an agreement needs at least two parties",
        ));
    }
    if let Some(p) = c.parties.iter().find(|p| !model.parties.contains(*p)) {
        return Err(Refusal::new(
            Rule::PartyNotRegistered,
            format!("party `{p}` is not registered"),
        ));
    }
    check_term(c.term.start, c.term.end)?;
    check_areas(&c.areas)?;
    check_responsibilities(&c.responsibilities, |p| seen.contains(p))?;
    if let Some(old) = c.supersedes {
        if !model.agreements.contains_key(&old) {
            return Err(Refusal::new(
                Rule::SupersededAgreementNotFound,
                format!("the superseded agreement {old} does not exist"),
            ));
        }
    }
    let event = Event::AgreementSigned(AgreementSigned {
        agreement_id: id,
        title: c.title.clone(),
        parties: c.parties.clone(),
        signed_on: c.signed_on,
        place: c.place.clone(),
        term: c.term,
        areas: c.areas.clone(),
        responsibilities: c.responsibilities.clone(),
        supersedes: c.supersedes,
    });
    on_agreement(id, event, c.signed_on)
}

fn amend_agreement(model: &WriteModel, c: &AmendAgreement) -> Decided {
    let a = live_agreement(model, c.agreement_id)?;
    require_reason(&c.reason)?;
    if c.title.is_none() && c.term.is_none() && c.areas.is_none() && c.responsibilities.is_none() {
        return Err(Refusal::new(
            Rule::AmendmentWithoutChanges,
            "an amendment must change at least one of title, term, areas, responsibilities",
        ));
    }
    if let Some(title) = &c.title {
        require_text(title, "title")?;
    }
    if let Some(term) = c.term {
        check_term(term.start, term.end)?;
    }
    if let Some(areas) = &c.areas {
        check_areas(areas)?;
    }
    if let Some(r) = &c.responsibilities {
        check_responsibilities(r, |p| a.parties.contains_key(p))?;
    }
    let event = Event::AgreementAmended(AgreementAmended {
        agreement_id: c.agreement_id,
        effective_on: c.effective_on,
        reason: c.reason.clone(),
        title: c.title.clone(),
        term: c.term,
        areas: c.areas.clone(),
        responsibilities: c.responsibilities.clone(),
    });
    on_agreement(c.agreement_id, event, c.effective_on)
}

fn admit_party(model: &WriteModel, c: &AdmitParty) -> Decided {
    let a = live_agreement(model, c.agreement_id)?;
    if !model.parties.contains(&c.party_id) {
        return Err(Refusal::new(
            Rule::PartyNotRegistered,
            format!("party `{}` is not registered", c.party_id),
        ));
    }
    if a.parties.contains_key(&c.party_id) {
        return Err(Refusal::new(
            Rule::PartyAlreadyInAgreement,
            format!("party `{}` is already a party of the agreement", c.party_id),
        ));
    }
    let event = Event::PartyAdmitted(PartyAdmitted {
        agreement_id: c.agreement_id,
        party_id: c.party_id.clone(),
        effective_on: c.effective_on,
    });
    on_agreement(c.agreement_id, event, c.effective_on)
}

/// The rules an exchange's facts must satisfy, on recording and after a
/// correction alike.
fn check_exchange(
    a: &AgreementState,
    on: BusinessDate,
    area: &AreaId,
    parties: &[PartyId],
) -> Result<(), Refusal> {
    if !a.term.contains(on) {
        return Err(Refusal::new(
            Rule::ExchangeOutsideTerm,
            format!(
                "{on} is outside the term {} to {}",
                a.term.start, a.term.end
            ),
        ));
    }
    if let Some(end) = a.terminated_on.filter(|end| on >= *end) {
        return Err(Refusal::new(
            Rule::ExchangeAfterTermination,
            format!("{on} is not before the termination on {end}"),
        ));
    }
    if !a.areas.contains(area) {
        return Err(Refusal::new(
            Rule::AreaNotDeclared,
            format!("area `{area}` is not declared by the agreement"),
        ));
    }
    if parties.is_empty() {
        return Err(Refusal::new(
            Rule::ExchangeWithoutParties,
            "an exchange involves at least one party",
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = parties.iter().find(|p| !seen.insert(*p)) {
        return Err(Refusal::new(
            Rule::DuplicateParty,
            format!("party `{dup}` is listed twice"),
        ));
    }
    let outsider = parties
        .iter()
        .find(|p| a.parties.get(*p).is_none_or(|since| *since > on));
    match outsider {
        Some(p) => Err(Refusal::new(
            Rule::PartyNotInAgreement,
            format!("party `{p}` is not a party of the agreement on {on}"),
        )),
        None => Ok(()),
    }
}

fn record_exchange(model: &WriteModel, c: &RecordExchange) -> Decided {
    let id = c
        .exchange_id
        .expect("exchange ids are assigned before deciding");
    let a = agreement(model, c.agreement_id)?;
    require_text(&c.summary, "summary")?;
    if a.exchanges.contains_key(&id) {
        return Err(Refusal::new(
            Rule::ExchangeAlreadyExists,
            format!("exchange {id} already exists"),
        ));
    }
    // Exchange ids are unique across agreements (ADR 0022): the read models,
    // lineage and reports find an exchange by its id alone.
    if model.exchange_id_taken(&id) {
        return Err(Refusal::new(
            Rule::ExchangeAlreadyExists,
            format!("exchange id {id} is already used under another agreement; exchange ids are unique across agreements"),
        ));
    }
    check_exchange(a, c.occurred_on, &c.area, &c.parties)?;
    let event = Event::ExchangeRecorded(ExchangeRecorded {
        agreement_id: c.agreement_id,
        exchange_id: id,
        occurred_on: c.occurred_on,
        area: c.area.clone(),
        kind: c.kind,
        parties: c.parties.clone(),
        summary: c.summary.clone(),
        outcome: c.outcome.clone(),
    });
    on_agreement(c.agreement_id, event, c.occurred_on)
}

fn correct_exchange(model: &WriteModel, c: &CorrectExchange) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let x = a.exchanges.get(&c.exchange_id).ok_or_else(|| {
        Refusal::new(
            Rule::ExchangeNotFound,
            format!("exchange {} does not exist", c.exchange_id),
        )
    })?;
    if x.retracted {
        return Err(Refusal::new(
            Rule::ExchangeRetracted,
            format!("exchange {} was retracted", c.exchange_id),
        ));
    }
    require_reason(&c.reason)?;
    let unchanged = c.occurred_on.is_none()
        && c.area.is_none()
        && c.kind.is_none()
        && c.parties.is_none()
        && c.summary.is_none()
        && c.outcome.is_none();
    if unchanged {
        return Err(Refusal::new(
            Rule::CorrectionWithoutChanges,
            "a correction must change at least one field",
        ));
    }
    if let Some(summary) = &c.summary {
        require_text(summary, "summary")?;
    }
    let on = c.occurred_on.unwrap_or(x.occurred_on);
    check_exchange(
        a,
        on,
        c.area.as_ref().unwrap_or(&x.area),
        c.parties.as_deref().unwrap_or(&x.parties),
    )?;
    let event = Event::ExchangeCorrected(ExchangeCorrected {
        agreement_id: c.agreement_id,
        exchange_id: c.exchange_id,
        reason: c.reason.clone(),
        occurred_on: c.occurred_on,
        area: c.area.clone(),
        kind: c.kind,
        parties: c.parties.clone(),
        summary: c.summary.clone(),
        outcome: c.outcome.clone(),
    });
    // A correction fixes the record of a past fact: it is about the day the
    // exchange (as corrected) occurred.
    on_agreement(c.agreement_id, event, on)
}

fn retract_exchange(model: &WriteModel, c: &RetractExchange) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let x = a.exchanges.get(&c.exchange_id).ok_or_else(|| {
        Refusal::new(
            Rule::ExchangeNotFound,
            format!("exchange {} does not exist", c.exchange_id),
        )
    })?;
    if x.retracted {
        return Err(Refusal::new(
            Rule::ExchangeRetracted,
            format!("exchange {} was already retracted", c.exchange_id),
        ));
    }
    require_reason(&c.reason)?;
    let event = Event::ExchangeRetracted(ExchangeRetracted {
        agreement_id: c.agreement_id,
        exchange_id: c.exchange_id,
        reason: c.reason.clone(),
    });
    on_agreement(c.agreement_id, event, x.occurred_on)
}

fn open_review(model: &WriteModel, c: &OpenReviewPeriod) -> Decided {
    let id = c
        .review_id
        .expect("review ids are assigned before deciding");
    let a = agreement(model, c.agreement_id)?;
    require_text(&c.title, "title")?;
    if a.reviews.contains_key(&id) {
        return Err(Refusal::new(
            Rule::ReviewAlreadyExists,
            format!("review {id} already exists"),
        ));
    }
    if c.period.start > c.period.end {
        return Err(Refusal::new(
            Rule::PeriodStartAfterEnd,
            format!(
                "the period starts on {}, after its end on {}",
                c.period.start, c.period.end
            ),
        ));
    }
    let event = Event::ReviewPeriodOpened(ReviewPeriodOpened {
        agreement_id: c.agreement_id,
        review_id: id,
        title: c.title.clone(),
        kind: c.kind,
        period: c.period,
        opened_on: c.opened_on,
    });
    on_agreement(c.agreement_id, event, c.opened_on)
}

fn open_review_of(a: &AgreementState, review: ReviewId) -> Result<&ReviewState, Refusal> {
    let r = a.reviews.get(&review).ok_or_else(|| {
        Refusal::new(
            Rule::ReviewNotFound,
            format!("review {review} does not exist"),
        )
    })?;
    if r.closed {
        return Err(Refusal::new(
            Rule::ReviewAlreadyClosed,
            format!("review {review} is already closed"),
        ));
    }
    Ok(r)
}

fn record_assessment(model: &WriteModel, c: &RecordAssessment) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    open_review_of(a, c.review_id)?;
    if !a.parties.contains_key(&c.party_id) {
        return Err(Refusal::new(
            Rule::PartyNotInAgreement,
            format!("party `{}` is not a party of the agreement", c.party_id),
        ));
    }
    let event = Event::AssessmentRecorded(AssessmentRecorded {
        agreement_id: c.agreement_id,
        review_id: c.review_id,
        party_id: c.party_id.clone(),
        assessed_on: c.assessed_on,
        rating: c.rating,
        notes: c.notes.clone(),
    });
    on_agreement(c.agreement_id, event, c.assessed_on)
}

fn close_review(model: &WriteModel, c: &CloseReviewPeriod) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let r = open_review_of(a, c.review_id)?;
    require_text(&c.summary, "summary")?;
    if c.closed_on < r.period.start {
        return Err(Refusal::new(
            Rule::ClosedBeforePeriodStart,
            format!(
                "{} is before the period's start on {}",
                c.closed_on, r.period.start
            ),
        ));
    }
    let event = Event::ReviewPeriodClosed(ReviewPeriodClosed {
        agreement_id: c.agreement_id,
        review_id: c.review_id,
        closed_on: c.closed_on,
        outcome: c.outcome,
        summary: c.summary.clone(),
    });
    on_agreement(c.agreement_id, event, c.closed_on)
}

fn terminate(model: &WriteModel, c: &TerminateAgreement) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    if let Some(on) = a.terminated_on {
        return Err(Refusal::new(
            Rule::AlreadyTerminated,
            format!("the agreement was already terminated on {on}"),
        ));
    }
    require_reason(&c.reason)?;
    if c.effective_on < a.signed_on {
        return Err(Refusal::new(
            Rule::TerminationBeforeSigning,
            format!(
                "{} is before the signature on {}",
                c.effective_on, a.signed_on
            ),
        ));
    }
    let event = Event::AgreementTerminated(AgreementTerminated {
        agreement_id: c.agreement_id,
        effective_on: c.effective_on,
        reason: c.reason.clone(),
    });
    on_agreement(c.agreement_id, event, c.effective_on)
}
