//! The document of a signature or an amendment, and `AttachDocument`, read
//! as given / when / then: every refusal with its code, and what is
//! appended when accepted.
//!
//! The story is the seed's: Đồng Nai and Lâm Đồng's industrial-zone
//! authorities sign a program with Bình Phước's economic-zone authority on
//! 4 July 2013 (the document's number and signatories are illustrative).

use accord_domain::refusal::Rule;
use accord_domain::*;
use uuid::Uuid;

const DONG_NAI: &str = "dong-nai-iza";
const LAM_DONG: &str = "lam-dong-iza";
const BINH_PHUOC: &str = "binh-phuoc-eza";
const OUTSIDER: &str = "ba-ria-vung-tau-iza";
const PROGRAM: AgreementId = AgreementId(Uuid::from_u128(0x2013_0704));
const OTHER: AgreementId = AgreementId(Uuid::from_u128(0x2007_0101));
const VISIT: ExchangeId = ExchangeId(Uuid::from_u128(0x2014_0312));
const WITHDRAWN: ExchangeId = ExchangeId(Uuid::from_u128(0x2014_0401));
const ELSEWHERE: ExchangeId = ExchangeId(Uuid::from_u128(0x2008_0101));
const REVIEW: ReviewId = ReviewId(Uuid::from_u128(0x2015_1201));

const PDF: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn day(text: &str) -> BusinessDate {
    text.parse().unwrap()
}

fn party(id: &str) -> PartyId {
    PartyId::parse(id).unwrap()
}

fn registered(id: &str) -> Event {
    Event::PartyRegistered(PartyRegistered {
        party_id: party(id),
        name: format!("Ban quản lý {id}"),
        short_name: None,
        kind: PartyKind::IndustrialZoneAuthority,
        province: None,
    })
}

fn signatory(id: &str, name: &str) -> Signatory {
    Signatory {
        party_id: party(id),
        name: name.to_owned(),
        title: Some("Trưởng ban".to_owned()),
    }
}

/// The program's document as signed (number and names illustrative).
fn signed_document() -> Document {
    Document {
        number: Some("01/CTHT-BQL".to_owned()),
        issued_on: Some(day("2013-07-04")),
        signatories: vec![
            signatory(DONG_NAI, "Nguyễn Văn Đồng"),
            signatory(LAM_DONG, "Trần Thị Lâm"),
            signatory(BINH_PHUOC, "Lê Văn Phước"),
        ],
    }
}

fn program(document: Option<Document>) -> SignAgreement {
    SignAgreement {
        agreement_id: Some(PROGRAM),
        title: "Chương trình hợp tác và hỗ trợ lẫn nhau giữa 03 Ban quản lý giai đoạn 2013–2015"
            .to_owned(),
        parties: vec![party(DONG_NAI), party(LAM_DONG), party(BINH_PHUOC)],
        signed_on: day("2013-07-04"),
        place: None,
        term: DateRange {
            start: day("2013-07-04"),
            end: day("2015-12-31"),
        },
        areas: vec![AreaId::parse("investment_promotion").unwrap()],
        responsibilities: Default::default(),
        supersedes: None,
        document,
    }
}

fn signed(sign: SignAgreement) -> Event {
    let mut model = WriteModel::new();
    for id in [DONG_NAI, LAM_DONG, BINH_PHUOC] {
        model.evolve(&registered(id));
    }
    let decision = model.decide(&Command::SignAgreement(sign)).unwrap();
    decision.facts[0].event.clone()
}

fn exchange(agreement: AgreementId, id: ExchangeId, on: &str) -> Event {
    Event::ExchangeRecorded(ExchangeRecorded {
        agreement_id: agreement,
        exchange_id: id,
        occurred_on: day(on),
        area: AreaId::parse("investment_promotion").unwrap(),
        kind: ExchangeKind::Visit,
        parties: vec![party(DONG_NAI), party(LAM_DONG)],
        summary: "Khảo sát mô hình xúc tiến đầu tư".to_owned(),
        outcome: None,
        place: None,
        participants: Vec::new(),
        minutes: None,
        follow_ups: Vec::new(),
        activity_id: None,
    })
}

