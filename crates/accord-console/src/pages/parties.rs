//! `/parties` and `/parties/{id}?at=`: every registered party, and one with
//! the agreements it is a party of on the date — the reads of
//! `GET /v1/parties` and `GET /v1/parties/{party_id}`.

use accord_domain::PartyId;
use accord_projections::{AgreementFilter, PartyDetail, PartyView};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::AgreementRow;
use crate::context::render;
use crate::log;
use crate::time_travel::{TimeTravel, When};
use crate::{Console, PageError, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/parties", get(list))
        .route("/parties/{id}", get(one))
}

#[derive(Template)]
#[template(path = "parties.html")]
struct PartiesPage {
    ui: Ui,
    tt: TimeTravel,
    parties: Vec<PartyView>,
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
async fn list(State(console): State<Console>, _: Viewer, ui: Ui) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let engine = &console.app.engine;
    let parties = when
        .moment()
        .with_models(engine, |m, _| m.parties())
        .await?;
    let choices = log::recent(engine, 20, None).await?;
    let page = PartiesPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        parties,
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
