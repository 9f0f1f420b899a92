//! The data folder's format version: `<data>/FORMAT`, one line
//! `accord-data <version>`, written when the folder is created.
//!
//! A plain file, read before sled is opened, so a folder this build cannot
//! read is refused with a message naming both versions even when sled itself
//! could not open it. Everything in the folder (the log's keys and records,
//! the webhook database, the snapshot files' names) is what version
//! [`DATA_FORMAT`] writes; a folder of another version is refused whole,
//! never read in part. Moving a log between versions goes through an
//! export and an import (ADR 0013), which carry the events' exact bytes.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::Path;

use crate::durability::sync_dir;
use crate::StoreError;

/// The data format this build reads and writes.
///
/// - 1: the log's records as ADR 0024 lists them, the event's canonical
///   JSON stored as it is.
/// - 2: the same records, the event's canonical JSON compressed with zstd
///   and the log's dictionary (`event_codec`, ADR 0048). A build of format
///   2 cannot read format 1's event records, so such a folder is refused,
///   with its way across (export, then import).
/// - 3: format 2's records, the stream index keyed by a number given to
///   each stream (`n ‖ stream name → number`, `s ‖ number ‖ version`)
///   instead of by its name, in sled databases of 2 MiB segments (ADR
///   0055). Folders of format 1 or 2 are refused the same way.
pub const DATA_FORMAT: u32 = 3;

/// The marker's file name, inside the data folder.
pub const FORMAT_FILE: &str = "FORMAT";

/// What precedes the version number in the marker.
const TAG: &str = "accord-data";

/// Files sled creates in a folder it has opened: a folder holding one
/// holds a log, whatever else it holds.
const SLED_FILES: [&str; 2] = ["conf", "db"];

/// Checks that `dir` is a data folder of [`DATA_FORMAT`], making it one if
/// it holds no log yet (creating the folder if needed). The marker is
/// written to a temporary file, synced, renamed and the folder synced when
/// `sync`, so a crash leaves either no marker or a whole one.
pub(crate) fn check_or_create(dir: &Path, sync: bool) -> Result<(), StoreError> {
    fs::create_dir_all(dir)?;
    let found = match fs::read_to_string(dir.join(FORMAT_FILE)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if holds_a_log(dir)? {
                return Err(refusal(dir, "unknown (a log without a FORMAT file)"));
            }
            return create(dir, sync);
        }
        Err(e) => return Err(e.into()),
    };
    match version(&found) {
        Some(DATA_FORMAT) => Ok(()),
        Some(other) => Err(refusal(dir, &other.to_string())),
        None => Err(refusal(
            dir,
            &format!("unknown (its FORMAT file reads {:?})", found.trim()),
        )),
    }
}

/// The version a marker names, if it is one.
fn version(marker: &str) -> Option<u32> {
    let number = marker.trim_end().strip_prefix(TAG)?.strip_prefix(' ')?;
    number.parse().ok()
}

fn holds_a_log(dir: &Path) -> Result<bool, StoreError> {
    for name in SLED_FILES {
        match fs::symlink_metadata(dir.join(name)) {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(false)
}

fn create(dir: &Path, sync: bool) -> Result<(), StoreError> {
    let temporary = dir.join(format!("{FORMAT_FILE}.tmp"));
    let mut file = File::create(&temporary)?;
    writeln!(file, "{TAG} {DATA_FORMAT}")?;
    if sync {
        file.sync_all()?;
    }
    fs::rename(&temporary, dir.join(FORMAT_FILE))?;
    if sync {
        sync_dir(dir)?;
    }
    Ok(())
}

fn refusal(dir: &Path, found: &str) -> StoreError {
    StoreError::Format {
        folder: dir.display().to_string(),
        found: found.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_names_its_version_and_nothing_else_does() {
        assert_eq!(version("accord-data 1\n"), Some(1));
        assert_eq!(version("accord-data 2\n"), Some(2));
        assert_eq!(version("accord-data 3\n"), Some(3));
        assert_eq!(version("accord-data 27"), Some(27));
        assert_eq!(version("accord-data"), None);
        assert_eq!(version("accord-data x"), None);
        assert_eq!(version("other-data 1"), None);
        assert_eq!(version("accord-data  1"), None);
    }
}
