//! `/parties` and `/parties/{id}?at=`: every registered party, and one with
//! the agreements it is a party of on the date — the reads of
//! `GET /v1/parties` and `GET /v1/parties/{party_id}`. An admin registers
//! a party with the form of `/parties`, posted back there.
//!
//! A party's page also shows its names over time (as registered, then each
//! update in force by the date), its successor from the succession's date,
//! or the parties it succeeded; and, to an admin looking at what is known
//! now, the forms that update it and record its successor, posted back to
//! the page (`POST /parties/{id}`).

use accord_domain::{BusinessDate, PartyId};
use accord_projections::{AgreementFilter, PartyDetail, PartyView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{AgreementRow, Names};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::forms::{self, FormView, Pending, Values};
use crate::log;
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/parties", get(list).post(register))
        .route("/parties/{id}", get(one).post(act))
}

#[derive(Template)]
#[template(path = "parties.html")]
struct PartiesPage {
    ui: Ui,
    tt: TimeTravel,
    parties: Vec<PartyView>,
    /// The registration form, for an admin.
    form: Option<FormView>,
    /// The confirmation of a party just registered (its catalogue key).
    done: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "party.html")]
struct PartyPage {
    ui: Ui,
    tt: TimeTravel,
    when: When,
    party: PartyDetail,
    agreements: Vec<AgreementRow>,
    /// The full names of every registered party (successor, predecessors).
    names: Names,
    /// The parties it succeeded, by the date: id and the succession's date.
    predecessors: Vec<(String, BusinessDate)>,
    /// The forms an admin may use here.
    forms: Vec<FormView>,
    /// The confirmation of the command just recorded (its catalogue key).
    done: Option<&'static str>,
}

#[tracing::instrument(skip_all)]
async fn list(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
) -> Result<Response, PageError> {
    page(&console, &viewer, ui, None).await
}

/// `POST /parties`: the registration form.
#[tracing::instrument(skip_all)]
async fn register(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    CsrfForm(values): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let values = Values(values);
    let spec = forms::register_spec(&ui);
    let done =
        |_: &accord_store::CommandRecord| ui.link_with("/parties", &[("done", spec.command)]);
    match forms::handle(&console, &viewer, &spec, values, None, done).await? {
        Ok(redirect) => Ok(redirect),
        Err(pending) => Ok(forms::refused(
            page(&console, &viewer, ui, Some(&pending)).await?,
            &pending,
        )),
    }
}

async fn page(
    console: &Console,
    viewer: &Viewer,
    ui: Ui,
    pending: Option<&Pending>,
) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let engine = &console.app.engine;
    let parties = when
        .moment()
        .with_models(engine, |m, _| m.parties())
        .await?;
    let choices = log::recent(engine, 20, None).await?;
    let (form, done) = if when.as_of.is_none() && forms::permitted(viewer, "RegisterParty", None) {
        let spec = forms::register_spec(&ui);
        let done = forms::done_key(&ui);
        (Some(spec.view(&ui, "/parties", pending)), done)
    } else {
        (None, None)
    };
    let page = PartiesPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        parties,
        form,
        done,
        ui,
    };
    Ok(render(&page))
}

#[tracing::instrument(skip_all, fields(party_id = %raw))]
async fn one(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = PartyId::parse(&raw).map_err(|_| PageError::NotFound)?;
    party_page(&console, &viewer, ui, id, None).await
}

/// `POST /parties/{id}`: a form of the party's page, issued as its
/// `command` field names.
#[tracing::instrument(skip_all, fields(party_id = %raw))]
async fn act(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
    CsrfForm(values): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = PartyId::parse(&raw).map_err(|_| PageError::NotFound)?;
    let values = Values(values);
    let when = When::from_ui(&ui)?;
    if when.as_of.is_some() {
        return Err(PageError::Invalid("as_of".into()));
    }
    let read = id.clone();
    let (party, registered) = when
        .moment()
        .with_models(&console.app.engine, move |m, at| {
            (m.party(&read, at), m.parties())
        })
        .await?;
    let party = party.ok_or(PageError::NotFound)?;
    let command = values.get(forms::COMMAND_FIELD).unwrap_or_default();
    let succeeded = already_succeeded(&registered, &id);
    let spec = forms::party_specs(&ui, &party.party, &registered, succeeded)
        .into_iter()
        .find(|s| s.command == command)
        .ok_or_else(|| PageError::Invalid(forms::COMMAND_FIELD.into()))?;
    let path = format!("/parties/{id}");
    let done = |_: &accord_store::CommandRecord| ui.link_with(&path, &[("done", spec.command)]);
    match forms::handle(&console, &viewer, &spec, values, None, done).await? {
        Ok(redirect) => Ok(redirect),
        Err(pending) => Ok(forms::refused(
            party_page(&console, &viewer, ui, id, Some(&pending)).await?,
            &pending,
        )),
    }
}

/// Whether a succession of `id` is recorded, whatever its date.
fn already_succeeded(registered: &[PartyView], id: &PartyId) -> bool {
    registered
        .iter()
        .any(|p| &p.party_id == id && p.succeeded_by.is_some())
}

/// The page of party `id` (`pending` the form sent back, if any).
async fn party_page(
    console: &Console,
    viewer: &Viewer,
    ui: Ui,
    id: PartyId,
    pending: Option<&Pending>,
) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let engine = &console.app.engine;
    let filter = AgreementFilter {
        party: Some(id.clone()),
        status: None,
    };
    let read = id.clone();
    let (party, agreements, at_date, registered) = when
        .moment()
        .with_models(engine, move |m, at| {
            (
                m.party(&read, at),
                m.agreements(at, &filter),
                m.parties_at(at),
                m.parties(),
            )
        })
        .await?;
    let party = party.ok_or(PageError::NotFound)?;
    let predecessors = at_date
        .iter()
        .filter(|p| p.succeeded_by.as_ref() == Some(&id))
        .filter_map(|p| Some((p.party_id.to_string(), p.succeeded_on?)))
        .collect();
    let (forms, done) = if when.as_of.is_none() {
        let succeeded = already_succeeded(&registered, &id);
        let path = format!("/parties/{id}");
        let shown = forms::party_specs(&ui, &party.party, &registered, succeeded)
            .iter()
            .filter(|s| forms::permitted(viewer, s.command, None))
            .map(|s| s.view(&ui, &path, pending))
            .collect();
        (shown, forms::done_key(&ui))
    } else {
        (Vec::new(), None)
    };
    let choices = log::recent(engine, 20, None).await?;
    let page = PartyPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        agreements: AgreementRow::all(&ui, agreements),
        names: Names::new(at_date),
        predecessors,
        party,
        forms,
        done,
        when,
        ui,
    };
    Ok(render(&page))
}
