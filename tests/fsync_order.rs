//! The promise behind every `201`: the log's data is on the disk (not only
//! in the page cache) before the answer leaves. A `kill -9` test cannot see
//! a missing sync — the page cache outlives a killed process — so this test
//! watches the system calls instead: the real binary runs under `strace`,
//! one client sends commands one at a time on one connection, and for each
//! command the trace must show, in this order, the request read from the
//! socket, an `fdatasync` of sled's log file (`<data>/db`) returning 0, and
//! only then the `HTTP/1.1 201` written to the socket.
//!
//! Removing the store's `fdatasync` after a group commit (sled's own flush
//! ends with `sync_file_range`, which is not a sync) makes this test fail.
//! `strace` comes from Debian (`scripts/test.sh` installs it when missing).

#[path = "support/server.rs"]
mod server;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::{DataDir, TOKEN};

/// Commands sent, one at a time.
const COMMANDS: usize = 25;

/// `accord serve` under `strace -f`, writing the trace to `trace`.
struct Traced {
    strace: Child,
    base: String,
}

impl Traced {
    fn start(dir: &DataDir, trace: &Path) -> Traced {
        let mut strace = Command::new("strace")
            .args(["-f", "-qq", "-yy", "-s", "65536"])
            .args([
                "-e",
                "trace=read,recvfrom,readv,write,writev,sendto,sendmsg,fdatasync,fsync",
            ])
            .arg("-o")
            .arg(trace)
            .arg(env!("CARGO_BIN_EXE_accord"))
            .arg("serve")
            .arg("--data")
            .arg(dir.data())
            .args(["--listen", "127.0.0.1:0"])
            .env("ACCORD_ADMIN_TOKEN", TOKEN)
            .env_remove("ACCORD_DATA")
            .env_remove("ACCORD_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("strace runs (Debian package strace; scripts/test.sh installs it)");
        let stdout = strace.stdout.take().expect("the server's stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("accord serve printed where it listens before exiting")
                .expect("reading the server's stdout");
            if let Some(base) = line.strip_prefix("Listening on ") {
                break base.trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Traced { strace, base }
    }

    /// SIGTERM to the traced server (strace's child), then waits for both.
    fn stop(mut self) {
        let children = format!("/proc/{0}/task/{0}/children", self.strace.id());
        let server = std::fs::read_to_string(children).expect("strace's child");
        let server = server.split_whitespace().next().expect("the traced server");
        Command::new("kill")
            .args(["-TERM", server])
            .status()
            .expect("kill");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.strace.try_wait().expect("strace's status").is_none() {
            assert!(Instant::now() < deadline, "the traced server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The line numbers of the trace's events that matter here.
#[derive(Debug, Default)]
struct Trace {
    /// (line, text) of every completed read from a socket.
    reads: Vec<(usize, String)>,
    /// Lines where a `201` answer starts to be written to a socket.
    answers: Vec<usize>,
    /// Lines where an `fdatasync`/`fsync` of `<data>/db` returned 0.
    syncs: Vec<usize>,
}

fn parse(trace: &str, db: &str) -> Trace {
    let mut parsed = Trace::default();
    // A syscall cut by another thread's is printed as `… <unfinished ...>`
    // and completed later by `<... name resumed>`; what each pid has open.
    let mut pending: std::collections::HashMap<&str, (&str, String)> = Default::default();
    for (n, line) in trace.lines().enumerate() {
        let Some((pid, call)) = line.split_once(' ') else {
            continue;
        };
        let call = call.trim_start();
        if let Some(rest) = call.strip_prefix("<... ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            let Some((opened, head)) = pending.remove(pid) else {
                continue;
            };
            if opened != name {
                continue;
            }
            let whole = format!("{head}{rest}");
            complete(&mut parsed, n, name, &whole, db, true);
            continue;
        }
        let name = call.split('(').next().unwrap_or_default();
        if call.ends_with("<unfinished ...>") {
            // Writes count from their start: that is when the answer leaves.
            if is_write(name) && call.contains("HTTP/1.1 201") && call.contains("<TCP") {
                parsed.answers.push(n);
            }
            pending.insert(pid, (name, call.to_string()));
            continue;
        }
        complete(&mut parsed, n, name, call, db, false);
    }
    parsed
}

fn is_write(name: &str) -> bool {
    matches!(name, "write" | "writev" | "sendto" | "sendmsg")
}

/// Records a syscall that completed at line `n`; `resumed`: its start was
/// printed (and, for a write, counted) earlier.
fn complete(parsed: &mut Trace, n: usize, name: &str, text: &str, db: &str, resumed: bool) {
    let ok = text
        .rsplit_once(" = ")
        .is_some_and(|(_, ret)| ret.trim().starts_with('0'));
    match name {
        "fdatasync" | "fsync" if ok && text.contains(db) => parsed.syncs.push(n),
        "read" | "recvfrom" | "readv" if text.contains("<TCP") => {
            parsed.reads.push((n, text.to_string()))
        }
        _ if is_write(name)
            && !resumed
            && text.contains("HTTP/1.1 201")
            && text.contains("<TCP") =>
        {
            parsed.answers.push(n)
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_201_leaves_after_an_fdatasync_of_the_log_that_follows_its_request() {
    let dir = DataDir::new();
    let trace_file = dir.log("strace.txt");
    let server = Traced::start(&dir, &trace_file);
    // One connection, one request at a time.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "the traced server was not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut markers = Vec::new();
    for i in 0..COMMANDS {
        // A party name unique to this command, found again in the trace.
        let marker = format!(
            "Ban quản lý các KCN số {i:03} fsync-{}",
            uuid::Uuid::now_v7()
        );
        let body = json!({"type": "RegisterParty", "data": {
            "party_id": format!("fsync-{i:03}"), "name": marker,
            "kind": "industrial_zone_authority", "province": "Đồng Nai"}});
        let answer = client
            .post(format!("{}/v1/commands", server.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .expect("the command's answer");
        assert_eq!(answer.status(), 201, "command {i} was accepted");
        let _: Value = answer.json().await.expect("a JSON answer");
        markers.push(marker);
    }
    server.stop();

    let trace = std::fs::read_to_string(&trace_file).expect("the trace");
    let db = format!("{}>", dir.data().join("db").display());
    let parsed = parse(&trace, &db);
    assert!(
        parsed.syncs.len() >= COMMANDS,
        "the trace holds {} syncs of {db} for {COMMANDS} commands",
        parsed.syncs.len()
    );
    for (i, marker) in markers.iter().enumerate() {
        // strace prints non-ASCII bytes as \ooo escapes: look for the ASCII tail.
        let tail = marker.rsplit(' ').next().expect("the marker's id");
        let (read, _) = parsed
            .reads
            .iter()
            .find(|(_, text)| text.contains(tail))
            .unwrap_or_else(|| panic!("command {i}'s request is not in the trace"));
        let answer = parsed
            .answers
            .iter()
            .find(|&&line| line > *read)
            .unwrap_or_else(|| panic!("command {i}'s 201 is not in the trace after its request"));
        let synced = parsed.syncs.iter().any(|&s| s > *read && s < *answer);
        assert!(
            synced,
            "command {i}: its 201 (trace line {}) was written with no completed fdatasync of \
             {db} since its request was read (line {})",
            answer + 1,
            read + 1
        );
    }
}
