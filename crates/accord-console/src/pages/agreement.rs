//! `/agreements/{id}?at=&as_of=`: one agreement as it stood on the date, as
//! known at the instant — its status, parties with the date each joined,
//! term, areas, responsibilities, exchanges (a page at a time), reviews
//! with their assessments — and its timeline: every event with both times,
//! who recorded it and its hash, with links that step `as_of` through it.
//!
//! Below them, the forms of the commands the signed-in person may issue on
//! it (record, correct or retract an exchange, amend, admit a party, open
//! or close a review, assess, terminate), when the page shows what is known
//! now (no `as_of`). They post back to the page (`POST /agreements/{id}`):
//! recorded, the answer is a 303 to the page with a confirmation; refused,
//! the page again with the form as typed and the rule's message at its field.
//!
//! An agreement that exists in the log but not at the chosen moment (not
//! signed yet on that date, or not recorded yet at that instant) answers
//! 404 with the time-travel control and the timeline, so the person can
//! move to a moment where it exists.

use accord_domain::BusinessDate;
use accord_projections::{AgreementView, ExchangeQuery, ExchangeStatus, ExchangeView};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{agreement_id, Names};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::forms::{self, FormView, Pending, Values};
use crate::live::Live;
use crate::log::{self, LogEntry};
use crate::paging::Pager;
use crate::receipt::{self, Pin, ReceiptBox};
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

/// Exchanges a page.
const EXCHANGES_PER_PAGE: usize = 20;
/// Timeline events a page.
const EVENTS_PER_PAGE: usize = 50;

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/agreements/{id}", get(one).post(act))
}

/// A party of the agreement at the date.
struct Member {
    party_id: String,
    /// The business date of the signature or admission that made it one.
    joined_on: Option<BusinessDate>,
    responsibilities: Option<String>,
}

struct ExchangeRow {
    view: ExchangeView,
    retracted: bool,
}

/// An event of the timeline, placed relative to the view's moment.
struct TimelineRow {
    entry: LogEntry,
    /// `current`, `unknown` (recorded after `as_of`), `later` (in effect
    /// after `at`) or empty.
    class: &'static str,
    current: bool,
    /// The catalogue key of a note on where it stands, if any.
    note: Option<&'static str>,
    /// The agreement as known right after this event.
    href: String,
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    ui: Ui,
    tt: TimeTravel,
    when: When,
    view: Option<AgreementView>,
    /// The titles of the agreements it supersedes and is superseded by.
    related: Names,
    names: Names,
    members: Vec<Member>,
    exchanges: Vec<ExchangeRow>,
    exchange_pager: Pager,
    timeline: Vec<TimelineRow>,
    timeline_pager: Pager,
    diff_href: String,
    /// The forms of the commands the viewer may issue here.
    forms: Vec<FormView>,
    /// The confirmation of the command just recorded (its catalogue key).
    done: Option<&'static str>,
    /// The receipt of the view, for its printout (ADR 0027).
    receipt: Option<ReceiptBox>,
    live: Option<Live>,
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn one(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let shown = Shown::read(&console, id, &ui).await?;
    shown.page(&console, &viewer, ui, None).await
}

/// `POST /agreements/{id}`: a form of the page, issued as its `command`
/// field names.
#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn act(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
    CsrfForm(values): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let shown = Shown::read(&console, id, &ui).await?;
    if shown.when.as_of.is_some() {
        return Err(PageError::Invalid("as_of".into()));
    }
    let values = Values(values);
    let view = shown.view.as_ref().ok_or(PageError::NotFound)?;
    let command = values.get(forms::COMMAND_FIELD).unwrap_or_default();
    let spec = forms::agreement_specs(&ui, &viewer, view, &shown.exchanges, &shown.parties)
        .into_iter()
        .find(|s| s.command == command)
        .ok_or_else(|| PageError::Invalid(forms::COMMAND_FIELD.into()))?;
    let done = |_: &accord_store::CommandRecord| {
        ui.link_with(&format!("/agreements/{id}"), &[("done", spec.command)])
    };
    match forms::handle(&console, &viewer, &spec, values, Some(view), done).await? {
        Ok(redirect) => Ok(redirect),
        Err(pending) => Ok(forms::refused(
            shown.page(&console, &viewer, ui, Some(&pending)).await?,
            &pending,
        )),
    }
}

/// What the page shows, read at its moment.
struct Shown {
    when: When,
    history: Vec<LogEntry>,
    view: Option<AgreementView>,
    /// Every exchange of the agreement at the date.
    exchanges: Vec<ExchangeView>,
    parties: Vec<accord_projections::PartyView>,
    related: Vec<(String, String)>,
    /// The read models' position the page was read at (its receipt's).
    position: u64,
    /// Its live stream, from the log's head before the read.
    live: Option<Live>,
}

