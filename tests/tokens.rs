//! Token lifecycle against the real binary: tokens created over HTTP work at
//! once, revocation takes effect at once and survives a restart (also for the
//! token in `ACCORD_ADMIN_TOKEN`), and `accord token create` recovers access
//! offline, refusing to run while the server holds the folder; without
//! `ACCORD_ADMIN_TOKEN` an admin token is generated and printed once.

#[path = "support/server.rs"]
mod server;

use std::process::Command;

use serde_json::{json, Value};
use server::{DataDir, Server, TOKEN};

async fn create(server: &Server, token: &str, body: Value) -> Value {
    let reply = server
        .as_token(token, reqwest::Method::POST, "/v1/tokens", Some(body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

fn offline_create(dir: &DataDir, role: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "token", "create", "--role", role, "--label", "recovery", "--data",
        ])
        .arg(dir.data())
        .env_remove("ACCORD_DATA")
        .output()
        .expect("accord token create runs")
}

#[tokio::test]
async fn a_revoked_token_stays_revoked_across_a_restart() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    server
        .accept(&json!({"type": "RegisterParty", "data": {"party_id": "dong-nai-iza", "name": "Đồng Nai", "kind": "industrial_zone_authority"}}))
        .await;
    let writer = create(
        &server,
        TOKEN,
        json!({"role": "writer", "party_id": "dong-nai-iza"}),
    )
    .await;
    let auditor = create(
        &server,
        TOKEN,
        json!({"role": "auditor", "label": "inspectorate"}),
    )
    .await;
    let (writer_secret, auditor_secret) = (
        writer["token"].as_str().unwrap(),
        auditor["token"].as_str().unwrap(),
    );
    assert!(writer_secret.starts_with("acc_") && writer_secret.len() == 68);
    let get = reqwest::Method::GET;
    assert_eq!(
        server
            .as_token(auditor_secret, get.clone(), "/v1/events", None)
            .await
            .status,
        200
    );
    let revoke = format!("/v1/tokens/{}", auditor["id"].as_str().unwrap());
    assert_eq!(
        server
            .as_token(TOKEN, reqwest::Method::DELETE, &revoke, None)
            .await
            .status,
        204
    );
    assert_eq!(
        server
            .as_token(auditor_secret, get.clone(), "/v1/events", None)
            .await
            .status,
        401
    );

    let stderr = server.stderr();
    assert!(
        stderr.contains(auditor["id"].as_str().unwrap()),
        "the failed authentication names the token id"
    );
    assert!(
        !stderr.contains(auditor_secret) && !stderr.contains(writer_secret),
        "no secret is ever logged"
    );
    server.stop();

    let server = Server::start(&dir).await;
    assert_eq!(
        server
            .as_token(auditor_secret, get.clone(), "/v1/events", None)
            .await
            .status,
        401
    );
    assert_eq!(
        server
            .as_token(writer_secret, get.clone(), "/v1/events", None)
            .await
            .status,
        200
    );
    let listed = server.as_token(TOKEN, get, "/v1/tokens", None).await.body;
    let revoked: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["revoked_at"].is_null())
        .collect();
    assert_eq!(revoked.len(), 1);
    assert!(!listed.to_string().contains(writer_secret));
}

#[tokio::test]
async fn the_environment_admin_token_once_revoked_is_not_registered_again() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let second = create(
        &server,
        TOKEN,
        json!({"role": "admin", "label": "second admin"}),
    )
    .await;
    let second_secret = second["token"].as_str().unwrap().to_owned();
    let tokens = server
        .as_token(&second_secret, reqwest::Method::GET, "/v1/tokens", None)
        .await
        .body;
    let env_id = tokens["items"][0]["id"].as_str().unwrap().to_owned();
    let revoke = format!("/v1/tokens/{env_id}");
    assert_eq!(
        server
            .as_token(&second_secret, reqwest::Method::DELETE, &revoke, None)
            .await
            .status,
        204
    );
    server.stop();

    let server = Server::start(&dir).await; // ACCORD_ADMIN_TOKEN is still set
    assert_eq!(
        server
            .as_token(TOKEN, reqwest::Method::GET, "/v1/parties", None)
            .await
            .status,
        401
    );
    assert_eq!(
        server
            .as_token(&second_secret, reqwest::Method::GET, "/v1/parties", None)
            .await
            .status,
        200
    );
    assert!(server.stderr().contains("revoked"));
}

#[tokio::test]
async fn an_admin_token_can_be_recovered_offline_but_not_while_serving() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let busy = offline_create(&dir, "admin");
    assert!(!busy.status.success());
    let message = String::from_utf8_lossy(&busy.stderr);
    assert!(message.contains("running"), "{message}");
    server.stop();

    let made = offline_create(&dir, "admin");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let secret = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("acc_"), "{secret}");
    let server = Server::start(&dir).await;
    let answer = server
        .as_token(&secret, reqwest::Method::GET, "/v1/tokens", None)
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.text.contains("recovery"));
}

/// A server started outside the harness; killed if a test panics first.
struct Serving {
    child: std::process::Child,
}

impl Serving {
    /// SIGTERM; the server must exit cleanly.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `accord serve` configured only by `ACCORD_DATA` and `ACCORD_LISTEN`, with
/// no `ACCORD_ADMIN_TOKEN`: returns the server, its address and its stdout.
async fn serve_from_environment(dir: &DataDir, run: &str) -> (Serving, String, String) {
    let stdout_path = dir.data().with_extension(format!("{run}.stdout"));
    let serving = Serving {
        child: Command::new(env!("CARGO_BIN_EXE_accord"))
            .arg("serve")
            .env("ACCORD_DATA", dir.data())
            .env("ACCORD_LISTEN", "127.0.0.1:0")
            .env_remove("ACCORD_ADMIN_TOKEN")
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&stdout_path).unwrap())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the accord binary starts"),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let printed = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        let address = printed
            .lines()
            .find_map(|line| line.strip_prefix("Listening on "))
            .map(str::to_owned);
        if let Some(address) = address.filter(|_| printed.ends_with('\n')) {
            return (serving, address, printed);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "accord serve printed no address: {printed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn parties_status(address: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{address}/v1/parties"))
        .bearer_auth(token)
        .send()
        .await
        .expect("an answer")
        .status()
        .as_u16()
}

#[tokio::test]
async fn without_an_admin_token_one_is_generated_printed_once_and_kept_across_restarts() {
    let dir = DataDir::new();
    let (first, address, printed) = serve_from_environment(&dir, "first").await;
    // No --data was given: the folder exists only if ACCORD_DATA was read.
    assert!(dir.data().is_dir(), "ACCORD_DATA names the data folder");
    let secret = printed
        .lines()
        .find_map(|line| line.split("store it now): ").nth(1))
        .unwrap_or_else(|| panic!("no generated token in: {printed}"))
        .trim()
        .to_owned();
    assert!(secret.starts_with("acc_") && secret.len() > 30, "{secret}");
    assert_eq!(parties_status(&address, &secret).await, 200);
    assert_eq!(
        parties_status(&address, "acc_not-the-generated-one").await,
        401
    );
    first.stop();

    let (second, address, printed) = serve_from_environment(&dir, "second").await;
    assert!(
        !printed.contains("store it now"),
        "printed again: {printed}"
    );
    assert_eq!(parties_status(&address, &secret).await, 200);
    second.stop();
}
