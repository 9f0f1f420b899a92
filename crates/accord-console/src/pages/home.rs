//! `/`: the signed-in person's agreements — a writer's party's, everyone's
//! for an admin or auditor — with their status at the date, and the latest
//! events of the log.

use std::collections::HashMap;

use accord_projections::AgreementFilter;
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
        live,
        ui,
    };
    Ok(render(&page))
}
