//! Webhook state: its own database in `<data>/webhooks/`, the migration of
//! the `webhooks` tree older versions kept in the log's database, and the
//! committer that flushes the writes of many threads together.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_store::{EventStore, SledStore, WebhookChange, WebhookEntry, WebhookStore};

use crate::fill;

/// Opens a sled database directly, as an older version of Accord did,
/// waiting while a store just dropped in this process releases its lock.
fn raw_sled(dir: &Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match sled::Config::new().path(dir).open() {
            Err(e) if Instant::now() < deadline && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result.unwrap(),
        }
    }
}

/// `n` entries of every kind of record, keys crossing byte boundaries.
fn legacy_entries(n: u64) -> Vec<WebhookEntry> {
    (0..n)
        .flat_map(|i| {
            let mut delivery = b"d".to_vec();
            delivery.extend_from_slice(&i.to_be_bytes());
            let mut progress = b"p".to_vec();
            progress.extend_from_slice(&i.to_be_bytes());
            [
                (delivery, format!("delivery {i}").into_bytes()),
                (progress, format!("cursor {i}").into_bytes()),
            ]
        })
        .collect()
}

/// Writes `entries` into the log database's `webhooks` tree, as older versions did.
fn write_legacy_tree(dir: &Path, entries: &[WebhookEntry]) {
    let db = raw_sled(dir);
    let tree = db.open_tree("webhooks").unwrap();
    for (key, value) in entries {
        tree.insert(key.as_slice(), value.as_slice()).unwrap();
    }
    db.flush().unwrap();
}

fn all(store: &SledStore) -> Vec<WebhookEntry> {
    store.webhook_scan(b"", None, usize::MAX).unwrap()
}

fn tree_names(dir: &Path) -> Vec<String> {
    let db = raw_sled(dir);
    let names = db.tree_names();
    names
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect()
}

#[test]
fn webhook_state_lives_in_its_own_database_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store
            .webhook_write(vec![(b"s1".to_vec(), Some(b"subscription".to_vec()))])
            .unwrap();
    }

    assert!(dir.path().join("webhooks").join("db").is_file());
    assert!(!tree_names(dir.path()).contains(&"webhooks".to_string()));
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(
        store.webhook_get(b"s1").unwrap(),
        Some(b"subscription".to_vec())
    );
}

#[test]
fn an_older_stores_webhooks_tree_is_moved_to_the_webhook_database_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let store = SledStore::open(dir.path()).unwrap();
        fill(&store, 3, 100, 2);
        store.head()
    };
    let legacy = legacy_entries(300);
    write_legacy_tree(dir.path(), &legacy);

    {
        let store = SledStore::open(dir.path()).unwrap();
        let mut expected = legacy.clone();
        expected.sort();
        assert_eq!(all(&store), expected);
        assert_eq!(store.head(), head, "the log is untouched");
        assert!(store.verify(None).unwrap().ok);
    }

    assert!(!tree_names(dir.path()).contains(&"webhooks".to_string()));
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(all(&store).len(), legacy.len(), "migrated once, kept");
}

#[test]
fn a_migration_interrupted_after_the_copy_is_completed_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = legacy_entries(50);
    // Part of the copy reached the webhook database, the tree was not
    // dropped yet: a crash in between.
    let copied: Vec<WebhookChange> = legacy[..25]
        .iter()
        .map(|(key, value)| (key.clone(), Some(value.clone())))
        .collect();
    {
        let store = SledStore::open(dir.path()).unwrap();
        store.webhook_write(copied).unwrap();
    }
    write_legacy_tree(dir.path(), &legacy);

    let store = SledStore::open(dir.path()).unwrap();

    let mut expected = legacy.clone();
    expected.sort();
    assert_eq!(all(&store), expected, "copied again, each entry once");
    drop(store);
    assert!(!tree_names(dir.path()).contains(&"webhooks".to_string()));
}

#[test]
fn writes_from_many_threads_are_all_applied_atomically_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        let writers: Vec<_> = (0..8u8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..50u8 {
                        let delivery = (vec![b'd', t, i], Some(vec![i]));
                        let cursor = (vec![b'p', t], Some(vec![i]));
                        store.webhook_write(vec![delivery, cursor]).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
    }

    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(
        store.webhook_scan(b"d", None, usize::MAX).unwrap().len(),
        400
    );
    for t in 0..8u8 {
        assert_eq!(store.webhook_get(&[b'p', t]).unwrap(), Some(vec![49]));
    }
    store.webhook_write(vec![(vec![b'p', 0], None)]).unwrap();
    assert_eq!(store.webhook_get(&[b'p', 0]).unwrap(), None);
}

#[test]
fn a_write_handed_off_calls_back_once_applied_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let (done, outcome) = std::sync::mpsc::channel();
        let change = (b"p1".to_vec(), Some(b"cursor 7".to_vec()));
        store.webhook_write_then(
            vec![change],
            Box::new(move |result| done.send(result).unwrap()),
        );
        outcome.recv().unwrap().unwrap();
        assert_eq!(
            store.webhook_get(b"p1").unwrap(),
            Some(b"cursor 7".to_vec())
        );
    }

    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(
        store.webhook_get(b"p1").unwrap(),
        Some(b"cursor 7".to_vec())
    );
}
