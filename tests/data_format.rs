//! The data folder's format version against the real binary: a folder
//! marked with another version is refused at start, `accord serve` exits
//! non-zero (an error, not a panic) naming both versions and the way across,
//! and the folder is left as it was.

#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use server::{accord_verify, DataDir, Server, TOKEN};

/// `accord serve` on `data` until it exits by itself.
fn serve(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .env("ACCORD_ADMIN_TOKEN", TOKEN)
        .env_remove("ACCORD_DATA")
        .env_remove("ACCORD_LISTEN")
        .output()
        .expect("accord serve runs")
}

/// Asserts that `output` is a refusal of `data` as data format `found`.
fn assert_refused(output: &Output, data: &Path, found: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "an error exit:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for expected in [
        data.display().to_string(),
        format!("is in data format {found}"),
        "this accord reads data format 1".into(),
        "accord export".into(),
        "accord import".into(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} in:\n{stderr}");
    }
}

#[tokio::test]
async fn a_data_folder_of_another_format_version_is_refused_at_start_naming_both_versions() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    server
        .accept(&json!({"type": "RegisterParty", "data": {"party_id": "dong-nai-iza",
            "name": "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai", "kind": "industrial_zone_authority"}}))
        .await;
    server.stop();
    let marker = dir.data().join("FORMAT");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "accord-data 1\n");
    std::fs::write(&marker, "accord-data 2\n").unwrap();

    let data = dir.data();
    let (served, verified) =
        tokio::task::spawn_blocking(move || (serve(&data), accord_verify(&data)))
            .await
            .unwrap();

    assert_refused(&served, &dir.data(), "2");
    assert!(served.stdout.is_empty(), "it never listened");
    assert_refused(&verified, &dir.data(), "2");
    std::fs::write(&marker, "accord-data 1\n").unwrap();
    let server = Server::start(&dir).await;
    assert_eq!(
        server.events().await.len(),
        1,
        "the folder was left as it was"
    );
}
