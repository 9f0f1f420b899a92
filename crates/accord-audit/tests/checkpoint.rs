//! Checkpoints against a real store: signed, kept, then checked after honest
//! growth, after tampering, and after a full rewrite of the chain.

use std::sync::Arc;

use accord_audit::{key_path, parse_public_key, verify_checkpoint, Checkpoint, Signer};
use accord_store::{Actor, EventLog, LogReader, NewEvent, Role, SledStore, Write};
use serde_json::json;
use uuid::Uuid;

fn write(n: usize) -> Write {
    Write {
        command_id: Uuid::now_v7(),
        request_hash: [1; 32],
        stream: format!("s-{}", n % 3),
        expected_version: None,
        actor: Actor {
            token_id: "tok".into(),
            role: Role::Admin,
            party_id: None,
        },
        correlation_id: None,
        events: vec![NewEvent {
            id: Uuid::now_v7(),
            event_type: "Noted".into(),
            schema: 1,
            effective_on: None,
            data: json!({"n": n, "note": "ghi chú"}),
        }],
    }
}

/// The store's read side, as the server hands it to the check.
fn reader(store: &Arc<SledStore>) -> LogReader {
    LogReader::new(store.clone())
}

fn store_with(events: usize) -> (tempfile::TempDir, Arc<SledStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    for n in 0..events {
        store.append(&[write(n)]).unwrap();
    }
    (dir, store)
}

#[test]
fn a_checkpoint_still_verifies_after_the_log_grows() {
    let (_dir, store) = store_with(5);
    let signer = Signer::generate();
    let checkpoint = signer.checkpoint(&store.head()).unwrap();
    for n in 5..9 {
        store.append(&[write(n)]).unwrap();
    }
    let check = verify_checkpoint(&reader(&store), &checkpoint, &signer.verifying_key()).unwrap();
    assert!(check.ok, "{check:?}");
    assert_eq!(check.position, 5);
}

#[test]
fn a_checkpoint_round_trips_through_its_json() {
    let (_dir, store) = store_with(2);
    let checkpoint = Signer::generate().checkpoint(&store.head()).unwrap();
    let json = serde_json::to_value(&checkpoint).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "position",
            "head_hash",
            "recorded_at",
            "signature",
            "algorithm",
            "public_key"
        ]
    );
    assert_eq!(
        serde_json::from_value::<Checkpoint>(json).unwrap(),
        checkpoint
    );
}

#[test]
fn an_empty_log_has_no_checkpoint() {
    let (_dir, store) = store_with(0);
    assert!(Signer::generate().checkpoint(&store.head()).is_none());
}

#[test]
fn another_key_or_an_edited_field_breaks_the_signature() {
    let (_dir, store) = store_with(3);
    let signer = Signer::generate();
    let checkpoint = signer.checkpoint(&store.head()).unwrap();
    let other = Signer::generate().verifying_key();
    let check = verify_checkpoint(&reader(&store), &checkpoint, &other).unwrap();
    assert!(!check.ok);
    assert!(check.reason.unwrap().contains("signature"));
    let earlier = Checkpoint {
        position: 2,
        head_hash: store.verify(Some(2)).unwrap().head_hash,
        ..checkpoint
    };
    let check = verify_checkpoint(&reader(&store), &earlier, &signer.verifying_key()).unwrap();
    assert!(!check.ok, "a signature covers its position and hash");
}

#[test]
fn a_full_rewrite_of_the_chain_verifies_alone_but_not_through_the_checkpoint() {
    let (dir, store) = store_with(6);
    let signer = Signer::generate();
    let checkpoint = signer.checkpoint(&store.head()).unwrap();
    let tamper = store.tamper();
    let bytes = String::from_utf8(tamper.event_bytes(3).unwrap().unwrap()).unwrap();
    tamper
        .rewrite_chain_from(3, bytes.replace("ghi chú", "sửa").as_bytes())
        .unwrap();
    drop(store);
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    assert!(
        store.verify(None).unwrap().ok,
        "the forger's chain is consistent"
    );
    let check = verify_checkpoint(&reader(&store), &checkpoint, &signer.verifying_key()).unwrap();
    assert!(!check.ok);
    assert!(check.reason.unwrap().contains("rewritten"));
}

#[test]
fn a_log_cut_short_of_the_checkpoint_fails_it() {
    let (_dir, store) = store_with(4);
    let signer = Signer::generate();
    let mut head = store.head();
    head.position = 9;
    let checkpoint = signer.checkpoint(&head).unwrap();
    let check = verify_checkpoint(&reader(&store), &checkpoint, &signer.verifying_key()).unwrap();
    assert!(!check.ok);
    assert!(check.reason.unwrap().contains("ends at position 4"));
}

#[test]
fn malformed_fields_are_errors_not_failed_checks() {
    let (_dir, store) = store_with(1);
    let signer = Signer::generate();
    let good = signer.checkpoint(&store.head()).unwrap();
    let key = signer.verifying_key();
    let bad_hash = Checkpoint {
        head_hash: good.head_hash.to_uppercase(),
        ..good.clone()
    };
    assert!(verify_checkpoint(&reader(&store), &bad_hash, &key).is_err());
    let bad_signature = Checkpoint {
        signature: "not base64!".into(),
        ..good
    };
    assert!(verify_checkpoint(&reader(&store), &bad_signature, &key).is_err());
}

#[test]
fn the_key_is_created_once_with_owner_only_permissions_and_then_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let first = Signer::load_or_create(dir.path()).unwrap();
    let again = Signer::load_or_create(dir.path()).unwrap();
    assert_eq!(first.verifying_key(), again.verifying_key());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(!format!("{first:?}").contains(
        &std::fs::read_to_string(key_path(dir.path()))
            .unwrap()
            .trim()
            .to_string()
    ));
}

#[test]
fn a_public_key_parses_from_base64_hex_or_the_served_json() {
    let signer = Signer::generate();
    let served = signer.public_key();
    let json = serde_json::to_string(&served).unwrap();
    for text in [&served.public_key, &served.public_key_hex, &json] {
        assert_eq!(parse_public_key(text).unwrap(), signer.verifying_key());
    }
    assert!(parse_public_key("abc").is_err());
}
