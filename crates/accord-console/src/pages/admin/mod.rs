//! The administrator's pages: `/admin/tokens` (tokens: list, create with
//! the secret shown once, revoke) and `/admin/webhooks` (subscriptions,
//! their delivery log, replay, secret rotation, disable and enable). Every
//! route is for admins only — the navbar shows them to admins, the
//! handlers refuse anyone else with 403 — and every change goes through
//! what the API's routes call: the token book's rules in
//! `accord_api::tokens`, the webhook service of `accord_webhooks`.

mod tokens;
mod webhooks;

use axum::http::HeaderMap;
use axum::Router;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::session::{cookie, Reveal, SESSION_COOKIE};
use crate::{Console, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .merge(tokens::router())
        .merge(webhooks::router())
}

/// The errors of a form, each a catalogue key at its field.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(Vec<(&'static str, &'static str)>);

impl FieldErrors {
    /// Adds the message `key` at `field`.
    pub(crate) fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push((field, key));
    }

    /// The message at `field`, if any.
    pub(crate) fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
    }

    /// Whether the form has no error.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The admin signed in, or 403.
pub(crate) fn admin(viewer: Viewer) -> Result<Viewer, crate::PageError> {
    viewer.require(Viewer::is_admin)
}

/// Keeps a new secret in the session for the page the form leads to.
fn reveal(console: &Console, headers: &HeaderMap, subject: String, secret: String) {
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        console.sessions.put_reveal(id, Reveal { subject, secret });
    }
}

/// The secret of `subject` waiting in this session, removed from it so
/// that it is shown once.
fn revealed(console: &Console, headers: &HeaderMap, subject: &str) -> Option<String> {
    let id = cookie(headers, SESSION_COOKIE)?;
    console.sessions.take_reveal(id, subject)
}

/// An RFC 3339 instant as the page's language writes it (as given if it
/// is not one).
fn instant(ui: &Ui, text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339).map_or_else(|_| text.to_owned(), |t| ui.instant(t))
}

/// The notice of `?done=`, among those a page knows.
fn done(ui: &Ui, known: &[(&str, &'static str)]) -> Option<&'static str> {
    let done = ui.param("done")?;
    known.iter().find(|(k, _)| *k == done).map(|(_, key)| *key)
}
