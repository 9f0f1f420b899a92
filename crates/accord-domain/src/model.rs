//! The write model: the least state needed to decide every command, kept in
//! memory and updated by [`WriteModel::evolve`]. Deciding looks up hash maps
//! and never scans history, so an agreement with 100,000 exchanges decides as
//! fast as one with ten.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::command::{Command, Document, PartyKind, Responsibilities};
use crate::event::{AgreementAmended, Event, FollowUp, PartyRegistered, PartyUpdated};
use crate::exchange_ids::ExchangeIds;
use crate::ids::{
    ActivityId, AgreementId, AreaId, BusinessDate, DateRange, ExchangeId, FollowUpId, PartyId,
    PartyList, ReviewId,
};
use crate::members::{Members, Succession};
use crate::refusal::Refusal;
use crate::StreamId;

/// One fact a decision produced, with the business date it is about
/// (`None` for facts outside business time, such as a party's registration).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub event: Event,
    pub effective_on: Option<BusinessDate>,
}

/// What an accepted command appends: its facts, to one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub stream: StreamId,
    pub facts: Vec<Fact>,
}

/// A stored file as the attachment store describes it: what
/// `AttachDocument` records of the file it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// The media type it was stored with.
    pub media_type: String,
}

/// What a decision may need from outside the log. The domain has no clock
/// and reads no files: the caller brings today's date and the stored file
/// a command names ([`Command::attachment`]), looked up before deciding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Circumstances {
    /// The date in the service's business time zone; `None`: not checked.
    pub today: Option<BusinessDate>,
    /// The stored file the command names, if the store has it.
    pub file: Option<StoredFile>,
}

/// What deciding needs to know of an agreement.
///
/// Public so that a model can be restored from other state without being
/// stored ([`WriteModel::from_parts`]: snapshots derive it from the read
/// models, ADR 0019).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementState {
    /// Its memberships as dated intervals (signature, admissions,
    /// withdrawals, successions).
    pub members: Members,
    /// The day of the signature.
    pub signed_on: BusinessDate,
    /// The terms as signed.
    pub signed: Terms,
    /// Every amendment in (effective_on, recording) order: the terms on a
    /// date are the signature's, then each amendment effective by then.
    pub amendments: Vec<AgreementAmended>,
    /// The effective day of the termination (the first one stands).
    pub terminated_on: Option<BusinessDate>,
    /// Its exchanges and what hangs on them, when loaded: a model derived
    /// from a snapshot holds none, and the engine loads an agreement's from
    /// its stream before deciding a command that reads them
    /// ([`WriteModel::needs`], ADR 0054).
    pub exchanges: Option<AgreementExchanges>,
    /// Its reviews.
    pub reviews: HashMap<ReviewId, ReviewState>,
    /// Its planned activities.
    pub activities: HashMap<ActivityId, ActivityState>,
}

/// What deciding needs to know of an agreement's exchanges: the only part
/// of the write model that grows with the exchanges, so the part an
/// agreement may hold or not (ADR 0054). Folded by the same
/// [`WriteModel::evolve`] as the rest, from the agreement's stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgreementExchanges {
    /// Its exchanges, retracted ones included.
    pub states: ExchangeStates,
    /// The exchanges that name each planned activity (retracted ones
    /// included).
    pub carried_by: HashMap<ActivityId, BTreeSet<ExchangeId>>,
    /// The follow-ups of its exchanges (retracted ones included), as last
    /// corrected.
    pub follow_ups: HashMap<FollowUpId, FollowUpState>,
}

/// What deciding needs to know of a planned activity (the exchanges that
/// carry it out are in [`AgreementExchanges::carried_by`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityState {
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// What deciding needs to know of a follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpState {
    /// The exchange that agreed it.
    pub exchange_id: ExchangeId,
    /// As given.
    pub follow_up: FollowUp,
    /// Whether it was completed.
    pub completed: bool,
}

/// The amendable terms of an agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Terms {
    pub title: String,
    pub term: DateRange,
    pub areas: Vec<AreaId>,
    pub responsibilities: Responsibilities,
    /// The document of the signature, or of the latest amendment that
    /// carried one.
    pub document: Option<Document>,
}

impl Terms {
    /// The terms on `day` given `amendments` in (effective_on, recording)
    /// order: these, then each amendment effective by then.
    pub fn at(&self, amendments: &[AgreementAmended], day: BusinessDate) -> Terms {
        let mut terms = self.clone();
        for a in effective_by(amendments, day) {
            if let Some(title) = &a.title {
                terms.title.clone_from(title);
            }
            terms.term = a.term.unwrap_or(terms.term);
            if let Some(areas) = &a.areas {
                terms.areas.clone_from(areas);
            }
            if let Some(r) = &a.responsibilities {
                terms.responsibilities.clone_from(r);
            }
            if a.document.is_some() {
                terms.document.clone_from(&a.document);
            }
        }
        terms
    }

