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
//! Where the two folds could part (the read models key exchanges globally;
//! before exchange ids were unique across agreements, a log could reuse one
//! under a second agreement), the snapshot carries a
//! [`accord_domain::WritePatch`]; for the logs the rules write it is empty
//! (property-tested in `accord-engine`).

use std::collections::{HashMap, HashSet};

use accord_domain::{
    AgreementAmended, AgreementId, AgreementState, ExchangeState, ReviewState, WriteModel,
    WritePatch,
};

use crate::state::AgreementRecord;
use crate::ReadModels;

impl ReadModels {
    /// The write model of the same log position, derived from these read
    /// models without replaying (see the module's rules).
    pub fn write_model(&self) -> WriteModel {
        let parties: HashSet<_> = self.parties.keys().cloned().collect();
        let mut agreements: HashMap<_, _> = self
            .agreements
            .iter()
            .map(|(id, record)| (*id, agreement_state(record, record.exchanges.len())))
            .collect();
        // One pass over the exchange table in its own order, not a lookup
        // per id in each agreement's list: at a million events the table
        // is over 100 MB and random lookups into it cost a cache miss each.
        for (id, x) in &self.exchanges {
            let Some(agreement) = agreements.get_mut(&x.agreement_id) else {
                continue;
            };
            let state = ExchangeState {
                occurred_on: x.occurred_on,
                area: x.area.clone(),
                parties: x.parties.clone(),
                retracted: x.retracted,
            };
            agreement.exchanges.insert(*id, state);
        }
        WriteModel::from_parts(parties, agreements)
    }

    /// `write.patch_from(&self.write_model())`, found by comparing `write`
    /// with these read models in place instead of building the derived
    /// model: one pass over the exchange table, no exchange state allocated.
    /// What a snapshot stores (ADR 0019); building the derived model was
    /// most of the cost of encoding a large state (a million exchanges,
    /// each with its area and parties copied, to find nothing to patch).
    pub fn write_patch(&self, write: &WriteModel) -> WritePatch {
        let parties = write.parties();
        let parties_differ = parties.len() != self.parties.len()
            || !self.parties.keys().all(|party| parties.contains(party));
        let actual = write.agreements();
        let mut differing: HashSet<AgreementId> = actual
            .iter()
            .filter(|(id, state)| match self.agreements.get(id) {
                Some(record) => !agreement_state(record, 0).eq_except_exchanges(state),
                None => true,
            })
            .map(|(id, _)| *id)
            .collect();
        // The derived exchanges, in the exchange table's order (as
        // `write_model` reads them), each checked against the actual one.
        let mut derived_counts: HashMap<AgreementId, usize> = HashMap::new();
        for (id, x) in &self.exchanges {
            if !self.agreements.contains_key(&x.agreement_id) {
                continue;
            }
            let Some(state) = actual.get(&x.agreement_id) else {
                continue;
            };
            *derived_counts.entry(x.agreement_id).or_default() += 1;
            let same = state.exchanges.get(id).is_some_and(|s| {
                s.occurred_on == x.occurred_on
                    && s.area == x.area
                    && s.parties == x.parties
                    && s.retracted == x.retracted
            });
            if !same {
                differing.insert(x.agreement_id);
            }
        }
        for (id, state) in actual {
            let derived = derived_counts.get(id).copied().unwrap_or(0);
            if self.agreements.contains_key(id) && derived != state.exchanges.len() {
                differing.insert(*id);
            }
        }
        let missing = self
            .agreements
            .keys()
            .filter(|id| !actual.contains_key(id))
            .copied();
        write.patch_for(parties_differ, differing, missing)
    }
}

