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
use crate::model::{Attempt, Delivery, DeliveryState, Progress, Status, Subscription};
use crate::schedule::retry_after as retry_after_at;
use crate::storage::Records;
use crate::{Shared, WebhookConfig};

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
            if *self.stop.borrow() || !self.shared.lease.holding() {
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
    /// final outcome. Each attempt: wait, try, record, store, then stop,
    /// finish or schedule the next.
    async fn deliver(
        &mut self,
        target: (&Subscription, &Url),
        event: &StoredEvent,
        earlier: Option<Delivery>,
        progress: &mut Progress,
    ) -> Result<Flow, StoreError> {
        let mut delivery = pending(event, earlier);
        let request = Request {
            webhook_id: event.envelope.id.to_string(),
            body: client::payload(event),
        };
        let shared = self.shared.clone();
        let config = &shared.config;
        let attempts = config.schedule.attempts();
        let mut delay = Duration::ZERO;
        for attempt in 0..attempts {
            if self.pause(delay).await || !self.shared.lease.holding() {
                return Ok(Flow::Stop);
            }
            let answer = self.try_once(target, &request).await;
            let now = answer.attempt.at;
            let last = attempt + 1 == attempts;
            let outcome = record(&mut delivery, progress, answer.attempt, last);
            let disable = progress
                .failing_since
                .is_some_and(|since| now - since >= config.disable_after);
            self.store(target.0, &delivery, progress, disable).await?;
            if disable {
                tracing::warn!(subscription = %self.id, "webhook disabled: every attempt failed for the configured period");
                return Ok(Flow::Stop);
            }
            if outcome == Outcome::Final {
                return Ok(Flow::Next);
            }
            delay = next_delay(config, attempt + 1, answer.retry_after, now);
        }
        Ok(Flow::Next)
    }

    /// One HTTP attempt, after giving way to commands, signed with the
    /// subscription's secrets as they are now.
    async fn try_once(
        &self,
        (subscription, url): (&Subscription, &Url),
        request: &Request,
    ) -> client::Answer {
        self.shared.give_way.wait().await;
        let secrets = subscription.signing_secrets(OffsetDateTime::now_utc());
        client::attempt(
            &self.shared.client,
            url,
            self.shared.config.allow_private,
            &secrets,
            &request.webhook_id,
            &request.body,
        )
        .await
    }

    /// Stores the delivery with the cursor, and the subscription as
    /// disabled when `disable`, in one atomic write.
    async fn store(
        &self,
        subscription: &Subscription,
        delivery: &Delivery,
        progress: &Progress,
        disable: bool,
    ) -> Result<(), StoreError> {
        let mut changes = vec![
            Records::delivery_change(self.id, delivery),
            Records::progress_change(self.id, progress),
        ];
        if disable {
            changes.push(disabled(subscription));
        }
        self.shared.records.write_async(changes).await
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

/// What every attempt of one delivery sends.
struct Request {
    webhook_id: String,
    body: Vec<u8>,
}

/// Whether an attempt ended its delivery.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Succeeded, or failed as the schedule's last attempt.
    Final,
    /// Failed; another attempt follows.
    Retry,
}

/// The delivery of `event`, pending: an `earlier` one (a replay, or the
/// event in flight at a crash) keeps its attempts.
fn pending(event: &StoredEvent, earlier: Option<Delivery>) -> Delivery {
    let mut delivery = earlier.unwrap_or_else(|| Delivery {
        event_id: event.envelope.id,
        position: event.envelope.position,
        event_type: event.envelope.event_type.clone(),
        state: DeliveryState::Pending,
        attempts: Vec::new(),
    });
    delivery.state = DeliveryState::Pending;
    delivery
}

/// Adds `attempt` to the delivery. A success, or the schedule's `last`
/// attempt, settles the delivery and moves the cursor past it; the
/// subscription is failing since its first failure after a success.
fn record(
    delivery: &mut Delivery,
    progress: &mut Progress,
    attempt: Attempt,
    last: bool,
) -> Outcome {
    let now = attempt.at;
    let succeeded = attempt.succeeded();
    delivery.attempts.push(attempt);
    progress.failing_since = match succeeded {
        true => None,
        false => Some(progress.failing_since.unwrap_or(now)),
    };
    if !(succeeded || last) {
        return Outcome::Retry;
    }
    delivery.state = match succeeded {
        true => DeliveryState::Succeeded,
        false => DeliveryState::Failed,
    };
    progress.cursor = delivery.position;
    Outcome::Final
}

/// The wait before attempt number `next`: the receiver's `Retry-After`
/// when it gave a usable one, else the schedule's, with jitter.
fn next_delay(
    config: &WebhookConfig,
    next: usize,
    retry_after: Option<String>,
    now: OffsetDateTime,
) -> Duration {
    let scheduled = config
        .schedule
        .delay(next, (config.jitter)())
        .unwrap_or_default();
    retry_after
        .and_then(|value| retry_after_at(&value, now))
        .unwrap_or(scheduled)
}

/// The change that stores `subscription` as disabled.
fn disabled(subscription: &Subscription) -> WebhookChange {
    let mut disabled = subscription.clone();
    disabled.status = Status::Disabled;
    Records::subscription_change(&disabled)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn attempt(at: OffsetDateTime, status: u16) -> Attempt {
        Attempt {
            at,
            status_code: Some(status),
            error: None,
            duration_ms: 3,
            response_body: None,
        }
    }

    fn progress(cursor: u64, failing_since: Option<OffsetDateTime>) -> Progress {
        Progress {
            cursor,
            failing_since,
        }
    }

    fn delivery_at(position: u64) -> Delivery {
        Delivery {
            event_id: Uuid::now_v7(),
            position,
            event_type: "PartyRegistered".into(),
            state: DeliveryState::Pending,
            attempts: Vec::new(),
        }
    }

    #[test]
    fn failures_before_the_last_attempt_retry_and_the_subscription_fails_since_the_first() {
        let (first, second) = (
            datetime!(2013-07-04 08:00 UTC),
            datetime!(2013-07-04 08:01 UTC),
        );
        let mut delivery = delivery_at(7);
        let mut progress = progress(6, None);

        let outcomes = [
            record(&mut delivery, &mut progress, attempt(first, 500), false),
            record(&mut delivery, &mut progress, attempt(second, 503), false),
        ];

        assert_eq!(outcomes, [Outcome::Retry, Outcome::Retry]);
        assert_eq!(delivery.attempts.len(), 2);
        assert_eq!(delivery.state, DeliveryState::Pending);
        assert_eq!(progress.cursor, 6, "the cursor waits for the outcome");
        assert_eq!(progress.failing_since, Some(first));
    }

    #[test]
    fn a_success_settles_the_delivery_moves_the_cursor_and_ends_the_failing_spell() {
        let at = datetime!(2013-07-04 08:02 UTC);
        let mut delivery = delivery_at(7);
        let mut progress = progress(6, Some(datetime!(2013-07-04 08:00 UTC)));

        let outcome = record(&mut delivery, &mut progress, attempt(at, 204), false);

        assert_eq!(outcome, Outcome::Final);
        assert_eq!(delivery.state, DeliveryState::Succeeded);
        assert_eq!((progress.cursor, progress.failing_since), (7, None));
    }

    #[test]
    fn the_last_attempt_failing_settles_the_delivery_as_failed_and_moves_on() {
        let at = datetime!(2013-07-04 08:03 UTC);
        let mut delivery = delivery_at(7);
        let mut progress = progress(6, None);

        let outcome = record(&mut delivery, &mut progress, attempt(at, 410), true);

        assert_eq!(outcome, Outcome::Final);
        assert_eq!(delivery.state, DeliveryState::Failed);
        assert_eq!((progress.cursor, progress.failing_since), (7, Some(at)));
    }
}
