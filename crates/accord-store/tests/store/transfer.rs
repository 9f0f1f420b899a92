//! Export lines, imports and the forger who rewrites the whole chain.

use accord_store::{EventLog, Head, Linker, RawEvent, SledStore};

use crate::{fill, fresh, write};

fn raw_events(store: &SledStore) -> Vec<RawEvent> {
    let mut events = Vec::new();
    store
        .replay_raw(0, u64::MAX, &mut |event| {
            events.push(event);
            Ok(())
        })
        .unwrap();
    events
}

#[test]
fn an_export_line_is_the_api_json_of_the_event_and_parses_back_to_the_same_bytes() {
    let (_dir, store) = fresh();
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

#[test]
fn an_import_reproduces_the_head_the_streams_and_the_command_records() {
    let (_from_dir, from) = fresh();
    fill(&from, 4, 3, 3);
    let split = write("s-split", 3, None);
    let records = from.append(std::slice::from_ref(&split)).unwrap();
    let raw = raw_events(&from);
    let (_to_dir, to) = fresh();
    // Two imports, cutting the three-event command in two.
    to.import(&raw[..raw.len() - 1]).unwrap();
    let head = to.import(&raw[raw.len() - 1..]).unwrap();
    assert_eq!(head, from.head());
    assert!(to.verify(None).unwrap().ok);
    assert_eq!(to.read_all(0, 100).unwrap(), from.read_all(0, 100).unwrap());
    assert_eq!(to.stream_version("s-split").unwrap(), 3);
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

#[test]
fn an_import_that_does_not_link_writes_nothing_and_names_the_position() {
    let (_from_dir, from) = fresh();
    fill(&from, 5, 1, 2);
    let mut raw = raw_events(&from);
    raw[3].canonical = String::from_utf8(raw[3].canonical.clone())
        .unwrap()
        .replace("ghi chú", "ghi chu")
        .into_bytes();
    let (_to_dir, to) = fresh();
    let error = to.import(&raw).unwrap_err().to_string();
    assert!(error.contains("position 4"), "{error}");
    assert_eq!(to.head(), Head::EMPTY);
    assert!(to.read_all(0, 10).unwrap().is_empty());
    let mut linker = Linker::after(&Head::EMPTY);
    assert!(raw[..3].iter().all(|event| linker.link(event).is_ok()));
    assert!(linker.link(&raw[4]).is_err(), "a gap does not link");
}

#[test]
fn a_forger_who_rewrites_every_following_hash_leaves_a_log_that_verifies() {
    let (dir, store) = fresh();
    fill(&store, 10, 1, 3);
    let before = store.head();
    let tamper = store.tamper();
    let bytes = String::from_utf8(tamper.event_bytes(4).unwrap().unwrap()).unwrap();
    tamper
        .rewrite_chain_from(4, bytes.replace("ghi chú", "sửa").as_bytes())
        .unwrap();
    drop(store);
    let store = SledStore::open(dir.path()).unwrap();
    let after = store.verify(None).unwrap();
    assert!(after.ok, "{after:?}");
    assert_eq!(after.events, 10);
    assert_ne!(after.head_hash, hex::encode(before.hash));
    assert_eq!(store.head().position, before.position);
}
