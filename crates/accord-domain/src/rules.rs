//! Every business rule, one function per command. Each checks, in the order a
//! secretariat would, and either refuses with the first broken rule or
//! returns the facts to append.

use std::collections::HashSet;

use crate::command::*;
use crate::event::*;
use crate::ids::{
    ActivityId, AgreementId, AreaId, BusinessDate, ExchangeId, FollowUpId, PartyId, ReviewId,
};
use crate::model::{
    insert_amendment, ActivityState, AgreementState, Circumstances, Decision, ExchangeState, Fact,
    FollowUpState, PartyState, ReviewState, StoredFile, WriteModel,
};
use crate::refusal::{Refusal, Rule};
use crate::StreamId;

type Decided = Result<Decision, Refusal>;

pub(crate) fn decide(model: &WriteModel, command: &Command, given: &Circumstances) -> Decided {
    if let Some(today) = given.today {
        not_in_future(command, today)?;
    }
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
        Command::UpdateParty(c) => update_party(model, c),
        Command::SucceedParty(c) => succeed_party(model, c),
        Command::WithdrawParty(c) => withdraw_party(model, c),
        // The write model knows no event ids: the engine finds the event in
        // the log and decides with `void::decide_void`.
        Command::VoidEvent(c) => crate::void::decide_void(c, None),
        Command::AttachDocument(c) => attach_document(model, c, given),
        Command::PlanActivity(c) => plan_activity(model, c),
        Command::CancelActivity(c) => cancel_activity(model, c),
        Command::CompleteFollowUp(c) => complete_follow_up(model, c, given.today),
    }
}

