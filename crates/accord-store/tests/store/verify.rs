use accord_store::EventLog;
use serde_json::Value;

use crate::{fill, fresh_in, Backend};

/// A store of 300 events over 3 streams.
fn filled<B: Backend>() -> (B::Place, B::Store) {
    let (dir, store) = fresh_in::<B>();
    fill(&store, 3, 100, 3);
    (dir, store)
}

fn hash_at(store: &impl EventLog, position: u64) -> String {
    hex::encode(store.event(position).unwrap().unwrap().hash)
}

fn a_good_log_verifies<B: Backend>() {
    let (_dir, store) = filled::<B>();

    let verification = store.verify(None).unwrap();

    assert!(verification.ok);
    assert_eq!(verification.events, 300);
    assert_eq!(verification.head_hash, hex::encode(store.head().hash));
    assert_eq!(
        (verification.first_bad_position, verification.reason),
        (None, None)
    );
}

fn an_empty_log_verifies<B: Backend>() {
    let (_dir, store) = fresh_in::<B>();

    let verification = store.verify(None).unwrap();

    assert!(verification.ok);
    assert_eq!(
        (verification.events, verification.head_hash),
        (0, "0".repeat(64))
    );
}

fn overwritten_bytes_of_one_event_are_found_at_that_position<B: Backend>() {
    let (_dir, store) = filled::<B>();
    let tamper = B::tamper(&store);
    let bytes = tamper.event_bytes(200).unwrap();
    let mut envelope: Value = serde_json::from_slice(&bytes).unwrap();
    envelope["data"]["n"] = 999.into();
    tamper.overwrite_event_bytes(200, &serde_json::to_vec(&envelope).unwrap());

    let verification = store.verify(None).unwrap();

    assert!(!verification.ok);
    assert_eq!(verification.first_bad_position, Some(200));
    assert_eq!(
        verification.reason.as_deref(),
        Some("hash does not match the stored bytes")
    );
    assert_eq!(verification.events, 199);
    assert_eq!(verification.head_hash, hash_at(&store, 199));
}

fn a_removed_event_is_found_at_its_position<B: Backend>() {
    let (_dir, store) = filled::<B>();
    B::tamper(&store).remove_event(42);

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(42));
    assert_eq!(verification.reason.as_deref(), Some("event missing"));
    assert_eq!(verification.events, 41);
}

fn a_removed_last_event_is_found_against_the_head<B: Backend>() {
    let (_dir, store) = filled::<B>();
    B::tamper(&store).remove_event(300);

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(300));
    assert_eq!(
        verification.reason.as_deref(),
        Some("head names position 300 but the log ends at 299")
    );
}

fn two_swapped_events_are_found_at_the_first_of_them<B: Backend>() {
    let (_dir, store) = filled::<B>();
    B::tamper(&store).swap_events(120, 180);

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(120));
    assert_eq!(
        verification.reason.as_deref(),
        Some("position field does not match its key")
    );
    assert_eq!(verification.events, 119);
}

fn a_forged_event_with_a_recomputed_hash_breaks_the_next_link<B: Backend>() {
    let (_dir, store) = filled::<B>();
    let tamper = B::tamper(&store);
    let bytes = tamper.event_bytes(50).unwrap();
    let forged = String::from_utf8(bytes)
        .unwrap()
        .replace("ghi chú", "ghi chu");
    let prev = store.event(49).unwrap().unwrap().hash;
    let hash = sha2_link(&prev, forged.as_bytes());
    tamper.overwrite_event(50, &hash, forged.as_bytes());

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(51));
    assert_eq!(
        verification.reason.as_deref(),
        Some("prev_hash does not link to position 50")
    );
}

fn verify_up_to_stops_before_later_damage<B: Backend>() {
    let (_dir, store) = filled::<B>();
    B::tamper(&store).remove_event(250);

    let early = store.verify(Some(249)).unwrap();
    let late = store.verify(Some(260)).unwrap();
    let past_head = store.verify(Some(10_000)).unwrap();

    assert!(early.ok);
    assert_eq!(
        (early.events, early.head_hash.clone()),
        (249, hash_at(&store, 249))
    );
    assert_eq!(late.first_bad_position, Some(250));
    assert_eq!(late.reason.as_deref(), Some("event missing"));
    assert_eq!(past_head.first_bad_position, Some(250));
}

fn tampering_survives_a_reopen_and_is_still_found<B: Backend>() {
    let dir = B::place();
    {
        let store = B::open(&dir);
        fill(&store, 1, 10, 1);
        B::tamper(&store).swap_events(3, 4);
    }

    let store = B::open(&dir);

    assert_eq!(store.verify(None).unwrap().first_bad_position, Some(3));
}

fn sha2_link(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(prev);
    hasher.update(canonical);
    hasher.finalize().into()
}

crate::contract!(
    a_good_log_verifies,
    an_empty_log_verifies,
    overwritten_bytes_of_one_event_are_found_at_that_position,
    a_removed_event_is_found_at_its_position,
    a_removed_last_event_is_found_against_the_head,
    two_swapped_events_are_found_at_the_first_of_them,
    a_forged_event_with_a_recomputed_hash_breaks_the_next_link,
    verify_up_to_stops_before_later_damage,
    tampering_survives_a_reopen_and_is_still_found,
);
