//! Checking a kept checkpoint against the log as it is stored now.

use accord_store::LogReader;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::{AuditError, Checkpoint, Receipt};

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
    match chain_through(log, position, &checkpoint.head_hash)? {
        None => {}
        Some(ChainFault::Beyond { head }) => {
            return fail(format!(
                "the log ends at position {head}, before the checkpoint's position {position}"
            ))
        }
        Some(ChainFault::Broken { first_bad, reason }) => {
            return fail(format!(
                "the chain does not verify up to the checkpoint: first bad position {first_bad} ({reason})"
            ))
        }
        Some(ChainFault::OtherHash { found }) => {
            return fail(format!(
                "the stored chain does not pass through the checkpoint: the hash at position \
                 {position} is {found}, the checkpoint names {}; the log was rewritten",
                checkpoint.head_hash
            ))
        }
    }
    recorded_at_matches(log, checkpoint)
}

/// Why the stored chain does not pass through a (position, hash).
enum ChainFault {
    /// The log ends at `head`, before the position.
    Beyond { head: u64 },
    /// The chain does not verify from 1 to the position.
    Broken { first_bad: u64, reason: String },
    /// It verifies, with another hash at the position.
    OtherHash { found: String },
}

/// Whether the log reaches `position`, its chain verifies from 1 to there
/// (recomputed from the stored bytes) and has `head_hash` there.
fn chain_through(
    log: &LogReader,
    position: u64,
    head_hash: &str,
) -> Result<Option<ChainFault>, AuditError> {
    let head = log.head().position;
    if head < position {
        return Ok(Some(ChainFault::Beyond { head }));
    }
    let chain = log.verify(Some(position))?;
    if !chain.ok {
        return Ok(Some(ChainFault::Broken {
            first_bad: chain.first_bad_position.unwrap_or_default(),
            reason: chain.reason.unwrap_or_default(),
        }));
    }
    if chain.head_hash != head_hash {
        return Ok(Some(ChainFault::OtherHash {
            found: chain.head_hash,
        }));
    }
    Ok(None)
}

/// Why a well-formed receipt does not hold against the log (ADR 0027).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptFault {
    /// The signature does not verify with the service's key: the receipt
    /// was changed, or signed by another key.
    Signature,
    /// The log ends at `head`, before the receipt's position.
    UnknownPosition {
        /// The log's last position.
        head: u64,
    },
    /// The chain does not verify up to the receipt's position.
    ChainBroken {
        /// The first position that does not verify.
        first_bad: u64,
    },
    /// The chain verifies with another hash at the receipt's position: the
    /// log was rewritten.
    OtherHash {
        /// The hash the log has there.
        found: String,
    },
    /// The log as known at the receipt's `as_of` ends at another position,
    /// so the view re-opened would not be the one the receipt names.
    NotPinned {
        /// The last position recorded at or before `as_of`.
        found: u64,
    },
}

/// Checks a receipt, in order: the signature under `key`; that the log
/// reaches its position; that the chain from 1 to there verifies and has
/// its hash there; that `as_of` still cuts the log at that position (so
/// the view re-opens as it was). `Ok(None)` when it holds.
pub fn verify_receipt(
    log: &LogReader,
    receipt: &Receipt,
    key: &VerifyingKey,
) -> Result<Option<ReceiptFault>, AuditError> {
    if !receipt.signed_by(key)? {
        return Ok(Some(ReceiptFault::Signature));
    }
    let fault = match chain_through(log, receipt.position, &receipt.head_hash)? {
        Some(ChainFault::Beyond { head }) => ReceiptFault::UnknownPosition { head },
        Some(ChainFault::Broken { first_bad, .. }) => ReceiptFault::ChainBroken { first_bad },
        Some(ChainFault::OtherHash { found }) => ReceiptFault::OtherHash { found },
        None => {
            let found = log.position_at(receipt.as_of)?;
            if found == receipt.position {
                return Ok(None);
            }
            ReceiptFault::NotPinned { found }
        }
    };
    Ok(Some(fault))
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
