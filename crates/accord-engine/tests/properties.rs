//! Property tests of the write path and the two times (issue #3).
//!
//! Random, mostly valid command sequences are driven through a real
//! [`Engine`] on a real sled store, then three properties are checked:
//!
//! 1. the live read models equal a rebuild of the whole log;
//! 2. the models as of position p (`read_as_of`, `rebuild_read_models`)
//!    equal an independent replay of the first p stored events;
//! 3. the views at a business date D equal the same views of models fed
//!    only the facts effective by D (ADR 0004, `accord-projections` docs);
//! 4. at every position checked for 2, the write model derived from the read
//!    models equals the one folded from the events (ADR 0019: snapshots
//!    store the read models only).
//!
//! Sequences are generated as a [`Plan`] of abstract [`Step`]s whose
//! references are indices into the entities accepted so far ([`Shadow`]), so
//! most commands hit existing ids and pass the rules; the rest are refused,
//! and a refusal must append nothing.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use accord_domain::*;
use accord_engine::{
    rebuild_read_models, Engine, EngineConfig, EngineError, Models, Outcome, Submission,
};
use accord_projections::{
    decode, AgreementFilter, AgreementView, ExchangeQuery, ReadModels, ReportQuery,
};
use accord_store::{Actor, EventLog, Role, SledStore, StoredEvent};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use uuid::Uuid;

type Checked = Result<(), TestCaseError>;

// ---------------------------------------------------------------- the plan

/// Days after [`base`] the generated dates fall on (about eleven years).
const DAYS: u16 = 4_000;

const PARTIES: [(&str, &str); 5] = [
    (
        "dong-nai-iza",
        "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
    ),
    (
        "lam-dong-iza",
        "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
    ),
    ("binh-phuoc-eza", "Ban quản lý Khu kinh tế tỉnh Bình Phước"),
    (
        "binh-duong-iza",
        "Ban quản lý các Khu công nghiệp tỉnh Bình Dương",
    ),
    (
        "ba-ria-vung-tau-iza",
        "Ban quản lý các KCN Bà Rịa – Vũng Tàu",
    ),
];

const AREAS: [&str; 5] = [
    "experience_exchange",
    "state_management_info",
    "investment_promotion",
    "labour_recruitment",
    "scheme_30",
];

/// A day somewhere relative to a range: a fraction (per mille) of the way
/// through it, which is mostly valid, or any generated day.
#[derive(Debug, Clone, Copy)]
enum When {
    Within(u16),
    Anywhere(u16),
}

/// One abstract command. Every `u8` picks an existing entity (modulo how
/// many there are), so references mostly resolve whatever came before.
#[derive(Debug, Clone)]
enum Step {
    Register {
        party: u8,
    },
    Sign {
        parties: Vec<u8>,
        start: u16,
        signed: i16,
        len: u16,
        areas: Vec<u8>,
        supersedes: Option<u8>,
    },
    Amend {
        agreement: u8,
        on: u16,
        term: Option<(u16, u16)>,
        areas: Option<Vec<u8>>,
        title: bool,
    },
    Admit {
        agreement: u8,
        party: u8,
        on: u16,
    },
    Record {
        agreement: u8,
        on: When,
        area: u8,
        parties: Vec<u8>,
        /// Follow-ups and the activity carried out (ADR 0032).
        extra: u8,
    },
    Correct {
        exchange: u8,
        on: Option<When>,
        area: Option<u8>,
        summary: bool,
    },
    Retract {
        exchange: u8,
    },
    Open {
        agreement: u8,
        on: u16,
        start: u16,
        len: u16,
    },
    Assess {
        review: u8,
        party: u8,
        on: u16,
        rating: u8,
    },
    Close {
        review: u8,
        on: When,
        outcome: u8,
    },
    Terminate {
        agreement: u8,
        on: When,
    },
    Update {
        party: u8,
        on: u16,
    },
    Succeed {
        party: u8,
        successor: u8,
        on: u16,
    },
    Withdraw {
        agreement: u8,
        party: u8,
        on: When,
    },
    Plan {
        agreement: u8,
        due: When,
        area: u8,
        lead: u8,
    },
    Cancel {
        activity: u8,
    },
    Complete {
        follow_up: u8,
        on: u8,
    },
}

/// A generated case: parties registered up front, the steps, the positions
/// of property 2 and extra dates of property 3 (both resolved against the
/// log the steps produced).
#[derive(Debug, Clone)]
struct Plan {
    parties: usize,
    steps: Vec<Step>,
    cuts: Vec<u16>,
    dates: Vec<u16>,
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![4 => (0u16..=1000).prop_map(When::Within), 1 => (0..DAYS).prop_map(When::Anywhere)]
}

fn picks(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), len)
}

