//! Live updates: `GET /live` answers Server-Sent Events, one for each event
//! appended to the log from then on (`?agreement=` keeps only that
//! agreement's), to pages that follow the log: the home page and an
//! agreement's page when they show the present (no `as_of`). The stream is
//! the API's own live subscription ([`accord_api::events::Follower`], behind
//! `GET /v1/events/stream`), authenticated by the console session instead
//! of a bearer token.
//!
//! An event says only that something was recorded (`id`: its position;
//! `data`: `{"position", "type"}`); `assets/live.js` then fetches the page
//! again and swaps its live regions, so what people see is always the
//! server's rendering, and a page without the script stays complete.
//!
//! The stream ends with an `ended` event as soon as its session does
//! (sign-out, expiry, the token revoked): it checks before every event and
//! every [`SESSION_CHECK`]. Following does not count as using the session,
//! so an open page does not keep it from expiring. A request without a
//! live session gets `204 No Content`, which tells a browser's
//! `EventSource` not to reconnect.

use std::convert::Infallible;
use std::time::Duration;

use accord_domain::AgreementId;
use accord_store::StoredEvent;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::stream;
use tokio::time::{interval, MissedTickBehavior};

use accord_api::events::Follower;

use crate::session::{cookie, SESSION_COOKIE};
use crate::{assets, Console, PageError, Ui};

/// How often a quiet stream checks that its session is still live.
pub const SESSION_CHECK: Duration = Duration::from_secs(5);

/// How long an event waits for the read models to include it before it is
/// announced anyway (they are updated as it becomes durable).
const PROJECTED_WITHIN: Duration = Duration::from_secs(5);

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/live", get(follow))
}

/// What a live page carries: where its stream is, and the script.
#[derive(Debug, Clone)]
pub struct Live {
    /// `/live?after=N` (and `&agreement=` on an agreement's page).
    pub href: String,
    /// `assets/live.js`, versioned.
    pub script: String,
}

impl Live {
    /// The live stream of a page showing the present, after the log's
    /// head now; `None` for a view as known at an instant (the past does
    /// not change).
    pub fn for_page(ui: &Ui, console: &Console, agreement: Option<AgreementId>) -> Option<Live> {
        if ui.param("as_of").is_some() {
            return None;
        }
        let head = console.app.engine.log().head().position.to_string();
        let mut params = vec![("after", head.as_str())];
        let id = agreement.map(|a| a.to_string());
        if let Some(id) = &id {
            params.push(("agreement", id));
        }
        Some(Live {
            href: crate::ui::url_with("/live", &[], &params),
            script: assets::url("live.js"),
        })
    }
}

/// One browser following the log, while its session lives.
struct Watch {
    console: Console,
    session: String,
    follower: Follower,
    projected: tokio::sync::watch::Receiver<u64>,
    check: tokio::time::Interval,
    over: bool,
}

impl Watch {
    fn alive(&self) -> bool {
        self.console
            .sessions
            .alive(&self.session, &self.console.app.tokens)
    }

    /// The next thing to send; `None` ends the stream.
    async fn next(&mut self) -> Option<SseEvent> {
        if self.over {
            return None;
        }
        loop {
            tokio::select! {
                event = self.follower.next() => {
                    let event = event?;
                    let position = event.envelope.position;
                    let projected = self.projected.wait_for(|head| *head >= position);
                    let _ = tokio::time::timeout(PROJECTED_WITHIN, projected).await;
                    if !self.alive() {
                        return Some(self.end());
                    }
                    return Some(announce(&event));
                }
                _ = self.check.tick() => {
                    if !self.alive() {
                        return Some(self.end());
                    }
                }
            }
        }
    }

    fn end(&mut self) -> SseEvent {
        self.over = true;
        SseEvent::default().event("ended").data("{}")
    }
}

fn announce(event: &StoredEvent) -> SseEvent {
    let envelope = &event.envelope;
    let data = serde_json::json!({"position": envelope.position, "type": envelope.event_type});
    SseEvent::default()
        .id(envelope.position.to_string())
        .data(data.to_string())
}

/// `GET /live?after=&agreement=`: the stream.
async fn follow(
    State(console): State<Console>,
    ui: Ui,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let session = cookie(&headers, SESSION_COOKIE).map(str::to_owned);
    let (Some(_), Some(session)) = (&ui.viewer, session) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let stream_name = match ui.param("agreement") {
        Some(raw) => Some(format!("agreement:{}", crate::pages::agreement_id(raw)?)),
        None => None,
    };
    // A reconnecting browser says where it was; else the page said where
    // the log stood when it was rendered.
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(ui.param("after"));
    let after = match resumed {
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .map_err(|_| PageError::Invalid("after".into()))?,
        None => console.app.engine.log().head().position,
    };
    let follower = Follower::new(console.app.clone(), after, move |e| {
        stream_name
            .as_deref()
            .is_none_or(|name| e.envelope.stream == name)
    });
    let mut check = interval(SESSION_CHECK);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let watch = Watch {
        projected: console.app.engine.head(),
        console,
        session,
        follower,
        check,
        over: false,
    };
    let events = stream::unfold(watch, |mut w| async move {
        w.next().await.map(|event| (Ok::<_, Infallible>(event), w))
    });
    let keep_alive = KeepAlive::new().interval(Duration::from_secs(15));
    Ok(Sse::new(events).keep_alive(keep_alive).into_response())
}
