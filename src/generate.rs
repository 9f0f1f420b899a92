//! `accord generate --data DIR --events N` (hidden): a synthetic log for the
//! benchmarks of docs/PERFORMANCE.md, appended through the engine's write path
//! (decided, hash-chained, durable) in rounds of concurrent commands.
//!
//! The mix is what a long-lived Accord holds: 60 authorities in 30
//! provinces, an agreement signed every ~300 events, exchanges (about 85 %)
//! with corrections and retractions, reviews opened, assessed and closed.
//! Deterministic: the same N gives the same commands (ids, dates, texts).

use accord_domain::Command;
use accord_engine::{Engine, EngineConfig, Submission};
use accord_store::{Actor, Role, SnapshotStore};
use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::cli::GenerateArgs;
use crate::serve::open_stores;

const PROVINCES: [&str; 30] = [
    "Đồng Nai",
    "Lâm Đồng",
    "Bình Phước",
    "Bình Dương",
    "Tây Ninh",
    "Long An",
    "Bà Rịa–Vũng Tàu",
    "Bình Thuận",
    "Ninh Thuận",
    "Khánh Hòa",
    "Đắk Lắk",
    "Đắk Nông",
    "Gia Lai",
    "Kon Tum",
    "Phú Yên",
    "Bình Định",
    "Quảng Ngãi",
    "Quảng Nam",
    "Đà Nẵng",
    "Thừa Thiên Huế",
    "Quảng Trị",
    "Quảng Bình",
    "Hà Tĩnh",
    "Nghệ An",
    "Thanh Hóa",
    "Ninh Bình",
    "Nam Định",
    "Thái Bình",
    "Hải Phòng",
    "Hải Dương",
];
const AREAS: [&str; 6] = [
    "experience_exchange",
    "state_management_information",
    "investment_promotion",
    "labour_recruitment",
    "decree_29_2008",
    "scheme_30",
];
const KINDS: [&str; 5] = ["meeting", "visit", "information", "support", "training"];
const ROUND: usize = 1_000;
/// Agreements signed per round unless `--agreements` says otherwise.
const SIGNS_PER_ROUND: usize = 3;

/// Appends rounds of commands until the log holds at least `args.events` events.
pub fn run(args: GenerateArgs) -> Result<()> {
    let stores = open_stores(&args.data)?;
    let config = EngineConfig {
        snapshot_every: args.snapshots.snapshot_every,
        snapshot_keep_recent: args.snapshots.snapshot_keep_recent,
        ..EngineConfig::default()
    };
    let engine = Engine::start(stores.log.clone(), stores.snapshots.clone(), config)
        .context("starting the engine")?;
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Runtime::new()?;
    let signs = args.agreements.map_or(SIGNS_PER_ROUND, |agreements| {
        let rounds = args.events.div_ceil(ROUND as u64).max(1);
        usize::try_from(agreements.div_ceil(rounds)).unwrap_or(ROUND)
    });
    let mut log = Generator::new(engine.log().head().position, signs.clamp(1, ROUND / 2));
    while engine.log().head().position < args.events {
        let round = log.round();
        runtime.block_on(submit_all(&engine, round))?;
    }
    let head = engine.log().head().position;
    wait_for_snapshots(
        stores.snapshots.as_ref(),
        args.snapshots.snapshot_every,
        head,
    );
    println!(
        "{}",
        json!({"events": head, "elapsed_ms": started.elapsed().as_millis() as u64})
    );
    Ok(())
}

/// Submits a round concurrently (one group commit per batch); refusals are counted, not fatal.
async fn submit_all(engine: &Engine, round: Vec<Value>) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for body in round {
        let command: Command = serde_json::from_value(body).context("a generated command")?;
        let engine = engine.clone();
        tasks.spawn(async move { engine.submit(submission(command)).await });
    }
    let mut refused = 0;
    while let Some(answer) = tasks.join_next().await {
        refused += usize::from(answer?.is_err());
    }
    if refused > 0 {
        tracing::debug!(refused, "generated commands refused");
    }
    Ok(())
}

fn submission(command: Command) -> Submission {
    Submission {
        command,
        command_id: None,
        expected_version: None,
        correlation_id: None,
        actor: Actor {
            token_id: "generator".into(),
            role: Role::System,
            party_id: None,
        },
        request_hash: [0; 32],
    }
}

