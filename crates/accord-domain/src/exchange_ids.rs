//! Which agreement recorded each exchange id, in 12 bytes per exchange
//! (ADR 0053): what keeps exchange ids unique across the log (ADR 0022)
//! without a hash set of every id (16 bytes each plus its empty slots,
//! about 18 MB at a million events).
//!
//! An entry is a 64-bit fingerprint of an id and the number of the
//! agreement that recorded it, kept in two parallel vectors sorted by
//! (fingerprint, number): a `(u64, u32)` pair would take 16 bytes with its
//! padding. A fingerprint says which agreements MAY hold an id: a miss
//! answers "not taken" at once, and a hit is confirmed by the named
//! agreement's own exchanges ([`crate::WriteModel::exchange_id_taken`]),
//! so two ids that share a fingerprint never make a fresh id look taken.
//!
//! Entries recorded since the last merge wait in a tail, a hash map by
//! fingerprint, merged into the sorted vectors once it holds more than
//! `TAIL_MIN` entries and more than one in `TAIL_SHARE` of the sorted
//! ones. A bound proportional to the vectors keeps the cost of the merges,
//! which move every entry, at `TAIL_SHARE` moves per recorded exchange
//! however long the log (a fixed bound would make a replay from position 0
//! quadratic), and the tail's memory at a small share of the vectors'.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use serde::Serialize;

use crate::ids::{AgreementId, ExchangeId};

/// The tail is merged only past this many entries: below it a merge would
/// cost more than the tail's few kilobytes save.
const TAIL_MIN: usize = 1024;

/// The tail is merged once it holds more than one entry in this many of
/// the sorted vectors': each merge moves every entry once, so a recorded
/// exchange costs this many moves, and the tail (a hash map of at most one
/// entry in this many) takes under a tenth of the vectors' memory.
const TAIL_SHARE: usize = 32;

/// A hash map of fingerprints with the same (unkeyed) hasher in every
/// process: the keys are fingerprints already.
type Tail = HashMap<u64, u32, BuildHasherDefault<DefaultHasher>>;

/// The fingerprint of an exchange id: its 128 bits mixed into 64 (the
/// splitmix64 finalizer, a bijection, of each half in turn). The same in
/// every process and every run, so a model's decisions never depend on a
/// random seed.
pub fn fingerprint(id: &ExchangeId) -> u64 {
    let (high, low) = id.0.as_u64_pair();
    mix(high ^ mix(low))
}

fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Every recorded exchange id by fingerprint, with the agreement that
/// recorded it (see the module's documentation).
#[derive(Debug, Clone)]
pub struct ExchangeIds {
    /// How an id is fingerprinted: [`fingerprint`], or in tests one that
    /// collides on purpose.
    fingerprint: fn(&ExchangeId) -> u64,
    /// The merged entries' fingerprints, ascending (ties by number).
    fingerprints: Vec<u64>,
    /// The merged entries' agreement numbers, parallel to `fingerprints`.
    numbers: Vec<u32>,
    /// Entries not merged yet: at most one per fingerprint.
    tail: Tail,
    /// Agreements by number, in the order they recorded a first exchange.
    agreements: Vec<AgreementId>,
    /// Each numbered agreement's number.
    numbered: HashMap<AgreementId, u32>,
    /// Ids known to be taken under agreements this model does not hold:
    /// those a scoped copy's commands name ([`crate::WriteModel::scoped`]).
    taken_elsewhere: Vec<ExchangeId>,
}

impl Default for ExchangeIds {
    fn default() -> Self {
        Self::with_fingerprint(fingerprint)
    }
}

impl ExchangeIds {
    /// No ids, fingerprinted by `fingerprint`.
    pub(crate) fn with_fingerprint(fingerprint: fn(&ExchangeId) -> u64) -> Self {
        Self {
            fingerprint,
            fingerprints: Vec::new(),
            numbers: Vec::new(),
            tail: Tail::default(),
            agreements: Vec::new(),
            numbered: HashMap::new(),
            taken_elsewhere: Vec::new(),
        }
    }

    /// Notes that `agreement` recorded exchange `id`.
    pub fn insert(&mut self, id: &ExchangeId, agreement: AgreementId) {
        let number = self.number(agreement);
        let fingerprint = (self.fingerprint)(id);
        if self.numbers_of(fingerprint).any(|n| n == number) {
            return;
        }
        if self.tail.contains_key(&fingerprint) {
            self.merge_tail();
        }
        self.tail.insert(fingerprint, number);
        if self.tail.len() > TAIL_MIN.max(self.fingerprints.len() / TAIL_SHARE) {
            self.merge_tail();
        }
    }

