//! `/agreements?at=&as_of=&party=&status=&page=`: agreements signed by the
//! date with their status on it, filtered as `GET /v1/agreements` filters,
//! a page at a time.

use accord_projections::{AgreementFilter, AgreementStatus};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{AgreementRow, Names};
use crate::context::render;
use crate::log;
use crate::paging::Pager;
use crate::time_travel::{TimeTravel, When};
use crate::ui::SelectOption;
use crate::{Console, PageError, Ui, Viewer};

/// Agreements a page.
const PER_PAGE: usize = 50;

/// Every status, in the order of docs/domain.md.
const STATUSES: [AgreementStatus; 5] = [
    AgreementStatus::Pending,
    AgreementStatus::Active,
    AgreementStatus::Expired,
    AgreementStatus::Superseded,
    AgreementStatus::Terminated,
];

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/agreements", get(list))
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct AgreementsPage {
    ui: Ui,
    tt: TimeTravel,
    party_options: Vec<SelectOption>,
    status_options: Vec<SelectOption>,
    rows: Vec<AgreementRow>,
    names: Names,
    pager: Pager,
}

/// The filters as the URL gives them; a malformed one is a 400 naming it.
fn filter(ui: &Ui) -> Result<AgreementFilter, PageError> {
    let party = match ui.param("party") {
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| PageError::Invalid("party".into()))?,
        ),
        None => None,
    };
    let status = match ui.param("status") {
        Some(raw) => Some(
            STATUSES
                .into_iter()
                .find(|s| s.as_str() == raw)
                .ok_or_else(|| PageError::Invalid("status".into()))?,
        ),
        None => None,
    };
    Ok(AgreementFilter { party, status })
}

#[tracing::instrument(skip_all)]
async fn list(State(console): State<Console>, _: Viewer, ui: Ui) -> Result<Response, PageError> {
    let when = When::from_ui(&ui)?;
    let filter = filter(&ui)?;
    let engine = &console.app.engine;
    let (views, parties) = when
        .moment()
        .with_models(engine, move |m, at| {
            (m.agreements(at, &filter), m.parties())
        })
        .await?;
    let pager = Pager::new(&ui, "page", views.len(), PER_PAGE, 1);
    let shown = views
        .into_iter()
        .skip(pager.range().start)
        .take(PER_PAGE)
        .collect();
    let party_options = parties
        .iter()
        .map(|p| SelectOption::new(p.party_id.to_string(), p.name.clone(), ui.param("party")))
        .collect();
    let status_options = STATUSES
        .into_iter()
        .map(|s| SelectOption::new(s.as_str(), ui.term("status", s), ui.param("status")))
        .collect();
    let choices = log::recent(engine, 20, None).await?;
    let page = AgreementsPage {
        tt: TimeTravel::new(&ui, &when, &choices),
        rows: AgreementRow::all(&ui, shown),
        names: Names::new(parties),
        party_options,
        status_options,
        pager,
        ui,
    };
    Ok(render(&page))
}
