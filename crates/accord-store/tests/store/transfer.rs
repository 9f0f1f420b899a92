//! Export lines, imports and the forger who rewrites the whole chain.

use accord_store::{EventLog, Head, Linker, RawEvent};

use crate::{fill, fresh_in, write, Backend};

fn raw_events(store: &impl EventLog) -> Vec<RawEvent> {
    let mut events = Vec::new();
    store
        .replay_raw(0, u64::MAX, &mut |event| {
            events.push(event);
            Ok(())
        })
        .unwrap();
    events
}

fn an_export_line_is_the_api_json_of_the_event_and_parses_back_to_the_same_bytes<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();
    fill(&store, 3, 2, 2);
    let raw = raw_events(&store);
    assert_eq!(raw.len(), 6);
    for (event, stored) in raw.iter().zip(store.read_all(0, 100).unwrap()) {
        let line = event.to_line();
        assert_eq!(line, serde_json::to_vec(&stored.to_json()).unwrap());
        assert_eq!(&RawEvent::from_line(&line).unwrap(), event);
    }
}

#[test]
fn a_line_without_a_trailing_hash_is_refused() {
    assert!(RawEvent::from_line(b"{\"position\":1}").is_err());
    let upper = format!("{{\"a\":1,\"hash\":\"{}\"}}", "AB".repeat(32));
    assert!(RawEvent::from_line(upper.as_bytes()).is_err());
}

fn an_import_reproduces_the_head_the_streams_and_the_command_records<B: Backend>() {
    let (_from_dir, from) = fresh_in::<B>();
    fill(&from, 4, 3, 3);
    let split = write("s-split", 3, None);
    let records = from.append(std::slice::from_ref(&split)).unwrap();
    let raw = raw_events(&from);
    let (_to_dir, to) = fresh_in::<B>();
    // Two imports, cutting the three-event command in two.
    to.import(&raw[..raw.len() - 1]).unwrap();
    let head = to.import(&raw[raw.len() - 1..]).unwrap();
    assert_eq!(head, from.head());
    assert!(to.verify(None).unwrap().ok);
    assert_eq!(to.read_all(0, 100).unwrap(), from.read_all(0, 100).unwrap());
    assert_eq!(B::stream_version(&to, "s-split"), 3);
    assert_eq!(
        to.read_stream("s-1", 0, 100).unwrap(),
        from.read_stream("s-1", 0, 100).unwrap()
    );
    let imported = to
        .command(split.command_id)
        .unwrap()
        .expect("a command record");
    assert_eq!(imported.events, records[0].events);
    assert_eq!(
        (imported.version, imported.position),
        (records[0].version, records[0].position)
    );
    assert_eq!(
        imported.request_hash, "",
        "the request body is not in the log"
    );
}

fn an_import_that_does_not_link_writes_nothing_and_names_the_position<B: Backend>() {
    let (_from_dir, from) = fresh_in::<B>();
    fill(&from, 5, 1, 2);
    let mut raw = raw_events(&from);
    raw[3].canonical = String::from_utf8(raw[3].canonical.clone())
        .unwrap()
        .replace("ghi chú", "ghi chu")
        .into_bytes();
    let (_to_dir, to) = fresh_in::<B>();
    let error = to.import(&raw).unwrap_err().to_string();
    assert!(error.contains("position 4"), "{error}");
    assert_eq!(to.head(), Head::EMPTY);
    assert!(to.read_all(0, 10).unwrap().is_empty());
    let mut linker = Linker::after(&Head::EMPTY);
    assert!(raw[..3].iter().all(|event| linker.link(event).is_ok()));
    assert!(linker.link(&raw[4]).is_err(), "a gap does not link");
}

fn a_forger_who_rewrites_every_following_hash_leaves_a_log_that_verifies<B: Backend>() {
    let (dir, store) = fresh_in::<B>();
    fill(&store, 10, 1, 3);
    let before = store.head();
    let tamper = B::tamper(&store);
    let bytes = String::from_utf8(tamper.event_bytes(4).unwrap()).unwrap();
    tamper.rewrite_chain_from(4, bytes.replace("ghi chú", "sửa").as_bytes());
    drop(tamper);
    drop(store);
    let store = B::open(&dir);
    let after = store.verify(None).unwrap();
    assert!(after.ok, "{after:?}");
    assert_eq!(after.events, 10);
    assert_ne!(after.head_hash, hex::encode(before.hash));
    assert_eq!(store.head().position, before.position);
}

crate::contract!(
    an_export_line_is_the_api_json_of_the_event_and_parses_back_to_the_same_bytes,
    an_import_reproduces_the_head_the_streams_and_the_command_records,
    an_import_that_does_not_link_writes_nothing_and_names_the_position,
    a_forger_who_rewrites_every_following_hash_leaves_a_log_that_verifies,
);
