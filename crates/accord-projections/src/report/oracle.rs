//! The report as it was folded before ADR 0034, from the exchange records
//! on every request: the oracle the report assembled from the aggregates
//! is held equal to (`properties`). Kept as it was, apart from names.

use std::collections::BTreeMap;

use accord_domain::{AreaId, BusinessDate, PartyId, Rating};

use crate::fold::agreement_exchanges;
use crate::plans::{ActivityCounts, ActivityStatus, FollowUpCounts, FollowUpStatus};
use crate::read_models::Exchanges;
use crate::read_models::ReadModels;
use crate::state::{AgreementRecord, ExchangeRecord};
use crate::views::AgreementStatus;
use crate::{Report, ReportAgreement, ReportParty, ReportQuery, ReportTotals};

/// The window [from, to] seen at `at`.
struct Window {
    from: Option<BusinessDate>,
    to: BusinessDate,
    at: BusinessDate,
}

impl Window {
    /// Whether `day` is in the window and not after the date of the view.
    fn holds(&self, day: BusinessDate) -> bool {
        self.from.is_none_or(|from| from <= day) && day <= self.to && day <= self.at
    }

    /// Whether a term overlaps the window.
    fn overlaps(&self, start: BusinessDate, end: BusinessDate) -> bool {
        start <= self.to && self.from.is_none_or(|from| from <= end)
    }
}

/// An included agreement's row with the exchanges it counted.
struct Included<'a> {
    row: ReportAgreement,
    counted: Vec<&'a ExchangeRecord>,
    led: Vec<(&'a PartyId, ActivityStatus)>,
    owed: Vec<(&'a PartyId, FollowUpStatus)>,
}

/// The report folded from the exchange records, as it was computed before
/// ADR 0034.
pub(crate) fn folded_report(models: &ReadModels, query: &ReportQuery) -> Report {
    models.folded_report(query)
}

impl ReadModels {
    fn folded_report(&self, query: &ReportQuery) -> Report {
        let window = Window {
            from: query.from,
            to: query.to.unwrap_or(query.at),
            at: query.at,
        };
        let included: Vec<Included<'_>> = self
            .signing_order
            .iter()
            .filter_map(|id| self.agreements.get(id))
            .filter_map(|record| self.fold_include(record, &window, query.party.as_ref()))
            .collect();
        Report {
            from: window.from,
            to: window.to,
            at: window.at,
            as_of: query.as_of.clone(),
            totals: totals(&included),
            parties: party_rows(&included, query.party.as_ref()),
            agreements: included.into_iter().map(|i| i.row).collect(),
        }
    }

    /// The agreement's row, if it exists at D, has `party` (if any) at D
    /// and its term at D overlaps the window.
    fn fold_include<'a>(
        &'a self,
        record: &'a AgreementRecord,
        window: &Window,
        party: Option<&PartyId>,
    ) -> Option<Included<'a>> {
        let at = window.at;
        let terms = record.terms_at(at);
        let wanted = record.exists_at(at)
            && party.is_none_or(|p| record.has_party_at(p, at))
            && window.overlaps(terms.term.start, terms.term.end);
        if !wanted {
            return None;
        }
        let exchanges = self.exchanges.of(&record.signed.agreement_id);
        let counted: Vec<&ExchangeRecord> = agreement_exchanges(record, exchanges)
            .filter(|x| !x.retracted && window.holds(x.occurred_on))
            .collect();
        let mut by_area: BTreeMap<&AreaId, u64> = BTreeMap::new();
        for x in &counted {
            *by_area.entry(&x.area).or_insert(0) += 1;
        }
        let by_area = by_area
            .into_iter()
            .map(|(area, n)| (area.clone(), n))
            .collect();
        let (outcomes, review_sources) = closed_outcomes(record, window);
        let (activities, led) = activity_counts(record, exchanges, window.from, window.to, at);
        let (follow_ups, owed) = follow_up_counts(record, counted.iter().copied(), at);
        let mut exchange_sources: Vec<u64> = counted.iter().map(|x| x.position).collect();
        exchange_sources.sort_unstable();
        let row = ReportAgreement {
            agreement_id: record.signed.agreement_id,
            status: record.status_at(&terms.term, at),
            title: terms.title,
            parties: record.parties_at(at),
            exchanges: counted.len() as u64,
            by_area,
            reviews_closed: outcomes.values().sum(),
            outcomes,
            sources: record.sources_at(at),
            exchange_sources,
            review_sources,
            activities,
            follow_ups,
        };
        Some(Included {
            row,
            counted,
            led,
            owed,
        })
    }
}

