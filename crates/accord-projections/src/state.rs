//! What the read models keep of each agreement, exchange and review: every
//! fact with its effective date, so any business date can be folded, plus
//! incremental exchange totals so the common "today" view needs no scan.
//!
//! Everything here is updated in O(1) per event (amendments are inserted
//! into a short sorted list, the only exception).

use std::collections::{BTreeMap, HashMap};

use accord_domain::members::Succession;
use accord_domain::{
    ActivityId, AgreementAmended, AgreementId, AgreementSigned, AreaId, AssessmentRecorded,
    BusinessDate, DocumentAttached, Event, ExchangeCorrected, ExchangeId, ExchangeKind,
    ExchangeRecorded, FollowUp, FollowUpId, Members, Participant, PartyId, PartyList,
    PartyRegistered, PartySucceeded, PartyUpdated, ReviewId, ReviewPeriodClosed,
    ReviewPeriodOpened,
};

use serde::{Deserialize, Serialize};

use crate::counted::CountedExchanges;
use crate::plans::ActivityRecord;
use crate::views::ExchangeCounts;

/// A party's facts: its registration, its updates in (effective_on,
/// position) order, and its succession with its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PartyRecord {
    pub registered: PartyRegistered,
    pub updates: Vec<(u64, PartyUpdated)>,
    pub succeeded: Option<(u64, PartySucceeded)>,
}

impl PartyRecord {
    /// Keeps an update in (effective_on, position) order.
    pub fn update(&mut self, position: u64, update: PartyUpdated) {
        let day = update.effective_on;
        let at = self.updates.partition_point(|(_, u)| u.effective_on <= day);
        self.updates.insert(at, (position, update));
    }
}

/// An agreement's facts, each with its effective date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AgreementRecord {
    /// The signature, as signed.
    pub signed: AgreementSigned,
    /// The global position of the signature (the listing order).
    pub position: u64,
    /// The version of the agreement's stream after its latest event.
    pub version: u64,
    /// Amendments ordered by (effective_on, position).
    pub amendments: Vec<(u64, AgreementAmended)>,
    /// Admitted parties with their effective dates and positions, in
    /// admission order.
    pub admissions: Vec<(PartyId, BusinessDate, u64)>,
    /// Its memberships as dated intervals, kept as the write model keeps
    /// them (`accord_domain::members`).
    pub members: Members,
    /// Withdrawals and successions that changed its members: (effective
    /// date, position, a party that left or joined), one entry per party.
    pub membership_changes: Vec<(BusinessDate, u64, PartyId)>,
    /// Successors naming this agreement: (signed_on, position, id).
    pub successors: Vec<(BusinessDate, u64, AgreementId)>,
    /// The termination's effective date and position (an agreement
    /// terminates once).
    pub terminated: Option<(BusinessDate, u64)>,
    /// Its exchanges, in recording order.
    pub exchanges: Vec<ExchangeId>,
    /// Not-retracted exchanges at any date: equals the fold at any date on
    /// or after `latest`.
    pub totals: ExchangeCounts,
    /// Its reviews, in recording order.
    pub reviews: Vec<ReviewRecord>,
    /// Where each review sits in `reviews`.
    pub review_index: HashMap<ReviewId, usize>,
    /// Files attached, with their positions, by (dated_on, position).
    pub attachments: Vec<(u64, DocumentAttached)>,
    /// The latest effective date of any of its facts (including every date
    /// an exchange was ever recorded or corrected to).
    pub latest: BusinessDate,
    /// The report's aggregate of its exchanges (ADR 0034), work plan part
    /// included (ADR 0059): derived from the exchanges, so not in
    /// snapshots; recomputed when one is decoded.
    #[serde(skip)]
    pub counted: CountedExchanges,
    /// Its work plan, in planning order (ADR 0032).
    pub activities: Vec<ActivityRecord>,
    /// Where each activity sits in `activities`.
    pub activity_index: HashMap<ActivityId, usize>,
    /// The exchanges that were ever given follow-ups, in recording order.
    pub with_follow_ups: Vec<ExchangeId>,
    /// Each completed follow-up: the completion's position and date (the
    /// first one stands).
    pub completions: HashMap<FollowUpId, (u64, BusinessDate)>,
}

