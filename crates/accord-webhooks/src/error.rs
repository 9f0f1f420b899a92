//! The one error type of webhooks.

use accord_store::StoreError;
use uuid::Uuid;

use crate::guard::Refusal;

/// Why a webhook operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No subscription has this id.
    #[error("no webhook subscription {0}")]
    NotFound(Uuid),
    /// No delivery of this position for the subscription.
    #[error("webhook subscription {0} has no delivery at position {1}")]
    NoDelivery(Uuid, u64),
    /// A field of the request is unusable.
    #[error("invalid `{field}`: {message}")]
    Invalid { field: String, message: String },
    /// The URL is refused by the SSRF guard or its scheme.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The webhook store or the log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