fn sign() -> impl Strategy<Value = Step> {
    (
        picks(2..4),
        0..DAYS,
        -300i16..300,
        0u16..1500,
        picks(1..4),
        option::weighted(0.3, any::<u8>()),
    )
        .prop_map(
            |(parties, start, signed, len, areas, supersedes)| Step::Sign {
                parties,
                start,
                signed,
                len,
                areas,
                supersedes,
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    let amend = (
        any::<u8>(),
        0..DAYS,
        option::of((0..DAYS, 0u16..1500)),
        option::of(picks(1..4)),
        any::<bool>(),
    )
        .prop_map(|(agreement, on, term, areas, title)| Step::Amend {
            agreement,
            on,
            term,
            areas,
            title,
        });
    let record = (any::<u8>(), when(), any::<u8>(), picks(1..3), any::<u8>()).prop_map(
        |(agreement, on, area, parties, extra)| Step::Record {
            agreement,
            on,
            area,
            parties,
            extra,
        },
    );
    let correct = (
        any::<u8>(),
        option::of(when()),
        option::weighted(0.3, any::<u8>()),
        any::<bool>(),
    )
        .prop_map(|(exchange, on, area, summary)| Step::Correct {
            exchange,
            on,
            area,
            summary,
        });
    prop_oneof![
        1 => any::<u8>().prop_map(|party| Step::Register { party }),
        3 => sign(),
        2 => amend,
        2 => (any::<u8>(), any::<u8>(), 0..DAYS).prop_map(|(agreement, party, on)| Step::Admit { agreement, party, on }),
        8 => record,
        3 => correct,
        2 => any::<u8>().prop_map(|exchange| Step::Retract { exchange }),
        2 => (any::<u8>(), 0..DAYS, 0..DAYS, 0u16..1500).prop_map(|(agreement, on, start, len)| Step::Open { agreement, on, start, len }),
        2 => (any::<u8>(), any::<u8>(), 0..DAYS, 0u8..3).prop_map(|(review, party, on, rating)| Step::Assess { review, party, on, rating }),
        2 => (any::<u8>(), when(), 0u8..3).prop_map(|(review, on, outcome)| Step::Close { review, on, outcome }),
        1 => (any::<u8>(), when()).prop_map(|(agreement, on)| Step::Terminate { agreement, on }),
        1 => (any::<u8>(), 0..DAYS).prop_map(|(party, on)| Step::Update { party, on }),
        // Late dates: a succession is refused while a later fact names the predecessor.
        1 => (any::<u8>(), any::<u8>(), DAYS / 2..DAYS + DAYS / 4).prop_map(|(party, successor, on)| Step::Succeed { party, successor, on }),
        1 => (any::<u8>(), any::<u8>(), when()).prop_map(|(agreement, party, on)| Step::Withdraw { agreement, party, on }),
        2 => (any::<u8>(), when(), any::<u8>(), any::<u8>()).prop_map(|(agreement, due, area, lead)| Step::Plan { agreement, due, area, lead }),
        1 => any::<u8>().prop_map(|activity| Step::Cancel { activity }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(follow_up, on)| Step::Complete { follow_up, on }),
    ]
}

/// Up to `max_steps` steps, the first one or two of them signatures so that
/// most later steps find an agreement to act on.
fn plan(max_steps: usize) -> impl Strategy<Value = Plan> {
    let steps =
        (vec(sign(), 1..3), vec(step(), 1..max_steps - 2)).prop_map(|(mut signs, steps)| {
            signs.extend(steps);
            signs
        });
    (
        2..=PARTIES.len(),
        steps,
        vec(any::<u16>(), 0..4),
        vec(0..DAYS, 0..6),
    )
        .prop_map(|(parties, steps, cuts, dates)| Plan {
            parties,
            steps,
            cuts,
            dates,
        })
}

// ------------------------------------------- from the plan to commands

fn base() -> BusinessDate {
    BusinessDate::from_ymd(2005, 1, 1).expect("a real day")
}

fn day(offset: i64) -> BusinessDate {
    BusinessDate(base().0 + time::Duration::days(offset))
}

fn offset(date: BusinessDate) -> i64 {
    (date.0 - base().0).whole_days()
}

/// The day `when` names relative to `range` (stretched by `slack` days).
fn resolve(when: When, range: DateRange, slack: i64) -> BusinessDate {
    match when {
        When::Within(per_mille) => {
            let span = offset(range.end) - offset(range.start) + slack;
            day(offset(range.start) + span * i64::from(per_mille) / 1000)
        }
        When::Anywhere(d) => day(i64::from(d)),
    }
}

fn range(start: u16, len: u16) -> DateRange {
    DateRange {
        start: day(i64::from(start)),
        end: day(i64::from(start) + i64::from(len)),
    }
}

fn pick<T>(items: &[T], i: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(i) % items.len()])
}

fn party_id(i: usize) -> PartyId {
    PartyId::parse(PARTIES[i % PARTIES.len()].0).expect("a slug")
}

fn area_id(i: u8) -> AreaId {
    AreaId::parse(AREAS[usize::from(i) % AREAS.len()]).expect("a slug")
}

fn rating(i: u8) -> Rating {
    [Rating::Met, Rating::PartiallyMet, Rating::NotMet][usize::from(i) % 3]
}

/// What the generator knows of an accepted agreement, as last changed in log
/// order (the write model's view, which is what the rules check).
#[derive(Debug, Clone)]
struct AgreementShadow {
    id: AgreementId,
    term: DateRange,
    areas: Vec<AreaId>,
    parties: Vec<(PartyId, BusinessDate)>,
}

/// The entities accepted so far, fed by the events the engine appended.
#[derive(Debug, Default)]
struct Shadow {
    next_id: u128,
    parties: Vec<PartyId>,
    agreements: Vec<AgreementShadow>,
    exchanges: Vec<(AgreementId, ExchangeId)>,
    reviews: Vec<(AgreementId, ReviewId, DateRange)>,
    activities: Vec<(AgreementId, ActivityId)>,
    /// Follow-ups with the day of their exchange.
    follow_ups: Vec<(AgreementId, FollowUpId, BusinessDate)>,
}

/// An id no command ever creates: commands naming it are refused.
const UNKNOWN: Uuid = Uuid::from_u128(0xdead);

