//! Attachments over HTTP against the real binary (ADR 0030): stored under
//! the SHA-256 of their bytes once, refused by media type (415) and size
//! (413) with nothing left behind, answered byte-exact with their tag,
//! uploaded by admins and writers only, streamed (the server's memory does
//! not grow by the file's size), durable once answered, and re-hashed by
//! `accord verify`.

#[path = "support/server.rs"]
mod server;

use std::path::{Path, PathBuf};

use futures::stream;
use serde_json::{json, Value};
use server::{accord_verify, DataDir, Reply, Server, TOKEN};
use sha2::{Digest, Sha256};

const PDF: &str = "application/pdf";

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn folder(dir: &DataDir) -> PathBuf {
    dir.data().join("attachments")
}

/// The names in the attachments folder, sorted.
fn stored(dir: &DataDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder(dir))
        .expect("the attachments folder")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn upload_as(server: &Server, token: &str, media_type: &str, body: Vec<u8>) -> Reply {
    server
        .send(
            server
                .client
                .post(server.url("/v1/attachments"))
                .bearer_auth(token)
                .header("Content-Type", media_type)
                .body(body),
        )
        .await
}

async fn upload(server: &Server, media_type: &str, body: &[u8]) -> Reply {
    upload_as(server, TOKEN, media_type, body.to_vec()).await
}

/// `GET /v1/attachments/{sha}`: status, headers and the raw bytes.
async fn download(server: &Server, sha: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = server
        .client
        .get(server.url(&format!("/v1/attachments/{sha}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn problem(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["status"], status);
}

#[tokio::test]
async fn the_same_bytes_twice_are_stored_once_and_answered_byte_exact() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let minutes =
        "Biên bản họp liên tỉnh Đồng Nai – Lâm Đồng – Bình Phước, Đà Lạt, ngày 10/3/2014.\n\
        Các bên thống nhất xúc tiến đầu tư vào khu công nghiệp Lộc Sơn.\n"
            .as_bytes();
    let sha = sha256(minutes);

    let first = upload(&server, "text/plain; charset=utf-8", minutes).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let expected = json!({"sha256": sha, "size": minutes.len(), "media_type": "text/plain"});
    assert_eq!(first.body, expected);
    let again = upload(&server, "text/plain", minutes).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body, expected);
    assert_eq!(stored(&dir), vec![sha.clone(), format!("{sha}.type")]);

    let (status, headers, bytes) = download(&server, &sha).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, minutes, "byte-exact, diacritics included");
    assert_eq!(header(&headers, "content-type"), "text/plain");
    assert_eq!(header(&headers, "etag"), format!("\"{sha}\""));
    let cached = server
        .client
        .get(server.url(&format!("/v1/attachments/{sha}")))
        .bearer_auth(TOKEN)
        .header("If-None-Match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status().as_u16(), 304);
    assert!(cached.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_media_type_not_allowed_is_refused_with_415_and_nothing_stored() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    for media_type in ["application/zip", "text/html", "application/json"] {
        let reply = upload(&server, media_type, b"PK\x03\x04 not a document").await;
        problem(&reply, 415);
        assert!(reply.body["detail"].as_str().unwrap().contains(PDF));
    }
    let untyped = server
        .send(
            server
                .client
                .post(server.url("/v1/attachments"))
                .bearer_auth(TOKEN)
                .body("no type"),
        )
        .await;
    problem(&untyped, 415);
    assert!(stored(&dir).is_empty(), "{:?}", stored(&dir));
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_with_413_and_nothing_left() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, &["--attachment-max-mb", "1"]).await;
    let limit = 1024 * 1024;
    let exact = vec![b'a'; limit];
    assert_eq!(upload(&server, PDF, &exact).await.status, 201);
    let sha = sha256(&exact);

    // Declared too large: refused before reading.
    let declared = upload(&server, PDF, &vec![b'b'; limit + 1]).await;
    problem(&declared, 413);
    // Streamed without a length: read up to the limit, then refused.
    let pieces = (0..20).map(|_| Ok::<_, std::io::Error>(vec![b'c'; 64 * 1024]));
    let streamed = server
        .send(
            server
                .client
                .post(server.url("/v1/attachments"))
                .bearer_auth(TOKEN)
                .header("Content-Type", PDF)
                .body(reqwest::Body::wrap_stream(stream::iter(pieces))),
        )
        .await;
    problem(&streamed, 413);
    assert_eq!(stored(&dir), vec![sha.clone(), format!("{sha}.type")]);
}

#[tokio::test]
async fn an_unknown_hash_is_404_and_a_malformed_one_400() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    let unknown = server
        .get(&format!("/v1/attachments/{}", sha256(b"never uploaded")))
        .await;
    problem(&unknown, 404);
    let upper = sha256(b"x").to_uppercase();
    for bad in ["abc", upper.as_str(), &"g".repeat(64), &"a".repeat(65)] {
        let reply = server.get(&format!("/v1/attachments/{bad}")).await;
        problem(&reply, 400);
        assert_eq!(reply.body["errors"][0]["field"], "sha256", "{bad}");
    }
}

