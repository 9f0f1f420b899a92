//! The seed's story over real HTTP: `accord serve --demo`, then every read a
//! secretariat or an auditor would make of the Đồng Nai – Lâm Đồng – Bình
//! Phước programs, and a restart that must not load the story twice.

#[path = "support/server.rs"]
mod server;

use serde_json::{json, Value};
use server::{DataDir, Server};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";
const FINAL_REVIEW: &str = "0190f0a0-2013-7000-8000-0000000000e1";
const TRIPARTITE_TITLE: &str = "Chương trình hợp tác và hỗ trợ lẫn nhau giữa Ban quản lý các KCN Đồng Nai, Lâm Đồng và Ban quản lý Khu kinh tế Bình Phước giai đoạn 2013–2015";
/// 3 parties, 2 signings, 6 exchanges, 1 review opened, 2 assessments, 1 closing.
const DEMO_EVENTS: u64 = 23;

async fn agreement(server: &Server, id: &str, at: &str) -> Value {
    server.json(&format!("/v1/agreements/{id}?at={at}")).await
}

#[tokio::test]
async fn the_parties_keep_their_vietnamese_names_exactly() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let parties = server.json("/v1/parties").await;
    let names: Vec<(&str, &str)> = parties["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| (p["party_id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    for expected in [
        (
            "dong-nai-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai",
        ),
        (
            "lam-dong-iza",
            "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng",
        ),
        ("binh-phuoc-eza", "Ban quản lý Khu kinh tế tỉnh Bình Phước"),
    ] {
        assert!(
            names.contains(&expected),
            "{expected:?} not among {names:?}"
        );
    }
    assert_eq!(names.len(), 3, "{names:?}");
    let binh_phuoc = server.json("/v1/parties/binh-phuoc-eza").await;
    assert_eq!(binh_phuoc["short_name"], "BQL KKT Bình Phước");
    assert_eq!(binh_phuoc["province"], "Bình Phước");
    assert_eq!(binh_phuoc["kind"], "economic_zone_authority");
}

#[tokio::test]
async fn the_bilateral_program_is_active_until_the_tripartite_one_supersedes_it() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let before = agreement(&server, BILATERAL, "2013-07-03").await;
    assert_eq!(before["status"], "active", "{before:#}");
    assert_eq!(before["superseded_by"], Value::Null);
    assert_eq!(before["exchanges"]["total"], 6);
    assert_eq!(
        before["reviews"][0]["status"], "open",
        "the review closes on 2013-07-04"
    );

    let after = agreement(&server, BILATERAL, "2013-07-05").await;
    assert_eq!(after["status"], "superseded", "{after:#}");
    assert_eq!(after["superseded_by"], TRIPARTITE);
    assert_eq!(after["parties"], json!(["dong-nai-iza", "lam-dong-iza"]));
    let reviews = after["reviews"].as_array().expect("reviews");
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    let review = &reviews[0];
    assert_eq!(review["review_id"], FINAL_REVIEW);
    assert_eq!(review["kind"], "final");
    assert_eq!(review["status"], "closed");
    assert_eq!(review["closed_on"], "2013-07-04");
    assert_eq!(review["outcome"], "met");
    let assessments = review["assessments"].as_array().expect("assessments");
    assert_eq!(assessments.len(), 2, "{assessments:?}");
    assert!(
        assessments.iter().all(|a| a["rating"] == "met"),
        "{assessments:?}"
    );
    let assessors: Vec<&Value> = assessments.iter().map(|a| &a["party_id"]).collect();
    assert_eq!(assessors, [&json!("dong-nai-iza"), &json!("lam-dong-iza")]);
}

#[tokio::test]
async fn the_tripartite_program_is_signed_on_4_july_2013_at_lam_dong_and_not_known_the_day_before()
{
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let tripartite = agreement(&server, TRIPARTITE, "2013-07-05").await;
    assert_eq!(tripartite["title"], TRIPARTITE_TITLE);
    assert_eq!(tripartite["signed_on"], "2013-07-04");
    assert_eq!(
        tripartite["place"],
        "Ban quản lý các Khu công nghiệp tỉnh Lâm Đồng"
    );
    assert_eq!(
        tripartite["parties"].as_array().map(Vec::len),
        Some(3),
        "{tripartite:#}"
    );
    assert_eq!(tripartite["supersedes"], BILATERAL);
    assert_eq!(tripartite["status"], "active");
    assert_eq!(
        tripartite["term"],
        json!({"start": "2013-07-04", "end": "2015-12-31"})
    );

    let unknown = server
        .get(&format!("/v1/agreements/{TRIPARTITE}?at=2013-07-03"))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert!(
        unknown.content_type.starts_with("application/problem+json"),
        "{}",
        unknown.content_type
    );
}

