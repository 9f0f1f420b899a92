//! [`ReadModels`]: every read model in memory, fed one event at a time in
//! log order, and the queries that fold them at a business date.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use accord_domain::members::Succession;
use accord_domain::model::event_agreement;
use accord_domain::{
    AgreementId, AgreementSigned, AreaId, BusinessDate, Event, ExchangeCorrected, ExchangeRecorded,
    ExchangeRetracted, PartyAdmitted, PartyId, PartyProfile, PartyRegistered, PartySucceeded,
    PartyWithdrew,
};
use serde::{Deserialize, Serialize};

use crate::counted::CountedExchanges;
pub(crate) use crate::exchanges::Exchanges;
use crate::exchanges::{EventsAt, ExchangeTables, Texts};
use crate::fold;
use crate::state::{count, AgreementRecord, ExchangeRecord, PartyRecord};
use crate::views::{
    AgreementStatus, AgreementView, ExchangeView, PartyDetail, PartyName, PartyView,
};

/// Which agreements to list: every given criterion must hold on the date
/// of the view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AgreementFilter {
    /// Only agreements this party is a party of.
    pub party: Option<PartyId>,
    /// Only agreements with this status.
    pub status: Option<AgreementStatus>,
}

/// Which exchanges of an agreement to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ExchangeQuery {
    /// Only exchanges that occurred on or after this day.
    pub from: Option<BusinessDate>,
    /// Only exchanges that occurred on or before this day.
    pub to: Option<BusinessDate>,
    /// Only exchanges in this area (as last corrected).
    pub area: Option<AreaId>,
}

/// All read models, in memory.
///
/// Applied in log order by the single writer after each durable batch;
/// rebuilt by replaying a prefix of the log for `as_of`. Every query takes
/// the business date of the view (`at`, or today).
///
/// `PartialEq` lets a rebuild from position 0 be checked against the live
/// models; `Serialize`/`Deserialize` make it a snapshot (with the position it
/// reflects) from which the tail of the log can be replayed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct ReadModels {
    /// The last applied position.
    pub(crate) position: u64,
    pub(crate) parties: BTreeMap<PartyId, PartyRecord>,
    /// Every agreement a party was ever a member of (signatory, admitted,
    /// successor).
    pub(crate) party_agreements: HashMap<PartyId, Vec<AgreementId>>,
    pub(crate) agreements: HashMap<AgreementId, AgreementRecord>,
    /// Agreement ids in signing (position) order.
    pub(crate) signing_order: Vec<AgreementId>,
    /// Every agreement's exchange records, by agreement (ADR 0056).
    pub(crate) exchanges: ExchangeTables,
    /// Every void applied: the voided event's position → the void's
    /// (ADR 0031). The voided events themselves were never applied: the
    /// engine folds the log again without them when it meets a void.
    pub(crate) voids: BTreeMap<u64, u64>,
}

/// What is serialized of [`ReadModels`] (a snapshot): every field in the
/// same order; the aggregates derived from them are recomputed as it is
/// decoded (ADR 0034). A snapshot holds no exchange texts: decoded models
/// are lean (ADR 0037).
#[derive(Deserialize)]
struct Stored {
    position: u64,
    parties: BTreeMap<PartyId, PartyRecord>,
    party_agreements: HashMap<PartyId, Vec<AgreementId>>,
    agreements: HashMap<AgreementId, AgreementRecord>,
    signing_order: Vec<AgreementId>,
    exchanges: ExchangeTables,
    voids: BTreeMap<u64, u64>,
}

impl From<Stored> for ReadModels {
    fn from(stored: Stored) -> Self {
        let mut models = Self {
            position: stored.position,
            parties: stored.parties,
            party_agreements: stored.party_agreements,
            agreements: stored.agreements,
            signing_order: stored.signing_order,
            exchanges: stored.exchanges,
            voids: stored.voids,
        };
        models.recount_exchanges();
        models
    }
}

impl ReadModels {
    /// Empty read models (an empty log) that keep every exchange's texts
    /// in memory: models folded without a log to read them from.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty read models that keep no exchange texts (ADR 0037): their
    /// views read them from the log given by [`ReadModels::read_texts_from`],
    /// which must come before any view of an exchange. What the engine
    /// folds; decoded snapshots are lean too.
    pub fn lean() -> Self {
        let mut models = Self::default();
        models.exchanges.texts = Texts::Lean;
        models
    }

