//! A damaged data folder against the real binary (ADR 0029): a `db` cut to
//! half, a byte flipped inside the log, a `conf` sled cannot read.
//! `accord serve` refuses each with a message that says what is wrong and
//! what to do, exits non-zero without a panic and never listens; `accord
//! verify` reports the first bad position where the log can be opened.

#[path = "support/server.rs"]
mod server;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::{accord_verify, DataDir, Server, TOKEN};

/// Commands in the seeded log, one event each.
const EVENTS: u64 = 300;

/// The text of party `i`'s name: unique in the log.
fn marker(i: u64) -> String {
    format!("Ban quản lý KCN số {i:04} — đánh dấu")
}

/// A log of [`EVENTS`] parties, stopped cleanly (the watermark names its head).
async fn seeded() -> DataDir {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    for i in 1..=EVENTS {
        server
            .accept(
                &json!({"type": "RegisterParty", "data": {"party_id": format!("kcn-{i:04}"),
                "name": marker(i), "kind": "industrial_zone_authority"}}),
            )
            .await;
    }
    assert_eq!(server.head().await, EVENTS);
    server.stop();
    let mark = watermark(&dir.data());
    assert!(
        mark.starts_with(&format!("accord-watermark {EVENTS} ")),
        "a clean stop marks the head: {mark}"
    );
    dir
}

fn watermark(data: &Path) -> String {
    std::fs::read_to_string(data.join("WATERMARK")).expect("a WATERMARK file")
}

/// `accord serve` on `data` until it exits by itself, or killed after
/// [`SERVE_WITHIN`] if it serves (then its status has no code).
async fn serve(data: &Path) -> Output {
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
            .arg("serve")
            .arg("--data")
            .arg(&data)
            .args(["--listen", "127.0.0.1:0"])
            .env("ACCORD_ADMIN_TOKEN", TOKEN)
            .env_remove("ACCORD_DATA")
            .env_remove("ACCORD_LISTEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("accord serve runs");
        let deadline = Instant::now() + SERVE_WITHIN;
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// How long a refusal may take on a busy machine.
const SERVE_WITHIN: Duration = Duration::from_secs(20);

async fn verify(data: &Path) -> Output {
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || accord_verify(&data))
        .await
        .unwrap()
}

/// Asserts that `output` is a refusal of `data`, without a panic, naming
/// each of `expected` and what to do.
fn assert_refused(output: &Output, data: &Path, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "an error exit:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty(), "it never listened:\n{stderr}");
    let advice = [
        data.display().to_string(),
        "accord import".into(),
        "a backup".into(),
    ];
    for text in advice
        .iter()
        .map(String::as_str)
        .chain(expected.iter().copied())
    {
        assert!(stderr.contains(text), "{text:?} in:\n{stderr}");
    }
}

/// The JSON report `accord verify` printed.
fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "a JSON report ({e}):\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn a_db_cut_to_half_is_refused_at_start_and_verify_names_the_first_missing_position() {
    let dir = seeded().await;
    let db = dir.data().join("db");
    let length = std::fs::metadata(&db).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let mark = watermark(&dir.data());

    let served = serve(&dir.data()).await;
    let verified = verify(&dir.data()).await;

    assert_refused(
        &served,
        &dir.data(),
        &[
            "is damaged",
            &format!("position {EVENTS} was durable"),
            "accord verify --data",
        ],
    );
    assert_eq!(verified.status.code(), Some(1), "verify fails");
    let report = report(&verified);
    assert_eq!(report["ok"], false, "{report}");
    let kept = report["events"].as_u64().unwrap();
    assert!(kept < EVENTS, "{report}");
    assert_eq!(report["first_bad_position"], kept + 1, "{report}");
    assert_eq!(
        watermark(&dir.data()),
        mark,
        "the mark still names the lost head"
    );
    assert_refused(&serve(&dir.data()).await, &dir.data(), &["is damaged"]);
}

#[tokio::test]
async fn a_byte_flipped_inside_the_log_is_refused_at_start_and_named_by_verify() {
    let dir = seeded().await;
    let db = dir.data().join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    // Event records hold their JSON compressed (data format 2, ADR 0048), so no
    // event's text can be found in `db`: flip the first written byte past
    // the middle of what sled wrote, inside one of its logged messages.
    let written = bytes.iter().rposition(|&b| b != 0).expect("sled wrote");
    let at = (written / 2..=written)
        .find(|&at| bytes[at] != 0)
        .expect("a written byte");
    bytes[at] ^= 0x01;
    std::fs::write(&db, bytes).unwrap();

    let served = serve(&dir.data()).await;
    let verified = verify(&dir.data()).await;

    let report = report(&verified);
    assert_eq!(verified.status.code(), Some(1), "verify fails: {report}");
    assert_eq!(report["ok"], false, "{report}");
    let first_bad = report["first_bad_position"].as_u64().expect("a position");
    assert!(first_bad <= EVENTS, "{report}");
    // sled reads the flip as a torn log and gives back a shorter one:
    // the watermark tells, and the start refuses.
    assert_refused(
        &served,
        &dir.data(),
        &["is damaged", "accord verify --data"],
    );
}

#[tokio::test]
async fn a_conf_sled_cannot_read_is_refused_with_what_to_do() {
    let dir = seeded().await;
    let conf = dir.data().join("conf");
    // A settings file sled parses but whose checksum and version fail.
    std::fs::write(
        &conf,
        "segment_size: 1024\nuse_compression: false\nversion: 0.34\n",
    )
    .unwrap();

    let served = serve(&dir.data()).await;
    let verified = verify(&dir.data()).await;

    assert_refused(&served, &dir.data(), &["cannot be opened", "sled"]);
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert_eq!(verified.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot be opened"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_conf_of_garbage_is_rewritten_by_sled_and_the_whole_log_is_served() {
    let dir = seeded().await;
    std::fs::write(
        dir.data().join("conf"),
        [0xde, 0xad, 0xbe, 0xef, 0x00, 0x17],
    )
    .unwrap();

    let server = Server::start(&dir).await;

    assert_eq!(server.head().await, EVENTS, "nothing silently lost");
    let events = server.events().await;
    assert_eq!(events[EVENTS as usize - 1]["data"]["name"], marker(EVENTS));
}