impl Shown {
    /// The agreement at the page's moment; 404 if the log never had it.
    async fn read(
        console: &Console,
        id: accord_domain::AgreementId,
        ui: &Ui,
    ) -> Result<Self, PageError> {
        let when = When::from_ui(ui)?;
        let live = Live::for_page(ui, console, Some(id));
        let engine = &console.app.engine;
        let history = log::agreement_history(engine, id).await?;
        if history.is_empty() {
            return Err(PageError::NotFound);
        }
        let (view, exchanges, parties, related, position) = when
            .moment()
            .with_models(engine, move |m, at| {
                let view = m.agreement(id, at);
                let exchanges = m.exchanges(id, at, &ExchangeQuery::default());
                let linked = view
                    .iter()
                    .flat_map(|v| v.supersedes.into_iter().chain(v.superseded_by));
                let related: Vec<(String, String)> = linked
                    .filter_map(|other| m.agreement(other, at))
                    .map(|v| (v.agreement_id.to_string(), v.title))
                    .collect();
                let position = m.position();
                (
                    view,
                    exchanges.unwrap_or_default(),
                    m.parties(),
                    related,
                    position,
                )
            })
            .await?;
        Ok(Self {
            when,
            history,
            view,
            exchanges,
            parties,
            related,
            position,
            live,
        })
    }

    /// The page, with the forms `viewer` may use (`pending` the one sent back).
    async fn page(
        self,
        console: &Console,
        viewer: &Viewer,
        ui: Ui,
        pending: Option<&Pending>,
    ) -> Result<Response, PageError> {
        let Shown {
            when,
            history,
            view,
            exchanges,
            parties,
            related,
            position,
            live,
        } = self;
        let (forms, done) = match &view {
            Some(v) if when.as_of.is_none() => {
                let specs = forms::agreement_specs(&ui, viewer, v, &exchanges, &parties);
                let path = format!("/agreements/{}", v.agreement_id);
                let shown = specs
                    .iter()
                    .filter(|s| forms::permitted(viewer, s.command, Some(v)))
                    .map(|s| s.view(&ui, &path, pending))
                    .collect();
                (shown, forms::done_key(&ui))
            }
            _ => (Vec::new(), None),
        };
        let exchange_pager = Pager::new(&ui, "xpage", exchanges.len(), EXCHANGES_PER_PAGE, 1);
        let exchanges = exchange_pager
            .slice(&exchanges)
            .iter()
            .map(|x| ExchangeRow {
                retracted: x.status == ExchangeStatus::Retracted,
                view: x.clone(),
            })
            .collect();
        let (timeline, timeline_pager) = timeline(&ui, &when, &history);
        let found = view.is_some();
        let receipt = match &view {
            Some(v) => Pin::at(&console.app.engine, position)
                .await?
                .and_then(|pin| {
                    let path = format!("/agreements/{}", v.agreement_id);
                    receipt::sign(console, &ui, &path, when.at, &pin)
                }),
            None => None,
        };
        let page = AgreementPage {
            tt: TimeTravel::new(&ui, &when, &history).steps(&ui, &when, &history),
            members: view
                .as_ref()
                .map(|v| members(v, &when, &history))
                .unwrap_or_default(),
            diff_href: diff_href(view.as_ref(), &when),
            names: Names::new(parties),
            related: Names::titles(related),
            exchanges,
            exchange_pager,
            timeline,
            timeline_pager,
            view,
            when,
            forms,
            done,
            receipt,
            live,
            ui,
        };
        let response = render(&page);
        Ok(if found {
            response
        } else {
            (StatusCode::NOT_FOUND, response).into_response()
        })
    }
}

/// Each party with the date it joined: the signature's date for the
/// signatories, the admission's for the others (events known and in effect).
fn members(view: &AgreementView, when: &When, history: &[LogEntry]) -> Vec<Member> {
    let joined = |party: &str| {
        history
            .iter()
            .filter(|e| when.knows(e.recorded_at) && !e.after(when.at))
            .find(|e| match e.event_type.as_str() {
                "AgreementSigned" => e.data["parties"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p == party)),
                "PartyAdmitted" => e.data["party_id"] == party,
                _ => false,
            })
            .and_then(|e| e.effective_on)
    };
    view.parties
        .iter()
        .map(|p| Member {
            party_id: p.to_string(),
            joined_on: joined(p.as_str()),
            responsibilities: view.responsibilities.get(p).cloned(),
        })
        .collect()
}

/// The page of the timeline asked for, by default the one holding the
/// event the view is right after.
fn timeline(ui: &Ui, when: &When, history: &[LogEntry]) -> (Vec<TimelineRow>, Pager) {
    let known = history.iter().filter(|e| when.knows(e.recorded_at)).count();
    let current_page = known.max(1).div_ceil(EVENTS_PER_PAGE);
    let pager = Pager::new(ui, "tpage", history.len(), EVENTS_PER_PAGE, current_page);
    let rows = pager
        .range()
        .map(|i| {
            let entry = history[i].clone();
            let (class, note) = if !when.knows(entry.recorded_at) {
                ("unknown", Some("timeline-not-known"))
            } else if entry.after(when.at) {
                ("later", Some("timeline-not-in-effect"))
            } else {
                ("", None)
            };
            let current = i + 1 == known;
            let href = format!(
                "{}#event-{}",
                ui.url(&[("as_of", &entry.instant()), ("tpage", "")]),
                entry.position
            );
            TimelineRow {
                class: if current { "current" } else { class },
                current,
                note,
                href,
                entry,
            }
        })
        .collect();
    (rows, pager)
}

/// The comparison from the signing date to the view's date.
fn diff_href(view: Option<&AgreementView>, when: &When) -> String {
    view.map(|v| {
        let (from, to) = (v.signed_on.to_string(), when.at.to_string());
        let path = format!("/agreements/{}/diff", v.agreement_id);
        crate::ui::url_with(&path, &[], &[("from", &from), ("to", &to)])
    })
    .unwrap_or_default()
}
