//! One HTTP attempt: the payload, fresh signatures, the POST, and what the
//! receiver answered (status, `Retry-After`, the first bytes of the body).

use std::time::{Duration, Instant};

use accord_store::StoredEvent;
use reqwest::{redirect, Client, Url};
use time::OffsetDateTime;

use crate::guard::{self, GuardedResolver};
use crate::model::Attempt;
use crate::signer::{signature_header, Secret};

/// How many bytes of a receiver's answer are kept in the delivery log.
pub const BODY_KEPT: usize = 1024;

/// The HTTP client of every delivery: no redirects, a per-attempt timeout,
/// and the guarded resolver unless private addresses are allowed.
pub fn build(timeout: Duration, allow_private: bool) -> reqwest::Result<Client> {
    let builder = Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("Accord-Webhooks/", env!("CARGO_PKG_VERSION")));
    match allow_private {
        true => builder.build(),
        false => builder
            .dns_resolver(std::sync::Arc::new(GuardedResolver))
            .build(),
    }
}

/// The body of a delivery: `{"type", "timestamp", "data": <envelope>}`.
pub fn payload(event: &StoredEvent) -> Vec<u8> {
    let envelope = &event.envelope;
    let timestamp = envelope
        .recorded_at
        .format(&time::format_description::well_known::Rfc3339)
        .expect("recorded_at always formats");
    let body = serde_json::json!({
        "type": envelope.event_type,
        "timestamp": timestamp,
        "data": event.to_json(),
    });
    serde_json::to_vec(&body).expect("a payload always serialises")
}

/// What an attempt gave: its record and any `Retry-After` the receiver sent.
pub struct Answer {
    pub attempt: Attempt,
    pub retry_after: Option<String>,
}

/// Posts `body` once, signed now with every secret; never fails, every
/// outcome becomes an [`Attempt`].
pub async fn attempt(
    client: &Client,
    url: &Url,
    allow_private: bool,
    secrets: &[Secret],
    webhook_id: &str,
    body: &[u8],
) -> Answer {
    let at = OffsetDateTime::now_utc();
    let started = Instant::now();
    let result = send(client, url, allow_private, secrets, webhook_id, body, at).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let (status_code, error, response_body, retry_after) = match result {
        Ok((status, body, retry_after)) => (Some(status), None, Some(body), retry_after),
        Err(error) => (None, Some(error), None, None),
    };
    Answer {
        attempt: Attempt {
            at,
            status_code,
            error,
            duration_ms,
            response_body,
        },
        retry_after,
    }
}

async fn send(
    client: &Client,
    url: &Url,
    allow_private: bool,
    secrets: &[Secret],
    webhook_id: &str,
    body: &[u8],
    at: OffsetDateTime,
) -> Result<(u16, String, Option<String>), String> {
    // IP literals never reach the resolver: the guard checks them here.
    if let Some(ip) = guard::literal_ip(url).filter(|_| !allow_private) {
        guard::check_ip(ip).map_err(|refusal| refusal.to_string())?;
    }
    let timestamp = at.unix_timestamp();
    let mut response = client
        .post(url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature_header(secrets, webhook_id, timestamp, body),
        )
        .body(body.to_vec())
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut kept = Vec::new();
    while kept.len() < BODY_KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(BODY_KEPT);
    Ok((
        status,
        String::from_utf8_lossy(&kept).into_owned(),
        retry_after,
    ))
}

/// The error and its causes on one line (reqwest hides the interesting part in sources).
fn describe(error: reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
