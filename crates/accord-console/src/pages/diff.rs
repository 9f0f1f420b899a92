//! `/agreements/{id}/diff?from=&to=`: what changed in an agreement between
//! two points (each a version, a date or an instant), each change linked to
//! the events that made it. The comparison is the JSON route's own
//! (`accord_api::diff::compute`); this page only renders it, in words
//! (`values`).

mod values;

use std::collections::HashMap;

use accord_api::diff::{compute, AgreementDiff, DiffChange, Point};
use accord_api::moment::today;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use self::values::{Group, Line, Reader};
use super::{agreement_id, Names};
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
    kind: accord_projections::ChangeKind,
    /// The field, party, exchange or review the change is about, in words.
    subject: Option<String>,
    before: Vec<Line>,
    after: Vec<Line>,
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

/// What a change is about: a field's name, a party's, a review's title, an
/// exchange's date and summary.
fn subject(reader: &Reader<'_>, change: &DiffChange) -> Option<String> {
    let c = &change.change;
    if let Some(field) = &c.field {
        return Some(reader.ui.field_name(field));
    }
    if let Some(party) = &c.party_id {
        return Some(reader.names.short(party.as_str()).to_owned());
    }
    let side = if c.after.is_null() {
        &c.before
    } else {
        &c.after
    };
    let text = |key| reader.text(&Group::of(c.kind), key, &side[key]);
    match (c.review_id, c.exchange_id) {
        (Some(_), _) => Some(text("title")),
        (_, Some(_)) => Some(format!("{} · {}", text("occurred_on"), text("summary"))),
        _ => None,
    }
}

fn rows(
    reader: &Reader<'_>,
    diff: &AgreementDiff,
    history: &[LogEntry],
    id: &str,
) -> Vec<ChangeRow> {
    let by_position: HashMap<u64, &LogEntry> = history.iter().map(|e| (e.position, e)).collect();
    let link = |position: u64| match by_position.get(&position) {
        Some(entry) => format!(
            "{}#event-{position}",
            crate::ui::url_with(
                &format!("/agreements/{id}"),
                &[],
                &[("as_of", &entry.instant())]
            )
        ),
        None => format!("/agreements/{id}"),
    };
    diff.changes
        .iter()
        .map(|c| {
            let group = Group::of(c.change.kind);
            let field = c.change.field.as_deref().unwrap_or("status");
            let (before, after) = (&c.change.before, &c.change.after);
            ChangeRow {
                kind: c.change.kind,
                subject: subject(reader, c),
                before: reader.lines(&group, field, before, after),
                after: reader.lines(&group, field, after, before),
                events: c
                    .events
                    .iter()
                    .map(|e| EventLink {
                        position: e.position,
                        event_type: e.kind.clone(),
                        href: link(e.position),
                    })
                    .collect(),
            }
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
    let (live_title, parties, titles) = {
        let models = engine.read();
        let everything = models.agreements(today(), &Default::default());
        let titles = everything
            .into_iter()
            .map(|v| (v.agreement_id.to_string(), v.title))
            .collect();
        (
            models.agreement(id, today()).map(|v| v.title),
            models.parties(),
            titles,
        )
    };
    let title = live_title
        .or_else(|| signature.data["title"].as_str().map(str::to_owned))
        .unwrap_or_else(|| raw.clone());
    let signed_on = signature.effective_on.unwrap_or_else(today);
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
    let (names, titles) = (Names::new(parties), Names::titles(titles));
    let reader = Reader {
        ui: &ui,
        names: &names,
        titles: &titles,
    };
    let changes = diff
        .as_ref()
        .map(|d| rows(&reader, d, &history, &raw))
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

#[cfg(test)]
mod tests {
    use axum::http::Uri;
    use serde_json::json;

    use super::values::{Group, Reader};
    use crate::i18n::Lang;
    use crate::pages::Names;
    use crate::ui::Ui;

    #[test]
    fn a_closed_review_reads_as_the_fields_that_changed_in_words() {
        let ui = Ui::new(Lang::Vi, None, &Uri::from_static("/"));
        let names = Names::new(Vec::new());
        let reader = Reader {
            ui: &ui,
            names: &names,
            titles: &names,
        };
        let before = json!({"status": "open", "outcome": null, "closed_on": null, "title": "Tổng kết", "sources": [11]});
        let after = json!({"status": "closed", "outcome": "met", "closed_on": "2013-07-04", "title": "Tổng kết", "sources": [11, 14]});
        let lines = reader.lines(&Group::Review, "status", &after, &before);
        let shown: Vec<_> = lines
            .iter()
            .map(|l| (l.label.clone().unwrap_or_default(), l.value.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Tình trạng".to_owned(), "Đã kết thúc".to_owned()),
                ("Kết quả".to_owned(), "Đạt".to_owned()),
                ("Ngày kết thúc".to_owned(), "04/07/2013".to_owned()),
            ]
        );
    }

    #[test]
    fn a_term_reads_as_one_range_and_nothing_as_a_dash() {
        let ui = Ui::new(Lang::En, None, &Uri::from_static("/"));
        let names = Names::new(Vec::new());
        let reader = Reader {
            ui: &ui,
            names: &names,
            titles: &names,
        };
        let term = json!({"start": "2013-07-04", "end": "2015-12-31"});
        assert_eq!(
            reader.text(&Group::Agreement, "term", &term),
            "4 July 2013 – 31 December 2015"
        );
        assert_eq!(
            reader.text(&Group::Agreement, "place", &serde_json::Value::Null),
            "—"
        );
        assert_eq!(
            reader.text(&Group::Agreement, "status", &json!("superseded")),
            "Superseded"
        );
    }
}
