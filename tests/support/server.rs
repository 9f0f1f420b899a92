//! The end-to-end harness: runs the real `accord` binary on a free port with
//! a fresh data folder, and talks to it over HTTP.
//!
//! Included by each test file with `#[path = "support/server.rs"] mod server;`.
//! A [`DataDir`] outlives the servers started on it, so a test can stop one
//! and start another on the same log. The server's stderr goes to a file in
//! the temp dir and is printed whenever the harness panics.
#![allow(dead_code)] // every test file uses a different subset of the helpers

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::Value;
use tempfile::TempDir;

/// The admin token every test server is started with (`ACCORD_ADMIN_TOKEN`).
pub const TOKEN: &str = "e2e-admin-secret-2013-dong-nai-lam-dong";

/// How long a server may take to answer `/readyz` (a shared, busy machine).
const READY_WITHIN: Duration = Duration::from_secs(30);
/// How long a SIGTERM may take before the harness sends SIGKILL.
const STOP_WITHIN: Duration = Duration::from_secs(10);

static STARTS: AtomicUsize = AtomicUsize::new(0);

/// A temp folder holding the data folder and the servers' logs.
pub struct DataDir {
    dir: TempDir,
}

impl DataDir {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("accord-e2e-")
            .tempdir()
            .expect("a temp dir");
        Self { dir }
    }

    /// The folder passed to `--data`.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A file beside the data folder (logs, traces), deleted with it.
    pub fn log(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// An HTTP answer: status, content type, raw text and the text parsed as JSON
/// (`Null` when it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    pub body: Value,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            text,
            body,
        }
    }
}

/// A running `accord serve`; SIGKILLed on drop.
pub struct Server {
    child: Child,
    pub base: String,
    pub client: Client,
    stderr: PathBuf,
}

/// A port that was free a moment ago.
impl Server {
    /// `accord serve` on an empty or existing data folder.
    pub async fn start(dir: &DataDir) -> Server {
        Self::launch(dir, false, &[]).await
    }

    /// `accord serve --demo`.
    pub async fn start_demo(dir: &DataDir) -> Server {
        Self::launch(dir, true, &[]).await
    }

    /// `accord serve --demo` with extra flags.
    pub async fn start_demo_with(dir: &DataDir, flags: &[&str]) -> Server {
        Self::launch(dir, true, flags).await
    }

    /// `accord serve` with extra flags (e.g. `--webhook-allow-private`).
    pub async fn start_with(dir: &DataDir, flags: &[&str]) -> Server {
        Self::launch_with(dir, false, flags, &[]).await
    }

    /// `accord serve` with extra environment variables (`ACCORD_*` settings).
    pub async fn start_with_env(dir: &DataDir, env: &[(&str, String)]) -> Server {
        Self::launch_with(dir, false, &[], env).await
    }

    async fn launch(dir: &DataDir, demo: bool, flags: &[&str]) -> Server {
        Self::launch_with(dir, demo, flags, &[]).await
    }

