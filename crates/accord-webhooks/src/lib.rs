//! Webhooks: subscriptions to the log, delivered durably, in order, signed
//! as the Standard Webhooks specification says (ADR 0015).
//!
//! The log is the outbox: nothing is written on the write path. Each
//! subscription has a dispatcher task that reads the log after its cursor,
//! delivers, and stores the outcome with the cursor in the webhook store
//! (flushed, apart from the log) before moving on: after a crash, at worst
//! the event in flight is delivered again, with the same `webhook-id`. The
//! dispatchers run on their own runtime at a lower CPU priority, so they
//! never slow the write path (ADR 0018).
//!
//! - [`Webhooks`] (here): the service the API calls; starts the dispatchers.
//! - [`signer`]: secrets and signatures; [`schedule`]: the retry schedule (pure).
//! - [`guard`]: the SSRF guard, at creation and at connect time.
//! - [`model`]: the records; `storage`: their keys in the webhook store.
//! - `dispatcher`: one task per subscription; [`client`]: one HTTP attempt.
//! - [`runtime`]: the deliveries' runtime, its threads niced; `give_way`:
//!   the slow lane deliveries take while commands wait for the writer.
//! - [`lease`]: which of the processes sharing the store delivers (ADR 0045).

pub mod client;
mod dispatcher;
mod error;
mod give_way;
pub mod guard;
pub mod lease;
pub mod model;
pub mod runtime;
pub mod schedule;
pub mod signer;
mod storage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use accord_store::{LogReader, StoreError, WebhookStore};
use rand::Rng;
use time::OffsetDateTime;
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use error::WebhookError;
pub use give_way::WriteQueue;
pub use model::{
    Attempt, Delivery, DeliveryState, Status, StoredSecret, Subscription, SubscriptionView,
};
pub use schedule::RetrySchedule;
pub use signer::Secret;
/// `time::Duration`, for [`WebhookConfig::disable_after`].
pub use time::Duration as TimeDuration;

use crate::dispatcher::Dispatcher;
use crate::give_way::GiveWay;
use crate::model::Progress;
use crate::storage::Records;

/// How webhooks are delivered.
#[derive(Clone)]
pub struct WebhookConfig {
    /// Delays before retries (default: Svix's).
    pub schedule: RetrySchedule,
    /// Each attempt's timeout (default 15 s).
    pub timeout: Duration,
    /// Deliver to loopback, private and link-local addresses (local integrations, tests).
    pub allow_private: bool,
    /// A subscription failing every attempt for this long is disabled (default 5 days).
    pub disable_after: time::Duration,
    /// The jitter draw in [-1, 1]; tests inject a constant.
    pub jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    /// Keep subscriptions and cursors but deliver nothing (maintenance, and
    /// the API fuzzer, which must never reach a real host).
    pub paused: bool,
    /// How many nice steps below the process the delivery threads run
    /// (0 to [`runtime::MAX_NICE`]; default 10; 0 keeps them at the process's
    /// priority). Linux only.
    pub nice: i32,
    /// How many commands wait for the writer now (the binary asks the
    /// engine; by default none).
    pub write_queue: WriteQueue,
    /// While commands queue for the writer (the write path is saturated), at
    /// most one delivery starts per `give_way` across all subscriptions
    /// (default 20 ms; zero: deliveries never give way).
    pub give_way: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            schedule: RetrySchedule::default(),
            timeout: Duration::from_secs(15),
            allow_private: false,
            disable_after: time::Duration::days(5),
            jitter: Arc::new(|| rand::thread_rng().gen_range(-1.0..=1.0)),
            paused: false,
            nice: 10,
            write_queue: Arc::new(|| 0),
            give_way: Duration::from_millis(20),
        }
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("schedule", &self.schedule)
            .field("timeout", &self.timeout)
            .field("allow_private", &self.allow_private)
            .field("disable_after", &self.disable_after)
            .field("paused", &self.paused)
            .field("nice", &self.nice)
            .field("give_way", &self.give_way)
            .finish_non_exhaustive()
    }
}

/// A subscription to create: `POST /v1/webhooks`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    pub url: String,
    #[serde(default)]
    pub event_types: Vec<String>,
    pub agreement_id: Option<String>,
    pub description: Option<String>,
}

/// What the dispatchers share.
pub(crate) struct Shared {
    pub events: LogReader,
    pub records: Records,
    pub client: reqwest::Client,
    pub config: WebhookConfig,
    pub head: watch::Receiver<u64>,
    pub give_way: GiveWay,
    pub lease: lease::Lease,
    pub store: Arc<dyn WebhookStore>,
}

