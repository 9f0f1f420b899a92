//! The write model restored from the read models, so that a snapshot need
//! not store it (ADR 0019).
//!
//! The read models keep every fact the write model folds, so the write
//! model is a function of them, computed the way `WriteModel::evolve` folds:
//!
//! - parties: every registered party;
//! - per agreement: each signatory since `min(signed_on, term.start)` of the
//!   signature, then each admitted party since its first admission;
//!   `signed_on`; term and areas as last amended *in log order* (the
//!   amendment with the greatest position that gives them), else as signed;
//!   the first termination's date;
//! - its exchanges as last corrected (date, area, parties) and whether
//!   retracted; its reviews' periods and whether closed.
//!
//! Where the two folds could part (the read models key exchanges globally,
//! the rules check exchange ids per agreement), the snapshot carries a
//! [`accord_domain::WritePatch`]; for the logs the rules write it is empty
//! (property-tested in `accord-engine`).

use std::collections::{HashMap, HashSet};

use accord_domain::{AgreementState, ExchangeState, ReviewState, WriteModel};

use crate::state::AgreementRecord;
use crate::ReadModels;

impl ReadModels {
    /// The write model of the same log position, derived from these read
    /// models without replaying (see the module's rules).
    pub fn write_model(&self) -> WriteModel {
        let parties: HashSet<_> = self.parties.keys().cloned().collect();
        let agreements: HashMap<_, _> = self
            .agreements
            .iter()
            .map(|(id, record)| (*id, self.agreement_state(record)))
            .collect();
        WriteModel::from_parts(parties, agreements)
    }

    fn agreement_state(&self, record: &AgreementRecord) -> AgreementState {
        let signed = &record.signed;
        let since = signed.signed_on.min(signed.term.start);
        let mut parties: HashMap<_, _> =
            signed.parties.iter().map(|p| (p.clone(), since)).collect();
        for (party, on, _) in &record.admissions {
            parties.entry(party.clone()).or_insert(*on);
        }
        // Amendments are kept in (effective_on, position) order; the write
        // model keeps the last one applied, the greatest position.
        let last = |has: fn(&accord_domain::AgreementAmended) -> bool| {
            record
                .amendments
                .iter()
                .filter(|(_, a)| has(a))
                .max_by_key(|(position, _)| *position)
                .map(|(_, a)| a)
        };
        let term = last(|a| a.term.is_some()).and_then(|a| a.term);
        let areas = last(|a| a.areas.is_some()).and_then(|a| a.areas.as_ref());
        // Sized up front: a table grown by doubling moves its entries again
        // at every step, for every agreement of the snapshot.
        let mut exchanges = HashMap::with_capacity(record.exchanges.len());
        exchanges.extend(record.exchanges.iter().filter_map(|id| {
            let x = self.exchanges.get(id)?;
            let state = ExchangeState {
                occurred_on: x.occurred_on,
                area: x.area.clone(),
                parties: x.parties.clone(),
                retracted: x.retracted,
            };
            Some((*id, state))
        }));
        let reviews = record
            .review_index
            .iter()
            .map(|(id, index)| {
                let review = &record.reviews[*index];
                let state = ReviewState {
                    period: review.opened.period,
                    closed: review.closed.is_some(),
                };
                (*id, state)
            })
            .collect();
        AgreementState {
            parties,
            signed_on: signed.signed_on,
            term: term.unwrap_or(signed.term),
            areas: areas.unwrap_or(&signed.areas).iter().cloned().collect(),
            terminated_on: record.terminated.map(|(on, _)| on),
            exchanges,
            reviews,
        }
    }
}

#[cfg(test)]
mod tests {
    use accord_domain::Event;

    use crate::test_seed::every_event_type;
    use crate::ReadModels;

    #[test]
    fn the_derived_write_model_equals_the_folded_one_after_every_event() {
        let mut read = ReadModels::new();
        let mut write = accord_domain::WriteModel::new();
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