    async fn launch_with(
        dir: &DataDir,
        demo: bool,
        flags: &[&str],
        env: &[(&str, String)],
    ) -> Server {
        let n = STARTS.fetch_add(1, Ordering::SeqCst);
        let stderr = dir.log(&format!("server-{n}.stderr.log"));
        let stdout = dir.log(&format!("server-{n}.stdout.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
        command
            .arg("serve")
            .arg("--data")
            .arg(dir.data())
            // Port 0: the server binds a free port itself and prints it, so no
            // other test's server can take it between choosing and binding.
            .arg("--listen")
            .arg("127.0.0.1:0")
            .env("ACCORD_ADMIN_TOKEN", TOKEN)
            .env("RUST_LOG", "info")
            .env_remove("ACCORD_DATA")
            .env_remove("ACCORD_LISTEN")
            // On sled unless a test names a database (tests/postgres.rs).
            .env_remove("ACCORD_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("the stdout log"))
            .stderr(File::create(&stderr).expect("the stderr log"));
        if demo {
            command.arg("--demo");
        }
        command.args(flags);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the accord binary starts");
        let client = Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        let mut server = Server {
            child,
            base: String::new(),
            client,
            stderr,
        };
        server.base = server.announced_address(&stdout).await;
        server.wait_ready().await;
        server
    }

    /// Waits for the "Listening on http://…" line `accord serve` prints once
    /// it has bound its port; panics with the server's stderr if it exits first.
    async fn announced_address(&mut self, stdout: &Path) -> String {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let printed = std::fs::read_to_string(stdout).unwrap_or_default();
            let announced = printed
                .split_inclusive('\n')
                .filter(|line| line.ends_with('\n')) // whole lines only
                .find_map(|line| line.strip_prefix("Listening on "));
            if let Some(base) = announced {
                return base.trim().to_string();
            }
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                panic!(
                    "accord serve exited with {status} before it listened:\n{}",
                    self.stderr()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "accord serve did not listen within {READY_WITHIN:?}:\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls `/readyz` until it answers 200; panics with the server's stderr
    /// if the process exits or the deadline passes.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                panic!(
                    "accord serve exited with {status} before it was ready:\n{}",
                    self.stderr()
                );
            }
            let probe = self
                .client
                .get(self.url("/readyz"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if matches!(&probe, Ok(r) if r.status() == 200) {
                return;
            }
            if Instant::now() > deadline {
                panic!("accord serve was not ready within {READY_WITHIN:?} (last probe: {probe:?}):\n{}", self.stderr());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_else(|e| format!("(no stderr: {e})"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The server's process id (to read its /proc entries).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a graceful exit (bounded), SIGKILL otherwise.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + STOP_WITHIN;
        while sent.is_ok() && Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(
                    status.success(),
                    "accord serve exited with {status} on SIGTERM:\n{}",
                    self.stderr()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "accord serve did not stop within {STOP_WITHIN:?} of SIGTERM:\n{}",
            self.stderr()
        );
    }

    /// Sends any request and reads its answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}\n{}", self.stderr()));
        Reply::read(response).await
    }

    /// A request with another bearer token than the admin's, and an
    /// optional JSON body.
    pub async fn as_token(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// `POST /v1/commands` with the admin token.
    pub async fn command(&self, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url("/v1/commands"))
                .bearer_auth(TOKEN)
                .json(body),
        )
        .await
    }

    /// A command that must be appended (201); its result.
    pub async fn accept(&self, body: &Value) -> Value {
        let reply = self.command(body).await;
        assert_eq!(
            reply.status, 201,
            "command {body} was not appended: {}",
            reply.text
        );
        reply.body
    }

    /// `POST path` with a JSON body and the admin token.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(TOKEN)
                .json(body),
        )
        .await
    }

    /// `GET path` (query included) with the admin token.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_query(path, &[]).await
    }

    /// `GET path` with query parameters, encoded by the client.
    pub async fn get_query(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        self.send(
            self.client
                .get(self.url(path))
                .query(query)
                .bearer_auth(TOKEN),
        )
        .await
    }

    /// `GET path` that must answer 200 with JSON; the JSON.
    pub async fn json(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
        reply.body
    }

    /// The durable head position, from `/readyz`.
    pub async fn head(&self) -> u64 {
        let reply = self
            .client
            .get(self.url("/readyz"))
            .send()
            .await
            .expect("GET /readyz");
        let body: Value = reply.json().await.expect("/readyz answers JSON");
        body["position"]
            .as_u64()
            .expect("/readyz names the head position")
    }

    /// The whole global log, following `next_after` page by page.
    pub async fn events(&self) -> Vec<Value> {
        let mut items = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .json(&format!("/v1/events?after={after}&limit=1000"))
                .await;
            items.extend(
                page["items"]
                    .as_array()
                    .expect("a page has items")
                    .iter()
                    .cloned(),
            );
            match page["next_after"].as_u64() {
                Some(next) => after = next,
                None => return items,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `accord rebuild --data DIR --check` (no server may hold the folder):
/// compares a fold from 0 with the stored snapshots and the served models.
pub fn accord_rebuild_check(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["rebuild", "--check", "--data"])
        .arg(data)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord rebuild runs")
}

/// `accord verify --data DIR` (no server may hold the folder).
pub fn accord_verify(data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .arg("verify")
        .arg("--data")
        .arg(data)
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord verify runs")
}

/// Reads SSE frames until `count` events arrived; their (id, event, data).
pub async fn read_events(response: reqwest::Response, count: usize) -> Vec<(u64, String, Value)> {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while events.len() < count {
        let chunk = tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut stream))
            .await
            .expect("events arrive within 20 s")
            .expect("the stream stays open")
            .expect("a readable chunk");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim_start().to_owned())
            };
            if let (Some(id), Some(event), Some(data)) =
                (field("id"), field("event"), field("data"))
            {
                events.push((
                    id.parse().unwrap(),
                    event,
                    serde_json::from_str(&data).unwrap(),
                ));
            }
        }
    }
    events
}

/// Opens `GET /v1/events/stream`, resuming after `last_event_id` if given.
pub async fn subscribe(server: &Server, last_event_id: Option<&str>) -> reqwest::Response {
    let mut request = server
        .client
        .get(server.url("/v1/events/stream"))
        .bearer_auth(TOKEN);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    request.send().await.unwrap()
}
