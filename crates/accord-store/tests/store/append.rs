use accord_store::{EventLog, StoreError};
use serde_json::json;
use time::macros::datetime;

use crate::{fill, fresh_in, write, Backend, ManualClock};

fn positions_are_gapless_and_ordered_past_256<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 6, 50, 3);

    assert_eq!(store.head().position, 300);
    let mut paged = Vec::new();
    while paged.len() < 300 {
        let after = paged.len() as u64;
        paged.extend(store.read_all(after, 37).unwrap());
    }
    let positions: Vec<u64> = paged.iter().map(|e| e.envelope.position).collect();
    assert_eq!(positions, (1..=300).collect::<Vec<_>>());
    assert!(store.read_all(300, 10).unwrap().is_empty());
}

fn positions_stay_ordered_past_65536<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 22, 3_000, 7);

    let mut expected = 0;
    store
        .replay(0, u64::MAX, &mut |event| {
            expected += 1;
            assert_eq!(event.envelope.position, expected);
            Ok(())
        })
        .unwrap();
    assert_eq!(expected, 66_000);
    assert!(store.verify(None).unwrap().ok);
}

fn replay_covers_exactly_the_requested_range_and_stops_on_error<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 3, 100, 1);

    let mut seen = Vec::new();
    store
        .replay(255, 260, &mut |e| {
            seen.push(e.envelope.position);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, vec![256, 257, 258, 259, 260]);

    let mut calls = 0;
    let stopped = store.replay(0, 300, &mut |_| {
        calls += 1;
        Err(StoreError::Invalid("stop".into()))
    });
    assert!(matches!(stopped, Err(StoreError::Invalid(_))));
    assert_eq!(calls, 1);
}

fn replay_canonical_hands_out_the_bytes_that_replay_decodes_capped_at_the_head<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 3, 100, 1);

    let mut decoded = Vec::new();
    store
        .replay(250, u64::MAX, &mut |e| {
            decoded.push(e.envelope);
            Ok(())
        })
        .unwrap();
    let mut raw = Vec::new();
    store
        .replay_canonical(250, u64::MAX, &mut |bytes| {
            raw.push(serde_json::from_slice::<accord_store::Envelope>(bytes).unwrap());
            Ok(())
        })
        .unwrap();
    assert_eq!(raw.len(), 50, "positions 251..=300, none past the head");
    assert_eq!(raw, decoded);

    let mut calls = 0;
    let stopped = store.replay_canonical(0, 300, &mut |_| {
        calls += 1;
        Err(StoreError::Invalid("stop".into()))
    });
    assert!(matches!(stopped, Err(StoreError::Invalid(_))));
    assert_eq!(calls, 1);
    store
        .replay_canonical(300, 299, &mut |_| panic!("an empty range"))
        .unwrap();
}

fn stream_versions_count_from_one_within_each_stream<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 6, 50, 3);

    for stream in ["s-0", "s-1", "s-2"] {
        assert_eq!(B::stream_version(&store, stream), 100);
        let mut versions = Vec::new();
        while versions.len() < 100 {
            let page = store
                .read_stream(stream, versions.len() as u64, 30)
                .unwrap();
            assert!(page.iter().all(|e| e.envelope.stream == stream));
            versions.extend(page.iter().map(|e| e.envelope.version));
        }
        assert_eq!(versions, (1..=100).collect::<Vec<_>>());
    }
    assert_eq!(B::stream_version(&store, "s-9"), 0);
    assert!(store.read_stream("s", 0, 10).unwrap().is_empty());
}

fn a_wrong_expected_version_is_a_conflict_and_appends_nothing<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    store.append(&[write("a", 2, Some(0))]).unwrap();
    let head = store.head();

    let refused = store.append(&[write("b", 1, None), write("a", 1, Some(1))]);

    assert!(matches!(
        refused,
        Err(StoreError::Conflict { ref stream, expected: 1, actual: 2 }) if stream == "a"
    ));
    assert_eq!(store.head(), head);
    assert_eq!(B::stream_version(&store, "b"), 0);
}

