//! `TestReceiver`: a real axum server on 127.0.0.1 that records every
//! webhook delivery it receives and answers with the status the test sets.
//!
//! Included with `#[path = "support/receiver.rs"] mod receiver;`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio::task::JoinHandle;

/// One received request.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub json: Value,
}

impl Received {
    /// The event's position (`data.position` of the payload).
    pub fn position(&self) -> u64 {
        self.json["data"]["position"].as_u64().expect("a position")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// A receiver; stops on drop.
pub struct TestReceiver {
    pub address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    task: JoinHandle<()>,
}

impl TestReceiver {
    /// Listens on a free port of 127.0.0.1, answering 204.
    pub async fn start() -> TestReceiver {
        Self::start_on("127.0.0.1:0".parse().unwrap(), Arc::default()).await
    }

    /// Listens on `address`, appending to `received` (to restart one that was stopped).
    pub async fn start_on(
        address: SocketAddr,
        received: Arc<Mutex<Vec<Received>>>,
    ) -> TestReceiver {
        let listener = loop {
            match tokio::net::TcpListener::bind(address).await {
                Ok(listener) => break listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let address = listener.local_addr().unwrap();
        let status = Arc::new(AtomicU16::new(204));
        let (log, answer) = (received.clone(), status.clone());
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let (log, answer) = (log.clone(), answer.clone());
                async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    let body = String::from_utf8_lossy(&body).into_owned();
                    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
                    log.lock().unwrap().push(Received {
                        headers,
                        body,
                        json,
                    });
                    StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestReceiver {
            address,
            received,
            status,
            task,
        }
    }

    /// The URL to subscribe.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    /// Answer `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The shared log, to hand to a restarted receiver.
    pub fn log(&self) -> Arc<Mutex<Vec<Received>>> {
        self.received.clone()
    }

    /// Waits until `done` holds for the received requests; panics after `within`.
    pub async fn wait_for(
        &self,
        within: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver did not get what was expected within {within:?}; got {} requests: {:?}",
                received.len(),
                received.iter().map(Received::position).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops listening (connections are refused until a restart).
    pub fn stop(self) {}
}

impl Drop for TestReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Checks one delivery with the Standard Webhooks reference verifier
/// (`tests/webhooks/verify_delivery.py`, the `standardwebhooks` PyPI
/// package); panics with a clear message if Python or the package is missing.
pub fn verify_with_python(secret: &str, received: &Received) -> Result<(), String> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/webhooks/verify_delivery.py"
    );
    let input =
        serde_json::json!({"secret": secret, "headers": received.headers, "body": received.body});
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is needed to verify webhooks with the reference verifier ({e}); scripts/test.sh installs the rest"));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Ok(()),
        Some(2) => panic!("the Standard Webhooks reference verifier is missing: {stderr} (scripts/test.sh installs it)"),
        _ => Err(stderr),
    }
}
