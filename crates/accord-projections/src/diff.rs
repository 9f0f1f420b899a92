//! What changed in an agreement between two points (ADR 0014): each side is
//! a [`ReadModels`] (everything, or a prefix of the log for `as_of`) read
//! at a business date; both views — the agreement, its whole exchange list,
//! its reviews — are compared, and every difference is attributed to the
//! facts behind it through the lineage.
//!
//! # Attribution
//!
//! A change's `sources` are the facts behind the changed thing on one side
//! only (the symmetric difference of its lineages on both sides). When both
//! sides know the same facts — the change comes from the passing of
//! business time, e.g. `pending` → `active` — they are the facts behind it
//! on the `to` side (on the `from` side if it is gone at `to`).

use std::collections::{BTreeSet, HashMap};

use accord_domain::{AgreementId, BusinessDate, ExchangeId, PartyId, ReviewId};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::fold::{agreement_view, exchange_list};
use crate::lineage::Part;
use crate::read_models::{ExchangeQuery, ReadModels};
use crate::state::{AgreementRecord, ReviewRecord};
use crate::views::{AgreementView, ExchangeStatus, ExchangeView};

/// The business date a side of a diff is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffDate {
    /// The world on this date.
    On(BusinessDate),
    /// Every fact known: `today`, or the agreement's latest fact's date if
    /// that is later (an amendment dated next year still counts).
    AllFacts {
        /// Today's date, chosen by the caller.
        today: BusinessDate,
    },
}

/// One side of a diff: read models and the date they are read at.
#[derive(Debug, Clone, Copy)]
pub struct DiffSide<'a> {
    /// All events known at that point (the live models or a prefix rebuild).
    pub models: &'a ReadModels,
    /// The business date of the view.
    pub date: DiffDate,
}

/// What one side of a diff resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiffPoint {
    /// The business date the agreement was read at.
    pub at: BusinessDate,
    /// Whether the agreement existed then (signed by `at`, known then).
    pub exists: bool,
    /// The agreement stream's version known then (0: nothing known).
    pub version: u64,
    /// The last log position known then.
    pub position: u64,
}

/// The kind of a [`Change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A field of the agreement (named in `field`).
    Field,
    /// The agreement's status.
    Status,
    /// A party of the agreement at `to` that was not at `from`.
    PartyAdmitted,
    /// A party at `from` that is not at `to` (a diff read backwards).
    PartyRemoved,
    /// An exchange listed at `to`, not at `from`.
    ExchangeAdded,
    /// An exchange listed at `from`, not at `to`.
    ExchangeRemoved,
    /// An exchange whose record was corrected in between.
    ExchangeCorrected,
    /// An exchange retracted in between.
    ExchangeRetracted,
    /// A review opened at `to`, not at `from`.
    ReviewOpened,
    /// A review open at `from`, not at `to`.
    ReviewRemoved,
    /// An assessment made on one side only.
    ReviewAssessed,
    /// A review closed on one side only.
    ReviewClosed,
}

/// One difference between the two sides, with the facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// The field's name (`field` changes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The party (party and assessment changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_id: Option<PartyId>,
    /// The exchange (exchange changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange_id: Option<ExchangeId>,
    /// The review (review changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_id: Option<ReviewId>,
    /// The value at `from` (any JSON); null when absent there.
    #[schema(value_type = Value)]
    pub before: Value,
    /// The value at `to` (any JSON); null when absent there.
    #[schema(value_type = Value)]
    pub after: Value,
    /// The log positions of the facts that made the change, ascending.
    pub sources: Vec<u64>,
}

/// The difference between two points of one agreement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Diff {
    /// The agreement.
    pub agreement_id: AgreementId,
    /// What `from` resolved to.
    pub from: DiffPoint,
    /// What `to` resolved to.
    pub to: DiffPoint,
    /// Fields, status, parties, exchanges, then reviews.
    pub changes: Vec<Change>,
}

/// One side, folded.
struct Seen<'a> {
    record: Option<&'a AgreementRecord>,
    day: BusinessDate,
    view: Option<AgreementView>,
    exchanges: Vec<ExchangeView>,
}

