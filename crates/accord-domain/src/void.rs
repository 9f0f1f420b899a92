//! Voiding a mistaken fact (ADR 0031).
//!
//! A void is decided in two steps, because the write model keeps no event
//! ids and no history. The engine finds the named event in the log and
//! hands it to [`decide_void`], which checks what the event itself allows
//! (it exists, is not a void, is not voided already, a reason is given).
//! Then the engine folds the log again without it and, for every later
//! fact, asks [`WriteModel::rejudge`] whether the rules would still accept
//! it: the first one refused makes the void break history
//! ([`breaks_history`]). Only a void pays for that fold.

use crate::command::*;
use crate::event::*;
use crate::ids::{BusinessDate, EventId};
use crate::model::{Circumstances, Decision, Fact, StoredFile, WriteModel};
use crate::refusal::{Refusal, Rule};
use crate::StreamId;

/// What the log holds of the event a void names.
#[derive(Debug, Clone, PartialEq)]
pub struct VoidTarget {
    /// Its id.
    pub event_id: EventId,
    /// Its position in the log.
    pub position: u64,
    /// Its stream, where the void is appended.
    pub stream: StreamId,
    /// The fact.
    pub event: Event,
    /// Its business date, which the void's envelope carries too.
    pub effective_on: Option<BusinessDate>,
    /// The void already recorded for it, if any.
    pub voided_by: Option<EventId>,
}

/// Decides a void from what the log says of its event (`None`: no event
/// has that id): the rules `event_not_found`, `void_of_void`,
/// `event_already_voided` and `reason_required`, in that order.
/// Whether history still holds without the event (`void_breaks_history`)
/// is judged afterwards, by folding the log ([`WriteModel::rejudge`]).
pub fn decide_void(c: &VoidEvent, target: Option<&VoidTarget>) -> Result<Decision, Refusal> {
    let Some(target) = target else {
        return Err(Refusal::new(
            Rule::EventNotFound,
            format!("no event with id {} was recorded", c.event_id),
        ));
    };
    if let Event::EventVoided(v) = &target.event {
        return Err(Refusal::new(
            Rule::VoidOfVoid,
            format!(
                "event {} is itself a void (of event {}): a void is final",
                target.event_id, v.event_id
            ),
        ));
    }
    if let Some(by) = target.voided_by {
        return Err(Refusal::new(
            Rule::EventAlreadyVoided,
            format!("event {} was already voided by event {by}", target.event_id),
        ));
    }
    if c.reason.trim().is_empty() {
        return Err(Refusal::new(Rule::ReasonRequired, "a reason must be given"));
    }
    let event = Event::EventVoided(EventVoided {
        event_id: target.event_id,
        voided_position: target.position,
        voided_type: target.event.type_name().to_owned(),
        agreement_id: crate::model::event_agreement(&target.event),
        reason: c.reason.clone(),
    });
    Ok(Decision {
        stream: target.stream.clone(),
        facts: vec![Fact {
            event,
            effective_on: target.effective_on,
        }],
    })
}

/// The refusal of a void without which `event` (at `position`, with id
/// `event_id`), recorded after the voided one, would be refused by the
/// rules: it names that first dependent fact and the rule it would break.
pub fn breaks_history(
    position: u64,
    event_id: Option<EventId>,
    event: &Event,
    refused: &Refusal,
) -> Refusal {
    let id = event_id
        .map(|id| format!(" (event {id})"))
        .unwrap_or_default();
    Refusal::new(
        Rule::VoidBreaksHistory,
        format!(
            "without it the {} at position {position}{id} would be refused ({}): {}",
            event.type_name(),
            refused.rule.code(),
            refused.detail
        ),
    )
}

impl WriteModel {
    /// Whether the rules would accept `event` now, judged as the command
    /// that records it ([`command_of`]), without today's date (a fact
    /// recorded earlier was not in the future then). A void records
    /// nothing to judge and is always accepted.
    pub fn rejudge(&self, event: &Event) -> Result<(), Refusal> {
        match command_of(event) {
            Some(command) => {
                // The file a recorded attachment names was there when it
                // was recorded: the event says what it was.
                let file = match event {
                    Event::DocumentAttached(e) => Some(StoredFile {
                        sha256: e.attachment.clone(),
                        size: e.size,
                        media_type: e.media_type.clone(),
                    }),
                    _ => None,
                };
                let given = Circumstances { today: None, file };
                crate::rules::decide(self, &command, &given).map(|_| ())
            }
            None => Ok(()),
        }
    }
}

