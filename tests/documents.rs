//! Documents and attached files end to end, against the real binary on the
//! demo's register (ADR 0033): `AttachDocument` over HTTP (an unknown hash
//! refused with nothing appended, the same file attached twice, reads at
//! `at` and `as_of`), the `document` of an amendment, `accord verify` and
//! `/v1/audit/verify` reporting a deleted and an altered file by the
//! position of the event naming it, and export/import carrying the files
//! (a tampered file in an export refused, nothing created).

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};

use std::process::{Command, Output};

use serde_json::{json, Value};
use server::{accord_verify, DataDir, Reply, Server, TOKEN};
use sha2::{Digest, Sha256};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Bytes that look like a small PDF, distinct for each `label`.
fn pdf(label: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {label}\n% Biên bản – Đồng Nai, Lâm Đồng, Bình Phước\n%%EOF\n")
        .into_bytes()
}

async fn upload(server: &Server, media_type: &str, body: &[u8]) -> Reply {
    server
        .send(
            server
                .client
                .post(server.url("/v1/attachments"))
                .bearer_auth(TOKEN)
                .header("Content-Type", media_type)
                .body(body.to_vec()),
        )
        .await
}

/// Uploads `bytes` as a PDF; its SHA-256.
async fn stored(server: &Server, bytes: &[u8]) -> String {
    let reply = upload(server, "application/pdf", bytes).await;
    assert!(matches!(reply.status, 200 | 201), "{}", reply.text);
    reply.body["sha256"].as_str().unwrap().to_owned()
}

fn attach(sha: &str, title: &str, dated_on: &str) -> Value {
    json!({"type": "AttachDocument", "data": {
        "agreement_id": TRIPARTITE, "attachment": sha, "title": title,
        "kind": "minutes", "dated_on": dated_on, "filename": "biên-bản.pdf"}})
}

async fn agreement(server: &Server, query: &[(&str, &str)]) -> Value {
    let reply = server
        .get_query(&format!("/v1/agreements/{TRIPARTITE}"), query)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

fn titles(view: &Value) -> Vec<String> {
    view["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_stored_file_is_attached_read_at_any_date_and_an_unknown_hash_refused() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let minutes = pdf("hội nghị xúc tiến đầu tư 2014");
    let sha = stored(&server, &minutes).await;

    // An unknown hash: 422, its rule, nothing appended.
    let head = server.head().await;
    let unknown = sha256(b"never uploaded");
    let refused = server
        .command(&attach(&unknown, "Biên bản", "2014-05-20"))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.content_type, "application/problem+json");
    assert_eq!(refused.body["rule"], "attachment_not_found");
    assert!(refused.body["detail"].as_str().unwrap().contains(&unknown));
    assert_eq!(server.head().await, head, "nothing appended");
    // A document dated after today: its own rule.
    let future = server
        .command(&attach(&sha, "Biên bản", "2999-01-01"))
        .await;
    assert_eq!(future.body["rule"], "document_in_future", "{}", future.text);
    assert_eq!(server.head().await, head);

    let before = server.events().await.last().unwrap()["recorded_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = server
        .accept(&attach(
            &sha,
            "Biên bản hội nghị xúc tiến đầu tư",
            "2014-05-20",
        ))
        .await;
    assert_eq!(first["events"][0]["type"], "DocumentAttached");
    let position = first["position"].as_u64().unwrap();
    let page = server
        .json(&format!("/v1/events?after={}&limit=1", position - 1))
        .await;
    let event = &page["items"][0];
    assert_eq!(event["data"]["attachment"], sha);
    assert_eq!(event["data"]["size"], minutes.len());
    assert_eq!(event["data"]["media_type"], "application/pdf");
    assert_eq!(event["effective_on"], "2014-05-20");
    // The same file again, under another title: a second fact.
    server
        .accept(&attach(&sha, "Biên bản (bản sao)", "2014-06-01"))
        .await;

    let now = agreement(&server, &[]).await;
    assert_eq!(
        titles(&now),
        ["Biên bản hội nghị xúc tiến đầu tư", "Biên bản (bản sao)"]
    );
    let shown = &now["attachments"][0];
    assert_eq!(shown["attachment"], sha);
    assert_eq!(shown["kind"], "minutes");
    assert_eq!(shown["filename"], "biên-bản.pdf");
    assert_eq!(shown["size"], minutes.len());
    assert_eq!(shown["source"], position);
    // At a date before the second, only the first; before both, none.
    let at = agreement(&server, &[("at", "2014-05-25")]).await;
    assert_eq!(titles(&at), ["Biên bản hội nghị xúc tiến đầu tư"]);
    assert!(titles(&agreement(&server, &[("at", "2014-05-19")]).await).is_empty());
    // As known before the attaching: none, at any date.
    let known_before = agreement(&server, &[("as_of", before.as_str())]).await;
    assert!(titles(&known_before).is_empty(), "{known_before}");
    // The bytes named are served as uploaded.
    let bytes = server
        .client
        .get(server.url(&format!(
            "/v1/attachments/{}",
            now["attachments"][0]["attachment"].as_str().unwrap()
        )))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), minutes.as_slice());
}

