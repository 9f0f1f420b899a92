//! Snapshots: derived bytes kept by position, as files beside the log.

use accord_store::{EventLog, SledStore, SnapshotStore, StoreError};

use crate::{fill, fresh_in, Backend};

fn the_nearest_snapshot_at_or_before_a_position_is_found_across_byte_boundaries<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 3, 200, 2);
    for position in [255u64, 256, 512] {
        store
            .put_snapshot(position, &position.to_be_bytes())
            .unwrap();
    }

    let at = |p| store.snapshot_at_or_before(p).unwrap().map(|(at, _)| at);
    assert_eq!(at(254), None);
    assert_eq!(at(255), Some(255));
    assert_eq!(at(256), Some(256));
    assert_eq!(at(511), Some(256));
    assert_eq!(at(600), Some(512));
    let (_, bytes) = store.snapshot_at_or_before(600).unwrap().unwrap();
    assert_eq!(bytes, 512u64.to_be_bytes());
    assert_eq!(store.snapshot_positions().unwrap(), vec![255, 256, 512]);
}

fn a_deleted_snapshot_is_no_longer_found<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 1, 20, 1);
    store.put_snapshot(10, b"ten").unwrap();
    store.put_snapshot(20, b"twenty").unwrap();

    store.delete_snapshot(20).unwrap();

    assert_eq!(store.snapshot_positions().unwrap(), vec![10]);
    assert_eq!(
        store.snapshot_at_or_before(20).unwrap(),
        Some((10, b"ten".to_vec()))
    );
}

fn a_snapshot_past_the_head_is_refused<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 1, 5, 1);

    let result = store.put_snapshot(6, b"future");

    assert!(matches!(result, Err(StoreError::Invalid(_))));
    assert!(store.snapshot_positions().unwrap().is_empty());
}

fn snapshots_survive_a_reopen_and_stay_out_of_the_log<B: Backend>() {
    let dir = B::place();
    {
        let store = B::open(&dir);
        fill(&store, 1, 10, 1);
        store.put_snapshot(10, &vec![7u8; 300_000]).unwrap();
    }

    let store = B::open(&dir);

    let (at, bytes) = store.snapshot_at_or_before(u64::MAX).unwrap().unwrap();
    assert_eq!((at, bytes.len()), (10, 300_000));
    assert_eq!(store.head().position, 10);
    assert!(store.verify(None).unwrap().ok);
}

#[test]
fn snapshots_are_files_each_read_alone_and_a_crashed_write_leaves_none() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        fill(&store, 1, 30, 1);
        store.put_snapshot(10, &vec![1u8; 200_000]).unwrap();
        store.put_snapshot(20, &vec![2u8; 200_000]).unwrap();
    }
    // A write cut short by a crash: only its temporary file exists.
    let folder = dir.path().join("snapshots");
    std::fs::write(folder.join(format!("{:020}.snap.tmp", 30)), b"torn").unwrap();

    let store = SledStore::open(dir.path()).unwrap();

    assert_eq!(store.snapshot_positions().unwrap(), vec![10, 20]);
    let (at, bytes) = store.snapshot_at_or_before(25).unwrap().unwrap();
    assert_eq!((at, bytes[0], bytes.len()), (20, 2, 200_000));
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [format!("{:020}.snap", 10), format!("{:020}.snap", 20)]
    );
}

crate::contract!(
    the_nearest_snapshot_at_or_before_a_position_is_found_across_byte_boundaries,
    a_deleted_snapshot_is_no_longer_found,
    a_snapshot_past_the_head_is_refused,
    snapshots_survive_a_reopen_and_stay_out_of_the_log,
);
