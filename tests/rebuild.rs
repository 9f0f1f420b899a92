//! `accord rebuild` and `accord rebuild --check` on the demo's log, run as
//! the real binary: snapshots rewritten from position 0, a good folder
//! passing the check, and a stored snapshot altered through the store API
//! making it fail with the snapshot named.

#[path = "support/server.rs"]
mod server;

use std::process::{Command, Output};

use accord_store::{SledStore, SnapshotStore};
use serde_json::Value;
use server::{DataDir, Server};

/// The demo's 23 events, with no server holding the folder.
async fn demo_log() -> DataDir {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    assert_eq!(server.head().await, 23);
    server.stop();
    dir
}

/// `accord rebuild --data DIR --snapshot-every 5 [extra]`.
fn rebuild(dir: &DataDir, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "rebuild",
            "--snapshot-every",
            "5",
            "--snapshot-keep-recent",
            "0",
            "--data",
        ])
        .arg(dir.data())
        .args(extra)
        .env_remove("ACCORD_DATA")
        .env_remove("ACCORD_SNAPSHOT_EVERY")
        .output()
        .expect("accord rebuild runs")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn rebuild_writes_a_snapshot_every_k_events_and_the_check_passes() {
    let dir = demo_log().await;

    let rebuilt = rebuild(&dir, &[]);
    let checked = rebuild(&dir, &["--check"]);

    assert!(rebuilt.status.success(), "{rebuilt:?}");
    assert_eq!(
        stdout_json(&rebuilt)["snapshots"],
        serde_json::json!([5, 10, 15, 20])
    );
    assert!(checked.status.success(), "{checked:?}");
    let report = stdout_json(&checked);
    assert_eq!(report["ok"], true);
    assert_eq!(
        report["snapshots_checked"],
        serde_json::json!([5, 10, 15, 20])
    );
    assert_eq!(report["served_from_snapshot"], 20);
}

#[tokio::test]
async fn rebuild_check_fails_naming_a_snapshot_that_differs_from_the_log() {
    let dir = demo_log().await;
    assert!(rebuild(&dir, &[]).status.success());
    {
        // Someone stores the models after event 5 as if they were those after event 10.
        let store = SledStore::open(&dir.data()).expect("the log opens");
        let (_, early) = store.snapshot_at_or_before(5).unwrap().unwrap();
        store.put_snapshot(10, &early).unwrap();
    }

    let checked = rebuild(&dir, &["--check"]);

    assert!(!checked.status.success(), "the check must fail");
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(
        stderr.contains("the snapshot at position 10 differs from the rebuild"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_server_restarted_after_a_rebuild_serves_the_same_models() {
    let dir = demo_log().await;
    let before = {
        let server = Server::start(&dir).await;
        let report = server.json("/v1/reports/cooperation?at=2013-07-05").await;
        server.stop();
        report
    };
    assert!(rebuild(&dir, &[]).status.success());

    let server = Server::start(&dir).await;

    assert_eq!(
        server.json("/v1/reports/cooperation?at=2013-07-05").await,
        before
    );
    let log = without_colours(&server.stderr());
    assert!(log.contains("snapshot=20 replayed=3"), "{log}");
}

/// The log without its ANSI colour codes.
fn without_colours(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                chars.by_ref().find(|c| *c == 'm');
            }
            c => plain.push(c),
        }
    }
    plain
}