impl Shadow {
    /// Ids are deterministic so a failing plan replays identically.
    fn new_id(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | self.next_id)
    }

    fn agreement(&self, i: u8) -> Option<&AgreementShadow> {
        pick(&self.agreements, i)
    }

    fn agreement_of(&self, id: AgreementId) -> Option<&AgreementShadow> {
        self.agreements.iter().find(|a| a.id == id)
    }

    fn registered(&self, i: u8) -> PartyId {
        pick(&self.parties, i)
            .cloned()
            .unwrap_or_else(|| party_id(usize::from(i)))
    }

    /// Turns a step into a concrete command against what exists now.
    fn command(&mut self, step: &Step) -> Command {
        match step {
            Step::Register { party } => register(usize::from(*party)),
            Step::Sign {
                parties,
                start,
                signed,
                len,
                areas,
                supersedes,
            } => {
                let mut named: Vec<PartyId> = Vec::new();
                for p in parties.iter().map(|i| self.registered(*i)) {
                    if !named.contains(&p) {
                        named.push(p);
                    }
                }
                // A repeated pick would mostly give `too_few_parties`: take
                // the next registered party instead, unless there is none.
                if let Some(next) = self
                    .parties
                    .iter()
                    .find(|p| !named.contains(p))
                    .filter(|_| named.len() < 2)
                {
                    named.push(next.clone());
                }
                let term = range(*start, *len);
                let supersedes = supersedes.and_then(|i| self.agreement(i)).map(|a| a.id);
                let id = AgreementId(self.new_id());
                Command::SignAgreement(SignAgreement {
                    document: None,
                    agreement_id: Some(id),
                    title: format!("Chương trình hợp tác {}", self.next_id),
                    parties: named,
                    signed_on: day(i64::from(*start) + i64::from(*signed)),
                    place: Some("Đà Lạt, Lâm Đồng".into()),
                    term,
                    areas: distinct_areas(areas),
                    responsibilities: Default::default(),
                    supersedes,
                })
            }
            Step::Amend {
                agreement,
                on,
                term,
                areas,
                title,
            } => {
                let id = self
                    .agreement(*agreement)
                    .map_or(AgreementId(UNKNOWN), |a| a.id);
                Command::AmendAgreement(AmendAgreement {
                    document: None,
                    agreement_id: id,
                    effective_on: day(i64::from(*on)),
                    reason: "Điều chỉnh theo biên bản".into(),
                    title: title.then(|| "Chương trình hợp tác (điều chỉnh)".into()),
                    term: term.map(|(start, len)| range(start, len)),
                    areas: areas.as_deref().map(distinct_areas),
                    responsibilities: None,
                })
            }
            Step::Admit {
                agreement,
                party,
                on,
            } => Command::AdmitParty(AdmitParty {
                agreement_id: self
                    .agreement(*agreement)
                    .map_or(AgreementId(UNKNOWN), |a| a.id),
                party_id: self.registered(*party),
                effective_on: day(i64::from(*on)),
            }),
            Step::Record {
                agreement,
                on,
                area,
                parties,
                extra,
            } => self.record(*agreement, *on, *area, parties, *extra),
            Step::Plan {
                agreement,
                due,
                area,
                lead,
            } => {
                let (id, term, areas, parties) = self.agreement(*agreement).map_or_else(
                    || (AgreementId(UNKNOWN), range(0, 0), Vec::new(), Vec::new()),
                    |a| (a.id, a.term, a.areas.clone(), a.parties.clone()),
                );
                let lead_party = pick(&parties, *lead)
                    .map(|(p, _)| p.clone())
                    .unwrap_or_else(|| self.registered(*lead));
                Command::PlanActivity(PlanActivity {
                    agreement_id: id,
                    activity_id: Some(ActivityId(self.new_id())),
                    area: pick(&areas, *area)
                        .cloned()
                        .unwrap_or_else(|| area_id(*area)),
                    title: "Hội thảo xúc tiến đầu tư".into(),
                    lead_party,
                    due_on: resolve(*due, term, 0),
                    description: None,
                })
            }
            Step::Cancel { activity } => {
                let (agreement_id, activity_id) = pick(&self.activities, *activity)
                    .copied()
                    .unwrap_or((AgreementId(UNKNOWN), ActivityId(UNKNOWN)));
                Command::CancelActivity(CancelActivity {
                    agreement_id,
                    activity_id,
                    reason: "Ghép vào hội nghị vùng".into(),
                })
            }
            Step::Complete { follow_up, on } => {
                let (agreement_id, follow_up_id, from) = pick(&self.follow_ups, *follow_up)
                    .copied()
                    .unwrap_or((AgreementId(UNKNOWN), FollowUpId(UNKNOWN), day(0)));
                // Mostly on or after its exchange; one in eight before it.
                let after = i64::from(*on) - 32;
                Command::CompleteFollowUp(CompleteFollowUp {
                    agreement_id,
                    follow_up_id,
                    completed_on: day(offset(from) + after),
                })
            }
            Step::Correct {
                exchange,
                on,
                area,
                summary,
            } => self.correct(*exchange, *on, *area, *summary),
            Step::Retract { exchange } => {
                let (agreement_id, exchange_id) = self.exchange(*exchange);
                Command::RetractExchange(RetractExchange {
                    agreement_id,
                    exchange_id,
                    reason: "Ghi nhầm".into(),
                })
            }
            Step::Open {
                agreement,
                on,
                start,
                len,
            } => {
                let id = self
                    .agreement(*agreement)
                    .map_or(AgreementId(UNKNOWN), |a| a.id);
                Command::OpenReviewPeriod(OpenReviewPeriod {
                    agreement_id: id,
                    review_id: Some(ReviewId(self.new_id())),
                    title: "Sơ kết chương trình hợp tác".into(),
                    kind: [ReviewKind::Interim, ReviewKind::Final][usize::from(*start) % 2],
                    period: range(*start, *len),
                    opened_on: day(i64::from(*on)),
                })
            }
            Step::Assess {
                review,
                party,
                on,
                rating: r,
            } => {
                let (agreement_id, review_id, _) = self.review(*review);
                let party_id = self
                    .agreement_of(agreement_id)
                    .and_then(|a| pick(&a.parties, *party))
                    .map_or_else(|| self.registered(*party), |(p, _)| p.clone());
                Command::RecordAssessment(RecordAssessment {
                    agreement_id,
                    review_id,
                    party_id,
                    assessed_on: day(i64::from(*on)),
                    rating: rating(*r),
                    notes: Some("Đạt mục tiêu, yêu cầu và nội dung".into()),
                })
            }
            Step::Close {
                review,
                on,
                outcome,
            } => {
                let (agreement_id, review_id, period) = self.review(*review);
                Command::CloseReviewPeriod(CloseReviewPeriod {
                    agreement_id,
                    review_id,
                    closed_on: resolve(*on, period, 200),
                    outcome: rating(*outcome),
                    summary: "Tổng kết 5 năm".into(),
                })
            }
            Step::Terminate { agreement, on } => {
                let (id, term) = self
                    .agreement(*agreement)
                    .map_or((AgreementId(UNKNOWN), range(0, 0)), |a| (a.id, a.term));
                Command::TerminateAgreement(TerminateAgreement {
                    agreement_id: id,
                    effective_on: resolve(*on, term, 0),
                    reason: "Hai bên thống nhất chấm dứt".into(),
                })
            }
            Step::Update { party, on } => {
                let n = self.new_id().as_u128() & 0xffff;
                Command::UpdateParty(UpdateParty {
                    party_id: self.registered(*party),
                    effective_on: day(i64::from(*on)),
                    reason: "Đổi tên theo quyết định".into(),
                    name: Some(format!("Ban quản lý các Khu công nghiệp (tên mới {n})")),
                    short_name: None,
                    kind: None,
                    province: None,
                })
            }
            Step::Succeed {
                party,
                successor,
                on,
            } => Command::SucceedParty(SucceedParty {
                party_id: self.registered(*party),
                successor_id: self.registered(*successor),
                effective_on: day(i64::from(*on)),
                reason: "Sắp xếp đơn vị hành chính".into(),
            }),
            Step::Withdraw {
                agreement,
                party,
                on,
            } => {
                let (id, term, party_id) = self.agreement(*agreement).map_or_else(
                    || (AgreementId(UNKNOWN), range(0, 0), self.registered(*party)),
                    |a| {
                        let p = pick(&a.parties, *party).map(|(p, _)| p.clone());
                        (a.id, a.term, p.unwrap_or_else(|| self.registered(*party)))
                    },
                );
                Command::WithdrawParty(WithdrawParty {
                    agreement_id: id,
                    party_id,
                    effective_on: resolve(*on, term, 0),
                    reason: "Rút khỏi chương trình".into(),
                })
            }
        }
    }

    fn record(&mut self, agreement: u8, on: When, area: u8, parties: &[u8], extra: u8) -> Command {
        let exchange_id = Some(ExchangeId(self.new_id()));
        let Some(a) = self.agreement(agreement) else {
            return record_exchange(
                AgreementId(UNKNOWN),
                exchange_id,
                day(0),
                area_id(area),
                vec![party_id(0)],
            );
        };
        let occurred_on = resolve(on, a.term, 0);
        let members: Vec<(PartyId, BusinessDate)> = a
            .parties
            .iter()
            .filter(|(_, since)| *since <= occurred_on)
            .cloned()
            .collect();
        let members = if members.is_empty() {
            a.parties.clone()
        } else {
            members
        };
        let mut involved: Vec<PartyId> = Vec::new();
        for (p, _) in parties.iter().filter_map(|i| pick(&members, *i)) {
            if !involved.contains(p) {
                involved.push(p.clone());
            }
        }
        // About one pick in ten (0 to 25 of 256) names an area the
        // agreement may not declare.
        let area = match pick(&a.areas, area).filter(|_| area > 25) {
            Some(declared) => declared.clone(),
            None => area_id(area),
        };
        let id = a.id;
        let mut command = record_exchange(id, exchange_id, occurred_on, area, involved);
        if let Command::RecordExchange(c) = &mut command {
            // One exchange in three agrees a follow-up (a few due before it),
            // one in four carries out an activity of its agreement.
            if let Some(party) = c.parties.first().filter(|_| extra.is_multiple_of(3)) {
                c.follow_ups.push(FollowUpInput {
                    follow_up_id: None,
                    action: "Gửi báo cáo kết quả".into(),
                    party_id: party.clone(),
                    due_on: day(offset(occurred_on) + i64::from(extra) - 20),
                });
            }
            let own: Vec<ActivityId> = self
                .activities
                .iter()
                .filter(|(agreement, _)| *agreement == id)
                .map(|(_, activity)| *activity)
                .collect();
            if extra.is_multiple_of(4) {
                c.activity_id = pick(&own, extra / 4).copied();
            }
        }
        command
    }

    fn correct(
        &mut self,
        exchange: u8,
        on: Option<When>,
        area: Option<u8>,
        summary: bool,
    ) -> Command {
        let (agreement_id, exchange_id) = self.exchange(exchange);
        let a = self.agreement_of(agreement_id);
        Command::CorrectExchange(CorrectExchange {
            agreement_id,
            exchange_id,
            reason: "Đính chính ngày và lĩnh vực".into(),
            occurred_on: on.map(|w| resolve(w, a.map_or(range(0, 0), |a| a.term), 0)),
            area: area.map(|i| {
                a.and_then(|a| pick(&a.areas, i))
                    .cloned()
                    .unwrap_or_else(|| area_id(i))
            }),
            kind: None,
            parties: None,
            summary: summary
                .then(|| "Trao đổi kinh nghiệm thực hiện Nghị định 29/2008/NĐ-CP".into()),
            outcome: None,
            place: None,
            participants: None,
            minutes: None,
            follow_ups: None,
            activity_id: None,
        })
    }

    fn exchange(&self, i: u8) -> (AgreementId, ExchangeId) {
        pick(&self.exchanges, i)
            .copied()
            .unwrap_or((AgreementId(UNKNOWN), ExchangeId(UNKNOWN)))
    }

    fn review(&self, i: u8) -> (AgreementId, ReviewId, DateRange) {
        pick(&self.reviews, i).copied().unwrap_or((
            AgreementId(UNKNOWN),
            ReviewId(UNKNOWN),
            range(0, 0),
        ))
    }

    /// Learns what an appended event created or changed.
    fn observe(&mut self, event: &Event) {
        match event {
            Event::PartyRegistered(e) => self.parties.push(e.party_id.clone()),
            Event::AgreementSigned(e) => {
                let since = e.signed_on.min(e.term.start);
                self.agreements.push(AgreementShadow {
                    id: e.agreement_id,
                    term: e.term,
                    areas: e.areas.clone(),
                    parties: e.parties.iter().map(|p| (p.clone(), since)).collect(),
                });
            }
            Event::AgreementAmended(e) => {
                let a = self
                    .agreements
                    .iter_mut()
                    .find(|a| a.id == e.agreement_id)
                    .expect("known");
                a.term = e.term.unwrap_or(a.term);
                a.areas = e.areas.clone().unwrap_or_else(|| a.areas.clone());
            }
            Event::PartyAdmitted(e) => {
                let a = self
                    .agreements
                    .iter_mut()
                    .find(|a| a.id == e.agreement_id)
                    .expect("known");
                a.parties.push((e.party_id.clone(), e.effective_on));
            }
            Event::ExchangeRecorded(e) => {
                self.exchanges.push((e.agreement_id, e.exchange_id));
                for f in &e.follow_ups {
                    self.follow_ups
                        .push((e.agreement_id, f.follow_up_id, e.occurred_on));
                }
            }
            Event::ActivityPlanned(e) => self.activities.push((e.agreement_id, e.activity_id)),
            Event::ReviewPeriodOpened(e) => {
                self.reviews.push((e.agreement_id, e.review_id, e.period))
            }
            _ => {}
        }
    }
}

