//! The append-only event log of Accord, on sled.
//!
//! The store knows nothing of agreements: an event is a type name, a schema
//! number and opaque JSON data, wrapped by the store in an [`Envelope`] that
//! gives it a gapless global position, a version in its stream, a
//! `recorded_at` that never decreases and a link in a SHA-256 hash chain.
//!
//! [`EventStore`] is the contract; [`SledStore`] implements it on sled 0.34.7.
//! One writer appends batches (group commit: one atomic `apply_batch`, one
//! flush, one fdatasync per batch); readers never see past the durable head.
//!
//! Layout:
//! - `model`: the values in and out (writes, envelopes, records, head, verification).
//! - `store`: the [`EventStore`] trait.
//! - `sled_store`: [`SledStore`], its options and the trait implementation.
//! - `append`: checking a batch and turning it into one sled batch.
//! - `reads`: decoding, stream versions, paging and the time search.
//! - `verify`: walking the hash chain.
//! - `chain`: the hash function; `keys`: the key layout and value codecs.
//! - `transfer`: export lines ([`RawEvent`]), linking ([`Linker`]) and imports.
//! - `durability`: what is fdatasynced after a flush, and why.
//! - `snapshot_files`: snapshots (derived data) as files beside sled's.
//! - `tamper`: raw edits for tamper tests (hidden from the docs).
//! - `webhook_store`: [`WebhookStore`], webhook state apart from the log;
//!   `webhook_db`: its sled database and committer (ADR 0018).
//! - `data_format`: the data folder's format version ([`DATA_FORMAT`]),
//!   checked before anything else is opened.

mod append;
mod chain;
mod command_record;
mod data_format;
mod durability;
mod error;
mod keys;
mod model;
mod reads;
mod sled_store;
mod snapshot_files;
mod store;
mod tamper;
mod transfer;
mod verify;
mod webhook_db;
mod webhook_store;

pub use data_format::{DATA_FORMAT, FORMAT_FILE};
pub use error::StoreError;
pub use model::{
    Actor, CommandRecord, Envelope, EventRef, Head, NewEvent, Staged, StoredEvent, Verification,
    Write,
};
pub use sled_store::{Clock, SledStore, StoreOptions};
pub use store::EventStore;
#[doc(hidden)]
pub use tamper::Tamper;
pub use transfer::{Linker, RawEvent};
pub use webhook_store::{WebhookChange, WebhookDone, WebhookEntry, WebhookStore};
