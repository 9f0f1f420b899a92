//! The checkpoint value and the exact bytes its signature covers.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::AuditError;

/// The signature algorithm, as named in answers.
pub const ALGORITHM: &str = "Ed25519";

/// The first line of the signed message; a new format gets a new tag, so a
/// signature can never be replayed as another kind of statement.
const TAG: &str = "accord-checkpoint-v1";

/// A signed statement "the log's event at `position` has hash `head_hash`
/// and was recorded at `recorded_at`".
///
/// Because each hash covers every earlier event, it commits to the whole log
/// up to `position`. Serialised as
/// `{"position", "head_hash", "recorded_at", "signature", "algorithm", "public_key"}`;
/// the last two are informative (the check uses a key the verifier trusts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The position of the event checkpointed (≥ 1).
    pub position: u64,
    /// Lowercase hex SHA-256 chain hash of that event.
    pub head_hash: String,
    /// When that event was recorded (UTC, RFC 3339): `as_of` this instant
    /// reproduces the log the checkpoint covers.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Base64 (standard, padded) Ed25519 signature of [`Checkpoint::message`].
    pub signature: String,
    /// Always `Ed25519`.
    #[serde(default = "algorithm")]
    pub algorithm: String,
    /// Base64 of the signer's public key, for the reader's information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

fn algorithm() -> String {
    ALGORITHM.to_owned()
}

impl Checkpoint {
    /// The signed bytes: `accord-checkpoint-v1\n{position}\n{head_hash}\n{recorded_at}`,
    /// with `recorded_at` in RFC 3339 UTC as the envelopes write it.
    pub fn message(position: u64, head_hash: &str, recorded_at: OffsetDateTime) -> Vec<u8> {
        let at = recorded_at
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .expect("a UTC instant formats as RFC 3339");
        format!("{TAG}\n{position}\n{head_hash}\n{at}").into_bytes()
    }

    /// The hash as 32 bytes; `Malformed` unless it is 64 lowercase hex digits
    /// (the signed form: another spelling would not match the signature).
    pub fn head_hash_bytes(&self) -> Result<[u8; 32], AuditError> {
        let bad = || AuditError::malformed("head_hash", "expected 64 lowercase hex digits");
        let bytes = hex::decode(&self.head_hash).map_err(|_| bad())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        match hex::encode(bytes) == self.head_hash {
            true => Ok(bytes),
            false => Err(bad()),
        }
    }

    /// The signature; `Malformed` unless it is base64 of 64 bytes.
    pub fn signature_value(&self) -> Result<Signature, AuditError> {
        let bytes = BASE64
            .decode(&self.signature)
            .map_err(|e| AuditError::malformed("signature", e))?;
        Signature::from_slice(&bytes).map_err(|e| AuditError::malformed("signature", e))
    }

    /// Checks the shape of every field; `Malformed` names the first bad one.
    pub fn validate(&self) -> Result<(), AuditError> {
        if self.algorithm != ALGORITHM {
            let detail = format!("unsupported algorithm {:?}", self.algorithm);
            return Err(AuditError::malformed("algorithm", detail));
        }
        if self.position == 0 {
            return Err(AuditError::malformed("position", "positions start at 1"));
        }
        self.head_hash_bytes()?;
        self.signature_value()?;
        Ok(())
    }

    /// Whether the signature covers these fields under `key` (strict verification).
    pub fn signed_by(&self, key: &VerifyingKey) -> Result<bool, AuditError> {
        let signature = self.signature_value()?;
        let message = Self::message(self.position, &self.head_hash, self.recorded_at);
        Ok(key.verify_strict(&message, &signature).is_ok())
    }
}
