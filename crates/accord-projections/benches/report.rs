//! The cooperation report's projection: `ReadModels::report` over 10,000
//! and 100,000 exchanges spread over 100 agreements, folded in memory (no
//! store). Run: `cargo bench -p accord-projections --bench report`.

use std::hint::black_box;
use std::time::Duration;

use accord_domain::*;
use accord_projections::{ReadModels, ReportQuery};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use uuid::Uuid;

const AREAS: [&str; 3] = ["investment_promotion", "labour_recruitment", "scheme_30"];
const PARTIES: [&str; 3] = ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"];
const AGREEMENTS: u64 = 100;

fn date(s: &str) -> BusinessDate {
    BusinessDate::parse(s).unwrap()
}

fn party(s: &str) -> PartyId {
    PartyId::parse(s).unwrap()
}

/// Read models holding three parties, 100 agreements and `exchanges`
/// exchanges between them, one in 20 corrected.
fn models_with(exchanges: u64) -> ReadModels {
    let mut events = Vec::new();
    for p in PARTIES {
        events.push(Event::PartyRegistered(PartyRegistered {
            party_id: party(p),
            name: format!("Ban quản lý {p}"),
            short_name: None,
            kind: PartyKind::IndustrialZoneAuthority,
            province: None,
        }));
    }
    for a in 0..AGREEMENTS {
        events.push(Event::AgreementSigned(AgreementSigned {
            document: None,
            agreement_id: AgreementId(Uuid::from_u64_pair(1, a)),
            title: format!("Chương trình hợp tác {a}"),
            parties: PARTIES.iter().map(|p| party(p)).collect(),
            signed_on: date("2013-07-04"),
            place: None,
            term: DateRange {
                start: date("2013-07-04"),
                end: date("2030-12-31"),
            },
            areas: AREAS.iter().map(|a| AreaId::parse(a).unwrap()).collect(),
            responsibilities: Default::default(),
            supersedes: None,
        }));
    }
    for n in 0..exchanges {
        let agreement_id = AgreementId(Uuid::from_u64_pair(1, n % AGREEMENTS));
        let exchange_id = ExchangeId(Uuid::from_u64_pair(2, n));
        let day = BusinessDate::from_ymd(
            2014 + (n % 10) as i32,
            1 + (n % 12) as u8,
            1 + (n % 28) as u8,
        );
        events.push(Event::ExchangeRecorded(ExchangeRecorded {
            agreement_id,
            exchange_id,
            occurred_on: day.expect("a real day"),
            area: AreaId::parse(AREAS[(n % 3) as usize]).unwrap(),
            kind: ExchangeKind::Meeting,
            parties: vec![party(PARTIES[0]), party(PARTIES[1 + (n % 2) as usize])],
            summary: format!("Trao đổi kinh nghiệm xúc tiến đầu tư số {n}"),
            outcome: None,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        }));
        if n % 20 == 0 {
            events.push(Event::ExchangeCorrected(ExchangeCorrected {
                agreement_id,
                exchange_id,
                reason: "Sửa lĩnh vực".into(),
                occurred_on: None,
                area: Some(AreaId::parse("scheme_30").unwrap()),
                kind: None,
                parties: None,
                summary: None,
                outcome: None,
                place: None,
                participants: None,
                minutes: None,
                follow_ups: None,
                activity_id: None,
            }));
        }
    }
    let mut models = ReadModels::new();
    let mut versions = std::collections::HashMap::new();
    for (position, event) in (1..).zip(&events) {
        let version = versions.entry(stream_of(event)).or_insert(0);
        *version += 1;
        models.apply(position, *version, event);
    }
    models
}

/// A stream key good enough to number versions.
fn stream_of(event: &Event) -> String {
    match event {
        Event::PartyRegistered(e) => e.party_id.to_string(),
        Event::AgreementSigned(e) => e.agreement_id.0.to_string(),
        Event::ExchangeRecorded(e) => e.agreement_id.0.to_string(),
        Event::ExchangeCorrected(e) => e.agreement_id.0.to_string(),
        _ => String::new(),
    }
}

/// The two sizes measured, each group with 10 samples over 5 s.
const SIZES: [u64; 2] = [10_000, 100_000];

fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group
}

fn report(c: &mut Criterion) {
    let mut group = group(c, "report");
    for exchanges in SIZES {
        let models = models_with(exchanges);
        let query = ReportQuery {
            from: Some(date("2015-01-01")),
            to: Some(date("2020-12-31")),
            party: None,
            at: date("2025-01-01"),
            as_of: None,
        };
        group.throughput(Throughput::Elements(exchanges));
        group.bench_with_input(
            BenchmarkId::from_parameter(exchanges),
            &query,
            |b, query| b.iter(|| black_box(models.report(black_box(query)))),
        );
    }
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
