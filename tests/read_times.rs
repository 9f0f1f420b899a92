//! The two times (docs/domain.md, "Two times") on the reads the other black-box
//! tests leave out: the parties, the agreement list, an agreement's
//! exchanges, the cooperation report in JSON and CSV, and the event stream,
//! each at a business date (`at`), as of a recording instant (`as_of`), and
//! with both together.
//!
//! Every test tells the same story through `POST /v1/commands`, in three
//! phases with an instant taken between them:
//!
//! | pos | phase | fact (business date) |
//! |---|---|---|
//! | 1–2 | 1 | Đồng Nai and Lâm Đồng registered (no date) |
//! | 3 | 1 | the 2013–2015 program signed by the two (2013-07-04) |
//! | 4–6 | 1 | exchanges on 2013-09-12, 2014-03-10 and 2014-11-05 |
//! | 7 | 2 | Bình Phước registered (no date) |
//! | 8 | 2 | Bình Phước admitted to the program (2014-01-01) |
//! | 9–10 | 2 | the 2007–2013 bilateral program entered late (2007-12-20), with an exchange (2010-05-18) |
//! | 11 | 2 | the 2014-03-10 exchange corrected to 2014-06-20 |
//! | 12 | 3 | the 2014-11-05 exchange retracted |
//! | 13 | 3 | the program terminated (2015-06-30) |
//!
//! `before_admission` is the instant of event 6, `before_retraction` that of
//! event 11.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use serde_json::{json, Value};
use server::{DataDir, Reply, Server, TOKEN};

const DONG_NAI: &str = "dong-nai-iza";
const LAM_DONG: &str = "lam-dong-iza";
const BINH_PHUOC: &str = "binh-phuoc-eza";
const BINH_PHUOC_NAME: &str = "Ban quản lý Khu kinh tế tỉnh Bình Phước";

/// The 2013–2015 program: signed first, terminated last.
const PROGRAM: &str = "0190f0a0-2013-7000-8000-000000002013";
/// The 2007–2013 bilateral program, entered after the 2013 one.
const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";

/// Exchanges, named by the day they were first recorded to have occurred on.
const SEPT_2013: &str = "0190f0a0-2013-7000-8000-000020130912";
/// Corrected to 2014-06-20 in phase 2.
const MARCH_2014: &str = "0190f0a0-2014-7000-8000-000020140310";
/// Retracted in phase 3.
const NOV_2014: &str = "0190f0a0-2014-7000-8000-000020141105";
/// Under the bilateral program, recorded in phase 2.
const MAY_2010: &str = "0190f0a0-2010-7000-8000-000020100518";

/// An instant before anything was recorded (these tests run after 2020).
const BEFORE_ANYTHING: &str = "2020-01-01T00:00:00Z";

/// How long a stream may stay silent before a test takes it to be done.
const SILENCE: Duration = Duration::from_secs(3);

/// The story's server and the instants taken between its phases.
struct Story {
    server: Server,
    /// Event 6's `recorded_at`: the program and its three exchanges only.
    before_admission: String,
    /// Event 11's `recorded_at`: everything but the retraction and the
    /// termination.
    before_retraction: String,
}