    /// The agreements that may have recorded `id`: every one that recorded
    /// an id of the same fingerprint, `id` itself among them if recorded.
    pub fn owners(&self, id: &ExchangeId) -> impl Iterator<Item = AgreementId> + '_ {
        self.numbers_of((self.fingerprint)(id))
            .map(|n| self.agreements[n as usize])
    }

    /// Notes that `id` is taken under an agreement this model does not hold.
    pub fn insert_taken_elsewhere(&mut self, id: ExchangeId) {
        if !self.taken_elsewhere.contains(&id) {
            self.taken_elsewhere.push(id);
        }
    }

    /// Whether `id` is known to be taken under an agreement this model does
    /// not hold.
    pub fn taken_elsewhere(&self, id: &ExchangeId) -> bool {
        self.taken_elsewhere.contains(id)
    }

    /// `agreement`'s number, given it now if it had none.
    fn number(&mut self, agreement: AgreementId) -> u32 {
        let next = u32::try_from(self.agreements.len()).expect("fewer than 2^32 agreements");
        let number = *self.numbered.entry(agreement).or_insert(next);
        if number == next {
            self.agreements.push(agreement);
        }
        number
    }

    /// The numbers of the agreements with an entry of this fingerprint.
    fn numbers_of(&self, fingerprint: u64) -> impl Iterator<Item = u32> + '_ {
        let start = self.fingerprints.partition_point(|f| *f < fingerprint);
        let merged = self.fingerprints[start..]
            .iter()
            .take_while(move |f| **f == fingerprint)
            .zip(&self.numbers[start..])
            .map(|(_, n)| *n);
        merged.chain(self.tail.get(&fingerprint).copied())
    }

    /// Moves the tail's entries into the sorted vectors, in place from the
    /// back, growing them by exactly the tail's length (no spare room).
    fn merge_tail(&mut self) {
        let mut tail: Vec<(u64, u32)> = self.tail.drain().collect();
        tail.sort_unstable();
        let (mut merged, mut pending) = (self.fingerprints.len(), tail.len());
        let total = merged + pending;
        self.fingerprints.reserve_exact(pending);
        self.fingerprints.resize(total, 0);
        self.numbers.reserve_exact(pending);
        self.numbers.resize(total, 0);
        let mut at = total;
        while pending > 0 {
            at -= 1;
            let last_merged = merged
                .checked_sub(1)
                .map(|i| (self.fingerprints[i], self.numbers[i]));
            let entry = match last_merged {
                Some(entry) if entry > tail[pending - 1] => {
                    merged -= 1;
                    entry
                }
                _ => {
                    pending -= 1;
                    tail[pending]
                }
            };
            (self.fingerprints[at], self.numbers[at]) = entry;
        }
    }

    /// Every entry as (fingerprint, agreement), sorted: the same for the
    /// same ids and agreements whatever the order they were numbered in.
    fn canonical(&self) -> Vec<(u64, AgreementId)> {
        let merged = self.fingerprints.iter().copied().zip(self.numbers.iter());
        let tail = self.tail.iter().map(|(f, n)| (*f, n));
        let mut entries: Vec<_> = merged
            .chain(tail)
            .map(|(f, n)| (f, self.agreements[*n as usize]))
            .collect();
        entries.sort_unstable();
        entries
    }

    fn taken_elsewhere_sorted(&self) -> Vec<ExchangeId> {
        let mut ids = self.taken_elsewhere.clone();
        ids.sort_unstable();
        ids
    }
}

/// From every (exchange, agreement) pair at once, as a model restored from
/// the read models has them (ADR 0019): sorted once, no tail, no room to
/// spare kept.
impl FromIterator<(ExchangeId, AgreementId)> for ExchangeIds {
    fn from_iter<I: IntoIterator<Item = (ExchangeId, AgreementId)>>(pairs: I) -> Self {
        let mut ids = Self::default();
        let mut entries: Vec<(u64, u32)> = pairs
            .into_iter()
            .map(|(id, agreement)| (fingerprint(&id), ids.number(agreement)))
            .collect();
        entries.sort_unstable();
        entries.dedup();
        (ids.fingerprints, ids.numbers) = entries.into_iter().unzip();
        ids
    }
}

/// The same entries and ids taken elsewhere, whatever the numbering: two
/// models equal here refuse the same exchange ids.
impl PartialEq for ExchangeIds {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
            && self.taken_elsewhere_sorted() == other.taken_elsewhere_sorted()
    }
}

