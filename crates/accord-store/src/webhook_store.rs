//! Webhook state (subscriptions, cursors, deliveries), apart from the log.
//!
//! Webhooks are side effects of the log, never part of it: their state lives
//! in its own sled database (`<data>/webhooks/`, ADR 0018), written outside
//! [`crate::EventLog::append`]'s batch and never synced with it, so
//! delivering can neither make a command fail nor queue behind its sync. The store knows
//! nothing of subscriptions: keys and values are opaque bytes chosen by the
//! `accord-webhooks` crate.

use crate::StoreError;

/// One change of a [`WebhookStore::webhook_write`]: set a key, or remove it (`None`).
pub type WebhookChange = (Vec<u8>, Option<Vec<u8>>);

/// One stored entry: key and value.
pub type WebhookEntry = (Vec<u8>, Vec<u8>);

/// Called with the outcome of a [`WebhookStore::webhook_write_then`].
pub type WebhookDone = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Key/value storage for webhook state, apart from the log.
pub trait WebhookStore: Send + Sync + 'static {
    /// The value stored at `key`.
    fn webhook_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Entries whose key starts with `prefix` and is greater than `after`
    /// (when given), in key order, at most `limit`.
    fn webhook_scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<WebhookEntry>, StoreError>;

    /// Applies every change in one atomic batch: a delivery's outcome and
    /// its cursor move together. Flushed before returning, so it survives a
    /// `kill -9` of the process; not synced, so a power loss may lose the last
    /// writes (re-delivering events, never losing one: the log is synced).
    fn webhook_write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError>;

    /// [`WebhookStore::webhook_write`] without blocking the caller: `done`
    /// gets the outcome, possibly on another thread, once the changes are
    /// flushed. So an async caller waits without holding a thread. The
    /// default blocks in the call.
    fn webhook_write_then(&self, changes: Vec<WebhookChange>, done: WebhookDone) {
        done(self.webhook_write(changes));
    }

    /// Takes or renews the lease on delivering webhooks for `holder`, until
    /// `ttl` from now by the store's clock, unless another holder's lease
    /// has not expired; returns whether `holder` holds it (ADR 0045). None:
    /// no other process delivers from this store (sled), so no lease is
    /// needed.
    fn webhook_lease(
        &self,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<bool>, StoreError> {
        let _ = (holder, ttl);
        Ok(None)
    }

    /// Lets go of `holder`'s lease, if it holds it, so that another process
    /// takes it at once rather than once it expires.
    fn webhook_lease_release(&self, holder: &str) -> Result<(), StoreError> {
        let _ = holder;
        Ok(())
    }
}