    /// The term on `day` (as [`Terms::at`], without copying the rest).
    pub fn term_at(&self, amendments: &[AgreementAmended], day: BusinessDate) -> DateRange {
        effective_by(amendments, day)
            .iter()
            .rev()
            .find_map(|a| a.term)
            .unwrap_or(self.term)
    }

    /// The areas on `day` (as [`Terms::at`], without copying).
    pub fn areas_at<'a>(
        &'a self,
        amendments: &'a [AgreementAmended],
        day: BusinessDate,
    ) -> &'a [AreaId] {
        effective_by(amendments, day)
            .iter()
            .rev()
            .find_map(|a| a.areas.as_deref())
            .unwrap_or(&self.areas)
    }
}

/// The amendments effective by `day` of a list in (effective_on,
/// recording) order: a prefix of it.
fn effective_by(amendments: &[AgreementAmended], day: BusinessDate) -> &[AgreementAmended] {
    &amendments[..amendments.partition_point(|a| a.effective_on <= day)]
}

/// Inserts `amendment` in a list in (effective_on, recording) order: after
/// every amendment effective on or before its day.
pub fn insert_amendment(amendments: &mut Vec<AgreementAmended>, amendment: AgreementAmended) {
    let at = amendments.partition_point(|a| a.effective_on <= amendment.effective_on);
    amendments.insert(at, amendment);
}

impl AgreementState {
    /// The term in force on `day`.
    pub fn term_at(&self, day: BusinessDate) -> DateRange {
        self.signed.term_at(&self.amendments, day)
    }

    /// The areas in force on `day`.
    pub fn areas_at(&self, day: BusinessDate) -> &[AreaId] {
        self.signed.areas_at(&self.amendments, day)
    }

    /// Every term in force on `day`.
    pub fn terms_at(&self, day: BusinessDate) -> Terms {
        self.signed.at(&self.amendments, day)
    }

    /// Keeps `amendment` in (effective_on, recording) order.
    pub fn amend(&mut self, amendment: AgreementAmended) {
        insert_amendment(&mut self.amendments, amendment);
    }

    /// Its exchanges. Deciding a command that reads them runs only once
    /// they are loaded ([`WriteModel::needs`]): reading them before is a
    /// bug of the caller, not a fact of the log.
    pub fn exchanges(&self) -> &AgreementExchanges {
        self.exchanges
            .as_ref()
            .expect("the agreement's exchanges are loaded before a command reads them")
    }

    /// Whether exchange `id` was recorded under this agreement. Answered
    /// whether or not its exchanges are loaded: an agreement holding `id`
    /// is named by `id`'s exchange-id entry, and a command about `id`
    /// loads every agreement so named before it is decided
    /// ([`WriteModel::reads`]), so one not loaded then holds no such id.
    pub fn holds_exchange(&self, id: &ExchangeId) -> bool {
        self.exchanges
            .as_ref()
            .is_some_and(|x| x.states.contains_key(id))
    }

    /// Whether an exchange not retracted carries out `activity`.
    pub fn activity_done(&self, activity: ActivityId) -> bool {
        let exchanges = self.exchanges();
        exchanges.carried_by.get(&activity).is_some_and(|by| {
            by.iter()
                .any(|x| exchanges.states.get(x).is_some_and(|x| !x.retracted))
        })
    }
}

impl AgreementExchanges {
    /// The exchanges of the agreement whose stream is `events` (its
    /// signature first), folded as [`WriteModel::evolve`] folds them;
    /// `None` if they hold no signature.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Self> {
        let mut model = WriteModel::new();
        let mut id = None;
        for event in events {
            if let Event::AgreementSigned(e) = event {
                id = Some(e.agreement_id);
            }
            model.evolve(event);
        }
        model.agreements.remove(&id?)?.exchanges
    }

    /// Moves `exchange` from the activity it carried out (`before`) to the
    /// one it carries out now (`after`), among the `planned` ones.
    fn carry_out(
        &mut self,
        planned: &HashMap<ActivityId, ActivityState>,
        exchange: ExchangeId,
        before: Option<ActivityId>,
        after: Option<ActivityId>,
    ) {
        let planned = |id: &Option<ActivityId>| id.filter(|id| planned.contains_key(id));
        if before != after {
            if let Some(by) = planned(&before).and_then(|id| self.carried_by.get_mut(&id)) {
                by.remove(&exchange);
            }
        }
        if let Some(id) = planned(&after) {
            self.carried_by.entry(id).or_default().insert(exchange);
        }
    }

    /// Replaces the follow-ups `old` of `exchange` by `new`: those kept
    /// keep their completion.
    fn agree_follow_ups(&mut self, exchange: ExchangeId, old: &[FollowUpId], new: &[FollowUp]) {
        for id in old {
            if !new.iter().any(|f| f.follow_up_id == *id) {
                self.follow_ups.remove(id);
            }
        }
        for f in new {
            let completed = self
                .follow_ups
                .get(&f.follow_up_id)
                .is_some_and(|s| s.completed);
            let state = FollowUpState {
                exchange_id: exchange,
                follow_up: f.clone(),
                completed,
            };
            self.follow_ups.insert(f.follow_up_id, state);
        }
    }
}

