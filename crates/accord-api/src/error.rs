//! [`ApiError`]: every way a request can fail, mapped to a status in one
//! `match` and rendered as `application/problem+json` (RFC 9457). Internal
//! errors are logged once with their cause and answered as a bare 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where, as a dotted path into the request (`data.term.end`) or a query parameter name.
    pub field: String,
    pub message: String,
}

/// A problem document (RFC 9457), the body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The broken domain rule's stable code (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The invalid fields (400 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    Invalid {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(String),
    /// The token's role or party does not allow this; the text says why.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    Refused { rule: &'static str, detail: String },
    #[error("{0}")]
    Unavailable(String),
    /// Less than the disk reserve is free: commands wait until space is freed.
    #[error("{0}")]
    InsufficientStorage(String),
    #[error("the request took longer than {0} seconds")]
    Timeout(u64),
    #[error("{0} is not allowed on this route")]
    MethodNotAllowed(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A 400 naming one invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError {
            field: field.into(),
            message: message.into(),
        };
        ApiError::Invalid {
            detail: format!("invalid `{}`: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// A 500 whose cause is logged, never shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Invalid { .. } => (
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            ApiError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or unknown token",
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request body too large",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::Refused { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule-violation",
                "Command refused",
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service busy",
            ),
            ApiError::InsufficientStorage(_) => (
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient-storage",
                "Insufficient storage",
            ),
            ApiError::Timeout(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Request timed out",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let (rule, errors) = match self {
            ApiError::Refused { rule, .. } => (Some((*rule).to_owned()), Vec::new()),
            ApiError::Invalid { errors, .. } => (None, errors.clone()),
            _ => (None, Vec::new()),
        };
        Problem {
            kind: format!("https://accord.example/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            rule,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = self.problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Unavailable(_) | ApiError::Timeout(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            // Space is freed by people, not in a second.
            ApiError::InsufficientStorage(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            }
            _ => {}
        }
        response
    }
}

impl From<accord_engine::EngineError> for ApiError {
    fn from(error: accord_engine::EngineError) -> Self {
        use accord_engine::EngineError as E;
        match error {
            E::Refused(refusal) => ApiError::Refused {
                rule: refusal.rule.code(),
                detail: refusal.detail,
            },
            e @ (E::VersionConflict { .. } | E::CommandIdReused(_)) => {
                ApiError::Conflict(e.to_string())
            }
            E::Forbidden(reason) => ApiError::Forbidden(reason),
            E::Busy => ApiError::Unavailable("too many commands are waiting; retry shortly".into()),
            E::Stopped => ApiError::Unavailable("the writer has stopped".into()),
            e @ E::DiskFull(_) => ApiError::InsufficientStorage(e.to_string()),
            E::Store(e) => e.into(),
        }
    }
}

impl From<accord_store::StoreError> for ApiError {
    fn from(error: accord_store::StoreError) -> Self {
        match error {
            // The database is away (PostgreSQL): try again shortly.
            accord_store::StoreError::Unavailable(message) => ApiError::Unavailable(message),
            other => ApiError::internal(other),
        }
    }
}

impl From<accord_engine::ReplayError> for ApiError {
    fn from(error: accord_engine::ReplayError) -> Self {
        match error {
            accord_engine::ReplayError::Store(error) => error.into(),
            other => ApiError::internal(other),
        }
    }
}
