//! Snapshots as files, one per position, in `<data>/snapshots/` (ADR 0019).
//!
//! They were values of a sled tree. sled 0.34 splits a leaf only past 16
//! keys, so every snapshot sat in one node: reading the latest one, listing
//! them or writing a new one read or rewrote all of them (at a million
//! events, gigabytes for one start-up), and sled's page cache kept them.
//! As files, each read touches one snapshot and a listing reads a directory.
//!
//! `<position, 20 digits>.snap`, written as `.tmp`, synced, renamed and the
//! directory synced: a crash leaves the old set or the new one, never a
//! torn file under a snapshot's name. A deletion is not synced (a deletion
//! lost in a crash only leaves one more snapshot).

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::durability::sync_dir;
use crate::StoreError;

const SUFFIX: &str = ".snap";
const TEMPORARY: &str = ".snap.tmp";

/// The snapshot folder of a store.
pub(crate) struct SnapshotFiles {
    dir: PathBuf,
    sync: bool,
}

impl SnapshotFiles {
    /// Opens (creating) `<data>/snapshots`, removing temporary files a crash left.
    pub(crate) fn open(data: &Path, sync: bool) -> Result<Self, StoreError> {
        let dir = data.join("snapshots");
        fs::create_dir_all(&dir)?;
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(TEMPORARY) {
                remove(&path)?;
            }
        }
        if sync {
            sync_dir(data)?;
        }
        Ok(SnapshotFiles { dir, sync })
    }

    /// Writes the snapshot at `position`, replacing any; durable when `sync`.
    pub(crate) fn put(&self, position: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let temporary = self.dir.join(format!("{position:020}{TEMPORARY}"));
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        if self.sync {
            file.sync_data()?;
        }
        fs::rename(&temporary, self.path(position))?;
        if self.sync {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// The snapshot with the greatest position ≤ `position`, if any. One
    /// deleted while this looked is skipped for the one before it.
    pub(crate) fn at_or_before(&self, position: u64) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        for at in self
            .positions()?
            .into_iter()
            .rev()
            .filter(|p| *p <= position)
        {
            match fs::read(self.path(at)) {
                Ok(bytes) => return Ok(Some((at, bytes))),
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    /// The positions of every snapshot, ascending.
    pub(crate) fn positions(&self) -> Result<Vec<u64>, StoreError> {
        let mut positions = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            let number = name.strip_suffix(SUFFIX).filter(|n| n.len() == 20);
            if let Some(position) = number.and_then(|n| n.parse().ok()) {
                positions.push(position);
            }
        }
        positions.sort_unstable();
        Ok(positions)
    }

    /// Deletes the snapshot at `position`, if there is one. Not synced.
    pub(crate) fn delete(&self, position: u64) -> Result<(), StoreError> {
        remove(&self.path(position))
    }

    fn path(&self, position: u64) -> PathBuf {
        self.dir.join(format!("{position:020}{SUFFIX}"))
    }
}

fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
