//! Signed checkpoints end to end: taken from a running server, kept in a
//! file, checked offline by `accord verify --checkpoint` and online by
//! `POST /v1/audit/verify-checkpoint`, before and after a full rewrite of the
//! chain by someone who recomputed every hash.

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use accord_store::{EventLog, SledStore};
use serde_json::{json, Value};
use server::{accord_verify, DataDir, Server, TOKEN};

/// A demo log, a checkpoint of its head and the served public key, both kept
/// in files beside the data folder; no server holds the folder afterwards.
struct Kept {
    dir: DataDir,
    checkpoint: Value,
    checkpoint_file: PathBuf,
    key_file: PathBuf,
}

async fn keep_a_checkpoint() -> Kept {
    let dir = DataDir::new();
    let server = Server::start_demo(&dir).await;
    let checkpoint = server.json("/v1/audit/checkpoint").await;
    let key = server.json("/v1/audit/public-key").await;
    server.stop();
    let folder = dir.data().parent().unwrap().to_path_buf();
    let checkpoint_file = folder.join("checkpoint.json");
    let key_file = folder.join("public-key.json");
    std::fs::write(&checkpoint_file, checkpoint.to_string()).unwrap();
    std::fs::write(&key_file, key.to_string()).unwrap();
    Kept {
        dir,
        checkpoint,
        checkpoint_file,
        key_file,
    }
}

fn verify_through(data: &Path, checkpoint: &Path, key: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .args(["verify", "--data"])
        .arg(data)
        .arg("--checkpoint")
        .arg(checkpoint)
        .env_remove("ACCORD_DATA");
    if let Some(key) = key {
        command.arg("--public-key").arg(key);
    }
    command.output().expect("accord verify runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What a forger with disk access does: edits event 7 and recomputes every
/// later `prev_hash`, hash and the head, so that the chain verifies again.
fn rewrite_the_chain_from_event_7(data: &Path) {
    let store = SledStore::open(data).expect("the log opens");
    let tamper = store.tamper();
    let original = String::from_utf8(tamper.event_bytes(7).unwrap().unwrap()).unwrap();
    let edited = original.replace("Cung cấp thông tin", "Không cung cấp thông tin");
    assert_ne!(edited, original);
    tamper.rewrite_chain_from(7, edited.as_bytes()).unwrap();
    assert_eq!(store.head().position, 23);
}

async fn post_checkpoint(server: &Server, body: &Value) -> server::Reply {
    server
        .send(
            server
                .client
                .post(server.url("/v1/audit/verify-checkpoint"))
                .bearer_auth(TOKEN)
                .json(body),
        )
        .await
}

#[tokio::test]
async fn a_checkpoint_from_a_running_server_verifies_online_and_offline() {
    let kept = keep_a_checkpoint().await;
    let checkpoint = &kept.checkpoint;
    assert_eq!(checkpoint["position"], 23, "{checkpoint:#}");
    assert_eq!(checkpoint["algorithm"], "Ed25519");
    for field in ["head_hash", "recorded_at", "signature"] {
        assert!(checkpoint[field].is_string(), "{field}: {checkpoint:#}");
    }

    let offline = verify_through(&kept.dir.data(), &kept.checkpoint_file, None);
    assert!(offline.status.success(), "{}", text(&offline));
    let report: Value = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(report["checkpoint"]["ok"], true, "{report:#}");
    let with_key = verify_through(
        &kept.dir.data(),
        &kept.checkpoint_file,
        Some(&kept.key_file),
    );
    assert!(with_key.status.success(), "{}", text(&with_key));

    let server = Server::start(&kept.dir).await;
    let answer = post_checkpoint(&server, checkpoint).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body, json!({"ok": true, "position": 23}));
    let head = server.json("/v1/audit/verify").await;
    assert_eq!(head["head_hash"], checkpoint["head_hash"]);
}

#[tokio::test]
async fn a_full_rewrite_of_the_chain_passes_plain_verify_but_not_the_checkpoint() {
    let kept = keep_a_checkpoint().await;
    rewrite_the_chain_from_event_7(&kept.dir.data());

    let plain = accord_verify(&kept.dir.data());
    assert!(
        plain.status.success(),
        "the forger's chain is consistent, which is why checkpoints exist:\n{}",
        text(&plain)
    );
    let through = verify_through(
        &kept.dir.data(),
        &kept.checkpoint_file,
        Some(&kept.key_file),
    );
    let output = text(&through);
    assert!(!through.status.success(), "{output}");
    assert!(
        output.contains("checkpoint at position 23 does not verify"),
        "{output}"
    );
    assert!(output.contains("rewritten"), "{output}");

    let server = Server::start(&kept.dir).await;
    let answer = post_checkpoint(&server, &kept.checkpoint).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["ok"], false, "{}", answer.text);
    assert!(answer.body["reason"]
        .as_str()
        .unwrap()
        .contains("rewritten"));
}

