//! The key layout of the webhook store and typed reads and writes over
//! [`WebhookStore`]. Values are JSON; ids and positions big-endian so sled
//! orders them.
//!
//! | key                        | value                                   |
//! |----------------------------|-----------------------------------------|
//! | `s` ‖ id (16)              | [`Subscription`]                        |
//! | `p` ‖ id (16)              | [`Progress`] (written by its dispatcher) |
//! | `r` ‖ id (16)              | a replay request: from position (u64)   |
//! | `d` ‖ id (16) ‖ position   | [`Delivery`]                            |

use std::sync::Arc;

use accord_store::{StoreError, WebhookChange, WebhookStore};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::model::{Delivery, Progress, Subscription};

fn key(tag: u8, id: Uuid) -> Vec<u8> {
    let mut key = vec![tag];
    key.extend_from_slice(id.as_bytes());
    key
}

fn delivery_key(id: Uuid, position: u64) -> Vec<u8> {
    let mut key = key(b'd', id);
    key.extend_from_slice(&position.to_be_bytes());
    key
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("webhook record: {e}")))
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("webhook records always serialise")
}

/// Typed access to webhook state. Cheap to clone.
#[derive(Clone)]
pub struct Records {
    store: Arc<dyn WebhookStore>,
}

impl Records {
    /// Records kept in `store`.
    pub fn new(store: Arc<dyn WebhookStore>) -> Self {
        Records { store }
    }

    /// Every subscription, oldest first (ids are UUID v7).
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let entries = self.store.webhook_scan(b"s", None, usize::MAX)?;
        entries.iter().map(|(_, v)| decode(v)).collect()
    }

    pub fn subscription(&self, id: Uuid) -> Result<Option<Subscription>, StoreError> {
        self.store
            .webhook_get(&key(b's', id))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Stores a subscription (new or changed), durably.
    pub fn put_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        self.store
            .webhook_write(vec![Self::subscription_change(subscription)])
    }

    /// The change that stores `subscription`.
    pub fn subscription_change(subscription: &Subscription) -> WebhookChange {
        (key(b's', subscription.id), Some(encode(subscription)))
    }

    /// Removes a subscription, its progress and any replay request; its
    /// deliveries stay until [`Records::delete_deliveries`].
    pub fn delete_subscription(&self, id: Uuid) -> Result<(), StoreError> {
        let changes = [b's', b'p', b'r'].map(|tag| (key(tag, id), None));
        self.store.webhook_write(changes.to_vec())
    }

    /// Removes the delivery log of a deleted subscription, page by page.
    pub fn delete_deliveries(&self, id: Uuid) -> Result<(), StoreError> {
        loop {
            let page = self.store.webhook_scan(&key(b'd', id), None, 1000)?;
            if page.is_empty() {
                return Ok(());
            }
            let changes = page.into_iter().map(|(k, _)| (k, None)).collect();
            self.store.webhook_write(changes)?;
        }
    }

    pub fn progress(&self, id: Uuid) -> Result<Progress, StoreError> {
        let stored = self.store.webhook_get(&key(b'p', id))?;
        Ok(stored.map(|v| decode(&v)).transpose()?.unwrap_or_default())
    }

    /// The change that stores `progress` (to batch with a delivery's outcome).
    pub fn progress_change(id: Uuid, progress: &Progress) -> WebhookChange {
        (key(b'p', id), Some(encode(progress)))
    }

    /// The change that stores `delivery`.
    pub fn delivery_change(id: Uuid, delivery: &Delivery) -> WebhookChange {
        (delivery_key(id, delivery.position), Some(encode(delivery)))
    }

    /// Applies changes atomically; flushed when it returns.
    pub fn write(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError> {
        self.store.webhook_write(changes)
    }

    /// [`Records::write`] for async callers, without holding a thread while
    /// the store's committer flushes.
    pub async fn write_async(&self, changes: Vec<WebhookChange>) -> Result<(), StoreError> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let done = Box::new(move |result| {
            let _ = done.send(result);
        });
        self.store.webhook_write_then(changes, done);
        outcome
            .await
            .unwrap_or_else(|_| Err(StoreError::Io("a webhook write was dropped".into())))
    }

    pub fn delivery(&self, id: Uuid, position: u64) -> Result<Option<Delivery>, StoreError> {
        let stored = self.store.webhook_get(&delivery_key(id, position))?;
        stored.map(|v| decode(&v)).transpose()
    }

    /// Deliveries with position > `after`, in log order, at most `limit`.
    pub fn deliveries(
        &self,
        id: Uuid,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let start = delivery_key(id, after);
        let page = self
            .store
            .webhook_scan(&key(b'd', id), Some(&start), limit)?;
        page.iter().map(|(_, v)| decode(v)).collect()
    }

    /// Asks the dispatcher to deliver again from `from_position`.
    pub fn request_replay(&self, id: Uuid, from_position: u64) -> Result<(), StoreError> {
        let change = (key(b'r', id), Some(from_position.to_be_bytes().to_vec()));
        self.store.webhook_write(vec![change])
    }

    /// The pending replay request, if any.
    pub fn replay_request(&self, id: Uuid) -> Result<Option<u64>, StoreError> {
        let stored = self.store.webhook_get(&key(b'r', id))?;
        Ok(stored.and_then(|v| Some(u64::from_be_bytes(v.as_slice().try_into().ok()?))))
    }

    /// The change that clears the replay request.
    pub fn replay_done(id: Uuid) -> WebhookChange {
        (key(b'r', id), None)
    }
}
