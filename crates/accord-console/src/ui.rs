//! [`Ui`]: what every page template receives as its `ui` field — the
//! language and its catalogue, dates and instants as the language writes
//! them, the navbar for the signed-in person's role, the language switch,
//! the form token, and links to the current page with parameters changed.
//!
//! The page context middleware builds one per request; handlers take it as
//! an extractor.

use std::convert::Infallible;

use accord_domain::BusinessDate;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Uri;
use serde::Serialize;
use time::OffsetDateTime;

use crate::assets;
use crate::i18n::Lang;
use crate::session::Viewer;

/// The page context of one request.
#[derive(Debug, Clone)]
pub struct Ui {
    /// The language of the page.
    pub lang: Lang,
    /// The person signed in, if any.
    pub viewer: Option<Viewer>,
    path: String,
    /// The query without `lang` (the cookie remembers it).
    query: Vec<(String, String)>,
}

/// A link of the navbar.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Where it goes.
    pub href: String,
    /// The catalogue key of its label.
    pub key: &'static str,
    /// Whether it is the page shown (or a page under it).
    pub current: bool,
}

/// A business date, however many references away (templates pass them
/// by value or through a loop's references).
pub trait AsDate {
    /// The date.
    fn as_date(&self) -> BusinessDate;
}

impl AsDate for BusinessDate {
    fn as_date(&self) -> BusinessDate {
        *self
    }
}

impl<T: AsDate + ?Sized> AsDate for &T {
    fn as_date(&self) -> BusinessDate {
        (**self).as_date()
    }
}

/// An instant, however many references away.
pub trait AsInstant {
    /// The instant.
    fn as_instant(&self) -> OffsetDateTime;
}

impl AsInstant for OffsetDateTime {
    fn as_instant(&self) -> OffsetDateTime {
        *self
    }
}

impl<T: AsInstant + ?Sized> AsInstant for &T {
    fn as_instant(&self) -> OffsetDateTime {
        (**self).as_instant()
    }
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct SelectOption {
    /// The value submitted.
    pub value: String,
    /// What the person reads.
    pub label: String,
    /// Whether it is the value shown.
    pub selected: bool,
}

impl SelectOption {
    /// An option, selected when `current` is its value.
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: Option<&str>) -> Self {
        let value = value.into();
        Self {
            selected: current == Some(value.as_str()),
            label: label.into(),
            value,
        }
    }
}

/// A link of the language switch.
#[derive(Debug, Clone)]
pub struct LangLink {
    /// The language's code (`vi`).
    pub code: &'static str,
    /// The catalogue key of its name, written in that language (`lang-vi`).
    pub key: &'static str,
    /// The current page in that language.
    pub href: String,
    /// Whether it is the page's language.
    pub current: bool,
}

/// An entry of the navbar: its path, the key of its label, and who sees it.
type NavEntry = (&'static str, &'static str, fn(&Viewer) -> bool);

/// Who sees which entry of the navbar. A later page adds one line here and
/// its route; the route enforces the same rule (`Viewer::may_*` through
/// `Viewer::require`).
const NAV: &[NavEntry] = &[
    ("/", "nav-home", |_| true),
    ("/agreements", "nav-agreements", |_| true),
    ("/parties", "nav-parties", |_| true),
    ("/reports/cooperation", "nav-reports", |_| true),
    ("/audit", "nav-audit", Viewer::may_audit),
    ("/docs", "nav-docs", |_| true),
    ("/admin/tokens", "nav-admin-tokens", Viewer::is_admin),
    ("/admin/webhooks", "nav-admin-webhooks", Viewer::is_admin),
];