/// What deciding needs to know of an exchange (as last corrected).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeState {
    /// The day it took place.
    pub occurred_on: BusinessDate,
    /// Its area of cooperation.
    pub area: AreaId,
    /// The parties it involved (a list shared with the read models when
    /// the model is derived from them, ADR 0043).
    pub parties: PartyList,
    /// Whether it was withdrawn.
    pub retracted: bool,
    /// The planned activity it carries out.
    pub activity_id: Option<ActivityId>,
    /// Its follow-ups, in the order given.
    pub follow_ups: Box<[FollowUpId]>,
}

/// An agreement's exchanges by id: a vector sorted by id, looked up by
/// binary search. Entries sit side by side at their own size (88 bytes), where a
/// hash map of them kept a quarter to a half of its slots empty: the write
/// model holds every exchange of the log, so this is most of its memory
/// (ADR 0043). Generated exchange ids grow with time, so an insertion is
/// almost always a push at the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeStates {
    entries: Vec<(ExchangeId, ExchangeState)>,
}

impl ExchangeStates {
    fn find(&self, id: &ExchangeId) -> Result<usize, usize> {
        self.entries.binary_search_by(|(x, _)| x.cmp(id))
    }

    /// The state of exchange `id`, if recorded.
    pub fn get(&self, id: &ExchangeId) -> Option<&ExchangeState> {
        self.find(id).ok().map(|i| &self.entries[i].1)
    }

    /// The state of exchange `id` to change, if recorded.
    pub fn get_mut(&mut self, id: &ExchangeId) -> Option<&mut ExchangeState> {
        self.find(id).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether exchange `id` is recorded.
    pub fn contains_key(&self, id: &ExchangeId) -> bool {
        self.find(id).is_ok()
    }

    /// Records or replaces the state of exchange `id`.
    pub fn insert(&mut self, id: ExchangeId, state: ExchangeState) {
        if self.entries.last().is_none_or(|(last, _)| *last < id) {
            self.entries.push((id, state));
            return;
        }
        match self.find(&id) {
            Ok(i) => self.entries[i].1 = state,
            Err(i) => self.entries.insert(i, (id, state)),
        }
    }

    /// Every exchange id, ascending.
    pub fn keys(&self) -> impl Iterator<Item = &ExchangeId> {
        self.entries.iter().map(|(id, _)| id)
    }

    /// Every exchange with its state, by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = (&ExchangeId, &ExchangeState)> {
        self.entries.iter().map(|(id, x)| (id, x))
    }

    /// How many exchanges.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// From exchanges in any order, each id once (a model restored from the
/// read models, ADR 0019): sorted in place, no room to spare kept.
impl From<Vec<(ExchangeId, ExchangeState)>> for ExchangeStates {
    fn from(mut entries: Vec<(ExchangeId, ExchangeState)>) -> Self {
        entries.sort_unstable_by_key(|(id, _)| *id);
        entries.dedup_by_key(|(id, _)| *id);
        entries.shrink_to_fit();
        Self { entries }
    }
}

/// Serialized as a map from id to state, as the hash map it replaces was.
impl Serialize for ExchangeStates {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// What deciding needs to know of a review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewState {
    /// The period under review.
    pub period: DateRange,
    /// Whether it was closed.
    pub closed: bool,
    /// Each assessing party with the date of its latest assessment.
    pub assessed: HashMap<PartyId, BusinessDate>,
}

/// What a party is called and what it is, as in force on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyProfile {
    pub name: String,
    pub short_name: Option<String>,
    pub kind: PartyKind,
    pub province: Option<String>,
}

impl PartyProfile {
    /// The profile as registered.
    pub fn registered(e: &PartyRegistered) -> Self {
        Self {
            name: e.name.clone(),
            short_name: e.short_name.clone(),
            kind: e.kind,
            province: e.province.clone(),
        }
    }

