//! `/reports/cooperation?from=&to=&at=&as_of=&party=`: the cooperation
//! report as people read it — totals, charts of exchanges by area, by year
//! and by party (SVG drawn here), the agreements' table, a print layout —
//! from the same read model as `GET /v1/reports/cooperation`; and its CSV
//! and JSON downloads, byte for byte the API's for the same parameters.
//!
//! The page, its downloads and its printout carry the same receipt
//! (ADR 0027): the report is read once, the position of the models it was
//! read from is the last event it reflects, and the download links name
//! that event's instant as `as_of`, so they are the report shown, not a
//! newer one.

use std::collections::BTreeMap;

use accord_domain::{PartyId, Rating};
use accord_projections::{
    report_csv, ActivityCounts, FollowUpCounts, PartyView, Report, ReportQuery,
};
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Names;
use crate::chart::{Bar, BarChart};
use crate::context::render;
use crate::log;
use crate::paging::Pager;
use crate::receipt::{self, Pin, ReceiptBox};
use crate::time_travel::{TimeTravel, When};
use crate::ui::{url_with, SelectOption};
use crate::{Console, PageError, Ui, Viewer};

/// Agreements a page of the table (the downloads hold them all).
const PER_PAGE: usize = 100;

/// The report's page; its downloads add `.csv` and `.json`.
const PATH: &str = "/reports/cooperation";

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route(PATH, get(page))
        .route("/reports/cooperation.csv", get(csv))
        .route("/reports/cooperation.json", get(json))
}

/// The report's own parameters, as the URL gives them.
#[derive(Debug, Clone, Default)]
struct Filters {
    from: Option<accord_domain::BusinessDate>,
    to: Option<accord_domain::BusinessDate>,
    party: Option<PartyId>,
}

impl Filters {
    /// Reads `from`, `to` and `party`; a malformed one is a 400 naming it.
    fn from_ui(ui: &Ui) -> Result<Self, PageError> {
        let date = |name: &str| match ui.param(name) {
            Some(raw) => accord_domain::BusinessDate::parse(raw)
                .map(Some)
                .map_err(|_| PageError::Invalid(name.into())),
            None => Ok(None),
        };
        let party = match ui.param("party") {
            Some(raw) => Some(
                raw.parse()
                    .map_err(|_| PageError::Invalid("party".into()))?,
            ),
            None => None,
        };
        Ok(Self {
            from: date("from")?,
            to: date("to")?,
            party,
        })
    }

    /// The report's address without its moment: what a receipt names.
    fn view(&self, path: &str) -> String {
        self.link(path, &[])
    }

    /// The report's address with `more` parameters (a moment) after its own.
    fn link(&self, path: &str, more: &[(&str, &str)]) -> String {
        let from = self.from.map(|d| d.to_string()).unwrap_or_default();
        let to = self.to.map(|d| d.to_string()).unwrap_or_default();
        let party = self
            .party
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let mut pairs = vec![("from", from.as_str()), ("to", &to), ("party", &party)];
        pairs.extend_from_slice(more);
        url_with(path, &[], &pairs)
    }
}

/// The report, read once, with what the page adds to it.
struct Read {
    report: Report,
    /// Counted exchanges by the year they occurred in.
    by_year: BTreeMap<i32, u64>,
    parties: Vec<PartyView>,
    /// The last event the report reflects, if the log has any.
    pin: Option<Pin>,
}

/// Reads the report as `GET /v1/reports/cooperation` does, and the years
/// of its counted exchanges; its rows list their positions only if
/// `lineage` (the JSON download: the page and the CSV show none, and the
/// report without them costs its agreements, not its exchanges, ADR 0041).
async fn read(
    console: &Console,
    when: &When,
    filters: &Filters,
    lineage: bool,
) -> Result<Read, PageError> {
    let moment = when.moment();
    let query = ReportQuery {
        from: filters.from,
        to: filters.to,
        party: filters.party.clone(),
        at: moment.at,
        as_of: moment.as_of_text(),
    };
    let engine = &console.app.engine;
    let (report, by_year, parties, position) = moment
        .with_models(engine, move |m, at| {
            let query = ReportQuery { at, ..query };
            // The years from the aggregates the report counted (ADR 0034,
            // ADR 0041).
            let (report, by_year) = if lineage {
                let report = m.report(&query);
                let by_year = m.report_years(&report);
                (report, by_year)
            } else {
                m.report_with_years(&query)
            };
            // Names as they stood on the report's date.
            (report, by_year, m.parties_at(at), m.position())
        })
        .await?;
    Ok(Read {
        pin: Pin::at(engine, position).await?,
        report,
        by_year,
        parties,
    })
}

