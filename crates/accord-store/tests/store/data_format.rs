//! The data folder's format version: written when a folder is created, and
//! a folder of another version (or a log without one) refused at open,
//! naming both versions and what to do.

use std::path::Path;

use accord_store::{EventLog, SledStore, StoreError, DATA_FORMAT, FORMAT_FILE};

use crate::fill;

fn marker(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(FORMAT_FILE)).unwrap()
}

/// The refusal of `dir`: the version found and the whole message.
fn refusal(dir: &Path) -> (String, String) {
    let Some(error) = SledStore::open(dir).err() else {
        panic!("a folder of another format was opened");
    };
    let message = error.to_string();
    match error {
        StoreError::Format { found, .. } => (found, message),
        other => panic!("expected a format refusal, got {other}"),
    }
}

#[test]
fn a_new_data_folder_is_marked_with_the_format_this_build_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    drop(SledStore::open(&data).unwrap());

    assert_eq!(marker(&data), format!("accord-data {DATA_FORMAT}\n"));
    assert!(!data.join(format!("{FORMAT_FILE}.tmp")).exists());
    drop(SledStore::open(&data).unwrap());
    assert_eq!(marker(&data), format!("accord-data {DATA_FORMAT}\n"));
}

#[test]
fn a_folder_of_another_format_is_refused_naming_both_versions_and_the_way_across() {
    let dir = tempfile::tempdir().unwrap();
    let head = {
        let store = SledStore::open(dir.path()).unwrap();
        fill(&store, 2, 10, 3);
        store.head()
    };
    // Format 1: the layout before sled compressed the log's pages (ADR 0038).
    std::fs::write(dir.path().join(FORMAT_FILE), "accord-data 1\n").unwrap();

    let (found, message) = refusal(dir.path());

    assert_eq!(found, "1");
    for expected in [
        dir.path().display().to_string(),
        "is in data format 1".into(),
        format!("reads data format {DATA_FORMAT}"),
        "accord export".into(),
        "accord import".into(),
    ] {
        assert!(message.contains(&expected), "{expected:?} in {message}");
    }
    // Refused, not damaged: marked back, the log is whole.
    std::fs::write(
        dir.path().join(FORMAT_FILE),
        format!("accord-data {DATA_FORMAT}\n"),
    )
    .unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.head(), head);
    assert!(store.verify(None).unwrap().ok);
}

#[test]
fn a_folder_of_another_format_is_refused_before_sled_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FORMAT_FILE), "accord-data 7").unwrap();

    let (found, _) = refusal(dir.path());

    assert_eq!(found, "7");
    assert!(!dir.path().join("db").exists(), "sled created nothing");
    assert!(!dir.path().join("webhooks").exists());
}

#[test]
fn a_log_without_a_format_marker_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        fill(&store, 1, 5, 1);
    }
    std::fs::remove_file(dir.path().join(FORMAT_FILE)).unwrap();

    let (found, message) = refusal(dir.path());

    assert!(found.contains("without a FORMAT file"), "{found}");
    assert!(message.contains("accord export"), "{message}");
    assert!(
        !dir.path().join(FORMAT_FILE).exists(),
        "a refused folder is not marked"
    );
}

#[test]
fn a_marker_that_names_no_version_is_refused_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FORMAT_FILE), "accord-data two\n").unwrap();

    let (found, _) = refusal(dir.path());

    assert!(found.contains("\"accord-data two\""), "{found}");
}

#[test]
fn an_empty_existing_folder_becomes_a_data_folder() {
    let dir = tempfile::tempdir().unwrap();

    let store = SledStore::open(dir.path()).unwrap();

    assert_eq!(store.head().position, 0);
    assert_eq!(marker(dir.path()), format!("accord-data {DATA_FORMAT}\n"));
}

#[test]
fn event_records_are_compressed_and_hand_back_the_bytes_that_were_hashed() {
    let dir = tempfile::tempdir().unwrap();
    // A text of its own in every event, to look for in sled's file.
    let text = "Biên bản ghi nhớ hợp tác xúc tiến đầu tư — đánh dấu";
    let (head, events) = {
        let store = SledStore::open(dir.path()).unwrap();
        for b in 0..20 {
            let writes: Vec<_> = (0..50)
                .map(|i| {
                    let mut write = crate::write(&format!("s-{}", i % 7), 1, None);
                    write.events[0].data = serde_json::json!({"n": b * 50 + i, "note": text});
                    write
                })
                .collect();
            store.append(&writes).unwrap();
        }
        (store.head(), store.read_all(0, usize::MAX).unwrap())
    };
    assert_eq!(head.position, 1_000);

    // Data format 2 (ADR 0048): sled's file holds the events' JSON only
    // compressed, so the text is nowhere in it, and it is smaller than the
    // canonical bytes alone.
    let db = std::fs::read(dir.path().join("db")).unwrap();
    let needle = text.as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle));
    let store = SledStore::open(dir.path()).unwrap();
    let event_records = store
        .record_sizes()
        .unwrap()
        .into_iter()
        .find(|kind| kind.name.starts_with("event"))
        .expect("event records");
    let mut canonical = 0;
    store
        .replay_canonical(0, head.position, &mut |bytes| {
            canonical += bytes.len() as u64;
            Ok(())
        })
        .unwrap();
    // Each record holds its 32-byte hash beside the compressed bytes, and
    // still less than the canonical bytes alone.
    assert_eq!(event_records.count, 1_000);
    assert!(
        event_records.value_bytes < canonical,
        "{} of {canonical}",
        event_records.value_bytes
    );
    // Reopened, every event reads back and verifies: the stored hash is
    // over the bytes the record decompresses to.
    assert_eq!(store.read_all(0, usize::MAX).unwrap(), events);
    let verification = store.verify(None).unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(store.event(500).unwrap().as_ref(), events.get(499));
    let mut exported = 0;
    store
        .replay_raw(0, head.position, &mut |raw| {
            assert!(raw.canonical.windows(needle.len()).any(|w| w == needle));
            exported += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(exported, 1_000, "the export carries the canonical bytes");
}
