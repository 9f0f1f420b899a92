use accord_domain::*;

use crate::test_seed::*;
use crate::*;

fn with(extra: impl IntoIterator<Item = Event>) -> ReadModels {
    let mut events = story();
    events.extend(extra);
    replay(&events)
}

fn correct_outcome(n: u128) -> Event {
    Event::ExchangeCorrected(ExchangeCorrected {
        agreement_id: BILATERAL,
        exchange_id: x(n),
        reason: "Bổ sung kết quả".into(),
        occurred_on: None,
        area: None,
        kind: None,
        parties: None,
        summary: None,
        outcome: Some("Thống nhất lịch làm việc".into()),
        place: None,
        participants: None,
        minutes: None,
        follow_ups: None,
        activity_id: None,
    })
}

fn retract(n: u128) -> Event {
    Event::ExchangeRetracted(ExchangeRetracted {
        agreement_id: BILATERAL,
        exchange_id: x(n),
        reason: "Ghi trùng".into(),
    })
}

fn extend_tripartite(on: &str) -> Event {
    Event::AgreementAmended(AgreementAmended {
        document: None,
        agreement_id: TRIPARTITE,
        effective_on: d(on),
        reason: "Gia hạn chương trình".into(),
        title: None,
        term: Some(DateRange {
            start: d("2013-07-04"),
            end: d("2017-12-31"),
        }),
        areas: None,
        responsibilities: None,
    })
}

fn listed(models: &ReadModels, id: AgreementId, at: &str) -> Vec<ExchangeView> {
    models
        .exchanges(id, d(at), &ExchangeQuery::default())
        .unwrap()
}

// The story's positions: 1–3 parties, 4 the bilateral signature, 5–8 its
// exchanges, 9 the review opened, 10–11 assessments, 12 the closing, 13 the
// tripartite signature, 14 its exchange; extras follow from 15.

#[test]
fn an_exchange_corrected_then_retracted_has_three_sources() {
    let models = with([correct_outcome(1), retract(1)]);
    let first = &listed(&models, BILATERAL, "2013-07-05")[0];
    assert_eq!(first.exchange_id, x(1));
    assert_eq!(first.status, ExchangeStatus::Retracted);
    assert_eq!(first.sources, [5, 15, 16]);
    // Corrections and retractions apply at every date (ADR 0004).
    let early = &listed(&models, BILATERAL, "2008-03-12")[0];
    assert_eq!(early.sources, [5, 15, 16]);
}

#[test]
fn an_agreement_lists_its_signature_and_the_successor_that_superseded_it() {
    let models = replay(&story());
    let before = models.agreement(BILATERAL, d("2013-07-03")).unwrap();
    assert_eq!(before.sources, [4]);
    let after = models.agreement(BILATERAL, d("2013-07-04")).unwrap();
    assert_eq!(
        after.sources,
        [4, 13],
        "the tripartite signature supersedes it"
    );
    let tripartite = models.agreement(TRIPARTITE, d("2014-06-01")).unwrap();
    assert_eq!(tripartite.sources, [13], "its exchange has its own lineage");
}

#[test]
fn an_amendment_effective_later_is_not_a_source_before_its_date() {
    let models = with([extend_tripartite("2015-01-01")]);
    let before = models.agreement(TRIPARTITE, d("2014-12-31")).unwrap();
    assert_eq!(before.sources, [13]);
    let after = models.agreement(TRIPARTITE, d("2015-01-01")).unwrap();
    assert_eq!(after.sources, [13, 15]);
}

#[test]
fn admissions_and_the_termination_are_sources_from_their_dates() {
    let models = replay(&every_event_type());
    // 15 amendment (2014-01-01), 16 admission (2014-02-01), 19 termination
    // (2016-06-30), 20 withdrawal (2015-06-01), 22 succession (2025-07-01).
    let mid = models.agreement(TRIPARTITE, d("2014-01-15")).unwrap();
    assert_eq!(mid.sources, [13, 15]);
    let later = models.agreement(TRIPARTITE, d("2015-01-01")).unwrap();
    assert_eq!(later.sources, [13, 15, 16]);
    let ended = models.agreement(TRIPARTITE, d("2016-06-30")).unwrap();
    assert_eq!(ended.sources, [13, 15, 16, 19, 20]);
    let merged = models.agreement(TRIPARTITE, d("2025-07-01")).unwrap();
    assert_eq!(merged.sources, [13, 15, 16, 19, 20, 22]);
}

#[test]
fn a_review_lists_its_opening_assessments_and_closing_made_by_the_date() {
    let models = replay(&story());
    let review = |at: &str| {
        let view = models.agreement(BILATERAL, d(at)).unwrap();
        view.reviews[0].sources.clone()
    };
    assert_eq!(review("2013-07-04"), [9, 10, 11, 12]);
    let opened_only = Event::ReviewPeriodOpened(ReviewPeriodOpened {
        agreement_id: BILATERAL,
        review_id: ReviewId(uuid::Uuid::from_u128(7)),
        title: "Sơ kết".into(),
        kind: ReviewKind::Interim,
        period: DateRange {
            start: d("2010-01-01"),
            end: d("2010-06-30"),
        },
        opened_on: d("2010-07-01"),
    });
    let models = with([opened_only]);
    let view = models.agreement(BILATERAL, d("2013-07-04")).unwrap();
    assert_eq!(
        view.reviews[0].sources,
        [15],
        "the interim review, opened first"
    );
    assert_eq!(view.reviews[1].sources, [9, 10, 11, 12]);
}

#[test]
fn each_report_row_leads_to_the_facts_behind_its_figures() {
    let models = with([retract(3)]);
    let report = models.report(&ReportQuery {
        from: None,
        to: None,
        party: None,
        at: d("2013-07-05"),
        as_of: None,
    });
    let bilateral = &report.agreements[0];
    assert_eq!(bilateral.sources, [4, 13]);
    assert_eq!(bilateral.exchanges, 3);
    assert_eq!(bilateral.exchange_sources, [5, 6, 8], "7 was retracted");
    assert_eq!(bilateral.review_sources, [12]);
    let tripartite = &report.agreements[1];
    assert_eq!(tripartite.sources, [13]);
    assert!(tripartite.exchange_sources.is_empty());
}

#[test]
fn a_rebuild_with_lineage_equals_the_live_models_and_survives_a_snapshot() {
    let events = every_event_type();
    let snapshot = serde_json::to_string(&replay(&events[..16])).unwrap();
    let mut restored: ReadModels = serde_json::from_str(&snapshot).unwrap();
    // A snapshot holds no texts: the restored models read them from the log.
    restored.read_texts_from(std::sync::Arc::new(SeedLog(events.clone())));
    replay_onto(&mut restored, &events, 16);
    let live = replay(&events);
    assert_eq!(restored, live);
    let again = listed(&restored, BILATERAL, "2030-01-01");
    assert_eq!(again, listed(&live, BILATERAL, "2030-01-01"));
}
