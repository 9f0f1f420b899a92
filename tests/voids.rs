//! Voids over real HTTP on the real binary (ADR 0031): a voided termination
//! read at two `as_of` instants, the history marking the voided event
//! `voided_by`, a void refused because a later fact depends on the voided
//! one, and a void surviving a restart, `accord rebuild --check` and an
//! export → import with the same head hash.

#[path = "support/server.rs"]
mod server;

use std::process::{Command, Output};

use serde_json::{json, Value};
use server::{accord_rebuild_check, accord_verify, DataDir, Server};

const AGREEMENT: &str = "0190f0a0-2010-7000-8000-000000000001";
const PARTIES: [&str; 2] = ["dong-nai-iza", "lam-dong-iza"];

/// Two parties (1, 2), the program over 2010–2015 (3), an exchange in 2012
/// (4), a termination from 2013-01-01 (5).
async fn seeded(dir: &DataDir) -> Server {
    let server = Server::start(dir).await;
    for (id, name) in PARTIES.iter().zip([
        "Ban quản lý các KCN Đồng Nai",
        "Ban quản lý các KCN Lâm Đồng",
    ]) {
        let data = json!({"party_id": id, "name": name, "kind": "industrial_zone_authority"});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    let data = json!({"agreement_id": AGREEMENT, "title": "Chương trình hợp tác 2010–2015",
        "parties": PARTIES, "signed_on": "2010-01-15", "term": {"start": "2010-01-15", "end": "2015-12-31"},
        "areas": ["investment_promotion"]});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
    server
        .accept(&exchange(
            "0190f0a0-2012-7000-8000-000000000001",
            "2012-05-10",
        ))
        .await;
    let data = json!({"agreement_id": AGREEMENT, "effective_on": "2013-01-01",
        "reason": "Các bên thống nhất chấm dứt chương trình"});
    server
        .accept(&json!({"type": "TerminateAgreement", "data": data}))
        .await;
    server
}

fn exchange(id: &str, on: &str) -> Value {
    json!({"type": "RecordExchange", "data": {
        "agreement_id": AGREEMENT, "exchange_id": id, "occurred_on": on, "area": "investment_promotion",
        "kind": "meeting", "parties": PARTIES, "summary": "Hội nghị xúc tiến đầu tư chung"}})
}

fn void(event_id: &str, reason: &str) -> Value {
    json!({"type": "VoidEvent", "data": {"event_id": event_id, "reason": reason}})
}

fn event(events: &[Value], position: u64) -> &Value {
    let e = &events[position as usize - 1];
    assert_eq!(e["position"], position);
    e
}

async fn status(server: &Server, query: &[(&str, &str)]) -> String {
    let reply = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}"), query)
        .await;
    assert_eq!(reply.status, 200, "{query:?}: {}", reply.text);
    reply.body["status"].as_str().unwrap().to_owned()
}

async fn history(server: &Server, query: &[(&str, &str)]) -> Vec<Value> {
    let reply = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}/history"), query)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_voided_termination_reads_terminated_before_the_void_and_active_after_it() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let events = server.events().await;
    let termination = event(&events, 5)["id"].as_str().unwrap().to_owned();
    let voided = server
        .accept(&void(&termination, "Nhập nhầm chương trình bị chấm dứt"))
        .await;
    assert_eq!(voided["position"], 6);
    let events = server.events().await;
    let (terminated_at, voided_at) = (
        event(&events, 5)["recorded_at"].as_str().unwrap(),
        event(&events, 6)["recorded_at"].as_str().unwrap(),
    );
    let void_id = event(&events, 6)["id"].as_str().unwrap();
    assert_eq!(event(&events, 6)["type"], "EventVoided");
    assert_eq!(
        event(&events, 6)["stream"],
        format!("agreement:{AGREEMENT}")
    );
    assert_eq!(
        event(&events, 6)["data"]["voided_type"],
        "AgreementTerminated"
    );

    let on = ("at", "2014-01-01");
    assert_eq!(
        status(&server, &[on, ("as_of", terminated_at)]).await,
        "terminated"
    );
    assert_eq!(status(&server, &[on, ("as_of", voided_at)]).await, "active");
    assert_eq!(status(&server, &[on]).await, "active");

    // The history shows both; the termination marked only as of the void.
    let before = history(&server, &[("as_of", terminated_at)]).await;
    // The agreement's stream: the signature, the exchange, the termination.
    assert_eq!(before.len(), 3);
    assert!(before[2].get("voided_by").is_none(), "{}", before[2]);
    let after = history(&server, &[]).await;
    assert_eq!(after.len(), 4);
    assert_eq!(after[2]["voided_by"], void_id);
    assert_eq!(after[3]["type"], "EventVoided");
    let log = server.json("/v1/events").await;
    assert_eq!(log["items"][4]["voided_by"], void_id);
    let as_of = server
        .get_query("/v1/events", &[("as_of", terminated_at)])
        .await;
    assert!(as_of.body["items"][4].get("voided_by").is_none());

    // Without the termination an exchange after its date is accepted.
    server
        .accept(&exchange(
            "0190f0a0-2013-7000-8000-000000000002",
            "2013-06-01",
        ))
        .await;
    let id = "0190f0a0-2013-7000-8000-000000000003";
    assert_eq!(
        server.command(&exchange(id, "2013-06-02")).await.status,
        201
    );
    server.stop();
    let check = accord_rebuild_check(&dir.data());
    assert!(check.status.success(), "{}", text(&check));
    let server = Server::start(&dir).await;
    assert_eq!(status(&server, &[on]).await, "active");
}

