use accord_domain::*;
use serde_json::json;

use crate::test_seed::*;
use crate::*;

fn status(models: &ReadModels, id: AgreementId, on: &str) -> AgreementStatus {
    models.agreement(id, d(on)).unwrap().status
}

fn with(extra: impl IntoIterator<Item = Event>) -> ReadModels {
    let mut events = story();
    events.extend(extra);
    replay(&events)
}

fn terminate(id: AgreementId, on: &str) -> Event {
    Event::AgreementTerminated(AgreementTerminated {
        agreement_id: id,
        effective_on: d(on),
        reason: "Chấm dứt".into(),
    })
}

fn correct_area(n: u128, to: &str) -> Event {
    Event::ExchangeCorrected(ExchangeCorrected {
        agreement_id: BILATERAL,
        exchange_id: x(n),
        reason: "Sai lĩnh vực".into(),
        occurred_on: None,
        area: Some(area(to)),
        kind: None,
        parties: None,
        summary: None,
        outcome: None,
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

#[test]
fn an_agreement_does_not_exist_before_it_is_signed() {
    let models = replay(&story());
    assert!(models.agreement(BILATERAL, d("2007-06-14")).is_none());
    assert!(models.agreement(BILATERAL, d("2007-06-15")).is_some());
    assert!(models
        .exchanges(TRIPARTITE, d("2013-07-03"), &ExchangeQuery::default())
        .is_none());
    assert!(models
        .agreement(AgreementId(uuid::Uuid::nil()), d("2030-01-01"))
        .is_none());
}

#[test]
fn status_follows_the_term_before_any_successor_or_termination() {
    let models = replay(&story());
    assert_eq!(
        status(&models, BILATERAL, "2007-06-20"),
        AgreementStatus::Pending
    );
    assert_eq!(
        status(&models, BILATERAL, "2007-07-01"),
        AgreementStatus::Active
    );
    assert_eq!(
        status(&models, BILATERAL, "2013-07-03"),
        AgreementStatus::Active
    );
    assert_eq!(
        status(&models, TRIPARTITE, "2015-12-31"),
        AgreementStatus::Active
    );
    assert_eq!(
        status(&models, TRIPARTITE, "2016-01-01"),
        AgreementStatus::Expired
    );
}

#[test]
fn supersession_wins_over_the_term_and_termination_wins_over_both() {
    let models = with([
        terminate(BILATERAL, "2013-12-31"),
        terminate(TRIPARTITE, "2016-06-30"),
    ]);
    assert_eq!(
        status(&models, BILATERAL, "2013-07-04"),
        AgreementStatus::Superseded
    );
    assert_eq!(
        status(&models, BILATERAL, "2013-12-30"),
        AgreementStatus::Superseded
    );
    assert_eq!(
        status(&models, BILATERAL, "2013-12-31"),
        AgreementStatus::Terminated
    );
    assert_eq!(
        status(&models, BILATERAL, "2020-01-01"),
        AgreementStatus::Terminated
    );
    assert_eq!(
        status(&models, TRIPARTITE, "2016-06-29"),
        AgreementStatus::Expired
    );
    assert_eq!(
        status(&models, TRIPARTITE, "2016-06-30"),
        AgreementStatus::Terminated
    );
    let view = models.agreement(TRIPARTITE, d("2016-06-29")).unwrap();
    assert_eq!(view.terminated_on, None);
    let view = models.agreement(TRIPARTITE, d("2016-06-30")).unwrap();
    assert_eq!(view.terminated_on, Some(d("2016-06-30")));
}

#[test]
fn superseded_by_appears_only_from_the_successors_signing_date() {
    let models = replay(&story());
    let before = models.agreement(BILATERAL, d("2013-07-03")).unwrap();
    assert_eq!(before.superseded_by, None);
    let after = models.agreement(BILATERAL, d("2013-07-04")).unwrap();
    assert_eq!(after.superseded_by, Some(TRIPARTITE));
    let successor = models.agreement(TRIPARTITE, d("2013-07-04")).unwrap();
    assert_eq!(successor.supersedes, Some(BILATERAL));
}

#[test]
fn an_amendment_effective_later_does_not_show_before_its_date() {
    let amended = Event::AgreementAmended(AgreementAmended {
        document: None,
        agreement_id: TRIPARTITE,
        effective_on: d("2015-01-01"),
        reason: "Gia hạn chương trình".into(),
        title: Some("Chương trình hợp tác giai đoạn 2013–2017".into()),
        term: Some(DateRange {
            start: d("2013-07-04"),
            end: d("2017-12-31"),
        }),
        areas: None,
        responsibilities: None,
    });
    let models = with([amended]);
    let before = models.agreement(TRIPARTITE, d("2014-12-31")).unwrap();
    assert!(before.title.ends_with("2013–2015"));
    assert_eq!(before.term.end, d("2015-12-31"));
    let after = models.agreement(TRIPARTITE, d("2016-06-01")).unwrap();
    assert_eq!(after.title, "Chương trình hợp tác giai đoạn 2013–2017");
    assert_eq!(
        after.status,
        AgreementStatus::Active,
        "the amended term is in force"
    );
    assert_eq!(after.areas.len(), 6, "areas were not amended");
}

#[test]
fn amendments_apply_in_effective_order_whatever_their_recording_order() {
    let amend = |on: &str, title: &str| {
        Event::AgreementAmended(AgreementAmended {
            document: None,
            agreement_id: TRIPARTITE,
            effective_on: d(on),
            reason: "Điều chỉnh".into(),
            title: Some(title.into()),
            term: None,
            areas: None,
            responsibilities: None,
        })
    };
    let models = with([amend("2015-01-01", "later"), amend("2014-01-01", "earlier")]);
    assert_eq!(
        models.agreement(TRIPARTITE, d("2014-06-01")).unwrap().title,
        "earlier"
    );
    assert_eq!(
        models.agreement(TRIPARTITE, d("2015-06-01")).unwrap().title,
        "later"
    );
}

#[test]
fn an_admitted_party_appears_only_from_its_date() {
    let brvt = Event::PartyRegistered(PartyRegistered {
        party_id: p("ba-ria-vung-tau-iza"),
        name: "Ban quản lý các Khu công nghiệp tỉnh Bà Rịa - Vũng Tàu".into(),
        short_name: None,
        kind: PartyKind::IndustrialZoneAuthority,
        province: None,
    });
    let admitted = Event::PartyAdmitted(PartyAdmitted {
        agreement_id: TRIPARTITE,
        party_id: p("ba-ria-vung-tau-iza"),
        effective_on: d("2014-09-01"),
    });
    let models = with([brvt, admitted]);
    let before = models.agreement(TRIPARTITE, d("2014-08-31")).unwrap();
    assert_eq!(before.parties.len(), 3);
    let after = models.agreement(TRIPARTITE, d("2014-09-01")).unwrap();
    assert_eq!(after.parties.last(), Some(&p("ba-ria-vung-tau-iza")));
    let party = |on| {
        models
            .party(&p("ba-ria-vung-tau-iza"), d(on))
            .unwrap()
            .agreements
    };
    assert!(party("2014-08-31").is_empty());
    assert_eq!(party("2014-09-01"), vec![TRIPARTITE]);
}

#[test]
fn a_retraction_removes_an_exchange_from_the_counts_at_every_date_but_it_stays_listed() {
    let models = with([retract(2)]);
    for on in ["2009-05-20", "2012-01-01", "2030-01-01"] {
        let view = models.agreement(BILATERAL, d(on)).unwrap();
        assert!(
            !view
                .exchanges
                .by_area
                .contains_key(&area("investment_promotion")),
            "{on}"
        );
    }
    assert_eq!(
        models
            .agreement(BILATERAL, d("2009-12-31"))
            .unwrap()
            .exchanges
            .total,
        1
    );
    assert_eq!(
        models
            .agreement(BILATERAL, d("2030-01-01"))
            .unwrap()
            .exchanges
            .total,
        3
    );
    let listed = models
        .exchanges(BILATERAL, d("2009-12-31"), &ExchangeQuery::default())
        .unwrap();
    let statuses: Vec<_> = listed.iter().map(|e| (e.exchange_id, e.status)).collect();
    assert_eq!(
        statuses,
        [
            (x(1), ExchangeStatus::Recorded),
            (x(2), ExchangeStatus::Retracted)
        ]
    );
}

#[test]
fn a_correction_of_area_moves_the_by_area_counts_at_every_date() {
    let models = with([correct_area(1, "investment_promotion")]);
    for on in ["2008-03-12", "2030-01-01"] {
        let counts = models.agreement(BILATERAL, d(on)).unwrap().exchanges;
        assert!(
            !counts.by_area.contains_key(&area("experience_exchange")),
            "{on}"
        );
        assert!(counts.by_area[&area("investment_promotion")] >= 1);
    }
    let today = models
        .agreement(BILATERAL, d("2030-01-01"))
        .unwrap()
        .exchanges;
    assert_eq!(today.by_area[&area("investment_promotion")], 2);
    assert_eq!(today.total, 4);
    let listed = models
        .exchanges(BILATERAL, d("2008-12-31"), &ExchangeQuery::default())
        .unwrap();
    assert_eq!(listed[0].status, ExchangeStatus::Corrected);
    assert_eq!(listed[0].area, area("investment_promotion"));
}

#[test]
fn a_correction_of_date_moves_the_exchange_in_time_and_in_the_list() {
    let moved = Event::ExchangeCorrected(ExchangeCorrected {
        agreement_id: BILATERAL,
        exchange_id: x(1),
        reason: "Sai ngày".into(),
        occurred_on: Some(d("2011-01-05")),
        area: None,
        kind: None,
        parties: None,
        summary: None,
        outcome: None,
        place: None,
        participants: None,
        minutes: None,
        follow_ups: None,
        activity_id: None,
    });
    let models = with([moved]);
    assert_eq!(
        models
            .agreement(BILATERAL, d("2010-12-31"))
            .unwrap()
            .exchanges
            .total,
        2
    );
    let listed = models
        .exchanges(BILATERAL, d("2030-01-01"), &ExchangeQuery::default())
        .unwrap();
    let order: Vec<_> = listed.iter().map(|e| e.exchange_id).collect();
    assert_eq!(order, [x(2), x(3), x(1), x(4)]);
}

#[test]
fn the_exchange_list_filters_by_window_and_area() {
    let models = replay(&story());
    let query = ExchangeQuery {
        from: Some(d("2009-01-01")),
        to: Some(d("2010-12-31")),
        area: None,
    };
    let listed = models
        .exchanges(BILATERAL, d("2030-01-01"), &query)
        .unwrap();
    assert_eq!(
        listed.iter().map(|e| e.exchange_id).collect::<Vec<_>>(),
        [x(2), x(3)]
    );
    let query = ExchangeQuery {
        area: Some(area("labour_recruitment")),
        ..ExchangeQuery::default()
    };
    let listed = models
        .exchanges(BILATERAL, d("2030-01-01"), &query)
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].summary, "Hỗ trợ tuyển dụng lao động");
}

#[test]
fn incremental_totals_equal_a_fold_before_and_after_the_last_fact() {
    let mut events = every_event_type();
    events.extend([
        correct_area(2, "labour_recruitment"),
        retract(4),
        correct_area(4, "scheme_30"),
    ]);
    for n in 10..310 {
        let on = format!("20{:02}-0{}-1{}", 8 + n % 5, 1 + n % 9, n % 10);
        let in_area = ["experience_exchange", "investment_promotion"][(n % 2) as usize];
        events.push(exchange(
            BILATERAL,
            n,
            &on,
            in_area,
            ExchangeKind::Meeting,
            &["dong-nai-iza"],
            "Họp",
        ));
        if n % 7 == 0 {
            events.push(retract(n));
        } else if n % 5 == 0 {
            events.push(correct_area(n, "labour_recruitment"));
        }
    }
    let models = replay(&events);
    // The last fact of the bilateral program is the closing of its review on
    // 2013-07-04 and its supersession: a D the day before folds, a D after
    // answers from the totals. No exchange happened in between.
    let folded = models
        .agreement(BILATERAL, d("2013-07-03"))
        .unwrap()
        .exchanges;
    let incremental = models
        .agreement(BILATERAL, d("2999-12-31"))
        .unwrap()
        .exchanges;
    assert_eq!(folded, incremental);
    assert!(incremental.total > 200);
    assert_eq!(incremental.total, incremental.by_area.values().sum::<u64>());
}

#[test]
fn applying_the_same_position_twice_changes_nothing() {
    let events = story();
    let mut models = replay(&events);
    let before = models.agreement(BILATERAL, d("2030-01-01"));
    let last = models.position();
    assert_eq!(last, events.len() as u64);
    models.apply(5, 99, &events[4]);
    models.apply(last, 99, &retract(1));
    assert_eq!(models.agreement(BILATERAL, d("2030-01-01")), before);
    assert_eq!(models.position(), last);
}

#[test]
fn version_is_the_stream_version_whatever_the_date() {
    let models = replay(&story());
    // Signature, four exchanges, the review's four events.
    assert_eq!(
        models
            .agreement(BILATERAL, d("2007-06-15"))
            .unwrap()
            .version,
        9
    );
    assert_eq!(
        models
            .agreement(BILATERAL, d("2030-01-01"))
            .unwrap()
            .version,
        9
    );
    assert_eq!(
        models
            .agreement(TRIPARTITE, d("2030-01-01"))
            .unwrap()
            .version,
        2
    );
}

#[test]
fn a_review_is_closed_only_from_its_closing_date_with_the_assessments_made_by_then() {
    let interim = [
        Event::ReviewPeriodOpened(ReviewPeriodOpened {
            agreement_id: BILATERAL,
            review_id: ReviewId(uuid::Uuid::from_u128(0x5_2010)),
            title: "Sơ kết 3 năm".into(),
            kind: ReviewKind::Interim,
            period: DateRange {
                start: d("2007-07-01"),
                end: d("2010-06-30"),
            },
            opened_on: d("2010-07-01"),
        }),
        Event::AssessmentRecorded(AssessmentRecorded {
            agreement_id: BILATERAL,
            review_id: ReviewId(uuid::Uuid::from_u128(0x5_2010)),
            party_id: p("lam-dong-iza"),
            assessed_on: d("2010-07-10"),
            rating: Rating::PartiallyMet,
            notes: None,
        }),
    ];
    let models = with(interim);
    let reviews = |on| models.agreement(BILATERAL, d(on)).unwrap().reviews;
    assert!(reviews("2010-06-30").is_empty());
    assert_eq!(reviews("2010-07-09")[0].assessments.len(), 0);
    assert_eq!(reviews("2010-07-10")[0].assessments.len(), 1);
    assert_eq!(reviews("2013-07-03").len(), 1);
    let both = reviews("2013-07-04");
    assert_eq!(both.len(), 2, "ordered by opening day: the interim first");
    assert_eq!(
        (both[0].kind, both[0].status),
        (ReviewKind::Interim, ReviewStatus::Open)
    );
    assert_eq!(both[1].status, ReviewStatus::Closed);
    assert_eq!(both[1].outcome, Some(Rating::Met));
    assert_eq!(both[1].assessments.len(), 2);
}

#[test]
fn parties_are_sorted_and_each_lists_its_agreements_at_a_date() {
    let models = replay(&story());
    let ids: Vec<_> = models.parties().into_iter().map(|v| v.party_id).collect();
    assert_eq!(
        ids,
        [p("binh-phuoc-eza"), p("dong-nai-iza"), p("lam-dong-iza")]
    );
    let dong_nai = |on| models.party(&p("dong-nai-iza"), d(on)).unwrap().agreements;
    assert!(dong_nai("2007-01-01").is_empty());
    assert_eq!(dong_nai("2013-07-03"), [BILATERAL]);
    assert_eq!(dong_nai("2013-07-04"), [BILATERAL, TRIPARTITE]);
    assert!(models.party(&p("unknown-party"), d("2013-07-04")).is_none());
}

#[test]
fn agreements_are_listed_in_signing_order_and_filter_by_party_and_status() {
    let models = replay(&story());
    let all = models.agreements(d("2013-07-04"), &AgreementFilter::default());
    assert_eq!(
        all.iter().map(|a| a.agreement_id).collect::<Vec<_>>(),
        [BILATERAL, TRIPARTITE]
    );
    let binh_phuoc = AgreementFilter {
        party: Some(p("binh-phuoc-eza")),
        status: None,
    };
    assert_eq!(models.agreements(d("2013-07-04"), &binh_phuoc).len(), 1);
    let active = AgreementFilter {
        party: None,
        status: Some(AgreementStatus::Active),
    };
    let listed = models.agreements(d("2013-07-04"), &active);
    assert_eq!(
        listed.iter().map(|a| a.agreement_id).collect::<Vec<_>>(),
        [TRIPARTITE]
    );
}

#[test]
fn an_agreement_serialises_to_the_contract_shape_with_its_nulls() {
    let models = replay(&story());
    let view = models.agreement(TRIPARTITE, d("2014-06-01")).unwrap();
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["status"], "active");
    assert_eq!(json["supersedes"], json!(BILATERAL));
    assert_eq!(json["superseded_by"], json!(null));
    assert_eq!(json["terminated_on"], json!(null));
    assert_eq!(
        json["term"],
        json!({"start": "2013-07-04", "end": "2015-12-31"})
    );
    assert_eq!(
        json["exchanges"],
        json!({"total": 1, "by_area": {"investment_promotion": 1}})
    );
    let bilateral = serde_json::to_value(models.agreement(BILATERAL, d("2013-07-04"))).unwrap();
    let review = &bilateral["reviews"][0];
    assert_eq!(review["status"], "closed");
    assert_eq!(review["kind"], "final");
    assert_eq!(review["assessments"][1]["rating"], "met");
    assert_eq!(review["assessments"][0]["notes"], json!(null));
    let party = serde_json::to_value(models.party(&p("dong-nai-iza"), d("2013-07-04"))).unwrap();
    assert_eq!(
        party["name"],
        "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai"
    );
    assert_eq!(party["kind"], "industrial_zone_authority");
    assert_eq!(party["agreements"], json!([BILATERAL, TRIPARTITE]));
}

