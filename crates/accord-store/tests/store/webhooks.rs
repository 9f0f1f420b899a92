//! Webhook state: its own database in `<data>/webhooks/`, and the committer
//! that flushes the writes of many threads together.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_store::{SledStore, WebhookStore};

/// Opens the log's sled database directly, waiting while a store just
/// dropped in this process releases its lock. sled refuses a segment size
/// other than the one the database was created with: the store's, 2 MiB
/// (ADR 0055).
fn raw_sled(dir: &Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match sled::Config::new().path(dir).segment_size(2 << 20).open() {
            Err(e) if Instant::now() < deadline && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result.unwrap(),
        }
    }
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

/// The webhook contract on every backend: keys in byte order, scans by
/// prefix after a key, writes from many threads, and handed-off writes.
fn webhook_state_is_scanned_by_prefix_in_key_order_after_a_key<B: crate::Backend>() {
    let (_place, store) = crate::fresh_in::<B>();
    let entries: Vec<(&[u8], &[u8])> = vec![
        (b"d\x00\x02", b"two"),
        (b"d\x00\x01", b"one"),
        (b"d\xff", b"last"),
        (b"e", b"other"),
        (b"c", b"before"),
    ];
    store
        .webhook_write(
            entries
                .iter()
                .map(|(k, v)| (k.to_vec(), Some(v.to_vec())))
                .collect(),
        )
        .unwrap();

    let keys = |after: Option<&[u8]>, limit| {
        store
            .webhook_scan(b"d", after, limit)
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(None, 10),
        [
            b"d\x00\x01".to_vec(),
            b"d\x00\x02".to_vec(),
            b"d\xff".to_vec()
        ]
    );
    assert_eq!(
        keys(Some(b"d\x00\x01"), 10),
        [b"d\x00\x02".to_vec(), b"d\xff".to_vec()]
    );
    assert_eq!(keys(None, 1), [b"d\x00\x01".to_vec()]);
    assert_eq!(keys(Some(b"a"), 10).len(), 3);
    assert!(keys(Some(b"d\xff"), 10).is_empty());
    assert_eq!(store.webhook_get(b"e").unwrap(), Some(b"other".to_vec()));
    assert_eq!(store.webhook_get(b"z").unwrap(), None);
}

fn writes_from_many_threads_and_handed_off_writes_are_all_kept<B: crate::Backend>() {
    let place = B::place();
    {
        let store = Arc::new(B::open(&place));
        let writers: Vec<_> = (0..4u8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..20u8 {
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
        let (done, outcome) = std::sync::mpsc::channel();
        store.webhook_write_then(
            vec![(b"p9".to_vec(), Some(b"cursor 7".to_vec()))],
            Box::new(move |result| done.send(result).unwrap()),
        );
        outcome.recv().unwrap().unwrap();
    }

    let store = B::open(&place);
    assert_eq!(
        store.webhook_scan(b"d", None, usize::MAX).unwrap().len(),
        80
    );
    for t in 0..4u8 {
        assert_eq!(store.webhook_get(&[b'p', t]).unwrap(), Some(vec![19]));
    }
    assert_eq!(
        store.webhook_get(b"p9").unwrap(),
        Some(b"cursor 7".to_vec())
    );
    store.webhook_write(vec![(vec![b'p', 0], None)]).unwrap();
    assert_eq!(store.webhook_get(&[b'p', 0]).unwrap(), None);
}

crate::contract!(
    webhook_state_is_scanned_by_prefix_in_key_order_after_a_key,
    writes_from_many_threads_and_handed_off_writes_are_all_kept,
);
