//! Attached files, named by the SHA-256 of their bytes (ADR 0030):
//! [`AttachmentStore`], the contract, and `AttachmentFiles`, its
//! implementation as files in `<data>/attachments/`.
//!
//! A file arrives in pieces ([`AttachmentUpload`]), never whole in memory:
//! each piece is written to `<uuid>.part` and hashed; at the end the file is
//! synced and renamed to `<sha256>`, its media type beside it in
//! `<sha256>.type` (renamed first), and the folder synced after each rename.
//! Only then does [`AttachmentUpload::finish`] return: a file it reported
//! is there after a crash. The same bytes again find their name taken and
//! write nothing. An upload dropped before `finish` removes its part file;
//! part files a crash left are removed when the folder is opened.

use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::durability::sync_dir;
use crate::StoreError;

/// The folder of the attachments inside the data folder.
pub const ATTACHMENTS_DIR: &str = "attachments";
const PART: &str = ".part";
const TYPE: &str = ".type";

/// A stored file: its name, size and media type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The media type it was first uploaded with.
    pub media_type: String,
}

/// What [`AttachmentUpload::finish`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub attachment: Attachment,
    /// False when the same bytes were stored already: nothing was written.
    pub created: bool,
}

/// Every stored file re-hashed ([`AttachmentStore::verify_attachments`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentVerification {
    /// True when every stored file hashes to its name.
    pub ok: bool,
    /// How many files were read.
    pub checked: u64,
    /// The names of the files whose bytes no longer hash to them, ascending.
    pub altered: Vec<String>,
}

/// The bytes of a stored file, read in order.
pub type AttachmentReader = Box<dyn Read + Send>;

/// Files named by their content's SHA-256, with their media type.
pub trait AttachmentStore: Send + Sync + 'static {
    /// Starts receiving a file, piece by piece.
    fn begin_upload(&self) -> Result<Box<dyn AttachmentUpload>, StoreError>;

    /// The stored file named `sha256`, if any.
    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StoreError>;

    /// The stored file named `sha256` and a reader of its bytes, if any.
    fn open_attachment(
        &self,
        sha256: &str,
    ) -> Result<Option<(Attachment, AttachmentReader)>, StoreError>;

    /// Re-hashes every stored file and names those whose bytes changed.
    fn verify_attachments(&self) -> Result<AttachmentVerification, StoreError>;
}

/// A file being received. Dropped before [`AttachmentUpload::finish`], it
/// leaves nothing behind.
pub trait AttachmentUpload: Send {
    /// Appends `piece` to the file.
    fn write(&mut self, piece: &[u8]) -> Result<(), StoreError>;

    /// The bytes received so far.
    fn size(&self) -> u64;

    /// Stores the file under its hash with `media_type` (unless the same
    /// bytes are stored already); durable before returning.
    fn finish(self: Box<Self>, media_type: &str) -> Result<Uploaded, StoreError>;
}

/// Whether `name` is a SHA-256 as attachments are named: 64 lowercase hex digits.
pub fn is_sha256(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `<data>/attachments/`: the file-system [`AttachmentStore`].
#[derive(Debug, Clone)]
pub struct AttachmentFiles {
    dir: PathBuf,
    sync: bool,
}

impl AttachmentFiles {
    /// Opens (creating) `<data>/attachments`, removing part files a crash left.
    pub fn open(data: &Path, sync: bool) -> Result<Self, StoreError> {
        let dir = data.join(ATTACHMENTS_DIR);
        fs::create_dir_all(&dir)?;
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(PART) {
                remove(&path)?;
            }
        }
        if sync {
            sync_dir(data)?;
        }
        Ok(AttachmentFiles { dir, sync })
    }

    /// Where the bytes named `sha256` are (whether or not they exist).
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    fn type_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}{TYPE}"))
    }

    fn read(&self, sha256: &str) -> Result<Option<(Attachment, File)>, StoreError> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        let file = match File::open(self.path(sha256)) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata()?.len();
        let media_type = fs::read_to_string(self.type_path(sha256))?;
        let attachment = Attachment {
            sha256: sha256.to_owned(),
            size,
            media_type,
        };
        Ok(Some((attachment, file)))
    }

    /// Writes `bytes` to `path` through a synced part file and a rename.
    fn put_small(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let part = self.dir.join(format!("{}{PART}", uuid::Uuid::now_v7()));
        let written = (|| {
            let mut file = File::create(&part)?;
            file.write_all(bytes)?;
            if self.sync {
                file.sync_data()?;
            }
            fs::rename(&part, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&part);
        }
        written?;
        self.sync_dir()
    }

    fn sync_dir(&self) -> Result<(), StoreError> {
        match self.sync {
            true => sync_dir(&self.dir),
            false => Ok(()),
        }
    }
}

impl AttachmentStore for AttachmentFiles {
    fn begin_upload(&self) -> Result<Box<dyn AttachmentUpload>, StoreError> {
        let part = self.dir.join(format!("{}{PART}", uuid::Uuid::now_v7()));
        let file = File::create(&part)?;
        Ok(Box::new(FileUpload {
            files: self.clone(),
            part,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
        }))
    }

    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StoreError> {
        Ok(self.read(sha256)?.map(|(attachment, _)| attachment))
    }

    fn open_attachment(
        &self,
        sha256: &str,
    ) -> Result<Option<(Attachment, AttachmentReader)>, StoreError> {
        Ok(self
            .read(sha256)?
            .map(|(attachment, file)| (attachment, Box::new(file) as AttachmentReader)))
    }

