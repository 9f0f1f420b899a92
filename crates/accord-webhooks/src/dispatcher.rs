//! One dispatcher per subscription: read the log after the cursor, skip what
//! the filter excludes, deliver each event until a 2xx or the end of the
//! retry schedule, store the outcome with the cursor, move on. Woken by the
//! engine's head announcements; the log is the outbox (ADR 0015).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use accord_store::{StoreError, StoredEvent, WebhookChange};
use reqwest::Url;
use time::OffsetDateTime;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use crate::client;
use crate::model::{Delivery, DeliveryState, Progress, Status, Subscription};
use crate::schedule::retry_after;
use crate::storage::Records;
use crate::Shared;

/// Events read from the log per round.
const READ_BATCH: usize = 128;

/// Whether a dispatcher goes on.
enum Flow {
    Next,
    Stop,
}

/// A dispatcher's handles: its stop signal and its wake-up (replay, enable).
pub(crate) struct Dispatcher {
    pub shared: Arc<Shared>,
    pub id: Uuid,
    pub stop: watch::Receiver<bool>,
    pub wake: Arc<Notify>,
}

/// Runs a blocking store call off the async threads.
async fn blocking<T: Send + 'static>(
    records: &Records,
    f: impl FnOnce(&Records) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let records = records.clone();
    tokio::task::spawn_blocking(move || f(&records))
        .await
        .map_err(|e| StoreError::Io(format!("a webhook store task failed: {e}")))?
}

impl Dispatcher {
    /// Runs until stopped, deleted or disabled; a store error is logged and
    /// retried after a pause (the outcome of the current event was not stored,
    /// so it is delivered again: at least once).
    pub async fn run(mut self) {
        loop {
            match self.rounds().await {
                Ok(()) => return,
                Err(error) => {
                    tracing::error!(subscription = %self.id, %error, "webhook dispatcher failed; retrying in 1 s");
                    if self.pause(Duration::from_secs(1)).await {
                        return;
                    }
                }
            }
        }
    }

    async fn rounds(&mut self) -> Result<(), StoreError> {
        let records = self.shared.records.clone();
        let id = self.id;
        let mut progress = blocking(&records, move |r| r.progress(id)).await?;
        let mut head = self.shared.head.clone();
        loop {
            if *self.stop.borrow() {
                return Ok(());
            }
            self.apply_replay(&mut progress).await?;
            let Some(subscription) = blocking(&records, move |r| r.subscription(id)).await? else {
                return Ok(());
            };
            if subscription.status == Status::Disabled {
                return Ok(());
            }
            let (after, events) = (progress.cursor, self.shared.events.clone());
            let batch = tokio::task::spawn_blocking(move || events.read_all(after, READ_BATCH))
                .await
                .map_err(|e| StoreError::Io(e.to_string()))??;
            if batch.is_empty() {
                let wake = self.wake.clone();
                tokio::select! {
                    _ = head.changed() => {}
                    _ = wake.notified() => {}
                    _ = self.stop.changed() => {}
                }
                continue;
            }
            if let Flow::Stop = self.round(&subscription, batch, &mut progress).await? {
                return Ok(());
            }
        }
    }

    /// Delivers one batch read from the log, in order.
    async fn round(
        &mut self,
        subscription: &Subscription,
        batch: Vec<StoredEvent>,
        progress: &mut Progress,
    ) -> Result<Flow, StoreError> {
        let url = Url::parse(&subscription.url).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut earlier = self
            .earlier_deliveries(progress.cursor, batch.len())
            .await?;
        let mut skipped = false;
        for event in batch {
            if !subscription.matches(&event) {
                progress.cursor = event.envelope.position;
                skipped = true;
                continue;
            }
            skipped = false;
            let earlier = earlier.remove(&event.envelope.position);
            let target = (subscription, &url);
            if let Flow::Stop = self.deliver(target, &event, earlier, progress).await? {
                return Ok(Flow::Stop);
            }
        }
        if skipped {
            let change = Records::progress_change(self.id, progress);
            self.shared.records.write_async(vec![change]).await?;
        }
        Ok(Flow::Next)
    }