/// An exchange is a fact that happened: one dated after `today` is refused,
/// checked before any other rule.
fn not_in_future(command: &Command, today: BusinessDate) -> Result<(), Refusal> {
    let on = match command {
        Command::RecordExchange(c) => Some(c.occurred_on),
        Command::CorrectExchange(c) => c.occurred_on,
        _ => None,
    };
    match on.filter(|on| *on > today) {
        Some(on) => Err(Refusal::new(
            Rule::ExchangeInFuture,
            format!("{on} is after today, {today}: an exchange to come is planned, not recorded"),
        )),
        None => Ok(()),
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

/// The agreement must not be terminated on `day`: a termination refuses
/// only facts dated on or after its effective date.
fn live_on(a: &AgreementState, id: AgreementId, day: BusinessDate) -> Result<(), Refusal> {
    match a.terminated_on.filter(|end| day >= *end) {
        Some(on) => Err(Refusal::new(
            Rule::AgreementTerminated,
            format!("agreement {id} is terminated from {on}; {day} is not before it"),
        )),
        None => Ok(()),
    }
}

/// The first (earliest, then by id) exchange not retracted that occurred
/// on or after `from` and that `breaks` finds fault with: the recorded fact
/// a new fact would contradict. Only the rare commands that can contradict
/// a recorded fact (termination, amendment, withdrawal, succession) scan.
fn first_contradicted(
    a: &AgreementState,
    from: BusinessDate,
    mut breaks: impl FnMut(&ExchangeState) -> Option<String>,
) -> Option<(ExchangeId, &ExchangeState, String)> {
    a.exchanges()
        .states
        .iter()
        .filter(|(_, x)| !x.retracted && x.occurred_on >= from)
        .filter_map(|(id, x)| breaks(x).map(|why| (*id, x, why)))
        .min_by_key(|(id, x, _)| (x.occurred_on, *id))
}

/// The refusal naming the recorded fact a new one contradicts.
fn contradicts(fact: String) -> Refusal {
    Refusal::new(
        Rule::ContradictsRecordedFact,
        format!("it contradicts a recorded fact: {fact}"),
    )
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
    if model.has_party(&c.party_id) {
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
    if let Some(p) = c.parties.iter().find(|p| !model.has_party(p)) {
        return Err(Refusal::new(
            Rule::PartyNotRegistered,
            format!("party `{p}` is not registered"),
        ));
    }
    for p in &c.parties {
        not_succeeded(model, p, c.signed_on)?;
    }
    check_term(c.term.start, c.term.end)?;
    check_areas(&c.areas)?;
    check_responsibilities(&c.responsibilities, |p| seen.contains(p))?;
    if let Some(document) = &c.document {
        check_document(document, |p| seen.contains(p))?;
    }
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
        document: c.document.clone(),
    });
    on_agreement(id, event, c.signed_on)
}

fn amend_agreement(model: &WriteModel, c: &AmendAgreement) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    live_on(a, c.agreement_id, c.effective_on)?;
    require_reason(&c.reason)?;
    let gives_nothing = c.title.is_none()
        && c.term.is_none()
        && c.areas.is_none()
        && c.responsibilities.is_none()
        && c.document.is_none();
    if gives_nothing {
        return Err(Refusal::new(
            Rule::AmendmentWithoutChanges,
            "an amendment must change at least one of title, term, areas, responsibilities, document",
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
        check_responsibilities(r, |p| a.members.is_member(p, c.effective_on))?;
    }
    if let Some(document) = &c.document {
        check_document(document, |p| a.members.is_member(p, c.effective_on))?;
    }
    // An amendment changes what is in force on its date: giving again what
    // already is changes nothing.
    let now = a.terms_at(c.effective_on);
    let changes = c.title.as_ref().is_some_and(|t| *t != now.title)
        || c.term.is_some_and(|t| t != now.term)
        || c.areas.as_ref().is_some_and(|x| *x != now.areas)
        || c.responsibilities
            .as_ref()
            .is_some_and(|r| *r != now.responsibilities)
        || c.document.is_some() && c.document != now.document;
    if !changes {
        return Err(Refusal::new(
            Rule::AmendmentWithoutChanges,
            format!(
                "every field the amendment gives is already in force on {}",
                c.effective_on
            ),
        ));
    }
    let amendment = AgreementAmended {
        agreement_id: c.agreement_id,
        effective_on: c.effective_on,
        reason: c.reason.clone(),
        title: c.title.clone(),
        term: c.term,
        areas: c.areas.clone(),
        responsibilities: c.responsibilities.clone(),
        document: c.document.clone(),
    };
    if c.term.is_some() || c.areas.is_some() {
        // Exchanges already recorded on or after its date must still hold
        // under the amended terms, whatever order they were recorded in.
        let mut amendments = a.amendments.clone();
        insert_amendment(&mut amendments, amendment.clone());
        let contradicted = first_contradicted(a, c.effective_on, |x| {
            let term = a.signed.term_at(&amendments, x.occurred_on);
            let areas = a.signed.areas_at(&amendments, x.occurred_on);
            if !term.contains(x.occurred_on) {
                Some(format!(
                    "it would fall outside the term {} to {}",
                    term.start, term.end
                ))
            } else if !areas.contains(&x.area) {
                Some(format!("its area `{}` would no longer be declared", x.area))
            } else {
                None
            }
        });
        if let Some((id, x, why)) = contradicted {
            return Err(contradicts(format!(
                "exchange {id} on {}: {why}",
                x.occurred_on
            )));
        }
    }
    let event = Event::AgreementAmended(amendment);
    on_agreement(c.agreement_id, event, c.effective_on)
}

fn admit_party(model: &WriteModel, c: &AdmitParty) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    live_on(a, c.agreement_id, c.effective_on)?;
    if !model.has_party(&c.party_id) {
        return Err(Refusal::new(
            Rule::PartyNotRegistered,
            format!("party `{}` is not registered", c.party_id),
        ));
    }
    not_succeeded(model, &c.party_id, c.effective_on)?;
    if a.members.holds_or_will_hold(&c.party_id, c.effective_on) {
        return Err(Refusal::new(
            Rule::PartyAlreadyInAgreement,
            format!(
                "party `{}` is already a party of the agreement on or after {}",
                c.party_id, c.effective_on
            ),
        ));
    }
    let event = Event::PartyAdmitted(PartyAdmitted {
        agreement_id: c.agreement_id,
        party_id: c.party_id.clone(),
        effective_on: c.effective_on,
    });
    on_agreement(c.agreement_id, event, c.effective_on)
}

/// The rules an exchange's date puts on it: within the term in force on
/// that date, before any termination.
fn check_exchange_date(a: &AgreementState, on: BusinessDate) -> Result<(), Refusal> {
    let term = a.term_at(on);
    if !term.contains(on) {
        return Err(Refusal::new(
            Rule::ExchangeOutsideTerm,
            format!("{on} is outside the term {} to {}", term.start, term.end),
        ));
    }
    if let Some(end) = a.terminated_on.filter(|end| on >= *end) {
        return Err(Refusal::new(
            Rule::ExchangeAfterTermination,
            format!("{on} is not before the termination on {end}"),
        ));
    }
    Ok(())
}

/// The area must be declared by the agreement on `on`.
fn check_exchange_area(a: &AgreementState, on: BusinessDate, area: &AreaId) -> Result<(), Refusal> {
    if !a.areas_at(on).contains(area) {
        return Err(Refusal::new(
            Rule::AreaNotDeclared,
            format!("area `{area}` is not declared by the agreement on {on}"),
        ));
    }
    Ok(())
}

/// The parties: at least one, each once, each a party of the agreement on
/// `on`.
fn check_exchange_parties(
    model: &WriteModel,
    a: &AgreementState,
    on: BusinessDate,
    parties: &[PartyId],
) -> Result<(), Refusal> {
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
    parties
        .iter()
        .try_for_each(|p| check_member(model, a, p, on))
}

/// `party` must not have been succeeded on or before `on`: facts from a
/// succession's date name the successor.
fn not_succeeded(model: &WriteModel, party: &PartyId, on: BusinessDate) -> Result<(), Refusal> {
    match model.succession_of(party).filter(|(_, from)| *from <= on) {
        Some((successor, from)) => Err(Refusal::new(
            Rule::PartySucceeded,
            format!(
                "party `{party}` was succeeded by `{successor}` from {from}; facts dated from then name `{successor}`"
            ),
        )),
        None => Ok(()),
    }
}

/// `party` must be a party of the agreement on `on`: not succeeded by
/// then, not withdrawn by then, and a member.
fn check_member(
    model: &WriteModel,
    a: &AgreementState,
    party: &PartyId,
    on: BusinessDate,
) -> Result<(), Refusal> {
    not_succeeded(model, party, on)?;
    if a.members.is_member(party, on) {
        return Ok(());
    }
    if let Some(left) = a.members.left_before(party, on) {
        return Err(Refusal::new(
            Rule::PartyNotMember,
            format!("party `{party}` is no longer a party of the agreement from {left}"),
        ));
    }
    Err(Refusal::new(
        Rule::PartyNotInAgreement,
        format!("party `{party}` is not a party of the agreement on {on}"),
    ))
}

/// Every rule of an exchange, judged on its date: on recording.
fn check_exchange(
    model: &WriteModel,
    a: &AgreementState,
    on: BusinessDate,
    area: &AreaId,
    parties: &[PartyId],
) -> Result<(), Refusal> {
    check_exchange_date(a, on)?;
    check_exchange_area(a, on, area)?;
    check_exchange_parties(model, a, on, parties)
}

fn record_exchange(model: &WriteModel, c: &RecordExchange) -> Decided {
    let id = c
        .exchange_id
        .expect("exchange ids are assigned before deciding");
    let a = agreement(model, c.agreement_id)?;
    require_text(&c.summary, "summary")?;
    if a.holds_exchange(&id) {
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
    check_exchange(model, a, c.occurred_on, &c.area, &c.parties)?;
    check_participants(model, a, c.occurred_on, &c.participants)?;
    if let Some(activity) = c.activity_id {
        check_activity_open(a, activity)?;
    }
    let follow_ups = follow_ups(model, a, id, &[], c.occurred_on, &c.follow_ups)?;
    let event = Event::ExchangeRecorded(ExchangeRecorded {
        agreement_id: c.agreement_id,
        exchange_id: id,
        occurred_on: c.occurred_on,
        area: c.area.clone(),
        kind: c.kind,
        parties: c.parties.clone(),
        summary: c.summary.clone(),
        outcome: c.outcome.clone(),
        place: c.place.clone(),
        participants: c.participants.clone(),
        minutes: c.minutes.clone(),
        follow_ups,
        activity_id: c.activity_id,
    });
    on_agreement(c.agreement_id, event, c.occurred_on)
}

fn correct_exchange(model: &WriteModel, c: &CorrectExchange) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let x = a.exchanges().states.get(&c.exchange_id).ok_or_else(|| {
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
        && c.outcome.is_none()
        && c.place.is_none()
        && c.participants.is_none()
        && c.minutes.is_none()
        && c.follow_ups.is_none()
        && c.activity_id.is_none();
    if unchanged {
        return Err(Refusal::new(
            Rule::CorrectionWithoutChanges,
            "a correction must change at least one field",
        ));
    }
    if let Some(summary) = &c.summary {
        require_text(summary, "summary")?;
    }
    // A correction is checked only for what it changes, against the
    // agreement on the exchange's (possibly corrected) date: a new date is
    // judged with the area and parties it would then have.
    let on = c.occurred_on.unwrap_or(x.occurred_on);
    let moved = on != x.occurred_on;
    let area = c.area.as_ref().filter(|area| **area != x.area);
    let parties = c.parties.as_deref().filter(|p| *p != &*x.parties);
    if moved {
        check_exchange_date(a, on)?;
    }
    if moved || area.is_some() {
        check_exchange_area(a, on, area.unwrap_or(&x.area))?;
    }
    if moved || parties.is_some() {
        check_exchange_parties(model, a, on, parties.unwrap_or(&x.parties))?;
    }
    if let Some(participants) = &c.participants {
        check_participants(model, a, on, participants)?;
    }
    if let Some(activity) = c.activity_id.filter(|id| Some(*id) != x.activity_id) {
        check_activity_open(a, activity)?;
    }
    let follow_ups = match &c.follow_ups {
        Some(list) => Some(follow_ups(
            model,
            a,
            c.exchange_id,
            &x.follow_ups,
            on,
            list,
        )?),
        None if moved => {
            // The follow-ups kept must still fall due on or after the
            // exchange's new date.
            let kept = x
                .follow_ups
                .iter()
                .filter_map(|id| a.exchanges().follow_ups.get(id));
            for f in kept {
                due_not_before(&f.follow_up, on)?;
            }
            None
        }
        None => None,
    };
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
        place: c.place.clone(),
        participants: c.participants.clone(),
        minutes: c.minutes.clone(),
        follow_ups,
        activity_id: c.activity_id,
    });
    // A correction fixes the record of a past fact: it is about the day the
    // exchange (as corrected) occurred.
    on_agreement(c.agreement_id, event, on)
}

fn retract_exchange(model: &WriteModel, c: &RetractExchange) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let x = a.exchanges().states.get(&c.exchange_id).ok_or_else(|| {
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
    check_member(model, a, &c.party_id, c.assessed_on)?;
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
    // A termination refuses facts dated on or after it: one already
    // recorded must not be left standing against it.
    let end = c.effective_on;
    if let Some((id, x, _)) = first_contradicted(a, end, |_| Some(String::new())) {
        return Err(contradicts(format!(
            "exchange {id} occurred on {}, not before {end}",
            x.occurred_on
        )));
    }
    if let Some(amendment) = a.amendments.iter().find(|x| x.effective_on >= end) {
        return Err(contradicts(format!(
            "an amendment takes effect on {}, not before {end}",
            amendment.effective_on
        )));
    }
    let signatories_since = a.signed_on.min(a.signed.term.start);
    let admitted = a
        .members
        .all()
        .iter()
        .find(|m| m.via.is_none() && m.since >= end && m.since > signatories_since);
    if let Some(m) = admitted {
        return Err(contradicts(format!(
            "party `{}` was admitted from {}, not before {end}",
            m.party_id, m.since
        )));
    }
    let event = Event::AgreementTerminated(AgreementTerminated {
        agreement_id: c.agreement_id,
        effective_on: c.effective_on,
        reason: c.reason.clone(),
    });
    on_agreement(c.agreement_id, event, c.effective_on)
}

fn registered<'a>(model: &'a WriteModel, party: &PartyId) -> Result<&'a PartyState, Refusal> {
    model.party(party).ok_or_else(|| {
        Refusal::new(
            Rule::PartyNotRegistered,
            format!("party `{party}` is not registered"),
        )
    })
}

