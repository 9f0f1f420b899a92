//! Deciding a command must not slow down as an agreement's history grows:
//! `decide(RecordExchange)` against agreements with 10, 1,000 and 100,000
//! recorded exchanges. Run: `cargo bench -p accord-domain --bench decide`.

use std::hint::black_box;

use accord_domain::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use uuid::Uuid;

fn date(s: &str) -> BusinessDate {
    BusinessDate::parse(s).unwrap()
}

fn party(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

fn area() -> AreaId {
    AreaId::parse("investment_promotion").unwrap()
}

/// A write model holding one agreement with `exchanges` recorded exchanges.
fn model_with(agreement: AgreementId, exchanges: u64) -> WriteModel {
    let mut model = WriteModel::new();
    for p in ["dong-nai-iza", "lam-dong-iza"] {
        model.evolve(&Event::PartyRegistered(PartyRegistered {
            party_id: party(p),
            name: format!("Ban quản lý {p}"),
            short_name: None,
            kind: PartyKind::IndustrialZoneAuthority,
            province: None,
        }));
    }
    model.evolve(&Event::AgreementSigned(AgreementSigned {
        document: None,
        agreement_id: agreement,
        title: "Chương trình hợp tác".into(),
        parties: vec![party("dong-nai-iza"), party("lam-dong-iza")],
        signed_on: date("2007-12-20"),
        place: None,
        term: DateRange {
            start: date("2007-12-20"),
            end: date("2013-12-31"),
        },
        areas: vec![area()],
        responsibilities: Default::default(),
        supersedes: None,
    }));
    for n in 0..exchanges {
        model.evolve(&Event::ExchangeRecorded(ExchangeRecorded {
            agreement_id: agreement,
            exchange_id: ExchangeId(Uuid::from_u64_pair(0, n)),
            occurred_on: date("2010-06-01"),
            area: area(),
            kind: ExchangeKind::Meeting,
            parties: vec![party("dong-nai-iza")],
            summary: "Xúc tiến đầu tư".into(),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        }));
    }
    model
}

fn decide_record_exchange(c: &mut Criterion) {
    let agreement = AgreementId(Uuid::from_u64_pair(7, 7));
    let mut group = c.benchmark_group("decide_record_exchange");
    for history in [10u64, 1_000, 100_000] {
        let model = model_with(agreement, history);
        let command = Command::RecordExchange(RecordExchange {
            agreement_id: agreement,
            exchange_id: Some(ExchangeId(Uuid::from_u64_pair(1, 1))),
            occurred_on: date("2012-03-15"),
            area: area(),
            kind: ExchangeKind::Visit,
            parties: vec![party("dong-nai-iza"), party("lam-dong-iza")],
            summary: "Trao đổi kinh nghiệm".into(),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        });
        group.bench_with_input(
            BenchmarkId::from_parameter(history),
            &command,
            |b, command| b.iter(|| black_box(model.decide(black_box(command)).unwrap())),
        );
    }
    group.finish();
}

criterion_group!(benches, decide_record_exchange);
criterion_main!(benches);
