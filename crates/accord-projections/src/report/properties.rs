//! The report assembled from the aggregates (ADR 0034, ADR 0041, ADR 0059)
//! equals the report folded from the exchange records (`oracle`, the code
//! it replaced) for random logs (work plans, exchanges carrying out
//! activities, follow-ups and their completions, corrections moving them,
//! retractions and voids among them), windows, business dates, parties and
//! knowledge cuts, with its lineage and without it (the same report with
//! empty position lists); the due list read from the aggregates equals the
//! due list folded from the exchange records (`due::oracle`); and
//! a cut's models rebuilt the way `as_of` rebuilds them (a snapshot, which
//! does not hold the aggregates, then the events after it) equal the models
//! that applied every event, aggregates included. Every aggregate's days
//! by class are its rows' days, in order.
//!
//! The logs are events fed straight to the read models, not commands: the
//! rules are not in the way, so they hold what the rules refuse too
//! (an exchange naming a party twice or outside the agreement, a date
//! outside the term, a closing before its opening), which the models must
//! count the same way either way.

use accord_domain::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use uuid::Uuid;

use super::oracle::folded_report;
use super::years::folded_years;
use crate::snapshot::{decode_snapshot_read_models, encode_snapshot};
use crate::{ReadModels, ReportQuery};

/// Days after 2010-01-01 that generated dates fall on.
const DAYS: u16 = 3_000;
const PARTIES: [&str; 5] = [
    "dong-nai-iza",
    "lam-dong-iza",
    "binh-phuoc-eza",
    "binh-duong-iza",
    "tay-ninh-iza",
];
const AREAS: [&str; 4] = [
    "experience_exchange",
    "investment_promotion",
    "labour_recruitment",
    "scheme_30",
];

/// One abstract event: every `u8` picks an entity made before (modulo how
/// many there are), every `u16` a day.
#[derive(Debug, Clone)]
enum Step {
    Sign {
        parties: Vec<u8>,
        signed: u16,
        start: u16,
        len: u16,
        supersedes: Option<u8>,
    },
    Amend {
        agreement: u8,
        on: u16,
        term: Option<(u16, u16)>,
        title: bool,
    },
    Admit {
        agreement: u8,
        party: u8,
        on: u16,
    },
    Withdraw {
        agreement: u8,
        party: u8,
        on: u16,
    },
    Succeed {
        party: u8,
        successor: u8,
        on: u16,
    },
    Record {
        agreement: u8,
        on: u16,
        area: u8,
        parties: Vec<u8>,
        /// An activity of the plan it carries out (of its agreement's if
        /// any was planned).
        activity: Option<u8>,
        /// Its follow-ups: (responsible party, due day).
        follow_ups: Vec<(u8, u16)>,
    },
    Correct {
        exchange: u8,
        on: Option<u16>,
        area: Option<u8>,
        parties: Option<Vec<u8>>,
        activity: Option<u8>,
        follow_ups: Option<Vec<(u8, u16)>>,
    },
    Plan {
        agreement: u8,
        lead: u8,
        due: u16,
    },
    Cancel {
        activity: u8,
    },
    Complete {
        follow_up: u8,
        on: u16,
    },
    Retract {
        exchange: u8,
    },
    Open {
        agreement: u8,
        on: u16,
    },
    Close {
        review: u8,
        on: u16,
        outcome: u8,
    },
    Terminate {
        agreement: u8,
        on: u16,
    },
    /// Voids an earlier event (not a registration, not a void).
    Void {
        event: u8,
    },
}

/// A report's parameters: window ends, date, party, all as picks.
type Query = (Option<u16>, Option<u16>, u16, Option<u8>);

