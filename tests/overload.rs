//! Overload against the real binary: commands beyond the writer's queue get
//! `503` with `Retry-After` while the others are appended, and a client that
//! sends its headers byte by byte is cut off by the header read timeout
//! while other clients are served. Figures under load: scripts/bench-overload.sh.

#[path = "support/server.rs"]
mod server;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use server::{DataDir, Server, TOKEN};

#[tokio::test]
async fn commands_beyond_the_queue_get_503_with_retry_after_and_the_others_are_appended() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, &["--queue-capacity", "1", "--max-batch", "1"]).await;
    let sends = (0..300).map(|i| {
        let request = server
            .client
            .post(server.url("/v1/commands"))
            .bearer_auth(TOKEN)
            .json(
                &json!({"type": "RegisterParty", "data": {"party_id": format!("kcn-{i:03}"),
                "name": format!("Khu công nghiệp {i}"), "kind": "industrial_zone_authority"}}),
            );
        async move {
            let response = request.send().await.expect("an answer");
            let retry = response.headers().get("retry-after").cloned();
            (response.status().as_u16(), retry)
        }
    });
    let answers = futures::future::join_all(sends).await;

    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == 503).collect();
    assert_eq!(
        created + busy.len(),
        answers.len(),
        "only 201 or 503: {answers:?}"
    );
    assert!(!busy.is_empty(), "a queue of one overflowed");
    assert!(busy
        .iter()
        .all(|(_, retry)| retry.as_ref().is_some_and(|r| r == "1")));
    assert!(created > 0, "the writer went on");
    assert_eq!(
        server.events().await.len(),
        created,
        "every 201 appended, no 503"
    );
}

#[tokio::test]
async fn a_client_sending_its_headers_byte_by_byte_is_cut_off_by_the_header_timeout() {
    let dir = DataDir::new();
    let server = Server::start_with(&dir, &["--header-timeout", "1"]).await;
    let address = server.base.trim_start_matches("http://").to_owned();

    let slow = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).expect("a connection");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: accord\r\nX-Slow: ")
            .unwrap();
        let mut answer = Vec::new();
        // One more byte every 100 ms, for up to 30 s: the headers never end.
        for sent in 0..300 {
            if stream.write_all(b"a").is_err() {
                return (Some(sent), answer);
            }
            let mut buffer = [0; 512];
            match stream.read(&mut buffer) {
                Ok(0) => return (Some(sent), answer),
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return (Some(sent), answer),
            }
        }
        (None, answer)
    });
    let (cut_after, answer) = slow.await.unwrap();

    let answer = String::from_utf8_lossy(&answer);
    assert!(
        cut_after.is_some(),
        "the slow client was still connected after 300 header bytes: {answer}"
    );
    assert!(!answer.contains(" 200 "), "never answered: {answer}");
    let control = server.get("/healthz").await;
    assert_eq!(control.status, 200, "other clients are served");
}