#[test]
fn an_exchange_serialises_with_every_field() {
    let models = replay(&story());
    let listed = models
        .exchanges(TRIPARTITE, d("2030-01-01"), &ExchangeQuery::default())
        .unwrap();
    let json = serde_json::to_value(&listed[0]).unwrap();
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort_unstable();
    let mut expected = [
        "exchange_id",
        "agreement_id",
        "occurred_on",
        "area",
        "kind",
        "parties",
        "summary",
        "outcome",
        "place",
        "participants",
        "minutes",
        "follow_ups",
        "activity_id",
        "status",
        "attachments",
        "sources",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(json["kind"], "event");
    assert_eq!(json["outcome"], json!(null));
    assert_eq!(json["status"], "recorded");
    assert_eq!(
        json["sources"],
        json!([14]),
        "its recording, at position 14"
    );
}

#[test]
fn a_snapshot_plus_the_tail_of_the_log_equals_a_full_replay() {
    let events = every_event_type();
    let snapshot = serde_json::to_string(&replay(&events[..10])).unwrap();
    let mut restored: ReadModels = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(restored.position(), 10);
    replay_onto(&mut restored, &events, 10);
    assert_eq!(restored, replay(&events));
}

#[test]
fn a_partys_latest_assessment_is_the_one_that_counts() {
    let again = |on: &str, rating: Rating| {
        Event::AssessmentRecorded(AssessmentRecorded {
            agreement_id: BILATERAL,
            review_id: FINAL_REVIEW,
            party_id: p("dong-nai-iza"),
            assessed_on: d(on),
            rating,
            notes: None,
        })
    };
    // Recorded after the closing, dated after the first: a later view
    // counts it in place of Đồng Nai's first; an earlier one does not.
    let models = with([
        again("2013-07-05", Rating::PartiallyMet),
        again("2013-07-03", Rating::NotMet),
    ]);
    let ratings = |on: &str| -> Vec<(String, Rating)> {
        let view = models.agreement(BILATERAL, d(on)).unwrap();
        let review = &view.reviews[0];
        review
            .assessments
            .iter()
            .map(|a| (a.party_id.to_string(), a.rating))
            .collect()
    };
    assert_eq!(
        ratings("2013-07-04"),
        [
            ("dong-nai-iza".to_owned(), Rating::Met),
            ("lam-dong-iza".to_owned(), Rating::Met)
        ]
    );
    assert_eq!(
        ratings("2013-07-05"),
        [
            ("lam-dong-iza".to_owned(), Rating::Met),
            ("dong-nai-iza".to_owned(), Rating::PartiallyMet)
        ]
    );
    let view = models.agreement(BILATERAL, d("2013-07-05")).unwrap();
    assert_eq!(
        view.reviews[0].sources.len(),
        1 + 2 + 1,
        "opening, two counted, closing"
    );
}

fn attached(title: &str, on: &str, exchange: Option<u128>, review: Option<ReviewId>) -> Event {
    let agreement = match review {
        Some(_) => BILATERAL,
        None if exchange == Some(5) => TRIPARTITE,
        None => BILATERAL,
    };
    Event::DocumentAttached(DocumentAttached {
        agreement_id: agreement,
        attachment: format!("{:064x}", title.len()),
        size: 48_213,
        media_type: "application/pdf".into(),
        title: title.into(),
        kind: DocumentKind::Minutes,
        dated_on: d(on),
        filename: None,
        exchange_id: exchange.map(x),
        review_id: review,
    })
}

#[test]
fn attachments_show_on_the_agreement_its_exchange_and_its_review_from_their_date() {
    let models = with([
        attached("Biên bản tổng kết", "2013-07-04", None, Some(FINAL_REVIEW)),
        attached("Biên bản làm việc 2008", "2008-03-12", Some(1), None),
        attached("Kế hoạch 2009", "2009-01-05", None, None),
    ]);
    let titles = |on: &str| -> Vec<String> {
        let view = models.agreement(BILATERAL, d(on)).unwrap();
        view.attachments.iter().map(|a| a.title.clone()).collect()
    };
    // By dated_on, whatever order they were recorded in; none before its date.
    assert_eq!(titles("2008-03-11"), Vec::<String>::new());
    assert_eq!(
        titles("2009-01-05"),
        ["Biên bản làm việc 2008", "Kế hoạch 2009"]
    );
    assert_eq!(
        titles("2013-07-04"),
        [
            "Biên bản làm việc 2008",
            "Kế hoạch 2009",
            "Biên bản tổng kết"
        ]
    );
    let view = models.agreement(BILATERAL, d("2013-07-04")).unwrap();
    let review = &view.reviews[0].attachments;
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].title, "Biên bản tổng kết");
    assert_eq!(review[0].review_id, Some(FINAL_REVIEW));
    assert_eq!(
        (review[0].size, review[0].media_type.as_str()),
        (48_213, "application/pdf")
    );
    let story_length = story().len() as u64;
    assert_eq!(review[0].source, story_length + 1);
    let listed = models
        .exchanges(BILATERAL, d("2013-07-04"), &ExchangeQuery::default())
        .unwrap();
    let own: Vec<usize> = listed.iter().map(|x| x.attachments.len()).collect();
    assert_eq!(own, [1, 0, 0, 0], "only the 2008 meeting has one");
    assert_eq!(listed[0].attachments[0].exchange_id, Some(x(1)));
    // Another agreement's view lists none of them.
    let tripartite = models.agreement(TRIPARTITE, d("2030-01-01")).unwrap();
    assert!(tripartite.attachments.is_empty());
}