    /// The profile on `day` given `updates` in (effective_on, recording)
    /// order: this one, then each update effective by then.
    pub fn at<'a>(
        &self,
        updates: impl IntoIterator<Item = &'a PartyUpdated>,
        day: BusinessDate,
    ) -> Self {
        let mut profile = self.clone();
        for u in updates.into_iter().take_while(|u| u.effective_on <= day) {
            profile.apply(u);
        }
        profile
    }

    /// Applies the fields an update gives.
    pub fn apply(&mut self, u: &PartyUpdated) {
        if let Some(name) = &u.name {
            self.name.clone_from(name);
        }
        if u.short_name.is_some() {
            self.short_name.clone_from(&u.short_name);
        }
        self.kind = u.kind.unwrap_or(self.kind);
        if u.province.is_some() {
            self.province.clone_from(&u.province);
        }
    }
}

/// What deciding needs to know of a party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyState {
    /// As registered.
    pub registered: PartyProfile,
    /// Its updates in (effective_on, recording) order.
    pub updates: Vec<PartyUpdated>,
    /// Who succeeded it, from which day.
    pub succeeded: Option<Succession>,
}

impl PartyState {
    /// The profile in force on `day`.
    pub fn profile_at(&self, day: BusinessDate) -> PartyProfile {
        self.registered.at(&self.updates, day)
    }

    /// Keeps `update` in (effective_on, recording) order.
    pub fn update(&mut self, update: PartyUpdated) {
        let at = self
            .updates
            .partition_point(|u| u.effective_on <= update.effective_on);
        self.updates.insert(at, update);
    }
}

/// Every party and agreement, as far as the rules need them.
///
/// `PartialEq` so a rebuild can be compared; `Serialize` so a difference
/// can be named (`accord rebuild --check`). Never stored: a snapshot
/// derives it from the read models (ADR 0019).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WriteModel {
    pub(crate) parties: HashMap<PartyId, PartyState>,
    pub(crate) agreements: HashMap<AgreementId, AgreementState>,
    /// Every exchange id recorded, under any agreement, by fingerprint with
    /// the agreement that recorded it: exchange ids are unique across the
    /// log, as the read models key them (ADR 0022, ADR 0053). Always the
    /// agreements' exchange ids, loaded or not.
    pub(crate) exchange_ids: ExchangeIds,
    /// The positions of the events voided (ADR 0031): what loading an
    /// agreement's exchanges from its stream leaves out.
    pub(crate) voided: BTreeSet<u64>,
}

impl WriteModel {
    /// An empty model (an empty log).
    pub fn new() -> Self {
        Self::default()
    }

    /// A model holding exactly these parties and agreements, whose
    /// exchanges, loaded or not, have these ids (each with the agreement
    /// that recorded it), after the events at the
    /// `voided` positions were voided: how a snapshot restores the model
    /// from the read models instead of storing it (ADR 0019).
    pub fn from_parts(
        parties: HashMap<PartyId, PartyState>,
        agreements: HashMap<AgreementId, AgreementState>,
        exchange_ids: impl IntoIterator<Item = (ExchangeId, AgreementId)>,
        voided: BTreeSet<u64>,
    ) -> Self {
        let exchange_ids = exchange_ids.into_iter().collect();
        Self {
            parties,
            agreements,
            exchange_ids,
            voided,
        }
    }

