//! The one error type of the store.

use uuid::Uuid;

/// Why a store operation failed.
///
/// `Conflict`, `DuplicateCommand` and `Invalid` are refusals of an `append`:
/// nothing was written. `Corrupt` means stored bytes could not be decoded;
/// `Io` wraps sled and file-system failures, after which a writer should stop
/// (the process restarts from what is durable). `Format`, `Damaged` and
/// `Unopenable` refuse a whole data folder at open.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's `expected_version` was not the stream's version.
    #[error("version conflict on stream {stream}: expected {expected}, actual {actual}")]
    Conflict {
        /// The stream written to.
        stream: String,
        /// The version the write expected.
        expected: u64,
        /// The version the stream had (counting earlier writes of the same batch).
        actual: u64,
    },
    /// The command id is already stored, or appears twice in one batch.
    #[error("command {0} was already appended")]
    DuplicateCommand(Uuid),
    /// The write is malformed (no events, an unusable stream name).
    #[error("invalid write: {0}")]
    Invalid(String),
    /// The database the store is in could not be reached or went away
    /// (PostgreSQL): nothing was read or written; trying again later may
    /// succeed.
    #[error("{0}")]
    Unavailable(String),
    /// Another process appended to a shared log after the batch was
    /// staged on its head (ADR 0044): nothing of the batch was written,
    /// the store accepts writes staged on the new head.
    #[error("the log's head moved to {found} while a batch after {base} was written: another process appended")]
    HeadMoved {
        /// The head the batch was staged on.
        base: u64,
        /// The head found.
        found: u64,
    },
    /// A stored record could not be decoded.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// sled or the file system failed.
    #[error("storage error: {0}")]
    Io(String),
    /// The data folder was written in another format than this build reads
    /// ([`crate::DATA_FORMAT`]): nothing in it was opened.
    #[error(
        "the data folder {folder} is in data format {found}, but this accord reads data format \
         {expected}: export its log with the accord that wrote it (`accord export`) and import \
         the export into a new folder with this one (`accord import`)",
        expected = crate::DATA_FORMAT
    )]
    Format {
        /// The data folder.
        folder: String,
        /// The version its marker names, or why it names none.
        found: String,
    },
    /// The data folder's log is shorter than its watermark or differs at
    /// it (ADR 0029): it is not served, nothing is appended to it.
    #[error(
        "the data folder {folder} is damaged: {reason}. It is not served and nothing is \
         written to it. `accord verify --data {folder}` names the first bad position; \
         restore the log from an export (`accord import --data NEW_FOLDER EXPORT_FILE`) \
         or from a backup of the folder"
    )]
    Damaged {
        /// The data folder.
        folder: String,
        /// What is wrong with it.
        reason: String,
    },
    /// sled cannot open the data folder's files (ADR 0029).
    #[error(
        "the data folder {folder} cannot be opened: sled reads its files as damaged or not \
         its own ({cause}). It is not served and nothing is written to it. Restore the log \
         from an export (`accord import --data NEW_FOLDER EXPORT_FILE`) or from a backup \
         of the folder"
    )]
    Unopenable {
        /// The data folder.
        folder: String,
        /// sled's error.
        cause: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        match error {
            sled::Error::Corruption { .. } => StoreError::Corrupt(error.to_string()),
            other => StoreError::Io(other.to_string()),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        StoreError::Io(error.to_string())
    }
}
