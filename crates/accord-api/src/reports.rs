//! `GET /v1/reports/cooperation`, in JSON or CSV.

use accord_domain::PartyId;
use accord_projections::{report_csv, Report, ReportQuery, WithoutLineage};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

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
        let capacity = json_capacity(&report);
        return if lineage {
            json(&report, capacity)
        } else {
            json(&WithoutLineage(&report), capacity)
        };
    }
    let content_type = HeaderValue::from_static("text/csv; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], report_csv(&report)).into_response())
}

/// `value` as JSON: the bytes `axum::Json` answers (`serde_json`'s compact
/// encoding, `application/json`), encoded into one buffer of `capacity`
/// bytes reserved up front (ADR 0060). `Json` encodes into a buffer of 128
/// bytes that grows by doubling: a report with its lineage (8 MB at a
/// million events) was copied about 16 times as it grew, through a
/// `BytesMut` writer that checks its room at every write.
fn json(value: &impl Serialize, capacity: usize) -> Result<Response, ApiError> {
    let mut body = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut body, value).map_err(ApiError::internal)?;
    let content_type = HeaderValue::from_static("application/json");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Room for the report's JSON: a generous bound per row and per party
/// row, and per listed position its digits and a comma. The buffer is
/// touched only as far as it is written.
fn json_capacity(report: &Report) -> usize {
    let positions: usize = report
        .agreements
        .iter()
        .map(|row| row.exchange_sources.len() + row.review_sources.len())
        .sum();
    let digits = report
        .agreements
        .iter()
        .flat_map(|row| {
            row.exchange_sources
                .last()
                .into_iter()
                .chain(row.review_sources.last())
        })
        .max()
        .map_or(1, |p| p.checked_ilog10().unwrap_or(0) as usize + 1);
    1024 + 1024 * report.agreements.len() + 512 * report.parties.len() + (digits + 1) * positions
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use accord_domain::{AgreementId, AreaId, BusinessDate, Rating};
    use accord_projections::{
        ActivityCounts, AgreementStatus, FollowUpCounts, ReportAgreement, ReportParty, ReportTotals,
    };
    use axum::Json;

    use super::*;

    fn report() -> Report {
        let day = |d| BusinessDate::from_ymd(2020, 1, d).expect("a date");
        let party = |p| PartyId::parse(p).expect("a slug");
        let row = |n: u128, title: &str, sources: Vec<u64>| ReportAgreement {
            agreement_id: AgreementId(uuid::Uuid::from_u128(n)),
            title: title.into(),
            status: AgreementStatus::Active,
            parties: vec![party("dong-nai-iza"), party("lam-dong-iza")],
            exchanges: sources.len() as u64,
            by_area: BTreeMap::from([(AreaId::parse("scheme_30").expect("a slug"), 2)]),
            reviews_closed: 1,
            outcomes: BTreeMap::from([(Rating::PartiallyMet, 1)]),
            sources: vec![3, 9],
            exchange_sources: sources,
            review_sources: vec![1_000_003],
            activities: ActivityCounts {
                planned: 1,
                done: 2,
                overdue: 0,
                cancelled: 1,
            },
            follow_ups: FollowUpCounts {
                open: 4,
                overdue: 1,
            },
        };
        Report {
            from: None,
            to: day(31),
            at: day(31),
            as_of: Some("2026-12-03T20:00:00Z".into()),
            totals: ReportTotals {
                agreements: 2,
                active_agreements: 2,
                exchanges: 3,
                reviews_closed: 2,
            },
            agreements: vec![
                row(
                    1,
                    "Chương trình hợp tác \"Đồng Nai – Lâm Đồng\"",
                    vec![7, 99, 4_999_999],
                ),
                row(2, "Hợp tác đào tạo", Vec::new()),
            ],
            parties: vec![ReportParty {
                party_id: party("dong-nai-iza"),
                agreements: 2,
                exchanges: 3,
                activities: ActivityCounts::default(),
                follow_ups: FollowUpCounts::default(),
            }],
        }
    }

    async fn bytes(response: Response) -> (Option<HeaderValue>, Vec<u8>) {
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        (content_type, body.to_vec())
    }

    #[tokio::test]
    async fn the_report_is_the_bytes_axum_json_answers_with_its_lineage_or_without() {
        let report = report();
        let capacity = json_capacity(&report);
        let fast = bytes(json(&report, capacity).expect("encodes")).await;
        let axum = bytes(Json(&report).into_response()).await;
        assert_eq!(fast, axum);
        assert!(String::from_utf8(fast.1)
            .unwrap()
            .contains("[7,99,4999999]"));
        let bare = bytes(json(&WithoutLineage(&report), capacity).expect("encodes")).await;
        assert_eq!(
            bare,
            bytes(Json(WithoutLineage(&report)).into_response()).await
        );
        // Even a buffer reserved too small grows to the same bytes.
        assert_eq!(bytes(json(&report, 0).expect("encodes")).await, axum);
    }
}