impl<'a> Seen<'a> {
    fn fold(id: AgreementId, side: DiffSide<'a>) -> Self {
        let known = side.models.agreements.get(&id);
        let day = match side.date {
            DiffDate::On(day) => day,
            DiffDate::AllFacts { today } => known.map_or(today, |r| r.latest.max(today)),
        };
        let record = known.filter(|r| r.exists_at(day));
        let exchanges = side.models.exchanges.of(&id);
        Seen {
            record,
            day,
            view: record.map(|r| agreement_view(r, exchanges, day)),
            exchanges: record.map_or_else(Vec::new, |r| {
                exchange_list(r, exchanges, day, &ExchangeQuery::default())
            }),
        }
    }

    fn point(&self, side: DiffSide<'_>, id: AgreementId) -> DiffPoint {
        DiffPoint {
            at: self.day,
            exists: self.record.is_some(),
            version: side.models.agreements.get(&id).map_or(0, |r| r.version),
            position: side.models.position,
        }
    }

    fn part(&self, part: Part) -> Vec<u64> {
        self.record
            .map_or_else(Vec::new, |r| r.part_sources(part, self.day))
    }

    fn json(&self, field: &str) -> Value {
        let view = self
            .view
            .as_ref()
            .and_then(|v| serde_json::to_value(v).ok());
        view.map_or(Value::Null, |v| v[field].clone())
    }

    fn reviews(&self) -> Vec<&'a ReviewRecord> {
        let day = self.day;
        let mut reviews: Vec<&ReviewRecord> = self
            .record
            .into_iter()
            .flat_map(|r| &r.reviews)
            .filter(|r| r.opened.opened_on <= day)
            .collect();
        reviews.sort_by_key(|r| (r.opened.opened_on, r.position));
        reviews
    }
}

/// The fields compared, with the part of the agreement that sets each.
const FIELDS: [(&str, Part); 9] = [
    ("title", Part::Title),
    ("signed_on", Part::Signature),
    ("place", Part::Signature),
    ("term", Part::Term),
    ("areas", Part::Areas),
    ("responsibilities", Part::Responsibilities),
    ("supersedes", Part::Signature),
    ("superseded_by", Part::SupersededBy),
    ("terminated_on", Part::Terminated),
];

/// What changed in agreement `id` from `from` to `to`; `None` if it does
/// not exist at `to`. If it does not exist at `from`, everything it is at
/// `to` is a change.
pub fn diff(id: AgreementId, from: DiffSide<'_>, to: DiffSide<'_>) -> Option<Diff> {
    let (a, b) = (Seen::fold(id, from), Seen::fold(id, to));
    b.record?;
    let mut changes = Vec::new();
    for (field, part) in FIELDS {
        let (before, after) = (a.json(field), b.json(field));
        if before != after {
            let sources = attribute(&a.part(part), &b.part(part));
            changes.push(Change::new(ChangeKind::Field, before, after, sources).field(field));
        }
    }
    let (before, after) = (a.json("status"), b.json("status"));
    if before != after {
        let sources = attribute(&a.part(Part::Status), &b.part(Part::Status));
        changes.push(Change::new(ChangeKind::Status, before, after, sources));
    }
    party_changes(&a, &b, &mut changes);
    exchange_changes(&a, &b, &mut changes);
    reviews::review_changes(&a, &b, &mut changes);
    Some(Diff {
        agreement_id: id,
        from: a.point(from, id),
        to: b.point(to, id),
        changes,
    })
}

impl Change {
    fn new(kind: ChangeKind, before: Value, after: Value, sources: Vec<u64>) -> Self {
        Self {
            kind,
            field: None,
            party_id: None,
            exchange_id: None,
            review_id: None,
            before,
            after,
            sources,
        }
    }

