//! `/sign-in` and `/sign-out`: a token in, a session out (and back).
//!
//! The sign-in form has one field, `token`. A known, unrevoked token opens
//! a session and leads to `next` (a path on this site); anything else shows
//! the form again with the error at the field, without echoing the secret.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::context::{local_path, render};
use crate::csrf::{CsrfForm, SIGN_IN_COOKIE};
use crate::session::{cookie, over_https, random_token, set_cookie, SESSION_COOKIE};
use crate::{Console, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/sign-in", get(form).post(sign_in))
        .route("/sign-out", post(sign_out))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ui: Ui,
    csrf: String,
    next: String,
    /// Why the person is here again (session expired, token revoked…).
    notice: Option<&'static str>,
    /// The catalogue key of the token field's error.
    error: Option<&'static str>,
}

/// The notice for `?ended=`.
fn notice(ended: Option<&str>) -> Option<&'static str> {
    match ended? {
        "expired" => Some("sign-in-ended-expired"),
        "revoked" => Some("sign-in-ended-revoked"),
        "signed-out" => Some("sign-in-ended-signed-out"),
        _ => None,
    }
}

/// The form's token: the `accord_csrf` cookie's, or a new one (set here).
fn form_token(
    console: &Console,
    headers: &HeaderMap,
    page: &mut SignInPage,
) -> Option<HeaderValue> {
    match cookie(headers, SIGN_IN_COOKIE).filter(|t| t.len() == 64) {
        Some(existing) => {
            page.csrf = existing.to_owned();
            None
        }
        None => {
            page.csrf = random_token();
            let secure = over_https(console.config.secure_cookies, headers);
            Some(set_cookie(SIGN_IN_COOKIE, &page.csrf, None, secure))
        }
    }
}

fn page(
    console: &Console,
    headers: &HeaderMap,
    ui: Ui,
    next: &str,
    error: Option<&'static str>,
) -> Response {
    let notice = notice(ui.param("ended"));
    let mut page = SignInPage {
        ui,
        csrf: String::new(),
        next: next.to_owned(),
        notice,
        error,
    };
    let set = form_token(console, headers, &mut page);
    let mut response = render(&page);
    if let Some(value) = set {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn form(State(console): State<Console>, ui: Ui, headers: HeaderMap) -> Response {
    let next = local_path(ui.param("next")).to_owned();
    if ui.viewer.is_some() {
        return Redirect::to(&next).into_response();
    }
    page(&console, &headers, ui, &next, None)
}

/// The sign-in form's fields.
#[derive(Deserialize)]
struct SignIn {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(
    State(console): State<Console>,
    ui: Ui,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SignIn>,
) -> Response {
    let next = local_path(Some(&form.next)).to_owned();
    let opened = console
        .app
        .tokens
        .find(form.token.trim())
        .and_then(|record| console.sessions.open(&record).map(|id| (id, record)));
    let Some((id, record)) = opened else {
        tracing::warn!(target: "accord::access", "console sign-in refused: unknown or revoked token");
        let mut response = page(&console, &headers, ui, &next, Some("sign-in-token-unknown"));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        return response;
    };
    tracing::info!(target: "accord::access", token_id = %record.id, role = %record.role, "console session opened");
    let secure = over_https(console.config.secure_cookies, &headers);
    let mut response = Redirect::to(&next).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &id, None, secure),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie(SIGN_IN_COOKIE, "", Some(std::time::Duration::ZERO), secure),
    );
    response
}

async fn sign_out(
    State(console): State<Console>,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        console.sessions.close(id);
    }
    tracing::info!(target: "accord::access", token_id = %viewer.token_id, "console session closed");
    let secure = over_https(console.config.secure_cookies, &headers);
    let mut response = Redirect::to("/sign-in?ended=signed-out").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(std::time::Duration::ZERO), secure),
    );
    response
}