#[test]
fn the_document_is_the_signature_s_until_an_amendment_carries_another() {
    let signed = Document {
        number: Some("01/CTHT".into()),
        issued_on: Some(d("2013-07-04")),
        signatories: vec![Signatory {
            party_id: p("lam-dong-iza"),
            name: "Trần Thị Lâm".into(),
            title: None,
        }],
    };
    let appendix = Document {
        number: Some("02/PL-CTHT".into()),
        issued_on: None,
        signatories: Vec::new(),
    };
    let mut events = story();
    for event in &mut events {
        if let Event::AgreementSigned(e) = event {
            if e.agreement_id == TRIPARTITE {
                e.document = Some(signed.clone());
            }
        }
    }
    let amend = |on: &str, title: Option<&str>, document: Option<Document>| {
        Event::AgreementAmended(AgreementAmended {
            agreement_id: TRIPARTITE,
            effective_on: d(on),
            reason: "Phụ lục".into(),
            title: title.map(Into::into),
            term: None,
            areas: None,
            responsibilities: None,
            document,
        })
    };
    events.push(amend("2014-06-01", None, Some(appendix.clone())));
    // A later amendment without a document keeps the one in force.
    events.push(amend("2015-01-01", Some("Chương trình (sửa đổi)"), None));
    let models = replay(&events);
    let document = |on: &str| models.agreement(TRIPARTITE, d(on)).unwrap().document;
    assert_eq!(document("2014-05-31"), Some(signed));
    assert_eq!(document("2014-06-01"), Some(appendix.clone()));
    assert_eq!(document("2015-06-01"), Some(appendix));
    let bilateral = models.agreement(BILATERAL, d("2013-07-04")).unwrap();
    let json = serde_json::to_value(&bilateral).unwrap();
    assert_eq!(json["document"], json!(null), "absent: null, not skipped");
    assert_eq!(json["attachments"], json!([]));
    // The write model restored from the read models knows the document too.
    // (Its exchanges are loaded from the log when a command needs them.)
    let restored = models.write_model();
    let mut folded = WriteModel::new();
    for event in &events {
        folded.evolve(event);
    }
    for id in models.agreements.keys() {
        folded.unload(*id);
    }
    assert_eq!(restored, folded);
}

