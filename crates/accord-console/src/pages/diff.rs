//! `/agreements/{id}/diff?from=&to=`: what changed in an agreement between
//! two points (each a version, a date or an instant), each change linked to
//! the events that made it. The comparison is the JSON route's own
//! (`accord_api::diff::compute`); this page only renders it, in words
//! (`values`).

mod values;

use std::collections::{BTreeSet, HashMap};

use accord_api::diff::{compute, AgreementDiff, DiffChange, Point};
use accord_api::moment::today;
use accord_domain::AgreementId;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use self::values::{Group, Line, Reader};
use super::{agreement_id, Names};
use crate::context::render;
use crate::log::{self, LogEntry};
use crate::paging::Pager;
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
    /// How each side's version and position read: `diff-point-date` for a
    /// date (read from every fact known now, so two dates show the same
    /// version and position), `diff-point-known` for a version or an
    /// instant (the facts known then).
    from_point: &'static str,
    to_point: &'static str,
    /// The changes shown (a page of the diff's).
    changes: Vec<ChangeRow>,
    pager: Pager,
}

/// The message saying what a side's version and position are.
fn point_message(point: &Point) -> &'static str {
    match point {
        Point::Date(_) => "diff-point-date",
        Point::Version(_) | Point::Instant(_) => "diff-point-known",
    }
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

/// Changes shown a page: a busy agreement's diff over years has thousands,
/// and a page of them is what a person reads (ADR 0039).
const PER_PAGE: usize = 100;

/// The rows of `shown`, each event linked to the agreement as known right
/// after it (`recorded`: those events, read for their instants).
fn rows(
    reader: &Reader<'_>,
    shown: &[DiffChange],
    recorded: &[LogEntry],
    id: &str,
) -> Vec<ChangeRow> {
    let by_position: HashMap<u64, &LogEntry> = recorded.iter().map(|e| (e.position, e)).collect();
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
    shown
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

/// The agreements `changes` name as superseding or superseded (the only
/// titles a change shows), once each.
fn named_agreements(changes: &[DiffChange]) -> BTreeSet<AgreementId> {
    fn walk(key: Option<&str>, value: &Value, found: &mut BTreeSet<AgreementId>) {
        match value {
            Value::String(s) if matches!(key, Some("supersedes" | "superseded_by")) => {
                found.extend(s.parse::<AgreementId>().ok());
            }
            Value::Array(items) => items.iter().for_each(|v| walk(key, v, found)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(Some(k), v, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    for c in changes {
        let key = c.change.field.as_deref();
        walk(key, &c.change.before, &mut found);
        walk(key, &c.change.after, &mut found);
    }
    found
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
    let Some(signature) = log::agreement_first(&engine, id).await? else {
        return Err(PageError::NotFound);
    };
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
    let computing = engine.clone();
    let found = tokio::task::spawn_blocking(move || compute(&computing, id, points.0, points.1))
        .await
        .map_err(PageError::internal)?;
    let diff = match found {
        Ok(diff) => Some(diff),
        Err(accord_api::ApiError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let total = diff.as_ref().map_or(0, |d| d.changes.len());
    let pager = Pager::new(&ui, "page", total, PER_PAGE, 1);
    let shown = diff
        .as_ref()
        .map(|d| pager.slice(&d.changes))
        .unwrap_or_default();
    // Names and instants for the changes shown only: not a view of every
    // agreement of the register, nor the agreement's whole history.
    let (live_title, parties, titles) = {
        let models = engine.read();
        let titles = named_agreements(shown)
            .into_iter()
            .filter_map(|a| {
                models
                    .agreement(a, today())
                    .map(|v| (a.to_string(), v.title))
            })
            .collect();
        (
            models.agreement(id, today()).map(|v| v.title),
            models.parties(),
            titles,
        )
    };
    let positions: BTreeSet<u64> = shown
        .iter()
        .flat_map(|c| c.events.iter().map(|e| e.position))
        .collect();
    let recorded = log::events_at(&engine, positions.into_iter().collect()).await?;
    let title = live_title
        .or_else(|| signature.data["title"].as_str().map(str::to_owned))
        .unwrap_or_else(|| raw.clone());
    let (names, titles) = (Names::new(parties), Names::titles(titles));
    let reader = Reader {
        ui: &ui,
        names: &names,
        titles: &titles,
    };
    let changes = rows(&reader, shown, &recorded, &raw);
    let page = DiffPage {
        agreement_href: ui.agreement_href(id),
        title,
        from,
        to,
        diff,
        from_point: point_message(&points.0),
        to_point: point_message(&points.1),
        changes,
        pager,
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
    fn each_assessment_of_a_review_reads_as_its_own_line() {
        let ui = Ui::new(Lang::En, None, &Uri::from_static("/"));
        let names = Names::new(Vec::new());
        let reader = Reader {
            ui: &ui,
            names: &names,
            titles: &names,
        };
        let before = json!({"status": "open", "assessments": []});
        let after = json!({"status": "open", "assessments": [
            {"party_id": "dong-nai", "rating": "met", "assessed_on": "2013-06-30", "notes": "Đã hoàn thành."},
            {"party_id": "lam-dong", "rating": "partly", "assessed_on": "2013-07-01", "notes": "Còn dở dang."}
        ]});
        let lines = reader.lines(&Group::Review, "status", &after, &before);
        let values: Vec<&str> = lines.iter().map(|l| l.value.as_str()).collect();
        assert_eq!(lines.len(), 2, "{values:?}");
        assert!(lines
            .iter()
            .all(|l| l.label.as_deref() == Some("Assessments")));
        assert!(values[0].ends_with("Đã hoàn thành."), "{values:?}");
        assert!(values[1].contains("Còn dở dang."), "{values:?}");
        assert!(!values.iter().any(|v| v.contains("., ")), "{values:?}");
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