fn update_party(model: &WriteModel, c: &UpdateParty) -> Decided {
    let party = registered(model, &c.party_id)?;
    not_succeeded(model, &c.party_id, c.effective_on)?;
    require_reason(&c.reason)?;
    if c.name.is_none() && c.short_name.is_none() && c.kind.is_none() && c.province.is_none() {
        return Err(Refusal::new(
            Rule::PartyUpdateWithoutChanges,
            "an update must change at least one of name, short_name, kind, province",
        ));
    }
    if let Some(name) = &c.name {
        require_text(name, "name")?;
    }
    let now = party.profile_at(c.effective_on);
    let changes = c.name.as_ref().is_some_and(|n| *n != now.name)
        || c.short_name.is_some() && c.short_name != now.short_name
        || c.kind.is_some_and(|k| k != now.kind)
        || c.province.is_some() && c.province != now.province;
    if !changes {
        return Err(Refusal::new(
            Rule::PartyUpdateWithoutChanges,
            format!(
                "every field the update gives is already in force on {}",
                c.effective_on
            ),
        ));
    }
    let event = Event::PartyUpdated(PartyUpdated {
        party_id: c.party_id.clone(),
        effective_on: c.effective_on,
        reason: c.reason.clone(),
        name: c.name.clone(),
        short_name: c.short_name.clone(),
        kind: c.kind,
        province: c.province.clone(),
    });
    on_party(&c.party_id, event, c.effective_on)
}

