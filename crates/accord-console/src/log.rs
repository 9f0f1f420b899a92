//! The only module of the console that reads the event log itself: an
//! agreement's history (its timeline and the instants of the "as known at"
//! picker) and the latest events of the whole log. Every other read goes
//! through the read models, as the JSON handlers' do. The reads here are
//! the ones `GET /v1/agreements/{id}/history` and `GET /v1/events` make,
//! so when the engine offers them as methods, only this file changes.

use accord_domain::{AgreementId, BusinessDate};
use accord_engine::Engine;
use accord_store::{Actor, StoredEvent};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::PageError;

/// The most events of one agreement the console reads for its timeline.
pub const HISTORY_LIMIT: usize = 10_000;

/// One event as the console shows it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Its place in the global log.
    pub position: u64,
    /// Its event id.
    pub id: String,
    /// Its stream, `agreement:…` or `party:…`.
    pub stream: String,
    /// Its place in its stream.
    pub version: u64,
    /// Its type, e.g. `ExchangeRecorded`.
    pub event_type: String,
    /// When the service recorded it.
    pub recorded_at: OffsetDateTime,
    /// The business date it is about, if any.
    pub effective_on: Option<BusinessDate>,
    /// Who issued the command.
    pub actor: Actor,
    /// The command that produced it.
    pub command_id: String,
    /// Its hash, lowercase hex.
    pub hash: String,
    /// Its predecessor's hash.
    pub prev_hash: String,
    /// Its payload.
    pub data: Value,
}

impl LogEntry {
    fn from_stored(stored: StoredEvent) -> Self {
        let envelope = stored.envelope;
        Self {
            position: envelope.position,
            id: envelope.id.to_string(),
            stream: envelope.stream,
            version: envelope.version,
            event_type: envelope.event_type,
            recorded_at: envelope.recorded_at,
            effective_on: envelope
                .effective_on
                .as_deref()
                .and_then(|d| BusinessDate::parse(d).ok()),
            actor: envelope.actor,
            command_id: envelope.command_id.to_string(),
            hash: hex::encode(stored.hash),
            prev_hash: envelope.prev_hash,
            data: envelope.data,
        }
    }

    /// `recorded_at` as RFC 3339: the value of `as_of` that shows the log
    /// as it was right after this event.
    pub fn instant(&self) -> String {
        self.recorded_at.format(&Rfc3339).unwrap_or_default()
    }

    /// The console page of the event's subject (its agreement or party).
    pub fn subject_href(&self) -> Option<String> {
        let (kind, id) = self.stream.split_once(':')?;
        match kind {
            "agreement" => Some(format!("/agreements/{id}")),
            "party" => Some(format!("/parties/{id}")),
            _ => None,
        }
    }

    /// The id in the event's stream name.
    pub fn subject(&self) -> &str {
        self.stream
            .split_once(':')
            .map_or(self.stream.as_str(), |(_, id)| id)
    }

    /// Whether the event's business date is after `at` (it is known, but
    /// not in effect on that date).
    pub fn after(&self, at: BusinessDate) -> bool {
        self.effective_on.is_some_and(|d| d > at)
    }
}

async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, accord_store::StoreError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)
}

/// Every event of agreement `id` recorded so far (at most
/// [`HISTORY_LIMIT`]), oldest first.
pub async fn agreement_history(
    engine: &Engine,
    id: AgreementId,
) -> Result<Vec<LogEntry>, PageError> {
    let log = engine.log().clone();
    let stream = format!("agreement:{id}");
    let events = blocking(move || log.read_stream(&stream, 0, HISTORY_LIMIT)).await?;
    Ok(events.into_iter().map(LogEntry::from_stored).collect())
}

/// The first event of agreement `id`'s stream (its signing), if any.
pub async fn agreement_first(
    engine: &Engine,
    id: AgreementId,
) -> Result<Option<LogEntry>, PageError> {
    let log = engine.log().clone();
    let stream = format!("agreement:{id}");
    let events = blocking(move || log.read_stream(&stream, 0, 1)).await?;
    Ok(events.into_iter().next().map(LogEntry::from_stored))
}

/// The events at `positions` that exist, in the order given.
pub async fn events_at(engine: &Engine, positions: Vec<u64>) -> Result<Vec<LogEntry>, PageError> {
    let log = engine.log().clone();
    let events = blocking(move || {
        let mut found = Vec::with_capacity(positions.len());
        for position in positions {
            found.extend(log.event(position)?);
        }
        Ok(found)
    })
    .await?;
    Ok(events.into_iter().map(LogEntry::from_stored).collect())
}

/// The `n` latest events at or before position `cut` (the head if
/// `None`), newest first.
pub async fn recent(
    engine: &Engine,
    n: usize,
    cut: Option<u64>,
) -> Result<Vec<LogEntry>, PageError> {
    let log = engine.log().clone();
    let events = blocking(move || {
        let end = log.head().position.min(cut.unwrap_or(u64::MAX));
        log.read_all(end.saturating_sub(n as u64), n)
    })
    .await?;
    Ok(events
        .into_iter()
        .rev()
        .map(LogEntry::from_stored)
        .collect())
}

/// The last position known at `as_of` (`None`: everything).
pub fn cut(engine: &Engine, as_of: Option<OffsetDateTime>) -> Result<Option<u64>, PageError> {
    let moment = accord_api::moment::Moment {
        at: accord_api::moment::today(),
        as_of,
    };
    Ok(moment.cut(engine)?)
}
