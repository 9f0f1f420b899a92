//! A webhook receiver for `scripts/bench-webhooks.sh`: answers 204 at once,
//! counts deliveries and measures each one's delay from the event's
//! `recorded_at` (stamped just before the command's batch is synced and
//! acknowledged) to its arrival.
//!
//! `cargo run --release -p accord-webhooks --example bench_receiver -- 127.0.0.1:18091`
//! then `GET /stats` (`?reset` to start a new measure).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Default)]
struct Stats {
    count: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    delays_ms: Vec<f64>,
}

#[tokio::main]
async fn main() {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18091".into());
    let stats = Arc::new(Mutex::new(Stats::default()));
    let (hook, report) = (stats.clone(), stats);
    let app = Router::new()
        .route(
            "/hook",
            post(move |body: Bytes| {
                let stats = hook.clone();
                async move {
                    let now = OffsetDateTime::now_utc();
                    let value: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    let recorded = value["timestamp"]
                        .as_str()
                        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
                    let mut stats = stats.lock().unwrap();
                    stats.count += 1;
                    stats.first.get_or_insert_with(Instant::now);
                    stats.last = Some(Instant::now());
                    if let Some(recorded) = recorded {
                        stats
                            .delays_ms
                            .push((now - recorded).as_seconds_f64() * 1000.0);
                    }
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .route(
            "/stats",
            get(move |RawQuery(query): RawQuery| {
                let stats = report.clone();
                async move {
                    let mut stats = stats.lock().unwrap();
                    let mut delays = stats.delays_ms.clone();
                    delays.sort_by(f64::total_cmp);
                    let pct = |p: f64| {
                        delays
                            .get(
                                ((delays.len() as f64 * p) as usize)
                                    .min(delays.len().saturating_sub(1)),
                            )
                            .copied()
                    };
                    let span = match (stats.first, stats.last) {
                        (Some(a), Some(b)) => (b - a).as_secs_f64(),
                        _ => 0.0,
                    };
                    let answer = serde_json::json!({
                        "count": stats.count, "span_s": span,
                        "per_second": if span > 0.0 { stats.count as f64 / span } else { 0.0 },
                        "delay_p50_ms": pct(0.5), "delay_p99_ms": pct(0.99),
                    });
                    if query.is_some_and(|q| q.contains("reset")) {
                        *stats = Stats::default();
                    }
                    Json(answer)
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind(&address).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
