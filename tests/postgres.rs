//! The real binary on PostgreSQL (`--database-url`): the walkthrough's key
//! steps over HTTP, a kill -9 under load after which every acknowledged
//! command is in the log at the position it was answered with, and the
//! offline commands (`verify`, `export`, `import`) on the database. Each
//! test has a database of its own on the server of
//! `ACCORD_TEST_DATABASE_URL` (default 127.0.0.1:5432, which `.ci/run`
//! starts); without one the tests fail, they never skip. The test that
//! restarts PostgreSQL under load runs a server of its own
//! ([`PgServer`]), never the shared one.

#[path = "support/hammer.rs"]
mod hammer;
#[path = "support/receiver.rs"]
mod receiver;
#[path = "support/server.rs"]
mod server;

use std::process::{Command, Output};
use std::time::Duration;

use accord_store_pg::testing::{PgServer, Shutdown, TestDatabase};
use hammer::{
    assert_each_once, exchange, seed, Acknowledged, Load, AGREEMENT, CLIENTS, HAMMER_FOR,
};
use receiver::{verify_with_python, Received, TestReceiver};
use serde_json::{json, Value};
use server::{read_events, subscribe, DataDir, Server, TOKEN};

/// The tests that put nodes under load and time how they recover take it in
/// turn: on a two-core machine two of them at once starve each other's
/// nodes past the deadlines they measure (a node's lock released within
/// about 5 s, the database noticed gone within about 10 s).
static UNDER_LOAD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn start_on(dir: &DataDir, database: &TestDatabase) -> Server {
    Server::start_with_env(dir, &[("ACCORD_DATABASE_URL", database.url().to_owned())]).await
}

/// `accord <args…> --database-url <database>`.
fn accord(args: &[&str], database: &TestDatabase) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .arg("--database-url")
        .arg(database.url())
        .env_remove("ACCORD_DATA")
        .env_remove("ACCORD_DATABASE_URL")
        .output()
        .expect("accord runs")
}

fn succeeded(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "accord failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).expect("accord prints JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walkthrough_runs_on_postgresql_and_a_restart_keeps_everything() {
    let database = TestDatabase::create();
    let dir = DataDir::new();
    let server = start_on(&dir, &database).await;
    seed(&server).await;
    let body = exchange(0, 1);
    let recorded = server.command(&body).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    let position = recorded.body["position"].as_u64().unwrap();

    let agreement = server.json(&format!("/v1/agreements/{AGREEMENT}")).await;
    assert_eq!(agreement["exchanges"]["total"], 1, "{agreement:#}");
    assert_eq!(
        agreement["title"], "Chương trình hợp tác ba bên 2020–2030",
        "texts are kept exactly"
    );
    let again = server.command(&body).await;
    assert_eq!(again.status, 200, "a repeat is answered, not appended");
    assert_eq!(again.body["position"], position);
    let checkpoint = server.json("/v1/audit/checkpoint").await;
    assert_eq!(checkpoint["position"], position, "{checkpoint:#}");
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(
        (verify["ok"].clone(), verify["events"].clone()),
        (json!(true), json!(position))
    );
    server.stop();

    // Nothing of the log is in the data folder: only the signing key.
    assert!(
        !dir.data().join("db").exists(),
        "sled did not open the folder"
    );
    let restarted = start_on(&dir, &database).await;
    assert_eq!(restarted.head().await, position);
    let agreement = restarted.json(&format!("/v1/agreements/{AGREEMENT}")).await;
    assert_eq!(agreement["exchanges"]["total"], 1);
    let checked = restarted
        .post("/v1/audit/verify-checkpoint", &checkpoint)
        .await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.body["ok"], true, "{}", checked.text);

    // A token created offline in the database, beside the running server,
    // authenticates once the server has restarted.
    let created = accord(&["token", "create", "--role", "auditor"], &database);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let secret = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    restarted.stop();
    let again = start_on(&dir, &database).await;
    let read = again
        .send(
            again
                .client
                .get(again.url("/v1/audit/verify"))
                .bearer_auth(&secret),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    again.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_command_survives_a_kill_9_on_postgresql() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let dir = DataDir::new();
    let mut server = start_on(&dir, &database).await;
    seed(&server).await;

    let mut load = Load::start(&[&server], 0..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;
    server.kill();
    let cut_off = load.stop().await;
    let acked = load.take();
    assert!(
        !acked.is_empty(),
        "nothing acknowledged:\n{}",
        server.stderr()
    );
    assert!(
        cut_off > 0,
        "the SIGKILL came while no request was in flight"
    );
    println!("acknowledged before the SIGKILL: {}", acked.len());

    let restarted = start_on(&dir, &database).await;
    let head = restarted.head().await;
    let events = restarted.events().await;
    assert_eq!(events.len() as u64, head, "the log holds 1..=head");
    assert_each_once(&events, &acked);
    let last = acked.values().max_by_key(|(p, _)| *p).expect("some");
    let repeat = restarted.command(&last.1).await;
    assert_eq!(repeat.status, 200, "{}", repeat.text);
    assert_eq!(repeat.body["position"], last.0);
    assert_eq!(restarted.head().await, head, "the repeat appended nothing");
    restarted.stop();

    // Offline, on the database: the chain verifies; an export imported
    // into a sled folder and back into another database keeps every hash.
    let rebuilt = succeeded(&accord(&["rebuild", "--snapshot-every", "100"], &database));
    assert_eq!(rebuilt["events"], head, "{rebuilt:#}");
    let checked = succeeded(&accord(&["rebuild", "--check"], &database));
    assert_eq!(checked["ok"], true, "{checked:#}");
    let verified = succeeded(&accord(&["verify"], &database));
    assert_eq!(
        (verified["ok"].clone(), verified["events"].clone()),
        (json!(true), json!(head))
    );
    let export = dir.log("export.ndjson");
    let exported = accord(&["export", "--out", export.to_str().unwrap()], &database);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let folder = dir.log("from-postgresql");
    let into_sled = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "import",
            "--data",
            folder.to_str().unwrap(),
            export.to_str().unwrap(),
        ])
        .env_remove("ACCORD_DATA")
        .env_remove("ACCORD_DATABASE_URL")
        .output()
        .expect("accord import runs");
    let into_sled = succeeded(&into_sled);
    assert_eq!(into_sled["head_hash"], verified["head_hash"]);
    let other = TestDatabase::create();
    let into_pg = succeeded(&accord(&["import", export.to_str().unwrap()], &other));
    assert_eq!(into_pg["head_hash"], verified["head_hash"]);
    let again = accord(&["import", export.to_str().unwrap()], &other);
    assert!(
        !again.status.success(),
        "a database holding a log is not imported into"
    );
}