fn expected_versions_count_earlier_writes_of_the_same_batch<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();

    let records = store
        .append(&[write("a", 2, Some(0)), write("a", 1, Some(2))])
        .unwrap();

    assert_eq!((records[0].version, records[0].position), (2, 2));
    assert_eq!((records[1].version, records[1].position), (3, 3));
    let stale = store.append(&[write("a", 1, Some(3)), write("a", 1, Some(3))]);
    assert!(matches!(stale, Err(StoreError::Conflict { actual: 4, .. })));
    assert_eq!(store.head().position, 3);
}

fn a_stored_command_id_is_a_duplicate_and_appends_nothing<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    let first = write("a", 1, None);
    store.append(std::slice::from_ref(&first)).unwrap();

    let again = store.append(&[write("b", 1, None), first.clone()]);

    assert!(matches!(again, Err(StoreError::DuplicateCommand(id)) if id == first.command_id));
    assert_eq!(store.head().position, 1);
    assert_eq!(B::stream_version(&store, "b"), 0);
}

fn a_command_id_twice_in_one_batch_is_a_duplicate_and_appends_nothing<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    let once = write("a", 1, None);
    let mut twice = write("b", 1, None);
    twice.command_id = once.command_id;

    let refused = store.append(&[once, twice]);

    assert!(matches!(refused, Err(StoreError::DuplicateCommand(_))));
    assert_eq!(store.head().position, 0);
}

fn a_write_without_events_or_with_a_nul_in_its_stream_is_invalid<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();

    let empty = store.append(&[write("a", 1, None), write("b", 0, None)]);
    let nul = store.append(&[write("a\0b", 1, None)]);

    assert!(matches!(empty, Err(StoreError::Invalid(_))));
    assert!(matches!(nul, Err(StoreError::Invalid(_))));
    assert_eq!(store.head().position, 0);
    assert!(store.append(&[]).unwrap().is_empty());
}

fn the_command_record_describes_what_was_appended<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    let w = write("agreement:1", 3, Some(0));

    let record = store.append(std::slice::from_ref(&w)).unwrap().remove(0);

    assert_eq!(record.request_hash, hex::encode([3u8; 32]));
    assert_eq!(
        (record.stream.as_str(), record.version, record.position),
        ("agreement:1", 3, 3)
    );
    let ids: Vec<_> = record.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, w.events.iter().map(|e| e.id).collect::<Vec<_>>());
    assert_eq!(store.command(w.command_id).unwrap(), Some(record));
    assert_eq!(store.command(uuid::Uuid::now_v7()).unwrap(), None);
}

fn recorded_at_never_decreases_when_the_clock_goes_backwards<B: Backend>() {
    let dir = B::place();
    let clock = ManualClock::at(datetime!(2026-03-01 10:00 UTC));
    let store = clock.open_in::<B>(&dir);
    store.append(&[write("a", 1, None)]).unwrap();

    clock.set(datetime!(2026-02-01 10:00 +07:00));
    store.append(&[write("a", 1, None)]).unwrap();

    let events = store.read_all(0, 10).unwrap();
    assert_eq!(
        events[1].envelope.recorded_at,
        datetime!(2026-03-01 10:00 UTC)
    );
    assert_eq!(
        store.head().recorded_at,
        Some(datetime!(2026-03-01 10:00 UTC))
    );
}

fn one_batch_shares_one_recorded_at_in_utc<B: Backend>() {
    let dir = B::place();
    let clock = ManualClock::at(datetime!(2026-03-01 17:00:00.123456789 +07:00));
    let store = clock.open_in::<B>(&dir);

    store
        .append(&[write("a", 2, None), write("b", 1, None)])
        .unwrap();

    for event in store.read_all(0, 10).unwrap() {
        assert_eq!(
            event.envelope.recorded_at,
            datetime!(2026-03-01 10:00:00.123456789 UTC)
        );
        assert!(event.envelope.recorded_at.offset().is_utc());
    }
}

