//! Making a flushed sled write survive a power loss.
//!
//! sled 0.34.7 writes its log into one file, `<dir>/db`, and `Db::flush` ends
//! with `sync_file_range`, which pushes the pages to the device but does not
//! flush the device's cache nor the file's metadata: it survives a process crash,
//! not a power loss. So after each flush the store calls `fdatasync` on its own
//! handle of `db` (a sync acts on the file, whichever handle asks).
//!
//! Values too large for a log segment (over ~128 KiB with the default 512 KiB
//! segments) go to `<dir>/blobs/<lsn>`, written without any sync; each new blob
//! file and the `blobs` directory are synced too. At open, `conf` (written once by
//! sled without a sync), `blobs/`, the data folder and its parent are synced, so
//! a freshly created store's files are reachable after a power loss.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::StoreError;

/// Syncs sled's files after a flush; does nothing when disabled (benchmarks only).
pub(crate) struct Durability {
    data_file: Option<File>,
    blobs_dir: PathBuf,
    synced_blobs: Mutex<HashSet<OsString>>,
}

impl Durability {
    /// Opens the handles and syncs what sled created without syncing.
    pub(crate) fn open(dir: &Path, enabled: bool) -> Result<Self, StoreError> {
        let durability = Durability {
            data_file: match enabled {
                true => Some(File::open(dir.join("db"))?),
                false => None,
            },
            blobs_dir: dir.join("blobs"),
            synced_blobs: Mutex::default(),
        };
        if enabled {
            File::open(dir.join("conf"))?.sync_all()?;
            durability.sync_new_blobs()?;
            sync_dir(dir)?;
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(durability)
    }

    /// Makes everything sled has flushed durable.
    pub(crate) fn sync(&self) -> Result<(), StoreError> {
        let Some(file) = &self.data_file else {
            return Ok(());
        };
        file.sync_data()?;
        self.sync_new_blobs()
    }

    /// Syncs blob files not synced yet, then the directory that names them.
    fn sync_new_blobs(&self) -> Result<(), StoreError> {
        let mut synced = self.synced_blobs.lock().unwrap_or_else(|e| e.into_inner());
        let mut present = HashSet::new();
        let mut new = false;
        for entry in std::fs::read_dir(&self.blobs_dir)? {
            let name = entry?.file_name();
            if !synced.contains(&name) {
                new |= sync_blob(&self.blobs_dir.join(&name))?;
            }
            present.insert(name);
        }
        if new {
            sync_dir(&self.blobs_dir)?;
        }
        // sled deletes blobs it no longer needs; forget them so the set stays small.
        *synced = present;
        Ok(())
    }
}

/// Syncs one blob; false if sled removed it meanwhile.
fn sync_blob(path: &Path) -> Result<bool, StoreError> {
    match File::open(path) {
        Ok(file) => file.sync_data().map(|()| true).map_err(Into::into),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Syncs a directory so the entries created in it survive a power loss.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)?.sync_all()?;
    Ok(())
}