#[tokio::test]
async fn an_exchange_and_a_review_list_their_own_files_and_a_wrong_target_is_refused() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let sha = stored(&server, &pdf("biên bản làm việc")).await;
    let exchanges = || async {
        server
            .json(&format!("/v1/agreements/{BILATERAL}/exchanges"))
            .await
    };
    let listed = exchanges().await;
    let exchange = listed["items"][0].clone();
    let exchange_id = exchange["exchange_id"].as_str().unwrap();
    let on = exchange["occurred_on"].as_str().unwrap();
    let mut to_exchange = attach(&sha, "Biên bản làm việc", on);
    to_exchange["data"]["agreement_id"] = json!(BILATERAL);
    to_exchange["data"]["exchange_id"] = json!(exchange_id);
    server.accept(&to_exchange).await;
    let listed = exchanges().await;
    let own = |x: &Value| x["attachments"].as_array().unwrap().len();
    let counts: Vec<usize> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(own)
        .collect();
    assert_eq!(counts[0], 1, "{listed}");
    assert!(
        counts.len() > 1 && counts[1..].iter().all(|n| *n == 0),
        "{counts:?}"
    );
    assert_eq!(
        listed["items"][0]["attachments"][0]["exchange_id"],
        exchange_id
    );

    // An exchange of another agreement: refused, nothing appended.
    let mut wrong = attach(&sha, "Biên bản", on);
    wrong["data"]["exchange_id"] = json!(exchange_id);
    let head = server.head().await;
    let refused = server.command(&wrong).await;
    assert_eq!(
        refused.body["rule"], "exchange_not_found",
        "{}",
        refused.text
    );
    wrong["data"]["review_id"] = json!("0190f0a0-2013-7000-8000-0000000000e1");
    let both = server.command(&wrong).await;
    assert_eq!(both.body["rule"], "exchange_and_review", "{}", both.text);
    assert_eq!(server.head().await, head);

    // A review of the bilateral program lists its own file.
    let view = server
        .json(&format!("/v1/agreements/{BILATERAL}?at=2013-12-31"))
        .await;
    let review = view["reviews"][0]["review_id"].as_str().unwrap().to_owned();
    let mut to_review = attach(&sha, "Báo cáo tổng kết", "2013-07-04");
    to_review["data"]["agreement_id"] = json!(BILATERAL);
    to_review["data"]["kind"] = json!("report");
    to_review["data"]["review_id"] = json!(review);
    server.accept(&to_review).await;
    let view = server
        .json(&format!("/v1/agreements/{BILATERAL}?at=2013-12-31"))
        .await;
    assert_eq!(
        view["reviews"][0]["attachments"][0]["title"],
        "Báo cáo tổng kết"
    );
    // The agreement lists both, by date: the exchange's first.
    let all = view["attachments"].as_array().unwrap();
    assert_eq!(all.len(), 2, "{view}");
    assert_eq!(all[0]["exchange_id"], exchange_id);
    assert_eq!(all[1]["review_id"], review.as_str());
}