/// A chart with its heading.
struct ChartBox {
    /// The chart's `id`, also its section's heading's prefix.
    id: &'static str,
    title: String,
    chart: BarChart,
    svg: String,
    /// What to say under the heading: the bars' total, or how they count.
    note: String,
    /// What to say instead of a chart without bars (a catalogue key).
    empty: &'static str,
}

impl ChartBox {
    fn new(id: &'static str, title: &str, note: String, bars: Vec<Bar>) -> Self {
        let chart = BarChart::new(id, title, bars);
        Self {
            note,
            svg: chart.svg(),
            title: title.to_owned(),
            id,
            chart,
            empty: "report-chart-empty",
        }
    }

    /// The same, saying `key`'s message when it has no bars.
    fn empty_saying(self, key: &'static str) -> Self {
        Self { empty: key, ..self }
    }
}

/// An agreement's row of the table.
struct Row {
    href: String,
    title: String,
    status: accord_projections::AgreementStatus,
    parties: Vec<String>,
    exchanges: u64,
    reviews_closed: u64,
    met: u64,
    partially_met: u64,
    not_met: u64,
    /// `area (n)`, joined.
    areas: String,
    /// Its activities due in the window, by status at the report's date.
    activities: ActivityCounts,
    /// The follow-ups of its counted exchanges still to do.
    follow_ups: FollowUpCounts,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ui: Ui,
    tt: TimeTravel,
    /// The filters' values, for their inputs.
    from: String,
    to: String,
    party_options: Vec<SelectOption>,
    /// What the report covers, in a sentence.
    window: String,
    report: Report,
    names: Names,
    charts: Vec<ChartBox>,
    rows: Vec<Row>,
    pager: Pager,
    csv_href: String,
    json_href: String,
    receipt: Option<ReceiptBox>,
}

#[tracing::instrument(skip_all)]
async fn page(State(console): State<Console>, _: Viewer, ui: Ui) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let filters = Filters::from_ui(&ui)?;
    let Read {
        report,
        by_year,
        parties,
        pin,
    } = read(&console, &when, &filters, false).await?;
    let names = Names::new(parties.clone());
    let choices = log::recent(&console.app.engine, 20, None).await?;
    let download = |path: &str| {
        let at = when.at.to_string();
        let as_of = match &pin {
            Some(pin) => pin.as_of(),
            None => String::new(),
        };
        filters.link(path, &[("at", &at), ("as_of", &as_of)])
    };
    let receipt = pin
        .as_ref()
        .and_then(|pin| receipt::sign(&console, &ui, &filters.view(PATH), when.at, pin));
    let party = ui.param("party");
    let pager = Pager::new(&ui, "page", report.agreements.len(), PER_PAGE, 1);
    let page = ReportPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        from: filters.from.map(|d| d.to_string()).unwrap_or_default(),
        to: filters.to.map(|d| d.to_string()).unwrap_or_default(),
        party_options: parties
            .iter()
            .map(|p| SelectOption::new(p.party_id.to_string(), p.name.clone(), party))
            .collect(),
        window: window(&ui, &report),
        charts: charts(&ui, &report, &by_year, &names),
        rows: rows(&ui, pager.slice(&report.agreements)),
        pager,
        csv_href: download("/reports/cooperation.csv"),
        json_href: download("/reports/cooperation.json"),
        receipt,
        names,
        report,
        ui,
    };
    Ok(render(&page))
}

/// What the report covers, as a sentence.
fn window(ui: &Ui, report: &Report) -> String {
    let to = ui.date(report.to);
    let span = match report.from {
        Some(from) => ui.t_with2("report-window-between", "from", ui.date(from), "to", to),
        None => ui.t_with("report-window-until", "to", to),
    };
    format!(
        "{span} {}",
        ui.t_with("report-window-at", "at", ui.date(report.at))
    )
}

/// Exchanges by area, by year and by party; activities planned vs done.
fn charts(ui: &Ui, report: &Report, by_year: &BTreeMap<i32, u64>, names: &Names) -> Vec<ChartBox> {
    let mut areas: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &report.agreements {
        for (area, n) in &row.by_area {
            *areas.entry(area.as_str()).or_insert(0) += n;
        }
    }
    let mut area_bars: Vec<Bar> = areas
        .into_iter()
        .map(|(area, value)| Bar {
            label: ui.area_name(area),
            value,
        })
        .collect();
    // Largest first; equal ones by name.
    area_bars.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
    // Every year from the first to the last, those without exchanges too.
    let year_bars = match (by_year.keys().next(), by_year.keys().next_back()) {
        (Some(first), Some(last)) => (*first..=*last)
            .map(|year| Bar {
                label: year.to_string(),
                value: by_year.get(&year).copied().unwrap_or(0),
            })
            .collect(),
        _ => Vec::new(),
    };
    let party_bars = report
        .parties
        .iter()
        .map(|p| Bar {
            label: names.short(p.party_id.as_str()).to_owned(),
            value: p.exchanges,
        })
        .collect();
    let total = ui.t_with("report-chart-total", "count", report.totals.exchanges);
    let activities = activity_bars(ui, report);
    let due: u64 = activities.iter().map(|b| b.value).sum();
    vec![
        ChartBox::new(
            "chart-area",
            ui.t("report-chart-area"),
            total.clone(),
            area_bars,
        ),
        ChartBox::new("chart-year", ui.t("report-chart-year"), total, year_bars),
        ChartBox::new(
            "chart-party",
            ui.t("report-chart-party"),
            ui.t("report-chart-party-note").to_owned(),
            party_bars,
        ),
        ChartBox::new(
            "chart-activities",
            ui.t("report-chart-activities"),
            ui.t_with("report-chart-activities-note", "count", due),
            activities,
        )
        .empty_saying("report-chart-activities-empty"),
    ]
}