    fn field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

/// The facts on one side only; if none, the facts on the `to` side (the
/// `from` side if `to` has none): see the module docs.
fn attribute(from: &[u64], to: &[u64]) -> Vec<u64> {
    let (a, b): (BTreeSet<u64>, BTreeSet<u64>) =
        (from.iter().copied().collect(), to.iter().copied().collect());
    let only: Vec<u64> = a.symmetric_difference(&b).copied().collect();
    match (only.is_empty(), b.is_empty()) {
        (false, _) => only,
        (true, false) => b.into_iter().collect(),
        (true, true) => a.into_iter().collect(),
    }
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The facts that made `party` a party on a side, or ended it: its
/// admission or the signature for a signatory, then the withdrawals and
/// successions that changed its membership by then.
fn party_source(seen: &Seen<'_>, party: &PartyId) -> Vec<u64> {
    let Some(record) = seen.record else {
        return Vec::new();
    };
    let mut sources: Vec<u64> = if record.signed.parties.contains(party) {
        vec![record.position]
    } else {
        record.admission_of(party, seen.day).into_iter().collect()
    };
    sources.extend(record.membership_changes_of(party, seen.day));
    sources
}

fn party_changes(a: &Seen<'_>, b: &Seen<'_>, changes: &mut Vec<Change>) {
    let parties = |s: &Seen<'_>| s.view.as_ref().map_or_else(Vec::new, |v| v.parties.clone());
    let (before, after) = (parties(a), parties(b));
    let moves = [
        (&after, &before, ChangeKind::PartyAdmitted),
        (&before, &after, ChangeKind::PartyRemoved),
    ];
    for (present, absent, kind) in moves {
        for party in present.iter().filter(|p| !absent.contains(p)) {
            let sources = attribute(&party_source(a, party), &party_source(b, party));
            let (was, is) = (
                kind == ChangeKind::PartyRemoved,
                kind == ChangeKind::PartyAdmitted,
            );
            let mut change = Change::new(kind, Value::Bool(was), Value::Bool(is), sources);
            change.party_id = Some(party.clone());
            changes.push(change);
        }
    }
}

fn exchange_changes(a: &Seen<'_>, b: &Seen<'_>, changes: &mut Vec<Change>) {
    let before: HashMap<ExchangeId, &ExchangeView> =
        a.exchanges.iter().map(|x| (x.exchange_id, x)).collect();
    let after: HashMap<ExchangeId, &ExchangeView> =
        b.exchanges.iter().map(|x| (x.exchange_id, x)).collect();
    let listed = b
        .exchanges
        .iter()
        .chain(&a.exchanges)
        .map(|x| x.exchange_id);
    let mut seen = BTreeSet::new();
    for id in listed.filter(|id| seen.insert(*id)) {
        let (x, y) = (before.get(&id).copied(), after.get(&id).copied());
        for mut change in exchange_change(x, y) {
            change.exchange_id = Some(id);
            changes.push(change);
        }
    }
}

/// The changes of one exchange: added or removed, else corrected and/or
/// retracted (a retraction is always an exchange's last fact).
fn exchange_change(x: Option<&ExchangeView>, y: Option<&ExchangeView>) -> Vec<Change> {
    let sources = |v: Option<&ExchangeView>| v.map_or_else(Vec::new, |v| v.sources.clone());
    let all = attribute(&sources(x), &sources(y));
    let (before, after) = (x.map_or(Value::Null, json), y.map_or(Value::Null, json));
    let (x, y) = match (x, y) {
        (None, _) => return vec![Change::new(ChangeKind::ExchangeAdded, before, after, all)],
        (_, None) => return vec![Change::new(ChangeKind::ExchangeRemoved, before, after, all)],
        (Some(x), Some(y)) if x.sources == y.sources => return Vec::new(),
        (Some(x), Some(y)) => (x, y),
    };
    let retracted = |v: &ExchangeView| v.status == ExchangeStatus::Retracted;
    let retraction = [x, y]
        .into_iter()
        .filter(|v| retracted(v))
        .find_map(|v| v.sources.last().copied())
        .filter(|p| all.contains(p));
    let corrections: Vec<u64> = all
        .iter()
        .copied()
        .filter(|p| Some(*p) != retraction)
        .collect();
    let mut out = Vec::new();
    if !corrections.is_empty() {
        let change = Change::new(
            ChangeKind::ExchangeCorrected,
            before.clone(),
            after.clone(),
            corrections,
        );
        out.push(change);
    }
    if let Some(position) = retraction {
        out.push(Change::new(
            ChangeKind::ExchangeRetracted,
            before,
            after,
            vec![position],
        ));
    }
    out
}

mod reviews;

#[cfg(test)]
mod tests;