#[tokio::test]
async fn an_agreement_whose_signature_was_voided_is_in_no_view_but_its_history_is_read() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let mistaken = "0190f0a0-2014-7000-8000-000000000009";
    let data = json!({"agreement_id": mistaken, "title": "Chương trình ký nhầm",
        "parties": PARTIES, "signed_on": "2014-03-01", "term": {"start": "2014-03-01", "end": "2016-12-31"},
        "areas": ["investment_promotion"]});
    let signed = server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
    assert_eq!(signed["position"], 6);
    let events = server.events().await;
    let (signature, signed_at) = (
        event(&events, 6)["id"].as_str().unwrap().to_owned(),
        event(&events, 6)["recorded_at"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    server
        .accept(&void(&signature, "Ký nhầm chương trình"))
        .await;
    let void_id = server.events().await[6]["id"].as_str().unwrap().to_owned();

    let path = format!("/v1/agreements/{mistaken}");
    assert_eq!(server.get_query(&path, &[]).await.status, 404);
    let history = server.get_query(&format!("{path}/history"), &[]).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the signature, then its void: {items:?}");
    assert_eq!(items[0]["voided_by"], void_id.as_str());
    assert_eq!(items[1]["type"], "EventVoided");
    // As known before the void: the agreement and its plain signature.
    let before = server
        .get_query(&format!("{path}/history"), &[("as_of", &signed_at)])
        .await;
    assert_eq!(before.body["items"].as_array().map(Vec::len), Some(1));
    assert!(before.body["items"][0].get("voided_by").is_none());
    // Before it was signed, it had no history then as now.
    let earlier = server
        .get_query(&format!("{path}/history"), &[("at", "2014-02-28")])
        .await;
    assert_eq!(earlier.status, 404, "{}", earlier.text);
    server.stop();
}

#[tokio::test]
async fn a_void_a_later_fact_depends_on_is_refused_naming_it_and_appends_nothing() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let events = server.events().await;
    let signature = event(&events, 3)["id"].as_str().unwrap();
    let refused = server.command(&void(signature, "Ký nhầm")).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.content_type.starts_with("application/problem+json"));
    assert_eq!(
        refused.body["rule"], "void_breaks_history",
        "{}",
        refused.text
    );
    let exchange_id = event(&events, 4)["id"].as_str().unwrap();
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("ExchangeRecorded at position 4") && detail.contains(exchange_id),
        "{detail}"
    );
    let unknown = server
        .command(&void("0190f0a0-0000-7000-8000-000000000000", "Nhập nhầm"))
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["rule"], "event_not_found");
    let malformed = server.command(&void("not-a-uuid", "Nhập nhầm")).await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert_eq!(server.head().await, 5);
}

fn accord(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What a client reads of the seeded log after the void.
async fn reads(server: &Server) -> Vec<Value> {
    vec![
        server.json("/v1/audit/verify").await,
        server
            .json(&format!("/v1/agreements/{AGREEMENT}?at=2014-01-01"))
            .await,
        server
            .json(&format!("/v1/agreements/{AGREEMENT}/history"))
            .await,
        server.json("/v1/events").await,
    ]
}

#[tokio::test]
async fn a_void_survives_export_and_import_with_the_same_head_hash_and_reads() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let events = server.events().await;
    let termination = event(&events, 5)["id"].as_str().unwrap().to_owned();
    server.accept(&void(&termination, "Chấm dứt nhầm")).await;
    let before = reads(&server).await;
    assert_eq!(before[1]["status"], "active");
    server.stop();
    let file = dir.data().parent().unwrap().join("voided.ndjson");
    let out = accord(&[
        "export".as_ref(),
        "--data".as_ref(),
        dir.data().as_os_str(),
        "--out".as_ref(),
        file.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let target = dir.data().parent().unwrap().join("imported");
    let out = accord(&[
        "import".as_ref(),
        "--data".as_ref(),
        target.as_os_str(),
        file.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["head_hash"], before[0]["head_hash"]);
    let verified = accord_verify(&target);
    assert!(verified.status.success(), "{}", text(&verified));
    let migrated = DataDir::new();
    std::fs::rename(&target, migrated.data()).unwrap();
    let server = Server::start(&migrated).await;
    let after = reads(&server).await;
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_voided_exchange_leaves_the_report_and_its_lineage_and_the_diff_says_so() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let events = server.events().await;
    let exchange_id = event(&events, 4)["id"].as_str().unwrap().to_owned();
    server
        .accept(&void(&exchange_id, "Ghi nhầm hoạt động"))
        .await;
    let events = server.events().await;
    let (before, after) = (
        event(&events, 5)["recorded_at"]
            .as_str()
            .unwrap()
            .to_owned(),
        event(&events, 6)["recorded_at"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let report = |as_of: String| {
        let server = &server;
        async move {
            let query = [
                ("from", "2010-01-01"),
                ("to", "2015-12-31"),
                ("at", "2015-12-31"),
                ("as_of", as_of.as_str()),
            ];
            let reply = server.get_query("/v1/reports/cooperation", &query).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.body["agreements"][0].clone()
        }
    };
    let then = report(before.clone()).await;
    assert_eq!(then["exchanges"], 1);
    assert_eq!(then["exchange_sources"], json!([4]));
    let now = report(after.clone()).await;
    assert_eq!(now["exchanges"], 0);
    assert_eq!(now["exchange_sources"], json!([]));
    let query = [("from", before.as_str()), ("to", after.as_str())];
    let diff = server
        .get_query(&format!("/v1/agreements/{AGREEMENT}/diff"), &query)
        .await;
    assert_eq!(diff.status, 200, "{}", diff.text);
    // From before the void to after it, the exchange is removed.
    let changes = diff.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{}", diff.text);
    assert_eq!(changes[0]["kind"], "exchange_removed");
    assert_eq!(changes[0]["sources"], json!([4]));
}
