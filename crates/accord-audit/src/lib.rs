//! Signed checkpoints of Accord's hash chain (ADR 0012).
//!
//! The hash chain proves that no event was altered, removed or reordered
//! *unless* the whole chain after the damage was rewritten consistently.
//! A checkpoint closes that gap: the service signs `(position, head_hash,
//! recorded_at)` with its Ed25519 key, an auditor keeps the checkpoint outside
//! the machine, and later checks that the stored chain still passes through
//! it. A rewritten chain has another hash at that position, whoever holds the
//! disk.
//!
//! Layout:
//! - `key`: the service's [`Signer`], its key file in the data folder
//!   (`audit/ed25519.key`, mode 0600, never served) and [`PublicKey`].
//! - `checkpoint`: the [`Checkpoint`] value and its canonical signed message.
//! - `receipt`: [`Receipt`], the signed statement that a printed or
//!   downloaded view reflects the log up to a position (ADR 0027).
//! - `check`: [`verify_checkpoint`] and [`verify_receipt`], against a store.
//! - `error`: [`AuditError`].

mod check;
mod checkpoint;
mod error;
mod key;
mod receipt;

pub use check::{verify_checkpoint, verify_receipt, CheckpointCheck, ReceiptFault};
pub use checkpoint::{Checkpoint, ALGORITHM};
pub use ed25519_dalek::VerifyingKey;
pub use error::AuditError;
pub use key::{key_path, parse_public_key, PublicKey, Signer};
pub use receipt::{Receipt, RECEIPT_TAG};
