//! The append-only event log of Accord, on sled.
//!
//! The store knows nothing of agreements: an event is a type name, a schema
//! number and opaque JSON data, wrapped by the store in an [`Envelope`] that
//! gives it a gapless global position, a version in its stream, a
//! `recorded_at` that never decreases and a link in a SHA-256 hash chain.
//!
//! [`EventLog`] is the log's contract: append a batch, read a range, the
//! head, command records. What is not the log has contracts of its own, so a
//! backend implements each alone: [`SnapshotStore`], [`MetaStore`],
//! [`WebhookStore`], [`AttachmentStore`]; [`Stores`] bundles the five, [`LogReader`] is the
//! log's read side. [`SledStore`] implements all four on sled 0.34.7: one
//! writer appends batches (group commit: one atomic `apply_batch`, one
//! flush, one fdatasync per batch); readers never see past the durable head.
//!
//! Layout:
//! - `model`: the values in and out (writes, envelopes, actors and their
//!   [`Role`], records, head, verification).
//! - `store`: the [`EventLog`] trait, its reads built on [`EventLog::scan`].
//! - `apart`: [`SnapshotStore`] and [`MetaStore`]; `stores`: [`Stores`], [`LogReader`].
//! - `attachments`: [`AttachmentStore`], files named by their SHA-256, and
//!   [`AttachmentFiles`], its file-system implementation (ADR 0030).
//! - `sled_store`: [`SledStore`], its options and the trait implementations.
//! - `append`: checking a batch and turning it into one sled batch.
//! - `backend`: the same checks, envelopes and chain for other backends
//!   (PostgreSQL, `accord-store-pg`): [`check_writes`], [`plan_writes`],
//!   [`plan_import`].
//! - `reads`: ranges, stream versions and paging on sled.
//! - `verify`: walking the hash chain (for every backend).
//! - `chain`: the hash function; `keys`: the key layout and value codecs.
//! - `event_codec`: the event record's canonical JSON compressed with zstd
//!   and the log's dictionary (since data format 2, ADR 0048).
//! - `transfer`: export lines ([`RawEvent`]), linking ([`Linker`]) and imports.
//! - `durability`: what is fdatasynced after a flush, and why.
//! - `snapshot_files`: snapshots (derived data) as files beside sled's.
//! - `tamper`: raw edits for tamper tests (hidden from the docs).
//! - `webhook_store`: [`WebhookStore`], webhook state apart from the log;
//!   `webhook_db`: its sled database and committer (ADR 0018).
//! - `disk_usage`: what a data folder holds, by file and by kind of record
//!   (docs/PERFORMANCE.md, "Disk per event").
//! - `data_format`: the data folder's format version ([`DATA_FORMAT`]),
//!   checked before anything else is opened.
//! - `watermark`: the durable head kept in a file beside sled's, so a log
//!   sled reopens shorter or different is refused ([`Damage`], ADR 0029).

mod apart;
mod append;
mod attachments;
mod backend;
mod chain;
mod command_record;
mod data_format;
mod disk_usage;
mod durability;
mod error;
mod event_codec;
mod keys;
mod model;
mod named_files;
mod reads;
mod sled_store;
mod snapshot_files;
mod store;
mod stores;
mod tamper;
mod transfer;
mod verify;
mod watermark;
mod webhook_db;
mod webhook_store;

pub use apart::{MetaStore, SnapshotStore};
pub use attachments::{
    is_sha256, Attachment, AttachmentFiles, AttachmentReader, AttachmentStore, AttachmentUpload,
    AttachmentVerification, Uploaded, ATTACHMENTS_DIR,
};
pub use backend::{chain_link, check_writes, plan_import, plan_writes, PlannedBatch, PlannedEvent};
pub use data_format::{DATA_FORMAT, FORMAT_FILE};
pub use disk_usage::{folder as folder_usage, FolderEntry, RecordKind};
pub use error::StoreError;
pub use model::{
    Actor, CommandRecord, Envelope, EventRef, Head, NewEvent, Role, Staged, StoredEvent,
    Verification, Write,
};
pub use named_files::{
    named_file, verify_named_files, FileFault, FileProblem, NamedFilesVerification,
};
pub use sled_store::{Clock, SledStore, StoreOptions};
pub use store::{EventLog, Reach, StoredBytes};
pub use stores::{LogReader, Stores};
#[doc(hidden)]
pub use tamper::Tamper;
pub use transfer::{FilePiece, Linker, PieceFollower, RawEvent};
pub use watermark::{Damage, WATERMARK_FILE};
pub use webhook_store::{WebhookChange, WebhookDone, WebhookEntry, WebhookStore};