#[tokio::test]
async fn an_amendment_s_document_is_the_agreement_s_from_its_date() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let document = json!({"number": "02/PL-CTHT", "issued_on": "2014-06-20",
        "signatories": [{"party_id": "lam-dong-iza", "name": "Trần Thị Lâm", "title": "Trưởng ban"}]});
    let amend = |document: Value| {
        json!({"type": "AmendAgreement", "data": {"agreement_id": TRIPARTITE,
            "effective_on": "2014-07-01", "reason": "Phụ lục bổ sung", "document": document}})
    };
    server.accept(&amend(document.clone())).await;
    let after = agreement(&server, &[("at", "2014-07-01")]).await;
    assert_eq!(after["document"], document);
    let before = agreement(&server, &[("at", "2014-06-30")]).await;
    assert_ne!(before["document"], document);
    // A signatory for a party outside the agreement: refused at its rule.
    let outsider =
        json!({"number": "03/PL", "signatories": [{"party_id": "nobody-iza", "name": "X"}]});
    let refused = server.command(&amend(outsider)).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.body["rule"], "signatory_not_party");
    let empty = server.command(&amend(json!({}))).await;
    assert_eq!(empty.body["rule"], "empty_document", "{}", empty.text);
    // The OpenAPI document describes the command and the new fields.
    let doc = server.json("/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["AttachDocumentCommand"].is_object());
    assert!(schemas["AttachDocument"]["properties"]["attachment"].is_object());
    assert!(schemas["AgreementView"]["properties"]["attachments"].is_object());
    assert!(schemas["AmendAgreement"]["properties"]["document"].is_object());
}

/// Two files attached, each by one event: their positions.
async fn two_attached(server: &Server) -> (String, u64, String, u64) {
    let kept = stored(server, &pdf("báo cáo sơ kết")).await;
    let kept_at = server
        .accept(&attach(&kept, "Báo cáo sơ kết", "2014-06-30"))
        .await["position"]
        .as_u64()
        .unwrap();
    let other = stored(server, &pdf("kế hoạch 2015")).await;
    let other_at = server
        .accept(&attach(&other, "Kế hoạch 2015", "2014-12-15"))
        .await["position"]
        .as_u64()
        .unwrap();
    (kept, kept_at, other, other_at)
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn verify_reports_a_deleted_and_an_altered_file_by_the_event_naming_it() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let (deleted, deleted_at, altered, altered_at) = two_attached(&server).await;
    let clean = server.json("/v1/audit/verify").await;
    assert_eq!(clean["ok"], true, "{clean}");
    assert_eq!(
        clean["files"],
        json!({"ok": true, "events": 2, "files": 2, "faults": []})
    );
    server.stop();

    let files = dir.data().join("attachments");
    std::fs::remove_file(files.join(&deleted)).unwrap();
    std::fs::write(files.join(&altered), pdf("kế hoạch 2015, sửa lén")).unwrap();

    let offline = accord_verify(&dir.data());
    assert!(!offline.status.success(), "a missing file fails verify");
    let found = report(&offline);
    assert_eq!(found["ok"], true, "the chain itself verifies: {found}");
    let faults = found["files"]["faults"].as_array().unwrap().clone();
    assert_eq!(found["files"]["ok"], false);
    assert_eq!(faults.len(), 2, "{found}");
    assert_eq!(faults[0]["position"], deleted_at);
    assert_eq!(faults[0]["attachment"], deleted);
    assert_eq!(faults[0]["problem"], "missing");
    assert_eq!(faults[1]["position"], altered_at);
    assert_eq!(faults[1]["attachment"], altered);
    assert_eq!(faults[1]["problem"], "altered");
    let stderr = String::from_utf8_lossy(&offline.stderr);
    assert!(
        stderr.contains(&format!("position {deleted_at}")),
        "{stderr}"
    );

    // An export would not import: it stops, naming the event and the file.
    let out = export(&dir.data(), &dir.log("refused-export.ndjson"));
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains(&format!("position {deleted_at}")), "{said}");
    assert!(said.contains(&deleted), "{said}");

    // Online, the same faults, and `ok` false.
    let server = Server::start(&dir).await;
    let online = server.json("/v1/audit/verify").await;
    assert_eq!(online["ok"], false, "{online}");
    assert_eq!(online["first_bad_position"], Value::Null);
    assert_eq!(online["files"]["faults"], json!(faults));
}

