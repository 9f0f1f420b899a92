//! `/`: the signed-in person's agreements — a writer's party's, everyone's
//! for an admin or auditor — with their status at the date, what is due or
//! overdue on them at the date ([`due`]; the rules are in docs/console.md),
//! and the latest events of the log.

use std::collections::HashMap;

use accord_domain::{BusinessDate, PartyId};
use accord_projections::{AgreementFilter, AgreementView, Due, DueKind};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{AgreementRow, Names};
use crate::context::render;
use crate::live::Live;
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
/// Rows of what is due listed; the page says how many more there are.
const DUE_SHOWN: usize = 20;

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
    live: Option<Live>,
    due: Vec<DueRow>,
    /// Rows of what is due beyond those listed.
    due_more: usize,
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
    let live = Live::for_page(&ui, &console, None);
    let engine = &console.app.engine;
    let party: Option<PartyId> = viewer.party_id.as_deref().and_then(|p| p.parse().ok());
    let filter = AgreementFilter {
        party: party.clone(),
        status: None,
    };
    let cut = log::cut(engine, when.as_of)?;
    let recent = log::recent(engine, RECENT, cut).await?;
    let subjects: Vec<String> = recent.iter().map(|e| e.subject().to_owned()).collect();
    // Views are built for what the page shows only: the first agreements,
    // the titles of the recent events' agreements; what is due is read
    // from the records.
    let (ids, views, titles, due, parties) = when
        .moment()
        .with_models(engine, move |m, at| {
            let ids = m.agreement_ids(at, &filter);
            let views: Vec<AgreementView> = ids
                .iter()
                .take(SHOWN)
                .filter_map(|id| m.agreement(*id, at))
                .collect();
            let titles: HashMap<String, String> = subjects
                .iter()
                .filter_map(|s| s.parse().ok())
                .filter_map(|id| m.agreement(id, at))
                .map(|v| (v.agreement_id.to_string(), v.title))
                .collect();
            let due = m.due(at, party.as_ref(), TERM_DUE_DAYS);
            (ids.len(), views, titles, due, m.parties())
        })
        .await?;
    let names = Names::new(parties);
    let recent = recent
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
    let due_more = due.len().saturating_sub(DUE_SHOWN);
    let due = due_rows(
        &ui,
        &names,
        due.into_iter().take(DUE_SHOWN),
        viewer.party_id.is_some(),
    );
    let page = HomePage {
        tt: TimeTravel::new(&ui, &when, &choices),
        agreements: AgreementRow::all(&ui, views),
        heading,
        agreements_key,
        names,
        more: ids > SHOWN,
        all_href,
        recent,
        live,
        due,
        due_more,
        ui,
    };
    Ok(render(&page))
}

/// What is due or overdue (the rules are [`ReadModels::due`]'s), in the
/// page's words; `own`: the viewer acts for one party.
///
/// [`ReadModels::due`]: accord_projections::ReadModels::due
fn due_rows(ui: &Ui, names: &Names, due: impl Iterator<Item = Due>, own: bool) -> Vec<DueRow> {
    due.map(|d| {
        let end = ui.date(d.on);
        let what = match &d.kind {
            DueKind::Assessments { title, awaited, .. } => match (own, d.overdue) {
                (true, false) => {
                    ui.t_with2("home-due-own-assessment", "review", title, "date", &end)
                }
                (true, true) => {
                    ui.t_with2("home-overdue-own-assessment", "review", title, "date", &end)
                }
                (false, _) => {
                    let parties: Vec<String> = awaited.iter().map(|p| names.full(p)).collect();
                    ui.t_with2(
                        "home-due-assessments",
                        "review",
                        title,
                        "parties",
                        parties.join(", "),
                    )
                }
            },
            DueKind::ReviewStillOpen { title, .. } => {
                ui.t_with2("home-overdue-review-open", "review", title, "date", &end)
            }
            DueKind::TermEnds { days } => {
                ui.t_with2("home-due-term-ends", "date", &end, "days", days)
            }
            DueKind::NoFinalReview => ui.t_with("home-overdue-no-final-review", "date", &end),
            DueKind::ActivityOverdue {
                title, lead_party, ..
            } => ui.t_with2(
                "home-overdue-activity",
                "activity",
                title,
                "party",
                names.full(lead_party.as_str()),
            ),
            DueKind::FollowUpOverdue {
                action, party_id, ..
            } => ui.t_with2(
                "home-overdue-follow-up",
                "action",
                action,
                "party",
                names.full(party_id.as_str()),
            ),
        };
        DueRow {
            href: ui.agreement_href(d.agreement_id),
            title: d.title,
            what,
            overdue: d.overdue,
            on: d.on,
        }
    })
    .collect()
}