async fn story(dir: &DataDir) -> Story {
    let server = Server::start(dir).await;
    let zones = "industrial_zone_authority";
    register(
        &server,
        DONG_NAI,
        "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
        zones,
    )
    .await;
    register(
        &server,
        LAM_DONG,
        "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
        zones,
    )
    .await;
    let areas = [
        "investment_promotion",
        "labour_recruitment",
        "state_management_information",
    ];
    let title = "Chương trình hợp tác 2013–2015";
    sign(
        &server,
        PROGRAM,
        title,
        ("2013-07-04", "2015-12-31"),
        &areas,
    )
    .await;
    let both = [DONG_NAI, LAM_DONG];
    let lam_dong = [LAM_DONG];
    let program = [
        (SEPT_2013, "2013-09-12", areas[0], &both[..]),
        (MARCH_2014, "2014-03-10", areas[1], &lam_dong[..]),
        (NOV_2014, "2014-11-05", areas[2], &lam_dong[..]),
    ];
    for (id, on, area, parties) in program {
        server
            .accept(&exchange(PROGRAM, id, on, area, parties))
            .await;
    }

    register(
        &server,
        BINH_PHUOC,
        BINH_PHUOC_NAME,
        "economic_zone_authority",
    )
    .await;
    let admit =
        json!({"agreement_id": PROGRAM, "party_id": BINH_PHUOC, "effective_on": "2014-01-01"});
    server
        .accept(&json!({"type": "AdmitParty", "data": admit}))
        .await;
    let title = "Chương trình hợp tác 2007–2013";
    let term = ("2007-12-20", "2013-06-30");
    sign(&server, BILATERAL, title, term, &["investment_promotion"]).await;
    server
        .accept(&exchange(
            BILATERAL,
            MAY_2010,
            "2010-05-18",
            "investment_promotion",
            &both,
        ))
        .await;
    let correct = json!({"agreement_id": PROGRAM, "exchange_id": MARCH_2014,
        "occurred_on": "2014-06-20", "reason": "Ghi nhầm ngày"});
    server
        .accept(&json!({"type": "CorrectExchange", "data": correct}))
        .await;

    let retract = json!({"agreement_id": PROGRAM, "exchange_id": NOV_2014, "reason": "Ghi trùng"});
    server
        .accept(&json!({"type": "RetractExchange", "data": retract}))
        .await;
    let terminate = json!({"agreement_id": PROGRAM, "effective_on": "2015-06-30",
        "reason": "Thay bằng chương trình mới"});
    server
        .accept(&json!({"type": "TerminateAgreement", "data": terminate}))
        .await;

    let events = server.events().await;
    assert_eq!(events.len(), 13, "the story's events");
    let recorded_at = |position: usize| events[position - 1]["recorded_at"].as_str().unwrap();
    // `recorded_at` never decreases, so different means later.
    assert_ne!(recorded_at(6), recorded_at(7), "phases 1 and 2 apart");
    assert_ne!(recorded_at(11), recorded_at(12), "phases 2 and 3 apart");
    Story {
        before_admission: recorded_at(6).to_owned(),
        before_retraction: recorded_at(11).to_owned(),
        server,
    }
}

async fn register(server: &Server, id: &str, name: &str, kind: &str) {
    let data = json!({"party_id": id, "name": name, "kind": kind});
    server
        .accept(&json!({"type": "RegisterParty", "data": data}))
        .await;
}

/// Đồng Nai and Lâm Đồng sign `id`, on the first day of its term.
async fn sign(server: &Server, id: &str, title: &str, term: (&str, &str), areas: &[&str]) {
    let data = json!({"agreement_id": id, "title": title, "parties": [DONG_NAI, LAM_DONG],
        "signed_on": term.0, "term": {"start": term.0, "end": term.1}, "areas": areas});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
}

fn exchange(agreement: &str, id: &str, on: &str, area: &str, parties: &[&str]) -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": agreement, "exchange_id": id, "occurred_on": on, "area": area,
        "kind": "meeting", "parties": parties, "summary": "Trao đổi kinh nghiệm quản lý KCN"}})
}

/// `GET path` with `query`, which must answer 200 with JSON; the JSON.
async fn read(server: &Server, path: &str, query: &[(&str, &str)]) -> Value {
    let reply = server.get_query(path, query).await;
    assert_eq!(reply.status, 200, "GET {path} {query:?}: {}", reply.text);
    reply.body
}

/// `GET path` with `query`, which must answer 404 as problem+json.
async fn assert_not_found(server: &Server, path: &str, query: &[(&str, &str)]) {
    let reply: Reply = server.get_query(path, query).await;
    assert_eq!(
        reply.status, 404,
        "GET {path} {query:?} must not find it: {}",
        reply.text
    );
    assert!(
        reply.content_type.starts_with("application/problem+json"),
        "content type {}",
        reply.content_type
    );
}

