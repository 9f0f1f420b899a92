//! `/agreements?at=&as_of=&party=&status=&page=`: agreements signed by the
//! date with their status on it, filtered as `GET /v1/agreements` filters,
//! a page at a time; and the form that signs a new agreement (admin, or a
//! writer for an agreement its party signs), posted back here.

use accord_domain::AgreementId;
use accord_projections::{AgreementFilter, AgreementStatus, AgreementView};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{AgreementRow, Names};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::forms::{self, FormView, Pending, Values};
use crate::log;
use crate::paging::Pager;
use crate::time_travel::{TimeTravel, When};
use crate::ui::SelectOption;
use crate::{Console, PageError, Ui, Viewer};

/// Agreements a page.
const PER_PAGE: usize = 50;
/// Agreements the signing form offers as the one a new agreement succeeds.
const SUCCESSOR_CHOICES: usize = 200;

/// Every status, in the order of docs/domain.md.
const STATUSES: [AgreementStatus; 5] = [
    AgreementStatus::Pending,
    AgreementStatus::Active,
    AgreementStatus::Expired,
    AgreementStatus::Superseded,
    AgreementStatus::Terminated,
];

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/agreements", get(list).post(sign))
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
    /// The signing form, if the viewer may sign.
    form: Option<FormView>,
    /// The confirmation of an agreement just signed (its catalogue key).
    done: Option<&'static str>,
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
async fn list(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
) -> Result<Response, PageError> {
    page(&console, &viewer, ui, None).await
}

/// `POST /agreements`: the signing form.
#[tracing::instrument(skip_all)]
async fn sign(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    CsrfForm(values): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let values = Values(values);
    // The options only matter to the form shown; what is sent is judged by the engine.
    let spec = forms::sign_spec(&viewer, &[], &[]);
    let done = |record: &accord_store::CommandRecord| {
        let id = record.stream.strip_prefix("agreement:").unwrap_or_default();
        ui.link_with(&format!("/agreements/{id}"), &[("done", spec.command)])
    };
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
    let filter = filter(&ui)?;
    let engine = &console.app.engine;
    // Views are built for the page shown and the form's choices only.
    let paged = ui.clone();
    let own = viewer.party_id.as_deref().and_then(|p| p.parse().ok());
    let (shown, pager, parties, successors) = when
        .moment()
        .with_models(engine, move |m, at| {
            let ids = m.agreement_ids(at, &filter);
            let pager = Pager::new(&paged, "page", ids.len(), PER_PAGE, 1);
            let views = |ids: &[AgreementId]| -> Vec<AgreementView> {
                ids.iter().filter_map(|id| m.agreement(*id, at)).collect()
            };
            let shown = views(pager.slice(&ids));
            // The agreements a new one may succeed: the viewer's party's
            // (everyone's for an admin), the latest signed first.
            let mine = AgreementFilter {
                party: own,
                status: None,
            };
            let mut candidates = m.agreement_ids(at, &mine);
            candidates.reverse();
            candidates.truncate(SUCCESSOR_CHOICES);
            (shown, pager, m.parties(), views(&candidates))
        })
        .await?;
    let (form, done) = if when.as_of.is_none() && forms::permitted(viewer, "SignAgreement", None) {
        let spec = forms::sign_spec(viewer, &parties, &successors);
        let done = forms::done_key(&ui);
        (Some(spec.view(&ui, "/agreements", pending)), done)
    } else {
        (None, None)
    };
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
        form,
        done,
        ui,
    };
    Ok(render(&page))
}
