//! What only the PostgreSQL store has: several stores (nodes) on one
//! database, the schema made at open under a lock, and its version.

use std::sync::Arc;

use accord_store::{EventLog, StoreError};
use accord_store_pg::testing::{text_rows, TestDatabase};
use accord_store_pg::PgStore;

use crate::{fill, write};

#[test]
fn two_stores_on_one_database_keep_one_chain_and_refuse_a_batch_staged_on_a_stale_head() {
    let database = TestDatabase::create();
    let one = PgStore::open(database.url()).unwrap();
    let two = PgStore::open(database.url()).unwrap();
    fill(&one, 2, 5, 2);

    // `two` opened on the empty log: its batch follows a head that moved.
    let refused = two.append(&[write("s-0", 1, None)]);

    assert!(
        matches!(refused, Err(StoreError::HeadMoved { base: 0, found: 10 })),
        "{refused:?}"
    );
    let reopened = PgStore::open(database.url()).unwrap();
    assert_eq!(reopened.head(), one.head());
    assert_eq!(reopened.head().position, 10);
    assert!(reopened.verify(None).unwrap().ok);

    // Refused for a moved head, the store goes on once it has followed it.
    assert_eq!(two.refresh().unwrap(), one.head());
    let record = two.append(&[write("s-9", 1, Some(0))]).unwrap().remove(0);
    assert_eq!(record.position, 11);
    assert!(one.refresh().is_ok_and(|head| head.position == 11));
}

#[test]
fn under_the_append_lock_nobody_else_appends_and_a_commit_lets_go_of_it() {
    let database = TestDatabase::create();
    let one = PgStore::open(database.url()).unwrap();
    let two = PgStore::open(database.url()).unwrap();
    fill(&one, 1, 3, 1);

    let locked = two.lock_head().unwrap();
    assert_eq!(locked, one.head(), "the lock reads the stored head");
    let blocked = std::thread::spawn(move || {
        let record = one.append(&[write("s-one", 1, None)]);
        (one, record)
    });
    let record = two.append(&[write("s-two", 1, None)]).unwrap().remove(0);
    assert_eq!(record.position, 4, "appended on the locked head");
    let (one, waited) = blocked.join().unwrap();
    // `one` staged on position 3 and found 4 once the lock was let go of.
    assert!(
        matches!(waited, Err(StoreError::HeadMoved { base: 3, found: 4 })),
        "{waited:?}"
    );
    one.refresh().unwrap();
    assert_eq!(
        one.append(&[write("s-one", 1, None)]).unwrap()[0].position,
        5
    );
    assert!(two.verify(None).unwrap().ok);
}

#[test]
fn stream_versions_remembered_under_the_lock_are_forgotten_once_another_store_appended() {
    let database = TestDatabase::create();
    let one = PgStore::open(database.url()).unwrap();
    let two = PgStore::open(database.url()).unwrap();
    // `one` appends to "s" twice under the lock: the second batch is staged
    // on the version the first wrote, without asking the database.
    let mut ids = Vec::new();
    for expected in [0, 2] {
        one.lock_head().unwrap();
        let record = one.append(&[write("s", 2, Some(expected))]).unwrap();
        assert_eq!(record[0].version, expected + 2);
        ids.push(record[0].command_id);
    }
    // `two` appends to "s" meanwhile.
    two.lock_head().unwrap();
    assert_eq!(two.append(&[write("s", 1, Some(4))]).unwrap()[0].version, 5);

    // `one` locks again on the moved head: "s" is at 5, not the 4 it wrote.
    assert_eq!(one.lock_head().unwrap().position, 5);
    let stale = one.append(&[write("s", 1, Some(4))]);
    assert!(
        matches!(stale, Err(StoreError::Conflict { actual: 5, .. })),
        "{stale:?}"
    );
    let unchecked = one.append(&[write("s", 1, None)]).unwrap().remove(0);
    assert_eq!((unchecked.position, unchecked.version), (6, 6));
    // A command id looked up under the lock and found stored is refused.
    one.lock_head().unwrap();
    let first = ids[0];
    one.prefetch_commands(&[first]).unwrap();
    let mut again = write("t", 1, None);
    again.command_id = first;
    let repeated = one.append(&[again]);
    assert!(
        matches!(repeated, Err(StoreError::DuplicateCommand(id)) if id == first),
        "{repeated:?}"
    );
    one.unlock_head();
    assert!(one.verify(None).unwrap().ok);
}

/// Two stores on one database at 2, where `one` locked the head, its
/// session was then ended (a restart of the database, or ADR 0050's
/// timeout) and `two` appended to "u" and "s" under the lock `one` lost.
fn lost_lock_then_two_appends(database: &TestDatabase) -> (PgStore, PgStore) {
    let one = PgStore::open(database.url()).unwrap();
    let two = PgStore::open(database.url()).unwrap();
    one.append(&[write("s", 2, Some(0))]).unwrap();
    assert_eq!(one.lock_head().unwrap().position, 2);
    let ended = text_rows(
        database.url(),
        "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity \
         WHERE datname = current_database() AND state = 'idle in transaction'",
    )
    .unwrap();
    assert_eq!(ended.len(), 1, "one session held the lock: {ended:?}");
    two.lock_head().unwrap();
    two.append(&[write("u", 1, Some(0)), write("s", 1, Some(2))])
        .unwrap();
    (one, two)
}