    /// A copy of the model that decides `commands`, in any order and
    /// evolved by any of their facts, exactly as this one would, holding
    /// only what they can reach: every party, the agreements they name (the
    /// one a signature supersedes, those of a succeeded party's
    /// memberships) with their exchanges if loaded and,
    /// of the exchange ids, those of the exchanges copied and those the
    /// commands name. A dry run works on it instead of a copy of the whole
    /// model, which is as large as the log.
    pub fn scoped<'a>(&self, commands: impl IntoIterator<Item = &'a Command>) -> WriteModel {
        let mut agreements = HashMap::new();
        let mut named_exchanges = Vec::new();
        for command in commands {
            let (superseded, succeeded) = match command {
                Command::SignAgreement(c) => (c.supersedes, Vec::new()),
                Command::SucceedParty(c) => (None, self.agreements_of(&c.party_id)),
                _ => (None, Vec::new()),
            };
            let read = command.agreement_id().into_iter().chain(superseded);
            for id in read.chain(succeeded) {
                if let Some(state) = self.agreements.get(&id) {
                    agreements.entry(id).or_insert_with(|| state.clone());
                }
            }
            let exchange = match command {
                Command::RecordExchange(c) => c.exchange_id,
                Command::CorrectExchange(c) => Some(c.exchange_id),
                Command::RetractExchange(c) => Some(c.exchange_id),
                _ => None,
            };
            named_exchanges.extend(exchange.filter(|id| self.exchange_id_taken(id)));
        }
        let copied: Vec<_> = agreements
            .iter()
            .filter_map(|(id, a): (&AgreementId, &AgreementState)| {
                Some((*id, a.exchanges.as_ref()?))
            })
            .flat_map(|(id, x)| x.states.keys().map(move |x| (*x, id)))
            .collect();
        let (parties, voided) = (self.parties.clone(), self.voided.clone());
        let mut scoped = WriteModel::from_parts(parties, agreements, copied, voided);
        for id in named_exchanges {
            if !scoped.exchange_id_taken(&id) {
                scoped.exchange_ids.insert_taken_elsewhere(id);
            }
        }
        scoped
    }

    /// Whether an exchange with this id was recorded under any agreement:
    /// one of [`WriteModel::exchange_id_owners`] holds it or, in a scoped
    /// copy, an agreement the copy does not hold recorded it (ADR 0053).
    pub fn exchange_id_taken(&self, id: &ExchangeId) -> bool {
        self.exchange_ids.taken_elsewhere(id)
            || self.exchange_id_owners(id).any(|owner| {
                self.agreements
                    .get(&owner)
                    .is_some_and(|a| a.exchanges().states.contains_key(id))
            })
    }

    /// The agreements that may have recorded exchange `id`, to be confirmed
    /// by their exchanges: those that recorded an id of the same 64-bit
    /// fingerprint (ADR 0053). Empty when the id was never recorded, but
    /// for a rare id that shares its fingerprint with a recorded one.
    pub fn exchange_id_owners(&self, id: &ExchangeId) -> impl Iterator<Item = AgreementId> + '_ {
        self.exchange_ids.owners(id)
    }

    /// Decides a command: the facts to append, or the rule it breaks.
    /// Generated ids must have been assigned ([`Command::assign_ids`]).
    pub fn decide(&self, command: &Command) -> Result<Decision, Refusal> {
        crate::rules::decide(self, command, &Circumstances::default())
    }

    /// Decides a command on `today`, the date in the service's business
    /// time zone: as [`WriteModel::decide`], and an exchange dated after
    /// `today` is refused (`exchange_in_future`): what is to come is planned,
    /// not recorded. The domain has no clock: the caller brings the date.
    pub fn decide_on(&self, command: &Command, today: BusinessDate) -> Result<Decision, Refusal> {
        let circumstances = Circumstances {
            today: Some(today),
            file: None,
        };
        crate::rules::decide(self, command, &circumstances)
    }

    /// Decides a command in `circumstances`: as [`WriteModel::decide_on`]
    /// when they give today's date, and `AttachDocument` records the stored
    /// file they give (refused when they give none: the store has no such
    /// file).
    pub fn decide_in(
        &self,
        command: &Command,
        circumstances: &Circumstances,
    ) -> Result<Decision, Refusal> {
        crate::rules::decide(self, command, circumstances)
    }

    /// Applies a fact. No rules and no errors: the fact already happened.
    /// Applying a fact about an unknown agreement does nothing, and one
    /// about exchanges not loaded leaves them unloaded (the stream they are
    /// loaded from holds it). An `EventVoided` only notes the position it
    /// voids: a fact cannot be taken back out of the model, so the engine
    /// folds the log again without the voided event (ADR 0031).
    pub fn evolve(&mut self, event: &Event) {
        match event {
            Event::EventVoided(e) => {
                self.voided.insert(e.voided_position);
            }
            Event::PartyRegistered(e) => {
                let state = PartyState {
                    registered: PartyProfile::registered(e),
                    updates: Vec::new(),
                    succeeded: None,
                };
                self.parties.entry(e.party_id.clone()).or_insert(state);
            }
            Event::PartyUpdated(e) => {
                if let Some(party) = self.parties.get_mut(&e.party_id) {
                    party.update(e.clone());
                }
            }
            Event::PartySucceeded(e) => {
                let Some(party) = self.parties.get_mut(&e.party_id) else {
                    return;
                };
                party.succeeded = Some((e.successor_id.clone(), e.effective_on));
                let parties = &self.parties;
                let succession_of = |p: &PartyId| parties.get(p).and_then(|s| s.succeeded.clone());
                for a in self.agreements.values_mut() {
                    a.members.take_over(
                        &e.party_id,
                        &e.successor_id,
                        e.effective_on,
                        &succession_of,
                    );
                }
            }
            Event::AgreementSigned(e) => {
                // Signatories are parties for the whole term, even where it starts
                // before the signature (a program signed mid-way through its term).
                let since = e.signed_on.min(e.term.start);
                let state = AgreementState {
                    members: Members::signed(&e.parties, since),
                    signed_on: e.signed_on,
                    signed: Terms {
                        title: e.title.clone(),
                        term: e.term,
                        areas: e.areas.clone(),
                        responsibilities: e.responsibilities.clone(),
                        document: e.document.clone(),
                    },
                    amendments: Vec::new(),
                    terminated_on: None,
                    exchanges: Some(AgreementExchanges::default()),
                    reviews: HashMap::new(),
                    activities: HashMap::new(),
                };
                self.agreements.insert(e.agreement_id, state);
            }
            other => self.evolve_agreement(other),
        }
    }

    /// Whether a party is registered.
    pub fn has_party(&self, party: &PartyId) -> bool {
        self.parties.contains_key(party)
    }

    /// Whether an agreement was signed.
    pub fn has_agreement(&self, id: AgreementId) -> bool {
        self.agreements.contains_key(&id)
    }

    /// Every party that was ever a member of an agreement (signatories,
    /// admitted, successors), if it exists.
    pub fn agreement_parties(&self, id: AgreementId) -> Option<impl Iterator<Item = &PartyId>> {
        self.agreements.get(&id).map(|a| a.members.ever())
    }

    /// Who succeeded `party`, and from which day, if anyone did.
    pub fn succession_of(&self, party: &PartyId) -> Option<Succession> {
        self.parties.get(party).and_then(|p| p.succeeded.clone())
    }

    /// A registered party's state.
    pub fn party(&self, party: &PartyId) -> Option<&PartyState> {
        self.parties.get(party)
    }

    /// The agreements whose exchanges deciding `command` reads and that are
    /// not loaded, in ascending order: the engine loads them from their
    /// streams ([`WriteModel::load`]) before deciding it (ADR 0054).
    /// Every command about an exchange, an activity's cancellation or a
    /// follow-up reads its agreement's (one about an exchange id, those of
    /// the agreements that may hold that id too), except the recording of
    /// an exchange that carries out no activity and agrees no follow-up:
    /// whether its id is taken is answered by the exchange-id entries
    /// (which name the agreements to load when it may be), and nothing
    /// else it is judged on is an exchange (ADR 0062); those that may contradict a
    /// recorded exchange (an amendment of the term or areas, a termination,
    /// a withdrawal) too; a succession, those of every agreement its party
    /// was ever a member of (an exchange names members only).
    pub fn needs(&self, command: &Command) -> Vec<AgreementId> {
        let mut ids = self.reads(command);
        ids.retain(|id| !self.is_loaded(*id));
        ids
    }

    /// The agreements whose exchanges deciding `command` reads, loaded or
    /// not, in ascending order ([`WriteModel::needs`]).
    pub fn reads(&self, command: &Command) -> Vec<AgreementId> {
        let mut ids = match command {
            Command::RecordExchange(c) if c.activity_id.is_none() && c.follow_ups.is_empty() => c
                .exchange_id
                .iter()
                .flat_map(|x| self.exchange_id_owners(x))
                .collect(),
            Command::RecordExchange(c) => self.with_owners(c.agreement_id, c.exchange_id),
            Command::CorrectExchange(c) => self.with_owners(c.agreement_id, Some(c.exchange_id)),
            Command::RetractExchange(c) => self.with_owners(c.agreement_id, Some(c.exchange_id)),
            Command::AmendAgreement(c) if c.term.is_some() || c.areas.is_some() => {
                vec![c.agreement_id]
            }
            Command::TerminateAgreement(c) => vec![c.agreement_id],
            Command::WithdrawParty(c) => vec![c.agreement_id],
            Command::AttachDocument(c) if c.exchange_id.is_some() => vec![c.agreement_id],
            Command::CancelActivity(c) => vec![c.agreement_id],
            Command::CompleteFollowUp(c) => vec![c.agreement_id],
            Command::SucceedParty(c) => self.agreements_of(&c.party_id),
            _ => Vec::new(),
        };
        ids.retain(|id| self.agreements.contains_key(id));
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Agreement `id` and the agreements that may hold `exchange`, whose
    /// exchanges confirm whether its id is taken
    /// ([`WriteModel::exchange_id_owners`]).
    fn with_owners(&self, id: AgreementId, exchange: Option<ExchangeId>) -> Vec<AgreementId> {
        let owners = exchange.iter().flat_map(|x| self.exchange_id_owners(x));
        std::iter::once(id).chain(owners).collect()
    }

    /// The positions of the events voided as far as this model goes.
    pub fn voided(&self) -> &BTreeSet<u64> {
        &self.voided
    }

    /// Notes events voided (ADR 0031) before the model meets their voids:
    /// a fold that leaves out every event voided by the log's head (a void
    /// being judged, `accord-engine`) loads exchanges without them too.
    pub fn leave_out(&mut self, positions: impl IntoIterator<Item = u64>) {
        self.voided.extend(positions);
    }

    /// Every agreement's id, ascending.
    pub fn agreement_ids(&self) -> Vec<AgreementId> {
        let mut ids: Vec<_> = self.agreements.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The agreements `party` was ever a member of: those whose facts a
    /// succession of it reads.
    fn agreements_of(&self, party: &PartyId) -> Vec<AgreementId> {
        self.agreements
            .iter()
            .filter(|(_, a)| a.members.all().iter().any(|m| &m.party_id == party))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Every agreement whose exchanges are loaded, with how many it holds.
    pub fn loaded(&self) -> impl Iterator<Item = (AgreementId, usize)> + '_ {
        self.agreements
            .iter()
            .filter_map(|(id, a)| Some((*id, a.exchanges.as_ref()?.states.len())))
    }

    /// Whether agreement `id` exists and its exchanges are loaded.
    pub fn is_loaded(&self, id: AgreementId) -> bool {
        self.agreements
            .get(&id)
            .is_some_and(|a| a.exchanges.is_some())
    }

    /// Loads the exchanges of agreement `id`, folded from its stream up to
    /// the position this model holds ([`AgreementExchanges::fold`]).
    pub fn load(&mut self, id: AgreementId, exchanges: AgreementExchanges) {
        if let Some(a) = self.agreements.get_mut(&id) {
            a.exchanges = Some(exchanges);
        }
    }

    /// Drops the exchanges of agreement `id` from memory: its stream holds
    /// them, to be loaded again when a command needs them.
    pub fn unload(&mut self, id: AgreementId) {
        if let Some(a) = self.agreements.get_mut(&id) {
            a.exchanges = None;
        }
    }

    fn evolve_agreement(&mut self, event: &Event) {
        let Some(id) = event_agreement(event) else {
            return;
        };
        let Some(a) = self.agreements.get_mut(&id) else {
            return;
        };
        let parties = &self.parties;
        let succession_of = |p: &PartyId| parties.get(p).and_then(|s| s.succeeded.clone());
        match event {
            Event::AgreementAmended(e) => a.amend(e.clone()),
            Event::PartyAdmitted(e) => {
                a.members
                    .join(&e.party_id, e.effective_on, None, &succession_of);
            }
            Event::ExchangeRecorded(e) => {
                let state = ExchangeState {
                    occurred_on: e.occurred_on,
                    area: e.area.clone(),
                    parties: e.parties.as_slice().into(),
                    retracted: false,
                    activity_id: e.activity_id,
                    follow_ups: e.follow_ups.iter().map(|f| f.follow_up_id).collect(),
                };
                self.exchange_ids.insert(&e.exchange_id, e.agreement_id);
                // Not loaded: its stream holds the fact when it is.
                let Some(exchanges) = a.exchanges.as_mut() else {
                    return;
                };
                exchanges.states.insert(e.exchange_id, state);
                exchanges.carry_out(&a.activities, e.exchange_id, None, e.activity_id);
                exchanges.agree_follow_ups(e.exchange_id, &[], &e.follow_ups);
            }
            Event::ExchangeCorrected(e) => {
                let Some(exchanges) = a.exchanges.as_mut() else {
                    return;
                };
                if let Some(x) = exchanges.states.get_mut(&e.exchange_id) {
                    x.occurred_on = e.occurred_on.unwrap_or(x.occurred_on);
                    x.area = e.area.clone().unwrap_or_else(|| x.area.clone());
                    if let Some(parties) = &e.parties {
                        x.parties = parties.as_slice().into();
                    }
                    let before = x.activity_id;
                    x.activity_id = e.activity_id.or(x.activity_id);
                    let (after, old) = (x.activity_id, x.follow_ups.clone());
                    if let Some(list) = &e.follow_ups {
                        x.follow_ups = list.iter().map(|f| f.follow_up_id).collect();
                        exchanges.agree_follow_ups(e.exchange_id, &old, list);
                    }
                    exchanges.carry_out(&a.activities, e.exchange_id, before, after);
                }
            }
            Event::ExchangeRetracted(e) => {
                let x = a
                    .exchanges
                    .as_mut()
                    .and_then(|x| x.states.get_mut(&e.exchange_id));
                if let Some(x) = x {
                    x.retracted = true;
                }
            }
            Event::ReviewPeriodOpened(e) => {
                let state = ReviewState {
                    period: e.period,
                    closed: false,
                    assessed: HashMap::new(),
                };
                a.reviews.insert(e.review_id, state);
            }
            Event::ReviewPeriodClosed(e) => {
                if let Some(r) = a.reviews.get_mut(&e.review_id) {
                    r.closed = true;
                }
            }
            Event::AgreementTerminated(e) => {
                a.terminated_on.get_or_insert(e.effective_on);
            }
            Event::AssessmentRecorded(e) => {
                if let Some(r) = a.reviews.get_mut(&e.review_id) {
                    let latest = r
                        .assessed
                        .entry(e.party_id.clone())
                        .or_insert(e.assessed_on);
                    *latest = (*latest).max(e.assessed_on);
                }
            }
            Event::PartyWithdrew(e) => a.members.leave(&e.party_id, e.effective_on),
            // Nothing a later decision depends on: files are only attached.
            Event::DocumentAttached(_) => {}
            Event::ActivityPlanned(e) => {
                let state = ActivityState { cancelled: false };
                a.activities.entry(e.activity_id).or_insert(state);
            }
            Event::ActivityCancelled(e) => {
                if let Some(activity) = a.activities.get_mut(&e.activity_id) {
                    activity.cancelled = true;
                }
            }
            Event::FollowUpCompleted(e) => {
                let f = a
                    .exchanges
                    .as_mut()
                    .and_then(|x| x.follow_ups.get_mut(&e.follow_up_id));
                if let Some(f) = f {
                    f.completed = true;
                }
            }
            Event::PartyRegistered(_)
            | Event::AgreementSigned(_)
            | Event::PartyUpdated(_)
            | Event::PartySucceeded(_)
            | Event::EventVoided(_) => {}
        }
    }
}

/// The agreement an event is about, if any.
pub fn event_agreement(event: &Event) -> Option<AgreementId> {
    Some(match event {
        Event::PartyRegistered(_) | Event::PartyUpdated(_) | Event::PartySucceeded(_) => {
            return None
        }
        Event::AgreementSigned(e) => e.agreement_id,
        Event::AgreementAmended(e) => e.agreement_id,
        Event::PartyAdmitted(e) => e.agreement_id,
        Event::ExchangeRecorded(e) => e.agreement_id,
        Event::ExchangeCorrected(e) => e.agreement_id,
        Event::ExchangeRetracted(e) => e.agreement_id,
        Event::ReviewPeriodOpened(e) => e.agreement_id,
        Event::AssessmentRecorded(e) => e.agreement_id,
        Event::ReviewPeriodClosed(e) => e.agreement_id,
        Event::AgreementTerminated(e) => e.agreement_id,
        Event::PartyWithdrew(e) => e.agreement_id,
        Event::EventVoided(e) => return e.agreement_id,
        Event::DocumentAttached(e) => e.agreement_id,
        Event::ActivityPlanned(e) => e.agreement_id,
        Event::ActivityCancelled(e) => e.agreement_id,
        Event::FollowUpCompleted(e) => e.agreement_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(day: &str) -> ExchangeState {
        ExchangeState {
            occurred_on: day.parse().unwrap(),
            area: "trade".parse().unwrap(),
            parties: PartyList::from(vec!["dong-nai-iza".parse().unwrap()]),
            retracted: false,
            activity_id: None,
            follow_ups: Box::new([]),
        }
    }

    fn id(n: u128) -> ExchangeId {
        ExchangeId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn exchange_states_answer_as_a_map_whatever_the_order_of_insertion() {
        let mut states = ExchangeStates::default();
        let mut map = HashMap::new();
        for (n, day) in [
            (5, "2024-01-05"),
            (2, "2024-01-02"),
            (9, "2024-01-09"),
            (7, "2024-01-07"),
        ] {
            states.insert(id(n), state(day));
            map.insert(id(n), state(day));
        }
        states.insert(id(2), state("2024-02-02"));
        map.insert(id(2), state("2024-02-02"));
        states.get_mut(&id(9)).unwrap().retracted = true;
        map.get_mut(&id(9)).unwrap().retracted = true;

        for n in 0..12 {
            assert_eq!(states.get(&id(n)), map.get(&id(n)), "exchange {n}");
            assert_eq!(states.contains_key(&id(n)), map.contains_key(&id(n)));
        }
        assert_eq!(states.len(), map.len());
        let keys: Vec<_> = states.keys().copied().collect();
        assert_eq!(keys, [id(2), id(5), id(7), id(9)]);
        let unsorted: Vec<_> = map.into_iter().collect();
        assert_eq!(ExchangeStates::from(unsorted), states);
    }

    #[test]
    fn an_exchange_costs_the_write_model_88_bytes_besides_its_shared_lists() {
        assert!(std::mem::size_of::<(ExchangeId, ExchangeState)>() <= 88);
    }
}