/// Every event type, then a correction of every text of an exchange and a
/// second correction of some of them (the texts fold in order).
fn with_text_corrections() -> Vec<Event> {
    let mut events = every_event_type();
    events.extend(work_plan());
    let texts = |summary: Option<&str>, minutes: Option<&str>| {
        Event::ExchangeCorrected(ExchangeCorrected {
            agreement_id: BILATERAL,
            exchange_id: x(2),
            reason: "Sửa nội dung".into(),
            occurred_on: None,
            area: None,
            kind: None,
            parties: None,
            summary: summary.map(Into::into),
            outcome: Some("Đã thống nhất".into()),
            place: Some("Biên Hòa".into()),
            participants: None,
            minutes: minutes.map(Into::into),
            follow_ups: None,
            activity_id: None,
        })
    };
    events.push(texts(Some("Làm việc về thu hút đầu tư"), Some("Biên bản")));
    events.push(texts(None, Some("Biên bản (bản sửa lần hai)")));
    events
}

/// Every agreement's view and exchange list at `on`, as JSON.
fn every_view(models: &ReadModels, on: &str) -> serde_json::Value {
    let at = d(on);
    let ids = models.agreement_ids(at, &AgreementFilter::default());
    json!(ids
        .iter()
        .map(|id| json!({
            "agreement": models.agreement(*id, at),
            "exchanges": models.exchanges(*id, at, &ExchangeQuery::default()),
        }))
        .collect::<Vec<_>>())
}