/// One fact on a party's stream.
fn on_party(id: &PartyId, event: Event, effective_on: BusinessDate) -> Decided {
    Ok(Decision {
        stream: StreamId::Party(id.clone()),
        facts: vec![Fact {
            event,
            effective_on: Some(effective_on),
        }],
    })
}

fn succeed_party(model: &WriteModel, c: &SucceedParty) -> Decided {
    let (predecessor, successor, from) = (&c.party_id, &c.successor_id, c.effective_on);
    let state = registered(model, predecessor)?;
    registered(model, successor)?;
    if predecessor == successor {
        return Err(Refusal::new(
            Rule::SuccessionToItself,
            format!("party `{predecessor}` cannot succeed itself"),
        ));
    }
    if let Some((by, on)) = &state.succeeded {
        return Err(Refusal::new(
            Rule::PartyAlreadySucceeded,
            format!("party `{predecessor}` was already succeeded by `{by}` from {on}"),
        ));
    }
    not_succeeded(model, successor, from)?;
    // Down the successor's own (later) successions: none may lead back.
    let mut next = model.succession_of(successor);
    while let Some((p, _)) = next {
        if &p == predecessor {
            return Err(Refusal::new(
                Rule::SuccessionCycle,
                format!("`{successor}` is itself succeeded, in the end, by `{predecessor}`"),
            ));
        }
        next = model.succession_of(&p);
    }
    require_reason(&c.reason)?;
    if let Some(fact) = naming_after(model, predecessor, from) {
        return Err(contradicts(fact));
    }
    let event = Event::PartySucceeded(PartySucceeded {
        party_id: predecessor.clone(),
        successor_id: successor.clone(),
        effective_on: from,
        reason: c.reason.clone(),
    });
    on_party(predecessor, event, from)
}