/// Three parties, the program with an exchange, a retracted exchange and a
/// review; another agreement with its own exchange.
fn history() -> Vec<Event> {
    let mut other = program(None);
    other.agreement_id = Some(OTHER);
    other.parties.truncate(2);
    vec![
        registered(DONG_NAI),
        registered(LAM_DONG),
        registered(BINH_PHUOC),
        registered(OUTSIDER),
        signed(program(Some(signed_document()))),
        signed(other),
        exchange(PROGRAM, VISIT, "2014-03-12"),
        exchange(PROGRAM, WITHDRAWN, "2014-04-01"),
        Event::ExchangeRetracted(ExchangeRetracted {
            agreement_id: PROGRAM,
            exchange_id: WITHDRAWN,
            reason: "Ghi trùng".to_owned(),
        }),
        exchange(OTHER, ELSEWHERE, "2014-01-08"),
        Event::ReviewPeriodOpened(ReviewPeriodOpened {
            agreement_id: PROGRAM,
            review_id: REVIEW,
            title: "Tổng kết chương trình".to_owned(),
            kind: ReviewKind::Final,
            period: DateRange {
                start: day("2013-07-04"),
                end: day("2015-12-31"),
            },
            opened_on: day("2015-12-01"),
        }),
    ]
}

fn model(history: &[Event]) -> WriteModel {
    let mut model = WriteModel::new();
    for event in history {
        model.evolve(event);
    }
    model
}

fn stored(sha256: &str) -> StoredFile {
    StoredFile {
        sha256: sha256.to_owned(),
        size: 48_213,
        media_type: "application/pdf".to_owned(),
    }
}

/// Decided on 2 December 2026 with `file` as the store describes it.
fn decide(
    model: &WriteModel,
    command: Command,
    file: Option<StoredFile>,
) -> Result<Decision, Refusal> {
    let circumstances = Circumstances {
        today: Some(day("2026-12-02")),
        file,
    };
    model.decide_in(&command, &circumstances)
}

#[track_caller]
fn refused(outcome: Result<Decision, Refusal>, rule: Rule) -> Refusal {
    match outcome {
        Ok(decision) => panic!("expected `{}`, accepted: {decision:#?}", rule.code()),
        Err(refusal) => {
            assert_eq!(refusal.rule, rule, "refused for another rule: {refusal}");
            assert!(!refusal.detail.trim().is_empty());
            refusal
        }
    }
}

fn attach() -> AttachDocument {
    AttachDocument {
        agreement_id: PROGRAM,
        attachment: PDF.to_owned(),
        title: "Biên bản ký kết chương trình hợp tác".to_owned(),
        kind: DocumentKind::SignedText,
        dated_on: day("2013-07-04"),
        filename: Some("biên-bản-ký-kết.pdf".to_owned()),
        exchange_id: None,
        review_id: None,
    }
}

fn amend(document: Document) -> AmendAgreement {
    AmendAgreement {
        agreement_id: PROGRAM,
        effective_on: day("2014-06-01"),
        reason: "Phụ lục sửa đổi".to_owned(),
        title: None,
        term: None,
        areas: None,
        responsibilities: None,
        document: Some(document),
    }
}

// ------------------------------------------------------------ the document

#[test]
fn a_signature_carries_its_document_into_the_event() {
    let Event::AgreementSigned(e) = signed(program(Some(signed_document()))) else {
        unreachable!()
    };
    assert_eq!(e.document, Some(signed_document()));
}

#[test]
fn a_signatory_signing_for_a_party_outside_the_agreement_is_refused() {
    let mut document = signed_document();
    document
        .signatories
        .push(signatory(OUTSIDER, "Phạm Văn Bà"));
    let mut given = model(&history()[..4]);
    given.evolve(&registered(OUTSIDER));
    let refusal = refused(
        given.decide(&Command::SignAgreement(program(Some(document)))),
        Rule::SignatoryNotParty,
    );
    assert!(refusal.detail.contains(OUTSIDER), "{refusal}");
}

#[test]
fn a_signatory_without_a_name_or_a_blank_number_is_refused() {
    let given = model(&history()[..4]);
    let mut nameless = signed_document();
    nameless.signatories[1].name = "  ".to_owned();
    refused(
        given.decide(&Command::SignAgreement(program(Some(nameless)))),
        Rule::TextRequired,
    );
    let blank_number = Document {
        number: Some(" ".to_owned()),
        ..signed_document()
    };
    refused(
        given.decide(&Command::SignAgreement(program(Some(blank_number)))),
        Rule::TextRequired,
    );
}

