//! The cooperation report: per agreement and per party, the exchanges that
//! occurred in a business window and the reviews closed in it, as the world
//! stood on a date D.

use std::collections::BTreeMap;

use accord_domain::{AgreementId, AreaId, BusinessDate, PartyId, Rating};
use serde::Serialize;
use utoipa::ToSchema;

use crate::counted::Span;
use crate::plans::{activity_counts, follow_up_counts, ActivityCounts, FollowUpCounts};
use crate::read_models::ReadModels;
use crate::state::AgreementRecord;
use crate::views::AgreementStatus;

/// What the report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// First day of the window (inclusive); none: no lower bound.
    pub from: Option<BusinessDate>,
    /// Last day of the window (inclusive); none: `at`.
    pub to: Option<BusinessDate>,
    /// Only agreements this party is a party of at `at`, and only its row.
    pub party: Option<PartyId>,
    /// The business date the world is folded at (D).
    pub at: BusinessDate,
    /// The knowledge instant the caller rebuilt the models at, echoed as is.
    /// The cut itself is the caller's: it applies only events up to it.
    pub as_of: Option<String>,
}

/// The cooperation report (docs/api-guide.md).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    /// The window's first day, or null for no lower bound.
    pub from: Option<BusinessDate>,
    /// The window's last day (`at` when not given, so never null).
    pub to: BusinessDate,
    /// The business date of the view.
    pub at: BusinessDate,
    /// The knowledge instant, or null for everything recorded.
    pub as_of: Option<String>,
    /// Sums over the agreement rows.
    pub totals: ReportTotals,
    /// One row per included agreement, in signing order.
    pub agreements: Vec<ReportAgreement>,
    /// One row per party of the included agreements, sorted by `party_id`.
    pub parties: Vec<ReportParty>,
}

/// Sums over the included agreements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportTotals {
    /// Included agreements.
    pub agreements: u64,
    /// Included agreements whose status at `at` is `active`.
    pub active_agreements: u64,
    /// Counted exchanges.
    pub exchanges: u64,
    /// Reviews closed in the window.
    pub reviews_closed: u64,
}

/// One agreement's row.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportAgreement {
    /// The agreement.
    pub agreement_id: AgreementId,
    /// Its title at `at`.
    pub title: String,
    /// Its status at `at`.
    pub status: AgreementStatus,
    /// Its parties at `at`.
    pub parties: Vec<PartyId>,
    /// Exchanges not retracted that occurred in the window and by `at`.
    pub exchanges: u64,
    /// The same, by area (as corrected).
    pub by_area: BTreeMap<AreaId, u64>,
    /// Reviews closed in the window and by `at`.
    pub reviews_closed: u64,
    /// Those reviews' outcomes, counted.
    pub outcomes: BTreeMap<Rating, u64>,
    /// The agreement's lineage at `at` (as in the agreement view): the
    /// facts behind its title, status and parties.
    pub sources: Vec<u64>,
    /// One position per counted exchange, ascending: its `ExchangeRecorded`
    /// (its corrections are in its own `sources`). As many as `exchanges`.
    /// Left out with `lineage=none`.
    #[schema(required = false)]
    pub exchange_sources: Vec<u64>,
    /// One position per counted review, ascending: its
    /// `ReviewPeriodClosed`. As many as `reviews_closed`. Left out with
    /// `lineage=none`.
    #[schema(required = false)]
    pub review_sources: Vec<u64>,
    /// Its activities due in the window, by their status at `at`.
    pub activities: ActivityCounts,
    /// The follow-ups of its counted exchanges still to do at `at`.
    pub follow_ups: FollowUpCounts,
}

/// One party's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportParty {
    /// The party.
    pub party_id: PartyId,
    /// Included agreements it is a party of at `at`.
    pub agreements: u64,
    /// Counted exchanges that name it among their parties.
    pub exchanges: u64,
    /// Activities due in the window that it leads, by their status at `at`.
    pub activities: ActivityCounts,
    /// Follow-ups of counted exchanges it is responsible for, still to do.
    pub follow_ups: FollowUpCounts,
}

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

    /// The days it counts: [from, min(to, at)].
    fn span(&self) -> Span {
        Span {
            from: self.from,
            to: self.to.min(self.at),
        }
    }

    /// Whether a term overlaps the window.
    fn overlaps(&self, start: BusinessDate, end: BusinessDate) -> bool {
        start <= self.to && self.from.is_none_or(|from| from <= end)
    }
}

/// An included agreement's row with the parties its counted exchanges name
/// and the statuses of its activities and follow-ups by party.
struct Included<'a> {
    row: ReportAgreement,
    /// (party, exchanges naming it), each party once.
    named: Vec<(&'a PartyId, u64)>,
    plan: Plan<'a>,
}