/// A recorded fact dated on or after `from` that names `party`, which a
/// succession of it from `from` would forbid: an update of it, an exchange
/// involving it, its assessment, its admission or its withdrawal.
fn naming_after(model: &WriteModel, party: &PartyId, from: BusinessDate) -> Option<String> {
    let state = model.party(party)?;
    if let Some(u) = state.updates.iter().find(|u| u.effective_on >= from) {
        return Some(format!("`{party}` was updated from {}", u.effective_on));
    }
    // Only facts of its members name a party: the agreements it never was
    // a member of are not read (nor loaded, `WriteModel::needs`).
    let mut agreements: Vec<_> = model
        .agreements
        .iter()
        .filter(|(_, a)| a.members.all().iter().any(|m| &m.party_id == party))
        .collect();
    agreements.sort_by_key(|(id, _)| **id);
    for (id, a) in agreements {
        if let Some(fact) = member_facts_after(a, party, from) {
            return Some(format!("under agreement {id}, {fact}"));
        }
    }
    None
}

/// A fact of agreement `a` dated on or after `from` that names `party`.
fn member_facts_after(a: &AgreementState, party: &PartyId, from: BusinessDate) -> Option<String> {
    if let Some((id, x, _)) =
        first_contradicted(a, from, |x| x.parties.contains(party).then(String::new))
    {
        return Some(format!(
            "exchange {id} on {} involves `{party}`",
            x.occurred_on
        ));
    }
    let assessed = a
        .reviews
        .values()
        .filter_map(|r| r.assessed.get(party))
        .filter(|on| **on >= from)
        .min();
    if let Some(on) = assessed {
        return Some(format!("`{party}` made an assessment on {on}"));
    }
    let mut own = a.members.all().iter().filter(|m| &m.party_id == party);
    if let Some(m) = own
        .clone()
        .find(|m| m.since >= from && m.since > a.signed_on.min(a.signed.term.start))
    {
        return Some(format!("`{party}` joined on {}", m.since));
    }
    if let Some(until) = own.find_map(|m| m.until.filter(|until| *until > from)) {
        return Some(format!("the membership of `{party}` ends on {until}"));
    }
    None
}

