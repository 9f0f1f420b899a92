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

mod admin;
mod agreement;
mod agreements;
mod audit;
mod diff;
mod docs;
mod home;
pub(crate) mod import;
mod parties;
mod reports;
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
        .merge(docs::router())
        .merge(parties::router())
        .merge(reports::router())
        .merge(audit::router())
        .merge(admin::router())
        .merge(crate::live::router())
        .merge(import::router())
}

/// Names by id: of parties, for the many places that show a party by its
/// id, or of agreements (their titles).
pub(crate) struct Names(HashMap<String, Name>);

struct Name {
    full: String,
    short: Option<String>,
}

impl Names {
    /// The names of `parties`.
    pub(crate) fn new(parties: Vec<PartyView>) -> Self {
        let names = parties.into_iter().map(|p| {
            let name = Name {
                full: p.name,
                short: p.short_name,
            };
            (p.party_id.to_string(), name)
        });
        Self(names.collect())
    }

    /// Titles of agreements, by agreement id.
    pub(crate) fn titles(titles: Vec<(String, String)>) -> Self {
        let names = titles
            .into_iter()
            .map(|(id, full)| (id, Name { full, short: None }));
        Self(names.collect())
    }

    /// Whether `id` has a name here.
    pub(crate) fn knows(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// The short name if there is one, else the name, else the id.
    pub(crate) fn short<'a>(&'a self, id: &'a str) -> &'a str {
        self.0
            .get(id)
            .map_or(id, |n| n.short.as_deref().unwrap_or(&n.full))
    }

    /// The full name, else the id.
    pub(crate) fn full(&self, id: impl std::fmt::Display) -> String {
        let id = id.to_string();
        self.0.get(&id).map_or(id, |n| n.full.clone())
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