/// The statuses of an included agreement's counted activities and
/// follow-ups, with the party each concerns.
#[derive(Default)]
struct Plan<'a> {
    activities: Vec<(&'a PartyId, crate::plans::ActivityStatus)>,
    follow_ups: Vec<(&'a PartyId, crate::plans::FollowUpStatus)>,
}

impl ReadModels {
    /// The cooperation report for `query` (see the crate docs for every
    /// rule), with its lineage: each row lists `exchange_sources` and
    /// `review_sources`. Assembled from each included agreement's
    /// aggregate of its exchanges (`counted`, ADR 0034, ADR 0041): its
    /// counts for the window per class, its positions in one pass over
    /// its counted rows; no exchange record is read.
    pub fn report(&self, query: &ReportQuery) -> Report {
        self.assemble(query, Lineage::All, None)
    }

    /// The report for `query` without its lineage: every row's
    /// `exchange_sources` and `review_sources` are empty, every figure is
    /// the same as [`ReadModels::report`]'s. What `lineage=none`, the CSV
    /// and the console's page answer: each row costs its agreement's
    /// classes, not its exchanges (ADR 0041).
    pub fn report_without_lineage(&self, query: &ReportQuery) -> Report {
        self.assemble(query, Lineage::None, None)
    }

    /// [`ReadModels::report_without_lineage`] with its counted exchanges
    /// by the year they occurred in ([`ReadModels::report_years`]), read
    /// while each agreement's aggregate is at hand: the console's page.
    pub fn report_with_years(&self, query: &ReportQuery) -> (Report, BTreeMap<i32, u64>) {
        let mut years = BTreeMap::new();
        let report = self.assemble(query, Lineage::None, Some(&mut years));
        (report, years)
    }

    fn assemble(
        &self,
        query: &ReportQuery,
        lineage: Lineage,
        mut years: Option<&mut BTreeMap<i32, u64>>,
    ) -> Report {
        let window = Window {
            from: query.from,
            to: query.to.unwrap_or(query.at),
            at: query.at,
        };
        let party = query.party.as_ref();
        let included: Vec<Included<'_>> = self
            .signing_order
            .iter()
            .filter_map(|id| self.agreements.get(id))
            .filter_map(|record| {
                let row = include(record, &window, party, lineage)?;
                if let Some(years) = years.as_deref_mut() {
                    years::add(record, window.span(), years);
                }
                Some(row)
            })
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
}

/// Whether a report lists the positions behind its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lineage {
    All,
    None,
}

/// The agreement's row, if it exists at D, has `party` (if any) at D and
/// its term at D overlaps the window.
fn include<'a>(
    record: &'a AgreementRecord,
    window: &Window,
    party: Option<&PartyId>,
    lineage: Lineage,
) -> Option<Included<'a>> {
    let at = window.at;
    let (title, term) = record.title_and_term_at(at);
    let wanted = record.exists_at(at)
        && party.is_none_or(|p| record.has_party_at(p, at))
        && window.overlaps(term.start, term.end);
    if !wanted {
        return None;
    }
    let tally = record.counted.tally(window.span(), lineage == Lineage::All);
    let mut by_area: BTreeMap<AreaId, u64> = BTreeMap::new();
    for (area, n) in tally.areas() {
        match by_area.get_mut(area) {
            Some(count) => *count += n,
            None => {
                by_area.insert(area.clone(), n);
            }
        }
    }
    // One entry per party however many classes name it: the party rows
    // then look each party up once per agreement.
    let mut named: Vec<(&PartyId, u64)> = Vec::new();
    for (p, n) in tally.parties() {
        match named.iter_mut().find(|(q, _)| *q == p) {
            Some((_, count)) => *count += n,
            None => named.push((p, n)),
        }
    }
    let (outcomes, review_sources) = closed_outcomes(record, window, lineage);
    // The work plan's figures from the aggregate too (ADR 0059).
    let (activities, led) = activity_counts(record, window.from, window.to, at);
    let (follow_ups, owed) = follow_up_counts(record, |day| window.holds(day), at);
    let plan = Plan {
        activities: led,
        follow_ups: owed,
    };
    let row = ReportAgreement {
        agreement_id: record.signed.agreement_id,
        status: record.status_at(&term, at),
        title: title.to_owned(),
        parties: record.parties_at(at),
        exchanges: tally.total(),
        by_area,
        reviews_closed: outcomes.values().sum(),
        outcomes,
        sources: record.sources_at(at),
        exchange_sources: tally.positions,
        review_sources,
        activities,
        follow_ups,
    };
    Some(Included { row, named, plan })
}