fn withdraw_party(model: &WriteModel, c: &WithdrawParty) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let (party, on) = (&c.party_id, c.effective_on);
    live_on(a, c.agreement_id, on)?;
    require_reason(&c.reason)?;
    check_member(model, a, party, on)?;
    let term = a.term_at(on);
    if !term.contains(on) {
        return Err(Refusal::new(
            Rule::WithdrawalOutsideTerm,
            format!("{on} is outside the term {} to {}", term.start, term.end),
        ));
    }
    if a.members.on(on).len() <= 2 {
        return Err(Refusal::new(
            Rule::TooFewParties,
            format!("at least two parties must remain in the agreement on {on}"),
        ));
    }
    if let Some(fact) = member_facts_after(a, party, on) {
        return Err(contradicts(fact));
    }
    let event = Event::PartyWithdrew(PartyWithdrew {
        agreement_id: c.agreement_id,
        party_id: party.clone(),
        effective_on: on,
        reason: c.reason.clone(),
    });
    on_agreement(c.agreement_id, event, on)
}

/// A document gives something, its texts are not blank, and each signatory
/// signs for a party of the agreement (`is_party`).
fn check_document(
    document: &Document,
    mut is_party: impl FnMut(&PartyId) -> bool,
) -> Result<(), Refusal> {
    if document.number.is_none() && document.issued_on.is_none() && document.signatories.is_empty()
    {
        return Err(Refusal::new(
            Rule::EmptyDocument,
            "a document gives at least one of number, issued_on, signatories",
        ));
    }
    if let Some(number) = &document.number {
        require_text(number, "document.number")?;
    }
    for signatory in &document.signatories {
        require_text(&signatory.name, "document.signatories.name")?;
        if !is_party(&signatory.party_id) {
            return Err(Refusal::new(
                Rule::SignatoryNotParty,
                format!(
                    "signatory {} signs for `{}`, which is not a party of the agreement",
                    signatory.name, signatory.party_id
                ),
            ));
        }
    }
    Ok(())
}

/// Participants: each named; a party they came for is a party of the
/// agreement on `on`.
fn check_participants(
    model: &WriteModel,
    a: &AgreementState,
    on: BusinessDate,
    participants: &[Participant],
) -> Result<(), Refusal> {
    for p in participants {
        require_text(&p.name, "participants.name")?;
        if let Some(party) = &p.party_id {
            check_member(model, a, party, on)?;
        }
    }
    Ok(())
}

/// The stored file `sha256` names, as the caller looked it up.
fn stored_file<'a>(given: &'a Circumstances, sha256: &str) -> Result<&'a StoredFile, Refusal> {
    given
        .file
        .as_ref()
        .filter(|file| file.sha256 == sha256)
        .ok_or_else(|| {
            Refusal::new(
                Rule::AttachmentNotFound,
                format!(
                    "no file is stored under `{sha256}`: upload it to /v1/attachments first and attach the sha256 it answers"
                ),
            )
        })
}