    /// Reads exchange texts from `events` (the log) from now on, and stops
    /// keeping them: those kept so far are dropped.
    pub fn read_texts_from(&mut self, events: Arc<dyn EventsAt>) {
        self.exchanges.set_texts(Texts::Read(events));
        for x in self.exchanges.values_mut() {
            x.texts = None;
        }
    }

    /// Where these models read exchange texts from, if they read them
    /// (to give models that replace them the same log).
    pub fn texts_source(&self) -> Option<Arc<dyn EventsAt>> {
        match &self.exchanges.texts {
            Texts::Read(events) => Some(events.clone()),
            Texts::Kept | Texts::Lean => None,
        }
    }

    /// Applies one event at global `position` (positions start at 1) with
    /// the `version` of its stream after it.
    ///
    /// Idempotent: an event at a position ≤ the last applied one is ignored,
    /// so a batch seen twice changes nothing. Events about unknown
    /// agreements or exchanges are ignored too. O(1) per event: no scans.
    pub fn apply(&mut self, position: u64, version: u64, event: &Event) {
        if position > self.position {
            self.apply_owned(position, version, event.clone());
        }
    }

    /// [`ReadModels::apply`] taking the event by value: what the models keep
    /// of it is moved, not copied (replays decode an event, apply it and
    /// drop it).
    pub fn apply_owned(&mut self, position: u64, version: u64, event: Event) {
        if position <= self.position {
            return;
        }
        self.position = position;
        let agreement = event_agreement(&event);
        let recount = recounts_exchanges(&event);
        match event {
            Event::PartyRegistered(e) => self.register(e),
            Event::AgreementSigned(e) => self.sign(position, version, e),
            Event::PartyAdmitted(e) => self.admit(position, &e),
            Event::ExchangeRecorded(e) => self.record_exchange(position, e),
            Event::ExchangeCorrected(e) => self.correct_exchange(position, &e),
            Event::ExchangeRetracted(e) => self.retract_exchange(position, &e),
            Event::PartyUpdated(e) => {
                if let Some(party) = self.parties.get_mut(&e.party_id) {
                    party.update(position, e);
                }
            }
            Event::PartySucceeded(e) => self.succeed(position, e),
            Event::PartyWithdrew(e) => self.withdraw(position, &e),
            Event::EventVoided(e) => {
                self.voids.insert(e.voided_position, position);
            }
            other => self.apply_to_agreement(position, other),
        }
        if let Some((id, record)) =
            agreement.and_then(|id| Some((id, self.agreements.get_mut(&id)?)))
        {
            record.version = version;
            if recount {
                record.counted = CountedExchanges::of(record, self.exchanges.of(&id));
            }
        }
    }

    /// Recomputes every agreement's report aggregate from its record (as a
    /// snapshot, which does not hold them, is decoded).
    ///
    /// One pass over the exchange tables rather than a look-up per
    /// exchange of each agreement: at a million events the tables hold
    /// 850,000 records and each look-up misses the cache. Equal to
    /// [`CountedExchanges::of`] for every agreement (its exchanges are
    /// those of its table).
    fn recount_exchanges(&mut self) {
        for record in self.agreements.values_mut() {
            record.counted = CountedExchanges::default();
        }
        for x in self.exchanges.values() {
            if let Some(record) = self.agreements.get_mut(&x.agreement_id) {
                record.counted.add_unordered(x);
            }
        }
        for record in self.agreements.values_mut() {
            record.counted.order();
        }
    }

    /// How many exchanges these models hold, retracted ones included: what
    /// their memory grows with (ADR 0043).
    pub fn exchange_count(&self) -> usize {
        self.exchanges.len()
    }

    /// The last applied position (0 if none).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves past `position` without applying its event: a fold of the log
    /// does this for a voided event, which every read treats as never
    /// recorded (ADR 0031).
    pub fn skip(&mut self, position: u64) {
        self.position = self.position.max(position);
    }

    /// The position of the void of the event at `position`, if one was
    /// applied.
    pub fn voided_by(&self, position: u64) -> Option<u64> {
        self.voids.get(&position).copied()
    }

    /// Every void applied: the voided event's position → the void's.
    pub fn voids(&self) -> &BTreeMap<u64, u64> {
        &self.voids
    }

