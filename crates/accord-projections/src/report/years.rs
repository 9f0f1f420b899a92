//! The counted exchanges of a report by the year they occurred in (the
//! console's chart "exchanges by year"), from the same aggregate rows the
//! report counted (ADR 0034): one pass over each included agreement's rows,
//! no exchange record read, so the chart costs what the report costs.

use std::collections::BTreeMap;

use super::{Report, Window};
use crate::read_models::ReadModels;

impl ReadModels {
    /// How many of `report`'s counted exchanges occurred in each year: the
    /// rows of its agreements' aggregates in its window, as
    /// [`ReadModels::report`] counted them. `report` must come from these
    /// models (the same position); the years add up to its total.
    pub fn report_years(&self, report: &Report) -> BTreeMap<i32, u64> {
        let window = Window {
            from: report.from,
            to: report.to,
            at: report.at,
        };
        let mut years = BTreeMap::new();
        let records = report
            .agreements
            .iter()
            .filter_map(|row| self.agreements.get(&row.agreement_id));
        for record in records {
            record.counted.each_occurred(
                |day| window.holds(day),
                |day| {
                    *years.entry(day.0.year()).or_insert(0) += 1;
                },
            );
        }
        years
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
