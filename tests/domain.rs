//! The domain's second part over real HTTP: parties over time (the 2025
//! reorganisation of the provinces, Bình Phước merged into Đồng Nai from 1
//! July 2025) recorded by `POST /v1/commands`, refused where a rule says
//! so, and read at dates before and after it; the new commands in the
//! OpenAPI document; "today" in the business time zone (`--timezone`).

#[path = "support/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{DataDir, Server, TOKEN};

const AGREEMENT: &str = "0190f0a0-2013-7000-8000-000000000001";
const DONG_NAI: &str = "dong-nai-iza";
const LAM_DONG: &str = "lam-dong-iza";
const BINH_PHUOC: &str = "binh-phuoc-eza";

/// The three authorities and their tripartite program, its term running
/// to 2030 so that the reorganisation falls within it.
async fn tripartite(dir: &DataDir) -> Server {
    let server = Server::start(dir).await;
    for (id, name, kind) in [
        (
            DONG_NAI,
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
            "industrial_zone_authority",
        ),
        (
            LAM_DONG,
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
            "industrial_zone_authority",
        ),
        (
            BINH_PHUOC,
            "Ban quản lý Khu kinh tế tỉnh Bình Phước",
            "economic_zone_authority",
        ),
    ] {
        let data = json!({"party_id": id, "name": name, "kind": kind});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    let data = json!({"agreement_id": AGREEMENT,
        "title": "Chương trình hợp tác và hỗ trợ lẫn nhau giữa 03 Ban quản lý",
        "parties": [DONG_NAI, LAM_DONG, BINH_PHUOC], "signed_on": "2013-07-04",
        "term": {"start": "2013-07-04", "end": "2030-12-31"},
        "areas": ["investment_promotion", "labour_recruitment"]});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
    server
}

fn exchange(n: u32, on: &str, parties: &[&str]) -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": AGREEMENT, "exchange_id": format!("0190f0a0-2025-7000-8000-{n:012}"),
        "occurred_on": on, "area": "investment_promotion", "kind": "meeting",
        "parties": parties, "summary": "Hội nghị xúc tiến đầu tư vùng Đông Nam Bộ"}})
}

async fn agreement_at(server: &Server, at: &str) -> Value {
    let reply = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}"), &[("at", at)])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

#[tokio::test]
async fn the_2025_merger_is_recorded_and_read_at_dates_before_and_after_it() {
    let dir = DataDir::new();
    let server = tripartite(&dir).await;
    let merger = json!({"type": "SucceedParty", "data": {
        "party_id": BINH_PHUOC, "successor_id": DONG_NAI, "effective_on": "2025-07-01",
        "reason": "Nghị quyết số 202/2025/QH15 về sắp xếp đơn vị hành chính cấp tỉnh"}});
    let result = server.accept(&merger).await;
    assert_eq!(result["stream"], format!("party:{BINH_PHUOC}"));
    assert_eq!(result["events"][0]["type"], "PartySucceeded");

    // After the date the predecessor may not be named; before it, it may.
    let refused = server
        .command(&exchange(1, "2025-07-01", &[BINH_PHUOC, LAM_DONG]))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["rule"], "party_succeeded");
    server
        .accept(&exchange(2, "2025-06-30", &[BINH_PHUOC, LAM_DONG]))
        .await;
    server
        .accept(&exchange(3, "2025-07-01", &[DONG_NAI, LAM_DONG]))
        .await;

    let before = agreement_at(&server, "2025-06-30").await;
    assert_eq!(before["parties"], json!([DONG_NAI, LAM_DONG, BINH_PHUOC]));
    assert_eq!(before["members"][2]["until"], Value::Null);
    let after = agreement_at(&server, "2025-07-01").await;
    assert_eq!(after["parties"], json!([DONG_NAI, LAM_DONG]));
    assert_eq!(
        after["members"][2],
        json!({"party_id": BINH_PHUOC, "since": "2013-07-04", "until": "2025-07-01", "via": null})
    );

    let party = |at: &'static str| {
        let server = &server;
        async move {
            let reply = server
                .get_query(&format!("/v1/parties/{BINH_PHUOC}"), &[("at", at)])
                .await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.body
        }
    };
    assert_eq!(party("2025-06-30").await["succeeded_by"], Value::Null);
    let merged = party("2025-07-01").await;
    assert_eq!(merged["succeeded_by"], DONG_NAI);
    assert_eq!(merged["succeeded_on"], "2025-07-01");
    assert_eq!(merged["agreements"], json!([]));
}

