//! The write model restored from the read models, so that a snapshot need
//! not store it (ADR 0019).
//!
//! The read models keep every fact the write model folds, so the write
//! model is a function of them, computed the way `WriteModel::evolve` folds:
//!
//! - parties: every registered party;
//! - per agreement: its memberships (both models keep them alike, with
//!   `accord_domain::Members`); `signed_on`; the terms as signed and every
//!   amendment in (effective_on, position) order; the first termination's
//!   date; its reviews' periods and whether closed; its activities and
//!   whether cancelled;
//! - every exchange id, the keys of the exchange table; the positions
//!   voided.
//!
//! Each agreement's exchanges (their states, the exchanges naming each
//! activity, the follow-ups) are not derived: they are loaded from the
//! agreement's stream when a command reads them (ADR 0054), so that
//! start-up does not walk every exchange. The read models key exchanges
//! globally, and the rules keep exchange ids unique across agreements
//! (ADR 0022), so for every log the rules write the derived model, its
//! exchanges loaded, equals the folded one (property-tested in
//! `accord-engine`; `accord rebuild --check` compares them on a real log).

use std::collections::HashMap;

use accord_domain::{
    ActivityState, AgreementState, PartyProfile, PartyState, ReviewState, Terms, WriteModel,
};

use crate::state::AgreementRecord;
use crate::ReadModels;

impl ReadModels {
    /// The write model of the same log position, derived from these read
    /// models without replaying (see the module's rules).
    pub fn write_model(&self) -> WriteModel {
        let parties: HashMap<_, _> = self
            .parties
            .iter()
            .map(|(id, p)| {
                let state = PartyState {
                    registered: PartyProfile::registered(&p.registered),
                    updates: p.updates.iter().map(|(_, u)| u.clone()).collect(),
                    succeeded: p
                        .succeeded
                        .as_ref()
                        .map(|(_, e)| (e.successor_id.clone(), e.effective_on)),
                };
                (id.clone(), state)
            })
            .collect();
        let agreements = self
            .agreements
            .iter()
            .map(|(id, record)| (*id, agreement_state(record)))
            .collect();
        // Every agreement's exchange ids (an id recorded under two
        // agreements by a log written before ADR 0022 under each).
        let exchange_ids = self
            .exchanges
            .by_agreement
            .iter()
            .flat_map(|(agreement, t)| t.records.keys().map(|id| (*id, *agreement)));
        let voided = self.voids.keys().copied().collect();
        WriteModel::from_parts(parties, agreements, exchange_ids, voided)
    }
}

/// An agreement's state, its exchanges not loaded.
fn agreement_state(record: &AgreementRecord) -> AgreementState {
    let signed = &record.signed;
    let reviews = record
        .review_index
        .iter()
        .map(|(id, index)| {
            let review = &record.reviews[*index];
            let mut assessed = HashMap::new();
            for (_, a) in &review.assessments {
                let latest = assessed.entry(a.party_id.clone()).or_insert(a.assessed_on);
                *latest = (*latest).max(a.assessed_on);
            }
            let state = ReviewState {
                period: review.opened.period,
                closed: review.closed.is_some(),
                assessed,
            };
            (*id, state)
        })
        .collect();
    AgreementState {
        members: record.members.clone(),
        signed_on: signed.signed_on,
        signed: Terms {
            title: signed.title.clone(),
            term: signed.term,
            areas: signed.areas.clone(),
            responsibilities: signed.responsibilities.clone(),
            document: signed.document.clone(),
        },
        // Both keep amendments in (effective_on, position) order.
        amendments: record.amendments.iter().map(|(_, a)| a.clone()).collect(),
        terminated_on: record.terminated.map(|(on, _)| on),
        exchanges: None,
        reviews,
        activities: record
            .activities
            .iter()
            .map(|a| {
                let state = ActivityState {
                    cancelled: a.cancelled.is_some(),
                };
                (a.planned.activity_id, state)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use accord_domain::{AgreementExchanges, Event, WriteModel};

    use crate::test_seed::every_event_type;
    use crate::ReadModels;

    #[test]
    fn the_derived_write_model_its_exchanges_loaded_equals_the_folded_one_after_every_event() {
        let mut read = ReadModels::new();
        let mut write = WriteModel::new();
        let events = every_event_type();
        for (i, event) in events.iter().enumerate() {
            write.evolve(event);
            read.apply(i as u64 + 1, 1, event);

            let mut derived = read.write_model();
            for id in read.agreements.keys() {
                assert!(!derived.is_loaded(*id));
                let stream = events[..=i]
                    .iter()
                    .filter(|e| accord_domain::model::event_agreement(e) == Some(*id));
                derived.load(*id, AgreementExchanges::fold(stream).unwrap());
            }
            assert_eq!(derived, write, "after {}", event.type_name());
        }
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::AgreementAmended(_))));
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::FollowUpCompleted(_))));
    }
}