#[tokio::test]
async fn the_cooperation_report_counts_one_agreement_before_the_signing_and_two_after() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let before = server.json("/v1/reports/cooperation?at=2013-07-03").await;
    assert_eq!(before["totals"]["agreements"], 1, "{before:#}");
    assert_eq!(before["totals"]["reviews_closed"], 0);
    assert_eq!(before["totals"]["exchanges"], 6);

    let after = server.json("/v1/reports/cooperation?at=2013-07-05").await;
    assert_eq!(after["totals"]["agreements"], 2, "{after:#}");
    assert_eq!(after["totals"]["reviews_closed"], 1);
    let ids: Vec<&Value> = after["agreements"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|a| &a["agreement_id"])
        .collect();
    assert!(
        ids.contains(&&json!(BILATERAL)) && ids.contains(&&json!(TRIPARTITE)),
        "{ids:?}"
    );
}

#[tokio::test]
async fn the_cooperation_report_without_lineage_keeps_every_figure_and_drops_the_position_lists() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let full = server.json("/v1/reports/cooperation?at=2013-07-05").await;
    let bare = server
        .json("/v1/reports/cooperation?at=2013-07-05&lineage=none")
        .await;
    let mut expected = full.clone();
    for row in expected["agreements"].as_array_mut().expect("rows") {
        let row = row.as_object_mut().expect("a row");
        assert!(row.remove("exchange_sources").is_some(), "{full:#}");
        assert!(row.remove("review_sources").is_some(), "{full:#}");
    }
    assert_eq!(bare, expected, "only the two lists may differ");
    assert_eq!(
        server
            .json("/v1/reports/cooperation?at=2013-07-05&lineage=all")
            .await,
        full
    );

    let refused = server
        .get("/v1/reports/cooperation?at=2013-07-05&lineage=some")
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        refused.content_type.starts_with("application/problem+json"),
        "{}",
        refused.content_type
    );
    assert!(refused.text.contains("lineage"), "{}", refused.text);
}

#[tokio::test]
async fn the_cooperation_report_as_csv_has_a_header_and_one_row_per_agreement_in_vietnamese() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let csv = server
        .get("/v1/reports/cooperation?at=2013-07-05&format=csv")
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "content type {}",
        csv.content_type
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two rows:\n{}", csv.text);
    assert!(
        lines[0].starts_with("agreement_id,title,status"),
        "header {}",
        lines[0]
    );
    let row = lines
        .iter()
        .find(|l| l.starts_with(TRIPARTITE))
        .expect("a row for the tripartite program");
    assert!(row.contains(TRIPARTITE_TITLE), "title mangled in {row}");
    assert!(
        lines.iter().any(|l| l.starts_with(BILATERAL)),
        "{}",
        csv.text
    );
}

#[tokio::test]
async fn the_bilateral_history_is_oldest_first_and_hash_linked() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;

    let history = server
        .json(&format!("/v1/agreements/{BILATERAL}/history"))
        .await;
    let items = history["items"].as_array().expect("items");
    // Signing, 6 exchanges, review opened, 2 assessments, review closed.
    assert_eq!(items.len(), 11, "{history:#}");
    assert_eq!(items[0]["type"], "AgreementSigned");
    assert_eq!(items[10]["type"], "ReviewPeriodClosed");
    for (n, item) in items.iter().enumerate() {
        assert_eq!(
            item["version"],
            n as u64 + 1,
            "versions count from 1: {item:#}"
        );
        assert_eq!(item["stream"], format!("agreement:{BILATERAL}"));
        let hash = item["hash"].as_str().expect("a hash");
        assert_eq!(hash.len(), 64, "SHA-256 in hex: {hash}");
        if n > 0 {
            // The chain is global; the demo writes the bilateral's events back to back.
            let prev = &items[n - 1];
            assert_eq!(item["position"], prev["position"].as_u64().unwrap() + 1);
            assert_eq!(
                item["prev_hash"],
                prev["hash"],
                "event {n} does not link to {}",
                n - 1
            );
        }
    }
}

#[tokio::test]
async fn the_demo_log_verifies_and_a_second_demo_start_appends_nothing() {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    assert_eq!(verify["events"], DEMO_EVENTS);
    let head = server.head().await;
    assert_eq!(head, DEMO_EVENTS);
    let events = server.events().await;
    assert_eq!(events.len() as u64, DEMO_EVENTS);
    server.stop();

    let again = Server::start_demo(&dir).await;
    assert_eq!(
        again.head().await,
        head,
        "the restart appended events:\n{}",
        again.stderr()
    );
    assert_eq!(
        again.events().await,
        events,
        "the log changed across the restart"
    );
    let verify_again = again.json("/v1/audit/verify").await;
    assert_eq!(verify_again["head_hash"], verify["head_hash"]);
}
