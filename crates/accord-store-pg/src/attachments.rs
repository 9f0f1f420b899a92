//! Attached files in the database, named by their SHA-256 (ADR 0030): a
//! row per file and its bytes in pieces of [`PIECE`] bytes, so that no file
//! is ever whole in memory. An upload goes to a temporary file while it is
//! hashed; `finish` copies it into the database in one transaction.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use accord_store::{
    is_sha256, Attachment, AttachmentReader, AttachmentStore, AttachmentUpload,
    AttachmentVerification, StoreError, Uploaded,
};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};

use crate::{from_sql, pg_error, pool_error, wait, PgStore};

/// Bytes per stored piece.
const PIECE: usize = 1024 * 1024;

async fn attachment(pool: Pool, sha256: String) -> Result<Option<(Attachment, i32)>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let row = crate::row_opt(
        &client,
        "SELECT size, media_type, pieces FROM accord_attachments WHERE sha256 = $1",
        &[&sha256],
    )
    .await?;
    row.map(|row| {
        let attachment = Attachment {
            sha256,
            size: from_sql(row.get(0))?,
            media_type: row.get(1),
        };
        Ok((attachment, row.get(2)))
    })
    .transpose()
}

async fn piece(pool: Pool, sha256: String, n: i32) -> Result<Vec<u8>, StoreError> {
    let client = pool.get().await.map_err(pool_error)?;
    let row = crate::row_opt(
        &client,
        "SELECT bytes FROM accord_attachment_pieces WHERE sha256 = $1 AND piece = $2",
        &[&sha256, &n],
    )
    .await?;
    row.map(|row| row.get(0))
        .ok_or_else(|| StoreError::Corrupt(format!("attachment {sha256}: piece {n} is missing")))
}

impl AttachmentStore for PgStore {
    fn begin_upload(&self) -> Result<Box<dyn AttachmentUpload>, StoreError> {
        Ok(Box::new(PgUpload {
            pool: self.pool.clone(),
            handle: self.handle.clone(),
            file: tempfile::tempfile()?,
            hasher: Sha256::new(),
            size: 0,
        }))
    }

    fn attachment(&self, sha256: &str) -> Result<Option<Attachment>, StoreError> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        let sha256 = sha256.to_owned();
        let found = self.run(move |pool| attachment(pool, sha256))?;
        Ok(found.map(|(attachment, _)| attachment))
    }

    fn open_attachment(
        &self,
        sha256: &str,
    ) -> Result<Option<(Attachment, AttachmentReader)>, StoreError> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        let name = sha256.to_owned();
        let Some((attachment, pieces)) = self.run(move |pool| attachment(pool, name))? else {
            return Ok(None);
        };
        let reader = PieceReader {
            pool: self.pool.clone(),
            handle: self.handle.clone(),
            sha256: attachment.sha256.clone(),
            pieces,
            next: 0,
            buffer: Vec::new(),
            at: 0,
        };
        Ok(Some((attachment, Box::new(reader))))
    }

    fn verify_attachments(&self) -> Result<AttachmentVerification, StoreError> {
        let names: Vec<(String, i32)> = self.run(move |pool| async move {
            let client = pool.get().await.map_err(pool_error)?;
            let rows = crate::rows(
                &client,
                "SELECT sha256, pieces FROM accord_attachments ORDER BY sha256",
                &[],
            )
            .await?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })?;
        let mut altered = Vec::new();
        for (name, pieces) in &names {
            let mut hasher = Sha256::new();
            for n in 0..*pieces {
                let (sha256, n) = (name.clone(), n);
                hasher.update(self.run(move |pool| piece(pool, sha256, n))?);
            }
            if hex::encode(hasher.finalize()) != *name {
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

/// An upload into a temporary file, copied into the database at the end.
struct PgUpload {
    pool: Pool,
    handle: tokio::runtime::Handle,
    file: File,
    hasher: Sha256,
    size: u64,
}

impl AttachmentUpload for PgUpload {
    fn write(&mut self, piece: &[u8]) -> Result<(), StoreError> {
        self.file.write_all(piece)?;
        self.hasher.update(piece);
        self.size += piece.len() as u64;
        Ok(())
    }

    fn size(&self) -> u64 {
        self.size
    }

    fn finish(mut self: Box<Self>, media_type: &str) -> Result<Uploaded, StoreError> {
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let name = sha256.clone();
        if let Some((attachment, _)) = wait(
            &self.handle,
            crate::within(self.pool.clone(), attachment(self.pool.clone(), name)),
        )? {
            return Ok(Uploaded {
                attachment,
                created: false,
            });
        }
        self.file.seek(SeekFrom::Start(0))?;
        let (pool, size, media) = (self.pool.clone(), self.size, media_type.to_owned());
        let name = sha256.clone();
        let mut file = self.file.try_clone()?;
        // No deadline: the whole file in one transaction (ADR 0052).
        let created = wait(&self.handle, async move {
            let mut client = pool.get().await.map_err(pool_error)?;
            let transaction = client.transaction().await.map_err(pg_error)?;
            let count = i32::try_from(size.div_ceil(PIECE as u64))
                .map_err(|_| StoreError::Invalid("the file is too large".into()))?;
            let inserted = transaction
                .execute(
                    "INSERT INTO accord_attachments (sha256, size, media_type, pieces) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
                    &[&name, &crate::to_sql(size), &media, &count],
                )
                .await
                .map_err(pg_error)?;
            if inserted == 0 {
                return Ok(false);
            }
            let mut n = 0i32;
            loop {
                let mut bytes = Vec::with_capacity(PIECE);
                (&mut file).take(PIECE as u64).read_to_end(&mut bytes)?;
                if bytes.is_empty() {
                    break;
                }
                transaction
                    .execute(
                        "INSERT INTO accord_attachment_pieces (sha256, piece, bytes) \
                         VALUES ($1, $2, $3)",
                        &[&name, &n, &bytes],
                    )
                    .await
                    .map_err(pg_error)?;
                n += 1;
            }
            transaction.commit().await.map_err(pg_error)?;
            Ok(true)
        })?;
        let attachment = Attachment {
            sha256,
            size: self.size,
            media_type: media_type.to_owned(),
        };
        Ok(Uploaded {
            attachment,
            created,
        })
    }
}

/// Reads a stored file piece by piece.
struct PieceReader {
    pool: Pool,
    handle: tokio::runtime::Handle,
    sha256: String,
    pieces: i32,
    next: i32,
    buffer: Vec<u8>,
    at: usize,
}

impl Read for PieceReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.buffer.len() {
            if self.next >= self.pieces {
                return Ok(0);
            }
            let (pool, sha256, n) = (self.pool.clone(), self.sha256.clone(), self.next);
            self.buffer = wait(
                &self.handle,
                crate::within(pool.clone(), piece(pool, sha256, n)),
            )
            .map_err(|e| std::io::Error::other(e.to_string()))?;
            self.next += 1;
            self.at = 0;
        }
        let n = out.len().min(self.buffer.len() - self.at);
        out[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
