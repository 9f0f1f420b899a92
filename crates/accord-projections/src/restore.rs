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
//!   date;
//! - its exchanges as last corrected (date, area, parties, activity,
//!   follow-ups) and whether retracted; its reviews' periods and whether
//!   closed; its activities (cancelled, the exchanges naming them) and the
//!   follow-ups of its exchanges (completed or not).
//!
//! The read models key exchanges globally, and the rules keep exchange ids
//! unique across agreements (ADR 0022), so for every log the rules write
//! the derived model equals the folded one (property-tested in
//! `accord-engine`; `accord rebuild --check` compares them on a real log).

use std::collections::HashMap;

use accord_domain::{
    ActivityState, AgreementState, ExchangeState, ExchangeStates, FollowUpState, PartyProfile,
    PartyState, ReviewState, Terms, WriteModel,
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
        let mut agreements: HashMap<_, _> = self
            .agreements
            .iter()
            .map(|(id, record)| (*id, agreement_state(record)))
            .collect();
        // Each agreement's exchanges gathered in table order, then sorted
        // once into its `ExchangeStates` (inserting them one by one in this
        // order would move the entries after each).
        let mut exchanges: HashMap<_, Vec<_>> = self
            .agreements
            .iter()
            .map(|(id, record)| (*id, Vec::with_capacity(record.exchanges.len())))
            .collect();
        // One pass over the exchange table in its own order, not a lookup
        // per id in each agreement's list: at a million events the table
        // is over 100 MB and random lookups into it cost a cache miss each.
        for (id, x) in self.exchanges.iter() {
            let Some(agreement) = agreements.get_mut(&x.agreement_id) else {
                continue;
            };
            let state = ExchangeState {
                occurred_on: x.occurred_on,
                area: x.area.clone(),
                parties: x.parties.clone(),
                retracted: x.retracted,
                activity_id: x.activity_id,
                follow_ups: x.follow_ups.iter().map(|f| f.follow_up_id).collect(),
            };
            if let Some(list) = exchanges.get_mut(&x.agreement_id) {
                list.push((*id, state));
            }
            let record = &self.agreements[&x.agreement_id];
            for f in &x.follow_ups {
                let state = FollowUpState {
                    exchange_id: *id,
                    follow_up: f.clone(),
                    completed: record.completions.contains_key(&f.follow_up_id),
                };
                agreement.follow_ups.insert(f.follow_up_id, state);
            }
        }
        for (id, list) in exchanges {
            if let Some(agreement) = agreements.get_mut(&id) {
                agreement.exchanges = ExchangeStates::from(list);
            }
        }
        WriteModel::from_parts(parties, agreements)
    }
}

/// An agreement's state without its exchanges (added by the caller).
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
        exchanges: ExchangeStates::default(),
        reviews,
        activities: record
            .activities
            .iter()
            .map(|a| {
                let state = ActivityState {
                    cancelled: a.cancelled.is_some(),
                    carried_by: a.carried_by.iter().copied().collect(),
                };
                (a.planned.activity_id, state)
            })
            .collect(),
        follow_ups: HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use accord_domain::{Event, WriteModel};

    use crate::test_seed::every_event_type;
    use crate::ReadModels;

    #[test]
    fn the_derived_write_model_equals_the_folded_one_after_every_event() {
        let mut read = ReadModels::new();
        let mut write = WriteModel::new();
        for (i, event) in every_event_type().iter().enumerate() {
            write.evolve(event);
            read.apply(i as u64 + 1, 1, event);

            assert_eq!(read.write_model(), write, "after {}", event.type_name());
        }
        assert!(every_event_type()
            .iter()
            .any(|e| matches!(e, Event::AgreementAmended(_))));
    }
}
