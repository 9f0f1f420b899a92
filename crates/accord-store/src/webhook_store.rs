//! Webhook state (subscriptions, cursors, deliveries) in its own sled tree.
//!
//! Webhooks are side effects of the log, never part of it: their state lives
//! in the `webhooks` tree, written outside [`crate::EventStore::append`]'s
//! batch, so delivering can never make a command fail. The store knows
//! nothing of subscriptions: keys and values are opaque bytes chosen by the
//! `accord-webhooks` crate.

use crate::StoreError;

/// One change of a [`WebhookStore::webhook_write`]: set a key, or remove it (`None`).
pub type WebhookChange = (Vec<u8>, Option<Vec<u8>>);

/// One stored entry: key and value.
pub type WebhookEntry = (Vec<u8>, Vec<u8>);

/// Durable key/value storage for webhook state, apart from the log.
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

    /// Applies every change in one atomic batch, durable (flushed and
    /// synced) before returning: a delivery's outcome and its cursor move together.
    fn webhook_write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError>;
}