/// The `key` of every item of a list answer, sorted (docs/api-guide.md fixes no order).
fn sorted(list: &Value, key: &str) -> Vec<String> {
    let items = list["items"].as_array().expect("a list answers items");
    let mut keys: Vec<String> = items
        .iter()
        .map(|item| item[key].as_str().expect("a string key").to_owned())
        .collect();
    keys.sort();
    keys
}

async fn party_ids(server: &Server, query: &[(&str, &str)]) -> Vec<String> {
    sorted(&read(server, "/v1/parties", query).await, "party_id")
}

/// A party's agreements in that view, sorted.
async fn agreements_of(server: &Server, party: &str, query: &[(&str, &str)]) -> Vec<String> {
    let detail = read(server, &format!("/v1/parties/{party}"), query).await;
    let listed = detail["agreements"].as_array().expect("agreements");
    let mut ids: Vec<String> = listed
        .iter()
        .map(|id| id.as_str().expect("an agreement id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn agreement_ids(server: &Server, query: &[(&str, &str)]) -> Vec<String> {
    sorted(&read(server, "/v1/agreements", query).await, "agreement_id")
}

/// The program as the agreement list shows it in that view.
async fn listed_program(server: &Server, query: &[(&str, &str)]) -> Value {
    let list = read(server, "/v1/agreements", query).await;
    let items = list["items"].as_array().expect("items");
    let found = items.iter().find(|a| a["agreement_id"] == PROGRAM);
    found
        .unwrap_or_else(|| panic!("{query:?}: the program is not listed: {list:#}"))
        .clone()
}

/// An agreement's exchanges as (exchange_id, status, occurred_on), sorted.
async fn exchanges(server: &Server, agreement: &str, query: &[(&str, &str)]) -> Vec<[String; 3]> {
    let path = format!("/v1/agreements/{agreement}/exchanges");
    let list = read(server, &path, query).await;
    let field = |e: &Value, name: &str| e[name].as_str().expect(name).to_owned();
    let mut rows: Vec<[String; 3]> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            [
                field(e, "exchange_id"),
                field(e, "status"),
                field(e, "occurred_on"),
            ]
        })
        .collect();
    rows.sort();
    rows
}

fn row(id: &str, status: &str, occurred_on: &str) -> [String; 3] {
    [id.to_owned(), status.to_owned(), occurred_on.to_owned()]
}

/// The report's totals: agreements, active agreements, exchanges, reviews closed.
async fn report_totals(server: &Server, query: &[(&str, &str)]) -> [u64; 4] {
    let report = read(server, "/v1/reports/cooperation", query).await;
    let totals = &report["totals"];
    let n = |name: &str| {
        totals[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {report:#}"))
    };
    [
        n("agreements"),
        n("active_agreements"),
        n("exchanges"),
        n("reviews_closed"),
    ]
}

/// The report's CSV rows, each as column → field, keyed by agreement id.
async fn csv_rows(
    server: &Server,
    query: &[(&str, &str)],
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut query = query.to_vec();
    query.push(("format", "csv"));
    let reply = server.get_query("/v1/reports/cooperation", &query).await;
    assert_eq!(reply.status, 200, "{query:?}: {}", reply.text);
    assert!(
        reply.content_type.starts_with("text/csv"),
        "content type {}",
        reply.content_type
    );
    let mut lines = reply.text.lines();
    let header: Vec<&str> = lines.next().expect("a header row").split(',').collect();
    // The story's titles and ids hold no comma or quote: a plain split is exact.
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), header.len(), "{line}");
            let row: BTreeMap<String, String> = header
                .iter()
                .zip(fields)
                .map(|(h, f)| (h.to_string(), f.to_owned()))
                .collect();
            (row["agreement_id"].clone(), row)
        })
        .collect()
}

/// A JSON list of party ids, sorted (docs/api-guide.md fixes no order).
fn party_set(parties: &Value) -> Vec<&str> {
    let parties = parties.as_array().expect("a list of party ids");
    let mut ids: Vec<&str> = parties.iter().map(|p| p.as_str().unwrap()).collect();
    ids.sort();
    ids
}

/// A CSV `parties` field (`a;b;c`), sorted.
fn csv_parties(field: &str) -> Vec<&str> {
    let mut parties: Vec<&str> = field.split(';').collect();
    parties.sort();
    parties
}

