//! The data folder's format version against the real binary: a folder
//! marked with another version is refused at start, `accord serve` exits
//! non-zero (an error, not a panic) naming both versions and the way across,
//! and the folder is left as it was. Real folders of data formats 1 and 2
//! (tests/fixtures/data-format-N, each written by the accord of that
//! format) are refused, and the export that accord made of each imports
//! into this format with the same events, bytes and head hash: the
//! migration of ADRs 0048 and 0055.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use accord_store::DATA_FORMAT;
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
        format!("this accord reads data format {DATA_FORMAT}"),
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
    let current = format!("accord-data {DATA_FORMAT}\n");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), current);
    let other = DATA_FORMAT + 1;
    std::fs::write(&marker, format!("accord-data {other}\n")).unwrap();

    let data = dir.data();
    let (served, verified) =
        tokio::task::spawn_blocking(move || (serve(&data), accord_verify(&data)))
            .await
            .unwrap();

    assert_refused(&served, &dir.data(), &other.to_string());
    assert!(served.stdout.is_empty(), "it never listened");
    assert_refused(&verified, &dir.data(), &other.to_string());
    std::fs::write(&marker, current).unwrap();
    let server = Server::start(&dir).await;
    assert_eq!(
        server.events().await.len(),
        1,
        "the folder was left as it was"
    );
}

/// The fixture of data format `format`: a data folder and its export, both
/// written by the accord of that format (the fixture's README says how).
fn fixture(format: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/data-format-{format}"))
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                found.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    found
}

fn accord(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord runs")
}

#[tokio::test]
async fn a_folder_of_data_format_1_is_refused_and_its_export_imports_unchanged() {
    refused_then_moved_by_export_and_import(1).await;
}

#[tokio::test]
async fn a_folder_of_data_format_2_is_refused_and_its_export_imports_unchanged() {
    refused_then_moved_by_export_and_import(2).await;
}

/// The fixture of data format `format` is refused and left as it is; its
/// export imports into this format with the same head and exports again to
/// the same bytes.
async fn refused_then_moved_by_export_and_import(format: u32) {
    let dir = DataDir::new();
    std::fs::create_dir_all(dir.data()).unwrap();
    let original = files(&fixture(format).join("data"));
    for (name, bytes) in &original {
        let path = dir.data().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    assert_eq!(
        original.get(Path::new("FORMAT")),
        Some(&format!("accord-data {format}\n").into_bytes())
    );

    let data = dir.data();
    let (served, verified) =
        tokio::task::spawn_blocking(move || (serve(&data), accord_verify(&data)))
            .await
            .unwrap();

    assert_refused(&served, &dir.data(), &format.to_string());
    assert_refused(&verified, &dir.data(), &format.to_string());
    assert!(
        files(&dir.data()) == original,
        "the refused folder was left as it was"
    );

    // The way across: the export the older accord wrote, imported here.
    let export = fixture(format).join("export.ndjson");
    let moved = DataDir::new();
    let imported = accord(&[
        "import".as_ref(),
        "--data".as_ref(),
        moved.data().as_os_str(),
        export.as_os_str(),
    ]);
    assert!(imported.status.success(), "{imported:?}");
    let summary: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    // The older folder's watermark names its head: `accord-watermark <position> <hash>`.
    let watermark = String::from_utf8(original[Path::new("WATERMARK")].clone()).unwrap();
    let mark: Vec<&str> = watermark.split_whitespace().collect();
    assert_eq!(summary["events"].to_string(), mark[1], "{summary}");
    assert_eq!(
        summary["head_hash"], mark[2],
        "the same chain, the same head"
    );
    assert_eq!(
        std::fs::read_to_string(moved.data().join("FORMAT")).unwrap(),
        format!("accord-data {DATA_FORMAT}\n")
    );
    let out = moved.log("again.ndjson");
    let exported = accord(&[
        "export".as_ref(),
        "--data".as_ref(),
        moved.data().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(exported.status.success(), "{exported:?}");
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&export).unwrap(),
        "exported again, the same bytes"
    );
    assert!(accord_verify(&moved.data()).status.success());
    let server = Server::start(&moved).await;
    assert_eq!(
        server.events().await.len().to_string(),
        summary["events"].to_string()
    );
}