impl Ui {
    /// The context of a request for `uri`.
    pub fn new(lang: Lang, viewer: Option<Viewer>, uri: &Uri) -> Self {
        let query = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .filter(|(k, _)| k != "lang")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            lang,
            viewer,
            path: uri.path().to_owned(),
            query,
        }
    }

    /// The message `key` in the page's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    /// The message `key` with its `{ $name }` placeholder filled in.
    pub fn t_with(&self, key: &str, name: &str, value: impl ToString) -> String {
        self.lang.t_with(key, &[(name, &value.to_string())])
    }

    /// A business date as the page's language writes it.
    pub fn date(&self, date: impl AsDate) -> String {
        self.lang.date(date.as_date())
    }

    /// An instant as the page's language writes it.
    pub fn instant(&self, instant: impl AsInstant) -> String {
        self.lang.instant(instant.as_instant())
    }

    /// The name of a field of a view (`signed_on`), or the field as
    /// spelt in the API when the catalogue has no name for it.
    pub fn field_name(&self, field: &str) -> String {
        let key = format!("field-{field}");
        if self.lang.has(&key) {
            self.lang.t(&key).to_owned()
        } else {
            field.to_owned()
        }
    }

    /// The message `key` with two placeholders filled in.
    pub fn t_with2(
        &self,
        key: &str,
        first: &str,
        first_value: impl ToString,
        second: &str,
        second_value: impl ToString,
    ) -> String {
        let (a, b) = (first_value.to_string(), second_value.to_string());
        self.lang.t_with(key, &[(first, &a), (second, &b)])
    }

    /// The name of an event type (`ExchangeRecorded`).
    pub fn event_name(&self, event_type: &str) -> String {
        self.lang.t(&format!("event-{event_type}")).to_owned()
    }

    /// A fixed value as in JSON (`overdue`), for a class name.
    pub fn term_value<V: Serialize>(&self, value: V) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => String::new(),
        }
    }

    /// The name of a fixed value (a status, a kind, a rating): the message
    /// `{family}-{value as in JSON}`, e.g. `status-active`.
    pub fn term<V: Serialize>(&self, family: &str, value: V) -> String {
        let wire = match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => String::new(),
        };
        self.lang.t(&format!("{family}-{wire}")).to_owned()
    }

    /// The name of an area of cooperation: the message `area-{code}` when
    /// the catalogue has one (the areas the demo's agreements declare),
    /// else the code as the agreement declared it (areas are the
    /// agreements' own identifiers).
    pub fn area_name(&self, code: &str) -> String {
        let key = format!("area-{code}");
        if self.lang.has(&key) {
            self.lang.t(&key).to_owned()
        } else {
            code.to_owned()
        }
    }

    /// The navbar entries the signed-in person may use.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(viewer) = &self.viewer else {
            return Vec::new();
        };
        let mut links: Vec<NavLink> = NAV
            .iter()
            .filter(|(_, _, shown)| shown(viewer))
            .map(|(href, key, _)| NavLink {
                href: (*href).to_owned(),
                key,
                current: self.under(href),
            })
            .collect();
        if let Some(party) = &viewer.party_id {
            let href = format!("/parties/{party}");
            links.push(NavLink {
                current: self.path == href,
                href,
                key: "nav-my-party",
            });
        }
        links
    }

    fn under(&self, href: &str) -> bool {
        self.path == href
            || (href != "/"
                && self
                    .path
                    .strip_prefix(href)
                    .is_some_and(|r| r.starts_with('/')))
    }

    /// The language switch: this page in each language.
    pub fn languages(&self) -> Vec<LangLink> {
        Lang::ALL
            .into_iter()
            .map(|lang| LangLink {
                code: lang.code(),
                key: match lang {
                    Lang::Vi => "lang-vi",
                    Lang::En => "lang-en",
                },
                href: self.url(&[("lang", lang.code())]),
                current: lang == self.lang,
            })
            .collect()
    }

    /// The signed-in session's form token (empty when signed out).
    pub fn csrf(&self) -> &str {
        self.viewer.as_ref().map_or("", |v| v.csrf.as_str())
    }

    /// The path of the page shown.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameter `name` of the page shown, if given and not empty.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The query parameters of the page shown, `lang` aside.
    pub fn params(&self) -> &[(String, String)] {
        &self.query
    }

    /// The page shown, with each `(name, value)` set (an empty value drops
    /// the parameter).
    pub fn url(&self, changes: &[(&str, &str)]) -> String {
        url_with(&self.path, &self.query, changes)
    }

    /// The first characters of a hash or id, for tables.
    pub fn short<'a>(&self, value: &'a str) -> &'a str {
        short_hash(value)
    }

    /// `path` at the same `at` and `as_of` as the page shown, so that
    /// following a link keeps the moment the person is looking at.
    pub fn link(&self, path: &str) -> String {
        self.link_with(path, &[])
    }

    /// `path` with the parameters `params`, at the same `at` and `as_of`.
    pub fn link_with(&self, path: &str, params: &[(&str, &str)]) -> String {
        let moment: Vec<(String, String)> = self
            .query
            .iter()
            .filter(|(k, v)| (k == "at" || k == "as_of") && !v.is_empty())
            .cloned()
            .collect();
        url_with(path, &moment, params)
    }

    /// A party's page, at the same moment.
    pub fn party_href(&self, id: impl std::fmt::Display) -> String {
        self.link(&format!("/parties/{id}"))
    }

    /// An agreement's page, at the same moment.
    pub fn agreement_href(&self, id: impl std::fmt::Display) -> String {
        self.link(&format!("/agreements/{id}"))
    }

    /// The style sheet's URL, versioned by its content.
    pub fn style_url(&self) -> String {
        assets::url("console.css")
    }

    /// The URL of asset `name`, versioned by its content.
    pub fn asset_url(&self, name: &str) -> String {
        assets::url(name)
    }

    /// The icon's URL, versioned by its content.
    pub fn icon_url(&self) -> String {
        assets::url("icon.svg")
    }
}

/// `path?query` with `changes` applied to `query` (an empty value drops the
/// parameter), in the original order, new parameters last.
pub fn url_with(path: &str, query: &[(String, String)], changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    pairs.extend(
        changes
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{query}")
}

/// The first characters of a hash, for tables; the whole one goes in a
/// `title` or a `<details>`.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<Ui>()
            .cloned()
            .unwrap_or_else(|| Ui::new(Lang::Vi, None, &parts.uri)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_parameter_keeps_the_others_and_drops_lang() {
        let uri: Uri = "/agreements?party=dong-nai-iza&lang=en&page=2"
            .parse()
            .unwrap();
        let ui = Ui::new(Lang::En, None, &uri);
        assert_eq!(
            ui.url(&[("page", "3")]),
            "/agreements?party=dong-nai-iza&page=3"
        );
        assert_eq!(ui.url(&[("page", ""), ("party", "")]), "/agreements");
        assert_eq!(
            ui.languages()[0].href,
            "/agreements?party=dong-nai-iza&page=2&lang=vi"
        );
    }

    #[test]
    fn values_are_named_by_their_json_spelling() {
        let ui = Ui::new(Lang::En, None, &Uri::from_static("/"));
        assert_eq!(
            ui.term("status", accord_projections::AgreementStatus::Superseded),
            "Superseded"
        );
    }
}