/// An open `GET /v1/events/stream`, read one event at a time.
struct Frames {
    chunks: BoxStream<'static, Vec<u8>>,
    buffer: Vec<u8>,
}

impl Frames {
    async fn open(server: &Server, query: &[(&str, &str)], last_event_id: Option<&str>) -> Frames {
        let mut request = server
            .client
            .get(server.url("/v1/events/stream"))
            .query(query)
            .bearer_auth(TOKEN);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200, "{query:?}");
        let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        let chunks = response
            .bytes_stream()
            .map(|chunk| chunk.expect("a readable chunk").to_vec())
            .boxed();
        Frames {
            chunks,
            buffer: Vec::new(),
        }
    }

    /// The position (`id:`) of the next event; `None` if the stream ends or
    /// sends no event within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<u64> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Bytes, not text: a chunk may end inside a Vietnamese letter.
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let frame: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let frame = String::from_utf8(frame).expect("a UTF-8 frame");
                let id = frame.lines().find_map(|l| l.strip_prefix("id:"));
                match id {
                    Some(id) => return Some(id.trim().parse().expect("an id is a position")),
                    None => continue, // a keep-alive comment
                }
            }
            match tokio::time::timeout_at(deadline, self.chunks.next()).await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The next `count` positions; each must arrive within 20 s.
    async fn take(&mut self, count: usize) -> Vec<u64> {
        let mut ids = Vec::new();
        while ids.len() < count {
            let id = self.next(Duration::from_secs(20)).await;
            ids.push(id.unwrap_or_else(|| panic!("only {ids:?} arrived of {count}")));
        }
        ids
    }

    /// Every position sent until the stream ends or stays silent.
    async fn rest(mut self) -> Vec<u64> {
        let mut ids = Vec::new();
        while let Some(id) = self.next(SILENCE).await {
            ids.push(id);
        }
        ids
    }
}

/// An exchange recorded after the story, effective on 2011-02-01.
fn late_bilateral_exchange() -> Value {
    let id = "0190f0a0-2011-7000-8000-000020110201";
    exchange(
        BILATERAL,
        id,
        "2011-02-01",
        "investment_promotion",
        &[DONG_NAI],
    )
}

#[tokio::test]
async fn parties_are_known_from_their_registration_whatever_the_business_date() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        before_retraction,
    } = story(&dir).await;
    let all = [BINH_PHUOC, DONG_NAI, LAM_DONG];
    let first_two = [DONG_NAI, LAM_DONG];

    assert_eq!(party_ids(&server, &[]).await, all);
    assert_eq!(
        party_ids(&server, &[("as_of", &before_admission)]).await,
        first_two
    );
    assert_eq!(
        party_ids(&server, &[("as_of", BEFORE_ANYTHING)]).await,
        Vec::<String>::new()
    );
    // A registration has no business date: no `at` hides a party…
    assert_eq!(party_ids(&server, &[("at", "2000-01-01")]).await, all);
    // …and `at` with `as_of` shows the parties known at that instant.
    let both = [("at", "2000-01-01"), ("as_of", before_admission.as_str())];
    assert_eq!(party_ids(&server, &both).await, first_two);

    let binh_phuoc = format!("/v1/parties/{BINH_PHUOC}");
    assert_not_found(&server, &binh_phuoc, &[("as_of", &before_admission)]).await;
    let both = [("at", "2014-06-01"), ("as_of", before_admission.as_str())];
    assert_not_found(&server, &binh_phuoc, &both).await;
    let known = read(&server, &binh_phuoc, &[("as_of", &before_retraction)]).await;
    assert_eq!(known["party_id"], BINH_PHUOC, "{known:#}");
    assert_eq!(known["name"], BINH_PHUOC_NAME, "{known:#}");
    let dong_nai = format!("/v1/parties/{DONG_NAI}");
    assert_not_found(&server, &dong_nai, &[("as_of", BEFORE_ANYTHING)]).await;
    let early = read(&server, &dong_nai, &[("at", "2000-01-01")]).await;
    assert_eq!(
        early["agreements"],
        json!([]),
        "nothing signed yet: {early:#}"
    );
}

