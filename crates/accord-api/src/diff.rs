//! `GET /v1/agreements/{id}/diff?from=&to=`: what changed in an agreement
//! between two points, each change with the events that made it
//! (ADR 0014). The comparison itself is `accord_projections::diff`; this
//! module resolves the points to read models and names the events.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_domain::{AgreementId, BusinessDate};
use accord_engine::Engine;
use accord_projections::{Change, DiffDate, DiffPoint, DiffSide, ReadModels};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Params, PathParam};
use crate::moment::today;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/agreements/{id}/diff", get(diff))
}

/// A point as asked for.
#[derive(Debug, Clone, Copy)]
pub enum Point {
    /// The agreement right after its stream reached this version.
    Version(u64),
    /// The world on this business date, knowing everything.
    Date(BusinessDate),
    /// What was known at this instant.
    Instant(OffsetDateTime),
}

impl Point {
    /// Reads `from` or `to`: an integer is a version, `YYYY-MM-DD` a date,
    /// anything else must be an RFC 3339 instant.
    fn parse(params: &Params, name: &str) -> Result<Point, ApiError> {
        let Some(raw) = params.text(name) else {
            return Err(ApiError::field(
                name,
                "required: a version, a date (YYYY-MM-DD) or an RFC 3339 instant",
            ));
        };
        Point::parse_text(name, raw)
    }

    /// Reads the value `raw` of the parameter `name`, as [`Point`] documents.
    pub fn parse_text(name: &str, raw: &str) -> Result<Point, ApiError> {
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            let version = raw
                .parse()
                .map_err(|_| ApiError::field(name, format!("`{raw}` is too large a version")))?;
            return Ok(Point::Version(version));
        }
        if let Ok(date) = BusinessDate::parse(raw) {
            return Ok(Point::Date(date));
        }
        OffsetDateTime::parse(raw, &Rfc3339)
            .map(|t| Point::Instant(t.to_offset(time::UtcOffset::UTC)))
            .map_err(|_| {
                ApiError::field(
                    name,
                    format!("`{raw}` is not a version, a date (YYYY-MM-DD) or an RFC 3339 instant"),
                )
            })
    }

    fn kind(self) -> &'static str {
        match self {
            Point::Version(_) => "version",
            Point::Date(_) => "date",
            Point::Instant(_) => "instant",
        }
    }

    fn given(self) -> String {
        match self {
            Point::Version(v) => v.to_string(),
            Point::Date(d) => d.to_string(),
            Point::Instant(t) => t.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// A point resolved to a log cut and a business date.
struct Resolved {
    point: Point,
    /// The last position to know (`None`: everything, the live models).
    cut: Option<u64>,
    date: DiffDate,
}

/// Versions and instants are read knowing only the events up to their
/// position, at every fact known then; dates knowing everything.
fn resolve(engine: &Engine, id: AgreementId, point: Point) -> Result<Resolved, ApiError> {
    let all = DiffDate::AllFacts { today: today() };
    let (cut, date) = match point {
        Point::Version(0) => (Some(0), all),
        Point::Version(version) => {
            let stream = format!("agreement:{id}");
            let found = engine.log().read_stream(&stream, version - 1, 1)?;
            let event = found.first().filter(|e| e.envelope.version == version);
            let Some(event) = event else {
                return Err(ApiError::NotFound(format!(
                    "agreement {id} has no version {version}"
                )));
            };
            (Some(event.envelope.position), all)
        }
        Point::Date(day) => (None, DiffDate::On(day)),
        Point::Instant(instant) => (Some(engine.log().position_at(instant)?), all),
    };
    Ok(Resolved { point, cut, date })
}

/// What a point was asked as and what it resolved to.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffPointView {
    /// `version`, `date` or `instant`.
    pub kind: String,
    /// The value as given (an instant normalised to UTC).
    pub given: String,
    /// The date, knowledge and version it resolved to.
    #[serde(flatten)]
    pub point: DiffPoint,
}

/// An event behind a change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiffEvent {
    /// Its place in the log.
    pub position: u64,
    /// Its id.
    pub id: Uuid,
    /// Its type, e.g. `ReviewPeriodClosed`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A change with the events at its `sources`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffChange {
    /// The change.
    #[serde(flatten)]
    pub change: Change,
    /// The events at `sources`, in the same order.
    pub events: Vec<DiffEvent>,
}

/// What changed in an agreement between `from` and `to`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDiff {
    /// The agreement.
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    /// What `from` resolved to.
    pub from: DiffPointView,
    /// What `to` resolved to.
    pub to: DiffPointView,
    /// Fields, status, parties, exchanges, then reviews.
    pub changes: Vec<DiffChange>,
}

