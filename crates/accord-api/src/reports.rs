//! `GET /v1/reports/cooperation`, in JSON or CSV.

use accord_domain::PartyId;
use accord_projections::{report_csv, Report, ReportQuery, WithoutLineage};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::error::{ApiError, Problem};
use crate::extract::Params;
use crate::moment::Moment;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/reports/cooperation", get(cooperation))
}

/// The cooperation report
///
/// For the business window `from`..`to`: the agreements, the exchanges that
/// occurred in it and the reviews closed in it, rebuilt at `at` and `as_of`.
/// `format=csv` answers one row per agreement with a header row.
/// `lineage=none` leaves out each row's `exchange_sources` and
/// `review_sources`, whose length follows the counted exchanges and reviews
/// (ADR 0036); every figure stays.
#[utoipa::path(
    get, path = "/v1/reports/cooperation", operation_id = "get_cooperation_report", tag = "reports",
    params(
        ("from" = Option<String>, Query, format = Date, description = "Window start (inclusive)"),
        ("to" = Option<String>, Query, format = Date, description = "Window end (inclusive; default `at`)"),
        ("party" = Option<accord_domain::PartyId>, Query, description = "Only agreements of this party"),
        ("format" = Option<crate::openapi::ReportFormat>, Query, description = "`json` (default) or `csv`"),
        ("lineage" = Option<crate::openapi::ReportLineage>, Query, description = "`all` (default): each row lists `exchange_sources` and `review_sources`; `none`: they are left out, every figure stays"),
        crate::openapi::At, crate::openapi::AsOf),
    responses(
        (status = 200, description = "The report (JSON), or CSV with `format=csv`", content((Report = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn cooperation(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let moment = Moment::from_params(&params)?;
    let csv = match params.text("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::field(
                "format",
                format!("`{other}` is not `json` or `csv`"),
            ))
        }
    };
    let lineage = match params.text("lineage") {
        None | Some("all") => true,
        Some("none") => false,
        Some(other) => {
            return Err(ApiError::field(
                "lineage",
                format!("`{other}` is not `all` or `none`"),
            ))
        }
    };
    let query = ReportQuery {
        from: params.date("from")?,
        to: params.date("to")?,
        party: params.parse::<PartyId>("party", "a party id")?,
        at: moment.at,
        as_of: moment.as_of_text(),
    };
    // The CSV lists no positions either: without them a row costs its
    // agreement's classes, not its exchanges (ADR 0041).
    let report = moment
        .with_models(&state.engine, move |m, at| {
            let query = ReportQuery { at, ..query };
            if lineage && !csv {
                m.report(&query)
            } else {
                m.report_without_lineage(&query)
            }
        })
        .await?;
    if !csv {
        return Ok(if lineage {
            Json(report).into_response()
        } else {
            Json(WithoutLineage(&report)).into_response()
        });
    }
    let content_type = HeaderValue::from_static("text/csv; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], report_csv(&report)).into_response())
}