#[test]
fn an_empty_document_is_refused() {
    let empty = Document {
        number: None,
        issued_on: None,
        signatories: Vec::new(),
    };
    let given = model(&history()[..4]);
    refused(
        given.decide(&Command::SignAgreement(program(Some(empty)))),
        Rule::EmptyDocument,
    );
}

#[test]
fn an_amendment_may_carry_only_its_document_and_the_model_keeps_the_latest() {
    let given = model(&history());
    let appendix = Document {
        number: Some("02/PL-CTHT".to_owned()),
        issued_on: Some(day("2014-05-20")),
        signatories: vec![signatory(LAM_DONG, "Trần Thị Lâm")],
    };
    let decision = decide(
        &given,
        Command::AmendAgreement(amend(appendix.clone())),
        None,
    )
    .unwrap();
    let Event::AgreementAmended(e) = &decision.facts[0].event else {
        unreachable!()
    };
    assert_eq!(e.document.as_ref(), Some(&appendix));
    let mut after = given.clone();
    after.evolve(&decision.facts[0].event);
    // The same document again changes nothing.
    refused(
        decide(&after, Command::AmendAgreement(amend(appendix)), None),
        Rule::AmendmentWithoutChanges,
    );
    // The signature's document, given again on a date before the appendix, changes nothing either.
    let mut before = amend(signed_document());
    before.effective_on = day("2014-01-01");
    refused(
        decide(&after, Command::AmendAgreement(before), None),
        Rule::AmendmentWithoutChanges,
    );
}

#[test]
fn an_amendment_s_signatory_must_be_a_party_on_its_date() {
    let given = model(&history());
    let document = Document {
        number: Some("03/PL-CTHT".to_owned()),
        issued_on: None,
        signatories: vec![signatory(OUTSIDER, "Phạm Văn Bà")],
    };
    refused(
        decide(&given, Command::AmendAgreement(amend(document)), None),
        Rule::SignatoryNotParty,
    );
}

// ------------------------------------------------------------ AttachDocument

#[test]
fn attaching_a_stored_file_records_its_hash_size_and_type_on_the_document_s_date() {
    let given = model(&history());
    let decision = decide(&given, Command::AttachDocument(attach()), Some(stored(PDF))).unwrap();
    assert_eq!(decision.stream.to_string(), format!("agreement:{PROGRAM}"));
    let fact = &decision.facts[0];
    assert_eq!(fact.effective_on, Some(day("2013-07-04")));
    let Event::DocumentAttached(e) = &fact.event else {
        panic!("{:?}", fact.event)
    };
    assert_eq!(e.attachment, PDF);
    assert_eq!((e.size, e.media_type.as_str()), (48_213, "application/pdf"));
    assert_eq!(e.title, "Biên bản ký kết chương trình hợp tác");
    assert_eq!(e.filename.as_deref(), Some("biên-bản-ký-kết.pdf"));
    assert_eq!(e.kind, DocumentKind::SignedText);
}

#[test]
fn attaching_to_an_exchange_or_a_review_of_the_agreement_is_accepted() {
    let given = model(&history());
    for (exchange_id, review_id) in [(Some(VISIT), None), (None, Some(REVIEW))] {
        let command = AttachDocument {
            kind: DocumentKind::Minutes,
            dated_on: day("2015-12-01"),
            exchange_id,
            review_id,
            ..attach()
        };
        let decision = decide(&given, Command::AttachDocument(command), Some(stored(PDF))).unwrap();
        let Event::DocumentAttached(e) = &decision.facts[0].event else {
            unreachable!()
        };
        assert_eq!((e.exchange_id, e.review_id), (exchange_id, review_id));
    }
}

#[test]
fn attaching_a_file_the_store_does_not_have_is_refused() {
    let given = model(&history());
    let refusal = refused(
        decide(&given, Command::AttachDocument(attach()), None),
        Rule::AttachmentNotFound,
    );
    assert!(refusal.detail.contains(PDF), "{refusal}");
    // A file the caller found under another name is not the one named.
    refused(
        decide(
            &given,
            Command::AttachDocument(attach()),
            Some(stored(&"0".repeat(64))),
        ),
        Rule::AttachmentNotFound,
    );
    // Without the circumstances (no store), nothing can be attached.
    refused(
        given.decide(&Command::AttachDocument(attach())),
        Rule::AttachmentNotFound,
    );
}