struct Running {
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

/// The webhook service: subscriptions, their dispatchers, the delivery log.
pub struct Webhooks {
    shared: Arc<Shared>,
    running: Mutex<HashMap<Uuid, Running>>,
    /// Where deliveries run, niced ([`runtime`]); `None` only while dropping.
    runtime: Option<Runtime>,
}

impl Webhooks {
    /// Starts a dispatcher for every enabled subscription, on a runtime of
    /// its own whose threads run `config.nice` steps below the caller's
    /// priority. `head` is the engine's head announcement.
    pub fn start(
        events: LogReader,
        store: Arc<dyn WebhookStore>,
        head: watch::Receiver<u64>,
        config: WebhookConfig,
    ) -> Result<Arc<Webhooks>, WebhookError> {
        let client = client::build(config.timeout, config.allow_private)
            .map_err(|e| StoreError::Io(format!("building the webhook client: {e}")))?;
        let runtime = runtime::build(config.nice)
            .map_err(|e| StoreError::Io(format!("starting the webhook runtime: {e}")))?;
        let records = Records::new(store.clone());
        let subscriptions = records.subscriptions()?;
        let give_way = GiveWay::new(config.write_queue.clone(), config.give_way);
        let mut lease = lease::Lease::new(true);
        let held = store.webhook_lease(&lease.holder, lease::TTL);
        lease.shared = !matches!(held, Ok(None));
        let shared = Arc::new(Shared {
            events,
            records,
            client,
            config,
            head,
            give_way,
            lease,
            store,
        });
        let webhooks = Arc::new(Webhooks {
            shared,
            running: Mutex::default(),
            runtime: Some(runtime),
        });
        if webhooks.shared.lease.shared {
            // The lease decides when the dispatchers start.
            let renewing = Arc::downgrade(&webhooks);
            webhooks.delivery_runtime().spawn(renew(renewing));
            return Ok(webhooks);
        }
        for subscription in subscriptions {
            if subscription.status == Status::Enabled {
                webhooks.spawn(subscription.id);
            }
        }
        Ok(webhooks)
    }

    /// Whether this process delivers webhooks now: always on a store no
    /// other process shares; on a shared one, while it holds the lease.
    pub fn delivering(&self) -> bool {
        self.shared.lease.holding()
    }

    /// Lets go of the lease (a clean stop), so that another process
    /// delivers at once instead of once it expires.
    pub fn release(&self) {
        if !self.shared.lease.shared {
            return;
        }
        self.shared.lease.refused();
        self.stop_all();
        if let Err(error) = self
            .shared
            .store
            .webhook_lease_release(&self.shared.lease.holder)
        {
            tracing::warn!(%error, "the webhook lease could not be released; it expires by itself");
        }
    }

    /// Stops every dispatcher.
    fn stop_all(&self) {
        let mut map = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, running) in map.drain() {
            running.stop.send_replace(true);
        }
    }

    /// Holding the lease: a dispatcher for every enabled subscription
    /// (those created through other processes too), each woken to look at
    /// its stored state (a replay asked for elsewhere).
    fn resume_all(&self) -> Result<(), StoreError> {
        for subscription in self.shared.records.subscriptions()? {
            if subscription.status == Status::Enabled {
                self.wake(subscription.id);
            }
        }
        Ok(())
    }

    /// The delivery configuration.
    pub fn config(&self) -> &WebhookConfig {
        &self.shared.config
    }

    /// The deliveries' runtime.
    fn delivery_runtime(&self) -> &Handle {
        self.runtime
            .as_ref()
            .expect("the runtime lives as long as the service")
            .handle()
    }

    fn spawn(&self, id: Uuid) {
        if self.shared.config.paused {
            // Cursors stay where they are; deliveries resume when unpaused.
            return;
        }
        if !self.shared.lease.holding() {
            // The process holding the lease delivers.
            return;
        }
        let (stop, stopped) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let dispatcher = Dispatcher {
            shared: self.shared.clone(),
            id,
            stop: stopped,
            wake: wake.clone(),
        };
        let task = self.delivery_runtime().spawn(dispatcher.run());
        let running = Running { stop, wake, task };
        let mut map = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = map.insert(id, running) {
            old.stop.send_replace(true);
        }
    }

    /// Wakes the dispatcher of `id`, starting it if it is not running.
    fn wake(&self, id: Uuid) {
        let map = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(&id) {
            Some(running) if !running.task.is_finished() => running.wake.notify_one(),
            _ => {
                drop(map);
                self.spawn(id);
            }
        }
    }

