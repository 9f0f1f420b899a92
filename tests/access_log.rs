//! The access log of the real binary, read from its stderr as JSON
//! (`--log-format json`, target `accord::access`): failed authentications
//! and refused commands are logged naming the token by its id (its role and
//! party too, once known), never by its secret (issue 5, docs/security.md
//! "What is logged and counted").

#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use server::{DataDir, Server, TOKEN};

const AGREEMENT: &str = "0190f0a0-2010-7000-8000-000000000001";
const OTHERS: &str = "0190f0a0-2010-7000-8000-000000000002";
/// A secret no token has, shaped like a real one.
const WRONG: &str = "acc_5ec2e7000000000000000000000000000000000000000000000000000000dead";
/// Another secret no token has.
const WRONG_TOO: &str = "acc_5ec2e7111111111111111111111111111111111111111111111111111111beef";

/// A server logging JSON, with three parties and an agreement between the
/// first two.
async fn seeded(dir: &DataDir) -> Server {
    let server = Server::start_with(dir, &["--log-format", "json"]).await;
    for party in ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"] {
        let data = json!({"party_id": party, "name": party, "kind": "industrial_zone_authority"});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    server
        .accept(&sign(AGREEMENT, ["dong-nai-iza", "lam-dong-iza"]))
        .await;
    server
}

fn sign(id: &str, parties: [&str; 2]) -> Value {
    json!({"type": "SignAgreement", "data": {"agreement_id": id, "title": "Chương trình hợp tác 2010–2015",
        "parties": parties, "signed_on": "2010-01-15", "term": {"start": "2010-01-15", "end": "2015-12-31"},
        "areas": ["investment_promotion"]}})
}

/// A token made by the admin over HTTP: (id, secret).
async fn new_token(server: &Server, body: Value) -> (String, String) {
    let reply = server
        .as_token(TOKEN, Method::POST, "/v1/tokens", Some(body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let field = |name: &str| reply.body[name].as_str().unwrap().to_owned();
    (field("id"), field("token"))
}

/// Every `accord::access` line the server has logged, parsed.
fn access_lines(server: &Server) -> Vec<Value> {
    server
        .stderr()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "accord::access")
        .collect()
}

/// The `accord::access` lines whose message is `message` and that `fit`;
/// waits a little for at least one (the line is written before the answer,
/// so this only guards against a slow file system).
async fn logged(server: &Server, message: &str, fit: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found: Vec<Value> = access_lines(server)
            .into_iter()
            .filter(|line| line["fields"]["message"] == message && fit(&line["fields"]))
            .collect();
        if !found.is_empty() || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The whole log holds none of `secrets`, nor the 64 hex digits after their
/// `acc_` prefix, and no access line carries a value that looks like a full
/// SHA-256 (64 hex digits).
fn assert_no_secret(server: &Server, secrets: &[&str]) {
    let log = server.stderr();
    for secret in secrets {
        let digits = secret.strip_prefix("acc_").unwrap_or(secret);
        assert!(
            !log.contains(secret) && !log.contains(digits),
            "{secret} is in the log:\n{log}"
        );
    }
    for line in access_lines(server) {
        for value in line["fields"].as_object().unwrap().values() {
            let text = value.as_str().unwrap_or_default();
            let hash_like = text.len() >= 64 && text.chars().all(|c| c.is_ascii_hexdigit());
            assert!(!hash_like, "a hash in {line}");
        }
    }
}

#[tokio::test]
async fn a_failed_authentication_is_logged_without_the_secret() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let (revoked_id, revoked) = new_token(&server, json!({"role": "auditor"})).await;
    let revoke = format!("/v1/tokens/{revoked_id}");
    let reply = server.as_token(TOKEN, Method::DELETE, &revoke, None).await;
    assert_eq!(reply.status, 204, "{}", reply.text);

    for secret in [WRONG, WRONG, WRONG_TOO, revoked.as_str()] {
        let reply = server
            .as_token(secret, Method::GET, "/v1/parties", None)
            .await;
        assert_eq!(reply.status, 401, "{}", reply.text);
    }

    let unknown = logged(&server, "authentication failed", |f| {
        f["reason"] == "unknown token" && f["path"] == "/v1/parties"
    })
    .await;
    assert_eq!(unknown.len(), 3, "{unknown:?}");
    let fingerprints: Vec<&str> = unknown
        .iter()
        .map(|line| {
            assert_eq!(line["level"], "WARN", "{line}");
            assert!(line["fields"].get("token_id").is_none(), "{line}");
            line["fields"]["fingerprint"].as_str().unwrap()
        })
        .collect();
    for fingerprint in &fingerprints {
        assert_eq!(fingerprint.len(), 12, "{fingerprint}");
        assert!(fingerprint.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!WRONG.contains(fingerprint) && !WRONG_TOO.contains(fingerprint));
    }
    assert_eq!(fingerprints[0], fingerprints[1], "repeats can be matched");
    assert_ne!(fingerprints[0], fingerprints[2], "other secrets cannot");
    let revoked_lines = logged(&server, "authentication failed", |f| {
        f["reason"] == "revoked token" && f["token_id"] == revoked_id.as_str()
    })
    .await;
    assert_eq!(revoked_lines.len(), 1, "{:?}", access_lines(&server));
    assert_no_secret(&server, &[WRONG, WRONG_TOO, &revoked, TOKEN]);
}

#[tokio::test]
async fn refused_commands_are_logged_with_the_token_id_role_and_party() {
    let dir = DataDir::new();
    let server = seeded(&dir).await;
    let (writer_id, writer) = new_token(
        &server,
        json!({"role": "writer", "party_id": "dong-nai-iza", "label": "Đồng Nai secretariat"}),
    )
    .await;

    let not_its_party = sign(OTHERS, ["lam-dong-iza", "binh-phuoc-eza"]);
    let reply = server
        .as_token(&writer, Method::POST, "/v1/commands", Some(not_its_party))
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    let before_signature = json!({"type": "TerminateAgreement", "data": {"agreement_id": AGREEMENT,
        "effective_on": "2009-01-01", "reason": "Hết hiệu lực"}});
    let refused = server
        .as_token(
            &writer,
            Method::POST,
            "/v1/commands",
            Some(before_signature),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let rule = refused.body["rule"].as_str().unwrap();
    let admin_route = server
        .as_token(&writer, Method::GET, "/v1/tokens", None)
        .await;
    assert_eq!(admin_route.status, 403);

    let ours = |f: &Value| f["token_id"] == writer_id.as_str() && f["role"] == "writer";
    let forbidden = logged(&server, "command forbidden", ours).await;
    assert_eq!(forbidden.len(), 1, "{:?}", access_lines(&server));
    let fields = &forbidden[0]["fields"];
    assert_eq!(forbidden[0]["level"], "WARN");
    assert_eq!(fields["party_id"], "dong-nai-iza", "{fields}");
    assert!(fields["reason"].as_str().unwrap().len() > 10, "{fields}");
    let refused = logged(&server, "command refused", |f| ours(f) && f["rule"] == rule).await;
    assert_eq!(refused.len(), 1, "{:?}", access_lines(&server));
    assert_eq!(
        refused[0]["fields"]["party_id"], "dong-nai-iza",
        "{:?}",
        refused[0]
    );
    let route = logged(&server, "request forbidden", |f| {
        ours(f) && f["path"] == "/v1/tokens"
    })
    .await;
    assert_eq!(route.len(), 1, "{:?}", access_lines(&server));
    assert_no_secret(&server, &[&writer, TOKEN]);
}
