//! `accord export` and `accord import` end to end: a round trip gives the
//! same log, head hash and read models; a corrupted file is refused and
//! leaves no store behind.

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use server::{accord_verify, DataDir, Server};

const BILATERAL: &str = "0190f0a0-2007-7000-8000-000000002007";
const TRIPARTITE: &str = "0190f0a0-2013-7000-8000-000000002013";

fn accord(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord runs")
}

fn export(data: &Path, from: u64, out: &Path) -> Output {
    let from = from.to_string();
    accord(&[
        "export".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--from".as_ref(),
        from.as_ref(),
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

/// What a client sees of a log: its chain, its events and the read models.
async fn views(server: &Server) -> Vec<Value> {
    let mut views = vec![
        server.json("/v1/audit/verify").await,
        Value::Array(server.events().await),
        server.json("/v1/parties").await,
    ];
    for id in [BILATERAL, TRIPARTITE] {
        views.push(server.json(&format!("/v1/agreements/{id}")).await);
        views.push(server.json(&format!("/v1/agreements/{id}/history")).await);
    }
    for at in ["2013-07-03", "2013-07-05"] {
        views.push(server.json(&format!("/v1/agreements?at={at}")).await);
    }
    views.push(
        server
            .json("/v1/reports/cooperation?from=2007-01-01&to=2015-12-31")
            .await,
    );
    views
}

/// The demo log exported to a file; its views, taken before the server stopped.
async fn exported_demo() -> (DataDir, PathBuf, Vec<Value>) {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let before = views(&server).await;
    server.stop();
    let file = dir.data().parent().unwrap().join("log.ndjson");
    let out = export(&dir.data(), 0, &file);
    assert!(out.status.success(), "{}", text(&out));
    (dir, file, before)
}

#[tokio::test]
async fn export_then_import_gives_the_same_log_head_hash_and_read_models() {
    let (dir, file, before) = exported_demo().await;
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 23);
    let events = before[1].as_array().unwrap();
    for (line, event) in lines.lines().zip(events) {
        let parsed: Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(&parsed, event, "a line is the event as the API serves it");
    }

    let target = dir.data().parent().unwrap().join("migrated");
    let imported = import(&target, &file);
    assert!(imported.status.success(), "{}", text(&imported));
    let summary: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(summary["events"], 23);
    assert_eq!(summary["head_hash"], before[0]["head_hash"]);
    let verified = accord_verify(&target);
    assert!(verified.status.success(), "{}", text(&verified));

    let migrated = DataDir::new();
    std::fs::rename(&target, migrated.data()).unwrap();
    // --demo again: its 23 fixed command ids are known from the import, so
    // every retry answers 200 and appends nothing.
    let server = Server::start_demo(&migrated).await;
    assert_eq!(server.head().await, 23);
    let after = views(&server).await;
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a, b);
    }
}

#[tokio::test]
async fn a_corrupted_export_line_is_refused_naming_it_and_leaves_no_store() {
    let (dir, file, _) = exported_demo().await;
    let original = std::fs::read_to_string(&file).unwrap();
    let corrupted = original.replacen("Cung cấp thông tin", "Không cung cấp thông tin", 1);
    assert_ne!(corrupted, original);
    let bad_line = original
        .lines()
        .position(|line| line.contains("Cung cấp thông tin"))
        .unwrap()
        + 1;
    std::fs::write(&file, corrupted).unwrap();
    let target = dir.data().parent().unwrap().join("refused");
    let refused = import(&target, &file);
    let output = text(&refused);
    assert!(!refused.status.success(), "{output}");
    assert!(output.contains(&format!("line {bad_line}")), "{output}");
    assert!(!target.exists(), "nothing is written for a refused file");

    let missing = original.lines().enumerate().filter(|(i, _)| *i != 3);
    let gap: String = missing.map(|(_, line)| format!("{line}\n")).collect();
    std::fs::write(&file, gap).unwrap();
    let refused = import(&target, &file);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("line 4"), "{}", text(&refused));
    assert!(!target.exists());
}

#[tokio::test]
async fn an_export_from_a_position_continues_a_full_one_and_import_refuses_a_used_folder() {
    let (dir, file, _) = exported_demo().await;
    let tail = dir.data().parent().unwrap().join("tail.ndjson");
    let out = export(&dir.data(), 10, &tail);
    assert!(out.status.success(), "{}", text(&out));
    let full = std::fs::read_to_string(&file).unwrap();
    let expected: String = full.lines().skip(10).map(|l| format!("{l}\n")).collect();
    assert_eq!(std::fs::read_to_string(&tail).unwrap(), expected);

    let used = import(&dir.data(), &file);
    assert!(!used.status.success());
    assert!(text(&used).contains("not empty"), "{}", text(&used));
    let target = dir.data().parent().unwrap().join("tail-only");
    let alone = import(&target, &tail);
    assert!(
        !alone.status.success(),
        "a tail does not link to an empty log"
    );
    assert!(!target.exists());
}
