//! The context every console request runs in.
//!
//! [`page_context`] decides the page's language (`?lang=`, then the
//! `accord_lang` cookie, then `Accept-Language`, then Vietnamese), finds
//! the session, puts the [`Ui`] and the [`Viewer`] into the request for the
//! handler, and afterwards renders a [`Failure`] as the HTML error page.
//! [`security_headers`] adds the Content-Security-Policy and its companions
//! to every answer.

use std::time::Duration;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::session::{cookie, over_https, set_cookie, Lookup, SESSION_COOKIE};
use crate::ui::Ui;
use crate::Console;

/// The cookie remembering the language chosen with `?lang=`.
pub const LANG_COOKIE: &str = "accord_lang";

/// A year, how long the language choice is remembered.
const LANG_REMEMBERED: Duration = Duration::from_secs(365 * 24 * 3600);

/// The policy of every console answer: only this origin's own scripts,
/// styles, images and fonts; no inline script or style attribute; not in a
/// frame; forms post only here; no `<base>`.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The language a request asked for with `?lang=`, if it names one.
fn chosen(parts: &Parts) -> Option<Lang> {
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// The language of the page: chosen, remembered, preferred, or Vietnamese.
fn language(parts: &Parts) -> Lang {
    let headers = &parts.headers;
    chosen(parts)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Vi)
}

/// The session a request presents, looked up (and its idle clock restarted).
fn session(console: &Console, headers: &HeaderMap) -> Lookup {
    match cookie(headers, SESSION_COOKIE) {
        Some(id) => console.sessions.lookup(id, &console.app.tokens),
        None => Lookup::Unknown,
    }
}

/// Middleware: language and session in, error pages and cookies out.
pub async fn page_context(
    State(console): State<Console>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let lang = language(&parts);
    let lookup = session(&console, &parts.headers);
    let (viewer, ended) = match lookup {
        Lookup::Active(viewer) => (Some(viewer), None),
        Lookup::Ended(ended) => (None, Some(ended)),
        Lookup::Unknown => (None, None),
    };
    let ui = Ui::new(lang, viewer.clone(), &parts.uri);
    parts.extensions.insert(ui.clone());
    if let Some(viewer) = viewer {
        parts.extensions.insert(viewer);
    }
    if let Some(ended) = ended {
        parts.extensions.insert(ended);
    }
    let secure = over_https(console.config.secure_cookies, &parts.headers);
    let remember = chosen(&parts);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(Failure(error)) = response.extensions_mut().remove::<Failure>() {
        let cookies: Vec<_> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        response = render_failure(&ui, &error);
        for value in cookies {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    let headers = response.headers_mut();
    if let Some(lang) = remember {
        let value = set_cookie(LANG_COOKIE, lang.code(), Some(LANG_REMEMBERED), secure);
        headers.append(header::SET_COOKIE, value);
    }
    if ended.is_some() {
        let value = set_cookie(SESSION_COOKIE, "", Some(Duration::ZERO), secure);
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// The error page of `error` for a request no console route matched (the
/// fallback's not-found page), with the same headers as any console page.
pub fn failure_page(console: &Console, parts: &Parts, error: PageError) -> Response {
    let viewer = match session(console, &parts.headers) {
        Lookup::Active(viewer) => Some(viewer),
        _ => None,
    };
    let ui = Ui::new(language(parts), viewer, &parts.uri);
    let mut response = render_failure(&ui, &error);
    add_security_headers(response.headers_mut());
    response
}

/// The HTML error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ui: &'a Ui,
    status: u16,
    title: String,
    detail: String,
    field: Option<String>,
}

fn render_failure(ui: &Ui, error: &PageError) -> Response {
    let key = error.key();
    let page = ErrorPage {
        ui,
        status: error.status().as_u16(),
        title: ui.t(key).to_owned(),
        detail: ui.t(&format!("{key}-detail")).to_owned(),
        field: match error {
            PageError::Invalid(field) => Some(field.clone()),
            _ => None,
        },
    };
    let body = page.render().unwrap_or_else(|e| {
        tracing::error!(cause = %e, "the error page did not render");
        String::from("error")
    });
    (error.status(), Html(body)).into_response()
}

/// Renders a page template, or the internal error page if it fails.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => PageError::internal(e).into_response(),
    }
}

fn add_security_headers(headers: &mut HeaderMap) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    // Pages show what a token may read: no shared or back-button cache.
    set(headers, header::CACHE_CONTROL, "no-store");
}

/// Middleware: the security headers of every console answer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    add_security_headers(response.headers_mut());
    response
}

/// Where a sign-in should lead back to: a path on this site, else home.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") =>
        {
            path
        }
        _ => "/",
    }
}
