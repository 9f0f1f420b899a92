//! The pages, one module per area, each with its `router()`; and what
//! several pages share. A page handler takes the [`Viewer`] (so only a
//! signed-in person reaches it), the [`Ui`] and [`When`], reads the read
//! models as the JSON handler of the same resource does, and renders its
//! template with [`render`].
//!
//! [`Viewer`]: crate::Viewer
//! [`Ui`]: crate::Ui
//! [`When`]: crate::time_travel::When
//! [`render`]: crate::context::render

mod agreement;
mod agreements;
mod diff;
mod home;
mod parties;
mod sign_in;

use std::collections::HashMap;

use accord_domain::AgreementId;
use accord_projections::{AgreementView, PartyView};
use axum::Router;

use crate::Console;

/// Every page's routes.
pub(crate) fn router() -> Router<Console> {
    Router::new()
        .merge(home::router())
        .merge(sign_in::router())
        .merge(agreements::router())
        .merge(agreement::router())
        .merge(diff::router())
        .merge(parties::router())
}

/// Party names by id, for the many places that show a party by its id.
pub(crate) struct Names(HashMap<String, PartyView>);

impl Names {
    /// The names of `parties`.
    pub(crate) fn new(parties: Vec<PartyView>) -> Self {
        Self(
            parties
                .into_iter()
                .map(|p| (p.party_id.to_string(), p))
                .collect(),
        )
    }

    /// The short name if registered with one, else the name, else the id.
    pub(crate) fn short<'a>(&'a self, id: &'a str) -> &'a str {
        self.0
            .get(id)
            .map_or(id, |p| p.short_name.as_deref().unwrap_or(&p.name))
    }

    /// The full name as registered, else the id.
    pub(crate) fn full(&self, id: impl std::fmt::Display) -> String {
        let id = id.to_string();
        self.0.get(&id).map_or(id, |p| p.name.clone())
    }
}

/// An agreement in a list, with its link at the page's moment.
pub(crate) struct AgreementRow {
    /// Its page, at the same `at` and `as_of`.
    pub href: String,
    /// The agreement as it stood.
    pub view: AgreementView,
}

impl AgreementRow {
    /// The rows of `views`, linked from `ui`'s moment.
    pub(crate) fn all(ui: &crate::Ui, views: Vec<AgreementView>) -> Vec<Self> {
        views
            .into_iter()
            .map(|view| AgreementRow {
                href: ui.agreement_href(view.agreement_id),
                view,
            })
            .collect()
    }
}

/// Parses an agreement id from a path; an id that is not a UUID has no page.
pub(crate) fn agreement_id(raw: &str) -> Result<AgreementId, crate::PageError> {
    raw.parse().map_err(|_| crate::PageError::NotFound)
}