fn distinct_areas(picked: &[u8]) -> Vec<AreaId> {
    let mut areas: Vec<AreaId> = Vec::new();
    for a in picked.iter().map(|i| area_id(*i)) {
        if !areas.contains(&a) {
            areas.push(a);
        }
    }
    areas
}

fn register(i: usize) -> Command {
    let (slug, name) = PARTIES[i % PARTIES.len()];
    Command::RegisterParty(RegisterParty {
        party_id: PartyId::parse(slug).expect("a slug"),
        name: name.into(),
        short_name: None,
        kind: PartyKind::IndustrialZoneAuthority,
        province: None,
    })
}

fn record_exchange(
    agreement_id: AgreementId,
    exchange_id: Option<ExchangeId>,
    occurred_on: BusinessDate,
    area: AreaId,
    parties: Vec<PartyId>,
) -> Command {
    Command::RecordExchange(RecordExchange {
        agreement_id,
        exchange_id,
        occurred_on,
        area,
        kind: ExchangeKind::Meeting,
        parties,
        summary: "Hỗ trợ nhau trong công tác mời gọi đầu tư".into(),
        outcome: None,
        place: None,
        participants: Vec::new(),
        minutes: None,
        follow_ups: Vec::new(),
        activity_id: None,
    })
}

// --------------------------------------------------------- the harness