    /// Every registered party, sorted by `party_id`, as it stands after
    /// every fact recorded (every update and succession, whatever its date).
    pub fn parties(&self) -> Vec<PartyView> {
        self.parties.values().map(|p| party_view(p, None)).collect()
    }

    /// Every registered party, sorted by `party_id`, as it stood on `at`.
    pub fn parties_at(&self, at: BusinessDate) -> Vec<PartyView> {
        self.parties
            .values()
            .map(|p| party_view(p, Some(at)))
            .collect()
    }

    /// A registered party with the agreements signed by `at` that it is a
    /// party of on `at`, in signing order; `None` if unknown. Registration
    /// has no business date: a registered party exists at every date.
    pub fn party(&self, id: &PartyId, at: BusinessDate) -> Option<PartyDetail> {
        let party = party_view(self.parties.get(id)?, Some(at));
        let mut records: Vec<&AgreementRecord> = self
            .party_agreements
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|a| self.agreements.get(a))
            .filter(|r| r.exists_at(at) && r.has_party_at(id, at))
            .collect();
        records.sort_by_key(|r| r.position);
        let agreements = records.iter().map(|r| r.signed.agreement_id).collect();
        Some(PartyDetail { party, agreements })
    }

    /// Agreements signed by `at` that match `filter` on `at`, in signing order.
    pub fn agreements(&self, at: BusinessDate, filter: &AgreementFilter) -> Vec<AgreementView> {
        self.agreement_ids(at, filter)
            .into_iter()
            .filter_map(|id| self.agreement(id, at))
            .collect()
    }

    /// The ids of the agreements [`Self::agreements`] lists, in the same
    /// order, without building their views: a paged list builds the views
    /// of its page only.
    pub fn agreement_ids(&self, at: BusinessDate, filter: &AgreementFilter) -> Vec<AgreementId> {
        self.signed_agreements()
            .filter(|(_, r)| r.exists_at(at))
            .filter(|(_, r)| filter.party.as_ref().is_none_or(|p| r.has_party_at(p, at)))
            .filter(|(_, r)| {
                filter
                    .status
                    .is_none_or(|s| r.status_at(&r.term_at(at), at) == s)
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// Every agreement with its record, in signing order.
    pub(crate) fn signed_agreements(
        &self,
    ) -> impl Iterator<Item = (AgreementId, &AgreementRecord)> {
        self.signing_order
            .iter()
            .filter_map(|id| self.agreements.get(id).map(|r| (*id, r)))
    }

    /// One agreement as it stood on `at`; `None` if unknown or not signed
    /// by then. Scans no exchanges when `at` is on or after its latest fact.
    pub fn agreement(&self, id: AgreementId, at: BusinessDate) -> Option<AgreementView> {
        let record = self.agreements.get(&id).filter(|r| r.exists_at(at))?;
        Some(fold::agreement_view(record, self.exchanges.of(&id), at))
    }

    /// The exchanges of an agreement that occurred by `at` (as corrected),
    /// retracted ones included with status `retracted`, filtered by `query`
    /// and ordered by (occurred_on, recording position); `None` if the
    /// agreement is unknown or not signed by `at`.
    pub fn exchanges(
        &self,
        id: AgreementId,
        at: BusinessDate,
        query: &ExchangeQuery,
    ) -> Option<Vec<ExchangeView>> {
        let record = self.agreements.get(&id).filter(|r| r.exists_at(at))?;
        Some(fold::exchange_list(
            record,
            self.exchanges.of(&id),
            at,
            query,
        ))
    }

    fn register(&mut self, e: PartyRegistered) {
        if self.parties.contains_key(&e.party_id) {
            return;
        }
        let record = PartyRecord {
            registered: e,
            updates: Vec::new(),
            succeeded: None,
        };
        self.parties
            .insert(record.registered.party_id.clone(), record);
    }

    /// A succession: the successor takes over in every agreement the
    /// predecessor belongs to on its date (as the write model does).
    fn succeed(&mut self, position: u64, e: PartySucceeded) {
        let Some(party) = self.parties.get_mut(&e.party_id) else {
            return;
        };
        party.succeeded = Some((position, e.clone()));
        let ids = self
            .party_agreements
            .get(&e.party_id)
            .cloned()
            .unwrap_or_default();
        let parties = &self.parties;
        let succession_of = |p: &PartyId| succession(parties, p);
        for id in ids {
            let Some(record) = self.agreements.get_mut(&id) else {
                continue;
            };
            if !record.members.is_member(&e.party_id, e.effective_on) {
                continue;
            }
            record
                .members
                .take_over(&e.party_id, &e.successor_id, e.effective_on, &succession_of);
            record.membership_changed(position, e.effective_on, &e.party_id);
            record.membership_changed(position, e.effective_on, &e.successor_id);
            index_members(&mut self.party_agreements, record);
        }
    }

    fn withdraw(&mut self, position: u64, e: &PartyWithdrew) {
        let Some(record) = self.agreements.get_mut(&e.agreement_id) else {
            return;
        };
        record.members.leave(&e.party_id, e.effective_on);
        record.membership_changed(position, e.effective_on, &e.party_id);
    }

    fn sign(&mut self, position: u64, version: u64, e: AgreementSigned) {
        if self.agreements.contains_key(&e.agreement_id) {
            return;
        }
        let predecessor = e.supersedes.and_then(|p| self.agreements.get_mut(&p));
        if let Some(predecessor) = predecessor {
            predecessor.succeeded_by(e.signed_on, position, e.agreement_id);
        }
        for party in &e.parties {
            index_party(&mut self.party_agreements, party, e.agreement_id);
        }
        let id = e.agreement_id;
        self.agreements
            .insert(id, AgreementRecord::signed(position, version, e));
        self.signing_order.push(id);
    }

    fn admit(&mut self, position: u64, e: &PartyAdmitted) {
        let Some(record) = self.agreements.get_mut(&e.agreement_id) else {
            return;
        };
        let parties = &self.parties;
        record.admit(position, &e.party_id, e.effective_on, &|p| {
            succession(parties, p)
        });
        index_members(&mut self.party_agreements, record);
    }

    fn record_exchange(&mut self, position: u64, e: ExchangeRecorded) {
        let Some(record) = self.agreements.get_mut(&e.agreement_id) else {
            return;
        };
        if self
            .exchanges
            .of(&e.agreement_id)
            .contains_key(&e.exchange_id)
        {
            return;
        }
        let id = e.exchange_id;
        let exchange = ExchangeRecord::recorded(position, e, self.exchanges.keeps_texts());
        record.record_exchange(&exchange, id);
        record.carry_out(id, None, exchange.activity_id);
        if !exchange.follow_ups.is_empty() {
            record.has_follow_ups(id);
        }
        self.exchanges.insert(id, exchange);
    }

    /// A correction fixes the record: the totals move with its area.
    fn correct_exchange(&mut self, position: u64, e: &ExchangeCorrected) {
        let ExchangeTables {
            by_agreement,
            interned,
            ..
        } = &mut self.exchanges;
        let Some(table) = by_agreement.get_mut(&e.agreement_id) else {
            return;
        };
        let Some(exchange) = Arc::make_mut(table).records.get_mut(&e.exchange_id) else {
            return;
        };
        let Some(record) = self.agreements.get_mut(&exchange.agreement_id) else {
            return;
        };
        if !exchange.retracted {
            count(&mut record.totals, &exchange.area, -1);
        }
        let before = exchange.activity_id;
        exchange.correct(position, e);
        interned.record(exchange);
        if !exchange.retracted {
            count(&mut record.totals, &exchange.area, 1);
        }
        record.touch(exchange.occurred_on);
        record.counted.update(exchange);
        record.carry_out(e.exchange_id, before, exchange.activity_id);
        if !exchange.follow_ups.is_empty() {
            record.has_follow_ups(e.exchange_id);
        }
    }

    /// A retraction removes the exchange from the counts at every date.
    fn retract_exchange(&mut self, position: u64, e: &ExchangeRetracted) {
        let Some(table) = self.exchanges.by_agreement.get_mut(&e.agreement_id) else {
            return;
        };
        let Some(exchange) = Arc::make_mut(table).records.get_mut(&e.exchange_id) else {
            return;
        };
        exchange.sources.push(position);
        let Some(record) = self.agreements.get_mut(&exchange.agreement_id) else {
            return;
        };
        if !exchange.retracted {
            exchange.retracted = true;
            count(&mut record.totals, &exchange.area, -1);
        }
        record.counted.update(exchange);
    }

    fn apply_to_agreement(&mut self, position: u64, event: Event) {
        let Some(record) = event_agreement(&event).and_then(|id| self.agreements.get_mut(&id))
        else {
            return;
        };
        match event {
            Event::AgreementAmended(e) => record.amend(position, e),
            Event::ReviewPeriodOpened(e) => record.open_review(position, e),
            Event::AssessmentRecorded(e) => record.assess(position, e),
            Event::ReviewPeriodClosed(e) => record.close_review(position, e),
            Event::AgreementTerminated(e) => record.terminate(position, e.effective_on),
            Event::DocumentAttached(e) => record.attach(position, e),
            Event::ActivityPlanned(e) => record.plan(position, e),
            Event::ActivityCancelled(e) => {
                if let Some(activity) = record.activity_mut(e.activity_id) {
                    activity.cancel(position, &e);
                }
            }
            Event::FollowUpCompleted(e) => {
                record
                    .completions
                    .entry(e.follow_up_id)
                    .or_insert((position, e.completed_on));
            }
            _ => {}
        }
    }
}

/// Whether an event may change an agreement's counted exchanges other
/// than through the three exchange events, which update their exchange's
/// row of the report aggregate themselves: such an event recomputes the
/// aggregate of the agreement it names from the agreement's record, at a
/// cost proportional to that agreement (ADR 0034). No kind does today; the
/// match is exhaustive so that a new kind must choose.
fn recounts_exchanges(event: &Event) -> bool {
    match event {
        Event::PartyRegistered(_)
        | Event::AgreementSigned(_)
        | Event::AgreementAmended(_)
        | Event::PartyAdmitted(_)
        | Event::ExchangeRecorded(_)
        | Event::ExchangeCorrected(_)
        | Event::ExchangeRetracted(_)
        | Event::ReviewPeriodOpened(_)
        | Event::AssessmentRecorded(_)
        | Event::ReviewPeriodClosed(_)
        | Event::AgreementTerminated(_)
        | Event::PartyUpdated(_)
        | Event::PartySucceeded(_)
        | Event::PartyWithdrew(_)
        | Event::DocumentAttached(_)
        | Event::ActivityPlanned(_)
        | Event::ActivityCancelled(_)
        | Event::FollowUpCompleted(_) => false,
        // A void's event is never applied: the engine folds the log again
        // without it (ADR 0031), recounting every agreement as it goes.
        Event::EventVoided(_) => false,
    }
}

/// Who succeeded `party`, from which day, if anyone did.
fn succession(parties: &BTreeMap<PartyId, PartyRecord>, party: &PartyId) -> Option<Succession> {
    let (_, e) = parties.get(party)?.succeeded.as_ref()?;
    Some((e.successor_id.clone(), e.effective_on))
}

fn index_party(
    index: &mut HashMap<PartyId, Vec<AgreementId>>,
    party: &PartyId,
    agreement: AgreementId,
) {
    let list = index.entry(party.clone()).or_default();
    if !list.contains(&agreement) {
        list.push(agreement);
    }
}

/// Indexes every member the agreement ever had.
fn index_members(index: &mut HashMap<PartyId, Vec<AgreementId>>, record: &AgreementRecord) {
    for party in record.members.ever() {
        index_party(index, party, record.signed.agreement_id);
    }
}

/// A party as it stood on `at` (`None`: after every fact recorded).
fn party_view(record: &PartyRecord, at: Option<BusinessDate>) -> PartyView {
    let by = |day: BusinessDate| at.is_none_or(|at| day <= at);
    let registered = PartyProfile::registered(&record.registered);
    let name = |effective_on, p: &PartyProfile| PartyName {
        effective_on,
        name: p.name.clone(),
        short_name: p.short_name.clone(),
        kind: p.kind,
        province: p.province.clone(),
    };
    let mut history = vec![name(None, &registered)];
    let mut profile = registered;
    for (_, u) in record.updates.iter().filter(|(_, u)| by(u.effective_on)) {
        profile.apply(u);
        history.push(name(Some(u.effective_on), &profile));
    }
    let succeeded = record
        .succeeded
        .as_ref()
        .map(|(_, e)| e)
        .filter(|e| by(e.effective_on));
    PartyView {
        party_id: record.registered.party_id.clone(),
        name: profile.name,
        short_name: profile.short_name,
        kind: profile.kind,
        province: profile.province,
        succeeded_by: succeeded.map(|e| e.successor_id.clone()),
        succeeded_on: succeeded.map(|e| e.effective_on),
        history,
    }
}

#[cfg(test)]
mod tests;