#[tokio::test]
async fn a_party_s_agreements_follow_signatures_and_admissions_in_both_times() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        before_retraction,
    } = story(&dir).await;
    let none = Vec::<String>::new();

    assert_eq!(agreements_of(&server, BINH_PHUOC, &[]).await, [PROGRAM]);
    let before = [("at", "2013-12-31")];
    assert_eq!(agreements_of(&server, BINH_PHUOC, &before).await, none);
    let admitted = [("at", "2014-01-01")];
    assert_eq!(
        agreements_of(&server, BINH_PHUOC, &admitted).await,
        [PROGRAM]
    );
    let known = [("at", "2014-01-01"), ("as_of", before_retraction.as_str())];
    assert_eq!(agreements_of(&server, BINH_PHUOC, &known).await, [PROGRAM]);

    // Đồng Nai signed both programs; the bilateral one was entered late.
    assert_eq!(
        agreements_of(&server, DONG_NAI, &[]).await,
        [BILATERAL, PROGRAM]
    );
    let in_2010 = [("at", "2010-01-01")];
    assert_eq!(
        agreements_of(&server, DONG_NAI, &in_2010).await,
        [BILATERAL]
    );
    let then = [("as_of", before_admission.as_str())];
    assert_eq!(agreements_of(&server, DONG_NAI, &then).await, [PROGRAM]);
    // Together: in 2010 only the bilateral program existed, and it was not
    // known yet at that instant.
    let both = [("at", "2010-01-01"), ("as_of", before_admission.as_str())];
    assert_eq!(agreements_of(&server, DONG_NAI, &both).await, none);
}

#[tokio::test]
async fn the_agreement_list_shows_what_was_signed_by_at_as_known_at_as_of() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        before_retraction,
    } = story(&dir).await;
    let none = Vec::<String>::new();
    let then = [("as_of", before_admission.as_str())];

    assert_eq!(agreement_ids(&server, &[]).await, [BILATERAL, PROGRAM]);
    assert_eq!(agreement_ids(&server, &then).await, [PROGRAM]);
    let nothing = [("as_of", BEFORE_ANYTHING)];
    assert_eq!(agreement_ids(&server, &nothing).await, none);
    let in_2010 = [("at", "2010-01-01")];
    assert_eq!(agreement_ids(&server, &in_2010).await, [BILATERAL]);
    let both = [("at", "2010-01-01"), ("as_of", before_admission.as_str())];
    assert_eq!(agreement_ids(&server, &both).await, none);

    let program = listed_program(&server, &[]).await;
    assert_eq!(
        party_set(&program["parties"]),
        [BINH_PHUOC, DONG_NAI, LAM_DONG]
    );
    assert_eq!(program["version"], 8, "{program:#}");
    assert_eq!(program["exchanges"]["total"], 2, "{program:#}");
    let program = listed_program(&server, &then).await;
    assert_eq!(party_set(&program["parties"]), [DONG_NAI, LAM_DONG]);
    assert_eq!(program["version"], 4, "{program:#}");
    assert_eq!(program["exchanges"]["total"], 3, "{program:#}");

    // On 2015-07-01 the program is terminated (from 2015-06-30); before the
    // termination was recorded it was still active that day, and expired today.
    let july_2015 = [("at", "2015-07-01")];
    let known = [("as_of", before_retraction.as_str())];
    let both = [("at", "2015-07-01"), ("as_of", before_retraction.as_str())];
    assert_eq!(
        listed_program(&server, &july_2015).await["status"],
        "terminated"
    );
    assert_eq!(listed_program(&server, &known).await["status"], "expired");
    assert_eq!(listed_program(&server, &both).await["status"], "active");
    let terminated = [("at", "2015-07-01"), ("status", "terminated")];
    assert_eq!(agreement_ids(&server, &terminated).await, [PROGRAM]);
    let mut terminated_then = terminated.to_vec();
    terminated_then.push(("as_of", before_retraction.as_str()));
    assert_eq!(agreement_ids(&server, &terminated_then).await, none);
    let active_then = [
        ("at", "2015-07-01"),
        ("status", "active"),
        ("as_of", before_retraction.as_str()),
    ];
    assert_eq!(agreement_ids(&server, &active_then).await, [PROGRAM]);

    let member = [("party", BINH_PHUOC), ("as_of", before_retraction.as_str())];
    assert_eq!(agreement_ids(&server, &member).await, [PROGRAM]);
    let not_yet = [
        ("party", BINH_PHUOC),
        ("at", "2013-12-31"),
        ("as_of", before_retraction.as_str()),
    ];
    assert_eq!(agreement_ids(&server, &not_yet).await, none);
}