    /// The deliveries already logged for the `count` positions after
    /// `cursor` (a replay, or the event in flight at a crash): one read per
    /// round rather than one per event.
    async fn earlier_deliveries(
        &self,
        cursor: u64,
        count: usize,
    ) -> Result<HashMap<u64, Delivery>, StoreError> {
        let id = self.id;
        let found = blocking(&self.shared.records, move |r| {
            r.deliveries(id, cursor, count)
        })
        .await?;
        Ok(found.into_iter().map(|d| (d.position, d)).collect())
    }

    /// Moves the cursor back if a replay was asked for.
    async fn apply_replay(&self, progress: &mut Progress) -> Result<(), StoreError> {
        let id = self.id;
        let Some(from) = blocking(&self.shared.records, move |r| r.replay_request(id)).await?
        else {
            return Ok(());
        };
        progress.cursor = from.saturating_sub(1);
        let changes = vec![
            Records::progress_change(id, progress),
            Records::replay_done(id),
        ];
        blocking(&self.shared.records, move |r| r.write(changes)).await
    }

    /// Delivers one event through the retry schedule, storing every attempt
    /// (after those of an `earlier` delivery); the cursor moves with the
    /// final outcome.
    async fn deliver(
        &mut self,
        (subscription, url): (&Subscription, &Url),
        event: &StoredEvent,
        earlier: Option<Delivery>,
        progress: &mut Progress,
    ) -> Result<Flow, StoreError> {
        let (id, position) = (self.id, event.envelope.position);
        let mut delivery = earlier.unwrap_or_else(|| Delivery {
            event_id: event.envelope.id,
            position,
            event_type: event.envelope.event_type.clone(),
            state: DeliveryState::Pending,
            attempts: Vec::new(),
        });
        delivery.state = DeliveryState::Pending;
        let body = client::payload(event);
        let webhook_id = event.envelope.id.to_string();
        let shared = self.shared.clone();
        let config = &shared.config;
        let mut delay = Duration::ZERO;
        for attempt in 0..config.schedule.attempts() {
            if self.pause(delay).await {
                return Ok(Flow::Stop);
            }
            shared.give_way.wait().await;
            let secrets = subscription.signing_secrets(OffsetDateTime::now_utc());
            let answer = client::attempt(
                &self.shared.client,
                url,
                config.allow_private,
                &secrets,
                &webhook_id,
                &body,
            )
            .await;
            let now = answer.attempt.at;
            let succeeded = answer.attempt.succeeded();
            delivery.attempts.push(answer.attempt);
            let last = attempt + 1 == config.schedule.attempts();
            if succeeded || last {
                delivery.state = match succeeded {
                    true => DeliveryState::Succeeded,
                    false => DeliveryState::Failed,
                };
                progress.cursor = position;
            }
            progress.failing_since = match succeeded {
                true => None,
                false => Some(progress.failing_since.unwrap_or(now)),
            };
            let disable = progress
                .failing_since
                .is_some_and(|since| now - since >= config.disable_after);
            let mut changes = vec![
                Records::delivery_change(id, &delivery),
                Records::progress_change(id, progress),
            ];
            if disable {
                changes.push(disabled(subscription));
            }
            self.shared.records.write_async(changes).await?;
            if disable {
                tracing::warn!(subscription = %id, "webhook disabled: every attempt failed for the configured period");
                return Ok(Flow::Stop);
            }
            if succeeded || last {
                return Ok(Flow::Next);
            }
            let jitter = (config.jitter)();
            let scheduled = config
                .schedule
                .delay(attempt + 1, jitter)
                .unwrap_or_default();
            delay = answer
                .retry_after
                .and_then(|value| retry_after(&value, now))
                .unwrap_or(scheduled);
        }
        Ok(Flow::Next)
    }

    /// Sleeps `delay` unless stopped first; true if stopped.
    async fn pause(&mut self, delay: Duration) -> bool {
        if *self.stop.borrow() {
            return true;
        }
        if delay.is_zero() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => *self.stop.borrow(),
            _ = self.stop.changed() => true,
        }
    }
}

/// The change that stores `subscription` as disabled.
fn disabled(subscription: &Subscription) -> WebhookChange {
    let mut disabled = subscription.clone();
    disabled.status = Status::Disabled;
    Records::subscription_change(&disabled)
}
