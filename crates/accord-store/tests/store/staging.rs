//! The pipelined write: a staged batch is invisible to readers until it is
//! committed, while the writer already builds on it.

use accord_store::{EventLog, StoreError};

use crate::{fill, fresh_in, write, Backend};

fn a_staged_batch_is_seen_by_the_writer_and_not_by_readers_until_committed<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 1, 10, 2);
    let durable = store.head();
    let first = write("s-0", 2, Some(5));

    let staged = store.stage(std::slice::from_ref(&first)).unwrap();

    let record = &staged.records()[0];
    assert_eq!((record.position, record.version), (12, 7));
    assert_eq!(store.head(), durable);
    assert!(store.read_all(10, 10).unwrap().is_empty());
    assert!(store.event(11).unwrap().is_none());
    assert_eq!(B::stream_version(&store, "s-0"), 5);
    assert_eq!(store.command(first.command_id).unwrap(), None);
    assert_eq!(store.staged_stream_version("s-0").unwrap(), 7);
    assert_eq!(
        store.staged_command(first.command_id).unwrap().as_ref(),
        Some(record)
    );

    let records = store.commit(staged).unwrap();

    assert_eq!(store.head().position, 12);
    assert_eq!(B::stream_version(&store, "s-0"), 7);
    assert_eq!(
        store.command(first.command_id).unwrap(),
        Some(records[0].clone())
    );
    assert_eq!(store.read_all(10, 10).unwrap().len(), 2);
}

fn the_next_batch_is_staged_on_the_one_still_waiting_and_the_chain_holds<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 1, 4, 1);
    let first = write("s-0", 1, Some(4));
    let staged_first = store.stage(std::slice::from_ref(&first)).unwrap();

    // The same command id again, and a stale expected version, are refused
    // against what is staged, not only what is durable.
    let repeat = store.stage(std::slice::from_ref(&first));
    assert!(matches!(repeat, Err(StoreError::DuplicateCommand(id)) if id == first.command_id));
    let stale = store.stage(&[write("s-0", 1, Some(4))]);
    assert!(matches!(stale, Err(StoreError::Conflict { actual: 5, .. })));
    let staged_second = store.stage(&[write("s-0", 1, Some(5))]).unwrap();
    assert_eq!(staged_second.records()[0].position, 6);

    store.commit(staged_first).unwrap();
    assert_eq!(store.head().position, 5);
    store.commit(staged_second).unwrap();

    assert_eq!(store.head().position, 6);
    assert_eq!(B::stream_version(&store, "s-0"), 6);
    let verification = store.verify(None).unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.events, 6);
}

fn committing_an_empty_batch_changes_nothing<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 1, 3, 1);
    let head = store.head();

    let staged = store.stage(&[]).unwrap();
    assert!(staged.records().is_empty());
    assert!(store.commit(staged).unwrap().is_empty());

    assert_eq!(store.head(), head);
}

crate::contract!(
    a_staged_batch_is_seen_by_the_writer_and_not_by_readers_until_committed,
    the_next_batch_is_staged_on_the_one_still_waiting_and_the_chain_holds,
    committing_an_empty_batch_changes_nothing,
);