/// Accepted and refused commands by name, and refusals by rule.
#[derive(Debug, Default)]
struct Tally {
    by_command: BTreeMap<&'static str, (u64, u64)>,
    by_rule: BTreeMap<&'static str, u64>,
}

/// A real engine on a real sled store in a fresh directory.
struct Harness {
    runtime: tokio::runtime::Runtime,
    store: Arc<dyn EventLog>,
    engine: Engine,
    /// The accepted commands, to print a failing case in full.
    accepted: Vec<Command>,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let sled = Arc::new(SledStore::open(dir.path()).expect("store opens"));
        let store: Arc<dyn EventLog> = sled.clone();
        let engine =
            Engine::start(store.clone(), sled, EngineConfig::default()).expect("engine starts");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Harness {
            runtime,
            store,
            engine,
            accepted: Vec::new(),
            _dir: dir,
        }
    }

    /// Submits one command: the events it appended, or the rule it broke
    /// (having checked that a refusal appended nothing).
    fn submit(&mut self, command: Command, tally: &mut Tally) -> Result<Vec<Event>, TestCaseError> {
        let before = self.store.head().position;
        let submission = Submission {
            command: command.clone(),
            command_id: None,
            expected_version: None,
            correlation_id: None,
            actor: Actor {
                token_id: "props".into(),
                role: Role::Admin,
                party_id: None,
            },
            request_hash: [0; 32],
        };
        let counts = tally.by_command.entry(command.name()).or_default();
        match self.runtime.block_on(self.engine.submit(submission)) {
            Ok(Outcome::Created(record)) => {
                counts.0 += 1;
                let positions: Vec<u64> = record.events.iter().map(|e| e.position).collect();
                prop_assert_eq!(
                    &positions,
                    &(before + 1..=self.store.head().position).collect::<Vec<_>>()
                );
                self.accepted.push(command);
                positions
                    .iter()
                    .map(|p| self.event(*p).map(|(_, e)| e))
                    .collect()
            }
            Err(EngineError::Refused(refusal)) => {
                counts.1 += 1;
                *tally.by_rule.entry(refusal.rule.code()).or_default() += 1;
                prop_assert_eq!(
                    self.store.head().position,
                    before,
                    "a refusal appends nothing"
                );
                Ok(Vec::new())
            }
            other => Err(TestCaseError::fail(format!("unexpected answer {other:?}"))),
        }
    }

    fn event(&self, position: u64) -> Result<(StoredEvent, Event), TestCaseError> {
        let stored = self
            .store
            .event(position)
            .map_err(fail)?
            .ok_or_else(|| fail("no such position"))?;
        let e = &stored.envelope;
        let event = decode(&e.event_type, e.schema, &e.data).map_err(fail)?;
        Ok((stored, event))
    }

    /// Every stored event, decoded, checking positions are gapless from 1.
    fn log(&self) -> Result<Vec<(StoredEvent, Event)>, TestCaseError> {
        let head = self.store.head().position;
        let log: Vec<_> = (1..=head)
            .map(|p| self.event(p))
            .collect::<Result<_, _>>()?;
        for (i, (stored, _)) in log.iter().enumerate() {
            prop_assert_eq!(stored.envelope.position, i as u64 + 1);
        }
        Ok(log)
    }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Registers the plan's parties, then turns each step into a command against
