//! Checking a kept checkpoint against the log as it is stored now.

use accord_store::LogReader;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::{AuditError, Checkpoint};

/// The outcome of a checkpoint check: `ok`, or the first reason it fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckpointCheck {
    /// Whether the stored chain passes through the checkpoint and its signature verifies.
    pub ok: bool,
    /// The checkpoint's position.
    pub position: u64,
    /// Why the check failed (absent when `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CheckpointCheck {
    fn pass(position: u64) -> Self {
        CheckpointCheck {
            ok: true,
            position,
            reason: None,
        }
    }

    fn fail(position: u64, reason: String) -> Self {
        CheckpointCheck {
            ok: false,
            position,
            reason: Some(reason),
        }
    }
}

/// Checks, in order: the signature under `key`; that the log reaches the
/// checkpoint's position; that the chain from 1 to there verifies; that the
/// hash there is the checkpoint's; that the event there was recorded at the
/// checkpoint's instant.
///
/// `Malformed` if the checkpoint cannot be decoded; a well-formed checkpoint
/// the log does not match gives `ok: false` with a reason.
pub fn verify_checkpoint(
    log: &LogReader,
    checkpoint: &Checkpoint,
    key: &VerifyingKey,
) -> Result<CheckpointCheck, AuditError> {
    checkpoint.validate()?;
    let position = checkpoint.position;
    let fail = |reason: String| Ok(CheckpointCheck::fail(position, reason));
    if !checkpoint.signed_by(key)? {
        return fail("the signature does not verify with the public key checked against".into());
    }
    let head = log.head().position;
    if head < position {
        return fail(format!(
            "the log ends at position {head}, before the checkpoint's position {position}"
        ));
    }
    let chain = log.verify(Some(position))?;
    if !chain.ok {
        return fail(format!(
            "the chain does not verify up to the checkpoint: first bad position {} ({})",
            chain.first_bad_position.unwrap_or_default(),
            chain.reason.unwrap_or_default()
        ));
    }
    if chain.head_hash != checkpoint.head_hash {
        return fail(format!(
            "the stored chain does not pass through the checkpoint: the hash at position \
             {position} is {}, the checkpoint names {}; the log was rewritten",
            chain.head_hash, checkpoint.head_hash
        ));
    }
    recorded_at_matches(log, checkpoint)
}

/// The last check: the signed instant is the event's.
fn recorded_at_matches(
    log: &LogReader,
    checkpoint: &Checkpoint,
) -> Result<CheckpointCheck, AuditError> {
    let position = checkpoint.position;
    let event = log.event(position)?;
    match event.map(|e| e.envelope.recorded_at) {
        Some(at) if at == checkpoint.recorded_at => Ok(CheckpointCheck::pass(position)),
        found => Ok(CheckpointCheck::fail(
            position,
            format!(
                "the event at position {position} was recorded at {found:?}, the checkpoint names {}",
                checkpoint.recorded_at
            ),
        )),
    }
}