/// An exchange as last corrected: what every request needs stays in
/// memory; its texts (summary, outcome, place, participants, minutes) are
/// read on demand from the events at `sources` when the models are lean
/// (ADR 0037).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExchangeRecord {
    pub agreement_id: AgreementId,
    /// The global position of its recording (the tie-breaker of its order).
    pub position: u64,
    pub occurred_on: BusinessDate,
    pub area: AreaId,
    pub kind: ExchangeKind,
    /// Its parties: a list shared with every exchange that names the same
    /// ones (ADR 0043).
    pub parties: PartyList,
    pub follow_ups: Vec<FollowUp>,
    /// The planned activity it carries out.
    pub activity_id: Option<ActivityId>,
    pub corrected: bool,
    pub retracted: bool,
    /// Its lineage: the positions of its recording, then of every
    /// correction and retraction of it, ascending.
    pub sources: Vec<u64>,
    /// Its texts as last corrected, kept only by models that keep texts
    /// (folded without a log to read them from); never in snapshots.
    #[serde(skip)]
    pub texts: Option<Box<ExchangeTexts>>,
}

/// Two records are equal whatever texts they keep: the texts are a
/// function of the events at `sources`, which the records compare.
impl PartialEq for ExchangeRecord {
    fn eq(&self, other: &Self) -> bool {
        self.agreement_id == other.agreement_id
            && self.position == other.position
            && self.occurred_on == other.occurred_on
            && self.area == other.area
            && self.kind == other.kind
            && self.parties == other.parties
            && self.follow_ups == other.follow_ups
            && self.activity_id == other.activity_id
            && self.corrected == other.corrected
            && self.retracted == other.retracted
            && self.sources == other.sources
    }
}

/// The texts of an exchange as last corrected: what only its own views
/// show, so what lean models read from the log instead of keeping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExchangeTexts {
    pub summary: String,
    pub outcome: Option<String>,
    pub place: Option<String>,
    pub participants: Vec<Participant>,
    pub minutes: Option<String>,
}

impl ExchangeTexts {
    /// The texts as recorded.
    pub fn recorded(e: &ExchangeRecorded) -> Self {
        Self {
            summary: e.summary.clone(),
            outcome: e.outcome.clone(),
            place: e.place.clone(),
            participants: e.participants.clone(),
            minutes: e.minutes.clone(),
        }
    }

    /// Applies a correction: only the fields it gives change.
    pub fn correct(&mut self, c: &ExchangeCorrected) {
        if let Some(summary) = &c.summary {
            self.summary.clone_from(summary);
        }
        if c.outcome.is_some() {
            self.outcome.clone_from(&c.outcome);
        }
        if c.place.is_some() {
            self.place.clone_from(&c.place);
        }
        if let Some(participants) = &c.participants {
            self.participants.clone_from(participants);
        }
        if c.minutes.is_some() {
            self.minutes.clone_from(&c.minutes);
        }
    }

    /// The texts folded from an exchange's source events, in order: its
    /// recording, then its corrections (retractions change no text).
    /// `None` if the first is not a recording.
    pub fn folded(events: &[Event]) -> Option<Self> {
        let mut events = events.iter();
        let Some(Event::ExchangeRecorded(recorded)) = events.next() else {
            return None;
        };
        let mut texts = Self::recorded(recorded);
        for event in events {
            if let Event::ExchangeCorrected(c) = event {
                texts.correct(c);
            }
        }
        Some(texts)
    }
}

/// A review period with its dated facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReviewRecord {
    pub opened: ReviewPeriodOpened,
    pub position: u64,
    /// Assessments with their positions, in recording order.
    pub assessments: Vec<(u64, AssessmentRecorded)>,
    /// The closing with its position (a review closes once).
    pub closed: Option<(u64, ReviewPeriodClosed)>,
}

impl AgreementRecord {
    /// A freshly signed agreement.
    pub fn signed(position: u64, version: u64, signed: AgreementSigned) -> Self {
        let latest = signed.signed_on;
        let since = signed.signed_on.min(signed.term.start);
        Self {
            members: Members::signed(&signed.parties, since),
            signed,
            position,
            version,
            amendments: Vec::new(),
            admissions: Vec::new(),
            membership_changes: Vec::new(),
            successors: Vec::new(),
            terminated: None,
            exchanges: Vec::new(),
            totals: ExchangeCounts::default(),
            reviews: Vec::new(),
            review_index: HashMap::new(),
            attachments: Vec::new(),
            latest,
            counted: CountedExchanges::default(),
            activities: Vec::new(),
            activity_index: HashMap::new(),
            with_follow_ups: Vec::new(),
            completions: HashMap::new(),
        }
    }