#[tokio::test]
async fn names_in_force_on_a_date_and_a_withdrawal_over_http() {
    let dir = DataDir::new();
    let server = tripartite(&dir).await;
    server
        .accept(&json!({"type": "UpdateParty", "data": {
            "party_id": DONG_NAI, "effective_on": "2025-07-01", "reason": "Đổi tên",
            "name": "Ban Quản lý các Khu công nghiệp Đồng Nai"}}))
        .await;
    let same = server
        .command(&json!({"type": "UpdateParty", "data": {
            "party_id": DONG_NAI, "effective_on": "2026-01-01", "reason": "Đổi tên",
            "name": "Ban Quản lý các Khu công nghiệp Đồng Nai"}}))
        .await;
    assert_eq!(same.status, 422, "{}", same.text);
    assert_eq!(same.body["rule"], "party_update_without_changes");

    let names = |at: &'static str| {
        let server = &server;
        async move {
            let reply = server.get_query("/v1/parties", &[("at", at)]).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            let dong_nai = reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["party_id"] == DONG_NAI)
                .cloned()
                .unwrap();
            dong_nai
        }
    };
    let old = names("2025-06-30").await;
    assert_eq!(old["name"], "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai");
    assert_eq!(old["history"].as_array().unwrap().len(), 1);
    let new = names("2025-07-01").await;
    assert_eq!(new["name"], "Ban Quản lý các Khu công nghiệp Đồng Nai");
    assert_eq!(new["history"][1]["effective_on"], "2025-07-01");

    server
        .accept(&json!({"type": "WithdrawParty", "data": {
            "agreement_id": AGREEMENT, "party_id": LAM_DONG, "effective_on": "2020-01-01",
            "reason": "Rút khỏi chương trình"}}))
        .await;
    let refused = server
        .command(&exchange(4, "2020-02-01", &[LAM_DONG]))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["rule"], "party_not_member");
    let last = server
        .command(&json!({"type": "WithdrawParty", "data": {
            "agreement_id": AGREEMENT, "party_id": BINH_PHUOC, "effective_on": "2021-01-01",
            "reason": "Rút khỏi chương trình"}}))
        .await;
    assert_eq!(last.body["rule"], "too_few_parties", "{}", last.text);
    assert_eq!(
        agreement_at(&server, "2020-01-01").await["parties"],
        json!([DONG_NAI, BINH_PHUOC])
    );
}

#[tokio::test]
async fn the_new_commands_are_in_the_openapi_document() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let document = server.json("/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    let mapping = &schemas["CommandRequest"]["discriminator"]["mapping"];
    for name in ["UpdateParty", "SucceedParty", "WithdrawParty"] {
        assert_eq!(
            mapping[name],
            format!("#/components/schemas/{name}Command"),
            "{name}"
        );
        assert!(schemas[name]["properties"]["reason"].is_object(), "{name}");
    }
    let agreement = &schemas["AgreementView"]["properties"];
    assert!(agreement["members"].is_object());
    assert!(schemas["PartyView"]["properties"]["history"].is_object());
}

/// The UTC date `days` from now, `YYYY-MM-DD` (civil from days, H. Hinnant).
fn utc_date(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let z = now / 86_400 + days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[tokio::test]
async fn an_exchange_dated_after_today_in_the_business_time_zone_is_refused() {
    let dir = DataDir::new();
    // UTC+14: today there is the UTC date or the next one, never two on.
    let server = Server::start_with(&dir, &["--timezone", "Pacific/Kiritimati"]).await;
    for (id, name) in [
        (DONG_NAI, "Ban quản lý các KCN Đồng Nai"),
        (LAM_DONG, "Ban quản lý các KCN Lâm Đồng"),
    ] {
        server
            .accept(&json!({"type": "RegisterParty", "data": {"party_id": id, "name": name, "kind": "industrial_zone_authority"}}))
            .await;
    }
    server
        .accept(&json!({"type": "SignAgreement", "data": {"agreement_id": AGREEMENT,
            "title": "Chương trình hợp tác", "parties": [DONG_NAI, LAM_DONG], "signed_on": "2020-01-01",
            "term": {"start": "2020-01-01", "end": "2099-12-31"}, "areas": ["investment_promotion"]}}))
        .await;
    let future = server
        .command(&exchange(5, &utc_date(2), &[DONG_NAI]))
        .await;
    assert_eq!(future.status, 422, "{}", future.text);
    assert_eq!(future.body["rule"], "exchange_in_future");
    server
        .accept(&exchange(6, &utc_date(-1), &[DONG_NAI]))
        .await;
}

#[test]
fn an_unknown_time_zone_stops_the_service_with_its_name() {
    let dir = DataDir::new();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--timezone",
            "Asia/Nowhere",
        ])
        .arg("--data")
        .arg(dir.data())
        .env("ACCORD_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Asia/Nowhere"), "{stderr}");
}