fn step() -> impl Strategy<Value = Step> {
    let day = || 0..DAYS;
    prop_oneof![
        2 => (vec(any::<u8>(), 1..4), day(), day(), 0u16..1500, option::weighted(0.3, any::<u8>()))
            .prop_map(|(parties, signed, start, len, supersedes)| Step::Sign {
                parties, signed, start, len, supersedes
            }),
        1 => (any::<u8>(), day(), option::of((day(), 0u16..1500)), any::<bool>())
            .prop_map(|(agreement, on, term, title)| Step::Amend { agreement, on, term, title }),
        1 => (any::<u8>(), any::<u8>(), day())
            .prop_map(|(agreement, party, on)| Step::Admit { agreement, party, on }),
        1 => (any::<u8>(), any::<u8>(), day())
            .prop_map(|(agreement, party, on)| Step::Withdraw { agreement, party, on }),
        1 => (any::<u8>(), any::<u8>(), day())
            .prop_map(|(party, successor, on)| Step::Succeed { party, successor, on }),
        10 => (any::<u8>(), day(), any::<u8>(), vec(any::<u8>(), 0..4), option::weighted(0.3, any::<u8>()), follow_ups())
            .prop_map(|(agreement, on, area, parties, activity, follow_ups)| Step::Record {
                agreement, on, area, parties, activity, follow_ups
            }),
        3 => (
            any::<u8>(),
            option::of(day()),
            option::of(any::<u8>()),
            option::of(vec(any::<u8>(), 0..3)),
            option::weighted(0.2, any::<u8>()),
            option::weighted(0.2, follow_ups()),
        )
            .prop_map(|(exchange, on, area, parties, activity, follow_ups)| Step::Correct {
                exchange, on, area, parties, activity, follow_ups
            }),
        2 => (any::<u8>(), any::<u8>(), day())
            .prop_map(|(agreement, lead, due)| Step::Plan { agreement, lead, due }),
        1 => any::<u8>().prop_map(|activity| Step::Cancel { activity }),
        2 => (any::<u8>(), day()).prop_map(|(follow_up, on)| Step::Complete { follow_up, on }),
        2 => any::<u8>().prop_map(|exchange| Step::Retract { exchange }),
        1 => (any::<u8>(), day()).prop_map(|(agreement, on)| Step::Open { agreement, on }),
        1 => (any::<u8>(), day(), any::<u8>())
            .prop_map(|(review, on, outcome)| Step::Close { review, on, outcome }),
        1 => (any::<u8>(), day()).prop_map(|(agreement, on)| Step::Terminate { agreement, on }),
        1 => any::<u8>().prop_map(|event| Step::Void { event }),
    ]
}

/// An exchange's follow-ups, mostly none.
fn follow_ups() -> impl Strategy<Value = Vec<(u8, u16)>> {
    prop_oneof![
        2 => Just(Vec::new()),
        1 => vec((any::<u8>(), 0..DAYS), 1..3),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (
        option::of(0..DAYS + 200),
        option::of(0..DAYS + 200),
        0..DAYS + 2000,
        option::weighted(0.3, any::<u8>()),
    )
}

fn day(offset: u16) -> BusinessDate {
    let base = BusinessDate::from_ymd(2010, 1, 1).expect("a date");
    BusinessDate(base.0 + time::Duration::days(i64::from(offset)))
}

fn party(i: u8) -> PartyId {
    PartyId::parse(PARTIES[usize::from(i) % PARTIES.len()]).expect("a slug")
}

fn parties(picks: &[u8]) -> Vec<PartyId> {
    picks.iter().map(|i| party(*i)).collect()
}

fn area(i: u8) -> AreaId {
    AreaId::parse(AREAS[usize::from(i) % AREAS.len()]).expect("a slug")
}

fn pick<T: Copy>(items: &[T], i: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(i) % items.len()])
}

fn follow_up(follow_up_id: FollowUpId, p: u8, due: u16) -> FollowUp {
    FollowUp {
        follow_up_id,
        action: format!("Gửi báo cáo cho {}", party(p)),
        party_id: party(p),
        due_on: day(due),
    }
}

fn range(start: u16, len: u16) -> DateRange {
    DateRange {
        start: day(start),
        end: day(start.saturating_add(len)),
    }
}

