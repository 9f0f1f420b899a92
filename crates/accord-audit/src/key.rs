//! The service's Ed25519 key: generated at first start, kept in the data
//! folder with mode 0600, never served; its public half is.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use accord_store::Head;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::{AuditError, Checkpoint, Receipt, ALGORITHM};

/// Where the key lives inside a data folder: `<data>/audit/ed25519.key`
/// (64 hex digits of the secret seed and a newline).
pub fn key_path(data: &Path) -> PathBuf {
    data.join("audit").join("ed25519.key")
}

/// The public key as served by `GET /v1/audit/public-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// Base64 (standard, padded) of the 32-byte key.
    pub public_key: String,
    /// The same 32 bytes in lowercase hex.
    pub public_key_hex: String,
}

impl PublicKey {
    /// The served form of `key`.
    pub fn of(key: &VerifyingKey) -> Self {
        PublicKey {
            algorithm: ALGORITHM.to_owned(),
            public_key: BASE64.encode(key.as_bytes()),
            public_key_hex: hex::encode(key.as_bytes()),
        }
    }
}

/// Reads a public key an auditor kept: base64 or hex of the 32 bytes, or the
/// JSON answer of `GET /v1/audit/public-key` as it was saved.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, AuditError> {
    let text = text.trim();
    let encoded = match text.starts_with('{') {
        true => {
            serde_json::from_str::<PublicKey>(text)
                .map_err(|e| AuditError::malformed("public key", e))?
                .public_key
        }
        false => text.to_owned(),
    };
    let bytes = match encoded.len() {
        64 => hex::decode(&encoded).map_err(|e| AuditError::malformed("public key", e))?,
        _ => BASE64
            .decode(&encoded)
            .map_err(|e| AuditError::malformed("public key", e))?,
    };
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| AuditError::malformed("public key", "expected 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| AuditError::malformed("public key", e))
}

/// The service's signing key. Its `Debug` never shows the secret.
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field(
                "public_key",
                &PublicKey::of(&self.verifying_key()).public_key,
            )
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A fresh key from the operating system's random source (not stored).
    pub fn generate() -> Self {
        Signer {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// Loads the key of the data folder `data`, generating and storing it on
    /// first use. The caller must hold the folder (the store's lock), so two
    /// processes never race to create it.
    pub fn load_or_create(data: &Path) -> Result<Self, AuditError> {
        match Self::load(data) {
            Err(AuditError::Key { .. }) if !key_path(data).exists() => {
                let signer = Self::generate();
                signer.store(&key_path(data))?;
                Ok(signer)
            }
            other => other,
        }
    }

    /// Loads the key of the data folder `data`; `Key` if it is missing or unreadable.
    pub fn load(data: &Path) -> Result<Self, AuditError> {
        Self::load_file(&key_path(data))
    }

    /// Generates a key and writes it to `path` in the key file's format (64
    /// hex digits of the secret seed and a newline), with mode 0600; a file
    /// already there is never overwritten. What `accord key create` makes:
    /// the key every node of a cluster is given (`--signing-key`).
    pub fn create_file(path: &Path) -> Result<Self, AuditError> {
        let signer = Self::generate();
        signer.store(path)?;
        Ok(signer)
    }

    /// Loads the key file at `path` (`--signing-key`, or the data folder's);
    /// `Key` if it is missing or unreadable.
    pub fn load_file(path: &Path) -> Result<Self, AuditError> {
        let path = path.to_path_buf();
        let error = |detail: String| AuditError::Key {
            path: path.display().to_string(),
            detail,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| error(e.to_string()))?;
        let seed: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| error("not 64 hex digits".into()))?;
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Writes the seed with mode 0600 (created exclusively), syncs the file and its folder.
    fn store(&self, path: &Path) -> Result<(), AuditError> {
        let error = |e: std::io::Error| AuditError::Key {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(folder).map_err(error)?;
        let mut file = create_private(path).map_err(error)?;
        writeln!(file, "{}", hex::encode(self.key.to_bytes())).map_err(error)?;
        file.sync_all().map_err(error)?;
        File::open(folder)
            .and_then(|dir| dir.sync_all())
            .map_err(error)
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public half as served.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::of(&self.verifying_key())
    }

    /// A signed checkpoint of `head`; None for an empty log (nothing to commit to).
    pub fn checkpoint(&self, head: &Head) -> Option<Checkpoint> {
        let recorded_at = head.recorded_at?;
        let head_hash = hex::encode(head.hash);
        let message = Checkpoint::message(head.position, &head_hash, recorded_at);
        Some(Checkpoint {
            position: head.position,
            head_hash,
            recorded_at,
            signature: BASE64.encode(self.key.sign(&message).to_bytes()),
            algorithm: ALGORITHM.to_owned(),
            public_key: Some(self.public_key().public_key),
        })
    }
}

impl Signer {
    /// A signed receipt of `view` at `at` as known at `as_of`, reflecting
    /// the log up to `position` whose hash is `head_hash` (ADR 0027).
    pub fn receipt(
        &self,
        view: &str,
        at: time::Date,
        as_of: time::OffsetDateTime,
        position: u64,
        head_hash: &str,
    ) -> Receipt {
        let message = Receipt::message(view, at, as_of, position, head_hash);
        Receipt {
            view: view.to_owned(),
            at,
            as_of: as_of.to_offset(time::UtcOffset::UTC),
            position,
            head_hash: head_hash.to_owned(),
            signature: BASE64.encode(self.key.sign(&message).to_bytes()),
        }
    }
}

/// Creates a file only its owner can read, failing if it exists.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| match e.kind() {
        ErrorKind::AlreadyExists => std::io::Error::new(e.kind(), "the key file already exists"),
        _ => e,
    })
}