/// The activities due in the window, summed over the agreements, by their
/// status at the report's date: done first, then those still planned, the
/// overdue and the cancelled; none when no activity is due.
fn activity_bars(ui: &Ui, report: &Report) -> Vec<Bar> {
    let mut sum = ActivityCounts::default();
    for row in &report.agreements {
        let a = &row.activities;
        sum.done += a.done;
        sum.planned += a.planned;
        sum.overdue += a.overdue;
        sum.cancelled += a.cancelled;
    }
    if sum == ActivityCounts::default() {
        return Vec::new();
    }
    [
        ("activity-status-done", sum.done),
        ("activity-status-planned", sum.planned),
        ("activity-status-overdue", sum.overdue),
        ("activity-status-cancelled", sum.cancelled),
    ]
    .into_iter()
    .map(|(key, value)| Bar {
        label: ui.t(key).to_owned(),
        value,
    })
    .collect()
}

/// The agreements' rows, linked at the report's moment.
fn rows(ui: &Ui, agreements: &[accord_projections::ReportAgreement]) -> Vec<Row> {
    agreements
        .iter()
        .map(|a| {
            let outcome = |r: Rating| a.outcomes.get(&r).copied().unwrap_or(0);
            let areas: Vec<String> = a
                .by_area
                .iter()
                .map(|(area, n)| format!("{} ({n})", ui.area_name(area.as_str())))
                .collect();
            Row {
                href: ui.agreement_href(a.agreement_id),
                title: a.title.clone(),
                status: a.status,
                parties: a.parties.iter().map(|p| p.to_string()).collect(),
                exchanges: a.exchanges,
                reviews_closed: a.reviews_closed,
                met: outcome(Rating::Met),
                partially_met: outcome(Rating::PartiallyMet),
                not_met: outcome(Rating::NotMet),
                areas: areas.join(", "),
                activities: a.activities.clone(),
                follow_ups: a.follow_ups.clone(),
            }
        })
        .collect()
}

/// A download: `body` as `content_type`, saved as `name`, with the
/// report's receipt in its header.
fn download(
    body: Vec<u8>,
    content_type: &'static str,
    name: String,
    receipt: Option<ReceiptBox>,
) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(value) = receipt.and_then(|r| HeaderValue::from_str(&r.line).ok()) {
        headers.insert(HeaderName::from_static(receipt::HEADER), value);
    }
    response
}

/// The report and its receipt, for a download.
async fn for_download(
    console: &Console,
    ui: &Ui,
    lineage: bool,
) -> Result<(Report, Option<ReceiptBox>, String), PageError> {
    let when = When::from_ui(ui)?;
    let filters = Filters::from_ui(ui)?;
    let read = read(console, &when, &filters, lineage).await?;
    let receipt = read
        .pin
        .as_ref()
        .and_then(|pin| receipt::sign(console, ui, &filters.view(PATH), when.at, pin));
    let name = format!("accord-cooperation-{}", when.at);
    Ok((read.report, receipt, name))
}

/// `GET /reports/cooperation.csv`: the API's CSV for the same parameters.
#[tracing::instrument(skip_all)]
async fn csv(State(console): State<Console>, _: Viewer, ui: Ui) -> Result<Response, PageError> {
    let (report, receipt, name) = for_download(&console, &ui, false).await?;
    let body = report_csv(&report).into_bytes();
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        format!("{name}.csv"),
        receipt,
    ))
}

/// `GET /reports/cooperation.json`: the API's JSON for the same parameters.
#[tracing::instrument(skip_all)]
async fn json(State(console): State<Console>, _: Viewer, ui: Ui) -> Result<Response, PageError> {
    let (report, receipt, name) = for_download(&console, &ui, true).await?;
    let body = serde_json::to_vec(&report).map_err(PageError::internal)?;
    Ok(download(
        body,
        "application/json",
        format!("{name}.json"),
        receipt,
    ))
}