/// Diff an agreement
///
/// What changed between `from` and `to` — fields, status, parties,
/// exchanges added, corrected or retracted, reviews opened, assessed and
/// closed — each with the positions and events that made it. Each point is
/// a version (the agreement as known right after its stream reached it), a
/// date `YYYY-MM-DD` (the world on that date, knowing everything) or an
/// RFC 3339 instant (what was known then). Versions and instants are read
/// at today's date, or the agreement's latest fact's if later. 404 if the
/// agreement does not exist at `to`; if it does not at `from`, everything
/// it is at `to` is a change.
#[utoipa::path(
    get, path = "/v1/agreements/{id}/diff", operation_id = "diff_agreement", tag = "audit",
    params(
        ("id" = String, Path, format = Uuid),
        ("from" = crate::openapi::DiffBound, Query, description = "A version, a date (YYYY-MM-DD) or an RFC 3339 instant"),
        ("to" = crate::openapi::DiffBound, Query, description = "A version, a date (YYYY-MM-DD) or an RFC 3339 instant")),
    responses(
        (status = 200, body = AgreementDiff),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all, fields(agreement_id = %id))]
pub(crate) async fn diff(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<AgreementDiff>, ApiError> {
    let id: AgreementId = id
        .parse()
        .map_err(|_| ApiError::field("id", format!("`{id}` is not a UUID")))?;
    let (from, to) = (Point::parse(&params, "from")?, Point::parse(&params, "to")?);
    let engine = state.engine.clone();
    tokio::task::spawn_blocking(move || compute(&engine, id, from, to))
        .await
        .map_err(ApiError::internal)?
        .map(Json)
}

/// The diff between `from` and `to`, with the events behind each change:
/// what the JSON route answers and the console renders. Blocking: it may
/// replay the log.
pub fn compute(
    engine: &Engine,
    id: AgreementId,
    from: Point,
    to: Point,
) -> Result<AgreementDiff, ApiError> {
    let (from, to) = (resolve(engine, id, from)?, resolve(engine, id, to)?);
    let head = engine.read().position();
    let (mut a, mut b) = (
        models(engine, from.cut, head)?,
        models(engine, to.cut, head)?,
    );
    let mut live = engine.read();
    if live.position() != head {
        // A batch landed meanwhile: rebuild every cut so none sees it.
        drop(live);
        (a, b) = (
            models(engine, from.cut, u64::MAX)?,
            models(engine, to.cut, u64::MAX)?,
        );
        live = engine.read();
    }
    let found = accord_projections::diff(
        id,
        side(a.as_deref(), &live, &from),
        side(b.as_deref(), &live, &to),
    );
    drop(live);
    let diff = found
        .ok_or_else(|| ApiError::NotFound(format!("agreement {id} does not exist at `to`")))?;
    let events = name_events(engine, &diff.changes)?;
    let changes = diff
        .changes
        .into_iter()
        .map(|change| DiffChange {
            events: change
                .sources
                .iter()
                .filter_map(|p| events.get(p).cloned())
                .collect(),
            change,
        })
        .collect();
    let view = |r: &Resolved, point| DiffPointView {
        kind: r.point.kind().to_owned(),
        given: r.point.given(),
        point,
    };
    Ok(AgreementDiff {
        agreement_id: id,
        from: view(&from, diff.from),
        to: view(&to, diff.to),
        changes,
    })
}

/// A side of the diff: its own models, or the live ones.
fn side<'a>(own: Option<&'a ReadModels>, live: &'a ReadModels, r: &Resolved) -> DiffSide<'a> {
    DiffSide {
        models: own.unwrap_or(live),
        date: r.date,
    }
}

/// The models known at `cut`: `None` for the live ones (no cut, or a cut
/// at or past `head`, the live position), else the log's prefix up to it.
fn models(
    engine: &Engine,
    cut: Option<u64>,
    head: u64,
) -> Result<Option<Arc<ReadModels>>, ApiError> {
    match cut {
        Some(cut) if cut < head => Ok(Some(engine.read_as_of(cut)?)),
        _ => Ok(None),
    }
}

/// The id and type of every event a change names.
fn name_events(engine: &Engine, changes: &[Change]) -> Result<BTreeMap<u64, DiffEvent>, ApiError> {
    let mut named = BTreeMap::new();
    for &position in changes.iter().flat_map(|c| &c.sources) {
        if named.contains_key(&position) {
            continue;
        }
        if let Some(stored) = engine.log().event(position)? {
            let event = DiffEvent {
                position,
                id: stored.envelope.id,
                kind: stored.envelope.event_type.clone(),
            };
            named.insert(position, event);
        }
    }
    Ok(named)
}
