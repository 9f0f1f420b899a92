//! [`PageError`]: every way a page can fail. A handler returns it; the
//! answer carries only the status and a [`Failure`] marker, and the page
//! context middleware ([`crate::context::page_context`]) renders the HTML
//! error page in the person's language, with the navbar if signed in.
//! Internal causes are logged once, never shown.

use accord_api::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a page could not be shown.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PageError {
    /// No such page or resource (at that time).
    #[error("not found")]
    NotFound,
    /// The person's role may not see or do this.
    #[error("forbidden")]
    Forbidden,
    /// A form from another site, or without its token.
    #[error("cross-site request refused")]
    CrossSite,
    /// A query parameter or form field is malformed: its name.
    #[error("invalid `{0}`")]
    Invalid(String),
    /// The service is busy or stopping; try again.
    #[error("unavailable")]
    Unavailable,
    /// Less than the disk reserve is free: nothing was recorded; pages
    /// are still shown (ADR 0029).
    #[error("disk full")]
    DiskFull,
    /// A fault of the service; the cause is logged.
    #[error("internal error")]
    Internal,
}

/// The marker a failed answer carries until the page context renders it.
#[derive(Debug, Clone)]
pub struct Failure(pub PageError);

impl PageError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::CrossSite => StatusCode::FORBIDDEN,
            PageError::Invalid(_) => StatusCode::BAD_REQUEST,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The catalogue key of the page's title; the message's key is the same
    /// with `-detail` added.
    pub fn key(&self) -> &'static str {
        match self {
            PageError::NotFound => "error-not-found",
            PageError::Forbidden => "error-forbidden",
            PageError::CrossSite => "error-cross-site",
            PageError::Invalid(_) => "error-invalid",
            PageError::Unavailable => "error-unavailable",
            PageError::DiskFull => "error-disk-full",
            PageError::Internal => "error-internal",
        }
    }

    /// An internal error, its cause logged here once.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "console page failed");
        PageError::Internal
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Invalid { errors, detail } => {
                PageError::Invalid(errors.first().map(|e| e.field.clone()).unwrap_or(detail))
            }
            ApiError::NotFound(_) => PageError::NotFound,
            ApiError::Forbidden(_) | ApiError::Unauthorized(_) => PageError::Forbidden,
            ApiError::Unavailable(_) | ApiError::Timeout(_) => PageError::Unavailable,
            ApiError::InsufficientStorage(_) => PageError::DiskFull,
            other => PageError::internal(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Failure(self));
        response
    }
}