/// Serialized in the canonical order of `PartialEq`, so that `accord
/// rebuild --check` names the first entry where two models differ.
impl Serialize for ExchangeIds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Canonical {
            entries: Vec<(u64, AgreementId)>,
            taken_elsewhere: Vec<ExchangeId>,
        }
        Canonical {
            entries: self.canonical(),
            taken_elsewhere: self.taken_elsewhere_sorted(),
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap, HashSet};

    use proptest::collection::vec;
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::command::{Command, ExchangeKind, PartyKind, RecordExchange};
    use crate::event::{AgreementSigned, Event, ExchangeRecorded, PartyRegistered};
    use crate::ids::{AreaId, BusinessDate, DateRange, PartyId};
    use crate::refusal::Rule;
    use crate::WriteModel;

    fn exchange(n: u64) -> ExchangeId {
        ExchangeId(Uuid::from_u64_pair(0x0190_f0a0_2013_7000, n))
    }

    fn agreement(n: u64) -> AgreementId {
        AgreementId(Uuid::from_u64_pair(0xa, n))
    }

    /// Every id of the same residue collides: many owners per fingerprint.
    fn residue(id: &ExchangeId) -> u64 {
        id.0.as_u64_pair().1 % 97
    }

    /// Every id collides with every other.
    fn constant(_: &ExchangeId) -> u64 {
        7
    }

    /// A deterministic stream of numbers (splitmix64), so that a failure
    /// replays.
    fn numbers(seed: u64) -> impl Iterator<Item = u64> {
        let mut state = seed;
        std::iter::repeat_with(move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        })
    }

    fn owners(ids: &ExchangeIds, id: &ExchangeId) -> Vec<AgreementId> {
        let mut owners: Vec<_> = ids.owners(id).collect();
        owners.sort_unstable();
        owners
    }

    #[test]
    fn owners_are_the_agreements_of_the_fingerprint_across_merges() {
        for fingerprint in [fingerprint as fn(&ExchangeId) -> u64, residue] {
            let mut ids = ExchangeIds::with_fingerprint(fingerprint);
            // What `owners` must answer: by fingerprint, every agreement
            // that recorded an id of it, each once.
            let mut expected: HashMap<u64, BTreeSet<AgreementId>> = HashMap::new();
            let mut draws = numbers(17);
            for step in 0..6_000 {
                let id = exchange(draws.next().unwrap() % 5_000);
                let by = agreement(draws.next().unwrap() % 7);
                ids.insert(&id, by);
                expected.entry(fingerprint(&id)).or_default().insert(by);
                let asked = exchange(draws.next().unwrap() % 5_500);
                let owners_expected = expected.get(&fingerprint(&asked)).cloned();
                assert_eq!(
                    owners(&ids, &asked),
                    Vec::from_iter(owners_expected.unwrap_or_default()),
                    "step {step}"
                );
            }
            assert!(
                ids.tail.len() < ids.fingerprints.len(),
                "the tail was merged"
            );
            for n in 0..5_500 {
                let owners_expected = expected.get(&fingerprint(&exchange(n))).cloned();
                assert_eq!(
                    owners(&ids, &exchange(n)),
                    Vec::from_iter(owners_expected.unwrap_or_default())
                );
            }
        }
    }

    #[test]
    fn merged_entries_stay_sorted_without_spare_room() {
        let mut ids = ExchangeIds::default();
        for n in 0..10_000 {
            ids.insert(&exchange(n), agreement(n % 3));
        }
        let entries: Vec<_> = ids.fingerprints.iter().zip(&ids.numbers).collect();
        assert!(entries.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids.fingerprints.len() + ids.tail.len(), 10_000);
        assert_eq!(ids.fingerprints.capacity(), ids.fingerprints.len());
        assert_eq!(ids.numbers.capacity(), ids.numbers.len());
    }

    #[test]
    fn equal_whatever_the_order_agreements_were_numbered_in() {
        let pairs: Vec<_> = (0..3_000)
            .map(|n| (exchange(n), agreement(n % 5)))
            .collect();
        let mut one_by_one = ExchangeIds::default();
        for (id, by) in pairs.iter().rev() {
            one_by_one.insert(id, *by);
        }
        let at_once: ExchangeIds = pairs.iter().copied().collect();
        assert_eq!(one_by_one, at_once);
        assert_eq!(
            serde_json::to_value(&one_by_one).unwrap(),
            serde_json::to_value(&at_once).unwrap()
        );
        let mut one_more = at_once.clone();
        one_more.insert(&exchange(0), agreement(1));
        assert_ne!(one_more, at_once);
    }

    fn day(s: &str) -> BusinessDate {
        BusinessDate::parse(s).unwrap()
    }

    fn party() -> PartyId {
        PartyId::parse("dong-nai-iza").unwrap()
    }

    fn area() -> AreaId {
        AreaId::parse("investment_promotion").unwrap()
    }

    /// A model with one party and agreements 0 to `agreements - 1`, whose
    /// ids are fingerprinted by `fingerprint`.
    fn model(fingerprint: fn(&ExchangeId) -> u64, agreements: u64) -> WriteModel {
        let mut model = WriteModel {
            exchange_ids: ExchangeIds::with_fingerprint(fingerprint),
            ..WriteModel::new()
        };
        model.evolve(&Event::PartyRegistered(PartyRegistered {
            party_id: party(),
            name: "Ban quản lý các khu công nghiệp Đồng Nai".into(),
            short_name: None,
            kind: PartyKind::IndustrialZoneAuthority,
            province: None,
        }));
        for n in 0..agreements {
            model.evolve(&Event::AgreementSigned(AgreementSigned {
                document: None,
                agreement_id: agreement(n),
                title: "Chương trình hợp tác".into(),
                parties: vec![party()],
                signed_on: day("2007-12-20"),
                place: None,
                term: DateRange {
                    start: day("2007-12-20"),
                    end: day("2013-12-31"),
                },
                areas: vec![area()],
                responsibilities: Default::default(),
                supersedes: None,
            }));
        }
        model
    }

    fn recorded(by: AgreementId, id: ExchangeId) -> Event {
        Event::ExchangeRecorded(ExchangeRecorded {
            agreement_id: by,
            exchange_id: id,
            occurred_on: day("2010-06-01"),
            area: area(),
            kind: ExchangeKind::Meeting,
            parties: vec![party()],
            summary: "Xúc tiến đầu tư".into(),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        })
    }

    fn record(by: AgreementId, id: ExchangeId) -> Command {
        Command::RecordExchange(RecordExchange {
            agreement_id: by,
            exchange_id: Some(id),
            occurred_on: day("2010-06-01"),
            area: area(),
            kind: ExchangeKind::Meeting,
            parties: vec![party()],
            summary: "Xúc tiến đầu tư".into(),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        })
    }

    #[test]
    fn an_id_sharing_a_taken_ids_fingerprint_is_not_refused() {
        let mut model = model(constant, 2);
        let (taken, fresh) = (exchange(1), exchange(2));
        model.evolve(&recorded(agreement(0), taken));

        assert_eq!(
            model.exchange_id_owners(&fresh).collect::<Vec<_>>(),
            [agreement(0)],
            "a candidate, to be confirmed"
        );
        assert!(model.exchange_id_taken(&taken));
        assert!(!model.exchange_id_taken(&fresh));
        for by in [agreement(0), agreement(1)] {
            assert!(model.decide(&record(by, fresh)).is_ok());
        }
        let refused = model.decide(&record(agreement(1), taken)).unwrap_err();
        assert_eq!(refused.rule, Rule::ExchangeAlreadyExists);
        assert!(refused.detail.contains("another agreement"));
    }

    #[test]
    fn a_fresh_id_has_no_owner_to_confirm() {
        let mut model = model(fingerprint, 2);
        model.evolve(&recorded(agreement(0), exchange(1)));
        assert_eq!(model.exchange_id_owners(&exchange(2)).count(), 0);
        assert_eq!(
            model.exchange_id_owners(&exchange(1)).collect::<Vec<_>>(),
            [agreement(0)]
        );
    }

    /// An exchange recorded (an id under an agreement) or an id asked about.
    #[derive(Debug, Clone)]
    enum Step {
        Record(u64, u64),
        Ask(u64),
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let step = prop_oneof![
            (0..300u64, 0..4u64).prop_map(|(id, by)| Step::Record(id, by)),
            (0..320u64).prop_map(Step::Ask),
        ];
        vec(step, 0..1_500)
    }

    proptest! {
        /// The model answers as a hash set of every recorded id, whatever
        /// the collisions, and a model restored from its agreements
        /// (ADR 0019) equals it.
        #[test]
        fn taken_as_a_hash_set_says(steps in steps(), colliding in any::<bool>()) {
            let fingerprint = if colliding { residue } else { fingerprint };
            let mut model = model(fingerprint, 4);
            let mut set = HashSet::new();
            for step in steps {
                match step {
                    Step::Record(id, by) => {
                        model.evolve(&recorded(agreement(by), exchange(id)));
                        set.insert(exchange(id));
                    }
                    Step::Ask(id) => {
                        let id = exchange(id);
                        prop_assert_eq!(model.exchange_id_taken(&id), set.contains(&id));
                    }
                }
            }
            for n in 0..320 {
                let id = exchange(n);
                prop_assert_eq!(model.exchange_id_taken(&id), set.contains(&id));
            }
            if !colliding {
                let ids: Vec<_> = model
                    .agreements
                    .iter()
                    .flat_map(|(a, s)| s.exchanges().states.keys().map(move |x| (*x, *a)))
                    .collect();
                let (parties, agreements) = (model.parties.clone(), model.agreements.clone());
                let restored = WriteModel::from_parts(parties, agreements, ids, model.voided.clone());
                prop_assert_eq!(restored, model);
            }
        }
    }
}