// ------------------------------------------------------- work plans (ADR 0032)

const SEMINAR: &str = "0190f0a0-2014-7000-8000-00000000ac01";
const FAIR: &str = "0190f0a0-2014-7000-8000-00000000ac02";

fn plan(id: &str, title: &str, due_on: &str) -> Value {
    json!({"type": "PlanActivity", "data": {
        "agreement_id": AGREEMENT, "activity_id": id, "area": "investment_promotion",
        "title": title, "lead_party": DONG_NAI, "due_on": due_on,
        "description": "Minh họa"}})
}

/// The seminar held on 20 March 2014 with its minutes and a follow-up for
/// Lâm Đồng due on 30 April 2014.
fn held_seminar() -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": AGREEMENT, "exchange_id": "0190f0a0-2014-7000-8000-000000000320",
        "occurred_on": "2014-03-20", "area": "investment_promotion", "kind": "meeting",
        "parties": [DONG_NAI, LAM_DONG], "summary": "Hội thảo xúc tiến đầu tư",
        "place": "Biên Hòa, Đồng Nai",
        "participants": [{"name": "Nguyễn Văn A", "title": "Phó Trưởng ban", "party_id": DONG_NAI},
                         {"name": "Trần Thị B"}],
        "minutes": "Biên bản: các Ban thống nhất lịch hội thảo năm 2014.",
        "follow_ups": [{"action": "Gửi báo cáo kết quả hội thảo", "party_id": LAM_DONG,
                        "due_on": "2014-04-30"}],
        "activity_id": SEMINAR}})
}

