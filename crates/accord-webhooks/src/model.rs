//! The records of webhooks: subscriptions, their progress, deliveries and attempts.

use accord_store::StoredEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::signer::Secret;

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: time::Duration = time::Duration::hours(24);

/// Whether a subscription is delivered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Enabled,
    /// Disabled after failing everything for the configured period; `enable` resumes it.
    Disabled,
}

/// A signing secret and when it stops signing (None: the current one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSecret {
    /// `whsec_…`.
    pub secret: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A subscription as stored, secrets included. Never serialised to clients:
/// they get a [`SubscriptionView`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    /// Only these event types (empty: every type).
    pub event_types: Vec<String>,
    /// Only the events of this agreement (their `data.agreement_id`).
    pub agreement_id: Option<String>,
    pub description: Option<String>,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The current secret first, then any previous one still overlapping.
    pub secrets: Vec<StoredSecret>,
}

impl Subscription {
    /// Whether the filter lets `event` through. A void (`EventVoided`)
    /// goes to the subscribers of its own type and to those of the voided
    /// event's type (`data.voided_type`): whoever received a fact hears
    /// that it was voided (ADR 0031). Its `data.agreement_id` is the
    /// voided event's.
    pub fn matches(&self, event: &StoredEvent) -> bool {
        let envelope = &event.envelope;
        let listed = |t: &str| self.event_types.iter().any(|e| e == t);
        let voided_type = (envelope.event_type == "EventVoided")
            .then(|| envelope.data.get("voided_type").and_then(|v| v.as_str()))
            .flatten();
        let type_ok = self.event_types.is_empty()
            || listed(&envelope.event_type)
            || voided_type.is_some_and(listed);
        let agreement_ok = self.agreement_id.as_deref().is_none_or(|id| {
            envelope.data.get("agreement_id").and_then(|v| v.as_str()) == Some(id)
        });
        type_ok && agreement_ok
    }

    /// The secrets that sign at `now`: the current one and any unexpired previous one.
    pub fn signing_secrets(&self, now: OffsetDateTime) -> Vec<Secret> {
        self.secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .filter_map(|s| Secret::parse(&s.secret))
            .collect()
    }

    /// Makes `secret` the current one; the previous keeps signing for 24 hours.
    pub fn rotate(&mut self, secret: &Secret, now: OffsetDateTime) {
        self.secrets
            .retain(|s| s.expires_at.is_none_or(|at| at > now));
        for old in &mut self.secrets {
            let until = now + ROTATION_OVERLAP;
            old.expires_at = Some(old.expires_at.map_or(until, |at| at.min(until)));
        }
        self.secrets.insert(
            0,
            StoredSecret {
                secret: secret.expose(),
                expires_at: None,
            },
        );
    }

    /// What clients see: everything but the secrets.
    pub fn view(&self) -> SubscriptionView {
        SubscriptionView {
            id: self.id,
            url: self.url.clone(),
            event_types: self.event_types.clone(),
            agreement_id: self.agreement_id.clone(),
            description: self.description.clone(),
            status: self.status,
            created_at: self.created_at,
        }
    }
}

/// A subscription as `GET /v1/webhooks` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub agreement_id: Option<String>,
    pub description: Option<String>,
    pub status: Status,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where a subscription's dispatcher stands; written only by the dispatcher.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    /// The last position finished (delivered, failed or filtered out).
    pub cursor: u64,
    /// The first failed attempt since the last success.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub failing_since: Option<OffsetDateTime>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Succeeded,
    Failed,
}

impl std::str::FromStr for DeliveryState {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "pending" => Ok(DeliveryState::Pending),
            "succeeded" => Ok(DeliveryState::Succeeded),
            "failed" => Ok(DeliveryState::Failed),
            _ => Err(()),
        }
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed without an answer (timeout, refused, SSRF guard).
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The first bytes of the answer (at most [`crate::client::BODY_KEPT`]).
    pub response_body: Option<String>,
}

impl Attempt {
    /// Any 2xx is success.
    pub fn succeeded(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}

/// One event's delivery to one subscription, with every attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// The event's id: the `webhook-id` of every attempt.
    pub event_id: Uuid,
    pub position: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: Vec<Attempt>,
}
