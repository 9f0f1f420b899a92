//! Every business rule of docs/domain.md, read as given / when / then.
//!
//! `given` replays facts into a [`WriteModel`] with `evolve`, `when` decides a
//! command (after assigning deterministic ids), and `then_*` checks what was
//! decided: the rule a refusal names, or the events, stream and business date
//! (`effective_on`) of what would be appended.
//!
//! The data is the seed's story: the industrial-zone authorities of Đồng Nai
//! and Lâm Đồng ran a bilateral program (2007–2013, dates illustrative),
//! reviewed it on 4 July 2013, and the same day signed a tripartite program
//! for 2013–2015 with Bình Phước's economic-zone authority.

use std::collections::HashSet;

use accord_domain::refusal::Rule;
use accord_domain::*;
use serde_json::json;

use support::*;

// ---------------------------------------------------------------- parties

#[test]
fn registering_a_party_appends_party_registered_outside_business_time() {
    let accepted = given(&[])
        .when(register(DONG_NAI))
        .then_events(&["PartyRegistered"])
        .on_stream("party:dong-nai-iza")
        .outside_business_time();
    let Event::PartyRegistered(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.party_id, party(DONG_NAI));
    assert_eq!(e.name, "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai");
    assert_eq!(e.kind, PartyKind::IndustrialZoneAuthority);
    assert_eq!(e.province.as_deref(), Some("Đồng Nai"));
}

#[test]
fn registering_a_party_twice_is_refused() {
    given(&[registered(DONG_NAI)])
        .when(register(DONG_NAI))
        .then_refused(Rule::PartyAlreadyRegistered);
}

#[test]
fn registering_a_party_with_a_blank_name_is_refused() {
    given(&[])
        .when(RegisterParty {
            name: " \t ".into(),
            ..register(BINH_PHUOC)
        })
        .then_refused(Rule::TextRequired);
}

// ---------------------------------------------------------------- signing

#[test]
fn signing_the_tripartite_program_appends_agreement_signed_on_its_signature_day() {
    let accepted = given(&bilateral_history_with_binh_phuoc())
        .when(tripartite_program())
        .then_events(&["AgreementSigned"])
        .on_stream(format!("agreement:{TRIPARTITE}"))
        .effective_on("2013-07-04");
    let Event::AgreementSigned(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.agreement_id, TRIPARTITE);
    assert_eq!(e.parties, parties(&[DONG_NAI, LAM_DONG, BINH_PHUOC]));
    assert_eq!(e.term, range("2013-07-04", "2015-12-31"));
    assert_eq!(e.areas, areas(&ALL_AREAS));
    assert_eq!(e.supersedes, Some(BILATERAL));
    assert_eq!(e.responsibilities.len(), 3);
}

#[test]
fn signing_without_an_agreement_id_gets_a_generated_one() {
    let accepted = given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            agreement_id: None,
            ..bilateral_program()
        })
        .then_events(&["AgreementSigned"])
        .on_stream(format!("agreement:{}", generated(1)));
    let Event::AgreementSigned(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.agreement_id, AgreementId(generated(1)));
}

#[test]
fn signing_an_agreement_that_already_exists_is_refused() {
    given(&bilateral_history())
        .when(bilateral_program())
        .then_refused(Rule::AgreementAlreadyExists);
}

#[test]
fn signing_with_a_blank_title_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            title: String::new(),
            ..bilateral_program()
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn signing_alone_is_refused() {
    given(&[registered(DONG_NAI)])
        .when(SignAgreement {
            document: None,
            parties: parties(&[DONG_NAI]),
            ..bilateral_program()
        })
        .then_refused(Rule::TooFewParties);
}

#[test]
fn signing_with_the_same_party_twice_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            parties: parties(&[DONG_NAI, LAM_DONG, DONG_NAI]),
            ..bilateral_program()
        })
        .then_refused(Rule::DuplicateParty);
}

#[test]
fn a_party_listed_twice_does_not_count_as_two_parties() {
    given(&[registered(DONG_NAI)])
        .when(SignAgreement {
            document: None,
            parties: parties(&[DONG_NAI, DONG_NAI]),
            ..bilateral_program()
        })
        .then_refused(Rule::DuplicateParty);
}

#[test]
fn signing_with_an_unregistered_party_is_refused() {
    let refusal = given(&bilateral_history())
        .when(tripartite_program())
        .then_refused(Rule::PartyNotRegistered);
    assert!(refusal.detail.contains(BINH_PHUOC), "{refusal}");
}

#[test]
fn signing_with_a_term_that_ends_before_it_starts_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            term: range("2013-12-31", "2007-01-01"),
            ..bilateral_program()
        })
        .then_refused(Rule::TermStartAfterEnd);
}

#[test]
fn signing_with_a_one_day_term_is_accepted() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            term: range("2013-07-04", "2013-07-04"),
            ..bilateral_program()
        })
        .then_events(&["AgreementSigned"]);
}

#[test]
fn signing_without_areas_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            areas: vec![],
            ..bilateral_program()
        })
        .then_refused(Rule::NoAreas);
}

#[test]
fn signing_with_the_same_area_twice_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(SignAgreement {
            document: None,
            areas: areas(&["investment_promotion", "scheme_30", "investment_promotion"]),
            ..bilateral_program()
        })
        .then_refused(Rule::DuplicateArea);
}

#[test]
fn responsibilities_naming_a_registered_non_party_are_refused() {
    let mut program = bilateral_program();
    program
        .responsibilities
        .insert(party(BINH_PHUOC), "Hỗ trợ xúc tiến đầu tư".to_owned());
    given(&[
        registered(DONG_NAI),
        registered(LAM_DONG),
        registered(BINH_PHUOC),
    ])
    .when(program)
    .then_refused(Rule::ResponsibilityForNonParty);
}

#[test]
fn superseding_an_unknown_agreement_is_refused() {
    given(&[
        registered(DONG_NAI),
        registered(LAM_DONG),
        registered(BINH_PHUOC),
    ])
    .when(tripartite_program())
    .then_refused(Rule::SupersededAgreementNotFound);
}

// ---------------------------------------------------------------- amending

#[test]
fn amending_the_term_appends_agreement_amended_on_its_effective_day() {
    let accepted = given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            term: Some(range("2007-01-01", "2014-06-30")),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_events(&["AgreementAmended"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-01-15");
    let Event::AgreementAmended(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.term, Some(range("2007-01-01", "2014-06-30")));
    assert_eq!(e.reason, "Gia hạn để hoàn tất tổng kết chương trình");
    assert_eq!((e.title.as_ref(), e.areas.as_ref()), (None, None));
}

#[test]
fn an_amendment_that_extends_the_term_makes_a_later_exchange_acceptable() {
    let later = visit_on("2014-03-20");
    given(&bilateral_history())
        .when(later.clone())
        .then_refused(Rule::ExchangeOutsideTerm);
    given(&[
        registered(DONG_NAI),
        registered(LAM_DONG),
        signed(bilateral_program()),
        amended_term(BILATERAL, "2013-01-15", range("2007-01-01", "2014-06-30")),
    ])
    .when(later)
    .then_events(&["ExchangeRecorded"])
    .effective_on("2014-03-20");
}

#[test]
fn an_amendment_that_drops_an_area_makes_it_undeclared() {
    given(&[
        registered(DONG_NAI),
        registered(LAM_DONG),
        signed(bilateral_program()),
        amended_areas(BILATERAL, "2010-01-01", &["experience_exchange"]),
    ])
    .when(RecordExchange {
        area: area("scheme_30"),
        ..visit_on("2010-05-12")
    })
    .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn an_amendment_without_changes_is_refused() {
    given(&bilateral_history())
        .when(amend(BILATERAL, "2013-01-15"))
        .then_refused(Rule::AmendmentWithoutChanges);
}

#[test]
fn an_amendment_without_a_reason_is_refused() {
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            reason: "  ".into(),
            title: Some("Chương trình hợp tác (sửa đổi)".into()),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn an_amendment_to_a_blank_title_is_refused() {
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            title: Some(String::new()),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn an_amendment_to_a_reversed_term_is_refused() {
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            term: Some(range("2014-01-01", "2013-12-31")),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::TermStartAfterEnd);
}

#[test]
fn an_amendment_that_removes_every_area_is_refused() {
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            areas: Some(vec![]),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::NoAreas);
}

#[test]
fn an_amendment_listing_an_area_twice_is_refused() {
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            areas: Some(areas(&["scheme_30", "scheme_30"])),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::DuplicateArea);
}

#[test]
fn amended_responsibilities_may_name_an_admitted_party_but_not_an_outsider() {
    let history = bilateral_history_with_binh_phuoc();
    let responsibilities = |who: &str| AmendAgreement {
        document: None,
        responsibilities: Some([(party(who), "Hỗ trợ tuyển dụng lao động".to_owned())].into()),
        ..amend(BILATERAL, "2013-01-15")
    };
    given(&history)
        .when(responsibilities(BINH_PHUOC))
        .then_refused(Rule::ResponsibilityForNonParty);
    let admitted_too = history
        .clone()
        .and([admitted(BILATERAL, BINH_PHUOC, "2013-01-01")]);
    given(&admitted_too)
        .when(responsibilities(BINH_PHUOC))
        .then_events(&["AgreementAmended"]);
}

#[test]
fn amending_an_unknown_agreement_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(AmendAgreement {
            document: None,
            title: Some("Chương trình hợp tác".into()),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::AgreementNotFound);
}

#[test]
fn amending_a_terminated_agreement_is_refused() {
    given(&terminated_bilateral_history("2013-07-04"))
        .when(AmendAgreement {
            document: None,
            term: Some(range("2007-01-01", "2014-06-30")),
            ..amend(BILATERAL, "2013-08-01")
        })
        .then_refused(Rule::AgreementTerminated);
}

// ---------------------------------------------------------------- admitting

#[test]
fn admitting_a_registered_party_appends_party_admitted_on_its_effective_day() {
    let history = bilateral_history_with_binh_phuoc();
    let accepted = given(&history)
        .when(admit(BILATERAL, BINH_PHUOC, "2013-01-01"))
        .then_events(&["PartyAdmitted"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-01-01");
    let Event::PartyAdmitted(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(
        (e.agreement_id, &e.party_id),
        (BILATERAL, &party(BINH_PHUOC))
    );
}

#[test]
fn admitting_an_unregistered_party_is_refused() {
    given(&bilateral_history())
        .when(admit(BILATERAL, BINH_PHUOC, "2013-01-01"))
        .then_refused(Rule::PartyNotRegistered);
}

#[test]
fn admitting_a_signatory_again_is_refused() {
    given(&bilateral_history())
        .when(admit(BILATERAL, LAM_DONG, "2013-01-01"))
        .then_refused(Rule::PartyAlreadyInAgreement);
}

#[test]
fn admitting_a_party_twice_is_refused() {
    let history = bilateral_history().and([
        registered(BINH_PHUOC),
        admitted(BILATERAL, BINH_PHUOC, "2013-01-01"),
    ]);
    given(&history)
        .when(admit(BILATERAL, BINH_PHUOC, "2013-02-01"))
        .then_refused(Rule::PartyAlreadyInAgreement);
}

#[test]
fn admitting_a_party_to_a_terminated_agreement_is_refused() {
    let history = terminated_bilateral_history("2013-07-04").and([registered(BINH_PHUOC)]);
    given(&history)
        .when(admit(BILATERAL, BINH_PHUOC, "2013-07-04"))
        .then_refused(Rule::AgreementTerminated);
}

#[test]
fn admitting_a_party_before_the_termination_date_is_accepted_when_recorded_after_it() {
    let history = terminated_bilateral_history("2013-07-04").and([registered(BINH_PHUOC)]);
    given(&history)
        .when(admit(BILATERAL, BINH_PHUOC, "2013-07-03"))
        .then_events(&["PartyAdmitted"]);
}

#[test]
fn a_party_admitted_on_a_date_takes_part_in_exchanges_from_that_date_but_not_before() {
    let history = bilateral_history().and([
        registered(BINH_PHUOC),
        admitted(BILATERAL, BINH_PHUOC, "2013-01-01"),
    ]);
    let with_binh_phuoc = |on: &str| RecordExchange {
        parties: parties(&[DONG_NAI, BINH_PHUOC]),
        ..visit_on(on)
    };
    given(&history)
        .when(with_binh_phuoc("2013-01-01"))
        .then_events(&["ExchangeRecorded"]);
    given(&history)
        .when(with_binh_phuoc("2012-12-31"))
        .then_refused(Rule::PartyNotInAgreement);
}

// ---------------------------------------------------------------- exchanges

#[test]
fn recording_an_exchange_appends_exchange_recorded_on_the_day_it_occurred() {
    let accepted = given(&bilateral_history())
        .when(visit_on("2010-05-12"))
        .then_events(&["ExchangeRecorded"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2010-05-12");
    let Event::ExchangeRecorded(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.exchange_id, VISIT);
    assert_eq!(e.area, area("experience_exchange"));
    assert_eq!(e.kind, ExchangeKind::Visit);
    assert_eq!(e.parties, parties(&[LAM_DONG, DONG_NAI]));
}

#[test]
fn recording_an_exchange_without_an_id_gets_a_generated_one() {
    let accepted = given(&bilateral_history())
        .when(RecordExchange {
            exchange_id: None,
            ..visit_on("2010-05-12")
        })
        .then_events(&["ExchangeRecorded"]);
    let Event::ExchangeRecorded(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.exchange_id, ExchangeId(generated(1)));
}

#[test]
fn exchanges_on_the_first_and_last_day_of_the_term_are_accepted() {
    for on in ["2007-01-01", "2013-12-31"] {
        given(&bilateral_history())
            .when(visit_on(on))
            .then_events(&["ExchangeRecorded"])
            .effective_on(on);
    }
}

#[test]
fn exchanges_a_day_outside_the_term_are_refused() {
    for on in ["2006-12-31", "2014-01-01"] {
        given(&bilateral_history())
            .when(visit_on(on))
            .then_refused(Rule::ExchangeOutsideTerm);
    }
}

#[test]
fn an_exchange_on_the_termination_date_is_refused() {
    given(&terminated_bilateral_history("2013-07-04"))
        .when(visit_on("2013-07-04"))
        .then_refused(Rule::ExchangeAfterTermination);
}

#[test]
fn an_exchange_the_day_before_termination_is_accepted_even_when_recorded_later() {
    given(&terminated_bilateral_history("2013-07-04"))
        .when(visit_on("2013-07-03"))
        .then_events(&["ExchangeRecorded"])
        .effective_on("2013-07-03");
}

#[test]
fn an_exchange_in_an_undeclared_area_is_refused() {
    given(&bilateral_history())
        .when(RecordExchange {
            area: area("tourism_promotion"),
            ..visit_on("2010-05-12")
        })
        .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn an_exchange_involving_a_non_party_is_refused() {
    let history = bilateral_history_with_binh_phuoc();
    given(&history)
        .when(RecordExchange {
            parties: parties(&[DONG_NAI, BINH_PHUOC]),
            ..visit_on("2010-05-12")
        })
        .then_refused(Rule::PartyNotInAgreement);
}

#[test]
fn an_exchange_without_parties_is_refused() {
    given(&bilateral_history())
        .when(RecordExchange {
            parties: vec![],
            ..visit_on("2010-05-12")
        })
        .then_refused(Rule::ExchangeWithoutParties);
}

#[test]
fn an_exchange_with_a_blank_summary_is_refused() {
    given(&bilateral_history())
        .when(RecordExchange {
            summary: "\u{a0}\n".into(),
            ..visit_on("2010-05-12")
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn recording_the_same_exchange_twice_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(visit_on("2010-05-12"))
        .then_refused(Rule::ExchangeAlreadyExists);
}

#[test]
fn an_exchange_id_used_under_another_agreement_is_refused() {
    // The study visit under the bilateral program; its id again under the tripartite one.
    given(&tripartite_history().and([recorded(visit_on("2010-05-12"))]))
        .when(RecordExchange {
            agreement_id: TRIPARTITE,
            ..visit_on("2014-03-10")
        })
        .then_refused(Rule::ExchangeAlreadyExists);
}

#[test]
fn another_exchange_id_under_another_agreement_is_accepted() {
    given(&tripartite_history().and([recorded(visit_on("2010-05-12"))]))
        .when(RecordExchange {
            agreement_id: TRIPARTITE,
            exchange_id: Some(ExchangeId(uuid::Uuid::from_u128(0x2014_0310))),
            ..visit_on("2014-03-10")
        })
        .then_events(&["ExchangeRecorded"]);
}

#[test]
fn an_exchange_under_an_unknown_agreement_is_refused() {
    given(&[registered(DONG_NAI), registered(LAM_DONG)])
        .when(visit_on("2010-05-12"))
        .then_refused(Rule::AgreementNotFound);
}

// ---------------------------------------------------------------- corrections

#[test]
fn correcting_the_date_appends_exchange_corrected_on_the_corrected_day() {
    let accepted = given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            occurred_on: Some(day("2010-05-14")),
            ..correct(VISIT)
        })
        .then_events(&["ExchangeCorrected"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2010-05-14");
    let Event::ExchangeCorrected(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.occurred_on, Some(day("2010-05-14")));
    assert_eq!(e.reason, "Nhập sai ngày");
    assert_eq!((e.area.as_ref(), e.summary.as_ref()), (None, None));
}

#[test]
fn correcting_only_the_summary_keeps_the_exchanges_own_day() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            summary: Some("Trao đổi kinh nghiệm triển khai Nghị định 29/2008/NĐ-CP".into()),
            ..correct(VISIT)
        })
        .then_events(&["ExchangeCorrected"])
        .effective_on("2010-05-12");
}

#[test]
fn a_correction_that_moves_an_exchange_outside_the_term_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            occurred_on: Some(day("2014-01-01")),
            ..correct(VISIT)
        })
        .then_refused(Rule::ExchangeOutsideTerm);
}

#[test]
fn a_correction_that_moves_an_exchange_before_a_partys_admission_is_refused() {
    let history = bilateral_history().and([
        registered(BINH_PHUOC),
        admitted(BILATERAL, BINH_PHUOC, "2013-01-01"),
        recorded(RecordExchange {
            parties: parties(&[DONG_NAI, BINH_PHUOC]),
            ..visit_on("2013-03-01")
        }),
    ]);
    given(&history)
        .when(CorrectExchange {
            occurred_on: Some(day("2012-12-31")),
            ..correct(VISIT)
        })
        .then_refused(Rule::PartyNotInAgreement);
}

#[test]
fn a_correction_that_moves_an_exchange_onto_the_termination_date_is_refused() {
    let history = visited_history("2013-06-01").and([terminated(BILATERAL, "2013-07-04")]);
    given(&history)
        .when(CorrectExchange {
            occurred_on: Some(day("2013-07-04")),
            ..correct(VISIT)
        })
        .then_refused(Rule::ExchangeAfterTermination);
}

#[test]
fn a_correction_to_an_undeclared_area_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            area: Some(area("tourism_promotion")),
            ..correct(VISIT)
        })
        .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn a_correction_that_removes_every_party_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            parties: Some(vec![]),
            ..correct(VISIT)
        })
        .then_refused(Rule::ExchangeWithoutParties);
}

