use accord_store::{EventLog, SledStore};
use serde_json::Value;

use crate::{fill, fresh};

/// A store of 300 events over 3 streams.
fn filled() -> (tempfile::TempDir, SledStore) {
    let (dir, store) = fresh();
    fill(&store, 3, 100, 3);
    (dir, store)
}

fn hash_at(store: &SledStore, position: u64) -> String {
    hex::encode(store.event(position).unwrap().unwrap().hash)
}

#[test]
fn a_good_log_verifies() {
    let (_dir, store) = filled();

    let verification = store.verify(None).unwrap();

    assert!(verification.ok);
    assert_eq!(verification.events, 300);
    assert_eq!(verification.head_hash, hex::encode(store.head().hash));
    assert_eq!(
        (verification.first_bad_position, verification.reason),
        (None, None)
    );
}

#[test]
fn an_empty_log_verifies() {
    let (_dir, store) = fresh();

    let verification = store.verify(None).unwrap();

    assert!(verification.ok);
    assert_eq!(
        (verification.events, verification.head_hash),
        (0, "0".repeat(64))
    );
}

#[test]
fn overwritten_bytes_of_one_event_are_found_at_that_position() {
    let (_dir, store) = filled();
    let tamper = store.tamper();
    let bytes = tamper.event_bytes(200).unwrap().unwrap();
    let mut envelope: Value = serde_json::from_slice(&bytes).unwrap();
    envelope["data"]["n"] = 999.into();
    tamper
        .overwrite_event_bytes(200, &serde_json::to_vec(&envelope).unwrap())
        .unwrap();

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

#[test]
fn a_removed_event_is_found_at_its_position() {
    let (_dir, store) = filled();
    store.tamper().remove_event(42).unwrap();

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(42));
    assert_eq!(verification.reason.as_deref(), Some("event missing"));
    assert_eq!(verification.events, 41);
}

#[test]
fn a_removed_last_event_is_found_against_the_head() {
    let (_dir, store) = filled();
    store.tamper().remove_event(300).unwrap();

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(300));
    assert_eq!(
        verification.reason.as_deref(),
        Some("head names position 300 but the log ends at 299")
    );
}

#[test]
fn two_swapped_events_are_found_at_the_first_of_them() {
    let (_dir, store) = filled();
    store.tamper().swap_events(120, 180).unwrap();

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(120));
    assert_eq!(
        verification.reason.as_deref(),
        Some("position field does not match its key")
    );
    assert_eq!(verification.events, 119);
}

#[test]
fn a_forged_event_with_a_recomputed_hash_breaks_the_next_link() {
    let (_dir, store) = filled();
    let tamper = store.tamper();
    let bytes = tamper.event_bytes(50).unwrap().unwrap();
    let forged = String::from_utf8(bytes)
        .unwrap()
        .replace("ghi chú", "ghi chu");
    let prev = store.event(49).unwrap().unwrap().hash;
    let hash = sha2_link(&prev, forged.as_bytes());
    tamper
        .overwrite_event(50, &hash, forged.as_bytes())
        .unwrap();

    let verification = store.verify(None).unwrap();

    assert_eq!(verification.first_bad_position, Some(51));
    assert_eq!(
        verification.reason.as_deref(),
        Some("prev_hash does not link to position 50")
    );
}

#[test]
fn verify_up_to_stops_before_later_damage() {
    let (_dir, store) = filled();
    store.tamper().remove_event(250).unwrap();

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

#[test]
fn tampering_survives_a_reopen_and_is_still_found() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        fill(&store, 1, 10, 1);
        store.tamper().swap_events(3, 4).unwrap();
    }

    let store = SledStore::open(dir.path()).unwrap();

    assert_eq!(store.verify(None).unwrap().first_bad_position, Some(3));
}

fn sha2_link(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(prev);
    hasher.update(canonical);
    hasher.finalize().into()
}
