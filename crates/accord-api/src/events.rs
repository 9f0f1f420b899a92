//! The global log: `GET /v1/events` (pages) and `GET /v1/events/stream`
//! (Server-Sent Events, resumable with `Last-Event-ID`). [`Follower`] is
//! the live subscription behind the stream; the console's live pages
//! follow the log with it too.

use std::convert::Infallible;
use std::time::Duration;

use std::collections::BTreeMap;

use accord_store::{LogReader, StoredEvent};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use futures::stream::{self, Stream};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::Params;
use crate::moment::Moment;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/events", get(page))
        .route("/v1/events/stream", get(stream_events))
}

/// Which events of the log a read wants.
#[derive(Clone)]
struct LogFilter {
    event_type: Option<String>,
    /// Business date as `YYYY-MM-DD`: events effective after it are skipped.
    at: Option<String>,
    /// Last position known at `as_of`.
    cut: u64,
}

impl LogFilter {
    fn from_params(params: &Params, state: &AppState) -> Result<Self, ApiError> {
        let moment = Moment::from_params(params)?;
        let event_type = params.text("type").map(str::to_owned);
        if let Some(t) = &event_type {
            if !accord_domain::Event::TYPES.contains(&t.as_str()) {
                return Err(ApiError::field(
                    "type",
                    format!("`{t}` is not an event type"),
                ));
            }
        }
        Ok(Self {
            event_type,
            at: params.date("at")?.map(|d| d.to_string()),
            cut: moment.cut(&state.engine)?.unwrap_or(u64::MAX),
        })
    }

    fn keeps(&self, e: &StoredEvent) -> bool {
        let env = &e.envelope;
        self.event_type
            .as_deref()
            .is_none_or(|t| t == env.event_type)
            && match (&self.at, &env.effective_on) {
                (Some(at), Some(on)) => on <= at,
                _ => true,
            }
    }
}

/// The voids known at a cut of the log: what marks a voided event's
/// envelope with `voided_by`, the void's event id (ADR 0031).
#[derive(Clone)]
pub(crate) struct Voids(BTreeMap<u64, u64>);

impl Voids {
    /// The voids recorded at or before position `cut` (voids are few: the
    /// map is copied, the models' lock held only for that).
    pub(crate) fn known_at(engine: &accord_engine::Engine, cut: u64) -> Self {
        let read = engine.read();
        let known = read.voids().iter().filter(|(_, by)| **by <= cut);
        Self(known.map(|(voided, by)| (*voided, *by)).collect())
    }

    /// Whether the event at `position` was voided at or before the cut.
    pub(crate) fn voided(&self, position: u64) -> bool {
        self.0.contains_key(&position)
    }

    /// The envelope as served: with `voided_by` (the void's event id, after
    /// `hash`) when the event was voided at or before the cut.
    pub(crate) fn envelope(&self, log: &LogReader, e: &StoredEvent) -> Result<Value, ApiError> {
        let mut json = e.to_json();
        if let Some(by) = self.0.get(&e.envelope.position) {
            if let (Some(void), Value::Object(map)) = (log.event(*by)?, &mut json) {
                map.insert("voided_by".into(), void.envelope.id.to_string().into());
            }
        }
        Ok(json)
    }
}

/// A page of the global log.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    #[schema(value_type = Vec<crate::openapi::EnvelopeSchema>)]
    pub items: Vec<Value>,
    /// The position to pass as `after` for the next page; null when this page
    /// reached the end of the log (or of the `as_of` cut).
    pub next_after: Option<u64>,
}