/// The events of the steps, after the parties' registrations.
fn events(steps: &[Step]) -> Vec<Event> {
    let mut ids = 0u128;
    let mut next = || {
        ids += 1;
        Uuid::from_u128(ids)
    };
    let mut agreements: Vec<AgreementId> = Vec::new();
    let mut exchanges: Vec<(AgreementId, ExchangeId)> = Vec::new();
    let mut reviews: Vec<(AgreementId, ReviewId)> = Vec::new();
    let mut activities: Vec<(AgreementId, ActivityId)> = Vec::new();
    let mut agreed: Vec<(AgreementId, FollowUpId)> = Vec::new();
    // Picks an activity planned before, of `agreement` if it has any (as
    // the rules want), else of any agreement (which the models ignore).
    let activity = |activities: &[(AgreementId, ActivityId)], agreement, i: u8| {
        let own: Vec<ActivityId> = activities
            .iter()
            .filter(|(a, _)| *a == agreement)
            .map(|(_, id)| *id)
            .collect();
        pick(&own, i).or_else(|| pick(activities, i).map(|(_, id)| id))
    };
    let mut events: Vec<Event> = PARTIES
        .iter()
        .map(|slug| {
            Event::PartyRegistered(PartyRegistered {
                party_id: PartyId::parse(slug).expect("a slug"),
                name: format!("Ban quản lý {slug}"),
                short_name: None,
                kind: PartyKind::IndustrialZoneAuthority,
                province: None,
            })
        })
        .collect();
    for step in steps {
        let event = match step {
            Step::Sign {
                parties: picks,
                signed,
                start,
                len,
                supersedes,
            } => {
                let id = AgreementId(next());
                let event = Event::AgreementSigned(AgreementSigned {
                    agreement_id: id,
                    title: format!("Chương trình hợp tác {}", agreements.len()),
                    parties: parties(picks),
                    signed_on: day(*signed),
                    place: None,
                    term: range(*start, *len),
                    areas: vec![area(0), area(1)],
                    responsibilities: Default::default(),
                    supersedes: supersedes.and_then(|i| pick(&agreements, i)),
                    document: None,
                });
                agreements.push(id);
                event
            }
            Step::Amend {
                agreement,
                on,
                term,
                title,
            } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                Event::AgreementAmended(AgreementAmended {
                    agreement_id,
                    effective_on: day(*on),
                    reason: "Điều chỉnh".into(),
                    title: title.then(|| "Chương trình điều chỉnh".into()),
                    term: term.map(|(start, len)| range(start, len)),
                    areas: None,
                    responsibilities: None,
                    document: None,
                })
            }
            Step::Admit {
                agreement,
                party: p,
                on,
            } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                Event::PartyAdmitted(PartyAdmitted {
                    agreement_id,
                    party_id: party(*p),
                    effective_on: day(*on),
                })
            }
            Step::Withdraw {
                agreement,
                party: p,
                on,
            } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                Event::PartyWithdrew(PartyWithdrew {
                    agreement_id,
                    party_id: party(*p),
                    effective_on: day(*on),
                    reason: "Rút khỏi chương trình".into(),
                })
            }
            Step::Succeed {
                party: p,
                successor,
                on,
            } => Event::PartySucceeded(PartySucceeded {
                party_id: party(*p),
                successor_id: party(*successor),
                effective_on: day(*on),
                reason: "Sáp nhập".into(),
            }),
            Step::Record {
                agreement,
                on,
                area: a,
                parties: picks,
                activity: carries,
                follow_ups: owed,
            } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                let exchange_id = ExchangeId(next());
                exchanges.push((agreement_id, exchange_id));
                let activity_id = carries.and_then(|i| activity(&activities, agreement_id, i));
                let follow_ups = owed
                    .iter()
                    .map(|(p, due)| {
                        let id = FollowUpId(next());
                        agreed.push((agreement_id, id));
                        follow_up(id, *p, *due)
                    })
                    .collect();
                Event::ExchangeRecorded(ExchangeRecorded {
                    agreement_id,
                    exchange_id,
                    occurred_on: day(*on),
                    area: area(*a),
                    kind: ExchangeKind::Meeting,
                    parties: parties(picks),
                    summary: "Trao đổi kinh nghiệm".into(),
                    outcome: None,
                    place: None,
                    participants: Vec::new(),
                    minutes: None,
                    follow_ups,
                    activity_id,
                })
            }
            Step::Correct {
                exchange,
                on,
                area: a,
                parties: picks,
                activity: carries,
                follow_ups: owed,
            } => {
                let Some((agreement_id, exchange_id)) = pick(&exchanges, *exchange) else {
                    continue;
                };
                let activity_id = carries.and_then(|i| activity(&activities, agreement_id, i));
                let follow_ups = owed.as_ref().map(|owed| {
                    owed.iter()
                        .map(|(p, due)| {
                            let id = FollowUpId(next());
                            agreed.push((agreement_id, id));
                            follow_up(id, *p, *due)
                        })
                        .collect()
                });
                Event::ExchangeCorrected(ExchangeCorrected {
                    agreement_id,
                    exchange_id,
                    reason: "Sửa ngày".into(),
                    occurred_on: on.map(day),
                    area: a.map(area),
                    kind: None,
                    parties: picks.as_deref().map(parties),
                    summary: None,
                    outcome: None,
                    place: None,
                    participants: None,
                    minutes: None,
                    follow_ups,
                    activity_id,
                })
            }
            Step::Plan {
                agreement,
                lead,
                due,
            } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                let activity_id = ActivityId(next());
                activities.push((agreement_id, activity_id));
                Event::ActivityPlanned(ActivityPlanned {
                    agreement_id,
                    activity_id,
                    area: area(0),
                    title: format!("Hoạt động số {}", activities.len()),
                    lead_party: party(*lead),
                    due_on: day(*due),
                    description: None,
                })
            }
            Step::Cancel { activity: i } => {
                let Some((agreement_id, activity_id)) = pick(&activities, *i) else {
                    continue;
                };
                Event::ActivityCancelled(ActivityCancelled {
                    agreement_id,
                    activity_id,
                    reason: "Hoãn".into(),
                })
            }
            Step::Complete { follow_up, on } => {
                let Some((agreement_id, follow_up_id)) = pick(&agreed, *follow_up) else {
                    continue;
                };
                Event::FollowUpCompleted(FollowUpCompleted {
                    agreement_id,
                    follow_up_id,
                    completed_on: day(*on),
                })
            }
            Step::Retract { exchange } => {
                let Some((agreement_id, exchange_id)) = pick(&exchanges, *exchange) else {
                    continue;
                };
                Event::ExchangeRetracted(ExchangeRetracted {
                    agreement_id,
                    exchange_id,
                    reason: "Ghi trùng".into(),
                })
            }
            Step::Open { agreement, on } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                let review_id = ReviewId(next());
                reviews.push((agreement_id, review_id));
                Event::ReviewPeriodOpened(ReviewPeriodOpened {
                    agreement_id,
                    review_id,
                    title: "Sơ kết".into(),
                    kind: ReviewKind::Interim,
                    period: range(*on, 365),
                    opened_on: day(*on),
                })
            }
            Step::Close {
                review,
                on,
                outcome,
            } => {
                let Some((agreement_id, review_id)) = pick(&reviews, *review) else {
                    continue;
                };
                let outcomes = [Rating::Met, Rating::PartiallyMet, Rating::NotMet];
                Event::ReviewPeriodClosed(ReviewPeriodClosed {
                    agreement_id,
                    review_id,
                    closed_on: day(*on),
                    outcome: outcomes[usize::from(*outcome) % 3],
                    summary: "Tổng kết".into(),
                })
            }
            Step::Terminate { agreement, on } => {
                let Some(agreement_id) = pick(&agreements, *agreement) else {
                    continue;
                };
                Event::AgreementTerminated(AgreementTerminated {
                    agreement_id,
                    effective_on: day(*on),
                    reason: "Chấm dứt".into(),
                })
            }
            Step::Void { event } => {
                let voided: Vec<u64> = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::EventVoided(v) => Some(v.voided_position),
                        _ => None,
                    })
                    .collect();
                // Positions start at 1; the registrations come first.
                let candidates: Vec<usize> = (PARTIES.len()..events.len())
                    .filter(|i| !matches!(events[*i], Event::EventVoided(_)))
                    .filter(|i| !voided.contains(&(*i as u64 + 1)))
                    .collect();
                let Some(target) = pick(&candidates, *event) else {
                    continue;
                };
                Event::EventVoided(EventVoided {
                    event_id: EventId(next()),
                    voided_position: target as u64 + 1,
                    voided_type: events[target].type_name().into(),
                    agreement_id: None,
                    reason: "Ghi nhầm".into(),
                })
            }
        };
        events.push(event);
    }
    events
}

