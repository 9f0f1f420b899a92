//! `/`: the signed-in person's agreements — a writer's party's, everyone's
//! for an admin or auditor — with their status at the date, what is due or
//! overdue on them at the date ([`due`]; the rules are in docs/console.md),
//! and the latest events of the log.

use std::collections::HashMap;

use accord_domain::{BusinessDate, ReviewKind};
use accord_projections::{AgreementFilter, AgreementStatus, AgreementView, ReviewStatus};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{AgreementRow, Names};
use crate::context::render;
use crate::log::{self, LogEntry};
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

/// Agreements listed on the home page; the rest are on `/agreements`.
const SHOWN: usize = 20;
/// Latest events listed.
const RECENT: usize = 10;
/// Instants the "as known at" select offers.
const CHOICES: usize = 20;
/// A term ending within this many days is due.
const TERM_DUE_DAYS: i64 = 90;

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ui: Ui,
    tt: TimeTravel,
    heading: String,
    agreements_key: &'static str,
    agreements: Vec<AgreementRow>,
    names: Names,
    more: bool,
    all_href: String,
    recent: Vec<RecentRow>,
    due: Vec<DueRow>,
}

/// Something due or overdue on one of the viewer's agreements.
#[derive(Debug)]
struct DueRow {
    /// The agreement's page.
    href: String,
    title: String,
    /// What is due, in words.
    what: String,
    overdue: bool,
    /// The date it falls on: the end of a period or a term.
    on: BusinessDate,
}

/// A recent event and what it is about, in words.
struct RecentRow {
    entry: LogEntry,
    /// The agreement's title or the party's name.
    subject: String,
}

#[tracing::instrument(skip_all)]
async fn home(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let engine = &console.app.engine;
    let party = viewer.party_id.as_deref().and_then(|p| p.parse().ok());
    let filter = AgreementFilter {
        party,
        status: None,
    };
    let (views, titles, parties) = when
        .moment()
        .with_models(engine, move |m, at| {
            let titles: HashMap<String, String> = m
                .agreements(at, &AgreementFilter::default())
                .into_iter()
                .map(|v| (v.agreement_id.to_string(), v.title))
                .collect();
            (m.agreements(at, &filter), titles, m.parties())
        })
        .await?;
    let names = Names::new(parties);
    let cut = log::cut(engine, when.as_of)?;
    let recent = log::recent(engine, RECENT, cut)
        .await?
        .into_iter()
        .map(|entry| RecentRow {
            subject: titles
                .get(entry.subject())
                .cloned()
                .unwrap_or_else(|| names.full(entry.subject())),
            entry,
        })
        .collect();
    let choices = log::recent(engine, CHOICES, None).await?;
    let (heading, agreements_key, all_href) = match &viewer.party_id {
        Some(party) => (
            names.full(party),
            "home-party-agreements",
            ui.link_with("/agreements", &[("party", party)]),
        ),
        None => (
            ui.t("home-title").to_owned(),
            "home-all-agreements-title",
            ui.link("/agreements"),
        ),
    };
    let due = due(&ui, &names, &views, viewer.party_id.as_deref(), when.at);
    let more = views.len() > SHOWN;
    let page = HomePage {
        tt: TimeTravel::new(&ui, &when, &choices),
        agreements: AgreementRow::all(&ui, views.into_iter().take(SHOWN).collect()),
        heading,
        agreements_key,
        names,
        more,
        all_href,
        recent,
        due,
        ui,
    };
    Ok(render(&page))
}

/// What is due or overdue on `views` on the date `at`, for the viewer
/// acting for `party` (a writer) or for every party (admin, auditor),
/// overdue first, then by date:
///
/// - a review open on `at` that the party (or any party of the agreement)
///   has not assessed: due while its period runs, overdue after its end;
/// - a review still open after the end of its period: overdue;
/// - an active agreement whose term ends within 90 days of `at`: due;
/// - an expired agreement (its term over, neither terminated nor
///   superseded) without a closed final review: overdue.
fn due(
    ui: &Ui,
    names: &Names,
    views: &[AgreementView],
    party: Option<&str>,
    at: BusinessDate,
) -> Vec<DueRow> {
    let mut rows = Vec::new();
    for view in views {
        let row = |what: String, overdue: bool, on: BusinessDate| DueRow {
            href: ui.agreement_href(view.agreement_id),
            title: view.title.clone(),
            what,
            overdue,
            on,
        };
        for review in view
            .reviews
            .iter()
            .filter(|r| r.status == ReviewStatus::Open)
        {
            let ended = review.period.end < at;
            let end = ui.date(review.period.end);
            let awaited: Vec<String> = view
                .parties
                .iter()
                .filter(|p| party.is_none_or(|own| p.as_str() == own))
                .filter(|p| !review.assessments.iter().any(|s| &s.party_id == *p))
                .map(|p| names.full(p))
                .collect();
            if !awaited.is_empty() {
                let what = match (party.is_some(), ended) {
                    (true, false) => ui.t_with2(
                        "home-due-own-assessment",
                        "review",
                        &review.title,
                        "date",
                        &end,
                    ),
                    (true, true) => ui.t_with2(
                        "home-overdue-own-assessment",
                        "review",
                        &review.title,
                        "date",
                        &end,
                    ),
                    (false, _) => ui.t_with2(
                        "home-due-assessments",
                        "review",
                        &review.title,
                        "parties",
                        awaited.join(", "),
                    ),
                };
                rows.push(row(what, ended, review.period.end));
            }
            if ended {
                let what = ui.t_with2(
                    "home-overdue-review-open",
                    "review",
                    &review.title,
                    "date",
                    &end,
                );
                rows.push(row(what, true, review.period.end));
            }
        }
        let end = view.term.end;
        let days = (end.0 - at.0).whole_days();
        if view.status == AgreementStatus::Active && days <= TERM_DUE_DAYS {
            let what = ui.t_with2("home-due-term-ends", "date", ui.date(end), "days", days);
            rows.push(row(what, false, end));
        }
        let final_closed = view
            .reviews
            .iter()
            .any(|r| r.kind == ReviewKind::Final && r.status == ReviewStatus::Closed);
        if view.status == AgreementStatus::Expired && !final_closed {
            let what = ui.t_with("home-overdue-no-final-review", "date", ui.date(end));
            rows.push(row(what, true, end));
        }
    }
    rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.on.cmp(&b.on)));
    rows
}