/// A new token's secret.
async fn token(server: &Server, body: Value) -> String {
    let reply = server
        .as_token(TOKEN, reqwest::Method::POST, "/v1/tokens", Some(body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn writers_upload_and_auditors_only_read() {
    let dir = DataDir::new();
    let server = Server::start(&dir).await;
    server
        .accept(&json!({"type": "RegisterParty", "data": {"party_id": "dong-nai-iza", "name": "Ban Quản lý các KCN Đồng Nai", "kind": "industrial_zone_authority"}}))
        .await;
    let writer = token(
        &server,
        json!({"role": "writer", "party_id": "dong-nai-iza"}),
    )
    .await;
    let auditor = token(&server, json!({"role": "auditor", "label": "thanh tra"})).await;
    let png = [&b"\x89PNG\r\n\x1a\n"[..], "bản đồ KCN Lộc Sơn".as_bytes()].concat();

    let refused = upload_as(&server, &auditor, "image/png", png.clone()).await;
    problem(&refused, 403);
    assert!(stored(&dir).is_empty());
    let uploaded = upload_as(&server, &writer, "image/png", png.clone()).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let path = format!("/v1/attachments/{}", sha256(&png));
    let read = server
        .client
        .get(server.url(&path))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    assert_eq!(read.bytes().await.unwrap().to_vec(), png);
    let anonymous = server.send(server.client.get(server.url(&path))).await;
    problem(&anonymous, 401);
}

/// The server's peak resident memory so far (VmHWM), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_large_file_streams_through_without_the_server_holding_it() {
    const PIECE: usize = 256 * 1024;
    const PIECES: usize = 320; // 80 MiB
    let dir = DataDir::new();
    let server = Server::start_with(&dir, &["--attachment-max-mb", "100"]).await;
    let piece = |i: usize| -> Vec<u8> { (0..PIECE).map(|j| (i * 31 + j * 7) as u8).collect() };
    let mut hasher = Sha256::new();
    for i in 0..PIECES {
        hasher.update(piece(i));
    }
    let sha = hex(&hasher.finalize());
    let size = (PIECE * PIECES) as u64;
    let before = peak_memory(server.pid());

    let body = stream::iter((0..PIECES).map(move |i| Ok::<_, std::io::Error>(piece(i))));
    let reply = server
        .send(
            server
                .client
                .post(server.url("/v1/attachments"))
                .bearer_auth(TOKEN)
                .header("Content-Type", PDF)
                .body(reqwest::Body::wrap_stream(body)),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["sha256"], sha);
    assert_eq!(reply.body["size"], size);
    let response = server
        .client
        .get(server.url(&format!("/v1/attachments/{sha}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "content-length"),
        size.to_string()
    );
    let mut download = response.bytes_stream();
    let (mut hasher, mut read) = (Sha256::new(), 0u64);
    while let Some(chunk) = futures::StreamExt::next(&mut download).await {
        let chunk = chunk.unwrap();
        read += chunk.len() as u64;
        hasher.update(&chunk);
    }
    assert_eq!((read, hex(&hasher.finalize())), (size, sha));

    let grown = peak_memory(server.pid()).saturating_sub(before);
    // Holding the file would grow it by the file's size at least; streamed,
    // only the pipes' pieces and the allocator's caches (about 20 MiB when
    // the tests run in parallel on two cores) are added.
    assert!(
        grown < size / 2,
        "the server's peak memory grew by {grown} bytes for a file of {size}"
    );
}

#[tokio::test]
async fn a_file_answered_201_survives_a_kill_and_verify_names_an_altered_one() {
    let dir = DataDir::new();
    let mut server = Server::start(&dir).await;
    let signed = "%PDF-1.7 Chương trình hợp tác 2013–2015"
        .as_bytes()
        .to_vec();
    let sha = sha256(&signed);
    assert_eq!(upload(&server, PDF, &signed).await.status, 201);
    server.kill();

    let server = Server::start(&dir).await;
    let (status, headers, bytes) = download(&server, &sha).await;
    assert_eq!((status, bytes.as_slice()), (200, signed.as_slice()));
    assert_eq!(header(&headers, "content-type"), PDF);
    server.stop();

    let clean = accord_verify(&dir.data());
    assert!(clean.status.success(), "{clean:?}");
    let report: Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(
        report["attachments"],
        json!({"ok": true, "checked": 1, "altered": []})
    );
    std::fs::write(Path::new(&folder(&dir)).join(&sha), b"%PDF-1.7 forged").unwrap();
    let altered = accord_verify(&dir.data());
    assert!(!altered.status.success());
    let report: Value = serde_json::from_slice(&altered.stdout).unwrap();
    assert_eq!(report["attachments"]["altered"], json!([sha]));
    assert!(String::from_utf8_lossy(&altered.stderr).contains(&sha));
}