fn attach_document(model: &WriteModel, c: &AttachDocument, given: &Circumstances) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let file = stored_file(given, &c.attachment)?;
    require_text(&c.title, "title")?;
    if let Some(filename) = &c.filename {
        require_text(filename, "filename")?;
    }
    if let Some(today) = given.today.filter(|today| c.dated_on > *today) {
        return Err(Refusal::new(
            Rule::DocumentInFuture,
            format!("the document is dated {}, after today, {today}", c.dated_on),
        ));
    }
    if let (Some(exchange), Some(review)) = (c.exchange_id, c.review_id) {
        return Err(Refusal::new(
            Rule::ExchangeAndReview,
            format!(
                "a document is attached to one exchange or one review, not to exchange {exchange} and review {review}"
            ),
        ));
    }
    if let Some(id) = c.exchange_id {
        let x = a.exchanges().states.get(&id).ok_or_else(|| {
            Refusal::new(
                Rule::ExchangeNotFound,
                format!(
                    "exchange {id} is not an exchange of agreement {}",
                    c.agreement_id
                ),
            )
        })?;
        if x.retracted {
            return Err(Refusal::new(
                Rule::ExchangeRetracted,
                format!("exchange {id} was retracted"),
            ));
        }
    }
    if let Some(id) = c.review_id {
        if !a.reviews.contains_key(&id) {
            return Err(Refusal::new(
                Rule::ReviewNotFound,
                format!(
                    "review {id} is not a review of agreement {}",
                    c.agreement_id
                ),
            ));
        }
    }
    let event = Event::DocumentAttached(DocumentAttached {
        agreement_id: c.agreement_id,
        attachment: file.sha256.clone(),
        size: file.size,
        media_type: file.media_type.clone(),
        title: c.title.clone(),
        kind: c.kind,
        dated_on: c.dated_on,
        filename: c.filename.clone(),
        exchange_id: c.exchange_id,
        review_id: c.review_id,
    });
    on_agreement(c.agreement_id, event, c.dated_on)
}

fn activity_of(a: &AgreementState, id: ActivityId) -> Result<&ActivityState, Refusal> {
    a.activities.get(&id).ok_or_else(|| {
        Refusal::new(
            Rule::ActivityNotFound,
            format!("activity {id} is not in the agreement's work plan"),
        )
    })
}

/// An exchange may carry out an activity of its agreement's plan that was
/// not cancelled.
fn check_activity_open(a: &AgreementState, id: ActivityId) -> Result<(), Refusal> {
    if activity_of(a, id)?.cancelled {
        return Err(Refusal::new(
            Rule::ActivityCancelled,
            format!("activity {id} was cancelled"),
        ));
    }
    Ok(())
}

/// A follow-up falls due on or after the exchange that agreed it.
fn due_not_before(f: &FollowUp, on: BusinessDate) -> Result<(), Refusal> {
    if f.due_on < on {
        return Err(Refusal::new(
            Rule::FollowUpDueBeforeExchange,
            format!(
                "follow-up `{}` is due on {}, before the exchange on {on}",
                f.action, f.due_on
            ),
        ));
    }
    Ok(())
}

/// The follow-ups of exchange `exchange` on `on` as given, replacing `old`
/// (its follow-ups so far), each with its id: those given keep theirs,
/// the others get the first id derived from the exchange's that is not
/// taken ([`FollowUpId::derived`]). Each action is written, its party a
/// party of the agreement on `on`, due on or after `on`; an id given is
/// one of `old` or new to the agreement, and given once; a completed
/// follow-up of `old` is neither dropped nor changed.
fn follow_ups(
    model: &WriteModel,
    a: &AgreementState,
    exchange: ExchangeId,
    old: &[FollowUpId],
    on: BusinessDate,
    given: &[FollowUpInput],
) -> Result<Vec<FollowUp>, Refusal> {
    let mut seen: HashSet<FollowUpId> = HashSet::new();
    let taken = |id: &FollowUpId, seen: &HashSet<FollowUpId>| {
        seen.contains(id) || (a.exchanges().follow_ups.contains_key(id) && !old.contains(id))
    };
    for f in given.iter().filter_map(|f| f.follow_up_id) {
        if taken(&f, &seen) {
            return Err(Refusal::new(
                Rule::FollowUpAlreadyExists,
                format!("follow-up id {f} is already used"),
            ));
        }
        seen.insert(f);
    }
    let mut next = 0;
    let mut out = Vec::with_capacity(given.len());
    for f in given {
        require_text(&f.action, "follow_ups.action")?;
        check_member(model, a, &f.party_id, on)?;
        let id = match f.follow_up_id {
            Some(id) => id,
            None => loop {
                let id = FollowUpId::derived(exchange, next);
                next += 1;
                if !taken(&id, &seen) && !old.contains(&id) {
                    seen.insert(id);
                    break id;
                }
            },
        };
        let follow_up = FollowUp {
            follow_up_id: id,
            action: f.action.clone(),
            party_id: f.party_id.clone(),
            due_on: f.due_on,
        };
        due_not_before(&follow_up, on)?;
        out.push(follow_up);
    }
    for id in old {
        let Some(state) = a.exchanges().follow_ups.get(id).filter(|s| s.completed) else {
            continue;
        };
        if !out.contains(&state.follow_up) {
            return Err(Refusal::new(
                Rule::FollowUpDone,
                format!("follow-up {id} was completed: it can be neither dropped nor changed"),
            ));
        }
    }
    Ok(out)
}