#[tokio::test]
async fn exchanges_are_listed_by_the_day_they_occurred_as_corrected_and_retracted_by_as_of() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        before_retraction,
    } = story(&dir).await;
    let sept = row(SEPT_2013, "recorded", "2013-09-12");
    let march = row(MARCH_2014, "recorded", "2014-03-10");
    let june = row(MARCH_2014, "corrected", "2014-06-20");
    let nov = row(NOV_2014, "recorded", "2014-11-05");
    let retracted = row(NOV_2014, "retracted", "2014-11-05");

    assert_eq!(
        exchanges(&server, PROGRAM, &[]).await,
        [sept.clone(), june.clone(), retracted.clone()]
    );
    let then = [("as_of", before_admission.as_str())];
    assert_eq!(
        exchanges(&server, PROGRAM, &then).await,
        [sept.clone(), march.clone(), nov.clone()]
    );
    assert_eq!(
        exchanges(&server, PROGRAM, &[("at", "2013-09-11")]).await,
        Vec::<[String; 3]>::new()
    );
    // On 2014-04-01 the corrected exchange had not occurred yet; before the
    // correction was recorded it had (on 2014-03-10).
    let april = [("at", "2014-04-01")];
    assert_eq!(
        exchanges(&server, PROGRAM, &april).await,
        std::slice::from_ref(&sept)
    );
    let both = [("at", "2014-04-01"), ("as_of", before_admission.as_str())];
    assert_eq!(
        exchanges(&server, PROGRAM, &both).await,
        [sept.clone(), march]
    );

    // The retraction, recorded in phase 3, shows at every date from the
    // exchange's own; as of an instant before it, the exchange stands.
    for at in ["2014-11-05", "2015-06-29", "2020-01-01"] {
        let now = exchanges(&server, PROGRAM, &[("at", at)]).await;
        assert_eq!(
            now,
            [sept.clone(), june.clone(), retracted.clone()],
            "at {at}"
        );
        let known = [("at", at), ("as_of", before_retraction.as_str())];
        let known = exchanges(&server, PROGRAM, &known).await;
        assert_eq!(known, [sept.clone(), june.clone(), nov.clone()], "at {at}");
    }

    let path = format!("/v1/agreements/{PROGRAM}/exchanges");
    assert_not_found(&server, &path, &[("at", "2013-07-03")]).await;
    assert_not_found(&server, &path, &[("as_of", BEFORE_ANYTHING)]).await;
    // The bilateral program was signed in 2007 but recorded in phase 2.
    let path = format!("/v1/agreements/{BILATERAL}/exchanges");
    assert_not_found(&server, &path, &then).await;
    let both = [("at", "2010-06-01"), ("as_of", before_admission.as_str())];
    assert_not_found(&server, &path, &both).await;
    let may = row(MAY_2010, "recorded", "2010-05-18");
    let june_2010 = [("at", "2010-06-01")];
    assert_eq!(
        exchanges(&server, BILATERAL, &june_2010).await,
        std::slice::from_ref(&may)
    );
    let known = [("at", "2010-06-01"), ("as_of", before_retraction.as_str())];
    assert_eq!(exchanges(&server, BILATERAL, &known).await, [may]);
    let before = [("at", "2010-05-17"), ("as_of", before_retraction.as_str())];
    assert_eq!(
        exchanges(&server, BILATERAL, &before).await,
        Vec::<[String; 3]>::new()
    );
}

