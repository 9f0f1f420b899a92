//! The cooperation report as CSV: one row per agreement after a header.
//!
//! RFC 4180 quoting (a field containing `,`, `"`, CR or LF is quoted, its
//! quotes doubled), UTF-8 text exactly as given, and every line — the last
//! one included — ends with `\n` (not the RFC's CRLF: the file is meant for
//! scripts and spreadsheets, which all read LF).

use std::borrow::Cow;
use std::fmt::Write as _;

use accord_domain::Rating;

use crate::report::{Report, ReportAgreement};

/// The header row, in column order.
/// Columns are only ever appended: clients read them by position.
pub const CSV_HEADER: &str = "agreement_id,title,status,parties,exchanges,reviews_closed,met,partially_met,not_met,by_area,activities_planned,activities_done,activities_overdue,activities_cancelled,follow_ups_open,follow_ups_overdue";

/// The report's agreement rows as CSV: [`CSV_HEADER`], then one row per
/// agreement; `parties` joined with `;`, `by_area` as `area=n;area=n`.
pub fn report_csv(report: &Report) -> String {
    let mut out = String::with_capacity(64 * (report.agreements.len() + 1));
    out.push_str(CSV_HEADER);
    out.push('\n');
    for row in &report.agreements {
        out.push_str(&csv_row(row));
        out.push('\n');
    }
    out
}

fn csv_row(row: &ReportAgreement) -> String {
    let outcome = |rating| row.outcomes.get(&rating).copied().unwrap_or(0).to_string();
    let parties: Vec<&str> = row.parties.iter().map(|p| p.as_str()).collect();
    let mut by_area = String::new();
    for (area, n) in &row.by_area {
        let sep = if by_area.is_empty() { "" } else { ";" };
        let _ = write!(by_area, "{sep}{area}={n}");
    }
    let fields = [
        row.agreement_id.to_string(),
        row.title.clone(),
        row.status.as_str().to_owned(),
        parties.join(";"),
        row.exchanges.to_string(),
        row.reviews_closed.to_string(),
        outcome(Rating::Met),
        outcome(Rating::PartiallyMet),
        outcome(Rating::NotMet),
        by_area,
        row.activities.planned.to_string(),
        row.activities.done.to_string(),
        row.activities.overdue.to_string(),
        row.activities.cancelled.to_string(),
        row.follow_ups.open.to_string(),
        row.follow_ups.overdue.to_string(),
    ];
    let quoted: Vec<Cow<'_, str>> = fields.iter().map(|f| quote(f)).collect();
    quoted.join(",")
}

/// Quotes a field if it holds a comma, a quote, CR or LF (RFC 4180).
fn quote(field: &str) -> Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields_are_left_alone_and_awkward_ones_are_quoted() {
        assert_eq!(quote("Đồng Nai"), "Đồng Nai");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote("cr\r"), "\"cr\r\"");
    }
}