    /// Adds a planned activity (a second one with the same id is ignored).
    pub fn plan(&mut self, position: u64, e: accord_domain::ActivityPlanned) {
        if !self.activity_index.contains_key(&e.activity_id) {
            self.activity_index
                .insert(e.activity_id, self.activities.len());
            self.activities.push(ActivityRecord::planned(position, e));
        }
    }

    /// The activity with this id, if planned.
    pub fn activity_mut(&mut self, id: ActivityId) -> Option<&mut ActivityRecord> {
        let index = *self.activity_index.get(&id)?;
        self.activities.get_mut(index)
    }

    /// Notes that `exchange` carries out `after` instead of `before`.
    pub fn carry_out(
        &mut self,
        exchange: ExchangeId,
        before: Option<ActivityId>,
        after: Option<ActivityId>,
    ) {
        if before == after {
            return;
        }
        if let Some(a) = before.and_then(|id| self.activity_mut(id)) {
            a.carried_by.retain(|x| *x != exchange);
        }
        if let Some(a) = after.and_then(|id| self.activity_mut(id)) {
            a.carried_by.push(exchange);
        }
    }

    /// Notes that `exchange` has follow-ups (once).
    pub fn has_follow_ups(&mut self, exchange: ExchangeId) {
        if !self.with_follow_ups.contains(&exchange) {
            self.with_follow_ups.push(exchange);
        }
    }

    /// Notes a fact effective on `day`.
    pub fn touch(&mut self, day: BusinessDate) {
        self.latest = self.latest.max(day);
    }

    /// Keeps an amendment in (effective_on, position) order. Positions only
    /// grow, so it goes after every amendment effective on or before its day.
    pub fn amend(&mut self, position: u64, amendment: AgreementAmended) {
        self.touch(amendment.effective_on);
        let day = amendment.effective_on;
        let at = self
            .amendments
            .partition_point(|(_, a)| a.effective_on <= day);
        self.amendments.insert(at, (position, amendment));
    }

    /// Notes a successor signed on `signed_on` that names this agreement.
    pub fn succeeded_by(&mut self, signed_on: BusinessDate, position: u64, id: AgreementId) {
        self.touch(signed_on);
        self.successors.push((signed_on, position, id));
    }

    /// Notes a newly recorded exchange.
    pub fn record_exchange(&mut self, exchange: &ExchangeRecord, id: ExchangeId) {
        self.touch(exchange.occurred_on);
        self.exchanges.push(id);
        count(&mut self.totals, &exchange.area, 1);
        self.counted.update(exchange);
    }

    /// Notes an opened review.
    pub fn open_review(&mut self, position: u64, opened: ReviewPeriodOpened) {
        self.touch(opened.opened_on);
        self.review_index
            .insert(opened.review_id, self.reviews.len());
        self.reviews.push(ReviewRecord {
            opened,
            position,
            assessments: Vec::new(),
            closed: None,
        });
    }

    /// Adds an assessment to its review (ignored if the review is unknown).
    pub fn assess(&mut self, position: u64, assessment: AssessmentRecorded) {
        self.touch(assessment.assessed_on);
        if let Some(review) = self.review_mut(assessment.review_id) {
            review.assessments.push((position, assessment));
        }
    }

    /// Closes a review (ignored if unknown; the first closing stands).
    pub fn close_review(&mut self, position: u64, closing: ReviewPeriodClosed) {
        self.touch(closing.closed_on);
        if let Some(review) = self.review_mut(closing.review_id) {
            review.closed.get_or_insert((position, closing));
        }
    }

    /// Notes an admission effective on `effective_on`.
    pub fn admit(
        &mut self,
        position: u64,
        party: &PartyId,
        effective_on: BusinessDate,
        succession_of: &dyn Fn(&PartyId) -> Option<Succession>,
    ) {
        self.touch(effective_on);
        self.admissions
            .push((party.clone(), effective_on, position));
        self.members.join(party, effective_on, None, succession_of);
    }

    /// Notes a withdrawal or succession that changed `party`'s membership.
    pub fn membership_changed(
        &mut self,
        position: u64,
        effective_on: BusinessDate,
        party: &PartyId,
    ) {
        self.touch(effective_on);
        self.membership_changes
            .push((effective_on, position, party.clone()));
    }