/// Registers parties `from..from + n`; their positions.
async fn register(server: &Server, from: usize, n: usize) -> Vec<u64> {
    let mut positions = Vec::new();
    for i in from..from + n {
        let data = json!({"party_id": format!("party-{i:04}"), "name": format!("Ban quản lý {i}"), "kind": "industrial_zone_authority"});
        let result = server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
        positions.push(result["position"].as_u64().unwrap());
    }
    positions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_delivered_in_order_and_resume_from_the_stored_cursor_after_a_restart() {
    let database = TestDatabase::create();
    let dir = DataDir::new();
    let flags = [
        "--webhook-allow-private",
        "--webhook-retry-schedule",
        "100ms,200ms,300ms,500ms,1s",
        "--database-url",
        database.url(),
    ];
    let within = Duration::from_secs(60);
    let server = Server::start_with(&dir, &flags).await;
    let receiver = TestReceiver::start().await;
    let created = server
        .post("/v1/webhooks", &json!({"url": receiver.url()}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let mut positions = register(&server, 0, 3).await;
    receiver.wait_for(within, |r| r.len() >= 3).await;
    server.stop();

    let restarted = Server::start_with(&dir, &flags).await;
    positions.extend(register(&restarted, 3, 2).await);
    delivered_in_order(&receiver, &positions, &secret, "across the restart").await;
    restarted.stop();
}

/// Waits (at most a minute) until `receiver` has every one of `positions`,
/// then holds that each arrived first in log order and that every delivery
/// passes the Standard Webhooks reference verifier with `secret`.
async fn delivered_in_order(
    receiver: &TestReceiver,
    positions: &[u64],
    secret: &str,
    across: &str,
) {
    let received = receiver
        .wait_for(Duration::from_secs(60), |r| {
            let got: std::collections::HashSet<u64> = r.iter().map(Received::position).collect();
            positions.iter().all(|p| got.contains(p))
        })
        .await;
    let mut seen = std::collections::HashSet::new();
    let first: Vec<u64> = received
        .iter()
        .map(Received::position)
        .filter(|p| seen.insert(*p))
        .collect();
    assert_eq!(first, positions, "each event once, in log order, {across}");
    for delivery in &received {
        verify_with_python(secret, delivery).expect("the reference verifier accepts it");
    }
}

/// Posts `body` until it is answered otherwise than `503`, as a client
/// following `Retry-After` would (at most about 20 s).
async fn until_answered(server: &Server, body: &Value) -> server::Reply {
    let mut answer = server.command(body).await;
    for _ in 0..80 {
        if answer.status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        answer = server.command(body).await;
    }
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_away_commands_answer_503_and_everything_resumes_by_itself() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let proxy = accord_store_pg::testing::Proxy::start(&database);
    let dir = DataDir::new();
    let flags = ["--request-timeout", "2", "--database-url", proxy.url()];
    let server = Server::start_with(&dir, &flags).await;
    seed(&server).await;
    let before = server.head().await;

    proxy.cut();
    let body = exchange(0, 1);
    let away = server
        .client
        .post(server.url("/v1/commands"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(away.status(), 503);
    assert!(away.headers().contains_key("retry-after"), "{away:?}");
    let agreement = server.json(&format!("/v1/agreements/{AGREEMENT}")).await;
    assert_eq!(
        agreement["agreement_id"], AGREEMENT,
        "reads from memory go on"
    );
    // Reads of the log itself cannot: 503 with Retry-After, not 500.
    let log = server
        .client
        .get(server.url("/v1/events"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(log.status(), 503);
    assert!(log.headers().contains_key("retry-after"), "{log:?}");
    assert_eq!(log.headers()["content-type"], "application/problem+json");
    let mut ready = server.json("/readyz").await;
    for _ in 0..100 {
        if ready["database_reachable"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = server.json("/readyz").await;
    }
    assert_eq!(ready["database_reachable"], false, "{ready:#}");
    proxy.restore();

    // The client retries with the same command id: recorded once.
    let answer = until_answered(&server, &body).await;
    assert!(matches!(answer.status, 200 | 201), "{}", answer.text);
    let next = until_answered(&server, &exchange(0, 2)).await;
    assert_eq!(next.status, 201, "{}", next.text);
    let events = server.events().await;
    let id = body["command_id"].as_str().unwrap();
    assert_eq!(
        events.iter().filter(|e| e["command_id"] == id).count(),
        1,
        "the command retried is recorded once"
    );
    assert_eq!(server.head().await, before + 2);
    let mut ready = server.json("/readyz").await;
    for _ in 0..100 {
        if ready["database_reachable"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = server.json("/readyz").await;
    }
    assert_eq!(ready["database_reachable"], true, "{ready:#}");
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    server.stop();
}

// Two nodes on one database (ADR 0044): each follows the other's appends.

/// The statuses of two answers, smallest first.
fn statuses(one: &server::Reply, other: &server::Reply) -> [u16; 2] {
    let mut statuses = [one.status, other.status];
    statuses.sort_unstable();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_record_a_command_sent_to_both_at_once_once_and_hold_expected_versions() {
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let a = start_on(&dir_a, &database).await;
    let b = start_on(&dir_b, &database).await;
    // Written on one node, decided on by the other: the writer catches up first.
    seed(&a).await;
    let mut ids = Vec::new();
    for n in 0..15 {
        let body = exchange(0, n);
        let (on_a, on_b) = tokio::join!(a.command(&body), b.command(&body));
        assert_eq!(
            statuses(&on_a, &on_b),
            [200, 201],
            "recorded by one node, answered with its result by the other: {} / {}",
            on_a.text,
            on_b.text
        );
        assert_eq!(on_a.body["position"], on_b.body["position"]);
        assert_eq!(on_a.body["events"], on_b.body["events"]);
        ids.push(body["command_id"].as_str().unwrap().to_owned());
    }
    let mut version = b.command(&exchange(0, 99)).await.body["version"]
        .as_u64()
        .expect("a 201 names the stream's version");
    for n in 0..15 {
        let (mut x, mut y) = (exchange(1, n), exchange(2, n));
        x["expected_version"] = json!(version);
        y["expected_version"] = json!(version);
        let (on_a, on_b) = tokio::join!(a.command(&x), b.command(&y));
        assert_eq!(
            statuses(&on_a, &on_b),
            [201, 409],
            "one of two commands expecting the same version is appended: {} / {}",
            on_a.text,
            on_b.text
        );
        let created = if on_a.status == 201 { &on_a } else { &on_b };
        assert_eq!(created.body["version"], json!(version + 1));
        version += 1;
    }
    let head = a.head().await.max(b.head().await);
    let events = a.events().await;
    assert_eq!(events.len() as u64, head, "{}", b.stderr());
    for id in &ids {
        assert_eq!(
            events
                .iter()
                .filter(|e| e["command_id"] == id.as_str())
                .count(),
            1,
            "command {id} is recorded once"
        );
    }
    let verify = b.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_is_read_on_the_other_with_min_position_and_streamed_there() {
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let a = start_on(&dir_a, &database).await;
    let b = start_on(&dir_b, &database).await;
    seed(&a).await;
    let seeded = a.head().await;
    // B only reads: it follows A's appends as they are notified.
    let stream = subscribe(&b, Some(&seeded.to_string())).await;
    assert_eq!(stream.status(), 200);
    let streamed = tokio::spawn(read_events(stream, 5));
    let mut positions = Vec::new();
    for n in 0..5 {
        let body = exchange(0, n);
        let position = a.accept(&body).await["position"].as_u64().unwrap();
        positions.push(position);
        let query = [("min_position", position.to_string())];
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let path = format!("/v1/agreements/{AGREEMENT}");
        let response = b
            .client
            .get(b.url(&path))
            .query(&query)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let reflected: u64 = response.headers()["accord-position"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(reflected >= position, "{reflected} < {position}");
        let agreement: Value = response.json().await.unwrap();
        assert_eq!(
            agreement["exchanges"]["total"],
            n + 1,
            "the other node's write is read: {agreement:#}"
        );
    }
    let events = streamed.await.unwrap();
    let ids: Vec<u64> = events.iter().map(|e| e.0).collect();
    assert_eq!(ids, positions, "the stream on B resumes after A's position");
    assert_eq!(
        events[0].2["data"]["summary"],
        "Trao đổi thông tin số 0 của máy khách 0"
    );

    // Past the head: 503 with Retry-After once the wait is over; not a position: 400.
    let ahead = b
        .get(&format!(
            "/v1/agreements/{AGREEMENT}?min_position={}",
            positions[4] + 1000
        ))
        .await;
    assert_eq!(ahead.status, 503, "{}", ahead.text);
    assert_eq!(ahead.content_type, "application/problem+json");
    let bad = b.get("/v1/events?min_position=soon").await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.content_type, "application/problem+json");
    let ready = b.json("/readyz").await;
    assert_eq!(ready["database_reachable"], true, "{ready:#}");
    assert_eq!(ready["applied"], positions[4], "{ready:#}");
    assert_eq!(ready["lag"], 0, "{ready:#}");
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_under_load_loses_nothing_acknowledged_and_the_other_goes_on() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let mut a = start_on(&dir_a, &database).await;
    let b = start_on(&dir_b, &database).await;
    seed(&b).await;

    let mut load_a = Load::start(&[&a], 0..CLIENTS / 2);
    let mut load_b = Load::start(&[&b], CLIENTS / 2..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;
    a.kill();
    let cut_off = load_a.stop().await;
    assert!(
        cut_off > 0,
        "the SIGKILL came while no request was in flight"
    );
    let before = load_b.count();
    // B goes on alone: its clients keep being answered after A died.
    let more = b.accept(&exchange(CLIENTS, 1)).await;
    tokio::time::sleep(HAMMER_FOR).await;
    assert_eq!(load_b.stop().await, 0, "B answered every request");
    let acked_b = load_b.take();
    assert!(acked_b.len() > before, "B went on appending after A died");
    let acked_a = load_a.take();
    assert!(
        !acked_a.is_empty(),
        "A acknowledged nothing:\n{}",
        a.stderr()
    );
    println!(
        "acknowledged: {} by A before its SIGKILL, {} by B",
        acked_a.len(),
        acked_b.len()
    );

    let events = b.events().await;
    let head = b.head().await;
    assert!(head >= more["position"].as_u64().unwrap());
    assert_eq!(events.len() as u64, head, "the log holds 1..=head");
    assert_each_once(&events, &acked_a);
    assert_each_once(&events, &acked_b);
    // A client of the dead node retries on the other: the original result.
    for (position, body) in acked_a.values().take(5) {
        let again = b.command(body).await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(again.body["position"], *position);
    }
    let verify = b.json("/v1/audit/verify").await;
    assert_eq!(
        (verify["ok"].clone(), verify["events"].clone()),
        (json!(true), json!(head))
    );
    b.stop();
}

/// `accord key create --out <file>`.
fn create_key(file: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["key", "create", "--out", file.to_str().unwrap()])
        .output()
        .expect("accord key create runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_given_one_signing_key_verify_each_other_s_checkpoints() {
    let database = TestDatabase::create();
    let (dir_a, dir_b, dir_c) = (DataDir::new(), DataDir::new(), DataDir::new());
    let key = dir_a.log("signing.key");
    let made = succeeded(&create_key(&key));
    assert!(
        !create_key(&key).status.success(),
        "an existing key file is never overwritten"
    );
    let flags = |key: Option<&std::path::Path>| {
        let mut flags = vec!["--database-url".to_owned(), database.url().to_owned()];
        if let Some(key) = key {
            flags.extend(["--signing-key".to_owned(), key.display().to_string()]);
        }
        flags
    };
    let (with_key, without) = (flags(Some(&key)), flags(None));
    let with_key: Vec<&str> = with_key.iter().map(String::as_str).collect();
    let without: Vec<&str> = without.iter().map(String::as_str).collect();
    let a = Server::start_with(&dir_a, &with_key).await;
    let b = Server::start_with(&dir_b, &with_key).await;
    let c = Server::start_with(&dir_c, &without).await;
    seed(&a).await;
    let checkpoint = a.json("/v1/audit/checkpoint").await;
    let position = checkpoint["position"].as_u64().unwrap();
    let public = b
        .json(&format!("/v1/audit/public-key?min_position={position}"))
        .await;
    assert_eq!(public["public_key"], made["public_key"], "{public:#}");
    let checked = b.post("/v1/audit/verify-checkpoint", &checkpoint).await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.body["ok"], true, "{}", checked.text);
    // A node with a key of its own does not take A's signature.
    c.json(&format!("/v1/audit/public-key?min_position={position}"))
        .await;
    let other = c.post("/v1/audit/verify-checkpoint", &checkpoint).await;
    assert_eq!(other.status, 200, "{}", other.text);
    assert_eq!(other.body["ok"], false, "{}", other.text);
    a.stop();
    b.stop();
    c.stop();
}

/// Polls `/readyz` until `webhooks_delivering` is `wanted` (at most about 30 s).
async fn until_delivering(server: &Server, wanted: bool) -> Value {
    let mut ready = server.json("/readyz").await;
    for _ in 0..300 {
        if ready["webhooks_delivering"] == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = server.json("/readyz").await;
    }
    ready
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_lease_moves_to_the_surviving_node_which_goes_on_in_order() {
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let flags = [
        "--webhook-allow-private",
        "--webhook-retry-schedule",
        "100ms,200ms,300ms,500ms,1s",
        "--database-url",
        database.url(),
    ];
    let within = Duration::from_secs(60);
    let mut a = Server::start_with(&dir_a, &flags).await;
    let ready = until_delivering(&a, true).await;
    assert_eq!(ready["webhooks_delivering"], true, "{ready:#}");
    let b = Server::start_with(&dir_b, &flags).await;
    let ready = b.json("/readyz").await;
    assert_eq!(
        ready["webhooks_delivering"], false,
        "one node delivers at a time: {ready:#}"
    );

    // Made through B, which does not deliver: A picks the subscription up.
    let receiver = TestReceiver::start().await;
    let created = b
        .post("/v1/webhooks", &json!({"url": receiver.url()}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let mut positions = register(&b, 0, 3).await;
    receiver.wait_for(within, |r| r.len() >= 3).await;
    assert_eq!(b.json("/readyz").await["webhooks_delivering"], false);

    a.kill();
    positions.extend(register(&b, 3, 3).await);
    delivered_in_order(&receiver, &positions, &secret, "across the change of node").await;
    assert_eq!(b.json("/readyz").await["webhooks_delivering"], true);
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_recorded_on_one_node_is_followed_by_the_other_s_models() {
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let a = start_on(&dir_a, &database).await;
    let b = start_on(&dir_b, &database).await;
    seed(&a).await;
    let data = json!({"agreement_id": AGREEMENT, "effective_on": "2021-01-01",
        "reason": "Các bên thống nhất chấm dứt chương trình"});
    let terminated = a
        .accept(&json!({"type": "TerminateAgreement", "data": data}))
        .await;
    let mut late = exchange(0, 1);
    late["data"]["occurred_on"] = json!("2022-03-04");
    let refused = b.command(&late).await;
    assert_eq!(
        refused.status, 422,
        "B decides on A's termination: {}",
        refused.text
    );
    let void = json!({"type": "VoidEvent", "data": {
        "event_id": terminated["events"][0]["id"], "reason": "Nhập nhầm"}});
    let voided = a.accept(&void).await;
    let position = voided["position"].as_u64().unwrap();
    // B folds its models again without the voided termination, as A did.
    let path = format!("/v1/agreements/{AGREEMENT}?min_position={position}");
    let (on_a, on_b) = (a.json(&path).await, b.json(&path).await);
    assert_eq!(on_b["status"], "active", "{on_b:#}");
    assert_eq!(on_a, on_b, "both nodes' read models agree");
    let accepted = b.command(&late).await;
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    a.stop();
    b.stop();
}

/// `GET /v1/parties` with `token` until it answers `wanted` (at most about 30 s).
async fn until_token_answers(server: &Server, token: &str, wanted: u16) -> u16 {
    let mut status = 0;
    for _ in 0..300 {
        status = server
            .as_token(token, reqwest::Method::GET, "/v1/parties", None)
            .await
            .status;
        if status == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_created_or_revoked_through_one_node_counts_on_the_other() {
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let a = start_on(&dir_a, &database).await;
    let b = start_on(&dir_b, &database).await;
    let on_a = a
        .post(
            "/v1/tokens",
            &json!({"role": "auditor", "label": "kiểm toán A"}),
        )
        .await;
    assert_eq!(on_a.status, 201, "{}", on_a.text);
    let on_b = b
        .post(
            "/v1/tokens",
            &json!({"role": "auditor", "label": "kiểm toán B"}),
        )
        .await;
    assert_eq!(on_b.status, 201, "{}", on_b.text);
    let secret = on_a.body["token"].as_str().unwrap();
    assert_eq!(until_token_answers(&b, secret, 200).await, 200);
    // Neither node's change was lost to the other's.
    let mut labels = Vec::new();
    for _ in 0..300 {
        labels = a.json("/v1/tokens").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["label"].clone())
            .collect();
        if labels.contains(&json!("kiểm toán B")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(labels.contains(&json!("kiểm toán A")), "{labels:?}");
    assert!(labels.contains(&json!("kiểm toán B")), "{labels:?}");

    let id = on_a.body["id"].as_str().unwrap();
    let revoked = b
        .send(
            b.client
                .delete(b.url(&format!("/v1/tokens/{id}")))
                .bearer_auth(TOKEN),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert_eq!(until_token_answers(&a, secret, 401).await, 401);
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_under_load_ride_out_postgresql_going_away_and_lose_nothing() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let proxy = accord_store_pg::testing::Proxy::start(&database);
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let flags = ["--request-timeout", "2", "--database-url", proxy.url()];
    let a = Server::start_with(&dir_a, &flags).await;
    let b = Server::start_with(&dir_b, &flags).await;
    seed(&a).await;

    let mut load = Load::start(&[&a, &b], 0..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;
    // Every connection of both nodes is cut at once, mid-batch, lock held.
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();
    tokio::time::sleep(HAMMER_FOR).await;
    let before = load.count();
    tokio::time::sleep(HAMMER_FOR).await;
    assert_eq!(load.stop().await, 0, "both nodes answered");
    let acked = load.take();
    assert!(
        acked.len() > before,
        "commands go on after the database is back:\n{}\n{}",
        a.stderr(),
        b.stderr()
    );
    let again = |server: &Server| server.stderr().matches("deciding the batch again").count();
    println!(
        "acknowledged across the outage: {}; batches decided again on a moved head: {} + {}",
        acked.len(),
        again(&a),
        again(&b)
    );

    let head = acked.values().map(|(p, _)| *p).max().unwrap();
    let (events_a, events_b) = (a.events().await, b.events().await);
    assert!(events_b.len() as u64 >= head);
    assert_each_once(&events_b, &acked);
    // Both nodes hold the same models once they have applied the same log.
    let last = events_b.len().max(events_a.len());
    let path = format!("/v1/agreements/{AGREEMENT}?min_position={last}");
    assert_eq!(a.json(&path).await, b.json(&path).await);
    let verify = a.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    a.stop();
    b.stop();
}

// A real PostgreSQL server restarted under load, rather than a proxy cut.

/// Polls `/readyz` until `database_reachable` is `wanted` (at most 20 s).
async fn until_reachable(server: &Server, wanted: bool) -> Value {
    let mut ready = server.json("/readyz").await;
    for _ in 0..200 {
        if ready["database_reachable"] == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = server.json("/readyz").await;
    }
    ready
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_under_load_ride_out_a_real_postgresql_restart_fast_and_immediate() {
    let _turn = UNDER_LOAD.lock().await;
    // A server of the test's own: the machine's shared one is not restarted.
    let postgres = PgServer::start();
    let database = TestDatabase::create_on(postgres.url());
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let flags = ["--request-timeout", "2", "--database-url", database.url()];
    let a = Server::start_with(&dir_a, &flags).await;
    let b = Server::start_with(&dir_b, &flags).await;
    seed(&a).await;

    let mut load = Load::start(&[&a, &b], 0..CLIENTS);
    let mut retried = Vec::new();
    for (round, mode) in [Shutdown::Fast, Shutdown::Immediate]
        .into_iter()
        .enumerate()
    {
        tokio::time::sleep(HAMMER_FOR).await;
        let before = load.count();
        assert!(before > 0, "nothing acknowledged before the {mode:?} stop");
        tokio::task::block_in_place(|| postgres.stop(mode));

        // Down: commands wait and are answered 503 with Retry-After.
        let body = exchange(CLIENTS + round, 1);
        let away = a
            .client
            .post(a.url("/v1/commands"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(away.status(), 503, "while PostgreSQL is down ({mode:?})");
        assert!(away.headers().contains_key("retry-after"), "{away:?}");
        retried.push(body);
        for server in [&a, &b] {
            let ready = until_reachable(server, false).await;
            assert_eq!(ready["database_reachable"], false, "{mode:?}: {ready:#}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        tokio::task::block_in_place(|| postgres.start_again());

        // Back: everything resumes by itself, the clients' commands first.
        let mut resumed = false;
        for _ in 0..300 {
            if load.count() > before + CLIENTS {
                resumed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            resumed,
            "commands did not resume after the {mode:?} restart:\n{}\n{}\n{}",
            a.stderr(),
            b.stderr(),
            postgres.log()
        );
        for server in [&a, &b] {
            let ready = until_reachable(server, true).await;
            assert_eq!(ready["database_reachable"], true, "{mode:?}: {ready:#}");
        }
    }
    tokio::time::sleep(HAMMER_FOR).await;
    assert_eq!(load.stop().await, 0, "both nodes answered every request");
    // The commands answered 503 while it was down, retried: recorded once.
    let mut acked = load.take();
    for (n, body) in retried.iter().enumerate() {
        let server = if n % 2 == 0 { &b } else { &a };
        let answer = until_answered(server, body).await;
        assert!(matches!(answer.status, 200 | 201), "{}", answer.text);
        let position = answer.body["position"].as_u64().expect("a position");
        let id = body["command_id"].as_str().unwrap().to_owned();
        acked.insert(id, (position, body.clone()));
    }
    println!(
        "acknowledged across a fast and an immediate restart: {}",
        acked.len()
    );
    let head = acked.values().map(|(p, _)| *p).max().unwrap();
    let path = format!("/v1/agreements/{AGREEMENT}?min_position={head}");
    assert_eq!(a.json(&path).await, b.json(&path).await, "the same models");
    let events = a.events().await;
    assert!(events.len() as u64 >= head);
    assert_each_once(&events, &acked);
    let verify = b.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    a.stop();
    b.stop();
}

// A node that hangs or dies while it holds the head row's lock (ADR 0050).

/// `url` naming its sessions `name` in `pg_stat_activity`.
fn named(url: &str, name: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}application_name={name}")
}

/// Sends `signal` (`STOP`, `CONT`) to a node.
fn signal(server: &Server, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal}");
}

/// The sessions named `name` that hold the head row's lock now: idle in an
/// open transaction whose `SELECT … FOR UPDATE` of `accord_head` has
/// answered.
fn lock_holders(database: &TestDatabase, name: &str) -> Vec<String> {
    let sql = format!(
        "SELECT a.pid::text FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid \
         WHERE a.application_name = '{name}' AND a.state = 'idle in transaction' \
         AND l.relation = 'accord_head'::regclass AND l.mode = 'RowShareLock' AND l.granted"
    );
    accord_store_pg::testing::text_rows(database.url(), &sql)
        .expect("pg_stat_activity answers")
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect()
}

/// Whether any of the sessions `pids` is still open.
fn any_open(database: &TestDatabase, pids: &[String]) -> bool {
    let sql = format!(
        "SELECT pid::text FROM pg_stat_activity WHERE pid IN ({})",
        pids.join(",")
    );
    !accord_store_pg::testing::text_rows(database.url(), &sql)
        .expect("pg_stat_activity answers")
        .is_empty()
}

/// Stops (SIGSTOP) `server` at a moment its writer holds the head row's
/// lock, trying again until it is caught so; how many tries it took, and
/// the session that held the lock.
async fn stop_holding_the_lock(
    server: &Server,
    database: &TestDatabase,
    name: &str,
) -> (usize, Vec<String>) {
    for attempt in 1..=2000 {
        signal(server, "STOP");
        let holders = tokio::task::block_in_place(|| lock_holders(database, name));
        if !holders.is_empty() {
            return (attempt, holders);
        }
        signal(server, "CONT");
        tokio::time::sleep(Duration::from_millis(3 + attempt as u64 % 11)).await;
    }
    panic!("{name} was never caught holding the head row's lock");
}

/// Waits until `acked` holds more than `than` commands (at most 60 s);
/// how long that took.
async fn until_more(acked: &Acknowledged, than: usize) -> Option<Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if acked.lock().unwrap().len() > than {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_hangs_or_dies_holding_the_head_lock_does_not_stop_the_other() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let (dir_a, dir_b) = (DataDir::new(), DataDir::new());
    let (url_a, url_b) = (
        named(database.url(), "node-a"),
        named(database.url(), "node-b"),
    );
    let flags = |url: &str| ["--request-timeout", "2", "--database-url", url].map(str::to_owned);
    let mut a = Server::start_with(&dir_a, &flags(&url_a).each_ref().map(String::as_str)).await;
    let b = Server::start_with(&dir_b, &flags(&url_b).each_ref().map(String::as_str)).await;
    seed(&b).await;

    let mut load_a = Load::start(&[&a], 0..CLIENTS / 2);
    let mut load_b = Load::start(&[&b], CLIENTS / 2..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;

    // A hangs holding the lock (its connections stay open): PostgreSQL ends
    // its idle transaction, and B goes on.
    let (tries, holders) = stop_holding_the_lock(&a, &database, "node-a").await;
    // PostgreSQL ends the session caught holding the lock (ADR 0050). B's
    // acknowledgements are counted from then: one committed before A took
    // the lock may still be on its way.
    let stopped = std::time::Instant::now();
    while any_open(&database, &holders) && stopped.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!any_open(&database, &holders), "A's transaction was ended");
    let ended = stopped.elapsed();
    let before = load_b.count();
    let hung = until_more(&load_b.acked, before)
        .await
        .map(|after| ended + after);
    assert!(
        hung.is_some(),
        "B appended nothing while A hung holding the lock:\n{}",
        b.stderr()
    );
    // A wakes up to a lock it lost: it decides again and goes on.
    signal(&a, "CONT");
    let before = load_a.count();
    assert!(
        until_more(&load_a.acked, before).await.is_some(),
        "A appended nothing after it woke up:\n{}",
        a.stderr()
    );

    // A is killed holding the lock: its sockets close, the lock goes at once.
    let (tries_again, _) = stop_holding_the_lock(&a, &database, "node-a").await;
    let before = load_b.count();
    a.kill();
    let killed = until_more(&load_b.acked, before).await;
    assert!(
        killed.is_some(),
        "B appended nothing after A died holding the lock:\n{}",
        b.stderr()
    );
    println!(
        "B went on {:?} after A hung holding the lock (caught in {tries} tries), \
         {:?} after A was killed holding it (caught in {tries_again} tries)",
        hung.unwrap(),
        killed.unwrap()
    );
    load_a.stop().await;
    tokio::time::sleep(HAMMER_FOR).await;
    assert_eq!(load_b.stop().await, 0, "B answered every request");

    let events = b.events().await;
    assert_eq!(
        events.len() as u64,
        b.head().await,
        "the log holds 1..=head"
    );
    assert_each_once(&events, &load_a.take());
    assert_each_once(&events, &load_b.take());
    let verify = b.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    b.stop();
}

// A database that vanishes without a reset (ADR 0052).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_gone_silent_under_load_answers_503_within_the_deadline_and_resumes() {
    let _turn = UNDER_LOAD.lock().await;
    let database = TestDatabase::create();
    let proxy = accord_store_pg::testing::Proxy::start(&database);
    let dir = DataDir::new();
    let flags = ["--request-timeout", "2", "--database-url", proxy.url()];
    let server = Server::start_with(&dir, &flags).await;
    seed(&server).await;

    let mut load = Load::start(&[&server], 0..CLIENTS);
    tokio::time::sleep(HAMMER_FOR).await;
    assert!(load.count() > 0, "nothing acknowledged before the silence");

    // Every connection, mid-batch, lock held, goes silent: no reset, no answer.
    proxy.silence();
    let silent = std::time::Instant::now();
    let deadline = accord_store_pg::DEADLINE;
    let body = exchange(CLIENTS, 1);
    let away = server
        .client
        .post(server.url("/v1/commands"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(away.status(), 503, "while the database is silent");
    assert!(away.headers().contains_key("retry-after"), "{away:?}");
    assert!(
        silent.elapsed() < deadline,
        "answered {:?}",
        silent.elapsed()
    );
    let ready = until_reachable(&server, false).await;
    assert_eq!(ready["database_reachable"], false, "{ready:#}");
    let noticed = silent.elapsed();
    assert!(
        noticed < deadline + Duration::from_secs(3),
        "unreachable noticed after {noticed:?}"
    );
    // Past the deadline: still 503 with Retry-After, the writer not stuck.
    let later = server.command(&exchange(CLIENTS, 2)).await;
    assert_eq!(later.status, 503, "{}", later.text);
    let before = load.count();

    // The network comes back; the silent sessions never do.
    proxy.restore();
    let back = std::time::Instant::now();
    let mut resumed = None;
    for _ in 0..600 {
        if load.count() > before + CLIENTS {
            resumed = Some(back.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let resumed = resumed.unwrap_or_else(|| {
        panic!(
            "commands did not resume once the network came back:\n{}",
            server.stderr()
        )
    });
    let ready = until_reachable(&server, true).await;
    assert_eq!(ready["database_reachable"], true, "{ready:#}");
    tokio::time::sleep(HAMMER_FOR).await;
    assert_eq!(load.stop().await, 0, "the node answered every request");
    // The commands answered 503, retried with the same ids: recorded once.
    let mut acked = load.take();
    for body in [body, exchange(CLIENTS, 2)] {
        let answer = until_answered(&server, &body).await;
        assert!(matches!(answer.status, 200 | 201), "{}", answer.text);
        let position = answer.body["position"].as_u64().expect("a position");
        let id = body["command_id"].as_str().unwrap().to_owned();
        acked.insert(id, (position, body));
    }
    println!(
        "acknowledged: {}; unreachable noticed {noticed:?} after the silence; \
         appends resumed {resumed:?} after the network came back",
        acked.len()
    );
    let events = server.events().await;
    assert_each_once(&events, &acked);
    let verify = server.json("/v1/audit/verify").await;
    assert_eq!(verify["ok"], true, "{verify:#}");
    server.stop();
}