#[tokio::test]
async fn a_checkpoint_with_a_bad_signature_fails_and_a_malformed_one_is_a_400() {
    let kept = keep_a_checkpoint().await;
    let mut forged = kept.checkpoint.clone();
    let signature = forged["signature"].as_str().unwrap().to_owned();
    let flipped = match &signature[..1] {
        "A" => format!("B{}", &signature[1..]),
        _ => format!("A{}", &signature[1..]),
    };
    forged["signature"] = json!(flipped);
    let forged_file = kept.dir.data().parent().unwrap().join("forged.json");
    std::fs::write(&forged_file, forged.to_string()).unwrap();
    let offline = verify_through(&kept.dir.data(), &forged_file, None);
    assert!(!offline.status.success(), "{}", text(&offline));
    assert!(text(&offline).contains("signature"), "{}", text(&offline));

    let server = Server::start(&kept.dir).await;
    let answer = post_checkpoint(&server, &forged).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["ok"], false);
    assert!(answer.body["reason"]
        .as_str()
        .unwrap()
        .contains("signature"));

    let mut malformed = kept.checkpoint.clone();
    malformed["head_hash"] = json!("not hex");
    let answer = post_checkpoint(&server, &malformed).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["errors"][0]["field"], "head_hash");
    let answer = post_checkpoint(&server, &json!({"position": "fifteen"})).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
}

#[tokio::test]
async fn the_signing_key_is_kept_private_in_the_data_folder_and_survives_restarts() {
    let kept = keep_a_checkpoint().await;
    let key_file = kept.dir.data().join("audit").join("ed25519.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is for its owner only");
    }
    let secret = std::fs::read_to_string(&key_file).unwrap();
    let server = Server::start(&kept.dir).await;
    let key = server.json("/v1/audit/public-key").await;
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&kept.key_file).unwrap()).unwrap();
    assert_eq!(key, saved, "the same key after a restart");
    assert!(!key.to_string().contains(secret.trim()));
    let unauthorised = server
        .send(server.client.get(server.url("/v1/audit/checkpoint")))
        .await;
    assert_eq!(unauthorised.status, 401);
}

/// A receipt (ADR 0027) holds against the log it was signed from, and each
/// way the log can stop matching it is named: a position past the head, an
/// instant that no longer cuts the log there, a chain broken before it, a
/// chain rewritten through it.
#[tokio::test]
async fn a_receipt_is_checked_against_the_log_and_each_mismatch_is_named() {
    use std::sync::Arc;

    use accord_audit::{verify_receipt, ReceiptFault, Signer};
    use accord_store::LogReader;

    let kept = keep_a_checkpoint().await;
    let data = kept.dir.data();
    let signer = Signer::load(&data).expect("the demo's key");
    let key = signer.verifying_key();
    let store = Arc::new(SledStore::open(&data).expect("the log opens"));
    let log = LogReader::new(store.clone());
    let event = |p: u64| log.event(p).unwrap().expect("an event");
    let (last, before) = (
        event(23).envelope.recorded_at,
        event(22).envelope.recorded_at,
    );
    let receipt_at = |p: u64, as_of| {
        let at = last.date();
        signer.receipt(
            "/reports/cooperation?from=2007-01-01",
            at,
            as_of,
            p,
            &hex(&event(p).hash),
        )
    };
    let head = receipt_at(23, last);
    assert_eq!(verify_receipt(&log, &head, &key).unwrap(), None);
    let earlier = receipt_at(22, before);
    assert_eq!(verify_receipt(&log, &earlier, &key).unwrap(), None);

    let mut beyond = head.clone();
    beyond.position = 24;
    assert_eq!(
        verify_receipt(&log, &beyond, &key).unwrap(),
        Some(ReceiptFault::Signature),
        "a changed field breaks the signature first"
    );
    let beyond = signer.receipt(&head.view, head.at, last, 24, &head.head_hash);
    assert_eq!(
        verify_receipt(&log, &beyond, &key).unwrap(),
        Some(ReceiptFault::UnknownPosition { head: 23 })
    );
    let unpinned = receipt_at(22, last);
    assert_eq!(
        verify_receipt(&log, &unpinned, &key).unwrap(),
        Some(ReceiptFault::NotPinned { found: 23 })
    );

    let tamper = store.tamper();
    let original = tamper.event_bytes(7).unwrap().unwrap();
    let edited = String::from_utf8(original.clone())
        .unwrap()
        .replace("Cung cấp thông tin", "Không cung cấp thông tin");
    tamper.overwrite_event_bytes(7, edited.as_bytes()).unwrap();
    assert_eq!(
        verify_receipt(&log, &head, &key).unwrap(),
        Some(ReceiptFault::ChainBroken { first_bad: 7 })
    );
    tamper.overwrite_event_bytes(7, &original).unwrap();
    tamper.rewrite_chain_from(7, edited.as_bytes()).unwrap();
    tamper.flush().unwrap();
    // The forger's log, opened afresh (with the head record it rewrote).
    drop((log, store));
    let log = LogReader::new(Arc::new(SledStore::open(&data).expect("the log opens")));
    match verify_receipt(&log, &head, &key).unwrap() {
        Some(ReceiptFault::OtherHash { found }) => assert_ne!(found, head.head_hash),
        other => panic!("a rewritten chain passed as {other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
