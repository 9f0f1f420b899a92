//! A full disk against the real binary (ADR 0029): the data folder on a
//! 64 MiB tmpfs, a ballast file that leaves less than the server's disk
//! reserve free. Commands are refused with 507 and nothing is appended,
//! reads go on, and once the ballast is gone commands succeed again without
//! a restart; every acknowledged command is there after one.
//!
//! Mounting needs root (as in CI): a machine where `mount` fails fails the
//! test with the reason.

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use server::{DataDir, Server};

/// The reserve the server keeps, in MiB.
const RESERVE_MB: u64 = 16;

/// A tmpfs mounted on a folder, unmounted when dropped.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .unwrap_or_else(|e| panic!("mount could not run: {e}"));
        assert!(
            output.status.success(),
            "mounting a tmpfs on {} failed (the test needs root): {}",
            at.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        Tmpfs { at: at.to_owned() }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a server still holding a file must not leave the mount behind.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

fn party(i: usize) -> Value {
    json!({"type": "RegisterParty", "data": {"party_id": format!("kcn-{i:03}"),
        "name": format!("Khu công nghiệp số {i} — Đồng Nai"), "kind": "industrial_zone_authority"}})
}

async fn readyz(server: &Server) -> Value {
    let reply = server.get("/readyz").await;
    assert_eq!(reply.status, 200, "reads are served: {}", reply.text);
    reply.body
}

#[tokio::test]
async fn a_full_disk_refuses_commands_with_507_serves_reads_and_recovers_without_a_restart() {
    let dir = DataDir::new();
    let data = dir.data();
    std::fs::create_dir(&data).unwrap();
    let _tmpfs = Tmpfs::mount(&data, "64m");
    let reserve = RESERVE_MB.to_string();
    let server = Server::start_with(&dir, &["--min-free-disk-mb", &reserve]).await;
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        server.accept(&party(i)).await;
        acknowledged.push(i);
    }
    let ready = readyz(&server).await;
    assert_eq!(ready["disk_full"], false, "{ready}");

    // Leave 8 MiB free, half the reserve.
    let free = ready["disk_free_bytes"].as_u64().expect("free bytes");
    let ballast = data.join("ballast");
    let size = free - 8 * 1024 * 1024;
    std::fs::write(&ballast, vec![0x5a; size as usize]).unwrap();
    let head = server.head().await;

    for i in 10..15 {
        let reply = server.command(&party(i)).await;
        assert_eq!(reply.status, 507, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("below the 16 MiB reserve"), "{detail}");
    }
    let retry = server
        .client
        .post(server.url("/v1/commands"))
        .bearer_auth(server::TOKEN)
        .json(&party(15))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 507);
    assert_eq!(retry.headers()["retry-after"], "30");
    assert_eq!(server.head().await, head, "nothing was appended");
    let ready = readyz(&server).await;
    assert_eq!(ready["disk_full"], true, "{ready}");
    assert_eq!(server.events().await.len() as u64, head, "reads go on");
    let metrics = server.get("/metrics").await.text;
    assert!(metrics.contains("\naccord_disk_full 1\n"), "{metrics}");
    assert!(
        metrics.contains("accord_commands_total{type=\"RegisterParty\",outcome=\"disk_full\"} 6"),
        "{metrics}"
    );

    std::fs::remove_file(&ballast).unwrap();
    for i in 10..20 {
        server.accept(&party(i)).await;
        acknowledged.push(i);
    }
    assert_eq!(readyz(&server).await["disk_full"], false);
    server.stop();

    let server = Server::start_with(&dir, &["--min-free-disk-mb", &reserve]).await;
    let names: Vec<Value> = server
        .events()
        .await
        .iter()
        .map(|event| event["data"]["party_id"].clone())
        .collect();
    let expected: Vec<Value> = acknowledged
        .iter()
        .map(|i| json!(format!("kcn-{i:03}")))
        .collect();
    assert_eq!(
        names, expected,
        "every acknowledged command, once, in order"
    );
    server.stop();
}