/// The positions voided by the voids among the first `cut` events.
fn voided(events: &[Event], cut: usize) -> Vec<u64> {
    events[..cut]
        .iter()
        .filter_map(|e| match e {
            Event::EventVoided(v) => Some(v.voided_position),
            _ => None,
        })
        .collect()
}

/// Applies the events after position `from` through `cut` to `models`,
/// skipping those voided by the first `cut` events, as a fold of the log
/// does (ADR 0031).
fn apply_range(models: &mut ReadModels, events: &[Event], from: usize, cut: usize) {
    let voided = voided(events, cut);
    for (i, event) in events[from..cut].iter().enumerate() {
        let position = (from + i) as u64 + 1;
        if voided.contains(&position) {
            models.skip(position);
        } else {
            models.apply(position, position, event);
        }
    }
}

/// The read models after the first `cut` events.
fn applied(events: &[Event], cut: usize) -> ReadModels {
    let mut models = ReadModels::new();
    apply_range(&mut models, events, 0, cut);
    models
}

/// The latest position at or before `snapshot` that a fold to `cut` can
/// start from: before every event voided by the first `cut` events that
/// is not voided at the snapshot already (as the engine picks its base).
fn base(events: &[Event], snapshot: usize, cut: usize) -> usize {
    let mut base = snapshot;
    loop {
        let known = voided(events, base);
        let lower = voided(events, cut)
            .into_iter()
            .filter(|p| !known.contains(p))
            .map(|p| p as usize - 1)
            .fold(base, usize::min);
        if lower == base {
            return base;
        }
        base = lower;
    }
}

