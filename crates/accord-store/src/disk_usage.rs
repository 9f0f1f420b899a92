//! What a data folder holds, and what each kind of sled record costs: the
//! figures of docs/PERFORMANCE.md's "Disk per event", printed by
//! `cargo run --release -p accord-store --example disk_usage -- DIR`
//! (`scripts/bench-disk.sh` runs it on a generated log).
//!
//! Two views: the files (what `du` sees, by the folder's top-level entries)
//! and the records (the bytes of every key and value in sled's tree, by key
//! prefix, as the store hands them to sled before sled's own framing,
//! compression and garbage).

use std::fs;
use std::path::Path;

use crate::{keys, StoreError};

/// One kind of record of the log's tree, by key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKind {
    /// What the records are (`event`, `stream index`, ...).
    pub name: &'static str,
    /// How many records of this kind the tree holds.
    pub count: u64,
    /// The sum of their keys' lengths.
    pub key_bytes: u64,
    /// The sum of their values' lengths.
    pub value_bytes: u64,
}

/// One top-level entry of the data folder and the bytes it takes on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    /// Its name inside the data folder.
    pub name: String,
    /// Bytes allocated on disk (`st_blocks` × 512, as `du` counts), the
    /// entry's files summed when it is a folder.
    pub disk_bytes: u64,
    /// Apparent size (file lengths).
    pub apparent_bytes: u64,
}

/// The record kinds of the tree, in the order of the key layout (`keys`).
const KINDS: [(u8, &str); 6] = [
    (b'e', "event (hash ‖ compressed canonical JSON)"),
    (b's', "stream index"),
    (b'n', "stream number"),
    (b'c', "command record"),
    (b'h', "head"),
    (b'm', "metadata"),
];

/// Counts every record of `tree` by kind; keys of no known prefix are
/// counted as `other`.
pub(crate) fn records(tree: &sled::Tree) -> Result<Vec<RecordKind>, StoreError> {
    let mut kinds: Vec<RecordKind> = KINDS
        .iter()
        .map(|&(_, name)| RecordKind {
            name,
            count: 0,
            key_bytes: 0,
            value_bytes: 0,
        })
        .collect();
    kinds.push(RecordKind {
        name: "other",
        count: 0,
        key_bytes: 0,
        value_bytes: 0,
    });
    for item in tree.iter() {
        let (key, value) = item?;
        let at = KINDS
            .iter()
            .position(|&(prefix, _)| key.first() == Some(&prefix))
            .unwrap_or(KINDS.len());
        let kind = &mut kinds[at];
        kind.count += 1;
        kind.key_bytes += key.len() as u64;
        kind.value_bytes += value.len() as u64;
    }
    // The head's key is one byte: make sure it is not mistaken for another kind.
    debug_assert_eq!(keys::HEAD, b"h");
    Ok(kinds)
}

/// The top-level entries of `dir` with their sizes, largest first.
pub fn folder(dir: &Path) -> Result<Vec<FolderEntry>, StoreError> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let (disk_bytes, apparent_bytes) = sizes(&entry.path())?;
        entries.push(FolderEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            disk_bytes,
            apparent_bytes,
        });
    }
    entries.sort_by(|a, b| {
        b.disk_bytes
            .cmp(&a.disk_bytes)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(entries)
}

/// (bytes allocated, apparent bytes) of a file, or of a folder's files.
fn sizes(path: &Path) -> Result<(u64, u64), StoreError> {
    let metadata = fs::symlink_metadata(path)?;
    if !metadata.is_dir() {
        #[cfg(unix)]
        let allocated = std::os::unix::fs::MetadataExt::blocks(&metadata) * 512;
        #[cfg(not(unix))]
        let allocated = metadata.len();
        return Ok((allocated, metadata.len()));
    }
    let mut total = (0, 0);
    for entry in fs::read_dir(path)? {
        let (disk, apparent) = sizes(&entry?.path())?;
        total.0 += disk;
        total.1 += apparent;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_by_kind_with_their_key_and_value_bytes() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        db.insert(keys::event(1), vec![0u8; 100]).unwrap();
        db.insert(keys::event(2), vec![0u8; 50]).unwrap();
        db.insert(keys::stream_entry(1, 1), &1u64.to_be_bytes()[..])
            .unwrap();
        db.insert(keys::stream_number("agreement:x"), &1u64.to_be_bytes()[..])
            .unwrap();
        db.insert(keys::HEAD, vec![0u8; 56]).unwrap();
        db.insert(b"zz", vec![0u8; 3]).unwrap();

        let kinds = records(&db).unwrap();

        let kind = |name: &str| kinds.iter().find(|k| k.name.starts_with(name)).unwrap();
        assert_eq!(
            (
                kind("event").count,
                kind("event").key_bytes,
                kind("event").value_bytes
            ),
            (2, 18, 150)
        );
        let index = kind("stream index");
        assert_eq!(
            (index.count, index.key_bytes, index.value_bytes),
            (1, 17, 8)
        );
        let numbers = kind("stream number");
        assert_eq!(
            (numbers.count, numbers.key_bytes, numbers.value_bytes),
            (1, 12, 8)
        );
        assert_eq!((kind("head").count, kind("head").value_bytes), (1, 56));
        assert_eq!(kind("command record").count, 0);
        assert_eq!((kind("other").count, kind("other").key_bytes), (1, 2));
    }

    #[test]
    fn a_folder_is_listed_largest_first_with_its_subfolders_summed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("small"), [1u8; 10]).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub").join("a"), vec![1u8; 9000]).unwrap();
        std::fs::write(dir.path().join("sub").join("b"), vec![1u8; 9000]).unwrap();

        let entries = folder(dir.path()).unwrap();

        assert_eq!(entries[0].name, "sub");
        assert_eq!(entries[0].apparent_bytes, 18_000);
        assert!(entries[0].disk_bytes >= 18_000, "{entries:?}");
        assert_eq!(entries[1].name, "small");
        assert_eq!(entries[1].apparent_bytes, 10);
    }
}