/// `one`'s batch, decided on models at 2, is decided again on the new head
/// (`HeadMoved`): neither refused as a conflict its writer could not have
/// made, nor written on a head its models never saw; then, decided again
/// on the new head, it is written. `follow`: `one` follows the other
/// node's append first, as its listener does, while it still believes it
/// holds the lock taken at 2.
fn each_is_decided_again(follow: bool) {
    for batch in [write("u", 1, Some(0)), write("v", 1, None)] {
        let database = TestDatabase::create();
        let (one, _two) = lost_lock_then_two_appends(&database);
        if follow {
            assert_eq!(one.refresh().unwrap().position, 4);
        }
        let staged = one.append(std::slice::from_ref(&batch));
        assert!(
            matches!(staged, Err(StoreError::HeadMoved { base: 2, found: 4 })),
            "{}: {staged:?}",
            batch.stream
        );
        one.unlock_head();
        assert_eq!(one.lock_head().unwrap().position, 4);
        let again = write(&batch.stream, 1, batch.expected_version.map(|v| v + 1));
        let record = one.append(&[again]).unwrap().remove(0);
        assert_eq!(record.position, 5);
        assert!(one.verify(None).unwrap().ok);
    }
}

#[test]
fn a_batch_staged_after_the_lock_went_with_its_session_is_decided_again() {
    // The database says "u" is at 1, or the commit finds the head moved.
    each_is_decided_again(false);
}

#[test]
fn a_batch_staged_after_following_another_node_under_a_lost_lock_is_decided_again() {
    each_is_decided_again(true);
}

#[test]
fn command_ids_and_expected_versions_are_checked_against_the_database() {
    let database = TestDatabase::create();
    let one = PgStore::open(database.url()).unwrap();
    let first = write("a", 2, Some(0));
    one.append(std::slice::from_ref(&first)).unwrap();

    let two = PgStore::open(database.url()).unwrap();

    let again = two.append(std::slice::from_ref(&first));
    assert!(matches!(again, Err(StoreError::DuplicateCommand(id)) if id == first.command_id));
    let stale = two.append(&[write("a", 1, Some(0))]);
    assert!(matches!(stale, Err(StoreError::Conflict { actual: 2, .. })));
    let record = two.append(&[write("a", 1, Some(2))]).unwrap().remove(0);
    assert_eq!((record.position, record.version), (3, 3));
    assert_eq!(two.command(first.command_id).unwrap().unwrap().position, 2);
}

#[test]
fn stores_opening_an_empty_database_at_once_make_the_schema_once() {
    let database = Arc::new(TestDatabase::create());
    let opening: Vec<_> = (0..4)
        .map(|_| {
            let database = database.clone();
            std::thread::spawn(move || PgStore::open(database.url()).map(|store| store.head()))
        })
        .collect();

    for open in opening {
        assert_eq!(open.join().unwrap().unwrap().position, 0);
    }
    let store = PgStore::open(database.url()).unwrap();
    store.append(&[write("a", 1, None)]).unwrap();
    assert!(store.verify(None).unwrap().ok);
}

#[test]
fn a_database_of_a_newer_schema_is_refused_naming_both_versions() {
    let database = TestDatabase::create();
    {
        let store = PgStore::open(database.url()).unwrap();
        store
            .tamper_sql("UPDATE accord_schema SET version = 99")
            .unwrap();
    }

    let refused = PgStore::open(database.url()).err().unwrap();

    assert!(matches!(refused, StoreError::Format { .. }), "{refused}");
    let message = refused.to_string();
    assert!(message.contains("99"), "{message}");
    assert!(
        message.contains(&accord_store_pg::SCHEMA_VERSION.to_string()),
        "{message}"
    );
}

#[test]
fn an_unreachable_server_is_an_error_naming_it() {
    let refused = PgStore::open("postgres://postgres@127.0.0.1:1/accord")
        .err()
        .unwrap();

    let message = refused.to_string();
    assert!(message.contains("127.0.0.1:1/accord"), "{message}");
}

#[test]
fn a_batch_appended_while_the_database_is_away_is_written_once_it_is_back() {
    let database = TestDatabase::create();
    let proxy = accord_store_pg::testing::Proxy::start(&database);
    let store = Arc::new(PgStore::open(proxy.url()).unwrap());
    fill(&*store, 1, 5, 1);

    proxy.cut();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || store.append(&[write("s-0", 2, Some(5))]))
    };
    // The append has tried the database and is waiting for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while proxy.refused() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the append never tried to reconnect"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Reads do not wait: they say the database is away.
    let read = store.read_all(0, 10);
    assert!(
        read.as_ref().is_err_and(accord_store_pg::is_unavailable),
        "{read:?}"
    );
    assert!(!writer.is_finished(), "the append waits for the database");
    proxy.restore();

    let record = writer.join().unwrap().unwrap().remove(0);
    assert_eq!((record.position, record.version), (7, 7));
    assert_eq!(store.head().position, 7);
    let direct = PgStore::open(database.url()).unwrap();
    assert_eq!(direct.head(), store.head());
    let verification = direct.verify(None).unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.events, 7);
}