    fn verify_attachments(&self) -> Result<AttachmentVerification, StoreError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if is_sha256(&name) {
                names.push(name);
            }
        }
        names.sort_unstable();
        let mut altered = Vec::new();
        for name in &names {
            let mut file = match File::open(self.path(name)) {
                Ok(file) => file,
                // Removed while this looked: nothing stored to check.
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            if hash_of(&mut file)? != *name {
                altered.push(name.clone());
            }
        }
        Ok(AttachmentVerification {
            ok: altered.is_empty(),
            checked: names.len() as u64,
            altered,
        })
    }
}

/// The SHA-256 of everything `reader` yields, in pieces of 64 KiB.
pub(crate) fn hash_of(reader: &mut impl Read) -> Result<String, StoreError> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hex::encode(hasher.finalize())),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// An upload into a part file of [`AttachmentFiles`].
struct FileUpload {
    files: AttachmentFiles,
    part: PathBuf,
    /// None once finished (the part file renamed or removed).
    file: Option<File>,
    hasher: Sha256,
    size: u64,
}

impl AttachmentUpload for FileUpload {
    fn write(&mut self, piece: &[u8]) -> Result<(), StoreError> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| StoreError::Invalid("the upload is finished".into()))?;
        file.write_all(piece)?;
        self.hasher.update(piece);
        self.size += piece.len() as u64;
        Ok(())
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn finish(mut self: Box<Self>, media_type: &str) -> Result<Uploaded, StoreError> {
        let file = self
            .file
            .take()
            .ok_or_else(|| StoreError::Invalid("the upload is finished".into()))?;
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let files = &self.files;
        if let Some(attachment) = files.attachment(&sha256)? {
            drop(file);
            remove(&self.part)?;
            return Ok(Uploaded {
                attachment,
                created: false,
            });
        }
        if files.sync {
            file.sync_all()?;
        }
        drop(file);
        // The type first: a file under its name always has its type.
        files.put_small(&files.type_path(&sha256), media_type.as_bytes())?;
        fs::rename(&self.part, files.path(&sha256))?;
        files.sync_dir()?;
        Ok(Uploaded {
            attachment: Attachment {
                sha256,
                size: self.size,
                media_type: media_type.to_owned(),
            },
            created: true,
        })
    }
}

impl Drop for FileUpload {
    fn drop(&mut self) {
        // Unfinished or failed, its part file goes (a finished one is renamed already).
        let _ = fs::remove_file(&self.part);
    }
}

fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(files: &AttachmentFiles, pieces: &[&[u8]], media_type: &str) -> Uploaded {
        let mut upload = files.begin_upload().unwrap();
        for piece in pieces {
            upload.write(piece).unwrap();
        }
        upload.finish(media_type).unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_is_named_by_its_hash_and_stored_once() {
        let data = tempfile::tempdir().unwrap();
        let files = AttachmentFiles::open(data.path(), true).unwrap();
        let text = "Biên bản họp Đồng Nai – Lâm Đồng".as_bytes();
        let first = upload(&files, &[&text[..7], &text[7..]], "text/plain");
        let expected = hex::encode(Sha256::digest(text));
        assert!(first.created);
        assert_eq!(first.attachment.sha256, expected);
        assert_eq!(first.attachment.size, text.len() as u64);
        let again = upload(&files, &[text], "application/pdf");
        assert!(!again.created);
        assert_eq!(again.attachment, first.attachment, "the first type stays");
        let dir = data.path().join(ATTACHMENTS_DIR);
        assert_eq!(
            names(&dir),
            vec![expected.clone(), format!("{expected}.type")]
        );
        let (found, mut reader) = files.open_attachment(&expected).unwrap().unwrap();
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).unwrap();
        assert_eq!((found, bytes.as_slice()), (first.attachment, text));
        assert!(files.attachment(&"0".repeat(64)).unwrap().is_none());
        assert!(files.attachment("../db").unwrap().is_none());
    }

    #[test]
    fn an_unfinished_upload_and_a_crash_s_part_files_leave_nothing() {
        let data = tempfile::tempdir().unwrap();
        let files = AttachmentFiles::open(data.path(), false).unwrap();
        let dir = data.path().join(ATTACHMENTS_DIR);
        let mut dropped = files.begin_upload().unwrap();
        dropped.write(b"half a file").unwrap();
        assert_eq!(names(&dir).len(), 1);
        drop(dropped);
        assert!(names(&dir).is_empty());
        fs::write(dir.join(format!("leftover{PART}")), b"torn").unwrap();
        AttachmentFiles::open(data.path(), false).unwrap();
        assert!(names(&dir).is_empty());
    }

    #[test]
    fn verification_names_a_file_whose_bytes_changed() {
        let data = tempfile::tempdir().unwrap();
        let files = AttachmentFiles::open(data.path(), false).unwrap();
        let kept = upload(&files, &[b"%PDF-1.7 kept"], "application/pdf");
        let changed = upload(&files, &[b"%PDF-1.7 changed"], "application/pdf");
        let clean = files.verify_attachments().unwrap();
        assert_eq!((clean.ok, clean.checked), (true, 2));
        fs::write(files.path(&changed.attachment.sha256), b"%PDF-1.7 forged").unwrap();
        let report = files.verify_attachments().unwrap();
        assert!(!report.ok);
        assert_eq!(report.altered, vec![changed.attachment.sha256]);
        assert_ne!(report.altered[0], kept.attachment.sha256);
    }
}
