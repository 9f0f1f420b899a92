//! The one error type of the audit crate.

/// Why a checkpoint or a key could not be used.
///
/// A checkpoint that is well-formed but does not match the log is *not* an
/// error: it is a [`crate::CheckpointCheck`] with `ok: false`.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A checkpoint or public key that cannot be decoded (bad hex, base64, length).
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being decoded (`signature`, `head_hash`, `public key`).
        what: &'static str,
        /// Why it does not decode.
        detail: String,
    },
    /// The key file is missing, unreadable or not a key.
    #[error("signing key {path}: {detail}")]
    Key {
        /// The key file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The store failed while the checkpoint was checked.
    #[error(transparent)]
    Store(#[from] accord_store::StoreError),
}

impl AuditError {
    pub(crate) fn malformed(what: &'static str, detail: impl ToString) -> Self {
        AuditError::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}
