//! `accord verify` and `GET /v1/audit/verify` on a good log, then on logs
//! tampered with on disk by someone who did not recompute the hashes: event 7
//! overwritten, event 7 removed, events 5 and 9 swapped.

#[path = "support/server.rs"]
mod server;

use std::process::Output;

use accord_store::SledStore;
use serde_json::Value;
use server::{accord_verify, DataDir, Server};

const TAMPERED: u64 = 7;

/// The demo's 23 events, with no server holding the folder.
async fn demo_log() -> DataDir {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    assert_eq!(server.head().await, 23);
    server.stop();
    dir
}

fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Rewrites the summary inside event 7's stored bytes, keeping its hash.
fn tamper_with_event_7(dir: &DataDir) {
    let store = SledStore::open(&dir.data()).expect("the log opens");
    let tamper = store.tamper();
    let bytes = tamper
        .event_bytes(TAMPERED)
        .expect("readable")
        .expect("event 7 exists");
    let original = String::from_utf8(bytes).expect("canonical bytes are UTF-8 JSON");
    let edited = original.replace("Cung cấp thông tin", "Không cung cấp thông tin");
    assert_ne!(
        edited, original,
        "event 7 is the exchange about state-management information:\n{original}"
    );
    tamper
        .overwrite_event_bytes(TAMPERED, edited.as_bytes())
        .expect("the overwrite");
}

#[tokio::test]
async fn accord_verify_accepts_an_untouched_log_and_names_position_7_once_it_is_tampered() {
    let dir = demo_log().await;
    let good = accord_verify(&dir.data());
    assert!(
        good.status.success(),
        "accord verify failed on a good log:\n{}",
        output_text(&good)
    );
    let report: Value = serde_json::from_slice(&good.stdout).expect("accord verify prints JSON");
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["events"], 23);

    tamper_with_event_7(&dir);
    let bad = accord_verify(&dir.data());
    let text = output_text(&bad);
    assert!(
        !bad.status.success(),
        "accord verify passed a tampered log:\n{text}"
    );
    assert!(
        text.contains("first bad position 7"),
        "the output does not name position 7:\n{text}"
    );
    let report: Value =
        serde_json::from_slice(&bad.stdout).expect("the report is still printed as JSON");
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_bad_position"], TAMPERED);
    assert_eq!(
        report["events"],
        TAMPERED - 1,
        "the events before 7 still verify"
    );
}

#[tokio::test]
async fn the_audit_route_of_a_server_on_a_tampered_log_reports_position_7() {
    let dir = demo_log().await;
    tamper_with_event_7(&dir);
    let server = Server::start(&dir).await;
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], false, "{verify:#}");
    assert_eq!(verify["first_bad_position"], TAMPERED, "{verify:#}");
    let events = server.events().await;
    let sixth = events[TAMPERED as usize - 2]["recorded_at"]
        .as_str()
        .expect("recorded_at");
    let before = server
        .get_query("/v1/audit/verify", &[("as_of", sixth)])
        .await;
    assert_eq!(
        before.body["ok"], true,
        "the log as it stood at event 6 verifies: {}",
        before.text
    );
    assert_eq!(before.body["events"], TAMPERED - 1);
}

/// `accord verify` must fail naming `position`; then a server on the same
/// folder must report it at `GET /v1/audit/verify`.
async fn assert_named_by_cli_and_http(dir: &DataDir, position: u64) {
    let bad = accord_verify(&dir.data());
    let text = output_text(&bad);
    assert!(!bad.status.success(), "accord verify passed:\n{text}");
    assert!(
        text.contains(&format!("first bad position {position}")),
        "the output does not name position {position}:\n{text}"
    );
    let server = Server::start(dir).await;
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], false, "{verify:#}");
    assert_eq!(verify["first_bad_position"], position, "{verify:#}");
    assert_eq!(verify["events"], position - 1, "{verify:#}");
}

#[tokio::test]
async fn a_removed_event_is_named_by_accord_verify_and_by_the_audit_route() {
    let dir = demo_log().await;
    {
        let store = SledStore::open(&dir.data()).expect("the log opens");
        store.tamper().remove_event(TAMPERED).expect("the removal");
    }
    assert_named_by_cli_and_http(&dir, TAMPERED).await;
}

#[tokio::test]
async fn two_swapped_events_are_named_by_accord_verify_and_by_the_audit_route() {
    let dir = demo_log().await;
    {
        let store = SledStore::open(&dir.data()).expect("the log opens");
        store.tamper().swap_events(5, 9).expect("the swap");
    }
    assert_named_by_cli_and_http(&dir, 5).await;
}
