//! The kill -9 test: clients hammer the writer with exchanges, the server is
//! SIGKILLed mid-flight, and the restarted server must still hold every
//! acknowledged command at the position it answered, in a gapless, verifying
//! log whose read models equal a rebuild.

#[path = "support/hammer.rs"]
mod hammer;
#[path = "support/server.rs"]
mod server;

use hammer::{assert_each_once, seed, Load, AGREEMENT, CLIENTS, HAMMER_FOR};
use serde_json::Value;
use server::{accord_verify, DataDir, Server};
use std::collections::HashMap;

/// Starts the clients, lets them run, then SIGKILLs the server under load.
async fn hammer_then_kill(server: &mut Server) -> HashMap<String, (u64, Value)> {
    let mut load = Load::start(&[&*server], 0..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;
    let before_kill = load.count();
    server.kill();
    let cut_off = load.stop().await;
    assert!(
        before_kill > 0,
        "no command was acknowledged in {HAMMER_FOR:?}:\n{}",
        server.stderr()
    );
    assert!(
        cut_off > 0,
        "the SIGKILL came while no request was in flight"
    );
    load.take()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_command_survives_a_kill_9_in_a_gapless_verifying_log() {
    let dir = DataDir::new();
    let mut server = Server::start(&dir).await;
    seed(&server).await;
    let acked = hammer_then_kill(&mut server).await;
    println!("acknowledged commands before the SIGKILL: {}", acked.len());

    let restarted = Server::start(&dir).await;
    let head = restarted.head().await;
    println!("events in the log after the restart: {head} (4 seeded)");
    let events = restarted.events().await;
    assert_eq!(events.len() as u64, head, "the log holds 1..=head");
    assert_each_once(&events, &acked);

    let verify = restarted.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    assert_eq!(verify["events"], head);

    // Re-post a sample of them, the last acknowledged included.
    let mut sample: Vec<_> = acked.iter().step_by(acked.len() / 16 + 1).collect();
    sample.push(acked.iter().max_by_key(|(_, (p, _))| *p).expect("some"));
    for (id, (position, body)) in sample {
        let repeat = restarted.command(body).await;
        assert_eq!(repeat.status, 200, "re-posting {id}: {}", repeat.text);
        assert_eq!(repeat.body["position"], *position);
        assert_eq!(repeat.body["command_id"], id.as_str());
    }
    assert_eq!(restarted.head().await, head, "the repeat appended nothing");

    assert_read_models_match_the_log(&restarted, &events).await;
    restarted.stop();

    let offline = accord_verify(&dir.data());
    let stdout = String::from_utf8_lossy(&offline.stdout);
    assert!(
        offline.status.success(),
        "accord verify failed: {stdout}\n{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("accord verify prints JSON");
    assert_eq!(report["ok"], true);
    assert_eq!(report["events"], head);
}

/// The restarted server rebuilt its models from the log: its counts must be
/// the ones the log's events imply.
async fn assert_read_models_match_the_log(server: &Server, events: &[Value]) {
    let recorded: Vec<&Value> = events
        .iter()
        .filter(|e| {
            e["type"] == "ExchangeRecorded" && e["stream"] == format!("agreement:{AGREEMENT}")
        })
        .collect();
    let mut by_area: HashMap<&str, u64> = HashMap::new();
    for event in &recorded {
        *by_area
            .entry(event["data"]["area"].as_str().expect("an area"))
            .or_default() += 1;
    }
    let stream_events = events
        .iter()
        .filter(|e| e["stream"] == format!("agreement:{AGREEMENT}"))
        .count();

    let agreement = server.json(&format!("/v1/agreements/{AGREEMENT}")).await;
    assert_eq!(
        agreement["exchanges"]["total"],
        recorded.len() as u64,
        "{agreement:#}"
    );
    assert_eq!(agreement["version"], stream_events as u64);
    for (area, count) in &by_area {
        assert_eq!(
            agreement["exchanges"]["by_area"][area], *count,
            "area {area}"
        );
    }
    let exchanges = server
        .json(&format!("/v1/agreements/{AGREEMENT}/exchanges"))
        .await;
    assert_eq!(
        exchanges["items"].as_array().map(Vec::len),
        Some(recorded.len())
    );

    let report = server.json("/v1/reports/cooperation").await;
    assert_eq!(
        report["totals"]["exchanges"],
        recorded.len() as u64,
        "{}",
        report["totals"]
    );
    assert_eq!(report["agreements"][0]["exchanges"], recorded.len() as u64);
}
