//! Cross-site request forgery: two checks, both required (ADR 0026).
//!
//! - [`guard_origin`] (middleware on every console route): a request that
//!   is not `GET`/`HEAD` must come from a page of this host — its `Origin`,
//!   or its `Referer` when a browser sends no `Origin`, names the same host
//!   and port as its `Host`. Anything else answers 403.
//! - [`CsrfForm`] (extractor of every form handler): the form's `csrf`
//!   field must equal the token of the session, or, before sign-in, the
//!   token of the `accord_csrf` cookie the sign-in page set.
//!
//! The session cookie is `SameSite=Strict` besides, so a browser sends it
//! on no cross-site request at all.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::de::DeserializeOwned;

use crate::error::PageError;
use crate::session::{cookie, Viewer};
use crate::Console;

/// The cookie holding the token of forms shown before sign-in.
pub const SIGN_IN_COOKIE: &str = "accord_csrf";

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// Largest form body the console reads: 1 MiB, as the API's JSON bodies.
const FORM_LIMIT: usize = 1024 * 1024;

/// The host and port (lowercase) of an `Origin` or `Referer` value.
fn authority(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Whether an unsafe request comes from a page of this host (see the module).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    let from = |name| headers.get(name).and_then(|v| v.to_str().ok());
    // `Origin: null` (a sandboxed or privacy-stripped context) is not this host.
    let source = from(header::ORIGIN).or_else(|| from(header::REFERER));
    let given = source.and_then(authority);
    // A URL's default port is implicit, a Host header's may not be.
    let host_default = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(&host);
    given.is_some_and(|g| g == host || g == host_default)
}

/// Middleware: refuses an unsafe request from another origin with 403.
pub async fn guard_origin(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    if !safe && !same_origin(request.headers()) {
        tracing::warn!(target: "accord::access", path = %request.uri().path(), "cross-site request refused");
        return PageError::CrossSite.into_response();
    }
    next.run(request).await
}

/// Compares two tokens without stopping at the first difference.
pub(crate) fn tokens_match(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A URL-encoded form whose `csrf` field matched; `T` is the rest of it
/// (it may ignore the `csrf` field). Refuses with 403 otherwise.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Console> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, console: &Console) -> Result<Self, PageError> {
        let expected = match request.extensions().get::<Viewer>() {
            Some(viewer) => Some(viewer.csrf.clone()),
            None => cookie(request.headers(), SIGN_IN_COOKIE).map(str::to_owned),
        };
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, FORM_LIMIT)
            .await
            .map_err(|_| PageError::Invalid("form".into()))?;
        let given = url::form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == FIELD)
            .map(|(_, value)| value.into_owned());
        let matched = matches!((&given, &expected), (Some(g), Some(e)) if !e.is_empty() && tokens_match(g, e));
        if !matched {
            tracing::warn!(target: "accord::access", path = %parts.uri.path(), "form without a valid csrf token refused");
            return Err(PageError::CrossSite);
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let Form(form) = Form::<T>::from_request(request, console)
            .await
            .map_err(|_| PageError::Invalid("form".into()))?;
        Ok(CsrfForm(form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_request_from_a_page_of_this_host_passes() {
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&h));
        let h = headers(&[
            (header::HOST, "accord.example:443"),
            (
                header::REFERER,
                "https://accord.example/agreements?at=2013-07-04",
            ),
        ]);
        assert!(same_origin(&h));
    }

    #[test]
    fn a_request_from_another_origin_or_from_nowhere_is_refused() {
        let foreign = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:9999"),
        ]);
        assert!(!same_origin(&foreign));
        let null = headers(&[(header::HOST, "127.0.0.1:8080"), (header::ORIGIN, "null")]);
        assert!(!same_origin(&null));
        assert!(!same_origin(&headers(&[(header::HOST, "127.0.0.1:8080")])));
    }

    #[test]
    fn tokens_match_only_when_identical() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
    }
}