#[test]
fn a_correction_to_a_blank_summary_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            summary: Some(" ".into()),
            ..correct(VISIT)
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn a_correction_without_changes_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(correct(VISIT))
        .then_refused(Rule::CorrectionWithoutChanges);
}

#[test]
fn a_correction_without_a_reason_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(CorrectExchange {
            reason: String::new(),
            kind: Some(ExchangeKind::Meeting),
            ..correct(VISIT)
        })
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn correcting_an_unknown_exchange_is_refused() {
    given(&bilateral_history())
        .when(CorrectExchange {
            kind: Some(ExchangeKind::Meeting),
            ..correct(VISIT)
        })
        .then_refused(Rule::ExchangeNotFound);
}

#[test]
fn correcting_a_retracted_exchange_is_refused() {
    let history = visited_history("2010-05-12").and([retracted(BILATERAL, VISIT)]);
    given(&history)
        .when(CorrectExchange {
            kind: Some(ExchangeKind::Meeting),
            ..correct(VISIT)
        })
        .then_refused(Rule::ExchangeRetracted);
}

// ---------------------------------------------------------------- retractions

#[test]
fn retracting_appends_exchange_retracted_on_the_exchanges_day() {
    let accepted = given(&visited_history("2010-05-12"))
        .when(retract(VISIT))
        .then_events(&["ExchangeRetracted"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2010-05-12");
    let Event::ExchangeRetracted(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!((e.exchange_id, e.reason.as_str()), (VISIT, "Ghi trùng"));
}

#[test]
fn retracting_a_corrected_exchange_is_about_its_corrected_day() {
    let history =
        visited_history("2010-05-12").and([corrected_date(BILATERAL, VISIT, "2010-05-14")]);
    given(&history)
        .when(retract(VISIT))
        .then_events(&["ExchangeRetracted"])
        .effective_on("2010-05-14");
}

#[test]
fn retracting_twice_is_refused() {
    let history = visited_history("2010-05-12").and([retracted(BILATERAL, VISIT)]);
    given(&history)
        .when(retract(VISIT))
        .then_refused(Rule::ExchangeRetracted);
}

#[test]
fn retracting_an_unknown_exchange_is_refused() {
    given(&bilateral_history())
        .when(retract(VISIT))
        .then_refused(Rule::ExchangeNotFound);
}

#[test]
fn retracting_without_a_reason_is_refused() {
    given(&visited_history("2010-05-12"))
        .when(RetractExchange {
            reason: "\t".into(),
            ..retract(VISIT)
        })
        .then_refused(Rule::ReasonRequired);
}

// ---------------------------------------------------------------- reviews

#[test]
fn opening_the_five_year_review_appends_review_period_opened_on_its_opening_day() {
    let accepted = given(&bilateral_history())
        .when(five_year_review())
        .then_events(&["ReviewPeriodOpened"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-07-04");
    let Event::ReviewPeriodOpened(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!((e.review_id, e.kind), (FIVE_YEAR_REVIEW, ReviewKind::Final));
    assert_eq!(e.period, range("2008-07-01", "2013-06-30"));
}

#[test]
fn opening_a_review_without_an_id_gets_a_generated_one() {
    let accepted = given(&bilateral_history())
        .when(OpenReviewPeriod {
            review_id: None,
            ..five_year_review()
        })
        .then_events(&["ReviewPeriodOpened"]);
    let Event::ReviewPeriodOpened(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.review_id, ReviewId(generated(1)));
}

#[test]
fn opening_a_review_whose_period_ends_before_it_starts_is_refused() {
    given(&bilateral_history())
        .when(OpenReviewPeriod {
            period: range("2013-06-30", "2008-07-01"),
            ..five_year_review()
        })
        .then_refused(Rule::PeriodStartAfterEnd);
}

#[test]
fn opening_the_same_review_twice_is_refused() {
    given(&reviewing_history())
        .when(five_year_review())
        .then_refused(Rule::ReviewAlreadyExists);
}

#[test]
fn opening_a_review_with_a_blank_title_is_refused() {
    given(&bilateral_history())
        .when(OpenReviewPeriod {
            title: String::new(),
            ..five_year_review()
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn a_partys_assessment_appends_assessment_recorded_on_its_day() {
    let accepted = given(&reviewing_history())
        .when(assess(LAM_DONG))
        .then_events(&["AssessmentRecorded"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-07-04");
    let Event::AssessmentRecorded(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!((&e.party_id, e.rating), (&party(LAM_DONG), Rating::Met));
}

#[test]
fn an_assessment_by_a_non_party_is_refused() {
    given(&reviewing_history().and([registered(BINH_PHUOC)]))
        .when(assess(BINH_PHUOC))
        .then_refused(Rule::PartyNotInAgreement);
}

#[test]
fn an_assessment_in_an_unknown_review_is_refused() {
    given(&bilateral_history())
        .when(assess(DONG_NAI))
        .then_refused(Rule::ReviewNotFound);
}

#[test]
fn an_assessment_in_a_closed_review_is_refused() {
    given(&closed_review_history())
        .when(assess(DONG_NAI))
        .then_refused(Rule::ReviewAlreadyClosed);
}

#[test]
fn closing_a_review_appends_review_period_closed_on_its_closing_day() {
    let accepted = given(&reviewing_history())
        .when(close_review("2013-07-04"))
        .then_events(&["ReviewPeriodClosed"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-07-04");
    let Event::ReviewPeriodClosed(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!((e.review_id, e.outcome), (FIVE_YEAR_REVIEW, Rating::Met));
}

#[test]
fn closing_a_review_on_the_first_day_of_its_period_is_accepted() {
    given(&reviewing_history())
        .when(close_review("2008-07-01"))
        .then_events(&["ReviewPeriodClosed"])
        .effective_on("2008-07-01");
}

#[test]
fn closing_a_review_before_its_period_starts_is_refused() {
    given(&reviewing_history())
        .when(close_review("2008-06-30"))
        .then_refused(Rule::ClosedBeforePeriodStart);
}

#[test]
fn closing_a_closed_review_is_refused() {
    given(&closed_review_history())
        .when(close_review("2013-07-05"))
        .then_refused(Rule::ReviewAlreadyClosed);
}

#[test]
fn closing_an_unknown_review_is_refused() {
    given(&bilateral_history())
        .when(close_review("2013-07-04"))
        .then_refused(Rule::ReviewNotFound);
}

#[test]
fn closing_a_review_with_a_blank_summary_is_refused() {
    given(&reviewing_history())
        .when(CloseReviewPeriod {
            summary: String::new(),
            ..close_review("2013-07-04")
        })
        .then_refused(Rule::TextRequired);
}

// ---------------------------------------------------------------- termination

#[test]
fn terminating_appends_agreement_terminated_on_its_effective_day() {
    let accepted = given(&bilateral_history())
        .when(terminate(BILATERAL, "2013-07-04"))
        .then_events(&["AgreementTerminated"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2013-07-04");
    let Event::AgreementTerminated(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(
        e.reason,
        "Thay thế bằng chương trình hợp tác ba bên 2013–2015"
    );
}

#[test]
fn terminating_on_the_signature_day_is_accepted() {
    given(&bilateral_history())
        .when(terminate(BILATERAL, "2007-01-01"))
        .then_events(&["AgreementTerminated"]);
}

#[test]
fn terminating_before_the_signature_is_refused() {
    given(&bilateral_history())
        .when(terminate(BILATERAL, "2006-12-31"))
        .then_refused(Rule::TerminationBeforeSigning);
}

#[test]
fn terminating_twice_is_refused() {
    given(&terminated_bilateral_history("2013-07-04"))
        .when(terminate(BILATERAL, "2013-08-01"))
        .then_refused(Rule::AlreadyTerminated);
}

#[test]
fn terminating_without_a_reason_is_refused() {
    given(&bilateral_history())
        .when(TerminateAgreement {
            reason: String::new(),
            ..terminate(BILATERAL, "2013-07-04")
        })
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn terminating_an_unknown_agreement_is_refused() {
    given(&[])
        .when(terminate(BILATERAL, "2013-07-04"))
        .then_refused(Rule::AgreementNotFound);
}

// ---------------------------------------------------------------- text

#[test]
fn vietnamese_text_is_kept_exactly_as_given() {
    // "Đồng Nai" decomposed (NFD): the domain must not normalise it.
    let decomposed = "Ban quản lý các Khu công nghiệp tỉnh \u{110}o\u{302}\u{300}ng Nai ";
    let accepted = given(&[])
        .when(RegisterParty {
            name: decomposed.to_owned(),
            ..register(DONG_NAI)
        })
        .then_events(&["PartyRegistered"]);
    let Event::PartyRegistered(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.name.as_bytes(), decomposed.as_bytes());

    let program = tripartite_program();
    let accepted = given(&bilateral_history_with_binh_phuoc())
        .when(program.clone())
        .then_events(&["AgreementSigned"]);
    let Event::AgreementSigned(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.title, program.title);
    assert_eq!(e.place, program.place);
    assert_eq!(e.responsibilities, program.responsibilities);
    let json = serde_json::to_string(accepted.event()).unwrap();
    assert!(
        json.contains("Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng"),
        "{json}"
    );
    let back: Event = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, accepted.event());
}

#[test]
fn an_exchanges_summary_and_outcome_are_kept_exactly_as_given() {
    let exchange = visit_on("2010-05-12");
    given(&bilateral_history())
        .when(exchange.clone())
        .then_appended(|facts| {
            let [Fact {
                event: Event::ExchangeRecorded(e),
                ..
            }] = facts
            else {
                panic!("{facts:?}")
            };
            assert_eq!(e.summary, exchange.summary);
            assert_eq!(e.outcome, exchange.outcome);
        });
}

// ---------------------------------------------------------------- on its own date

/// The bilateral program with the study visit in `scheme_30` on 12 May
/// 2010, then an amendment from 2012 that keeps only `experience_exchange`.
fn scheme_30_visit_then_area_removed() -> Vec<Event> {
    bilateral_history().and([
        recorded(RecordExchange {
            area: area("scheme_30"),
            ..visit_on("2010-05-12")
        }),
        amended_areas(BILATERAL, "2012-01-01", &["experience_exchange"]),
    ])
}

#[test]
fn an_exchange_recorded_late_in_an_area_an_amendment_later_removed_is_accepted() {
    let history = bilateral_history().and([amended_areas(
        BILATERAL,
        "2012-01-01",
        &["experience_exchange"],
    )]);
    given(&history)
        .when(RecordExchange {
            area: area("scheme_30"),
            ..visit_on("2010-05-12")
        })
        .then_events(&["ExchangeRecorded"])
        .effective_on("2010-05-12");
    given(&history)
        .when(RecordExchange {
            area: area("scheme_30"),
            ..visit_on("2012-05-12")
        })
        .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn a_summary_only_correction_of_an_exchange_in_a_later_removed_area_is_accepted() {
    given(&scheme_30_visit_then_area_removed())
        .when(CorrectExchange {
            summary: Some("Đoàn công tác trao đổi kinh nghiệm thực hiện Đề án 30".into()),
            ..correct(VISIT)
        })
        .then_events(&["ExchangeCorrected"])
        .effective_on("2010-05-12");
}

#[test]
fn a_correction_moving_an_exchange_after_its_area_was_removed_is_refused() {
    given(&scheme_30_visit_then_area_removed())
        .when(CorrectExchange {
            occurred_on: Some(day("2012-05-12")),
            ..correct(VISIT)
        })
        .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn a_correction_is_checked_only_for_what_it_changes() {
    // The parties given again unchanged are not judged anew; a new party is.
    let history = scheme_30_visit_then_area_removed().and([registered(BINH_PHUOC)]);
    given(&history)
        .when(CorrectExchange {
            parties: Some(parties(&[LAM_DONG, DONG_NAI])),
            outcome: Some("Đã trao đổi tài liệu".into()),
            ..correct(VISIT)
        })
        .then_events(&["ExchangeCorrected"]);
    given(&history)
        .when(CorrectExchange {
            parties: Some(parties(&[LAM_DONG, BINH_PHUOC])),
            ..correct(VISIT)
        })
        .then_refused(Rule::PartyNotInAgreement);
}

#[test]
fn the_term_in_force_on_the_exchanges_date_is_the_one_that_counts() {
    let history = bilateral_history().and([amended_term(
        BILATERAL,
        "2013-01-15",
        range("2007-01-01", "2013-06-30"),
    )]);
    given(&history)
        .when(visit_on("2013-08-01"))
        .then_refused(Rule::ExchangeOutsideTerm);
    given(&history)
        .when(visit_on("2012-08-01"))
        .then_events(&["ExchangeRecorded"]);
}

#[test]
fn amendments_apply_in_the_order_of_their_dates_not_of_their_recording() {
    // Recorded second but effective first: the later-dated amendment wins.
    let history = bilateral_history().and([
        amended_areas(BILATERAL, "2012-01-01", &["experience_exchange"]),
        amended_areas(BILATERAL, "2011-01-01", &["scheme_30"]),
    ]);
    given(&history)
        .when(RecordExchange {
            area: area("scheme_30"),
            ..visit_on("2011-06-01")
        })
        .then_events(&["ExchangeRecorded"]);
    given(&history)
        .when(RecordExchange {
            area: area("scheme_30"),
            ..visit_on("2012-06-01")
        })
        .then_refused(Rule::AreaNotDeclared);
}

#[test]
fn an_amendment_dated_before_a_termination_is_accepted_when_recorded_after_it() {
    given(&terminated_bilateral_history("2013-07-04"))
        .when(AmendAgreement {
            document: None,
            title: Some("Chương trình hợp tác (điều chỉnh)".into()),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_events(&["AgreementAmended"]);
}

#[test]
fn an_amendment_giving_again_what_is_in_force_on_its_date_is_refused() {
    let same_title = AmendAgreement {
        document: None,
        title: Some(bilateral_program().title),
        ..amend(BILATERAL, "2013-01-15")
    };
    given(&bilateral_history())
        .when(same_title.clone())
        .then_refused(Rule::AmendmentWithoutChanges);
    given(&bilateral_history())
        .when(AmendAgreement {
            document: None,
            term: Some(range("2007-01-01", "2014-06-30")),
            ..same_title
        })
        .then_events(&["AgreementAmended"]);
    let history = bilateral_history().and([amended_areas(BILATERAL, "2012-01-01", &["scheme_30"])]);
    given(&history)
        .when(AmendAgreement {
            document: None,
            areas: Some(areas(&["scheme_30"])),
            ..amend(BILATERAL, "2013-01-15")
        })
        .then_refused(Rule::AmendmentWithoutChanges);
    given(&history)
        .when(AmendAgreement {
            document: None,
            areas: Some(areas(&["scheme_30"])),
            ..amend(BILATERAL, "2011-01-15")
        })
        .then_events(&["AgreementAmended"]);
}

#[test]
fn a_termination_dated_before_a_recorded_exchange_is_refused_naming_it() {
    let refusal = given(&visited_history("2010-05-12"))
        .when(terminate(BILATERAL, "2010-05-12"))
        .then_refused(Rule::ContradictsRecordedFact);
    assert!(refusal.detail.contains(&VISIT.to_string()), "{refusal}");
    given(&visited_history("2010-05-12"))
        .when(terminate(BILATERAL, "2010-05-13"))
        .then_events(&["AgreementTerminated"]);
}

#[test]
fn a_termination_dated_before_a_recorded_amendment_or_admission_is_refused() {
    let amended = bilateral_history().and([amended_term(
        BILATERAL,
        "2013-01-15",
        range("2007-01-01", "2014-06-30"),
    )]);
    given(&amended)
        .when(terminate(BILATERAL, "2013-01-01"))
        .then_refused(Rule::ContradictsRecordedFact);
    let admitted =
        bilateral_history_with_binh_phuoc().and([admitted(BILATERAL, BINH_PHUOC, "2013-01-01")]);
    given(&admitted)
        .when(terminate(BILATERAL, "2012-12-31"))
        .then_refused(Rule::ContradictsRecordedFact);
    given(&admitted)
        .when(terminate(BILATERAL, "2013-01-02"))
        .then_events(&["AgreementTerminated"]);
}

#[test]
fn an_amendment_that_would_leave_a_recorded_exchange_outside_the_agreement_is_refused() {
    let history = visited_history("2010-05-12");
    given(&history)
        .when(AmendAgreement {
            document: None,
            areas: Some(areas(&["scheme_30"])),
            ..amend(BILATERAL, "2010-01-01")
        })
        .then_refused(Rule::ContradictsRecordedFact);
    given(&history)
        .when(AmendAgreement {
            document: None,
            term: Some(range("2007-01-01", "2010-05-11")),
            ..amend(BILATERAL, "2009-01-01")
        })
        .then_refused(Rule::ContradictsRecordedFact);
    given(&history)
        .when(AmendAgreement {
            document: None,
            areas: Some(areas(&["scheme_30"])),
            ..amend(BILATERAL, "2010-05-13")
        })
        .then_events(&["AgreementAmended"]);
}

#[test]
fn an_assessment_dated_before_the_partys_admission_is_refused() {
    let history = reviewing_history().and([
        registered(BINH_PHUOC),
        admitted(BILATERAL, BINH_PHUOC, "2013-08-01"),
    ]);
    given(&history)
        .when(assess(BINH_PHUOC))
        .then_refused(Rule::PartyNotInAgreement);
    given(&history)
        .when(RecordAssessment {
            assessed_on: day("2013-08-01"),
            ..assess(BINH_PHUOC)
        })
        .then_events(&["AssessmentRecorded"]);
}

// ---------------------------------------------------------------- parties over time

#[test]
fn updating_a_party_appends_party_updated_on_its_stream_and_date() {
    let accepted = given(&bilateral_history())
        .when(UpdateParty {
            name: Some("Ban Quản lý các Khu công nghiệp Đồng Nai".into()),
            ..update(DONG_NAI, "2020-01-01")
        })
        .then_events(&["PartyUpdated"])
        .on_stream("party:dong-nai-iza")
        .effective_on("2020-01-01");
    let Event::PartyUpdated(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(
        e.name.as_deref(),
        Some("Ban Quản lý các Khu công nghiệp Đồng Nai")
    );
}

#[test]
fn an_update_that_changes_nothing_in_force_on_its_date_is_refused() {
    given(&bilateral_history())
        .when(update(DONG_NAI, "2020-01-01"))
        .then_refused(Rule::PartyUpdateWithoutChanges);
    given(&bilateral_history())
        .when(UpdateParty {
            province: Some("Đồng Nai".into()),
            ..update(DONG_NAI, "2020-01-01")
        })
        .then_refused(Rule::PartyUpdateWithoutChanges);
    given(&bilateral_history())
        .when(UpdateParty {
            kind: Some(PartyKind::Agency),
            ..update(DONG_NAI, "2020-01-01")
        })
        .then_events(&["PartyUpdated"]);
}

#[test]
fn an_update_of_an_unregistered_party_or_without_a_reason_is_refused() {
    given(&bilateral_history())
        .when(UpdateParty {
            kind: Some(PartyKind::Agency),
            ..update(BINH_PHUOC, "2020-01-01")
        })
        .then_refused(Rule::PartyNotRegistered);
    given(&bilateral_history())
        .when(UpdateParty {
            reason: " ".into(),
            kind: Some(PartyKind::Agency),
            ..update(DONG_NAI, "2020-01-01")
        })
        .then_refused(Rule::ReasonRequired);
    given(&bilateral_history())
        .when(UpdateParty {
            name: Some("  ".into()),
            ..update(DONG_NAI, "2020-01-01")
        })
        .then_refused(Rule::TextRequired);
}

#[test]
fn a_succession_appends_party_succeeded_on_the_predecessors_stream() {
    let accepted = given(&long_tripartite_history())
        .when(succeed(BINH_PHUOC, DONG_NAI, "2025-07-01"))
        .then_events(&["PartySucceeded"])
        .on_stream("party:binh-phuoc-eza")
        .effective_on("2025-07-01");
    let Event::PartySucceeded(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.successor_id, party(DONG_NAI));
}

/// Three parties, two merge: an exchange naming the predecessor after the
/// date is refused, before it accepted.
#[test]
fn after_two_of_three_parties_merge_the_predecessor_is_named_only_before_the_date() {
    let merged = long_tripartite_history().and([succeeded(BINH_PHUOC, DONG_NAI, "2025-07-01")]);
    given(&merged)
        .when(tripartite_exchange("2025-07-01", &[BINH_PHUOC, LAM_DONG]))
        .then_refused(Rule::PartySucceeded);
    given(&merged)
        .when(tripartite_exchange("2025-06-30", &[BINH_PHUOC, LAM_DONG]))
        .then_events(&["ExchangeRecorded"]);
    given(&merged)
        .when(tripartite_exchange("2025-07-01", &[DONG_NAI, LAM_DONG]))
        .then_events(&["ExchangeRecorded"]);
}

#[test]
fn a_successor_becomes_a_party_from_the_date_via_the_predecessor() {
    // A program of Lâm Đồng and Bình Phước alone: Đồng Nai joins it by the merger.
    let program = SignAgreement {
        document: None,
        parties: parties(&[LAM_DONG, BINH_PHUOC]),
        supersedes: None,
        responsibilities: Default::default(),
        term: range("2013-07-04", "2030-12-31"),
        ..tripartite_program()
    };
    let history = bilateral_history_with_binh_phuoc().and([
        signed(program),
        succeeded(BINH_PHUOC, DONG_NAI, "2025-07-01"),
    ]);
    given(&history)
        .when(tripartite_exchange("2025-07-01", &[DONG_NAI, LAM_DONG]))
        .then_events(&["ExchangeRecorded"]);
    given(&history)
        .when(tripartite_exchange("2025-06-30", &[DONG_NAI, LAM_DONG]))
        .then_refused(Rule::PartyNotInAgreement);
    let mut model = WriteModel::new();
    for event in &history {
        model.evolve(event);
    }
    let ever: Vec<_> = model.agreement_parties(TRIPARTITE).unwrap().collect();
    assert_eq!(
        ever,
        [&party(LAM_DONG), &party(BINH_PHUOC), &party(DONG_NAI)]
    );
}

#[test]
fn a_succession_dated_before_a_recorded_fact_naming_the_predecessor_is_refused() {
    let history = long_tripartite_history().and([recorded(tripartite_exchange(
        "2025-08-01",
        &[BINH_PHUOC, LAM_DONG],
    ))]);
    let refusal = given(&history)
        .when(succeed(BINH_PHUOC, DONG_NAI, "2025-07-01"))
        .then_refused(Rule::ContradictsRecordedFact);
    assert!(refusal.detail.contains("2025-08-01"), "{refusal}");
    given(&history)
        .when(succeed(BINH_PHUOC, DONG_NAI, "2025-08-02"))
        .then_events(&["PartySucceeded"]);
}

#[test]
fn a_party_cannot_succeed_itself_twice_or_in_a_cycle() {
    let history = long_tripartite_history();
    given(&history)
        .when(succeed(BINH_PHUOC, BINH_PHUOC, "2025-07-01"))
        .then_refused(Rule::SuccessionToItself);
    given(&history)
        .when(succeed(BINH_PHUOC, "dak-nong-iza", "2025-07-01"))
        .then_refused(Rule::PartyNotRegistered);
    let merged = history.and([succeeded(BINH_PHUOC, DONG_NAI, "2025-07-01")]);
    given(&merged)
        .when(succeed(BINH_PHUOC, LAM_DONG, "2025-07-01"))
        .then_refused(Rule::PartyAlreadySucceeded);
    given(&merged)
        .when(succeed(LAM_DONG, BINH_PHUOC, "2025-07-01"))
        .then_refused(Rule::PartySucceeded);
    given(&merged)
        .when(succeed(DONG_NAI, BINH_PHUOC, "2024-01-01"))
        .then_refused(Rule::SuccessionCycle);
    given(&merged)
        .when(UpdateParty {
            kind: Some(PartyKind::Agency),
            ..update(BINH_PHUOC, "2025-07-01")
        })
        .then_refused(Rule::PartySucceeded);
    given(&merged)
        .when(SucceedParty {
            reason: String::new(),
            ..succeed(DONG_NAI, LAM_DONG, "2026-01-01")
        })
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn a_withdrawn_party_is_no_longer_a_party_from_the_date() {
    let accepted = given(&tripartite_history())
        .when(withdraw(TRIPARTITE, BINH_PHUOC, "2015-01-01"))
        .then_events(&["PartyWithdrew"])
        .on_stream(format!("agreement:{TRIPARTITE}"))
        .effective_on("2015-01-01");
    let Event::PartyWithdrew(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.party_id, party(BINH_PHUOC));
    let history = tripartite_history().and([withdrew(TRIPARTITE, BINH_PHUOC, "2015-01-01")]);
    given(&history)
        .when(tripartite_exchange("2015-01-01", &[BINH_PHUOC, DONG_NAI]))
        .then_refused(Rule::PartyNotMember);
    given(&history)
        .when(tripartite_exchange("2014-12-31", &[BINH_PHUOC, DONG_NAI]))
        .then_events(&["ExchangeRecorded"]);
    given(&history)
        .when(withdraw(TRIPARTITE, BINH_PHUOC, "2015-02-01"))
        .then_refused(Rule::PartyNotMember);
}

#[test]
fn a_withdrawal_that_would_leave_fewer_than_two_parties_is_refused() {
    given(&bilateral_history())
        .when(withdraw(BILATERAL, LAM_DONG, "2010-01-01"))
        .then_refused(Rule::TooFewParties);
}

#[test]
fn a_withdrawal_outside_the_term_after_termination_or_of_a_non_party_is_refused() {
    given(&tripartite_history())
        .when(withdraw(TRIPARTITE, BINH_PHUOC, "2016-01-01"))
        .then_refused(Rule::WithdrawalOutsideTerm);
    given(&tripartite_history().and([terminated(TRIPARTITE, "2015-01-01")]))
        .when(withdraw(TRIPARTITE, BINH_PHUOC, "2015-01-01"))
        .then_refused(Rule::AgreementTerminated);
    given(&bilateral_history_with_binh_phuoc())
        .when(withdraw(BILATERAL, BINH_PHUOC, "2010-01-01"))
        .then_refused(Rule::PartyNotInAgreement);
    given(&tripartite_history())
        .when(WithdrawParty {
            reason: String::new(),
            ..withdraw(TRIPARTITE, BINH_PHUOC, "2015-01-01")
        })
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn a_withdrawal_dated_before_a_recorded_exchange_naming_the_party_is_refused() {
    let history = tripartite_history().and([recorded(tripartite_exchange(
        "2015-03-01",
        &[BINH_PHUOC, DONG_NAI],
    ))]);
    given(&history)
        .when(withdraw(TRIPARTITE, BINH_PHUOC, "2015-01-01"))
        .then_refused(Rule::ContradictsRecordedFact);
    given(&history)
        .when(withdraw(TRIPARTITE, LAM_DONG, "2015-01-01"))
        .then_events(&["PartyWithdrew"]);
}

// ---------------------------------------------------------------- today

#[test]
fn an_exchange_dated_after_today_is_refused_and_one_dated_today_accepted() {
    let history = bilateral_history();
    given(&history)
        .when_on("2010-05-11", visit_on("2010-05-12"))
        .then_refused(Rule::ExchangeInFuture);
    given(&history)
        .when_on("2010-05-12", visit_on("2010-05-12"))
        .then_events(&["ExchangeRecorded"]);
    given(&visited_history("2010-05-12"))
        .when_on(
            "2010-05-12",
            CorrectExchange {
                occurred_on: Some(day("2010-05-13")),
                ..correct(VISIT)
            },
        )
        .then_refused(Rule::ExchangeInFuture);
    given(&visited_history("2010-05-12"))
        .when_on(
            "2010-05-11",
            CorrectExchange {
                summary: Some("Sửa nội dung".into()),
                ..correct(VISIT)
            },
        )
        .then_events(&["ExchangeCorrected"]);
}

// ---------------------------------------------------------------- voids

#[test]
fn voiding_an_exchange_appends_event_voided_on_its_stream_and_date() {
    // 1-3 the bilateral history, 4 the visit.
    let accepted = given_log(&visited_history("2010-05-12"))
        .when_void(event_id(4), "Nhập nhầm chương trình")
        .then_events(&["EventVoided"])
        .on_stream(format!("agreement:{BILATERAL}"))
        .effective_on("2010-05-12");
    let Event::EventVoided(e) = accepted.event() else {
        unreachable!()
    };
    assert_eq!(e.event_id, event_id(4));
    assert_eq!(e.voided_position, 4);
    assert_eq!(e.voided_type, "ExchangeRecorded");
    assert_eq!(e.agreement_id, Some(BILATERAL));
    assert_eq!(e.reason, "Nhập nhầm chương trình");
}

#[test]
fn voiding_an_unknown_event_is_refused() {
    given_log(&visited_history("2010-05-12"))
        .when_void(event_id(99), "Nhập nhầm")
        .then_refused(Rule::EventNotFound);
}

#[test]
fn voiding_a_void_is_refused() {
    // 5 voids 4.
    given_log(&visited_history("2010-05-12"))
        .voided(4)
        .when_void(event_id(5), "Nhập nhầm")
        .then_refused(Rule::VoidOfVoid);
}

#[test]
fn voiding_an_event_twice_is_refused() {
    given_log(&visited_history("2010-05-12"))
        .voided(4)
        .when_void(event_id(4), "Nhập nhầm lần nữa")
        .then_refused(Rule::EventAlreadyVoided);
}

#[test]
fn voiding_without_a_reason_is_refused() {
    given_log(&visited_history("2010-05-12"))
        .when_void(event_id(4), " \t")
        .then_refused(Rule::ReasonRequired);
}

#[test]
fn voiding_a_party_registration_while_an_agreement_names_it_breaks_history() {
    // 1 Đồng Nai, 2 Lâm Đồng, 3 the bilateral program naming both.
    let refusal = given_log(&bilateral_history())
        .when_void(event_id(2), "Đăng ký nhầm")
        .then_refused(Rule::VoidBreaksHistory);
    assert!(
        refusal.detail.contains("AgreementSigned at position 3")
            && refusal.detail.contains(&event_id(3).to_string())
            && refusal.detail.contains("party_not_registered"),
        "{refusal}"
    );
}

#[test]
fn voiding_a_signature_with_later_facts_names_the_first_of_them() {
    // 4 the visit, 5 a second one: the visit is named, not the later one.
    let second = RecordExchange {
        exchange_id: Some(ExchangeId(uuid::Uuid::from_u128(0x2011_0101))),
        ..visit_on("2011-01-01")
    };
    let refusal = given_log(&visited_history("2010-05-12").and([recorded(second)]))
        .when_void(event_id(3), "Ký nhầm")
        .then_refused(Rule::VoidBreaksHistory);
    assert!(
        refusal.detail.contains("ExchangeRecorded at position 4")
            && refusal.detail.contains("agreement_not_found"),
        "{refusal}"
    );
}

#[test]
fn voiding_a_signature_a_later_one_supersedes_breaks_history() {
    // 3 the bilateral program, 5 the tripartite one superseding it.
    let refusal = given_log(&tripartite_history())
        .when_void(event_id(3), "Ký nhầm")
        .then_refused(Rule::VoidBreaksHistory);
    assert!(
        refusal.detail.contains("AgreementSigned at position 5")
            && refusal.detail.contains("superseded_agreement_not_found"),
        "{refusal}"
    );
}

#[test]
fn voiding_an_exchange_a_correction_names_breaks_history() {
    let history =
        visited_history("2010-05-12").and([corrected_date(BILATERAL, VISIT, "2010-05-13")]);
    let refusal = given_log(&history)
        .when_void(event_id(4), "Nhập nhầm")
        .then_refused(Rule::VoidBreaksHistory);
    assert!(
        refusal.detail.contains("ExchangeCorrected at position 5")
            && refusal.detail.contains("exchange_not_found"),
        "{refusal}"
    );
}

#[test]
fn voiding_a_termination_lets_later_facts_stand_and_is_accepted() {
    // 4 terminated from 2012-01-01; nothing later depends on it.
    given_log(&terminated_bilateral_history("2012-01-01"))
        .when_void(event_id(4), "Chấm dứt nhầm chương trình")
        .then_events(&["EventVoided"])
        .effective_on("2012-01-01");
}

#[test]
fn a_fact_recorded_after_a_voided_one_is_judged_without_it() {
    // The visit (4) is voided by 5; the same exchange id recorded again at
    // 6 stands only because 4 is left out. Voiding 6 leaves nothing behind.
    let history = visited_history("2010-05-12");
    let log = given_log(&history)
        .voided(4)
        .and(recorded(visit_on("2010-05-13")));
    log.when_void(event_id(6), "Nhập nhầm lần hai")
        .then_events(&["EventVoided"]);
}

#[test]
fn every_event_but_a_void_is_judged_again_as_the_command_that_records_it() {
    let history = closed_review_history().and([
        registered(BINH_PHUOC),
        admitted(BILATERAL, BINH_PHUOC, "2012-01-01"),
        recorded(visit_on("2012-02-01")),
        corrected_date(BILATERAL, VISIT, "2012-02-02"),
        retracted(BILATERAL, VISIT),
        amended_term(BILATERAL, "2013-01-01", range("2007-01-01", "2014-12-31")),
        withdrew(BILATERAL, BINH_PHUOC, "2013-06-01"),
        terminated(BILATERAL, "2014-06-01"),
    ]);
    let mut model = WriteModel::new();
    for event in &history {
        model
            .rejudge(event)
            .unwrap_or_else(|r| panic!("{} refused: {r}", event.type_name()));
        assert!(command_of(event).is_some(), "{}", event.type_name());
        model.evolve(event);
    }
}

// ---------------------------------------------------------------- contract

#[test]
fn every_rule_code_is_unique_and_snake_case() {
    let mut seen = HashSet::new();
    for rule in Rule::ALL {
        let code = rule.code();
        assert!(seen.insert(code), "`{code}` is used twice");
        let snake = !code.is_empty()
            && code.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && !code.starts_with('_')
            && !code.ends_with('_')
            && !code.contains("__");
        assert!(snake, "`{code}` ({rule:?}) is not snake_case");
    }
}

/// Guards against a rule added to `refusal.rs` without a test here: every
/// variant of `Rule::ALL` must appear in some `then_refused(Rule::…)` above,
/// or in a `refused(…, Rule::…)` of documents.rs (documents and attachments).
#[test]
fn every_rule_has_a_refusal_test() {
    let source = include_str!("rules.rs");
    let documents = include_str!("documents.rs");
    let untested: Vec<_> = Rule::ALL
        .iter()
        .filter(|rule| !source.contains(&format!(".then_refused(Rule::{rule:?})")))
        .filter(|rule| !documents.contains(&format!("        Rule::{rule:?},\n    );")))
        .collect();
    assert!(untested.is_empty(), "no refusal test for {untested:?}");
}

#[test]
fn a_command_parses_from_the_apis_json_shape() {
    let body = json!({
        "type": "RecordExchange",
        "data": {
            "agreement_id": TRIPARTITE,
            "occurred_on": "2014-04-10",
            "area": "labour_recruitment",
            "kind": "support",
            "parties": [BINH_PHUOC, DONG_NAI],
            "summary": "Hỗ trợ Bình Phước tuyển dụng lao động cho các doanh nghiệp KKT"
        }
    });
    let command: Command = serde_json::from_value(body).unwrap();
    let Command::RecordExchange(c) = &command else {
        panic!("parsed as {}", command.name())
    };
    assert_eq!(c.exchange_id, None);
    assert_eq!(c.occurred_on, day("2014-04-10"));
    assert_eq!(c.kind, ExchangeKind::Support);
    assert_eq!(c.outcome, None);
    assert_eq!(
        c.summary,
        "Hỗ trợ Bình Phước tuyển dụng lao động cho các doanh nghiệp KKT"
    );
    given(&tripartite_history())
        .when(command)
        .then_events(&["ExchangeRecorded"])
        .on_stream(format!("agreement:{TRIPARTITE}"))
        .effective_on("2014-04-10");
}

#[test]
fn unknown_fields_in_a_commands_data_are_refused() {
    let misspelt = json!({
        "type": "RecordExchange",
        "data": {
            "agreement_id": TRIPARTITE,
            "occurred_on": "2014-04-10",
            "area": "labour_recruitment",
            "kind": "support",
            "parties": [BINH_PHUOC],
            "summary": "Hỗ trợ tuyển dụng lao động",
            "outcomes": "misspelt"
        }
    });
    let error = serde_json::from_value::<Command>(misspelt).unwrap_err();
    assert!(
        error.to_string().contains("unknown field `outcomes`"),
        "{error}"
    );
}

#[test]
fn unknown_fields_in_a_commands_term_are_refused() {
    let body = json!({
        "type": "SignAgreement",
        "data": {
            "title": "Chương trình hợp tác",
            "parties": [DONG_NAI, LAM_DONG],
            "signed_on": "2007-01-01",
            "term": {"start": "2007-01-01", "end": "2013-12-31", "until": "2015-12-31"},
            "areas": ["scheme_30"]
        }
    });
    let error = serde_json::from_value::<Command>(body).unwrap_err();
    assert!(
        error.to_string().contains("unknown field `until`"),
        "{error}"
    );
}

#[test]
fn an_ill_formed_party_id_in_a_command_is_refused_when_parsed() {
    let body = json!({
        "type": "RegisterParty",
        "data": {"party_id": "Đồng-Nai", "name": "Đồng Nai", "kind": "industrial_zone_authority"}
    });
    assert!(serde_json::from_value::<Command>(body).is_err());
}

#[test]
fn commands_name_the_stream_they_append_to() {
    let register = Command::RegisterParty(register(BINH_PHUOC));
    assert_eq!(
        register.stream().unwrap().to_string(),
        "party:binh-phuoc-eza"
    );
    let mut sign = Command::SignAgreement(SignAgreement {
        document: None,
        agreement_id: None,
        ..tripartite_program()
    });
    assert_eq!(sign.stream(), None, "no stream before the id is assigned");
    sign.assign_ids(|| generated(7));
    assert_eq!(
        sign.stream().unwrap().to_string(),
        format!("agreement:{}", generated(7))
    );
}

#[test]
fn assigning_ids_keeps_an_id_the_client_gave() {
    let mut command = Command::RecordExchange(visit_on("2010-05-12"));
    command.assign_ids(|| generated(1));
    let Command::RecordExchange(c) = command else {
        unreachable!()
    };
    assert_eq!(c.exchange_id, Some(VISIT));
}

// ---------------------------------------------------------------- the story

#[test]
fn the_seed_story_is_accepted_from_start_to_end() {
    let mut model = WriteModel::new();
    let story: Vec<Command> = vec![
        Command::RegisterParty(register(DONG_NAI)),
        Command::RegisterParty(register(LAM_DONG)),
        Command::SignAgreement(bilateral_program()),
        Command::RecordExchange(visit_on("2010-05-12")),
        Command::OpenReviewPeriod(five_year_review()),
        Command::RecordAssessment(assess(DONG_NAI)),
        Command::RecordAssessment(assess(LAM_DONG)),
        Command::CloseReviewPeriod(close_review("2013-07-04")),
        Command::RegisterParty(register(BINH_PHUOC)),
        Command::SignAgreement(tripartite_program()),
    ];
    for command in story {
        let decision = model
            .decide(&command)
            .unwrap_or_else(|r| panic!("{} refused: {} ({r})", command.name(), r.rule.code()));
        for fact in &decision.facts {
            model.evolve(&fact.event);
        }
    }
    assert!(model.has_agreement(TRIPARTITE));
    let mut tripartite: Vec<_> = model.agreement_parties(TRIPARTITE).unwrap().collect();
    tripartite.sort();
    assert_eq!(
        tripartite,
        [&party(BINH_PHUOC), &party(DONG_NAI), &party(LAM_DONG)]
    );
}

// ---------------------------------------------------------------- work plans (ADR 0032)

mod plans {
    use super::support::*;
    use accord_domain::refusal::Rule;
    use accord_domain::*;
    use uuid::Uuid;

    const SEMINAR: ActivityId = ActivityId(Uuid::from_u128(0x2014_0301));
    const MEETING: ExchangeId = ExchangeId(Uuid::from_u128(0x2014_0320));
    const REPORT_BACK: FollowUpId = FollowUpId(Uuid::from_u128(0x2014_0320_0001));

    /// A seminar on Decree 29 planned under the tripartite program, led by
    /// Đồng Nai, due on 30 June 2014 (illustrative).
    fn seminar() -> PlanActivity {
        PlanActivity {
            agreement_id: TRIPARTITE,
            activity_id: Some(SEMINAR),
            area: area("decree_29_2008"),
            title: "Hội thảo chia sẻ kinh nghiệm triển khai Nghị định 29/2008/NĐ-CP".to_owned(),
            lead_party: party(DONG_NAI),
            due_on: day("2014-06-30"),
            description: None,
        }
    }

    fn planned(c: PlanActivity) -> Event {
        Event::ActivityPlanned(ActivityPlanned {
            agreement_id: c.agreement_id,
            activity_id: c.activity_id.unwrap(),
            area: c.area,
            title: c.title,
            lead_party: c.lead_party,
            due_on: c.due_on,
            description: c.description,
        })
    }

    fn report_back(id: Option<FollowUpId>, due: &str) -> FollowUpInput {
        FollowUpInput {
            follow_up_id: id,
            action: "Gửi báo cáo kết quả hội thảo cho các Ban".to_owned(),
            party_id: party(LAM_DONG),
            due_on: day(due),
        }
    }

    /// The seminar held on 20 March 2014, carrying out the plan, with its
    /// minutes, participants and one follow-up.
    fn held_seminar() -> RecordExchange {
        RecordExchange {
            exchange_id: Some(MEETING),
            area: area("decree_29_2008"),
            place: Some("Biên Hòa, Đồng Nai".to_owned()),
            participants: vec![Participant {
                name: "Nguyễn Văn A".to_owned(),
                title: Some("Phó Trưởng ban".to_owned()),
                party_id: Some(party(DONG_NAI)),
            }],
            minutes: Some("Các Ban thống nhất tổ chức hội thảo định kỳ.".to_owned()),
            follow_ups: vec![report_back(Some(REPORT_BACK), "2014-04-30")],
            activity_id: Some(SEMINAR),
            ..tripartite_exchange("2014-03-20", &[DONG_NAI, LAM_DONG])
        }
    }

    fn planning_history() -> Vec<Event> {
        tripartite_history().and([planned(seminar())])
    }

    fn seminar_held_history() -> Vec<Event> {
        planning_history().and([recorded(held_seminar())])
    }

    fn cancel() -> CancelActivity {
        CancelActivity {
            agreement_id: TRIPARTITE,
            activity_id: SEMINAR,
            reason: "Ghép vào hội nghị xúc tiến đầu tư".to_owned(),
        }
    }

    fn complete(on: &str) -> CompleteFollowUp {
        CompleteFollowUp {
            agreement_id: TRIPARTITE,
            follow_up_id: REPORT_BACK,
            completed_on: day(on),
        }
    }

    // ------------------------------------------------------------ PlanActivity

    #[test]
    fn planning_an_activity_appends_activity_planned_outside_business_time() {
        let accepted = given(&tripartite_history())
            .when(seminar())
            .then_events(&["ActivityPlanned"])
            .on_stream(format!("agreement:{TRIPARTITE}"))
            .outside_business_time();
        let Event::ActivityPlanned(e) = accepted.event() else {
            unreachable!()
        };
        assert_eq!(e.activity_id, SEMINAR);
        assert_eq!(e.lead_party, party(DONG_NAI));
    }

    #[test]
    fn planning_without_an_id_gets_a_generated_one() {
        let accepted = given(&tripartite_history())
            .when(PlanActivity {
                activity_id: None,
                ..seminar()
            })
            .then_events(&["ActivityPlanned"]);
        let Event::ActivityPlanned(e) = accepted.event() else {
            unreachable!()
        };
        assert_eq!(e.activity_id, ActivityId(generated(1)));
    }

    #[test]
    fn planning_the_same_activity_twice_is_refused() {
        given(&planning_history())
            .when(seminar())
            .then_refused(Rule::ActivityAlreadyExists);
    }

    #[test]
    fn planning_under_an_unknown_agreement_is_refused() {
        given(&bilateral_history())
            .when(seminar())
            .then_refused(Rule::AgreementNotFound);
    }

    #[test]
    fn planning_with_a_blank_title_is_refused() {
        given(&tripartite_history())
            .when(PlanActivity {
                title: "  ".into(),
                ..seminar()
            })
            .then_refused(Rule::TextRequired);
    }

    #[test]
    fn planning_an_activity_due_outside_the_term_is_refused() {
        given(&tripartite_history())
            .when(PlanActivity {
                due_on: day("2016-01-01"),
                ..seminar()
            })
            .then_refused(Rule::ActivityOutsideTerm);
    }

    #[test]
    fn planning_an_activity_due_on_or_after_a_termination_is_refused_and_before_it_accepted() {
        let history = tripartite_history().and([terminated(TRIPARTITE, "2014-06-30")]);
        given(&history)
            .when(seminar())
            .then_refused(Rule::AgreementTerminated);
        given(&history)
            .when(PlanActivity {
                due_on: day("2014-06-29"),
                ..seminar()
            })
            .then_events(&["ActivityPlanned"]);
    }

    #[test]
    fn planning_in_an_area_not_in_force_on_the_due_date_is_refused() {
        let history = tripartite_history().and([amended_areas(
            TRIPARTITE,
            "2014-01-01",
            &["investment_promotion"],
        )]);
        given(&history)
            .when(seminar())
            .then_refused(Rule::AreaNotDeclared);
        // Due before the amendment, the area was still declared.
        given(&history)
            .when(PlanActivity {
                due_on: day("2013-12-31"),
                ..seminar()
            })
            .then_events(&["ActivityPlanned"]);
    }

    #[test]
    fn an_activity_led_by_a_non_member_or_a_succeeded_party_is_refused() {
        // Bình Phước is not a party of the bilateral program.
        given(&bilateral_history_with_binh_phuoc())
            .when(PlanActivity {
                agreement_id: BILATERAL,
                lead_party: party(BINH_PHUOC),
                due_on: day("2012-06-30"),
                ..seminar()
            })
            .then_refused(Rule::PartyNotInAgreement);
        let merged = long_tripartite_history().and([succeeded(BINH_PHUOC, DONG_NAI, "2025-07-01")]);
        given(&merged)
            .when(PlanActivity {
                lead_party: party(BINH_PHUOC),
                due_on: day("2025-09-30"),
                ..seminar()
            })
            .then_refused(Rule::PartySucceeded);
    }

    // ------------------------------------------------------------ exchanges in full

    #[test]
    fn an_exchange_carries_its_place_participants_minutes_follow_ups_and_activity() {
        let accepted = given(&planning_history())
            .when(held_seminar())
            .then_events(&["ExchangeRecorded"]);
        let Event::ExchangeRecorded(e) = accepted.event() else {
            unreachable!()
        };
        assert_eq!(e.place.as_deref(), Some("Biên Hòa, Đồng Nai"));
        assert_eq!(e.participants[0].name, "Nguyễn Văn A");
        assert_eq!(e.follow_ups[0].follow_up_id, REPORT_BACK);
        assert_eq!(e.activity_id, Some(SEMINAR));
    }

    #[test]
    fn a_follow_up_without_an_id_gets_one_derived_from_the_exchange_the_same_every_time() {
        let command = RecordExchange {
            follow_ups: vec![
                report_back(None, "2014-04-30"),
                report_back(None, "2014-05-30"),
            ],
            ..held_seminar()
        };
        let ids = |accepted: Accepted| {
            let Event::ExchangeRecorded(e) = accepted.event().clone() else {
                unreachable!()
            };
            e.follow_ups
                .iter()
                .map(|f| f.follow_up_id)
                .collect::<Vec<_>>()
        };
        let first = ids(given(&planning_history())
            .when(command.clone())
            .then_events(&["ExchangeRecorded"]));
        let again = ids(given(&planning_history())
            .when(command)
            .then_events(&["ExchangeRecorded"]));
        assert_eq!(first, again);
        assert_eq!(
            first,
            vec![
                FollowUpId::derived(MEETING, 0),
                FollowUpId::derived(MEETING, 1)
            ]
        );
    }

    #[test]
    fn a_follow_up_due_before_the_exchange_is_refused() {
        given(&planning_history())
            .when(RecordExchange {
                follow_ups: vec![report_back(None, "2014-03-19")],
                ..held_seminar()
            })
            .then_refused(Rule::FollowUpDueBeforeExchange);
    }

    #[test]
    fn a_follow_up_for_a_party_not_in_the_agreement_is_refused() {
        // Bình Phước is not a party of the bilateral program.
        let mut follow_up = report_back(None, "2010-05-30");
        follow_up.party_id = party(BINH_PHUOC);
        given(&bilateral_history_with_binh_phuoc())
            .when(RecordExchange {
                follow_ups: vec![follow_up],
                ..visit_on("2010-05-12")
            })
            .then_refused(Rule::PartyNotInAgreement);
    }

    #[test]
    fn a_follow_up_with_a_blank_action_is_refused() {
        let mut follow_up = report_back(None, "2014-04-30");
        follow_up.action = " ".into();
        given(&planning_history())
            .when(RecordExchange {
                follow_ups: vec![follow_up],
                ..held_seminar()
            })
            .then_refused(Rule::TextRequired);
    }

    #[test]
    fn a_follow_up_id_used_twice_is_refused() {
        given(&planning_history())
            .when(RecordExchange {
                follow_ups: vec![
                    report_back(Some(REPORT_BACK), "2014-04-30"),
                    report_back(Some(REPORT_BACK), "2014-05-30"),
                ],
                ..held_seminar()
            })
            .then_refused(Rule::FollowUpAlreadyExists);
        given(&seminar_held_history())
            .when(RecordExchange {
                exchange_id: Some(ExchangeId(Uuid::from_u128(0x2014_0321))),
                ..held_seminar()
            })
            .then_refused(Rule::FollowUpAlreadyExists);
    }

    #[test]
    fn a_participant_without_a_name_or_for_a_non_member_is_refused() {
        let mut c = held_seminar();
        c.participants[0].name = String::new();
        given(&planning_history())
            .when(c)
            .then_refused(Rule::TextRequired);
        let c = RecordExchange {
            participants: vec![Participant {
                name: "Trần Văn C".to_owned(),
                title: None,
                party_id: Some(party(BINH_PHUOC)),
            }],
            ..visit_on("2010-05-12")
        };
        given(&bilateral_history_with_binh_phuoc())
            .when(c)
            .then_refused(Rule::PartyNotInAgreement);
        // A guest, named for no party, is welcome.
        let mut c = held_seminar();
        c.participants[0].party_id = None;
        given(&planning_history())
            .when(c)
            .then_events(&["ExchangeRecorded"]);
    }

    #[test]
    fn an_exchange_carrying_out_an_unknown_or_cancelled_activity_is_refused() {
        given(&tripartite_history())
            .when(held_seminar())
            .then_refused(Rule::ActivityNotFound);
        let cancelled = planning_history().and([Event::ActivityCancelled(ActivityCancelled {
            agreement_id: TRIPARTITE,
            activity_id: SEMINAR,
            reason: "Hoãn".to_owned(),
        })]);
        given(&cancelled)
            .when(held_seminar())
            .then_refused(Rule::ActivityCancelled);
    }

    #[test]
    fn an_activity_of_another_agreement_is_not_found() {
        let mut c = visit_on("2010-05-12");
        c.activity_id = Some(SEMINAR);
        given(&planning_history())
            .when(c)
            .then_refused(Rule::ActivityNotFound);
    }

    #[test]
    fn a_correction_moving_the_exchange_after_its_follow_ups_is_refused() {
        let mut c = correct(MEETING);
        c.agreement_id = TRIPARTITE;
        c.occurred_on = Some(day("2014-05-01"));
        given(&seminar_held_history())
            .when(c)
            .then_refused(Rule::FollowUpDueBeforeExchange);
    }

    #[test]
    fn a_correction_may_replace_the_minutes_alone() {
        let mut c = correct(MEETING);
        c.agreement_id = TRIPARTITE;
        c.minutes = Some("Biên bản đã sửa".to_owned());
        let accepted = given(&seminar_held_history())
            .when(c)
            .then_events(&["ExchangeCorrected"]);
        let Event::ExchangeCorrected(e) = accepted.event() else {
            unreachable!()
        };
        assert_eq!(e.minutes.as_deref(), Some("Biên bản đã sửa"));
        assert_eq!(e.follow_ups, None);
    }

    #[test]
    fn a_completed_follow_up_can_be_neither_dropped_nor_changed_by_a_correction() {
        let done = seminar_held_history().and([Event::FollowUpCompleted(FollowUpCompleted {
            agreement_id: TRIPARTITE,
            follow_up_id: REPORT_BACK,
            completed_on: day("2014-04-15"),
        })]);
        let mut c = correct(MEETING);
        c.agreement_id = TRIPARTITE;
        c.follow_ups = Some(Vec::new());
        given(&done)
            .when(c.clone())
            .then_refused(Rule::FollowUpDone);
        c.follow_ups = Some(vec![report_back(Some(REPORT_BACK), "2014-05-30")]);
        given(&done)
            .when(c.clone())
            .then_refused(Rule::FollowUpDone);
        // Kept as it is, with a new one beside it: accepted.
        c.follow_ups = Some(vec![
            report_back(Some(REPORT_BACK), "2014-04-30"),
            report_back(None, "2014-06-30"),
        ]);
        given(&done).when(c).then_events(&["ExchangeCorrected"]);
    }

    // ------------------------------------------------------------ CancelActivity

    #[test]
    fn cancelling_a_planned_activity_appends_activity_cancelled_at_every_date() {
        given(&planning_history())
            .when(cancel())
            .then_events(&["ActivityCancelled"])
            .on_stream(format!("agreement:{TRIPARTITE}"))
            .outside_business_time();
    }

    #[test]
    fn cancelling_an_unknown_activity_is_refused() {
        given(&tripartite_history())
            .when(cancel())
            .then_refused(Rule::ActivityNotFound);
    }

    #[test]
    fn cancelling_twice_is_refused() {
        let mut history = planning_history();
        history.push(Event::ActivityCancelled(ActivityCancelled {
            agreement_id: TRIPARTITE,
            activity_id: SEMINAR,
            reason: "Hoãn".to_owned(),
        }));
        given(&history)
            .when(cancel())
            .then_refused(Rule::ActivityCancelled);
    }

    #[test]
    fn cancelling_a_done_activity_is_refused_unless_its_exchange_was_retracted() {
        given(&seminar_held_history())
            .when(cancel())
            .then_refused(Rule::ActivityDone);
        given(&seminar_held_history().and([retracted(TRIPARTITE, MEETING)]))
            .when(cancel())
            .then_events(&["ActivityCancelled"]);
    }

    #[test]
    fn cancelling_without_a_reason_is_refused() {
        given(&planning_history())
            .when(CancelActivity {
                reason: " ".into(),
                ..cancel()
            })
            .then_refused(Rule::ReasonRequired);
    }

    // ------------------------------------------------------------ CompleteFollowUp

    #[test]
    fn completing_a_follow_up_appends_follow_up_completed_on_its_date() {
        given(&seminar_held_history())
            .when(complete("2014-04-15"))
            .then_events(&["FollowUpCompleted"])
            .effective_on("2014-04-15");
    }

    #[test]
    fn completing_an_unknown_follow_up_or_one_of_a_retracted_exchange_is_refused() {
        given(&planning_history())
            .when(complete("2014-04-15"))
            .then_refused(Rule::FollowUpNotFound);
        given(&seminar_held_history().and([retracted(TRIPARTITE, MEETING)]))
            .when(complete("2014-04-15"))
            .then_refused(Rule::FollowUpNotFound);
    }

    #[test]
    fn completing_twice_is_refused() {
        let done = seminar_held_history().and([Event::FollowUpCompleted(FollowUpCompleted {
            agreement_id: TRIPARTITE,
            follow_up_id: REPORT_BACK,
            completed_on: day("2014-04-15"),
        })]);
        given(&done)
            .when(complete("2014-04-16"))
            .then_refused(Rule::FollowUpDone);
    }

    #[test]
    fn completing_before_the_exchange_is_refused_and_on_its_day_accepted() {
        given(&seminar_held_history())
            .when(complete("2014-03-19"))
            .then_refused(Rule::CompletionBeforeExchange);
        given(&seminar_held_history())
            .when(complete("2014-03-20"))
            .then_events(&["FollowUpCompleted"]);
    }

    #[test]
    fn completing_after_today_is_refused_and_today_accepted() {
        given(&seminar_held_history())
            .when_on("2014-04-01", complete("2014-04-02"))
            .then_refused(Rule::CompletionInFuture);
        given(&seminar_held_history())
            .when_on("2014-04-01", complete("2014-04-01"))
            .then_events(&["FollowUpCompleted"]);
    }
}

/// The given / when / then harness and the story's data.
mod support {
    use std::fmt::Display;

    use accord_domain::refusal::Rule;
    use accord_domain::*;
    use uuid::Uuid;

    pub const DONG_NAI: &str = "dong-nai-iza";
    pub const LAM_DONG: &str = "lam-dong-iza";
    pub const BINH_PHUOC: &str = "binh-phuoc-eza";

    /// The Đồng Nai – Lâm Đồng program, 2007–2013.
    pub const BILATERAL: AgreementId = AgreementId(Uuid::from_u128(0x2007_0101));
    /// The Đồng Nai – Lâm Đồng – Bình Phước program, 2013–2015.
    pub const TRIPARTITE: AgreementId = AgreementId(Uuid::from_u128(0x2013_0704));
    /// The 5-year review (tổng kết) of the bilateral program.
    pub const FIVE_YEAR_REVIEW: ReviewId = ReviewId(Uuid::from_u128(0x2013_0704_0001));
    /// A study visit under the bilateral program.
    pub const VISIT: ExchangeId = ExchangeId(Uuid::from_u128(0x2010_0512));

    pub const ALL_AREAS: [&str; 6] = [
        "experience_exchange",
        "state_management_information",
        "investment_promotion",
        "labour_recruitment",
        "decree_29_2008",
        "scheme_30",
    ];

    /// The `n`th id `when` generates for a command that left its id out.
    pub fn generated(n: u128) -> Uuid {
        Uuid::from_u128(0xA11_0000_0000 + n)
    }

    // ------------------------------------------------------------ harness

    /// What the log already holds.
    pub struct Given(WriteModel);

    /// Replays `history` into a fresh write model.
    pub fn given(history: &[Event]) -> Given {
        let mut model = WriteModel::new();
        for event in history {
            model.evolve(event);
        }
        Given(model)
    }

    /// Anything `when` accepts: a command struct or a [`Command`].
    pub trait IntoCommand {
        fn into_command(self) -> Command;
    }

    macro_rules! into_command {
        ($($name:ident),+) => {
            $(impl IntoCommand for $name {
                fn into_command(self) -> Command {
                    Command::$name(self)
                }
            })+
        };
    }

    into_command!(
        RegisterParty,
        SignAgreement,
        AmendAgreement,
        AdmitParty,
        RecordExchange,
        CorrectExchange,
        RetractExchange,
        OpenReviewPeriod,
        RecordAssessment,
        CloseReviewPeriod,
        TerminateAgreement,
        UpdateParty,
        SucceedParty,
        WithdrawParty,
        VoidEvent,
        PlanActivity,
        CancelActivity,
        CompleteFollowUp
    );

    impl IntoCommand for Command {
        fn into_command(self) -> Command {
            self
        }
    }

    impl Given {
        /// Decides `command`, first filling absent ids with `generated(1)`, `generated(2)`…
        pub fn when(&self, command: impl IntoCommand) -> Then {
            let mut command = command.into_command();
            let mut n = 0;
            command.assign_ids(|| {
                n += 1;
                generated(n)
            });
            let outcome = self.0.decide(&command);
            Then { command, outcome }
        }

        /// As [`Given::when`], decided on `today` (the business date).
        pub fn when_on(&self, today: &str, command: impl IntoCommand) -> Then {
            let mut command = command.into_command();
            command.assign_ids(|| generated(1));
            let outcome = self.0.decide_on(&command, day(today));
            Then { command, outcome }
        }
    }

    /// What deciding a command gave.
    pub struct Then {
        command: Command,
        outcome: Result<Decision, Refusal>,
    }

    impl Then {
        /// Asserts the command was refused by `rule`, with an explanation.
        #[track_caller]
        pub fn then_refused(self, rule: Rule) -> Refusal {
            match self.outcome {
                Ok(decision) => panic!(
                    "expected {} to be refused by `{}`, but it was accepted: {decision:#?}",
                    self.command.name(),
                    rule.code()
                ),
                Err(refusal) => {
                    assert_eq!(refusal.rule, rule, "refused for another rule: {refusal}");
                    assert!(
                        !refusal.detail.trim().is_empty(),
                        "{rule:?} without a detail"
                    );
                    refusal
                }
            }
        }

        /// Asserts the command was accepted and appends events of these types, in order.
        #[track_caller]
        pub fn then_events(self, types: &[&str]) -> Accepted {
            let name = self.command.name();
            let decision = self
                .outcome
                .unwrap_or_else(|r| panic!("{name} refused by `{}`: {r}", r.rule.code()));
            let actual: Vec<_> = decision.facts.iter().map(|f| f.event.type_name()).collect();
            assert_eq!(actual, types, "events appended by {name}");
            Accepted(decision)
        }

        /// Asserts the command was accepted and hands its facts to `check`.
        #[track_caller]
        pub fn then_appended(self, check: impl FnOnce(&[Fact])) -> Accepted {
            let name = self.command.name();
            let decision = self
                .outcome
                .unwrap_or_else(|r| panic!("{name} refused by `{}`: {r}", r.rule.code()));
            check(&decision.facts);
            Accepted(decision)
        }
    }

    /// An accepted command's decision.
    pub struct Accepted(pub Decision);

    impl Accepted {
        /// Asserts the stream written to, e.g. `party:dong-nai-iza`.
        #[track_caller]
        pub fn on_stream(self, expected: impl Display) -> Self {
            assert_eq!(self.0.stream.to_string(), expected.to_string());
            self
        }

        /// Asserts every fact is about the business date `on`.
        #[track_caller]
        pub fn effective_on(self, on: &str) -> Self {
            for fact in &self.0.facts {
                assert_eq!(fact.effective_on, Some(day(on)), "{:?}", fact.event);
            }
            self
        }

        /// Asserts every fact is outside business time (no `effective_on`).
        #[track_caller]
        pub fn outside_business_time(self) -> Self {
            for fact in &self.0.facts {
                assert_eq!(fact.effective_on, None, "{:?}", fact.event);
            }
            self
        }

        /// The single event appended.
        #[track_caller]
        pub fn event(&self) -> &Event {
            assert_eq!(self.0.facts.len(), 1, "expected a single fact");
            &self.0.facts[0].event
        }
    }

    // ------------------------------------------------------------ voids

    /// The id the log gave the event at `position` in a [`given_log`].
    pub fn event_id(position: u64) -> EventId {
        EventId(Uuid::from_u128(0xE0E0_0000 + position as u128))
    }

    /// A log: events at positions 1, 2, … with ids [`event_id`], some of
    /// them voided by voids recorded later in it.
    pub struct GivenLog {
        events: Vec<Event>,
        voided: Vec<u64>,
    }

    /// `history` as a log, nothing voided.
    pub fn given_log(history: &[Event]) -> GivenLog {
        GivenLog {
            events: history.to_vec(),
            voided: Vec::new(),
        }
    }

    /// The stream an event is on.
    fn stream_of(event: &Event) -> StreamId {
        if let Some(id) = accord_domain::model::event_agreement(event) {
            return StreamId::Agreement(id);
        }
        let party = match event {
            Event::PartyRegistered(e) => e.party_id.clone(),
            Event::PartyUpdated(e) => e.party_id.clone(),
            Event::PartySucceeded(e) => e.party_id.clone(),
            other => unreachable!("{} is on an agreement's stream", other.type_name()),
        };
        StreamId::Party(party)
    }

    impl GivenLog {
        /// A void of the event at `position` recorded next.
        pub fn voided(mut self, position: u64) -> Self {
            let event = &self.events[position as usize - 1];
            let void = Event::EventVoided(EventVoided {
                event_id: event_id(position),
                voided_position: position,
                voided_type: event.type_name().to_owned(),
                agreement_id: accord_domain::model::event_agreement(event),
                reason: "Nhập nhầm".to_owned(),
            });
            self.events.push(void);
            self.voided.push(position);
            self
        }

        /// `event` recorded next.
        pub fn and(mut self, event: Event) -> Self {
            self.events.push(event);
            self
        }

        /// Decides a void of the event with id `id` as the engine does:
        /// the void's own rules on what the log says of the event, then
        /// the log folded without it (and without every event voided
        /// before), each later fact judged again.
        pub fn when_void(&self, id: EventId, reason: &str) -> Then {
            let command = VoidEvent {
                event_id: id,
                reason: reason.to_owned(),
            };
            let at = |position: u64| self.events[position as usize - 1].clone();
            let target = (1..=self.events.len() as u64)
                .find(|p| event_id(*p) == id)
                .map(|position| VoidTarget {
                    event_id: id,
                    position,
                    stream: stream_of(&at(position)),
                    event: at(position),
                    effective_on: effective_on(&self.events, position),
                    voided_by: self
                        .voided
                        .contains(&position)
                        .then(|| self.void_of(position)),
                });
            let outcome = decide_void(&command, target.as_ref()).and_then(|decision| {
                let target = target.as_ref().expect("decided").position;
                let mut model = WriteModel::new();
                for (i, event) in self.events.iter().enumerate() {
                    let position = i as u64 + 1;
                    if position == target || self.voided.contains(&position) {
                        continue;
                    }
                    if position > target {
                        model.rejudge(event).map_err(|refused| {
                            breaks_history(position, Some(event_id(position)), event, &refused)
                        })?;
                    }
                    model.evolve(event);
                }
                Ok(decision)
            });
            Then {
                command: Command::VoidEvent(command),
                outcome,
            }
        }

        /// The id of the void of the event at `position`.
        fn void_of(&self, position: u64) -> EventId {
            let at = self
                .events
                .iter()
                .position(|e| matches!(e, Event::EventVoided(v) if v.voided_position == position));
            event_id(at.expect("voided") as u64 + 1)
        }
    }

    /// The business date of the event at `position`, as the engine stores
    /// it (what its command decides, judged on the log before it).
    fn effective_on(events: &[Event], position: u64) -> Option<BusinessDate> {
        let mut model = WriteModel::new();
        for event in &events[..position as usize - 1] {
            model.evolve(event);
        }
        let event = &events[position as usize - 1];
        let command = command_of(event)?;
        let decision = model.decide(&command).ok()?;
        decision.facts[0].effective_on
    }

    // ------------------------------------------------------------ values

    pub fn day(s: &str) -> BusinessDate {
        BusinessDate::parse(s).unwrap()
    }

    pub fn range(start: &str, end: &str) -> DateRange {
        DateRange {
            start: day(start),
            end: day(end),
        }
    }

    pub fn party(s: &str) -> PartyId {
        PartyId::parse(s).unwrap()
    }

    pub fn parties(ids: &[&str]) -> Vec<PartyId> {
        ids.iter().map(|s| party(s)).collect()
    }

    pub fn area(s: &str) -> AreaId {
        AreaId::parse(s).unwrap()
    }

    pub fn areas(ids: &[&str]) -> Vec<AreaId> {
        ids.iter().map(|s| area(s)).collect()
    }

    // ------------------------------------------------------------ commands

    /// Registers one of the story's three authorities.
    pub fn register(id: &str) -> RegisterParty {
        let (name, short_name, kind, province) = match id {
            DONG_NAI => (
                "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
                "BQL các KCN Đồng Nai",
                PartyKind::IndustrialZoneAuthority,
                "Đồng Nai",
            ),
            LAM_DONG => (
                "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
                "BQL các KCN Lâm Đồng",
                PartyKind::IndustrialZoneAuthority,
                "Lâm Đồng",
            ),
            BINH_PHUOC => (
                "Ban quản lý Khu kinh tế tỉnh Bình Phước",
                "BQL KKT Bình Phước",
                PartyKind::EconomicZoneAuthority,
                "Bình Phước",
            ),
            other => panic!("`{other}` is not in the story"),
        };
        RegisterParty {
            party_id: party(id),
            name: name.to_owned(),
            short_name: Some(short_name.to_owned()),
            kind,
            province: Some(province.to_owned()),
        }
    }

    /// The Đồng Nai – Lâm Đồng program, signed on the first day of its term.
    pub fn bilateral_program() -> SignAgreement {
        SignAgreement {
            document: None,
            agreement_id: Some(BILATERAL),
            title: "Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Ban quản lý các KCN Lâm Đồng giai đoạn 2007–2013".to_owned(),
            parties: parties(&[DONG_NAI, LAM_DONG]),
            signed_on: day("2007-01-01"),
            place: None,
            term: range("2007-01-01", "2013-12-31"),
            areas: areas(&ALL_AREAS),
            responsibilities: Default::default(),
            supersedes: None,
        }
    }

    /// The tripartite program signed at the Lâm Đồng authority on 4 July 2013.
    pub fn tripartite_program() -> SignAgreement {
        let duty = |who: &str, what: &str| (party(who), what.to_owned());
        SignAgreement {
            document: None,
            agreement_id: Some(TRIPARTITE),
            title:
                "Chương trình hợp tác và hỗ trợ lẫn nhau giữa 03 Ban quản lý giai đoạn 2013–2015"
                    .to_owned(),
            parties: parties(&[DONG_NAI, LAM_DONG, BINH_PHUOC]),
            signed_on: day("2013-07-04"),
            place: Some("Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng".to_owned()),
            term: range("2013-07-04", "2015-12-31"),
            areas: areas(&ALL_AREAS),
            responsibilities: [
                duty(
                    DONG_NAI,
                    "Chia sẻ kinh nghiệm triển khai Nghị định số 29/2008/NĐ-CP",
                ),
                duty(
                    LAM_DONG,
                    "Cung cấp thông tin về công tác quản lý nhà nước tại các KCN",
                ),
                duty(
                    BINH_PHUOC,
                    "Phối hợp xúc tiến đầu tư và liên kết hợp tác vùng",
                ),
            ]
            .into(),
            supersedes: Some(BILATERAL),
        }
    }

    /// An amendment of `agreement` from `on` that changes nothing yet.
    pub fn amend(agreement: AgreementId, on: &str) -> AmendAgreement {
        AmendAgreement {
            document: None,
            agreement_id: agreement,
            effective_on: day(on),
            reason: "Gia hạn để hoàn tất tổng kết chương trình".to_owned(),
            title: None,
            term: None,
            areas: None,
            responsibilities: None,
        }
    }

    pub fn admit(agreement: AgreementId, who: &str, on: &str) -> AdmitParty {
        AdmitParty {
            agreement_id: agreement,
            party_id: party(who),
            effective_on: day(on),
        }
    }

    /// Lâm Đồng's study visit to Đồng Nai under the bilateral program.
    pub fn visit_on(on: &str) -> RecordExchange {
        RecordExchange {
            agreement_id: BILATERAL,
            exchange_id: Some(VISIT),
            occurred_on: day(on),
            area: area("experience_exchange"),
            kind: ExchangeKind::Visit,
            parties: parties(&[LAM_DONG, DONG_NAI]),
            summary: "Đoàn công tác Ban quản lý các KCN Lâm Đồng thăm và học tập kinh nghiệm tại các KCN Đồng Nai".to_owned(),
            outcome: Some("Trao đổi kinh nghiệm thực hiện Đề án 30 về cải cách thủ tục hành chính".to_owned()),
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        }
    }

    /// A correction of `exchange` under the bilateral program that changes nothing yet.
    pub fn correct(exchange: ExchangeId) -> CorrectExchange {
        CorrectExchange {
            agreement_id: BILATERAL,
            exchange_id: exchange,
            reason: "Nhập sai ngày".to_owned(),
            occurred_on: None,
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
        }
    }

    pub fn retract(exchange: ExchangeId) -> RetractExchange {
        RetractExchange {
            agreement_id: BILATERAL,
            exchange_id: exchange,
            reason: "Ghi trùng".to_owned(),
        }
    }

    /// The 5-year review (tổng kết) of the bilateral program, opened on 4 July 2013.
    pub fn five_year_review() -> OpenReviewPeriod {
        OpenReviewPeriod {
            agreement_id: BILATERAL,
            review_id: Some(FIVE_YEAR_REVIEW),
            title: "Tổng kết 5 năm thực hiện chương trình hợp tác (2007–2013)".to_owned(),
            kind: ReviewKind::Final,
            period: range("2008-07-01", "2013-06-30"),
            opened_on: day("2013-07-04"),
        }
    }

    pub fn assess(who: &str) -> RecordAssessment {
        RecordAssessment {
            agreement_id: BILATERAL,
            review_id: FIVE_YEAR_REVIEW,
            party_id: party(who),
            assessed_on: day("2013-07-04"),
            rating: Rating::Met,
            notes: Some("Đạt được mục tiêu, yêu cầu và nội dung đã ký kết".to_owned()),
        }
    }

    pub fn close_review(on: &str) -> CloseReviewPeriod {
        CloseReviewPeriod {
            agreement_id: BILATERAL,
            review_id: FIVE_YEAR_REVIEW,
            closed_on: day(on),
            outcome: Rating::Met,
            summary: "Chương trình hợp tác đã đạt được mục tiêu, yêu cầu và nội dung đề ra"
                .to_owned(),
        }
    }

    pub fn terminate(agreement: AgreementId, on: &str) -> TerminateAgreement {
        TerminateAgreement {
            agreement_id: agreement,
            effective_on: day(on),
            reason: "Thay thế bằng chương trình hợp tác ba bên 2013–2015".to_owned(),
        }
    }

    // ------------------------------------------------------------ facts

    pub fn registered(id: &str) -> Event {
        let c = register(id);
        Event::PartyRegistered(PartyRegistered {
            party_id: c.party_id,
            name: c.name,
            short_name: c.short_name,
            kind: c.kind,
            province: c.province,
        })
    }

    pub fn signed(c: SignAgreement) -> Event {
        Event::AgreementSigned(AgreementSigned {
            document: None,
            agreement_id: c.agreement_id.expect("given agreements have ids"),
            title: c.title,
            parties: c.parties,
            signed_on: c.signed_on,
            place: c.place,
            term: c.term,
            areas: c.areas,
            responsibilities: c.responsibilities,
            supersedes: c.supersedes,
        })
    }

    fn amended(agreement: AgreementId, on: &str) -> AgreementAmended {
        AgreementAmended {
            document: None,
            agreement_id: agreement,
            effective_on: day(on),
            reason: "Điều chỉnh chương trình".to_owned(),
            title: None,
            term: None,
            areas: None,
            responsibilities: None,
        }
    }

    pub fn amended_term(agreement: AgreementId, on: &str, term: DateRange) -> Event {
        Event::AgreementAmended(AgreementAmended {
            document: None,
            term: Some(term),
            ..amended(agreement, on)
        })
    }

    pub fn amended_areas(agreement: AgreementId, on: &str, to: &[&str]) -> Event {
        Event::AgreementAmended(AgreementAmended {
            document: None,
            areas: Some(areas(to)),
            ..amended(agreement, on)
        })
    }

    pub fn admitted(agreement: AgreementId, who: &str, on: &str) -> Event {
        Event::PartyAdmitted(PartyAdmitted {
            agreement_id: agreement,
            party_id: party(who),
            effective_on: day(on),
        })
    }

    pub fn recorded(c: RecordExchange) -> Event {
        Event::ExchangeRecorded(ExchangeRecorded {
            agreement_id: c.agreement_id,
            exchange_id: c.exchange_id.expect("given exchanges have ids"),
            occurred_on: c.occurred_on,
            area: c.area,
            kind: c.kind,
            parties: c.parties,
            summary: c.summary,
            outcome: c.outcome,
            place: c.place,
            participants: c.participants,
            minutes: c.minutes,
            follow_ups: c
                .follow_ups
                .into_iter()
                .map(|f| FollowUp {
                    follow_up_id: f.follow_up_id.expect("given follow-ups have ids"),
                    action: f.action,
                    party_id: f.party_id,
                    due_on: f.due_on,
                })
                .collect(),
            activity_id: c.activity_id,
        })
    }

    pub fn corrected_date(agreement: AgreementId, exchange: ExchangeId, on: &str) -> Event {
        Event::ExchangeCorrected(ExchangeCorrected {
            agreement_id: agreement,
            exchange_id: exchange,
            reason: "Nhập sai ngày".to_owned(),
            occurred_on: Some(day(on)),
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
        })
    }

    pub fn retracted(agreement: AgreementId, exchange: ExchangeId) -> Event {
        Event::ExchangeRetracted(ExchangeRetracted {
            agreement_id: agreement,
            exchange_id: exchange,
            reason: "Ghi trùng".to_owned(),
        })
    }

    pub fn terminated(agreement: AgreementId, on: &str) -> Event {
        let c = terminate(agreement, on);
        Event::AgreementTerminated(AgreementTerminated {
            agreement_id: c.agreement_id,
            effective_on: c.effective_on,
            reason: c.reason,
        })
    }

    pub fn update(who: &str, on: &str) -> UpdateParty {
        UpdateParty {
            party_id: party(who),
            effective_on: day(on),
            reason: "Đổi tên theo quyết định của UBND tỉnh".to_owned(),
            name: None,
            short_name: None,
            kind: None,
            province: None,
        }
    }

    /// `who` merged into `into` from `on` (the 2025 reorganisation).
    pub fn succeed(who: &str, into: &str, on: &str) -> SucceedParty {
        SucceedParty {
            party_id: party(who),
            successor_id: party(into),
            effective_on: day(on),
            reason: "Sắp xếp đơn vị hành chính cấp tỉnh năm 2025".to_owned(),
        }
    }

    pub fn succeeded(who: &str, into: &str, on: &str) -> Event {
        let c = succeed(who, into, on);
        Event::PartySucceeded(PartySucceeded {
            party_id: c.party_id,
            successor_id: c.successor_id,
            effective_on: c.effective_on,
            reason: c.reason,
        })
    }

    pub fn withdraw(agreement: AgreementId, who: &str, on: &str) -> WithdrawParty {
        WithdrawParty {
            agreement_id: agreement,
            party_id: party(who),
            effective_on: day(on),
            reason: "Rút khỏi chương trình hợp tác".to_owned(),
        }
    }

    pub fn withdrew(agreement: AgreementId, who: &str, on: &str) -> Event {
        let c = withdraw(agreement, who, on);
        Event::PartyWithdrew(PartyWithdrew {
            agreement_id: c.agreement_id,
            party_id: c.party_id,
            effective_on: c.effective_on,
            reason: c.reason,
        })
    }

    /// An exchange under the tripartite program on `on` involving `who`.
    pub fn tripartite_exchange(on: &str, who: &[&str]) -> RecordExchange {
        RecordExchange {
            agreement_id: TRIPARTITE,
            exchange_id: Some(ExchangeId(Uuid::from_u128(0x2025_0001))),
            occurred_on: day(on),
            area: area("investment_promotion"),
            kind: ExchangeKind::Meeting,
            parties: parties(who),
            summary: "Hội nghị xúc tiến đầu tư vùng Đông Nam Bộ".to_owned(),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        }
    }

    /// The tripartite program with its term running to 2030, so that the
    /// 2025 reorganisation falls within it.
    pub fn long_tripartite_history() -> Vec<Event> {
        bilateral_history_with_binh_phuoc().and([signed(SignAgreement {
            document: None,
            term: range("2013-07-04", "2030-12-31"),
            ..tripartite_program()
        })])
    }

    // ------------------------------------------------------------ histories

    /// Extends a history: `bilateral_history().and([terminated(..)])`.
    pub trait And {
        fn and<const N: usize>(self, later: [Event; N]) -> Vec<Event>;
    }

    impl And for Vec<Event> {
        fn and<const N: usize>(mut self, later: [Event; N]) -> Vec<Event> {
            self.extend(later);
            self
        }
    }

    /// Đồng Nai and Lâm Đồng registered, the bilateral program signed.
    pub fn bilateral_history() -> Vec<Event> {
        vec![
            registered(DONG_NAI),
            registered(LAM_DONG),
            signed(bilateral_program()),
        ]
    }

    /// The bilateral history, Bình Phước registered too.
    pub fn bilateral_history_with_binh_phuoc() -> Vec<Event> {
        bilateral_history().and([registered(BINH_PHUOC)])
    }

    /// The bilateral history, with the study visit on `on`.
    pub fn visited_history(on: &str) -> Vec<Event> {
        bilateral_history().and([recorded(visit_on(on))])
    }

    /// The bilateral history, terminated from `on`.
    pub fn terminated_bilateral_history(on: &str) -> Vec<Event> {
        bilateral_history().and([terminated(BILATERAL, on)])
    }

    /// The bilateral history with the 5-year review open.
    pub fn reviewing_history() -> Vec<Event> {
        let review = five_year_review();
        let mut history = bilateral_history();
        history.push(Event::ReviewPeriodOpened(ReviewPeriodOpened {
            agreement_id: review.agreement_id,
            review_id: FIVE_YEAR_REVIEW,
            title: review.title,
            kind: review.kind,
            period: review.period,
            opened_on: review.opened_on,
        }));
        history
    }

    /// The 5-year review, closed on 4 July 2013.
    pub fn closed_review_history() -> Vec<Event> {
        let close = close_review("2013-07-04");
        let mut history = reviewing_history();
        history.push(Event::ReviewPeriodClosed(ReviewPeriodClosed {
            agreement_id: close.agreement_id,
            review_id: close.review_id,
            closed_on: close.closed_on,
            outcome: close.outcome,
            summary: close.summary,
        }));
        history
    }

    /// Both programs signed, the tripartite one superseding the bilateral one.
    pub fn tripartite_history() -> Vec<Event> {
        bilateral_history_with_binh_phuoc().and([signed(tripartite_program())])
    }
}

mod regressions {
    //! Behaviour settled after review of the first rule tests.
    use super::support::*;
    use accord_domain::refusal::Rule;

    #[test]
    fn an_exchange_listing_a_party_twice_is_refused() {
        let mut c = visit_on("2010-05-20");
        c.parties = parties(&["dong-nai-iza", "dong-nai-iza"]);
        given(&bilateral_history())
            .when(c)
            .then_refused(Rule::DuplicateParty);
    }

    #[test]
    fn signatories_take_part_from_the_start_of_a_term_that_precedes_the_signature() {
        let mut program = bilateral_program();
        program.signed_on = day("2008-03-01");
        let history = vec![
            registered("dong-nai-iza"),
            registered("lam-dong-iza"),
            signed(program.clone()),
        ];
        let mut c = visit_on("2008-01-15");
        c.agreement_id = program.agreement_id.unwrap();
        given(&history).when(c).then_events(&["ExchangeRecorded"]);
    }
}

#[test]
fn every_command_name_parses_as_a_command_type() {
    for name in accord_domain::Command::NAMES {
        let error = serde_json::from_value::<accord_domain::Command>(
            serde_json::json!({"type": name, "data": {}}),
        )
        .unwrap_err()
        .to_string();
        assert!(!error.contains("unknown variant"), "{name}: {error}");
    }
}

mod scoped {
    //! `WriteModel::scoped`: the small copy a dry run decides on must decide
    //! the commands it was made for exactly as the whole model does.
    use super::support::*;
    use accord_domain::*;

    fn decisions(mut model: WriteModel, commands: &[Command]) -> Vec<Result<Decision, Refusal>> {
        commands
            .iter()
            .map(|command| {
                let decided = model.decide(command);
                for fact in decided.iter().flat_map(|d| &d.facts) {
                    model.evolve(&fact.event);
                }
                decided
            })
            .collect()
    }

    #[test]
    fn a_scoped_model_decides_its_commands_as_the_whole_model() {
        let visit = ExchangeId(uuid::Uuid::from_u128(0x2014_0310));
        let history = tripartite_history().and([recorded(visit_on("2010-05-12"))]);
        let whole = given_model(&history);
        let successor = SignAgreement {
            document: None,
            agreement_id: Some(AgreementId(uuid::Uuid::from_u128(0x2016_0101))),
            supersedes: Some(TRIPARTITE),
            ..tripartite_program()
        };
        let commands: Vec<Command> = vec![
            // The bilateral visit's id under the tripartite program: taken.
            Command::RecordExchange(RecordExchange {
                agreement_id: TRIPARTITE,
                ..visit_on("2014-03-10")
            }),
            Command::RecordExchange(RecordExchange {
                agreement_id: TRIPARTITE,
                exchange_id: Some(visit),
                ..visit_on("2014-03-10")
            }),
            // The same id again: the first one's fact counts.
            Command::RecordExchange(RecordExchange {
                agreement_id: TRIPARTITE,
                exchange_id: Some(visit),
                ..visit_on("2014-04-10")
            }),
            Command::CorrectExchange(CorrectExchange {
                agreement_id: TRIPARTITE,
                occurred_on: Some(day("2016-01-01")),
                ..correct(visit)
            }),
            Command::RegisterParty(register(DONG_NAI)),
            Command::SignAgreement(successor),
            Command::AdmitParty(admit(TRIPARTITE, BINH_PHUOC, "2014-01-01")),
        ];
        let scoped = whole.scoped(&commands);
        assert!(scoped.has_agreement(TRIPARTITE) && !scoped.has_agreement(BILATERAL));
        let expected = decisions(whole.clone(), &commands);
        assert_eq!(decisions(scoped, &commands), expected);
        assert!(expected[0].is_err() && expected[1].is_ok() && expected[2].is_err());
    }

    #[test]
    fn a_scoped_model_keeps_what_a_superseding_signature_needs() {
        let whole = given_model(&tripartite_history());
        let successor = Command::SignAgreement(SignAgreement {
            document: None,
            agreement_id: Some(AgreementId(uuid::Uuid::from_u128(0x2016_0101))),
            supersedes: Some(BILATERAL),
            ..tripartite_program()
        });
        let scoped = whole.scoped([&successor]);
        assert!(scoped.has_agreement(BILATERAL));
        assert!(!scoped.has_agreement(TRIPARTITE));
        assert_eq!(scoped.decide(&successor), whole.decide(&successor));
    }

    #[test]
    fn a_scoped_model_keeps_the_agreements_a_succession_reads() {
        let history = tripartite_history().and([recorded(visit_on("2010-05-12"))]);
        let whole = given_model(&history);
        // The bilateral visit involves Đồng Nai after the succession's date.
        let succession = Command::SucceedParty(succeed(DONG_NAI, BINH_PHUOC, "2010-01-01"));
        let scoped = whole.scoped([&succession]);
        assert!(scoped.has_agreement(BILATERAL));
        let expected = whole.decide(&succession);
        let refused = expected.as_ref().unwrap_err();
        assert_eq!(
            refused.rule,
            accord_domain::refusal::Rule::ContradictsRecordedFact
        );
        assert_eq!(scoped.decide(&succession), expected);
    }

    fn given_model(history: &[Event]) -> WriteModel {
        let mut model = WriteModel::new();
        for event in history {
            model.evolve(event);
        }
        model
    }
}