/// Read the global log
///
/// Events in position order after `after`, optionally of one `type`.
#[utoipa::path(
    get, path = "/v1/events", operation_id = "list_events", tag = "audit",
    params(
        ("after" = Option<u64>, Query, description = "Position to start after (default 0)"),
        ("limit" = Option<usize>, Query, minimum = 1, description = "Page size (default 100; more than 1000 reads as 1000)"),
        ("type" = Option<crate::openapi::EventType>, Query, description = "Only events of this type"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, body = EventPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn page(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<EventPage>, ApiError> {
    let filter = LogFilter::from_params(&params, &state)?;
    let mut after = params.parse::<u64>("after", "a position")?.unwrap_or(0);
    let limit = params.limit(100, 1000)?;
    let log = state.engine.log().clone();
    let voids = Voids::known_at(&state.engine, filter.cut);
    tokio::task::spawn_blocking(move || {
        let end = log.head().position.min(filter.cut);
        let mut items = Vec::new();
        while items.len() < limit && after < end {
            let chunk = log.read_all(after, limit.max(256))?;
            if chunk.is_empty() {
                break;
            }
            for e in chunk {
                if e.envelope.position > end || items.len() == limit {
                    break;
                }
                after = e.envelope.position;
                if filter.keeps(&e) {
                    items.push(voids.envelope(&log, &e)?);
                }
            }
        }
        let next_after = (after < end).then_some(after);
        Ok(Json(EventPage { items, next_after }))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Follow the log
///
/// Server-Sent Events: `id:` the position, `event:` the type, `data:` the
/// envelope. Starts after `Last-Event-ID` (or `after`), then follows new
/// events as they become durable. With `as_of`, ends at that instant's cut.
#[utoipa::path(
    get, path = "/v1/events/stream", operation_id = "stream_events", tag = "audit",
    params(
        ("after" = Option<u64>, Query, description = "Position to start after, unless Last-Event-ID is sent"),
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this position"),
        ("type" = Option<crate::openapi::EventType>, Query, description = "Only events of this type"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, description = "Server-Sent Events, one per log event (`id`: its position, `event`: its type, `data`: its envelope); endless unless `as_of` is given", content_type = "text/event-stream", body = crate::openapi::StreamEventSchema),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn stream_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let filter = LogFilter::from_params(&params, &state)?;
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let after = match resume {
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .map_err(|_| ApiError::field("Last-Event-ID", format!("`{raw}` is not a position")))?,
        None => params.parse::<u64>("after", "a position")?.unwrap_or(0),
    };
    let cut = filter.cut;
    let follower = Follower::new(state, after, move |e| filter.keeps(e)).until(cut);
    let events = stream::unfold(follower, |mut f| async move {
        f.next().await.map(|e| (Ok(to_sse(&e)), f))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Which events a [`Follower`] hands on.
type Keep = Box<dyn Fn(&StoredEvent) -> bool + Send + Sync>;

/// One follower of the log: where it is, and which events it wants. It
/// hands on the events after its position as they become durable, waiting
/// on the engine's head announcements when caught up.
pub struct Follower {
    state: AppState,
    keep: Keep,
    /// The last position to hand on (`u64::MAX`: follow forever).
    cut: u64,
    after: u64,
    buffer: std::vec::IntoIter<StoredEvent>,
}

impl Follower {
    /// Follows the log after position `after`, handing on the events
    /// `keep` accepts.
    pub fn new(
        state: AppState,
        after: u64,
        keep: impl Fn(&StoredEvent) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            state,
            keep: Box::new(keep),
            cut: u64::MAX,
            after,
            buffer: Vec::new().into_iter(),
        }
    }

    /// The same follower, ending after position `cut`.
    pub fn until(mut self, cut: u64) -> Self {
        self.cut = cut;
        self
    }

    /// The next event to hand on, waiting for new ones when caught up;
    /// `None` ends the stream (the cut was reached, or the server stops).
    /// Cancelling it loses nothing: the next call starts where it was.
    pub async fn next(&mut self) -> Option<StoredEvent> {
        let mut head = self.state.engine.head();
        loop {
            for e in self.buffer.by_ref() {
                self.after = e.envelope.position;
                if (self.keep)(&e) {
                    return Some(e);
                }
            }
            if self.after >= self.cut {
                return None;
            }
            let log = self.state.engine.log().clone();
            let after = self.after;
            let chunk = tokio::task::spawn_blocking(move || log.read_all(after, 256))
                .await
                .ok()?
                .ok()?;
            let cut = self.cut;
            let chunk: Vec<_> = chunk
                .into_iter()
                .filter(|e| e.envelope.position <= cut)
                .collect();
            if chunk.is_empty() {
                if self.state.engine.log().head().position > self.after {
                    continue;
                }
                tokio::select! {
                    changed = head.changed() => changed.ok()?,
                    _ = self.state.shutting_down() => return None,
                }
            }
            self.buffer = chunk.into_iter();
        }
    }
}

fn to_sse(e: &StoredEvent) -> SseEvent {
    SseEvent::default()
        .id(e.envelope.position.to_string())
        .event(e.envelope.event_type.clone())
        .data(e.to_json().to_string())
}
