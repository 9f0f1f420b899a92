use accord_domain::*;
use serde_json::json;

use crate::test_seed::*;
use crate::*;

fn on<'a>(models: &'a ReadModels, day: &str) -> DiffSide<'a> {
    DiffSide {
        models,
        date: DiffDate::On(d(day)),
    }
}

fn everything(models: &ReadModels) -> DiffSide<'_> {
    DiffSide {
        models,
        date: DiffDate::AllFacts {
            today: d("2026-01-01"),
        },
    }
}

fn kinds(diff: &Diff) -> Vec<(ChangeKind, Vec<u64>)> {
    diff.changes
        .iter()
        .map(|c| (c.kind, c.sources.clone()))
        .collect()
}

fn retract(n: u128) -> Event {
    Event::ExchangeRetracted(ExchangeRetracted {
        agreement_id: BILATERAL,
        exchange_id: x(n),
        reason: "Ghi trùng".into(),
    })
}

fn correct_summary(n: u128) -> Event {
    Event::ExchangeCorrected(ExchangeCorrected {
        agreement_id: BILATERAL,
        exchange_id: x(n),
        reason: "Sửa nội dung".into(),
        occurred_on: None,
        area: None,
        kind: None,
        parties: None,
        summary: Some("Hỗ trợ tuyển dụng lao động cho doanh nghiệp".into()),
        outcome: None,
        place: None,
        participants: None,
        minutes: None,
        follow_ups: None,
        activity_id: None,
    })
}

#[test]
fn between_3_and_5_july_2013_the_review_closes_and_the_tripartite_signature_supersedes() {
    let models = replay(&story());
    let diff = diff(
        BILATERAL,
        on(&models, "2013-07-03"),
        on(&models, "2013-07-05"),
    )
    .unwrap();
    assert!(diff.from.exists && diff.to.exists);
    let superseded_by = &diff.changes[0];
    assert_eq!(superseded_by.field.as_deref(), Some("superseded_by"));
    assert_eq!(superseded_by.before, json!(null));
    assert_eq!(superseded_by.after, json!(TRIPARTITE));
    assert_eq!(superseded_by.sources, [13]);
    let status = &diff.changes[1];
    assert_eq!(status.kind, ChangeKind::Status);
    assert_eq!(
        (&status.before, &status.after),
        (&json!("active"), &json!("superseded"))
    );
    assert_eq!(status.sources, [13]);
    assert_eq!(
        kinds(&diff)[2..],
        [
            (ChangeKind::ReviewOpened, vec![9]),
            (ChangeKind::ReviewAssessed, vec![10]),
            (ChangeKind::ReviewAssessed, vec![11]),
            (ChangeKind::ReviewClosed, vec![12]),
        ],
        "the story's review opens on 4 July: {:#?}",
        diff.changes
    );
    assert_eq!(diff.changes[5].after["outcome"], "met");
}

#[test]
fn between_two_knowledge_points_the_new_exchanges_are_added_with_their_recordings() {
    let events = story();
    let early = replay(&events[..5]);
    let late = replay(&events[..8]);
    let diff = diff(BILATERAL, everything(&early), everything(&late)).unwrap();
    assert_eq!(
        kinds(&diff),
        [
            (ChangeKind::ExchangeAdded, vec![6]),
            (ChangeKind::ExchangeAdded, vec![7]),
            (ChangeKind::ExchangeAdded, vec![8]),
        ]
    );
    assert_eq!(diff.changes[0].exchange_id, Some(x(2)));
    assert_eq!(diff.changes[0].before, json!(null));
    assert_eq!(diff.changes[0].after["area"], "investment_promotion");
    assert_eq!((diff.from.version, diff.to.version), (2, 5));
    assert_eq!((diff.from.position, diff.to.position), (5, 8));
}

#[test]
fn corrections_and_retractions_name_their_own_events() {
    let events = story();
    let mut later = events.clone();
    later.extend([
        correct_summary(3),
        retract(4),
        correct_summary(2),
        retract(2),
    ]);
    let (before, after) = (replay(&events), replay(&later));
    let diff = diff(BILATERAL, everything(&before), everything(&after)).unwrap();
    assert_eq!(
        kinds(&diff),
        [
            (ChangeKind::ExchangeCorrected, vec![17]),
            (ChangeKind::ExchangeRetracted, vec![18]),
            (ChangeKind::ExchangeCorrected, vec![15]),
            (ChangeKind::ExchangeRetracted, vec![16]),
        ]
    );
    let corrected = &diff.changes[2];
    assert_eq!(corrected.exchange_id, Some(x(3)));
    assert_eq!(corrected.before["summary"], "Hỗ trợ tuyển dụng lao động");
    assert_eq!(
        corrected.after["summary"],
        "Hỗ trợ tuyển dụng lao động cho doanh nghiệp"
    );
    assert_eq!(diff.changes[3].after["status"], "retracted");
}