#[test]
fn lean_models_read_exchange_texts_from_the_log_and_answer_as_models_that_keep_them() {
    let events = with_text_corrections();
    let log = std::sync::Arc::new(SeedLog(events.clone()));
    for n in 1..=events.len() {
        let kept = replay(&events[..n]);
        let mut lean = ReadModels::lean();
        lean.read_texts_from(log.clone());
        replay_onto(&mut lean, &events[..n], 0);

        assert!(lean.exchanges.values().all(|x| x.texts.is_none()));
        assert_eq!(lean, kept, "after {n} events");
        for on in ["2008-03-14", "2014-06-30", "2030-01-01"] {
            assert_eq!(
                every_view(&lean, on),
                every_view(&kept, on),
                "{n} events, {on}"
            );
        }
    }
    let last = replay(&events);
    let corrected = last.exchanges(BILATERAL, d("2030-01-01"), &ExchangeQuery::default());
    let corrected = corrected
        .unwrap()
        .into_iter()
        .find(|v| v.exchange_id == x(2));
    let corrected = corrected.unwrap();
    assert_eq!(corrected.summary, "Làm việc về thu hút đầu tư");
    assert_eq!(
        corrected.minutes.as_deref(),
        Some("Biên bản (bản sửa lần hai)")
    );
}