fn report_query(models: &ReadModels, events: &[Event], (from, to, at, p): Query) -> ReportQuery {
    // Half the window ends and dates fall on the day of an exchange or
    // next to it, so the bounds of a window are tested, not only its
    // middle; the others anywhere.
    let occurred: Vec<BusinessDate> = events
        .iter()
        .filter_map(|e| match e {
            Event::ExchangeRecorded(x) => Some(x.occurred_on),
            Event::ExchangeCorrected(c) => c.occurred_on,
            _ => None,
        })
        .collect();
    let end = |pick: u16| match pick % 2 {
        0 if !occurred.is_empty() => {
            let near = occurred[usize::from(pick / 2) % occurred.len()];
            let offset = i64::from(pick / 2 % 3) - 1;
            BusinessDate(near.0 + time::Duration::days(offset))
        }
        _ => day(pick),
    };
    let at = end(at);
    // Half the party filters name a party of the first agreement, so they
    // select something more often than a random pick would.
    let party = p.map(
        |i| match models.agreement_ids(at, &Default::default()).first() {
            Some(id) if i % 2 == 0 => models
                .agreement(*id, at)
                .and_then(|v| v.parties.first().cloned())
                .unwrap_or_else(|| party(i)),
            _ => party(i),
        },
    );
    ReportQuery {
        from: from.map(end),
        to: to.map(end),
        party,
        at,
        as_of: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ACCORD_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_report_from_the_aggregates_equals_the_fold(
        steps in vec(step(), 0..80),
        cuts in vec(any::<u16>(), 1..4),
        snapshot_at in any::<u16>(),
        queries in vec(query(), 1..6),
    ) {
        let events = events(&steps);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| usize::from(*c) % (events.len() + 1)).collect();
        cuts.push(events.len());
        for cut in cuts {
            let models = applied(&events, cut);
            // As `as_of` rebuilds a cut: the nearest snapshot before it
            // (and before any event voided since), then the events after it.
            let snapshot = base(&events, usize::from(snapshot_at) % (cut + 1), cut);
            let mut rebuilt =
                decode_snapshot_read_models(&encode_snapshot(&applied(&events, snapshot)))
                    .expect("a snapshot decodes");
            apply_range(&mut rebuilt, &events, snapshot, cut);
            for record in models.agreements.values().chain(rebuilt.agreements.values()) {
                prop_assert!(record.counted.days_match_rows(), "days of {:?}", record.signed.agreement_id);
            }
            prop_assert_eq!(&rebuilt, &models, "the cut {} rebuilt from the snapshot at {}", cut, snapshot);
            for q in &queries {
                let query = report_query(&models, &events, *q);
                let fast = models.report(&query);
                prop_assert_eq!(&fast, &folded_report(&models, &query), "cut {}, {:?}", cut, query);
                let bare = models.report_without_lineage(&query);
                prop_assert_eq!(&bare, &without_lineage(&fast), "cut {}, {:?}", cut, query);
                prop_assert_eq!(&rebuilt.report(&query), &fast, "rebuilt, cut {}, {:?}", cut, query);
                // The console's chart of exchanges by year, from the aggregates.
                let years = models.report_years(&fast);
                prop_assert_eq!(&years, &folded_years(&models, &fast), "years, cut {}, {:?}", cut, query);
                prop_assert_eq!(years.values().sum::<u64>(), fast.totals.exchanges);
                // The console's page: both read in one pass.
                prop_assert_eq!(models.report_with_years(&query), (bare, years));
                // The due list, its work plan from the aggregate too.
                for within in [0, 90] {
                    let due = models.due(query.at, query.party.as_ref(), within);
                    prop_assert_eq!(&due, &models.folded_due(query.at, query.party.as_ref(), within), "due, cut {}, {:?}", cut, query);
                    prop_assert_eq!(&rebuilt.due(query.at, query.party.as_ref(), within), &due, "rebuilt due, cut {}, {:?}", cut, query);
                }
            }
        }
    }
}

/// The report with every row's position lists emptied.
fn without_lineage(report: &crate::Report) -> crate::Report {
    let mut report = report.clone();
    for row in &mut report.agreements {
        row.exchange_sources.clear();
        row.review_sources.clear();
    }
    report
}