#[test]
fn amendments_admissions_and_termination_are_field_party_and_status_changes() {
    let models = replay(&every_event_type());
    // 15 areas amended (2014-01-01), 16 admission, 19 termination (2016-06-30).
    let diff = diff(
        TRIPARTITE,
        on(&models, "2013-12-31"),
        on(&models, "2016-06-30"),
    )
    .unwrap();
    let areas = diff
        .changes
        .iter()
        .find(|c| c.field.as_deref() == Some("areas"));
    assert_eq!(areas.unwrap().sources, [15]);
    let ended = diff
        .changes
        .iter()
        .find(|c| c.field.as_deref() == Some("terminated_on"));
    assert_eq!(ended.unwrap().after, json!("2016-06-30"));
    assert_eq!(ended.unwrap().sources, [19]);
    let status = diff
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Status)
        .unwrap();
    assert_eq!(status.after, json!("terminated"));
    assert_eq!(status.sources, [19]);
    assert!(
        diff.changes
            .iter()
            .all(|c| c.kind != ChangeKind::PartyAdmitted),
        "binh-phuoc-eza was a signatory already"
    );
}

#[test]
fn a_party_admitted_in_between_is_attributed_to_its_admission() {
    let mut events = story();
    events.push(Event::PartyAdmitted(PartyAdmitted {
        agreement_id: BILATERAL,
        party_id: p("binh-phuoc-eza"),
        effective_on: d("2012-01-01"),
    }));
    let models = replay(&events);
    let diff = diff(
        BILATERAL,
        on(&models, "2011-12-31"),
        on(&models, "2012-01-01"),
    )
    .unwrap();
    assert_eq!(kinds(&diff), [(ChangeKind::PartyAdmitted, vec![15])]);
    assert_eq!(diff.changes[0].party_id, Some(p("binh-phuoc-eza")));
}

#[test]
fn a_change_from_the_passing_of_time_names_the_facts_behind_it() {
    let models = replay(&story());
    let diff = diff(
        BILATERAL,
        on(&models, "2007-06-20"),
        on(&models, "2007-07-01"),
    )
    .unwrap();
    assert_eq!(kinds(&diff), [(ChangeKind::Status, vec![4])]);
    assert_eq!(diff.changes[0].before, json!("pending"));
}

#[test]
fn before_its_signature_everything_is_a_change_and_absent_at_to_is_none() {
    let models = replay(&story());
    let diff = diff(
        TRIPARTITE,
        on(&models, "2013-07-03"),
        on(&models, "2014-06-01"),
    )
    .unwrap();
    assert!(!diff.from.exists);
    let title = diff
        .changes
        .iter()
        .find(|c| c.field.as_deref() == Some("title"))
        .unwrap();
    assert_eq!(
        (title.before.clone(), title.sources.clone()),
        (json!(null), vec![13])
    );
    let parties = diff
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::PartyAdmitted);
    assert_eq!(parties.count(), 3);
    let added: Vec<_> = kinds(&diff)
        .into_iter()
        .filter(|(k, _)| *k == ChangeKind::ExchangeAdded)
        .collect();
    assert_eq!(added, [(ChangeKind::ExchangeAdded, vec![14])]);
    assert!(super::diff(
        TRIPARTITE,
        on(&models, "2014-06-01"),
        on(&models, "2013-07-03")
    )
    .is_none());
    let same = super::diff(
        BILATERAL,
        on(&models, "2010-01-01"),
        on(&models, "2010-01-01"),
    )
    .unwrap();
    assert!(same.changes.is_empty());
}

#[test]
fn a_diff_serialises_with_kinds_in_snake_case() {
    let models = replay(&story());
    let diff = diff(
        BILATERAL,
        on(&models, "2013-07-03"),
        on(&models, "2013-07-05"),
    )
    .unwrap();
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["changes"][0]["kind"], "field");
    assert_eq!(json["changes"][2]["kind"], "review_opened");
    assert!(json["changes"][1].get("exchange_id").is_none());
    assert_eq!(json["to"]["at"], "2013-07-05");
}

#[test]
fn a_withdrawal_in_between_is_attributed_to_the_withdrawal() {
    let mut events = story();
    events.push(Event::PartyWithdrew(PartyWithdrew {
        agreement_id: TRIPARTITE,
        party_id: p("binh-phuoc-eza"),
        effective_on: d("2015-01-01"),
        reason: "Rút khỏi chương trình".into(),
    }));
    let models = replay(&events);
    let diff = diff(
        TRIPARTITE,
        on(&models, "2014-12-31"),
        on(&models, "2015-01-01"),
    )
    .unwrap();
    let removed: Vec<_> = diff
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::PartyRemoved)
        .map(|c| (c.party_id.clone(), c.sources.clone()))
        .collect();
    assert_eq!(removed, [(Some(p("binh-phuoc-eza")), vec![15])]);
}