fn plan_activity(model: &WriteModel, c: &PlanActivity) -> Decided {
    let id = c
        .activity_id
        .expect("activity ids are assigned before deciding");
    let a = agreement(model, c.agreement_id)?;
    require_text(&c.title, "title")?;
    if a.activities.contains_key(&id) {
        return Err(Refusal::new(
            Rule::ActivityAlreadyExists,
            format!("activity {id} is already in the agreement's work plan"),
        ));
    }
    // An activity is judged on its due date: the term, areas, members and
    // termination in force then (ADR 0032).
    let due = c.due_on;
    let term = a.term_at(due);
    if !term.contains(due) {
        return Err(Refusal::new(
            Rule::ActivityOutsideTerm,
            format!("{due} is outside the term {} to {}", term.start, term.end),
        ));
    }
    live_on(a, c.agreement_id, due)?;
    check_exchange_area(a, due, &c.area)?;
    check_member(model, a, &c.lead_party, due)?;
    let event = Event::ActivityPlanned(ActivityPlanned {
        agreement_id: c.agreement_id,
        activity_id: id,
        area: c.area.clone(),
        title: c.title.clone(),
        lead_party: c.lead_party.clone(),
        due_on: due,
        description: c.description.clone(),
    });
    Ok(Decision {
        stream: StreamId::Agreement(c.agreement_id),
        facts: vec![Fact {
            event,
            // A work plan is read whole at every date: an activity due later
            // is `planned` on the dates before (ADR 0032).
            effective_on: None,
        }],
    })
}

fn cancel_activity(model: &WriteModel, c: &CancelActivity) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    check_activity_open(a, c.activity_id)?;
    if a.activity_done(c.activity_id) {
        return Err(Refusal::new(
            Rule::ActivityDone,
            format!(
                "activity {} was carried out by a recorded exchange",
                c.activity_id
            ),
        ));
    }
    require_reason(&c.reason)?;
    let event = Event::ActivityCancelled(ActivityCancelled {
        agreement_id: c.agreement_id,
        activity_id: c.activity_id,
        reason: c.reason.clone(),
    });
    Ok(Decision {
        stream: StreamId::Agreement(c.agreement_id),
        facts: vec![Fact {
            event,
            // Like a retraction, a cancellation holds at every date.
            effective_on: None,
        }],
    })
}

fn complete_follow_up(
    model: &WriteModel,
    c: &CompleteFollowUp,
    today: Option<BusinessDate>,
) -> Decided {
    let a = agreement(model, c.agreement_id)?;
    let not_found = || {
        Refusal::new(
            Rule::FollowUpNotFound,
            format!(
                "follow-up {} is not one of the agreement's exchanges'",
                c.follow_up_id
            ),
        )
    };
    let f: &FollowUpState = a
        .exchanges()
        .follow_ups
        .get(&c.follow_up_id)
        .ok_or_else(not_found)?;
    // A retracted exchange's follow-ups went with it.
    let x = a
        .exchanges()
        .states
        .get(&f.exchange_id)
        .filter(|x| !x.retracted)
        .ok_or_else(not_found)?;
    if f.completed {
        return Err(Refusal::new(
            Rule::FollowUpDone,
            format!("follow-up {} was already completed", c.follow_up_id),
        ));
    }
    if let Some(today) = today.filter(|today| c.completed_on > *today) {
        return Err(Refusal::new(
            Rule::CompletionInFuture,
            format!("{} is after today, {today}", c.completed_on),
        ));
    }
    if c.completed_on < x.occurred_on {
        return Err(Refusal::new(
            Rule::CompletionBeforeExchange,
            format!(
                "{} is before the exchange that agreed it, on {}",
                c.completed_on, x.occurred_on
            ),
        ));
    }
    let event = Event::FollowUpCompleted(FollowUpCompleted {
        agreement_id: c.agreement_id,
        follow_up_id: c.follow_up_id,
        completed_on: c.completed_on,
    });
    on_agreement(c.agreement_id, event, c.completed_on)
}