    /// Creates a subscription after the SSRF guard; it receives the events
    /// appended after now. Returns it and its secret (shown once).
    pub async fn create(
        &self,
        new: NewSubscription,
    ) -> Result<(SubscriptionView, String), WebhookError> {
        let url = guard::check_url(&new.url, self.shared.config.allow_private).await?;
        check_event_types(&new.event_types)?;
        let secret = Secret::generate();
        let subscription = Subscription {
            id: Uuid::now_v7(),
            url: url.to_string(),
            event_types: new.event_types,
            agreement_id: new.agreement_id,
            description: new.description,
            status: Status::Enabled,
            created_at: OffsetDateTime::now_utc(),
            secrets: Vec::new(),
        };
        let mut subscription = subscription;
        subscription.rotate(&secret, subscription.created_at);
        let progress = Progress {
            cursor: self.shared.events.head().position,
            failing_since: None,
        };
        let changes = vec![
            Records::subscription_change(&subscription),
            Records::progress_change(subscription.id, &progress),
        ];
        self.blocking(move |r| r.write(changes)).await?;
        self.spawn(subscription.id);
        Ok((subscription.view(), secret.expose()))
    }

    /// Every subscription, oldest first.
    pub async fn list(&self) -> Result<Vec<SubscriptionView>, WebhookError> {
        let all = self.blocking(|r| r.subscriptions()).await?;
        Ok(all.iter().map(Subscription::view).collect())
    }

    /// One subscription.
    pub async fn get(&self, id: Uuid) -> Result<SubscriptionView, WebhookError> {
        Ok(self.subscription(id).await?.view())
    }

    async fn subscription(&self, id: Uuid) -> Result<Subscription, WebhookError> {
        self.blocking(move |r| r.subscription(id))
            .await?
            .ok_or(WebhookError::NotFound(id))
    }

    /// Stops the dispatcher and removes the subscription and its delivery log.
    pub async fn delete(&self, id: Uuid) -> Result<(), WebhookError> {
        self.subscription(id).await?;
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some(running) = running {
            running.stop.send_replace(true);
            running.task.abort();
        }
        self.blocking(move |r| {
            r.delete_subscription(id)?;
            r.delete_deliveries(id)
        })
        .await?;
        Ok(())
    }

    /// A new secret; the previous one keeps signing for 24 hours.
    pub async fn rotate_secret(&self, id: Uuid) -> Result<String, WebhookError> {
        let mut subscription = self.subscription(id).await?;
        let secret = Secret::generate();
        subscription.rotate(&secret, OffsetDateTime::now_utc());
        self.blocking(move |r| r.put_subscription(&subscription))
            .await?;
        Ok(secret.expose())
    }

    /// Enables a disabled subscription: its dispatcher resumes at its cursor.
    pub async fn enable(&self, id: Uuid) -> Result<SubscriptionView, WebhookError> {
        let mut subscription = self.subscription(id).await?;
        subscription.status = Status::Enabled;
        let view = subscription.view();
        self.blocking(move |r| {
            let mut progress = r.progress(id)?;
            progress.failing_since = None;
            r.write(vec![
                Records::subscription_change(&subscription),
                Records::progress_change(id, &progress),
            ])
        })
        .await?;
        self.wake(id);
        Ok(view)
    }

    /// Disables a subscription by hand: its dispatcher stops after the
    /// attempt in flight, its cursor stays where it is, and
    /// [`Webhooks::enable`] resumes it there.
    pub async fn disable(&self, id: Uuid) -> Result<SubscriptionView, WebhookError> {
        let mut subscription = self.subscription(id).await?;
        subscription.status = Status::Disabled;
        let view = subscription.view();
        self.blocking(move |r| r.put_subscription(&subscription))
            .await?;
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some(running) = running {
            running.stop.send_replace(true);
        }
        Ok(view)
    }

    /// When the dispatcher means to try a pending `delivery` again: its last
    /// attempt plus the schedule's delay for the next one, before the ±20 %
    /// jitter and any `Retry-After` of the receiver move it. `None` when the
    /// delivery is finished or its schedule exhausted.
    pub fn next_attempt(&self, delivery: &Delivery) -> Option<OffsetDateTime> {
        if delivery.state != DeliveryState::Pending {
            return None;
        }
        let last = delivery.attempts.last()?;
        let schedule = &self.shared.config.schedule;
        let delay = schedule.delay(delivery.attempts.len(), 0.0)?;
        Some(last.at + delay)
    }

    /// Delivers again every matching event from `from_position` on, in order.
    pub async fn replay(&self, id: Uuid, from_position: u64) -> Result<(), WebhookError> {
        self.subscription(id).await?;
        self.blocking(move |r| r.request_replay(id, from_position.max(1)))
            .await?;
        self.wake(id);
        Ok(())
    }

