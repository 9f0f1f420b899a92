//! Raw edits of stored records, to simulate someone with disk access.
//! Only tests and audits use this; it bypasses every check of the store.

use std::path::Path;

use crate::event_codec::Compressor;
use crate::{chain, keys, watermark, StoreError};

/// Overwrites, deletes or swaps raw event records. Each edit is flushed.
///
/// The in-memory head is left alone, as it would be by someone editing the disk
/// under a running server; `verify` is what must notice.
#[doc(hidden)]
pub struct Tamper<'a> {
    pub(crate) tree: &'a sled::Tree,
    /// The data folder, whose watermark a forger rewrites too.
    pub(crate) dir: &'a Path,
    /// The open store's watermark keeper, brought up to date before the
    /// forger's mark so that it does not overwrite it.
    pub(crate) keeper: Option<&'a watermark::Keeper>,
}

impl Tamper<'_> {
    /// The canonical bytes stored at `position` (without the hash).
    pub fn event_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(value) = self.tree.get(keys::event(position))? else {
            return Ok(None);
        };
        Ok(Some(keys::decode_event(&value)?.1))
    }

    /// Replaces the canonical bytes at `position`, keeping the stored hash
    /// (an edit by someone who does not recompute hashes).
    pub fn overwrite_event_bytes(&self, position: u64, canonical: &[u8]) -> Result<(), StoreError> {
        let value = self
            .tree
            .get(keys::event(position))?
            .ok_or_else(|| StoreError::Invalid(format!("no event at position {position}")))?;
        let hash = keys::event_hash(&value)?;
        self.overwrite_event(position, &hash, canonical)
    }

    /// Replaces the whole record at `position` (an edit by someone who recomputes the hash).
    pub fn overwrite_event(
        &self,
        position: u64,
        hash: &[u8; 32],
        canonical: &[u8],
    ) -> Result<(), StoreError> {
        let key = keys::event(position);
        let mut compressor = Compressor::new()?;
        self.tree.insert(
            &key[..],
            keys::encode_event(hash, canonical, &mut compressor)?,
        )?;
        self.flush()
    }

    /// Deletes the record at `position`.
    pub fn remove_event(&self, position: u64) -> Result<(), StoreError> {
        self.tree.remove(keys::event(position))?;
        self.flush()
    }

    /// Exchanges the records at positions `a` and `b`.
    pub fn swap_events(&self, a: u64, b: u64) -> Result<(), StoreError> {
        let missing = |p: u64| StoreError::Invalid(format!("no event at position {p}"));
        let first = self.tree.get(keys::event(a))?.ok_or_else(|| missing(a))?;
        let second = self.tree.get(keys::event(b))?.ok_or_else(|| missing(b))?;
        self.tree.insert(&keys::event(a)[..], second)?;
        self.tree.insert(&keys::event(b)[..], first)?;
        self.flush()
    }

    /// Replaces the canonical bytes at `position` and then, like a forger who
    /// knows the chain, rewrites every later event's `prev_hash`, every hash
    /// and the head record so that the whole log verifies again. Only a hash
    /// kept outside the machine (a signed checkpoint) can tell.
    pub fn rewrite_chain_from(&self, position: u64, canonical: &[u8]) -> Result<(), StoreError> {
        let mut prev = match position {
            1 => chain::GENESIS,
            p => self.stored_hash(p - 1)?,
        };
        let mut bytes = canonical.to_vec();
        let mut at = position;
        let mut compressor = Compressor::new()?;
        loop {
            let old = self.stored_hash(at)?;
            let hash = chain::link(&prev, &bytes);
            self.tree.insert(
                &keys::event(at)[..],
                keys::encode_event(&hash, &bytes, &mut compressor)?,
            )?;
            prev = hash;
            at += 1;
            let Some(next) = self.event_bytes(at)? else {
                break;
            };
            let (from, to) = (hex::encode(old), hex::encode(hash));
            bytes = String::from_utf8_lossy(&next)
                .replace(
                    &format!("\"prev_hash\":\"{from}\""),
                    &format!("\"prev_hash\":\"{to}\""),
                )
                .into_bytes();
        }
        self.rewrite_head_hash(prev)
    }

    /// The hash stored with the event at `position`.
    fn stored_hash(&self, position: u64) -> Result<[u8; 32], StoreError> {
        let value = self
            .tree
            .get(keys::event(position))?
            .ok_or_else(|| StoreError::Invalid(format!("no event at position {position}")))?;
        keys::event_hash(&value)
    }

    /// Sets the head record's hash, keeping its position and instant, and
    /// the watermark's (a plain file anyone with disk access can rewrite).
    fn rewrite_head_hash(&self, hash: [u8; 32]) -> Result<(), StoreError> {
        let value = self.tree.get(keys::HEAD)?;
        let mut head = keys::decode_head(value.as_deref().unwrap_or_default())?;
        head.hash = hash;
        self.tree.insert(keys::HEAD, keys::encode_head(&head))?;
        self.flush()?;
        if let Some(keeper) = self.keeper {
            keeper.mark_now();
        }
        watermark::write(self.dir, &head)
    }

    /// Flushes the edits to disk (each edit already does).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.tree.flush()?;
        Ok(())
    }
}