/// what was accepted before it and submits it.
fn drive(plan: &Plan, tally: &mut Tally) -> Result<Harness, TestCaseError> {
    let mut harness = Harness::new();
    let mut shadow = Shadow::default();
    for i in 0..plan.parties {
        for event in harness.submit(register(i), tally)? {
            shadow.observe(&event);
        }
    }
    for step in &plan.steps {
        let command = shadow.command(step);
        for event in harness.submit(command, tally)? {
            shadow.observe(&event);
        }
    }
    Ok(harness)
}

// -------------------------------------------------------- the properties

/// Property 1: the models the writer kept up to date, event by event, equal
/// a rebuild of the whole log from position 0.
fn live_models_equal_a_rebuild(h: &Harness) -> Checked {
    let rebuilt = rebuild_read_models(h.store.as_ref(), h.store.head().position).map_err(fail)?;
    prop_assert_eq!(
        &*h.engine.read(),
        &rebuilt,
        "the live models differ from a rebuild"
    );
    Ok(())
}

/// Property 2: for each cut p (0, 1, head - 1, head and the plan's), the
/// models as of p equal `ReadModels::new()` fed the first p stored events,
/// decoded here one by one: a replay that shares nothing with the engine's.
fn as_of_equals_a_replay_of_the_prefix(
    h: &Harness,
    log: &[(StoredEvent, Event)],
    cuts: &[u16],
) -> Checked {
    let head = log.len() as u64;
    let mut positions: BTreeSet<u64> = [0, 1, head.saturating_sub(1), head].into();
    positions.extend(cuts.iter().map(|c| u64::from(*c) % (head + 1)));
    for p in positions.into_iter().filter(|p| *p <= head) {
        let mut replayed = ReadModels::new();
        let mut folded = WriteModel::new();
        for (stored, event) in &log[..p as usize] {
            replayed.apply(stored.envelope.position, stored.envelope.version, event);
            folded.evolve(event);
        }
        prop_assert_eq!(replayed.position(), p);
        let log = h.store.as_ref();
        write_model_derived_from_the_read_models_equals_the_folded_one(log, &replayed, folded)?;
        let as_of = h.engine.read_as_of(p).map_err(fail)?;
        prop_assert_eq!(
            &*as_of,
            &replayed,
            "read_as_of({}) differs from a replay of the prefix",
            p
        );
        let rebuilt = rebuild_read_models(h.store.as_ref(), p).map_err(fail)?;
        prop_assert_eq!(
            &rebuilt,
            &replayed,
            "rebuild_read_models(.., {}) differs from a replay",
            p
        );
    }
    Ok(())
}

/// Property 4 (ADR 0019, ADR 0054): the write model derived from the read
/// models, its agreements' exchanges loaded from their streams in `log`,
/// equals the one folded from the same events, so snapshots need not store
/// it, and a snapshot restores both models.
fn write_model_derived_from_the_read_models_equals_the_folded_one(
    log: &dyn EventLog,
    read: &ReadModels,
    folded: WriteModel,
) -> Checked {
    let mut derived = Models {
        write: read.write_model(),
        read: read.clone(),
    };
    derived.load_exchanges(log).map_err(fail)?;
    prop_assert_eq!(
        &derived.write,
        &folded,
        "at position {} the derived write model differs from the folded one",
        read.position()
    );
    let models = Models {
        write: folded,
        read: read.clone(),
    };
    let mut restored = Models::decode(&models.encode()).map_err(fail)?;
    restored.load_exchanges(log).map_err(fail)?;
    prop_assert_eq!(restored, models, "a snapshot restores both models");
    Ok(())
}

/// The exchange an event records, corrects or retracts.
fn exchange_of(event: &Event) -> Option<ExchangeId> {
    match event {
        Event::ExchangeRecorded(e) => Some(e.exchange_id),
        Event::ExchangeCorrected(e) => Some(e.exchange_id),
        Event::ExchangeRetracted(e) => Some(e.exchange_id),
        _ => None,
    }
}

/// Each event's effective date as ADR 0004's table defines it, and each
/// exchange's `occurred_on` as finally corrected.
fn documented_dates(
    log: &[(StoredEvent, Event)],
) -> (Vec<Option<BusinessDate>>, HashMap<ExchangeId, BusinessDate>) {
    let mut occurred: HashMap<ExchangeId, BusinessDate> = HashMap::new();
    let dates = log
        .iter()
        .map(|(_, event)| match event {
            Event::PartyRegistered(_) => None,
            Event::AgreementSigned(e) => Some(e.signed_on),
            Event::AgreementAmended(e) => Some(e.effective_on),
            Event::PartyAdmitted(e) => Some(e.effective_on),
            Event::AgreementTerminated(e) => Some(e.effective_on),
            Event::ExchangeRecorded(e) => {
                Some(*occurred.entry(e.exchange_id).or_insert(e.occurred_on))
            }
            Event::ExchangeCorrected(e) => {
                let on = occurred
                    .get_mut(&e.exchange_id)
                    .expect("corrects a recorded exchange");
                *on = e.occurred_on.unwrap_or(*on);
                Some(*on)
            }
            Event::ExchangeRetracted(e) => occurred.get(&e.exchange_id).copied(),
            Event::ReviewPeriodOpened(e) => Some(e.opened_on),
            Event::AssessmentRecorded(e) => Some(e.assessed_on),
            Event::ReviewPeriodClosed(e) => Some(e.closed_on),
            Event::PartyUpdated(e) => Some(e.effective_on),
            Event::PartySucceeded(e) => Some(e.effective_on),
            Event::PartyWithdrew(e) => Some(e.effective_on),
            // The voided event's date; these logs hold no voids.
            Event::EventVoided(_) => None,
            Event::DocumentAttached(e) => Some(e.dated_on),
            Event::ActivityPlanned(_) | Event::ActivityCancelled(_) => None,
            Event::FollowUpCompleted(e) => Some(e.completed_on),
        })
        .collect();
    (dates, occurred)
}

