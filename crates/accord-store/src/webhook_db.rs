//! Webhook state in its own sled database, `<data>/webhooks/` (ADR 0018).
//!
//! Apart from the log so its flushes never queue behind or ahead of the
//! log's group commits, and not fdatasynced: a write is flushed by sled (it
//! has reached the OS, so it survives a `kill -9`) before it returns, but a
//! power loss may lose the last ones, which only re-delivers events (the log
//! itself is synced, and delivery is at least once).
//!
//! One committer thread applies every batch and flushes once for all the
//! writers waiting (a group commit across subscriptions). It runs at the
//! process's normal priority, so sled's I/O threads it may start are never
//! born with the dispatchers' lowered priority (sled shares them with the log).

use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::durability::Durability;
use crate::sled_store::open_db;
use crate::{StoreError, WebhookChange, WebhookDone, WebhookEntry};

/// sled's page cache for webhook state: the dispatchers read little more
/// than subscriptions and cursors, so a small cache keeps RSS bounded.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// A batch waiting for the committer, and what to call with its outcome.
struct Commit {
    batch: sled::Batch,
    done: WebhookDone,
}

/// The webhook database and its committer thread.
pub(crate) struct WebhookDb {
    db: sled::Db,
    /// `None` once dropping: the committer then ends.
    commits: Option<Sender<Commit>>,
    committer: Option<JoinHandle<()>>,
}

impl WebhookDb {
    /// Opens (creating if needed) the database in `dir`; its creation is
    /// synced once when `sync` (so a new folder survives a power loss).
    pub(crate) fn open(dir: &Path, sync: bool) -> Result<WebhookDb, StoreError> {
        std::fs::create_dir_all(dir)?;
        let db = open_db(dir, CACHE_BYTES)?;
        Durability::open(dir, sync)?;
        let (commits, queue) = mpsc::channel();
        let committer = std::thread::Builder::new()
            .name("webhook-commit".into())
            .spawn({
                let db = db.clone();
                move || commit_loop(&db, &queue)
            })?;
        Ok(WebhookDb {
            db,
            commits: Some(commits),
            committer: Some(committer),
        })
    }

    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(key)?.map(|value| value.to_vec()))
    }

    pub(crate) fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<WebhookEntry>, StoreError> {
        use std::ops::Bound;
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after.to_vec()),
            _ => Bound::Included(prefix.to_vec()),
        };
        self.db
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take_while(|entry| entry.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                Ok((key.to_vec(), value.to_vec()))
            })
            .collect()
    }

    /// Applies `changes` atomically; returns once they are flushed (not synced).
    pub(crate) fn write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError> {
        let (done, outcome) = mpsc::channel();
        self.write_then(
            changes,
            Box::new(move |result| {
                let _ = done.send(result);
            }),
        );
        outcome
            .recv()
            .unwrap_or_else(|_| Err(StoreError::Io("the webhook committer has stopped".into())))
    }

    /// Hands `changes` to the committer, which calls `done` once they are
    /// applied atomically and flushed.
    pub(crate) fn write_then(&self, changes: Vec<WebhookChange>, done: WebhookDone) {
        let mut batch = sled::Batch::default();
        for (key, value) in changes {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        let Some(commits) = &self.commits else {
            return done(Err(StoreError::Io("the webhook store is closing".into())));
        };
        if let Err(mpsc::SendError(commit)) = commits.send(Commit { batch, done }) {
            (commit.done)(Err(StoreError::Io(
                "the webhook committer has stopped".into(),
            )));
        }
    }
}

impl Drop for WebhookDb {
    /// Stops the committer after the batches already sent, so the database
    /// is closed (and its lock released) when the store is.
    fn drop(&mut self) {
        self.commits.take();
        if let Some(committer) = self.committer.take() {
            let _ = committer.join();
        }
    }
}

/// Applies every batch waiting, flushes once, answers each writer.
fn commit_loop(db: &sled::Db, queue: &Receiver<Commit>) {
    while let Ok(first) = queue.recv() {
        let group: Vec<Commit> = std::iter::once(first).chain(queue.try_iter()).collect();
        let applied: Vec<_> = group
            .into_iter()
            .map(|commit| (db.apply_batch(commit.batch), commit.done))
            .collect();
        let flushed = db.flush().map_err(|e| e.to_string());
        for (result, done) in applied {
            let outcome = match (result, &flushed) {
                (Err(e), _) => Err(e.into()),
                (Ok(()), Err(e)) => Err(StoreError::Io(e.clone())),
                (Ok(()), Ok(_)) => Ok(()),
            };
            done(outcome);
        }
    }
}
