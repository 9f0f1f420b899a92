//! The seed story for tests (docs/domain.md): the Đồng Nai – Lâm Đồng program of
//! 2007–2013, its final review on 4 July 2013, and the tripartite program
//! with Bình Phước signed the same day, which supersedes it.

use std::collections::HashMap;

use accord_domain::model::event_agreement;
use accord_domain::*;
use uuid::Uuid;

use crate::ReadModels;

/// The bilateral 2007–2013 program.
pub const BILATERAL: AgreementId = AgreementId(Uuid::from_u128(0x2007));
/// The tripartite 2013–2015 program.
pub const TRIPARTITE: AgreementId = AgreementId(Uuid::from_u128(0x2013));
/// The final review of the bilateral program.
pub const FINAL_REVIEW: ReviewId = ReviewId(Uuid::from_u128(0x5_2013));

/// A date from `YYYY-MM-DD`.
pub fn d(s: &str) -> BusinessDate {
    BusinessDate::parse(s).unwrap()
}

/// A party id from its slug.
pub fn p(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

/// An area from its slug.
pub fn area(s: &str) -> AreaId {
    AreaId::parse(s).unwrap()
}

/// The exchange numbered `n` in the story.
pub fn x(n: u128) -> ExchangeId {
    ExchangeId(Uuid::from_u128(0xE000 + n))
}

/// The activity numbered `n` of a work plan.
pub fn act(n: u128) -> ActivityId {
    ActivityId(Uuid::from_u128(0xAC00 + n))
}

/// The follow-up numbered `n`.
pub fn fu(n: u128) -> FollowUpId {
    FollowUpId(Uuid::from_u128(0xF000 + n))
}

/// A follow-up `n` for `party`, due on `due`.
pub fn follow_up(n: u128, party: &str, due: &str) -> FollowUp {
    FollowUp {
        follow_up_id: fu(n),
        action: format!("Việc tiếp theo số {n}"),
        party_id: p(party),
        due_on: d(due),
    }
}

/// Activity `n` planned under `agreement`, led by `lead`, due on `due`.
pub fn planned(agreement: AgreementId, n: u128, lead: &str, due: &str) -> Event {
    Event::ActivityPlanned(ActivityPlanned {
        agreement_id: agreement,
        activity_id: act(n),
        area: area("investment_promotion"),
        title: format!("Hoạt động số {n}"),
        lead_party: p(lead),
        due_on: d(due),
        description: None,
    })
}

fn register(id: &str, name: &str, short: &str, kind: PartyKind, province: &str) -> Event {
    Event::PartyRegistered(PartyRegistered {
        party_id: p(id),
        name: name.into(),
        short_name: Some(short.into()),
        kind,
        province: Some(province.into()),
    })
}

fn areas(slugs: &[&str]) -> Vec<AreaId> {
    slugs.iter().map(|s| area(s)).collect()
}

fn bilateral() -> Event {
    let responsibilities = [
        (
            p("dong-nai-iza"),
            "Chủ trì tổ chức các đoàn tham quan KCN Đồng Nai".to_owned(),
        ),
        (
            p("lam-dong-iza"),
            "Cung cấp thông tin mời gọi đầu tư".to_owned(),
        ),
    ];
    Event::AgreementSigned(AgreementSigned {
        document: None,
        agreement_id: BILATERAL,
        title:
            "Chương trình hợp tác giữa Ban quản lý các KCN Đồng Nai và Lâm Đồng giai đoạn 2007–2013"
                .into(),
        parties: vec![p("dong-nai-iza"), p("lam-dong-iza")],
        signed_on: d("2007-06-15"),
        place: Some("Biên Hòa, Đồng Nai".into()),
        term: DateRange {
            start: d("2007-07-01"),
            end: d("2013-12-31"),
        },
        areas: areas(&[
            "experience_exchange",
            "state_management_information",
            "investment_promotion",
            "labour_recruitment",
        ]),
        responsibilities: responsibilities.into_iter().collect(),
        supersedes: None,
    })
}

fn tripartite() -> Event {
    Event::AgreementSigned(AgreementSigned {
        document: None,
        agreement_id: TRIPARTITE,
        title: "Chương trình hợp tác và hỗ trợ lẫn nhau giữa 03 Ban quản lý giai đoạn 2013–2015"
            .into(),
        parties: vec![p("binh-phuoc-eza"), p("dong-nai-iza"), p("lam-dong-iza")],
        signed_on: d("2013-07-04"),
        place: Some("Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng".into()),
        term: DateRange {
            start: d("2013-07-04"),
            end: d("2015-12-31"),
        },
        areas: areas(&[
            "experience_exchange",
            "state_management_information",
            "investment_promotion",
            "labour_recruitment",
            "decree_29_implementation",
            "scheme_30",
        ]),
        responsibilities: Responsibilities::new(),
        supersedes: Some(BILATERAL),
    })
}

/// An exchange under `agreement`.
pub fn exchange(
    agreement: AgreementId,
    n: u128,
    on: &str,
    in_area: &str,
    kind: ExchangeKind,
    parties: &[&str],
    summary: &str,
) -> Event {
    Event::ExchangeRecorded(ExchangeRecorded {
        agreement_id: agreement,
        exchange_id: x(n),
        occurred_on: d(on),
        area: area(in_area),
        kind,
        parties: parties.iter().map(|s| p(s)).collect(),
        summary: summary.into(),
        outcome: None,
        place: None,
        participants: Vec::new(),
        minutes: None,
        follow_ups: Vec::new(),
        activity_id: None,
    })
}

fn final_review() -> Vec<Event> {
    let assess = |party: &str, notes: Option<&str>| {
        Event::AssessmentRecorded(AssessmentRecorded {
            agreement_id: BILATERAL,
            review_id: FINAL_REVIEW,
            party_id: p(party),
            assessed_on: d("2013-07-04"),
            rating: Rating::Met,
            notes: notes.map(Into::into),
        })
    };
    vec![
        Event::ReviewPeriodOpened(ReviewPeriodOpened {
            agreement_id: BILATERAL,
            review_id: FINAL_REVIEW,
            title: "Tổng kết 5 năm thực hiện chương trình hợp tác (2007–2013)".into(),
            kind: ReviewKind::Final,
            period: DateRange {
                start: d("2007-07-01"),
                end: d("2013-06-30"),
            },
            opened_on: d("2013-07-04"),
        }),
        assess("dong-nai-iza", None),
        assess(
            "lam-dong-iza",
            Some("Đạt được mục tiêu, yêu cầu và nội dung đã ký kết"),
        ),
        Event::ReviewPeriodClosed(ReviewPeriodClosed {
            agreement_id: BILATERAL,
            review_id: FINAL_REVIEW,
            closed_on: d("2013-07-04"),
            outcome: Rating::Met,
            summary: "Chương trình hợp tác đã đạt được mục tiêu, yêu cầu và nội dung".into(),
        }),
    ]
}

/// The whole seed story, in log order.
pub fn story() -> Vec<Event> {
    use ExchangeKind::{Information, Meeting, Support, Visit};
    let (dn, ld, bp) = ("dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza");
    let kcn = PartyKind::IndustrialZoneAuthority;
    let mut events = vec![
        register(
            dn,
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
            "BQL các KCN Đồng Nai",
            kcn,
            "Đồng Nai",
        ),
        register(
            ld,
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
            "BQL các KCN Lâm Đồng",
            kcn,
            "Lâm Đồng",
        ),
        register(
            bp,
            "Ban quản lý Khu kinh tế tỉnh Bình Phước",
            "BQL KKT Bình Phước",
            PartyKind::EconomicZoneAuthority,
            "Bình Phước",
        ),
        bilateral(),
        exchange(
            BILATERAL,
            1,
            "2008-03-12",
            "experience_exchange",
            Meeting,
            &[dn, ld],
            "Trao đổi kinh nghiệm quản lý các KCN",
        ),
        exchange(
            BILATERAL,
            2,
            "2009-05-20",
            "investment_promotion",
            Visit,
            &[ld, dn],
            "Đoàn Lâm Đồng tham quan KCN Nhơn Trạch",
        ),
        exchange(
            BILATERAL,
            3,
            "2010-09-08",
            "labour_recruitment",
            Support,
            &[dn, ld],
            "Hỗ trợ tuyển dụng lao động",
        ),
        exchange(
            BILATERAL,
            4,
            "2012-04-10",
            "state_management_information",
            Information,
            &[dn],
            "Thông tin triển khai Nghị định số 29/2008/NĐ-CP",
        ),
    ];
    events.extend(final_review());
    events.push(tripartite());
    events.push(exchange(
        TRIPARTITE,
        5,
        "2014-03-15",
        "investment_promotion",
        ExchangeKind::Event,
        &[bp, dn, ld],
        "Hội nghị xúc tiến đầu tư vùng",
    ));
    events
}

/// The story plus one event of each type it lacks (amendment, admission,
/// correction, retraction, termination, withdrawal, update, succession,
/// void): every type.
pub fn every_event_type() -> Vec<Event> {
    let mut events = story();
    events.extend([
        Event::AgreementAmended(AgreementAmended {
            document: None,
            agreement_id: TRIPARTITE,
            effective_on: d("2014-01-01"),
            reason: "Bổ sung lĩnh vực đào tạo".into(),
            title: None,
            term: None,
            areas: Some(areas(&["investment_promotion", "training"])),
            responsibilities: None,
        }),
        Event::PartyAdmitted(PartyAdmitted {
            agreement_id: TRIPARTITE,
            party_id: p("binh-phuoc-eza"),
            effective_on: d("2014-02-01"),
        }),
        Event::ExchangeCorrected(ExchangeCorrected {
            agreement_id: BILATERAL,
            exchange_id: x(1),
            reason: "Sai ngày".into(),
            occurred_on: Some(d("2008-03-13")),
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
        }),
        Event::ExchangeRetracted(ExchangeRetracted {
            agreement_id: BILATERAL,
            exchange_id: x(3),
            reason: "Ghi trùng".into(),
        }),
        Event::AgreementTerminated(AgreementTerminated {
            agreement_id: TRIPARTITE,
            effective_on: d("2016-06-30"),
            reason: "Kết thúc chương trình".into(),
        }),
        Event::PartyWithdrew(PartyWithdrew {
            agreement_id: TRIPARTITE,
            party_id: p("lam-dong-iza"),
            effective_on: d("2015-06-01"),
            reason: "Rút khỏi chương trình".into(),
        }),
        Event::PartyUpdated(PartyUpdated {
            party_id: p("dong-nai-iza"),
            effective_on: d("2020-01-01"),
            reason: "Đổi tên".into(),
            name: Some("Ban Quản lý các Khu công nghiệp Đồng Nai".into()),
            short_name: None,
            kind: None,
            province: None,
        }),
        Event::PartySucceeded(PartySucceeded {
            party_id: p("binh-phuoc-eza"),
            successor_id: p("dong-nai-iza"),
            effective_on: d("2025-07-01"),
            reason: "Sáp nhập tỉnh Bình Phước vào tỉnh Đồng Nai".into(),
        }),
        Event::DocumentAttached(DocumentAttached {
            agreement_id: TRIPARTITE,
            attachment: "5f".repeat(32),
            size: 1234,
            media_type: "application/pdf".into(),
            title: "Biên bản ký kết chương trình hợp tác".into(),
            kind: DocumentKind::SignedText,
            dated_on: d("2013-07-04"),
            filename: Some("bien-ban-ky-ket.pdf".into()),
            exchange_id: None,
            review_id: None,
        }),
    ]);
    // A void of the retraction: alone, the read models only note it (the
    // engine folds the log again without the voided event).
    let retraction = events
        .iter()
        .position(|e| matches!(e, Event::ExchangeRetracted(_)))
        .expect("a retraction above");
    events.push(Event::EventVoided(EventVoided {
        event_id: EventId(Uuid::from_u128(0xE0E0_0000 + retraction as u128 + 1)),
        voided_position: retraction as u64 + 1,
        voided_type: "ExchangeRetracted".into(),
        agreement_id: Some(BILATERAL),
        reason: "Rút nhầm hoạt động".into(),
    }));
    events.extend(work_plan());
    events
}

/// A work plan under the tripartite program: two activities, an exchange
/// carrying out the first with two follow-ups (one completed), a
/// correction replacing the other follow-up, the second activity
/// cancelled.
pub fn work_plan() -> Vec<Event> {
    let Event::ExchangeRecorded(held) = exchange(
        TRIPARTITE,
        90,
        "2014-05-10",
        "investment_promotion",
        ExchangeKind::Meeting,
        &["dong-nai-iza", "lam-dong-iza"],
        "Hội thảo xúc tiến đầu tư",
    ) else {
        unreachable!()
    };
    vec![
        planned(TRIPARTITE, 1, "dong-nai-iza", "2014-06-30"),
        planned(TRIPARTITE, 2, "lam-dong-iza", "2015-03-31"),
        Event::ExchangeRecorded(ExchangeRecorded {
            place: Some("Biên Hòa".into()),
            participants: vec![Participant {
                name: "Nguyễn Văn A".into(),
                title: Some("Phó Trưởng ban".into()),
                party_id: Some(p("dong-nai-iza")),
            }],
            minutes: Some("Biên bản hội thảo".into()),
            follow_ups: vec![
                follow_up(1, "lam-dong-iza", "2014-06-15"),
                follow_up(2, "dong-nai-iza", "2014-07-15"),
            ],
            activity_id: Some(act(1)),
            ..held
        }),
        Event::FollowUpCompleted(FollowUpCompleted {
            agreement_id: TRIPARTITE,
            follow_up_id: fu(1),
            completed_on: d("2014-06-10"),
        }),
        Event::ExchangeCorrected(ExchangeCorrected {
            agreement_id: TRIPARTITE,
            exchange_id: x(90),
            reason: "Bổ sung việc tiếp theo".into(),
            occurred_on: None,
            area: None,
            kind: None,
            parties: None,
            summary: None,
            outcome: None,
            place: None,
            participants: None,
            minutes: Some("Biên bản hội thảo (bản sửa)".into()),
            follow_ups: Some(vec![
                follow_up(1, "lam-dong-iza", "2014-06-15"),
                follow_up(3, "dong-nai-iza", "2014-08-15"),
            ]),
            activity_id: None,
        }),
        Event::ActivityCancelled(ActivityCancelled {
            agreement_id: TRIPARTITE,
            activity_id: act(2),
            reason: "Hoãn".into(),
        }),
    ]
}

/// Both models after [`every_event_type`], the read models applied at
/// positions from 1 (each event at version 1: the tests that use it do not
/// read versions).
pub fn every_event_type_models() -> (ReadModels, WriteModel) {
    let mut read = ReadModels::new();
    let mut write = WriteModel::new();
    for (i, event) in every_event_type().iter().enumerate() {
        write.evolve(event);
        read.apply(i as u64 + 1, 1, event);
    }
    (read, write)
}

/// A log in memory: the event at position p is `events[p - 1]` (what lean
/// models read exchange texts from in tests).
pub struct SeedLog(pub Vec<Event>);

impl crate::EventsAt for SeedLog {
    fn events_at(&self, positions: &[u64]) -> Result<Vec<Event>, String> {
        positions
            .iter()
            .map(|p| {
                let index = usize::try_from(*p).ok().and_then(|p| p.checked_sub(1));
                index
                    .and_then(|i| self.0.get(i).cloned())
                    .ok_or_else(|| format!("no event at position {p}"))
            })
            .collect()
    }
}

/// Applies `events` from position 1, each with its stream's next version.
pub fn replay(events: &[Event]) -> ReadModels {
    let mut models = ReadModels::new();
    replay_onto(&mut models, events, 0);
    models
}

/// Applies `events[skip..]` at their positions (index + 1), with the
/// versions their streams have in the whole of `events`.
pub fn replay_onto(models: &mut ReadModels, events: &[Event], skip: usize) {
    let mut versions: HashMap<String, u64> = HashMap::new();
    for (i, event) in events.iter().enumerate() {
        let version = versions.entry(stream(event)).or_insert(0);
        *version += 1;
        if i >= skip {
            models.apply(i as u64 + 1, *version, event);
        }
    }
}

fn stream(event: &Event) -> String {
    match (event, event_agreement(event)) {
        (Event::PartyRegistered(e), _) => format!("party:{}", e.party_id),
        (Event::PartyUpdated(e), _) => format!("party:{}", e.party_id),
        (Event::PartySucceeded(e), _) => format!("party:{}", e.party_id),
        (_, Some(id)) => format!("agreement:{id}"),
        (_, None) => unreachable!("every other event names its agreement"),
    }
}
