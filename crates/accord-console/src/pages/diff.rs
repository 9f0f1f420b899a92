//! `/agreements/{id}/diff?from=&to=`: what changed in an agreement between
//! two points (each a version, a date or an instant), each change linked to
//! the events that made it. The comparison is the JSON route's own
//! (`accord_api::diff::compute`); this page only renders it.

use std::collections::HashMap;

use accord_api::diff::{compute, AgreementDiff, Point};
use accord_api::moment::today;
use accord_projections::ChangeKind;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::agreement_id;
use crate::context::render;
use crate::log::{self, LogEntry};
use crate::{Console, PageError, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/agreements/{id}/diff", get(diff))
}

/// An event behind a change, linked to the agreement as known right after it.
struct EventLink {
    position: u64,
    event_type: String,
    href: String,
}

struct ChangeRow {
    kind: ChangeKind,
    /// The field, party, exchange or review the change is about.
    subject: Option<String>,
    before: String,
    after: String,
    events: Vec<EventLink>,
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage {
    ui: Ui,
    title: String,
    agreement_href: String,
    from: String,
    to: String,
    diff: Option<AgreementDiff>,
    changes: Vec<ChangeRow>,
}

/// A value of a change as the person reads it: text as recorded, nothing
/// as a dash, anything else as compact JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn rows(diff: &AgreementDiff, history: &[LogEntry], id: &str) -> Vec<ChangeRow> {
    let by_position: HashMap<u64, &LogEntry> = history.iter().map(|e| (e.position, e)).collect();
    diff.changes
        .iter()
        .map(|c| ChangeRow {
            kind: c.change.kind,
            subject: c.change.field.clone().or_else(|| {
                let party = c.change.party_id.as_ref().map(|p| p.to_string());
                party
                    .or_else(|| c.change.exchange_id.map(|x| x.to_string()))
                    .or_else(|| c.change.review_id.map(|r| r.to_string()))
            }),
            before: shown(&c.change.before),
            after: shown(&c.change.after),
            events: c
                .events
                .iter()
                .map(|e| EventLink {
                    position: e.position,
                    event_type: e.kind.clone(),
                    href: match by_position.get(&e.position) {
                        Some(entry) => format!(
                            "/agreements/{id}?as_of={}#event-{}",
                            entry.instant().replace('+', "%2B"),
                            e.position
                        ),
                        None => format!("/agreements/{id}"),
                    },
                })
                .collect(),
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(agreement_id = %raw))]
async fn diff(
    State(console): State<Console>,
    _: Viewer,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = agreement_id(&raw)?;
    let engine = console.app.engine.clone();
    let history = log::agreement_history(&engine, id).await?;
    let Some(signature) = history.first() else {
        return Err(PageError::NotFound);
    };
    let signed_on = signature.effective_on.unwrap_or_else(today);
    let live_title = engine.read().agreement(id, today()).map(|v| v.title);
    let title = live_title
        .or_else(|| signature.data["title"].as_str().map(str::to_owned))
        .unwrap_or_else(|| raw.clone());
    let from = ui
        .param("from")
        .map_or_else(|| signed_on.to_string(), str::to_owned);
    let to = ui
        .param("to")
        .map_or_else(|| today().to_string(), str::to_owned);
    let points = (
        Point::parse_text("from", &from)?,
        Point::parse_text("to", &to)?,
    );
    let found = tokio::task::spawn_blocking(move || compute(&engine, id, points.0, points.1))
        .await
        .map_err(PageError::internal)?;
    let diff = match found {
        Ok(diff) => Some(diff),
        Err(accord_api::ApiError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let changes = diff
        .as_ref()
        .map(|d| rows(d, &history, &raw))
        .unwrap_or_default();
    let page = DiffPage {
        agreement_href: ui.agreement_href(id),
        title,
        from,
        to,
        diff,
        changes,
        ui,
    };
    Ok(render(&page))
}
