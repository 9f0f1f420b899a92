//! The real binary on PostgreSQL (`--database-url`): the walkthrough's key
//! steps over HTTP, a kill -9 under load after which every acknowledged
//! command is in the log at the position it was answered with, and the
//! offline commands (`verify`, `export`, `import`) on the database. Each
//! test has a database of its own on the server of
//! `ACCORD_TEST_DATABASE_URL` (default 127.0.0.1:5432, which `.ci/run`
//! starts); without one the tests fail, they never skip.

#[path = "support/server.rs"]
mod server;

use std::collections::HashMap;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accord_store_pg::testing::TestDatabase;
use reqwest::Client;
use serde_json::{json, Value};
use server::{DataDir, Server, TOKEN};
use uuid::Uuid;

const AGREEMENT: &str = "0190f0a0-2020-7000-8000-000000000001";
const AREAS: [&str; 3] = ["investment_promotion", "labour_recruitment", "scheme_30"];
const CLIENTS: usize = 8;
const HAMMER_FOR: Duration = Duration::from_millis(1500);

/// command_id → (answered position, the exact body sent).
type Acknowledged = Arc<Mutex<HashMap<String, (u64, Value)>>>;

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

async fn seed(server: &Server) {
    for id in ["dong-nai-iza", "lam-dong-iza", "binh-phuoc-eza"] {
        let data = json!({"party_id": id, "name": format!("Ban quản lý {id}"), "kind": "industrial_zone_authority"});
        server
            .accept(&json!({"type": "RegisterParty", "data": data}))
            .await;
    }
    let data = json!({"agreement_id": AGREEMENT, "title": "Chương trình hợp tác ba bên 2020–2030",
        "parties": ["binh-phuoc-eza", "dong-nai-iza", "lam-dong-iza"], "signed_on": "2020-01-01",
        "term": {"start": "2020-01-01", "end": "2030-12-31"}, "areas": AREAS});
    server
        .accept(&json!({"type": "SignAgreement", "data": data}))
        .await;
}

fn exchange(client: usize, n: usize) -> Value {
    json!({"type": "RecordExchange", "command_id": Uuid::now_v7(), "data": {
        "agreement_id": AGREEMENT, "occurred_on": format!("2021-{:02}-{:02}", 1 + n % 12, 1 + client),
        "area": AREAS[n % AREAS.len()], "kind": "information", "parties": ["dong-nai-iza", "lam-dong-iza"],
        "summary": format!("Trao đổi thông tin số {n} của máy khách {client}")}})
}

/// Posts exchanges until the server dies or `stop` is set, remembering every
/// 201; true if it ended on a request the dead server never answered.
async fn hammer(
    client: Client,
    url: String,
    number: usize,
    stop: Arc<AtomicBool>,
    acked: Acknowledged,
) -> bool {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body = exchange(number, n);
        let Ok(response) = client
            .post(&url)
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
        else {
            return true;
        };
        if response.status() != 201 {
            continue;
        }
        let Ok(result) = response.json::<Value>().await else {
            return true;
        };
        let position = result["position"]
            .as_u64()
            .expect("a 201 names its position");
        let id = body["command_id"]
            .as_str()
            .expect("a command id")
            .to_owned();
        acked.lock().unwrap().insert(id, (position, body));
    }
    false
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
    restarted.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_command_survives_a_kill_9_on_postgresql() {
    let database = TestDatabase::create();
    let dir = DataDir::new();
    let mut server = start_on(&dir, &database).await;
    seed(&server).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Acknowledged = Arc::default();
    let url = server.url("/v1/commands");
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (client, url) = (server.client.clone(), url.clone());
            tokio::spawn(hammer(client, url, n, stop.clone(), acked.clone()))
        })
        .collect();
    tokio::time::sleep(HAMMER_FOR).await;
    server.kill();
    stop.store(true, Ordering::SeqCst);
    let mut cut_off = 0;
    for client in clients {
        let ended = tokio::time::timeout(Duration::from_secs(30), client).await;
        cut_off += usize::from(ended.expect("clients end").expect("no panic"));
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
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
    let positions: Vec<u64> = events
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=head).collect::<Vec<_>>(),
        "gapless 1..=head"
    );
    let by_command: HashMap<&str, u64> = events
        .iter()
        .map(|e| {
            (
                e["command_id"].as_str().unwrap(),
                e["position"].as_u64().unwrap(),
            )
        })
        .collect();
    for (id, (position, _)) in &acked {
        assert_eq!(
            by_command.get(id.as_str()),
            Some(position),
            "command {id} lost or moved"
        );
    }
    let last = acked.values().max_by_key(|(p, _)| *p).expect("some");
    let repeat = restarted.command(&last.1).await;
    assert_eq!(repeat.status, 200, "{}", repeat.text);
    assert_eq!(repeat.body["position"], last.0);
    assert_eq!(restarted.head().await, head, "the repeat appended nothing");
    restarted.stop();

    // Offline, on the database: the chain verifies; an export imported
    // into a sled folder and back into another database keeps every hash.
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