    /// Deliveries after position `after`, in log order, at most `limit`,
    /// only those in `state` if given.
    pub async fn deliveries(
        &self,
        id: Uuid,
        after: u64,
        limit: usize,
        state: Option<DeliveryState>,
    ) -> Result<Vec<Delivery>, WebhookError> {
        self.subscription(id).await?;
        let page = self
            .blocking(move |r| {
                let mut found = Vec::new();
                let mut after = after;
                loop {
                    let chunk = r.deliveries(id, after, 512)?;
                    let Some(last) = chunk.last() else { break };
                    after = last.position;
                    let wanted = chunk
                        .into_iter()
                        .filter(|d| state.is_none_or(|s| d.state == s));
                    found.extend(wanted);
                    if found.len() >= limit {
                        break;
                    }
                }
                found.truncate(limit);
                Ok(found)
            })
            .await?;
        Ok(page)
    }

    /// Sends one delivery again now, once, outside the dispatcher's order;
    /// the attempt is added to its log.
    pub async fn resend(&self, id: Uuid, position: u64) -> Result<Delivery, WebhookError> {
        let subscription = self.subscription(id).await?;
        let mut delivery = self
            .blocking(move |r| r.delivery(id, position))
            .await?
            .ok_or(WebhookError::NoDelivery(id, position))?;
        let events = self.shared.events.clone();
        let event = tokio::task::spawn_blocking(move || events.event(position))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))??
            .ok_or(WebhookError::NoDelivery(id, position))?;
        let url = reqwest::Url::parse(&subscription.url)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let secrets = subscription.signing_secrets(OffsetDateTime::now_utc());
        let body = client::payload(&event);
        let (http, allow_private) = (self.shared.client.clone(), self.shared.config.allow_private);
        // On the deliveries' runtime, like every other attempt.
        let attempt = async move {
            let webhook_id = event.envelope.id.to_string();
            client::attempt(&http, &url, allow_private, &secrets, &webhook_id, &body).await
        };
        let answer = self
            .delivery_runtime()
            .spawn(attempt)
            .await
            .map_err(|e| StoreError::Io(format!("a webhook attempt failed: {e}")))?;
        if answer.attempt.succeeded() {
            delivery.state = DeliveryState::Succeeded;
        }
        delivery.attempts.push(answer.attempt);
        let change = Records::delivery_change(id, &delivery);
        self.blocking(move |r| r.write(vec![change])).await?;
        Ok(delivery)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Records) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let records = self.shared.records.clone();
        tokio::task::spawn_blocking(move || f(&records))
            .await
            .map_err(|e| StoreError::Io(format!("a webhook store task failed: {e}")))?
    }
}

impl Drop for Webhooks {
    fn drop(&mut self) {
        let map = self
            .running
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for running in map.values() {
            running.stop.send_replace(true);
            running.task.abort();
        }
        // Without waiting: the service may be dropped inside another runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Takes or renews the lease every [`lease::RENEW_EVERY`] while the service
/// lives; starts the dispatchers when it is taken, stops them when it is lost.
async fn renew(webhooks: std::sync::Weak<Webhooks>) {
    let mut holding = false;
    loop {
        let Some(service) = webhooks.upgrade() else {
            return;
        };
        let asked = std::time::Instant::now();
        let (store, holder) = (
            service.shared.store.clone(),
            service.shared.lease.holder.clone(),
        );
        let held = tokio::task::spawn_blocking(move || store.webhook_lease(&holder, lease::TTL))
            .await
            .map_err(|e| StoreError::Io(e.to_string()))
            .and_then(|held| held);
        match held {
            Ok(Some(true)) => {
                service.shared.lease.granted(asked);
                if !holding {
                    tracing::info!("this node holds the webhook lease: it delivers");
                }
                holding = true;
                if let Err(error) = service.resume_all() {
                    tracing::warn!(%error, "webhook subscriptions could not be read");
                }
            }
            Ok(_) => {
                service.shared.lease.refused();
                if holding {
                    tracing::warn!(
                        "another node holds the webhook lease: this one stops delivering"
                    );
                    service.stop_all();
                }
                holding = false;
            }
            // Unrenewed, the lease lapses by itself (`Lease::holding`).
            Err(error) => tracing::warn!(%error, "the webhook lease could not be renewed"),
        }
        drop(service);
        tokio::time::sleep(lease::RENEW_EVERY).await;
    }
}

/// Event type names: non-empty, without spaces.
fn check_event_types(types: &[String]) -> Result<(), WebhookError> {
    match types
        .iter()
        .find(|t| t.is_empty() || t.contains(char::is_whitespace))
    {
        None => Ok(()),
        Some(bad) => Err(WebhookError::Invalid {
            field: "event_types".into(),
            message: format!("`{bad}` is not an event type name"),
        }),
    }
}