/// The outcomes of the agreement's reviews closed in the window, counted,
/// and, with the lineage, the positions of those closings, ascending. Only reviews opened by
/// D: the rules let a closing be dated before its opening, and a review not
/// yet opened at D does not exist there (the agreement view at D does not
/// list it), so it cannot count as closed.
fn closed_outcomes(
    record: &AgreementRecord,
    window: &Window,
    lineage: Lineage,
) -> (BTreeMap<Rating, u64>, Vec<u64>) {
    let mut outcomes = BTreeMap::new();
    let mut positions = Vec::new();
    let closings = record
        .reviews
        .iter()
        .filter(|r| r.opened.opened_on <= window.at)
        .filter_map(|r| r.closed.as_ref());
    for (position, closing) in closings.filter(|(_, c)| window.holds(c.closed_on)) {
        *outcomes.entry(closing.outcome).or_insert(0) += 1;
        if lineage == Lineage::All {
            positions.push(*position);
        }
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
    // One look-up per party of each agreement, and one per party its
    // counted exchanges name that is not one of its parties: the report
    // must not cost parties × exchanges.
    let wanted = |p: &PartyId| party.is_none_or(|w| w == p);
    let mut index: BTreeMap<&PartyId, usize> = BTreeMap::new();
    let mut rows: Vec<ReportParty> = Vec::new();
    let mut own: Vec<(&PartyId, usize)> = Vec::new();
    let mut others: Vec<(&PartyId, u64)> = Vec::new();
    for i in included {
        own.clear();
        for p in i.row.parties.iter().filter(|p| wanted(p)) {
            let at = *index.entry(p).or_insert_with(|| {
                rows.push(ReportParty {
                    party_id: p.clone(),
                    agreements: 0,
                    exchanges: 0,
                    activities: ActivityCounts::default(),
                    follow_ups: FollowUpCounts::default(),
                });
                rows.len() - 1
            });
            rows[at].agreements += 1;
            own.push((p, at));
        }
        for (p, n) in &i.named {
            match own.iter().find(|(q, _)| q == p) {
                Some((_, at)) => rows[*at].exchanges += n,
                // Its row may come with a later agreement.
                None => others.push((*p, *n)),
            }
        }
    }
    for (p, n) in others {
        if let Some(at) = index.get(p) {
            rows[*at].exchanges += n;
        }
    }
    count_plans(&mut rows, &index, included.iter().map(|i| &i.plan));
    let mut rows: Vec<Option<ReportParty>> = rows.into_iter().map(Some).collect();
    index
        .into_values()
        .filter_map(|at| rows[at].take())
        .collect()
}

/// Adds each activity to its lead party's row and each follow-up to its
/// responsible party's, for the parties that have a row.
fn count_plans<'a>(
    rows: &mut [ReportParty],
    index: &BTreeMap<&PartyId, usize>,
    plans: impl Iterator<Item = &'a Plan<'a>>,
) {
    for plan in plans {
        for (p, status) in &plan.activities {
            if let Some(at) = index.get(*p) {
                rows[*at].activities.add(*status);
            }
        }
        for (p, status) in &plan.follow_ups {
            if let Some(at) = index.get(*p) {
                rows[*at].follow_ups.add(*status);
            }
        }
    }
}

mod years;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

/// The report as `lineage=none` answers it: every field but the rows'
/// `exchange_sources` and `review_sources`, serialised straight from the
/// report (no intermediate value). A field added to [`ReportAgreement`]
/// must be added here too; the walkthrough test compares both answers.
pub struct WithoutLineage<'a>(pub &'a Report);

impl Serialize for WithoutLineage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let report = self.0;
        let rows: Vec<RowWithoutLineage<'_>> =
            report.agreements.iter().map(RowWithoutLineage).collect();
        let mut s = serializer.serialize_struct("Report", 7)?;
        s.serialize_field("from", &report.from)?;
        s.serialize_field("to", &report.to)?;
        s.serialize_field("at", &report.at)?;
        s.serialize_field("as_of", &report.as_of)?;
        s.serialize_field("totals", &report.totals)?;
        s.serialize_field("agreements", &rows)?;
        s.serialize_field("parties", &report.parties)?;
        s.end()
    }
}

/// One row without its position lists.
struct RowWithoutLineage<'a>(&'a ReportAgreement);

impl Serialize for RowWithoutLineage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let row = self.0;
        let mut s = serializer.serialize_struct("ReportAgreement", 11)?;
        s.serialize_field("agreement_id", &row.agreement_id)?;
        s.serialize_field("title", &row.title)?;
        s.serialize_field("status", &row.status)?;
        s.serialize_field("parties", &row.parties)?;
        s.serialize_field("exchanges", &row.exchanges)?;
        s.serialize_field("by_area", &row.by_area)?;
        s.serialize_field("reviews_closed", &row.reviews_closed)?;
        s.serialize_field("outcomes", &row.outcomes)?;
        s.serialize_field("sources", &row.sources)?;
        s.serialize_field("activities", &row.activities)?;
        s.serialize_field("follow_ups", &row.follow_ups)?;
        s.end()
    }
}