#[tokio::test]
async fn a_work_plan_and_an_exchange_in_full_are_recorded_and_read_at_any_date() {
    let dir = DataDir::new();
    let server = tripartite(&dir).await;
    server
        .accept(&plan(SEMINAR, "Hội thảo xúc tiến đầu tư", "2014-06-30"))
        .await;
    server
        .accept(&plan(FAIR, "Hội chợ việc làm liên tỉnh", "2014-02-28"))
        .await;
    let late = server
        .command(&plan(
            "0190f0a0-2014-7000-8000-00000000ac03",
            "Ngoài thời hạn",
            "2031-01-01",
        ))
        .await;
    assert_eq!(late.status, 422, "{}", late.text);
    assert_eq!(late.body["rule"], "activity_outside_term");
    assert_eq!(late.content_type, "application/problem+json");

    server.accept(&held_seminar()).await;
    let follow_up = agreement_at(&server, "2014-03-20").await["follow_ups"][0]["follow_up_id"]
        .as_str()
        .expect("a minted follow-up id")
        .to_owned();
    // The stored event carries the id it was given.
    let events = server.events().await;
    assert_eq!(
        events.last().unwrap()["data"]["follow_ups"][0]["follow_up_id"],
        follow_up.as_str()
    );
    // The same body again (another command id) is refused as a whole.
    let again = server.command(&held_seminar()).await;
    assert_eq!(
        again.body["rule"], "exchange_already_exists",
        "{}",
        again.text
    );

    let before = agreement_at(&server, "2014-03-19").await;
    let status = |view: &Value, i: usize| view["activities"][i]["status"].clone();
    // Ordered by due date: the fair (due 2014-02-28), then the seminar.
    assert_eq!(status(&before, 0), "overdue");
    assert_eq!(status(&before, 1), "planned");
    assert_eq!(before["follow_ups"], json!([]));
    let after = agreement_at(&server, "2014-03-20").await;
    assert_eq!(status(&after, 1), "done");
    assert_eq!(after["activities"][1]["done_on"], "2014-03-20");
    assert_eq!(after["follow_ups"][0]["status"], "open");
    assert_eq!(after["follow_ups"][0]["follow_up_id"], follow_up.as_str());
    let overdue = agreement_at(&server, "2014-05-01").await;
    assert_eq!(overdue["follow_ups"][0]["status"], "overdue");

    let exchanges = server
        .get_query(
            &format!("/v1/agreements/{AGREEMENT}/exchanges"),
            &[("at", "2014-12-31")],
        )
        .await;
    assert_eq!(exchanges.status, 200, "{}", exchanges.text);
    let held = &exchanges.body["items"][0];
    assert_eq!(held["place"], "Biên Hòa, Đồng Nai");
    assert_eq!(
        held["participants"][1],
        json!({"name": "Trần Thị B", "title": null, "party_id": null})
    );
    assert_eq!(
        held["minutes"],
        "Biên bản: các Ban thống nhất lịch hội thảo năm 2014."
    );
    assert_eq!(held["activity_id"], SEMINAR);

    // Completing it: not before the exchange, once.
    let complete = |on: &str| {
        json!({"type": "CompleteFollowUp", "data": {
            "agreement_id": AGREEMENT, "follow_up_id": follow_up, "completed_on": on}})
    };
    let early = server.command(&complete("2014-03-19")).await;
    assert_eq!(
        early.body["rule"], "completion_before_exchange",
        "{}",
        early.text
    );
    server.accept(&complete("2014-05-05")).await;
    let twice = server.command(&complete("2014-05-06")).await;
    assert_eq!(twice.body["rule"], "follow_up_done", "{}", twice.text);
    assert_eq!(
        agreement_at(&server, "2014-05-04").await["follow_ups"][0]["status"],
        "overdue"
    );
    assert_eq!(
        agreement_at(&server, "2014-05-05").await["follow_ups"][0]["status"],
        "done"
    );

    // Cancelling the carried-out seminar is refused; the fair is cancelled,
    // and an exchange may no longer carry it out.
    let cancel = |id: &str| {
        json!({"type": "CancelActivity", "data": {
            "agreement_id": AGREEMENT, "activity_id": id, "reason": "Ghép vào hội nghị vùng"}})
    };
    let done = server.command(&cancel(SEMINAR)).await;
    assert_eq!(done.body["rule"], "activity_done", "{}", done.text);
    let known_before = server.events().await.last().unwrap()["recorded_at"]
        .as_str()
        .unwrap()
        .to_owned();
    server.accept(&cancel(FAIR)).await;
    let mut late_fair = held_seminar();
    late_fair["data"]["exchange_id"] = json!("0190f0a0-2014-7000-8000-000000000321");
    late_fair["data"]["activity_id"] = json!(FAIR);
    late_fair["data"]["follow_ups"] = json!([]);
    let refused = server.command(&late_fair).await;
    assert_eq!(
        refused.body["rule"], "activity_cancelled",
        "{}",
        refused.text
    );
    assert_eq!(
        agreement_at(&server, "2014-03-19").await["activities"][0]["status"],
        "cancelled"
    );
    // Known before the cancellation, the fair was still overdue.
    let then = server
        .get_query(
            &format!("/v1/agreements/{AGREEMENT}"),
            &[("at", "2014-03-19"), ("as_of", known_before.as_str())],
        )
        .await;
    assert_eq!(then.status, 200, "{}", then.text);
    assert_eq!(then.body["activities"][0]["status"], "overdue");

    // The report counts them per agreement and party, in JSON and CSV.
    let report = server
        .get_query(
            "/v1/reports/cooperation",
            &[("at", "2014-12-31"), ("from", "2014-01-01")],
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    let row = &report.body["agreements"][0];
    assert_eq!(
        row["activities"],
        json!({"planned": 0, "done": 1, "overdue": 0, "cancelled": 1})
    );
    assert_eq!(row["follow_ups"], json!({"open": 0, "overdue": 0}));
    let dong_nai = report.body["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["party_id"] == DONG_NAI)
        .unwrap();
    assert_eq!(dong_nai["activities"]["done"], 1);
    let csv = server
        .get_query(
            "/v1/reports/cooperation",
            &[
                ("at", "2014-12-31"),
                ("from", "2014-01-01"),
                ("format", "csv"),
            ],
        )
        .await;
    let mut lines = csv.text.lines();
    assert!(lines.next().unwrap().ends_with(
        ",by_area,activities_planned,activities_done,activities_overdue,activities_cancelled,follow_ups_open,follow_ups_overdue"
    ));
    assert!(
        lines.next().unwrap().ends_with(",0,1,0,1,0,0"),
        "{}",
        csv.text
    );
}

#[tokio::test]
async fn the_plan_commands_and_fields_are_in_the_openapi_document() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let document = server.json("/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    let mapping = &schemas["CommandRequest"]["discriminator"]["mapping"];
    for name in ["PlanActivity", "CancelActivity", "CompleteFollowUp"] {
        assert_eq!(
            mapping[name],
            format!("#/components/schemas/{name}Command"),
            "{name}"
        );
    }
    let record = &schemas["RecordExchange"]["properties"];
    for field in [
        "place",
        "participants",
        "minutes",
        "follow_ups",
        "activity_id",
    ] {
        assert!(record[field].is_object(), "{field}");
    }
    let agreement = &schemas["AgreementView"]["properties"];
    assert!(agreement["activities"].is_object());
    assert!(agreement["follow_ups"].is_object());
    let row = &schemas["ReportAgreement"]["properties"];
    assert!(row["activities"].is_object() && row["follow_ups"].is_object());
}
