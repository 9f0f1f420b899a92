use accord_store::{EventLog, MetaStore, StoreError};
use time::macros::datetime;

use crate::{fill, write, Backend, ManualClock};

fn the_idempotency_record_survives_a_reopen<B: Backend>() {
    let dir = B::place();
    let w = write("a", 2, None);
    let record = {
        let store = B::open(&dir);
        store.append(std::slice::from_ref(&w)).unwrap().remove(0)
    };

    let store = B::open(&dir);

    assert_eq!(store.command(w.command_id).unwrap(), Some(record));
    let again = store.append(std::slice::from_ref(&w));
    assert!(matches!(again, Err(StoreError::DuplicateCommand(id)) if id == w.command_id));
}

fn the_head_and_stream_versions_survive_a_reopen<B: Backend>() {
    let dir = B::place();
    let clock = ManualClock::at(datetime!(2026-03-01 10:00 UTC));
    let head = {
        let store = clock.open_in::<B>(&dir);
        fill(&store, 3, 100, 4);
        store.head()
    };

    let store = B::open(&dir);

    assert_eq!(store.head(), head);
    assert_eq!(head.position, 300);
    assert_eq!(head.recorded_at, Some(datetime!(2026-03-01 10:00 UTC)));
    assert_eq!(B::stream_version(&store, "s-3"), 75);
}

fn appending_after_a_reopen_continues_the_chain<B: Backend>() {
    let dir = B::place();
    let clock = ManualClock::at(datetime!(2026-03-01 10:00 UTC));
    {
        let store = clock.open_in::<B>(&dir);
        fill(&store, 2, 150, 2);
    }

    clock.set(datetime!(2026-01-01 00:00 UTC));
    let store = clock.open_in::<B>(&dir);
    let record = store
        .append(&[write("s-0", 1, Some(150))])
        .unwrap()
        .remove(0);

    assert_eq!((record.position, record.version), (301, 151));
    let last = store.event(301).unwrap().unwrap();
    assert_eq!(last.envelope.recorded_at, datetime!(2026-03-01 10:00 UTC));
    let verification = store.verify(None).unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.events, 301);
}

fn metadata_survives_a_reopen<B: Backend>() {
    let dir = B::place();
    {
        let store = B::open(&dir);
        assert_eq!(store.get_meta("admin_token_hash").unwrap(), None);
        store.put_meta("admin_token_hash", b"abc").unwrap();
        store.put_meta("admin_token_hash", b"def").unwrap();
    }

    let store = B::open(&dir);

    assert_eq!(
        store.get_meta("admin_token_hash").unwrap(),
        Some(b"def".to_vec())
    );
    assert_eq!(store.head().position, 0);
}

crate::contract!(
    the_idempotency_record_survives_a_reopen,
    the_head_and_stream_versions_survive_a_reopen,
    appending_after_a_reopen_continues_the_chain,
    metadata_survives_a_reopen,
);
