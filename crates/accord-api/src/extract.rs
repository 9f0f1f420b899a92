//! Request extraction with problem+json errors: JSON bodies (content type,
//! size limit, syntax, nesting depth, string length), path segments, and
//! query parameters (parsed one by one so each error names its parameter).

use std::collections::HashMap;
use std::str::FromStr;

use accord_domain::BusinessDate;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;

/// Largest accepted request body: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Deepest accepted nesting of arrays and objects in a JSON body. Real
/// commands nest 3 levels; serde_json's own limit (128) only protects its stack.
pub const MAX_DEPTH: usize = 32;

/// Longest accepted string (or object key) in a JSON body, in bytes.
pub const MAX_STRING: usize = 64 * 1024;

/// A JSON request body, parsed into a `Value`, at most [`BODY_LIMIT`] bytes,
/// [`MAX_DEPTH`] levels deep, with no string over [`MAX_STRING`] bytes.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = content_type.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the body must be `application/json`, not `{content_type}`"
            )));
        }
        let bytes: Bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::TooLarge(BODY_LIMIT))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A body's bytes as JSON within [`MAX_DEPTH`] and [`MAX_STRING`]: what
/// [`JsonBody`] does once the content type and size are checked.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::field("body", format!("not valid JSON: {e}")))?;
    check_shape(&value, 0, &mut String::new())?;
    Ok(value)
}

/// Refuses a value nested deeper than [`MAX_DEPTH`] or holding a string
/// longer than [`MAX_STRING`], naming where (`data.parties[2]`).
pub fn check_shape(value: &Value, depth: usize, path: &mut String) -> Result<(), ApiError> {
    let here = |path: &String| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.clone()
        }
    };
    let too_long = |s: &str| s.len() > MAX_STRING;
    match value {
        Value::String(s) if too_long(s) => Err(ApiError::field(
            here(path),
            format!("a string may hold at most {MAX_STRING} bytes"),
        )),
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => Err(ApiError::field(
            here(path),
            format!("JSON may nest at most {MAX_DEPTH} levels"),
        )),
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let checked = check_shape(item, depth + 1, path);
            path.truncate(len);
            checked
        }),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            if too_long(key) {
                return Err(ApiError::field(
                    here(path),
                    format!("a key may hold at most {MAX_STRING} bytes"),
                ));
            }
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let checked = check_shape(item, depth + 1, path);
            path.truncate(len);
            checked
        }),
        _ => Ok(()),
    }
}

/// Path segments (`{id}`, `{party_id}`; a tuple for several) as text; one that is not
/// valid UTF-8 is a problem+json 400, not axum's plain-text rejection.
pub struct PathParam<T = String>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::field("path", "a path segment is not valid UTF-8"))?;
        Ok(PathParam(value))
    }
}

/// Query parameters, parsed on demand by name.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(map) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::field("query", e.body_text()))?;
        Ok(Params(map))
    }
}

impl Params {
    /// A parameter as given, if present and not empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A parameter parsed with `FromStr`; a 400 naming it if it does not parse.
    pub fn parse<T: FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(raw) => raw
                .parse()
                .map(Some)
                .map_err(|_| ApiError::field(name, format!("`{raw}` is not {expected}"))),
        }
    }

    /// A business date `YYYY-MM-DD`.
    pub fn date(&self, name: &str) -> Result<Option<BusinessDate>, ApiError> {
        self.parse(name, "a date (YYYY-MM-DD)")
    }

    /// An RFC 3339 instant, normalised to UTC.
    pub fn instant(&self, name: &str) -> Result<Option<OffsetDateTime>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(raw) => OffsetDateTime::parse(raw, &Rfc3339)
                .map(|t| Some(t.to_offset(time::UtcOffset::UTC)))
                .map_err(|_| ApiError::field(name, format!("`{raw}` is not an RFC 3339 instant"))),
        }
    }

    /// A page size: default `default`, at most `cap`, at least 1.
    pub fn limit(&self, default: usize, cap: usize) -> Result<usize, ApiError> {
        let limit = self
            .parse::<usize>("limit", "a positive integer")?
            .unwrap_or(default);
        if limit == 0 {
            return Err(ApiError::field("limit", "must be at least 1"));
        }
        Ok(limit.min(cap))
    }
}