#[test]
fn a_snapshot_holds_no_texts_and_its_models_read_them_from_the_log() {
    let events = with_text_corrections();
    let kept = replay(&events);
    let mut lean = ReadModels::lean();
    replay_onto(&mut lean, &events, 0);

    let bytes = encode_snapshot(&kept);
    // The same size (maps are written in their own order).
    assert_eq!(bytes.len(), encode_snapshot(&lean).len());
    let mut decoded = decode_snapshot_read_models(&bytes).unwrap();
    assert!(decoded.exchanges.values().all(|x| x.texts.is_none()));
    decoded.read_texts_from(std::sync::Arc::new(SeedLog(events)));
    assert_eq!(
        every_view(&decoded, "2030-01-01"),
        every_view(&kept, "2030-01-01")
    );
}

#[test]
#[should_panic(expected = "without a log to read")]
fn lean_models_without_a_log_refuse_to_invent_texts() {
    let mut lean = ReadModels::lean();
    replay_onto(&mut lean, &story(), 0);
    let _ = lean.exchanges(BILATERAL, d("2030-01-01"), &ExchangeQuery::default());
}

#[test]
fn exchanges_share_one_copy_of_each_area_and_party_id_live_and_decoded() {
    let events = with_text_corrections();
    let live = replay(&events);
    let decoded = decode_snapshot_read_models(&encode_snapshot(&live)).unwrap();
    for models in [&live, &decoded] {
        let mut areas = std::collections::HashMap::new();
        let mut parties = std::collections::HashMap::new();
        let mut named = 0;
        for x in models.exchanges.values() {
            let ids = x
                .parties
                .iter()
                .chain(x.follow_ups.iter().map(|f| &f.party_id));
            for id in ids.map(|p| p.as_str()).chain([x.area.as_str()]) {
                let copies = if id == x.area.as_str() {
                    &mut areas
                } else {
                    &mut parties
                };
                let first = *copies.entry(id.to_owned()).or_insert(id.as_ptr());
                assert_eq!(first, id.as_ptr(), "{id} is copied");
                named += 1;
            }
        }
        assert!(
            named > areas.len() + parties.len(),
            "ids are named more than once"
        );
    }
}