    /// Keeps an attached file in (dated_on, position) order.
    pub fn attach(&mut self, position: u64, attached: DocumentAttached) {
        self.touch(attached.dated_on);
        let day = attached.dated_on;
        let at = self.attachments.partition_point(|(_, a)| a.dated_on <= day);
        self.attachments.insert(at, (position, attached));
    }

    /// Notes the termination (the first one stands).
    pub fn terminate(&mut self, position: u64, effective_on: BusinessDate) {
        self.touch(effective_on);
        self.terminated.get_or_insert((effective_on, position));
    }

    fn review_mut(&mut self, id: ReviewId) -> Option<&mut ReviewRecord> {
        let index = *self.review_index.get(&id)?;
        self.reviews.get_mut(index)
    }
}

impl ReviewRecord {
    /// The assessments that count on `day`: of those made by then, each
    /// party's latest (by assessed_on, then recording), in recording order.
    /// The others stay in the history.
    pub fn counted_assessments(&self, day: BusinessDate) -> Vec<&(u64, AssessmentRecorded)> {
        let made = || {
            self.assessments
                .iter()
                .filter(|(_, a)| a.assessed_on <= day)
        };
        made()
            .filter(|(position, a)| {
                !made().any(|(p, b)| {
                    b.party_id == a.party_id && (b.assessed_on, *p) > (a.assessed_on, *position)
                })
            })
            .collect()
    }
}

impl ExchangeRecord {
    /// An exchange as recorded at `position`, with its texts if `keep_texts`.
    pub fn recorded(position: u64, e: ExchangeRecorded, keep_texts: bool) -> Self {
        let texts = keep_texts.then(|| Box::new(ExchangeTexts::recorded(&e)));
        Self {
            agreement_id: e.agreement_id,
            position,
            occurred_on: e.occurred_on,
            area: e.area,
            kind: e.kind,
            parties: e.parties.into(),
            follow_ups: e.follow_ups,
            activity_id: e.activity_id,
            corrected: false,
            retracted: false,
            sources: vec![position],
            texts,
        }
    }

    /// Applies a correction at `position`: only the fields it gives change.
    pub fn correct(&mut self, position: u64, c: &ExchangeCorrected) {
        self.corrected = true;
        self.sources.push(position);
        if let Some(day) = c.occurred_on {
            self.occurred_on = day;
        }
        if let Some(area) = &c.area {
            self.area = area.clone();
        }
        if let Some(kind) = c.kind {
            self.kind = kind;
        }
        if let Some(parties) = &c.parties {
            self.parties = parties.as_slice().into();
        }
        if let Some(follow_ups) = &c.follow_ups {
            self.follow_ups = follow_ups.clone();
        }
        if c.activity_id.is_some() {
            self.activity_id = c.activity_id;
        }
        if let Some(texts) = &mut self.texts {
            texts.correct(c);
        }
    }

    /// Whether it counts in a view at `day`: not retracted, occurred by then.
    pub fn counts_at(&self, day: BusinessDate) -> bool {
        !self.retracted && self.occurred_on <= day
    }
}

/// Adds `delta` (±1) to the counts of `area`, dropping areas that reach 0.
pub(crate) fn count(counts: &mut ExchangeCounts, area: &AreaId, delta: i64) {
    counts.total = counts.total.saturating_add_signed(delta);
    // Looked up before inserting: most counts exist, and `entry` would
    // clone the area's text on every call.
    match counts.by_area.get_mut(area) {
        Some(entry) => {
            *entry = entry.saturating_add_signed(delta);
            if *entry == 0 {
                counts.by_area.remove(area);
            }
        }
        None if delta > 0 => {
            counts.by_area.insert(area.clone(), delta.unsigned_abs());
        }
        None => {}
    }
}

/// Counts every exchange that satisfies `keep` by area.
pub(crate) fn tally<'a>(
    exchanges: impl Iterator<Item = &'a ExchangeRecord>,
    mut keep: impl FnMut(&ExchangeRecord) -> bool,
) -> ExchangeCounts {
    let mut counts = ExchangeCounts {
        total: 0,
        by_area: BTreeMap::new(),
    };
    for exchange in exchanges.filter(|x| keep(x)) {
        count(&mut counts, &exchange.area, 1);
    }
    counts
}