fn accord(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord runs")
}

fn export(data: &Path, out: &Path) -> Output {
    accord(&[
        "export".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn import(data: &Path, file: &Path) -> Output {
    accord(&[
        "import".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        file.as_os_str(),
    ])
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn an_export_carries_the_files_and_a_tampered_file_is_refused() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    // A file larger than one piece, so that pieces follow each other.
    let plan: Vec<u8> = (0..130_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let big = stored(&server, &plan).await;
    server
        .accept(&attach(&big, "Kế hoạch hợp tác", "2014-01-10"))
        .await;
    // The same file twice is carried once.
    server
        .accept(&attach(&big, "Kế hoạch (bản sao)", "2014-01-11"))
        .await;
    let (small, _, _, _) = two_attached(&server).await;
    let head = server.json("/v1/audit/verify").await["head_hash"].clone();
    server.stop();

    let exported: PathBuf = dir.log("with-files.ndjson");
    let out = export(&dir.data(), &exported);
    assert!(out.status.success(), "{}", text(&out));
    let lines = std::fs::read_to_string(&exported).unwrap();
    let pieces = lines
        .lines()
        .filter(|l| l.starts_with("{\"file\":"))
        .count();
    let big_pieces = (plan.len() as u64).div_ceil(48 * 1024) as usize;
    assert_eq!(
        pieces,
        big_pieces + 2,
        "each file once, the large one in pieces"
    );

    let copy = DataDir::new();
    let restored = copy.data();
    let out = import(&restored, &exported);
    assert!(out.status.success(), "{}", text(&out));
    let verified = accord_verify(&restored);
    assert!(verified.status.success(), "{}", text(&verified));
    let verified = report(&verified);
    assert_eq!(verified["head_hash"], head);
    assert_eq!(verified["files"]["faults"], json!([]));
    assert_eq!(verified["files"]["files"], 3);

    // After the import, the files are served.
    let server = Server::start(&copy).await;
    for (sha, bytes) in [(&big, plan.clone()), (&small, pdf("báo cáo sơ kết"))] {
        let served = server
            .client
            .get(server.url(&format!("/v1/attachments/{sha}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(served.status().as_u16(), 200);
        assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    server.stop();

    // One byte of a piece changed: refused, naming the line, nothing created.
    let mut tampered = String::new();
    let mut changed = false;
    for line in lines.lines() {
        if !changed && line.starts_with("{\"file\":") {
            let mut piece: Value = serde_json::from_str(line).unwrap();
            let text = piece["base64"].as_str().unwrap().to_owned();
            let flipped = if text.starts_with('A') { "B" } else { "A" };
            piece["base64"] = json!(format!("{flipped}{}", &text[1..]));
            tampered.push_str(&piece.to_string());
            changed = true;
        } else {
            tampered.push_str(line);
        }
        tampered.push('\n');
    }
    let tampered_file = dir.log("tampered.ndjson");
    std::fs::write(&tampered_file, tampered).unwrap();
    let target = dir.log("refused");
    let out = import(&target, &tampered_file);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("does not hash to its name") || said.contains("hash to"),
        "{said}"
    );
    assert!(said.contains("line "), "{said}");
    assert!(!target.exists(), "nothing created");

    // An export whose event names a file it does not carry is refused too.
    let without: String = lines
        .lines()
        .filter(|l| !l.starts_with("{\"file\":"))
        .map(|l| format!("{l}\n"))
        .collect();
    let without_file = dir.log("without-files.ndjson");
    std::fs::write(&without_file, without).unwrap();
    let out = import(&dir.log("refused-too"), &without_file);
    assert!(!out.status.success());
    assert!(text(&out).contains("does not carry"), "{}", text(&out));
}