#[tokio::test]
async fn the_cooperation_report_as_of_an_instant_counts_what_was_known_then() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        before_retraction,
    } = story(&dir).await;
    let then = [("as_of", before_admission.as_str())];
    let known = [("as_of", before_retraction.as_str())];
    let end_2014 = [("at", "2014-12-31")];
    let end_2014_then = [("at", "2014-12-31"), ("as_of", before_admission.as_str())];
    let end_2014_known = [("at", "2014-12-31"), ("as_of", before_retraction.as_str())];

    // [agreements, active agreements, exchanges, reviews closed]
    assert_eq!(report_totals(&server, &[]).await, [2, 0, 3, 0]);
    assert_eq!(report_totals(&server, &then).await, [1, 0, 3, 0]);
    assert_eq!(report_totals(&server, &known).await, [2, 0, 4, 0]);
    let nothing = [("as_of", BEFORE_ANYTHING)];
    assert_eq!(report_totals(&server, &nothing).await, [0, 0, 0, 0]);
    assert_eq!(report_totals(&server, &end_2014).await, [2, 1, 3, 0]);
    assert_eq!(report_totals(&server, &end_2014_then).await, [1, 1, 3, 0]);
    assert_eq!(report_totals(&server, &end_2014_known).await, [2, 1, 4, 0]);

    let report = read(&server, "/v1/reports/cooperation", &then).await;
    let rows = report["agreements"].as_array().expect("agreement rows");
    assert_eq!(rows.len(), 1, "{report:#}");
    assert_eq!(rows[0]["agreement_id"], PROGRAM);
    assert_eq!(rows[0]["status"], "expired", "not known to be terminated");
    assert_eq!(party_set(&rows[0]["parties"]), [DONG_NAI, LAM_DONG]);
    assert_eq!(
        rows[0]["by_area"],
        json!({"investment_promotion": 1, "labour_recruitment": 1, "state_management_information": 1})
    );
    let parties: Vec<(&str, u64, u64)> = party_rows(&report);
    assert_eq!(parties, [(DONG_NAI, 1, 1), (LAM_DONG, 1, 3)]);

    let report = read(&server, "/v1/reports/cooperation", &[]).await;
    let rows = report["agreements"].as_array().expect("agreement rows");
    let program = rows
        .iter()
        .find(|r| r["agreement_id"] == PROGRAM)
        .expect("the program");
    assert_eq!(program["status"], "terminated", "{program:#}");
    assert_eq!(
        party_set(&program["parties"]),
        [BINH_PHUOC, DONG_NAI, LAM_DONG]
    );
    assert_eq!(
        program["by_area"],
        json!({"investment_promotion": 1, "labour_recruitment": 1})
    );
    assert_eq!(
        party_rows(&report),
        [(BINH_PHUOC, 1, 0), (DONG_NAI, 2, 2), (LAM_DONG, 2, 3)]
    );
}

