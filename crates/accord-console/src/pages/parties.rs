//! `/parties` and `/parties/{id}?at=`: every registered party, and one with
//! the agreements it is a party of on the date — the reads of
//! `GET /v1/parties` and `GET /v1/parties/{party_id}`. An admin registers
//! a party with the form of `/parties`, posted back there.

use accord_domain::PartyId;
use accord_projections::{AgreementFilter, PartyDetail, PartyView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::AgreementRow;
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::forms::{self, FormView, Pending, Values};
use crate::log;
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/parties", get(list).post(register))
        .route("/parties/{id}", get(one))
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
    _: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = PartyId::parse(&raw).map_err(|_| PageError::NotFound)?;
    let when = When::from_ui(&ui)?;
    let engine = &console.app.engine;
    let filter = AgreementFilter {
        party: Some(id.clone()),
        status: None,
    };
    let (party, agreements) = when
        .moment()
        .with_models(engine, move |m, at| {
            (m.party(&id, at), m.agreements(at, &filter))
        })
        .await?;
    let party = party.ok_or(PageError::NotFound)?;
    let choices = log::recent(engine, 20, None).await?;
    let page = PartyPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        agreements: AgreementRow::all(&ui, agreements),
        party,
        when,
        ui,
    };
    Ok(render(&page))
}