/// Models fed only the facts effective by `at`, in log order with their
/// original positions and versions.
///
/// An exchange is one fact whose record its corrections and retractions fix
/// (ADR 0004: they "apply at every `at`", and "a correction that moves an
/// exchange to another date moves it in every view"): it is effective by
/// `at` iff its `occurred_on` as corrected is, and then its recording and
/// every correction and retraction of it are applied, whatever their own
/// dates. Every other event counts from its documented date; a party's
/// registration, which has none, at every date.
fn effective_by(
    at: BusinessDate,
    log: &[(StoredEvent, Event)],
    dates: &[Option<BusinessDate>],
    occurred: &HashMap<ExchangeId, BusinessDate>,
) -> ReadModels {
    let mut models = ReadModels::new();
    for ((stored, event), date) in log.iter().zip(dates) {
        let effective = match exchange_of(event) {
            Some(x) => occurred[&x] <= at,
            None => date.is_none_or(|d| d <= at),
        };
        if effective {
            models.apply(stored.envelope.position, stored.envelope.version, event);
        }
    }
    models
}

/// An agreement view without `version`: the stream's version after its
/// latest recorded event, the resource's ETag, a knowledge-time value that
/// the crate documents as "whatever D". Models fed fewer events of the
/// stream have a lower one by design, so it is left out of the comparison.
fn unversioned(view: Option<AgreementView>) -> Option<AgreementView> {
    view.map(|v| AgreementView { version: 0, ..v })
}

/// Property 3: every view at `at` of the full models equals the same view of
/// the models fed only the facts effective by `at`.
fn views_at_equal_a_replay_of_the_effective_facts(
    full: &ReadModels,
    log: &[(StoredEvent, Event)],
    extra: &[u16],
) -> Checked {
    let (dates, occurred) = documented_dates(log);
    for ((stored, _), date) in log.iter().zip(&dates) {
        let stored_date = stored
            .envelope
            .effective_on
            .as_deref()
            .map(BusinessDate::parse)
            .transpose()
            .map_err(fail)?;
        prop_assert_eq!(
            stored_date,
            *date,
            "effective_on of position {} is not ADR 0004's",
            stored.envelope.position
        );
    }
    let mut days: BTreeSet<BusinessDate> = [day(-1), day(i64::from(DAYS) + 2000)].into();
    for d in dates.iter().flatten().chain(occurred.values()) {
        days.extend([*d, day(offset(*d) - 1)]);
    }
    days.extend(extra.iter().map(|d| day(i64::from(*d))));
    let mut agreements: Vec<AgreementId> = log
        .iter()
        .filter_map(|(_, e)| match e {
            Event::AgreementSigned(s) => Some(s.agreement_id),
            _ => None,
        })
        .collect();
    agreements.push(AgreementId(UNKNOWN));
    for at in days {
        let partial = effective_by(at, log, &dates, &occurred);
        same_agreements_at(full, &partial, at, &agreements)?;
        same_parties_and_reports_at(full, &partial, at)?;
    }
    Ok(())
}

fn same_agreements_at(
    full: &ReadModels,
    partial: &ReadModels,
    at: BusinessDate,
    ids: &[AgreementId],
) -> Checked {
    let list = |m: &ReadModels| {
        m.agreements(at, &AgreementFilter::default())
            .into_iter()
            .map(|v| unversioned(Some(v)))
            .collect::<Vec<_>>()
    };
    prop_assert_eq!(list(full), list(partial), "the agreement list at {}", at);
    let window = ExchangeQuery {
        from: Some(day(offset(at) - 400)),
        to: Some(day(offset(at) - 30)),
        area: Some(area_id(2)),
    };
    for id in ids {
        prop_assert_eq!(
            unversioned(full.agreement(*id, at)),
            unversioned(partial.agreement(*id, at)),
            "agreement {} at {}",
            id,
            at
        );
        for query in [ExchangeQuery::default(), window.clone()] {
            prop_assert_eq!(
                full.exchanges(*id, at, &query),
                partial.exchanges(*id, at, &query),
                "exchanges of {} at {} ({:?})",
                id,
                at,
                query
            );
        }
    }
    Ok(())
}

fn same_parties_and_reports_at(
    full: &ReadModels,
    partial: &ReadModels,
    at: BusinessDate,
) -> Checked {
    prop_assert_eq!(
        full.parties_at(at),
        partial.parties_at(at),
        "parties at {}",
        at
    );
    for i in 0..=PARTIES.len() {
        let id = PartyId::parse(PARTIES.get(i).map_or("unknown-party", |p| p.0)).expect("a slug");
        prop_assert_eq!(
            full.party(&id, at),
            partial.party(&id, at),
            "party {} at {}",
            id,
            at
        );
    }
    let queries = [
        ReportQuery {
            from: None,
            to: None,
            party: None,
            at,
            as_of: None,
        },
        ReportQuery {
            from: Some(day(offset(at) - 365)),
            to: None,
            party: Some(party_id(0)),
            at,
            as_of: None,
        },
        ReportQuery {
            from: Some(day(1000)),
            to: Some(day(2500)),
            party: Some(party_id(2)),
            at,
            as_of: None,
        },
        ReportQuery {
            from: Some(day(500)),
            to: Some(day(i64::from(DAYS) + 100)),
            party: None,
            at,
            as_of: None,
        },
    ];
    for query in queries {
        prop_assert_eq!(
            full.report(&query),
            partial.report(&query),
            "report {:?}",
            query
        );
    }
    Ok(())
}

/// All three properties on the log a harness produced.
fn check(h: &Harness, cuts: &[u16], dates: &[u16]) -> Checked {
    live_models_equal_a_rebuild(h)?;
    let log = h.log()?;
    as_of_equals_a_replay_of_the_prefix(h, &log, cuts)?;
    let full = h.engine.read().clone();
    views_at_equal_a_replay_of_the_effective_facts(&full, &log, dates)
}

// ------------------------------------------------------------- the tests