/// The report's party rows as (party_id, agreements, exchanges), sorted.
fn party_rows(report: &Value) -> Vec<(&str, u64, u64)> {
    let rows = report["parties"].as_array().expect("party rows");
    let mut rows: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|p| {
            (
                p["party_id"].as_str().unwrap(),
                p["agreements"].as_u64().unwrap(),
                p["exchanges"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_cooperation_report_as_csv_is_rebuilt_at_as_of_and_at_both_times() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        ..
    } = story(&dir).await;

    let now = csv_rows(&server, &[]).await;
    assert_eq!(now.keys().collect::<Vec<_>>(), [BILATERAL, PROGRAM]);
    let program = &now[PROGRAM];
    assert_eq!(program["status"], "terminated", "{program:?}");
    assert_eq!(program["exchanges"], "2", "{program:?}");
    let all = [BINH_PHUOC, DONG_NAI, LAM_DONG];
    assert_eq!(csv_parties(&program["parties"]), all);
    assert_eq!(now[BILATERAL]["exchanges"], "1");

    let then = csv_rows(&server, &[("as_of", &before_admission)]).await;
    assert_eq!(then.keys().collect::<Vec<_>>(), [PROGRAM]);
    let program = &then[PROGRAM];
    assert_eq!(program["status"], "expired", "{program:?}");
    assert_eq!(program["exchanges"], "3", "{program:?}");
    assert_eq!(csv_parties(&program["parties"]), [DONG_NAI, LAM_DONG]);

    let both = [("at", "2014-04-01"), ("as_of", before_admission.as_str())];
    let program = &csv_rows(&server, &both).await[PROGRAM];
    assert_eq!(program["status"], "active", "{program:?}");
    assert_eq!(
        program["exchanges"], "2",
        "September and March: {program:?}"
    );
    let april = csv_rows(&server, &[("at", "2014-04-01")]).await;
    assert_eq!(april[PROGRAM]["exchanges"], "1", "March moved to June");
    assert_eq!(
        csv_parties(&april[PROGRAM]["parties"]),
        all,
        "admitted on 2014-01-01"
    );

    let nothing = csv_rows(&server, &[("as_of", BEFORE_ANYTHING)]).await;
    assert!(nothing.is_empty(), "{nothing:?}");
}

#[tokio::test]
async fn the_event_stream_as_of_an_instant_sends_only_what_was_recorded_by_then() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        ..
    } = story(&dir).await;
    let then = [("as_of", before_admission.as_str())];

    let frames = Frames::open(&server, &then, None).await;
    let reader = tokio::spawn(frames.rest());
    // Recorded after `as_of`: it must not be sent, now or later.
    server.accept(&late_bilateral_exchange()).await;
    assert_eq!(reader.await.unwrap(), [1, 2, 3, 4, 5, 6]);

    let resumed = Frames::open(&server, &then, Some("4")).await;
    assert_eq!(resumed.rest().await, [5, 6]);
    let nothing = Frames::open(&server, &[("as_of", BEFORE_ANYTHING)], None).await;
    assert_eq!(nothing.rest().await, Vec::<u64>::new());
}

#[tokio::test]
async fn the_event_stream_at_a_date_sends_and_follows_only_facts_effective_by_then() {
    let dir = DataDir::new();
    let Story { server, .. } = story(&dir).await;
    let at = "2013-12-31";
    let log = server.events().await;
    let effective: Vec<u64> = log
        .iter()
        .filter(|e| e["effective_on"].as_str().is_none_or(|on| on <= at))
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    // The log dates the late bilateral program and its exchange early, the
    // 2014 facts and the termination later.
    for position in [1, 2, 3, 4, 7, 9, 10] {
        assert!(effective.contains(&position), "{position}: {log:#?}");
    }
    for position in [5, 6, 8, 13] {
        assert!(!effective.contains(&position), "{position}: {log:#?}");
    }

    let mut frames = Frames::open(&server, &[("at", at)], None).await;
    assert_eq!(frames.take(effective.len()).await, effective);
    let after_it = "0190f0a0-2015-7000-8000-000020150302";
    let march_2015 = exchange(
        PROGRAM,
        after_it,
        "2015-03-02",
        "investment_promotion",
        &[DONG_NAI],
    );
    assert_eq!(server.accept(&march_2015).await["position"], 14);
    assert_eq!(
        server.accept(&late_bilateral_exchange()).await["position"],
        15
    );
    assert_eq!(
        frames.next(Duration::from_secs(20)).await,
        Some(15),
        "the exchange of 2015 is skipped, the one of 2011 followed"
    );
}

#[tokio::test]
async fn the_event_stream_with_both_times_sends_what_was_known_then_and_effective_by_the_date() {
    let dir = DataDir::new();
    let Story {
        server,
        before_admission,
        ..
    } = story(&dir).await;
    // At 2013-12-31 alone: 1–4, 7, 9, 10 and what follows; as of the instant
    // alone: 1–6. Together: the registrations, the signature and September.
    let both = [("at", "2013-12-31"), ("as_of", before_admission.as_str())];
    let frames = Frames::open(&server, &both, None).await;
    let reader = tokio::spawn(frames.rest());
    server.accept(&late_bilateral_exchange()).await;
    assert_eq!(reader.await.unwrap(), [1, 2, 3, 4]);
}