fn vietnamese_text_round_trips_byte_exactly<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    let name = "Ban quản lý các Khu công nghiệp tỉnh Đồng Nai";
    let mut w = write("party:dong-nai-iza", 1, None);
    w.events[0].data = json!({"name": name});

    store.append(&[w]).unwrap();

    let event = store.event(1).unwrap().unwrap();
    assert_eq!(event.envelope.data["name"].as_str(), Some(name));
    let stored = B::tamper(&store).event_bytes(1).unwrap();
    let raw = format!("\"name\":\"{name}\"");
    assert!(stored.windows(raw.len()).any(|w| w == raw.as_bytes()));
}

fn the_api_json_keeps_the_envelope_key_order_with_hash_last<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    store.append(&[write("a", 1, None)]).unwrap();

    let json = store.event(1).unwrap().unwrap().to_json();

    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected = [
        "position",
        "stream",
        "version",
        "id",
        "type",
        "schema",
        "recorded_at",
        "effective_on",
        "actor",
        "command_id",
        "correlation_id",
        "data",
        "prev_hash",
        "hash",
    ];
    assert_eq!(keys, expected);
    assert_eq!(json["prev_hash"], "0".repeat(64));
    assert_eq!(json["hash"], hex::encode(store.head().hash));
}

fn each_event_links_to_its_predecessor<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 2, 3, 2);

    let events = store.read_all(0, 10).unwrap();
    for pair in events.windows(2) {
        assert_eq!(pair[1].envelope.prev_hash, hex::encode(pair[0].hash));
    }
    assert_eq!(store.event(0).unwrap(), None);
    assert_eq!(store.event(7).unwrap(), None);
}

fn a_value_larger_than_a_log_segment_slot_round_trips_across_a_reopen<B: Backend>() {
    let dir = B::place();
    let big = "Đồng Nai ".repeat(40_000);
    let mut w = write("a", 1, None);
    w.events[0].data = json!({"big": big});
    {
        let store = B::open(&dir);
        store.append(&[w]).unwrap();
    }

    let store = B::open(&dir);

    let event = store.event(1).unwrap().unwrap();
    assert_eq!(event.envelope.data["big"].as_str(), Some(big.as_str()));
    assert!(store.verify(None).unwrap().ok);
}

fn readers_running_beside_the_writer_never_see_past_the_head<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    let store = std::sync::Arc::new(store);
    let reader = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut last = 0;
            while last < 400 {
                let events = store.read_all(last, 1_000).unwrap();
                let head = store.head().position;
                for event in &events {
                    last += 1;
                    assert_eq!(event.envelope.position, last);
                }
                assert!(last <= head);
            }
        })
    };

    fill(&*store, 40, 10, 4);

    reader.join().unwrap();
}

crate::contract!(
    positions_are_gapless_and_ordered_past_256,
    positions_stay_ordered_past_65536,
    replay_covers_exactly_the_requested_range_and_stops_on_error,
    replay_canonical_hands_out_the_bytes_that_replay_decodes_capped_at_the_head,
    stream_versions_count_from_one_within_each_stream,
    a_wrong_expected_version_is_a_conflict_and_appends_nothing,
    expected_versions_count_earlier_writes_of_the_same_batch,
    a_stored_command_id_is_a_duplicate_and_appends_nothing,
    a_command_id_twice_in_one_batch_is_a_duplicate_and_appends_nothing,
    a_write_without_events_or_with_a_nul_in_its_stream_is_invalid,
    the_command_record_describes_what_was_appended,
    recorded_at_never_decreases_when_the_clock_goes_backwards,
    one_batch_shares_one_recorded_at_in_utc,
    vietnamese_text_round_trips_byte_exactly,
    the_api_json_keeps_the_envelope_key_order_with_hash_last,
    each_event_links_to_its_predecessor,
    a_value_larger_than_a_log_segment_slot_round_trips_across_a_reopen,
    readers_running_beside_the_writer_never_see_past_the_head,
);
