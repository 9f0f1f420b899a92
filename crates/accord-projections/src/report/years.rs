//! The counted exchanges of a report by the year they occurred in (the
//! console's chart "exchanges by year"), from the same aggregate rows the
//! report counted (ADR 0034): per class of each included agreement, its
//! days in the window cut at each year's end by binary search (ADR 0041),
//! no exchange record read, so the chart costs the agreements' classes and
//! years, not their exchanges.

use std::collections::BTreeMap;

use super::{Report, Window};
use crate::counted::Span;
use crate::read_models::ReadModels;
use crate::state::AgreementRecord;

impl ReadModels {
    /// How many of `report`'s counted exchanges occurred in each year: the
    /// rows of its agreements' aggregates in its window, as
    /// [`ReadModels::report`] counted them. `report` must come from these
    /// models (the same position); the years add up to its total.
    pub fn report_years(&self, report: &Report) -> BTreeMap<i32, u64> {
        let span = Window {
            from: report.from,
            to: report.to,
            at: report.at,
        }
        .span();
        let mut years = BTreeMap::new();
        let records = report
            .agreements
            .iter()
            .filter_map(|row| self.agreements.get(&row.agreement_id));
        for record in records {
            add(record, span, &mut years);
        }
        years
    }
}

/// Adds the agreement's counted exchanges in `span` to `years`, summed
/// by year over its classes first (one entry of `years` per year).
pub(super) fn add(record: &AgreementRecord, span: Span, years: &mut BTreeMap<i32, u64>) {
    let mut own: Vec<(i32, u64)> = Vec::new();
    record.counted.by_year(span, |year, n| {
        match own.iter_mut().find(|(y, _)| *y == year) {
            Some((_, count)) => *count += n,
            None => own.push((year, n)),
        }
    });
    for (year, n) in own {
        *years.entry(year).or_insert(0) += n;
    }
}

/// The years as the console folded them before: each row's exchanges in
/// the window as the agreement's exchange list shows them, kept when their
/// recording is one the report counted. The oracle `report_years` is held
/// equal to (`properties`).
#[cfg(test)]
pub(super) fn folded_years(models: &ReadModels, report: &Report) -> BTreeMap<i32, u64> {
    use std::collections::BTreeSet;

    let window = crate::ExchangeQuery {
        from: report.from,
        to: Some(report.to),
        area: None,
    };
    let mut years = BTreeMap::new();
    for row in &report.agreements {
        let counted: BTreeSet<u64> = row.exchange_sources.iter().copied().collect();
        let exchanges = models
            .exchanges(row.agreement_id, report.at, &window)
            .unwrap_or_default();
        for x in exchanges {
            if x.sources.first().is_some_and(|p| counted.contains(p)) {
                *years.entry(x.occurred_on.0.year()).or_insert(0) += 1;
            }
        }
    }
    years
}