#[test]
fn random_command_sequences_keep_the_three_properties() {
    // 40 cases of up to 60 commands run in a couple of seconds in debug;
    // ACCORD_PROPTEST_CASES asks for a deeper run. Failures are not
    // persisted: each one found is kept below as a named regression test.
    let cases = std::env::var("ACCORD_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let tally = RefCell::new(Tally::default());
    let started = std::time::Instant::now();
    // Some commands are accepted only after a rare setup (a withdrawal
    // needs an agreement of three parties in its term): when a round of
    // `cases` left a command never accepted, more rounds run, up to ten,
    // before the generator is judged to have lost it.
    let mut rounds = 0;
    let result = loop {
        rounds += 1;
        let mut runner = TestRunner::new(config.clone());
        let result = runner.run(&plan(60), |plan| {
            let harness = drive(&plan, &mut tally.borrow_mut())?;
            check(&harness, &plan.cuts, &plan.dates)
        });
        let covered = Event::TYPES.iter().map(|t| command_of(t)).all(|name| {
            tally
                .borrow()
                .by_command
                .get(name)
                .is_some_and(|(a, _)| *a > 0)
        });
        if result.is_err() || covered || rounds == 10 {
            break result;
        }
    };
    if let Err(TestError::Fail(reason, plan)) = &result {
        let harness = drive(plan, &mut Tally::default()).expect("the failing plan replays");
        let commands = serde_json::to_string_pretty(&harness.accepted).expect("commands serialise");
        panic!("{reason}\nminimal plan: {plan:#?}\naccepted commands: {commands}");
    }
    result.expect("no error other than a failing case");
    let tally = tally.into_inner();
    eprintln!("{} cases in {:?}", cases * rounds, started.elapsed());
    let (mut accepted, mut refused) = (0, 0);
    for (name, (a, r)) in &tally.by_command {
        eprintln!("{name:>20}: {a:>5} accepted {r:>5} refused");
        accepted += a;
        refused += r;
    }
    eprintln!(
        "{:>20}: {accepted:>5} accepted {refused:>5} refused",
        "total"
    );
    eprintln!("refusals by rule: {:?}", tally.by_rule);
    for name in Event::TYPES.iter().map(|t| command_of(t)) {
        let (a, _) = tally.by_command.get(name).copied().unwrap_or_default();
        assert!(
            a > 0,
            "no {name} was ever accepted in {} cases: the generator lost coverage",
            cases * rounds
        );
    }
    assert!(
        accepted > refused,
        "mostly valid sequences: {accepted} accepted, {refused} refused"
    );
}

/// The command whose acceptance appends an event of type `event`.
fn command_of(event: &str) -> &'static str {
    match event {
        "PartyRegistered" => "RegisterParty",
        "AgreementSigned" => "SignAgreement",
        "AgreementAmended" => "AmendAgreement",
        "PartyAdmitted" => "AdmitParty",
        "ExchangeRecorded" => "RecordExchange",
        "ExchangeCorrected" => "CorrectExchange",
        "ExchangeRetracted" => "RetractExchange",
        "ReviewPeriodOpened" => "OpenReviewPeriod",
        "AssessmentRecorded" => "RecordAssessment",
        "ReviewPeriodClosed" => "CloseReviewPeriod",
        "PartyUpdated" => "UpdateParty",
        "PartySucceeded" => "SucceedParty",
        "PartyWithdrew" => "WithdrawParty",
        "ActivityPlanned" => "PlanActivity",
        "ActivityCancelled" => "CancelActivity",
        "FollowUpCompleted" => "CompleteFollowUp",
        _ => "TerminateAgreement",
    }
}

fn command(json: serde_json::Value) -> Command {
    serde_json::from_value(json).expect("a valid command")
}

/// Found by property 3 (shrunk): the rules let a review be closed on a day
/// before it was opened (only `closed_on ≥ period.start` is checked). At a
/// date between the two the review does not exist yet (the agreement view
/// lists no review) but the report counted its closing. Fixed in
/// `accord-projections`: the report counts only reviews opened by D.
#[test]
fn a_review_closed_before_its_opening_day_is_not_counted_before_that_day() {
    let agreement = "01900000-0000-7000-8000-000000000001";
    let review = "01900000-0000-7000-8000-000000000002";
    let mut harness = Harness::new();
    let mut tally = Tally::default();
    let commands = [
        register(0),
        register(1),
        command(serde_json::json!({"type": "SignAgreement", "data": {
            "agreement_id": agreement, "title": "Chương trình hợp tác 1",
            "parties": ["lam-dong-iza", "dong-nai-iza"], "signed_on": "2005-01-01",
            "term": {"start": "2005-01-01", "end": "2005-01-01"}, "areas": ["experience_exchange"]}})),
        command(serde_json::json!({"type": "OpenReviewPeriod", "data": {
            "agreement_id": agreement, "review_id": review, "title": "Sơ kết", "kind": "interim",
            "period": {"start": "2005-01-01", "end": "2005-01-01"}, "opened_on": "2006-11-26"}})),
        command(serde_json::json!({"type": "CloseReviewPeriod", "data": {
            "agreement_id": agreement, "review_id": review, "closed_on": "2005-03-06",
            "outcome": "not_met", "summary": "Tổng kết 5 năm"}})),
    ];
    for c in commands {
        assert!(
            !harness.submit(c, &mut tally).unwrap().is_empty(),
            "every command is accepted"
        );
    }
    let at = BusinessDate::parse("2005-03-06").unwrap();
    let report = harness.engine.read().report(&ReportQuery {
        from: None,
        to: None,
        party: None,
        at,
        as_of: None,
    });
    assert_eq!(
        report.totals.reviews_closed, 0,
        "the review is only opened on 2006-11-26"
    );
    let later = BusinessDate::parse("2006-11-26").unwrap();
    let report = harness.engine.read().report(&ReportQuery {
        from: None,
        to: None,
        party: None,
        at: later,
        as_of: None,
    });
    assert_eq!(
        report.totals.reviews_closed, 1,
        "once opened, its closing counts"
    );
    check(&harness, &[], &[]).unwrap();
}