#[test]
fn attaching_to_an_unknown_agreement_is_refused() {
    let given = model(&history());
    let command = AttachDocument {
        agreement_id: AgreementId(Uuid::from_u128(0xDEAD)),
        ..attach()
    };
    refused(
        decide(&given, Command::AttachDocument(command), Some(stored(PDF))),
        Rule::AgreementNotFound,
    );
}

#[test]
fn attaching_without_a_title_or_with_a_blank_filename_is_refused() {
    let given = model(&history());
    for command in [
        AttachDocument {
            title: " ".to_owned(),
            ..attach()
        },
        AttachDocument {
            filename: Some("\t".to_owned()),
            ..attach()
        },
    ] {
        refused(
            decide(&given, Command::AttachDocument(command), Some(stored(PDF))),
            Rule::TextRequired,
        );
    }
}

#[test]
fn a_document_dated_after_today_is_refused() {
    let given = model(&history());
    let command = AttachDocument {
        dated_on: day("2026-12-03"),
        ..attach()
    };
    refused(
        decide(
            &given,
            Command::AttachDocument(command.clone()),
            Some(stored(PDF)),
        ),
        Rule::DocumentInFuture,
    );
    // Today itself is not the future.
    let today = AttachDocument {
        dated_on: day("2026-12-02"),
        ..command
    };
    decide(&given, Command::AttachDocument(today), Some(stored(PDF))).unwrap();
}

#[test]
fn attaching_to_an_exchange_and_a_review_at_once_is_refused() {
    let given = model(&history());
    let command = AttachDocument {
        exchange_id: Some(VISIT),
        review_id: Some(REVIEW),
        ..attach()
    };
    refused(
        decide(&given, Command::AttachDocument(command), Some(stored(PDF))),
        Rule::ExchangeAndReview,
    );
}

#[test]
fn attaching_to_an_exchange_of_another_agreement_or_a_retracted_one_is_refused() {
    let given = model(&history());
    let elsewhere = AttachDocument {
        exchange_id: Some(ELSEWHERE),
        ..attach()
    };
    refused(
        decide(
            &given,
            Command::AttachDocument(elsewhere),
            Some(stored(PDF)),
        ),
        Rule::ExchangeNotFound,
    );
    let withdrawn = AttachDocument {
        exchange_id: Some(WITHDRAWN),
        ..attach()
    };
    refused(
        decide(
            &given,
            Command::AttachDocument(withdrawn),
            Some(stored(PDF)),
        ),
        Rule::ExchangeRetracted,
    );
}

#[test]
fn attaching_to_an_unknown_review_is_refused() {
    let given = model(&history());
    let command = AttachDocument {
        review_id: Some(ReviewId(Uuid::from_u128(0xBEEF))),
        ..attach()
    };
    refused(
        decide(&given, Command::AttachDocument(command), Some(stored(PDF))),
        Rule::ReviewNotFound,
    );
}

#[test]
fn the_same_file_attached_twice_with_different_titles_is_two_facts() {
    let mut given = model(&history());
    let first = decide(&given, Command::AttachDocument(attach()), Some(stored(PDF))).unwrap();
    given.evolve(&first.facts[0].event);
    let again = AttachDocument {
        title: "Bản ký kết (bản sao)".to_owned(),
        ..attach()
    };
    decide(&given, Command::AttachDocument(again), Some(stored(PDF))).unwrap();
}

#[test]
fn the_command_names_the_file_the_caller_must_look_up() {
    let command = Command::AttachDocument(attach());
    assert_eq!(command.attachment(), Some(PDF));
    assert_eq!(command.agreement_id(), Some(PROGRAM));
    assert_eq!(Command::SignAgreement(program(None)).attachment(), None);
}

#[test]
fn an_event_recorded_before_documents_existed_still_decodes() {
    // A signature and an amendment as stored before `document` was added.
    let signed = serde_json::json!({
        "type": "AgreementAmended",
        "data": {
            "agreement_id": PROGRAM, "effective_on": "2014-01-01", "reason": "Gia hạn",
            "title": null, "term": null, "areas": null, "responsibilities": null
        }
    });
    let event: Event = serde_json::from_value(signed).unwrap();
    let Event::AgreementAmended(e) = event else {
        unreachable!()
    };
    assert_eq!(e.document, None);
}