/// The outcomes of the agreement's reviews closed in the window, counted,
/// and the positions of those closings, ascending. Only reviews opened by
/// D: the rules let a closing be dated before its opening, and a review not
/// yet opened at D does not exist there (the agreement view at D does not
/// list it), so it cannot count as closed.
fn closed_outcomes(record: &AgreementRecord, window: &Window) -> (BTreeMap<Rating, u64>, Vec<u64>) {
    let mut outcomes = BTreeMap::new();
    let mut positions = Vec::new();
    let closings = record
        .reviews
        .iter()
        .filter(|r| r.opened.opened_on <= window.at)
        .filter_map(|r| r.closed.as_ref());
    for (position, closing) in closings.filter(|(_, c)| window.holds(c.closed_on)) {
        *outcomes.entry(closing.outcome).or_insert(0) += 1;
        positions.push(*position);
    }
    positions.sort_unstable();
    (outcomes, positions)
}

fn totals(included: &[Included<'_>]) -> ReportTotals {
    let mut totals = ReportTotals::default();
    for Included { row, .. } in included {
        totals.agreements += 1;
        totals.active_agreements += u64::from(row.status == AgreementStatus::Active);
        totals.exchanges += row.exchanges;
        totals.reviews_closed += row.reviews_closed;
    }
    totals
}

/// One row per party of the included agreements (only `party` if given).
fn party_rows(included: &[Included<'_>], party: Option<&PartyId>) -> Vec<ReportParty> {
    // One pass over the agreements and one over the counted exchanges: the
    // report must not cost parties × exchanges.
    let wanted = |p: &PartyId| party.is_none_or(|w| w == p);
    let mut rows: BTreeMap<&PartyId, ReportParty> = BTreeMap::new();
    for i in included {
        for p in i.row.parties.iter().filter(|p| wanted(p)) {
            let row = rows.entry(p).or_insert_with(|| ReportParty {
                party_id: p.clone(),
                agreements: 0,
                exchanges: 0,
                activities: ActivityCounts::default(),
                follow_ups: FollowUpCounts::default(),
            });
            row.agreements += 1;
        }
    }
    for x in included.iter().flat_map(|i| &i.counted) {
        for p in &x.parties {
            if let Some(row) = rows.get_mut(p) {
                row.exchanges += 1;
            }
        }
    }
    for i in included {
        for (p, status) in &i.led {
            if let Some(row) = rows.get_mut(*p) {
                row.activities.add(*status);
            }
        }
        for (p, status) in &i.owed {
            if let Some(row) = rows.get_mut(*p) {
                row.follow_ups.add(*status);
            }
        }
    }
    rows.into_values().collect()
}

// The counting functions as they read the exchange records before ADR
// 0059, when they were in `plans`.

/// The agreement's activities due in [`from`, `to`] counted by their
/// status on `at`, in total and by lead party.
fn activity_counts<'a>(
    record: &'a AgreementRecord,
    exchanges: &Exchanges,
    from: Option<BusinessDate>,
    to: BusinessDate,
    at: BusinessDate,
) -> (ActivityCounts, Vec<(&'a PartyId, ActivityStatus)>) {
    let mut counts = ActivityCounts::default();
    let mut by_party = Vec::new();
    let due_in = |day: BusinessDate| from.is_none_or(|from| from <= day) && day <= to;
    for a in record
        .activities
        .iter()
        .filter(|a| due_in(a.planned.due_on))
    {
        let status = crate::plans::activity_status(a, exchanges, at);
        counts.add(status);
        by_party.push((&a.planned.lead_party, status));
    }
    (counts, by_party)
}

/// The follow-ups agreed at `counted` exchanges (the report's), counted by
/// their status on `at`, in total and by responsible party.
fn follow_up_counts<'a>(
    record: &AgreementRecord,
    counted: impl IntoIterator<Item = &'a ExchangeRecord>,
    at: BusinessDate,
) -> (FollowUpCounts, Vec<(&'a PartyId, FollowUpStatus)>) {
    let mut counts = FollowUpCounts::default();
    let mut by_party = Vec::new();
    for f in counted.into_iter().flat_map(|x| &x.follow_ups) {
        let completed_on = record.completions.get(&f.follow_up_id).map(|(_, on)| *on);
        let status = crate::plans::follow_up_status(f.due_on, completed_on, at);
        counts.add(status);
        by_party.push((&f.party_id, status));
    }
    (counts, by_party)
}