/// Waits (up to two minutes) for the snapshotter to reach the last multiple of K.
fn wait_for_snapshots(snapshots: &dyn SnapshotStore, every: u64, head: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let due = head.checked_div(every).map_or(0, |m| m * every);
    while due > 0 && std::time::Instant::now() < deadline {
        if snapshots
            .snapshot_positions()
            .ok()
            .and_then(|p| p.last().copied())
            == Some(due)
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// An agreement the generator signed: id, parties, first year of its term.
struct Signed {
    id: String,
    parties: Vec<String>,
    year: u64,
}

/// Deterministic state of the synthetic log.
struct Generator {
    rng: u64,
    counter: u64,
    agreements: Vec<Signed>,
    exchanges: Vec<(usize, String)>,
    opened: Vec<(usize, String)>,
    assessed: Vec<(usize, String)>,
    started: bool,
    signs_per_round: usize,
}

impl Generator {
    fn new(head: u64, signs_per_round: usize) -> Self {
        Generator {
            rng: 0x9e37_79b9_7f4a_7c15 ^ head,
            counter: head,
            agreements: Vec::new(),
            exchanges: Vec::new(),
            opened: Vec::new(),
            assessed: Vec::new(),
            started: false,
            signs_per_round,
        }
    }

    fn next(&mut self, below: u64) -> u64 {
        // xorshift64*: enough for a benchmark's variety.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) % below.max(1)
    }

    fn id(&mut self, kind: u16) -> String {
        self.counter += 1;
        format!("01900000-{kind:04x}-7000-8000-{:012x}", self.counter)
    }

    /// The next round: commands that only depend on earlier rounds.
    fn round(&mut self) -> Vec<Value> {
        let mut round = Vec::with_capacity(ROUND);
        if !self.started {
            self.started = true;
            return self.parties();
        }
        for _ in 0..self.signs_per_round {
            round.push(self.sign());
        }
        round.extend(self.reviews());
        while round.len() < ROUND {
            let roll = self.next(100);
            let command = match roll {
                0..=3 if !self.exchanges.is_empty() => self.correct(),
                4 if !self.exchanges.is_empty() => self.retract(),
                _ => self.exchange(),
            };
            round.push(command);
        }
        round
    }

    fn parties(&mut self) -> Vec<Value> {
        let mut round = Vec::new();
        for (i, province) in PROVINCES.iter().enumerate() {
            for (suffix, kind, name) in [
                (
                    "iza",
                    "industrial_zone_authority",
                    "Ban quản lý các Khu công nghiệp tỉnh",
                ),
                (
                    "eza",
                    "economic_zone_authority",
                    "Ban quản lý Khu kinh tế tỉnh",
                ),
            ] {
                round.push(json!({"type": "RegisterParty", "data": {
                    "party_id": format!("p{i:02}-{suffix}"), "name": format!("{name} {province}"),
                    "kind": kind, "province": province}}));
            }
        }
        round
    }

    fn sign(&mut self) -> Value {
        let id = self.id(0xa);
        let first = self.next(60);
        let second = (first + 1 + self.next(59)) % 60;
        let party = |n: u64| format!("p{:02}-{}", n / 2, if n % 2 == 0 { "iza" } else { "eza" });
        let parties = vec![party(first), party(second)];
        let year = 2007 + self.next(14);
        let title = format!("Chương trình hợp tác giai đoạn {year}–{}", year + 5);
        self.agreements.push(Signed {
            id: id.clone(),
            parties: parties.clone(),
            year,
        });
        json!({"type": "SignAgreement", "data": {"agreement_id": id, "title": title,
            "parties": parties, "signed_on": format!("{year}-01-10"),
            "term": {"start": format!("{year}-01-10"), "end": format!("{}-12-31", year + 5)},
            "areas": AREAS}})
    }

    /// Opens two reviews, assesses last round's, closes the round before's.
    fn reviews(&mut self) -> Vec<Value> {
        let mut round = Vec::new();
        for (a, review) in std::mem::take(&mut self.assessed) {
            let s = &self.agreements[a];
            round.push(
                json!({"type": "CloseReviewPeriod", "data": {"agreement_id": s.id,
                "review_id": review, "closed_on": format!("{}-01-20", s.year + 1),
                "outcome": "met", "summary": "Hai bên thống nhất chương trình đạt mục tiêu."}}),
            );
        }
        for (a, review) in std::mem::take(&mut self.opened) {
            let s = &self.agreements[a];
            round.push(
                json!({"type": "RecordAssessment", "data": {"agreement_id": s.id,
                "review_id": review, "party_id": s.parties[0],
                "assessed_on": format!("{}-01-15", s.year + 1), "rating": "partially_met",
                "notes": "Đã phối hợp xúc tiến đầu tư; cần đẩy mạnh tuyển dụng lao động."}}),
            );
            self.assessed.push((a, review));
        }
        for _ in 0..2 {
            let a = self.next(self.agreements.len() as u64) as usize;
            let review = self.id(0xb);
            let s = &self.agreements[a];
            round.push(json!({"type": "OpenReviewPeriod", "data": {"agreement_id": s.id,
                "review_id": review, "title": format!("Sơ kết năm {}", s.year), "kind": "interim",
                "period": {"start": format!("{}-01-10", s.year), "end": format!("{}-12-31", s.year)},
                "opened_on": format!("{}-01-05", s.year + 1)}}));
            self.opened.push((a, review));
        }
        round
    }

    fn exchange(&mut self) -> Value {
        let a = self.next(self.agreements.len() as u64) as usize;
        let id = self.id(0xe);
        let (month, day) = (1 + self.next(12), 1 + self.next(28));
        let area = AREAS[self.next(6) as usize];
        let kind = KINDS[self.next(5) as usize];
        let year = self.agreements[a].year + 1 + self.next(4);
        let s = &self.agreements[a];
        let body = json!({"type": "RecordExchange", "data": {"agreement_id": s.id,
            "exchange_id": id, "occurred_on": format!("{year}-{month:02}-{day:02}"),
            "area": area, "kind": kind, "parties": s.parties,
            "summary": "Trao đổi kinh nghiệm quản lý nhà nước về các khu công nghiệp"}});
        self.exchanges.push((a, id));
        body
    }

    fn correct(&mut self) -> Value {
        let index = self.next(self.exchanges.len() as u64) as usize;
        let (a, id) = self.exchanges[index].clone();
        let area = AREAS[self.next(6) as usize];
        json!({"type": "CorrectExchange", "data": {"agreement_id": self.agreements[a].id,
            "exchange_id": id, "reason": "Điều chỉnh lĩnh vực hợp tác", "area": area}})
    }

    fn retract(&mut self) -> Value {
        let index = self.next(self.exchanges.len() as u64) as usize;
        let (a, id) = self.exchanges.swap_remove(index);
        json!({"type": "RetractExchange", "data": {"agreement_id": self.agreements[a].id,
            "exchange_id": id, "reason": "Ghi trùng"}})
    }
}