/// An agreement's state without its exchanges (added by the caller), its
/// exchange table sized for `exchanges` of them.
fn agreement_state(record: &AgreementRecord, exchanges: usize) -> AgreementState {
    let signed = &record.signed;
    let since = signed.signed_on.min(signed.term.start);
    let mut parties: HashMap<_, _> = signed.parties.iter().map(|p| (p.clone(), since)).collect();
    for (party, on, _) in &record.admissions {
        parties.entry(party.clone()).or_insert(*on);
    }
    // Amendments are kept in (effective_on, position) order; the write
    // model keeps the last one applied, the greatest position.
    let last = |has: fn(&AgreementAmended) -> bool| {
        record
            .amendments
            .iter()
            .filter(|(_, a)| has(a))
            .max_by_key(|(position, _)| *position)
            .map(|(_, a)| a)
    };
    let term = last(|a| a.term.is_some()).and_then(|a| a.term);
    let areas = last(|a| a.areas.is_some()).and_then(|a| a.areas.as_ref());
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
        exchanges: HashMap::with_capacity(exchanges),
        reviews,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use accord_domain::{AgreementId, AgreementState, Event, ExchangeId, PartyId, WriteModel};

    use crate::test_seed::{
        every_event_type, every_event_type_models, exchange_id_reused_under_tripartite,
    };
    use crate::ReadModels;

    /// The derived model with `change` made to its parts.
    fn changed(
        read: &ReadModels,
        change: impl FnOnce(&mut HashSet<PartyId>, &mut HashMap<AgreementId, AgreementState>),
    ) -> WriteModel {
        let derived = read.write_model();
        let (mut parties, mut agreements) =
            (derived.parties().clone(), derived.agreements().clone());
        change(&mut parties, &mut agreements);
        WriteModel::from_parts(parties, agreements)
    }

    #[test]
    fn the_patch_found_in_place_is_the_patch_from_the_derived_model_whatever_differs() {
        let (read, folded) = every_event_type_models();
        let first = |agreements: &HashMap<AgreementId, AgreementState>| {
            *agreements.keys().min().expect("the seed signs agreements")
        };
        let with_exchanges = |agreements: &HashMap<AgreementId, AgreementState>| {
            *agreements
                .iter()
                .find(|(_, a)| !a.exchanges.is_empty())
                .expect("the seed records exchanges")
                .0
        };
        let mut reusing = folded.clone();
        reusing.evolve(&exchange_id_reused_under_tripartite());
        let variants: Vec<(&str, WriteModel)> = vec![
            ("an exchange id reused under a second agreement", reusing),
            (
                "an extra party",
                changed(&read, |parties, _| {
                    parties.insert(PartyId::parse("ben-tre-iza").unwrap());
                }),
            ),
            (
                "a party missing",
                changed(&read, |parties, _| {
                    let any = parties.iter().next().unwrap().clone();
                    parties.remove(&any);
                }),
            ),
            (
                "an agreement missing",
                changed(&read, |_, agreements| {
                    agreements.remove(&first(agreements));
                }),
            ),
            (
                "a term changed",
                changed(&read, |_, agreements| {
                    let id = first(agreements);
                    let state = agreements.get_mut(&id).unwrap();
                    state.terminated_on = Some(state.signed_on);
                }),
            ),
            (
                "an exchange retracted",
                changed(&read, |_, agreements| {
                    let id = with_exchanges(agreements);
                    let x = agreements
                        .get_mut(&id)
                        .unwrap()
                        .exchanges
                        .values_mut()
                        .next()
                        .unwrap();
                    x.retracted = !x.retracted;
                }),
            ),
            (
                "an exchange missing",
                changed(&read, |_, agreements| {
                    let id = with_exchanges(agreements);
                    let exchanges = &mut agreements.get_mut(&id).unwrap().exchanges;
                    let any = *exchanges.keys().next().unwrap();
                    exchanges.remove(&any);
                }),
            ),
            (
                "an extra exchange",
                changed(&read, |_, agreements| {
                    let id = with_exchanges(agreements);
                    let exchanges = &mut agreements.get_mut(&id).unwrap().exchanges;
                    let copy = exchanges.values().next().unwrap().clone();
                    exchanges.insert(ExchangeId(uuid::Uuid::now_v7()), copy);
                }),
            ),
        ];
        assert!(read.write_patch(&folded).is_empty());
        for (what, write) in variants {
            let expected = write.patch_from(&read.write_model());
            assert!(!expected.is_empty(), "{what}: the variant differs");
            assert_eq!(read.write_patch(&write), expected, "{what}");
        }
    }

    #[test]
    fn the_derived_write_model_equals_the_folded_one_after_every_event() {
        let mut read = ReadModels::new();
        let mut write = accord_domain::WriteModel::new();
        for (i, event) in every_event_type().iter().enumerate() {
            write.evolve(event);
            read.apply(i as u64 + 1, 1, event);

            assert_eq!(read.write_model(), write, "after {}", event.type_name());
            assert_eq!(
                read.write_patch(&write),
                write.patch_from(&read.write_model())
            );
        }
        assert!(every_event_type()
            .iter()
            .any(|e| matches!(e, Event::AgreementAmended(_))));
    }
}