/// The command that records `event`, with the ids it was given; `None` for
/// a void, which is judged against the log, not the rules.
pub fn command_of(event: &Event) -> Option<Command> {
    Some(match event.clone() {
        Event::PartyRegistered(e) => Command::RegisterParty(RegisterParty {
            party_id: e.party_id,
            name: e.name,
            short_name: e.short_name,
            kind: e.kind,
            province: e.province,
        }),
        Event::AgreementSigned(e) => Command::SignAgreement(SignAgreement {
            agreement_id: Some(e.agreement_id),
            title: e.title,
            parties: e.parties,
            signed_on: e.signed_on,
            place: e.place,
            term: e.term,
            areas: e.areas,
            responsibilities: e.responsibilities,
            supersedes: e.supersedes,
            document: e.document,
        }),
        Event::AgreementAmended(e) => Command::AmendAgreement(AmendAgreement {
            agreement_id: e.agreement_id,
            effective_on: e.effective_on,
            reason: e.reason,
            title: e.title,
            term: e.term,
            areas: e.areas,
            responsibilities: e.responsibilities,
            document: e.document,
        }),
        Event::PartyAdmitted(e) => Command::AdmitParty(AdmitParty {
            agreement_id: e.agreement_id,
            party_id: e.party_id,
            effective_on: e.effective_on,
        }),
        Event::ExchangeRecorded(e) => Command::RecordExchange(RecordExchange {
            agreement_id: e.agreement_id,
            exchange_id: Some(e.exchange_id),
            occurred_on: e.occurred_on,
            area: e.area,
            kind: e.kind,
            parties: e.parties,
            summary: e.summary,
            outcome: e.outcome,
            place: e.place,
            participants: e.participants,
            minutes: e.minutes,
            follow_ups: e.follow_ups.into_iter().map(follow_up_input).collect(),
            activity_id: e.activity_id,
        }),
        Event::ExchangeCorrected(e) => Command::CorrectExchange(CorrectExchange {
            agreement_id: e.agreement_id,
            exchange_id: e.exchange_id,
            reason: e.reason,
            occurred_on: e.occurred_on,
            area: e.area,
            kind: e.kind,
            parties: e.parties,
            summary: e.summary,
            outcome: e.outcome,
            place: e.place,
            participants: e.participants,
            minutes: e.minutes,
            follow_ups: e
                .follow_ups
                .map(|list| list.into_iter().map(follow_up_input).collect()),
            activity_id: e.activity_id,
        }),
        Event::ExchangeRetracted(e) => Command::RetractExchange(RetractExchange {
            agreement_id: e.agreement_id,
            exchange_id: e.exchange_id,
            reason: e.reason,
        }),
        Event::ReviewPeriodOpened(e) => Command::OpenReviewPeriod(OpenReviewPeriod {
            agreement_id: e.agreement_id,
            review_id: Some(e.review_id),
            title: e.title,
            kind: e.kind,
            period: e.period,
            opened_on: e.opened_on,
        }),
        Event::AssessmentRecorded(e) => Command::RecordAssessment(RecordAssessment {
            agreement_id: e.agreement_id,
            review_id: e.review_id,
            party_id: e.party_id,
            assessed_on: e.assessed_on,
            rating: e.rating,
            notes: e.notes,
        }),
        Event::ReviewPeriodClosed(e) => Command::CloseReviewPeriod(CloseReviewPeriod {
            agreement_id: e.agreement_id,
            review_id: e.review_id,
            closed_on: e.closed_on,
            outcome: e.outcome,
            summary: e.summary,
        }),
        Event::AgreementTerminated(e) => Command::TerminateAgreement(TerminateAgreement {
            agreement_id: e.agreement_id,
            effective_on: e.effective_on,
            reason: e.reason,
        }),
        Event::PartyUpdated(e) => Command::UpdateParty(UpdateParty {
            party_id: e.party_id,
            effective_on: e.effective_on,
            reason: e.reason,
            name: e.name,
            short_name: e.short_name,
            kind: e.kind,
            province: e.province,
        }),
        Event::PartySucceeded(e) => Command::SucceedParty(SucceedParty {
            party_id: e.party_id,
            successor_id: e.successor_id,
            effective_on: e.effective_on,
            reason: e.reason,
        }),
        Event::PartyWithdrew(e) => Command::WithdrawParty(WithdrawParty {
            agreement_id: e.agreement_id,
            party_id: e.party_id,
            effective_on: e.effective_on,
            reason: e.reason,
        }),
        Event::DocumentAttached(e) => Command::AttachDocument(AttachDocument {
            agreement_id: e.agreement_id,
            attachment: e.attachment,
            title: e.title,
            kind: e.kind,
            dated_on: e.dated_on,
            filename: e.filename,
            exchange_id: e.exchange_id,
            review_id: e.review_id,
        }),
        Event::ActivityPlanned(e) => Command::PlanActivity(PlanActivity {
            agreement_id: e.agreement_id,
            activity_id: Some(e.activity_id),
            area: e.area,
            title: e.title,
            lead_party: e.lead_party,
            due_on: e.due_on,
            description: e.description,
        }),
        Event::ActivityCancelled(e) => Command::CancelActivity(CancelActivity {
            agreement_id: e.agreement_id,
            activity_id: e.activity_id,
            reason: e.reason,
        }),
        Event::FollowUpCompleted(e) => Command::CompleteFollowUp(CompleteFollowUp {
            agreement_id: e.agreement_id,
            follow_up_id: e.follow_up_id,
            completed_on: e.completed_on,
        }),
        Event::EventVoided(_) => return None,
    })
}

/// A recorded follow-up as the command that agreed it gave it, with its id.
fn follow_up_input(f: FollowUp) -> FollowUpInput {
    FollowUpInput {
        follow_up_id: Some(f.follow_up_id),
        action: f.action,
        party_id: f.party_id,
        due_on: f.due_on,
    }
}