#[test]
fn a_copy_of_the_models_shares_each_agreements_exchanges_until_one_changes() {
    let events = story();
    let original = replay(&events);
    let mut copy = original.clone();
    let shared = |a: &ReadModels, b: &ReadModels, id: AgreementId| {
        std::sync::Arc::ptr_eq(
            &a.exchanges.by_agreement[&id],
            &b.exchanges.by_agreement[&id],
        )
    };
    assert!(shared(&original, &copy, BILATERAL));
    assert!(shared(&original, &copy, TRIPARTITE));

    let position = original.position() + 1;
    let version = original.agreements[&BILATERAL].version + 1;
    copy.apply(position, version, &correct_area(2, "culture"));

    assert!(!shared(&original, &copy, BILATERAL));
    assert!(shared(&original, &copy, TRIPARTITE));
    // The original is as it was: folded again, it is equal.
    assert_eq!(original, replay(&events));
    assert_eq!(copy, with([correct_area(2, "culture")]));
}

#[test]
fn an_exchange_id_recorded_under_two_agreements_is_listed_under_each_and_corrected_in_its_own() {
    // A log written before ADR 0022 could record one id under two
    // agreements; each agreement's table holds its own record.
    let twice = exchange(
        TRIPARTITE,
        1,
        "2014-03-01",
        "culture",
        ExchangeKind::Meeting,
        &["dong-nai-iza"],
        "Cùng mã",
    );
    let mut corrected = correct_area(1, "investment_promotion");
    if let Event::ExchangeCorrected(e) = &mut corrected {
        e.agreement_id = TRIPARTITE;
    }
    let models = with([twice, corrected]);
    let listed = |id| {
        models
            .exchanges(id, d("2030-01-01"), &ExchangeQuery::default())
            .unwrap()
            .into_iter()
            .filter(|v| v.exchange_id == x(1))
            .map(|v| (v.summary, v.area))
            .collect::<Vec<_>>()
    };
    let bilateral = listed(BILATERAL);
    assert_eq!(bilateral.len(), 1);
    assert_ne!(bilateral[0].0, "Cùng mã");
    assert_eq!(
        listed(TRIPARTITE),
        [("Cùng mã".to_owned(), area("investment_promotion"))]
    );
    assert_eq!(
        decode_snapshot_read_models(&encode_snapshot(&models)).unwrap(),
        models
    );
}
