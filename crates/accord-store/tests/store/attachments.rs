//! The attachment contract on every backend: files received in pieces,
//! named by their SHA-256, read back whole, kept once.

use std::io::Read;

use accord_store::AttachmentStore;
use sha2::{Digest, Sha256};

use crate::Backend;

fn upload(store: &impl AttachmentStore, bytes: &[u8], media_type: &str) -> accord_store::Uploaded {
    let mut upload = store.begin_upload().unwrap();
    for piece in bytes.chunks(64 * 1024 + 7) {
        upload.write(piece).unwrap();
    }
    assert_eq!(upload.size(), bytes.len() as u64);
    upload.finish(media_type).unwrap()
}

fn a_file_is_kept_under_its_hash_once_and_read_back_whole<B: Backend>() {
    let place = B::place();
    // Larger than a piece of either backend, and not a multiple of one.
    let bytes: Vec<u8> = (0..2_500_000u32).map(|n| (n % 251) as u8).collect();
    let name = hex::encode(Sha256::digest(&bytes));
    {
        let store = B::open(&place);
        let first = upload(&store, &bytes, "application/pdf");
        assert!(first.created);
        assert_eq!(first.attachment.sha256, name);
        let again = upload(&store, &bytes, "text/plain");
        assert!(!again.created);
        assert_eq!(again.attachment.media_type, "application/pdf");
        let dropped = store.begin_upload().unwrap();
        drop(dropped);
    }

    let store = B::open(&place);
    let (attachment, mut reader) = store.open_attachment(&name).unwrap().unwrap();
    assert_eq!(
        (attachment.size, attachment.media_type.as_str()),
        (2_500_000, "application/pdf")
    );
    let mut read = Vec::new();
    reader.read_to_end(&mut read).unwrap();
    assert!(read == bytes, "the bytes read back differ");
    assert_eq!(store.attachment(&name).unwrap(), Some(attachment));
    assert_eq!(store.attachment(&"0".repeat(64)).unwrap(), None);
    assert_eq!(store.attachment("not-a-hash").unwrap(), None);
    let empty = upload(&store, b"", "text/plain");
    let (_, mut reader) = store
        .open_attachment(&empty.attachment.sha256)
        .unwrap()
        .unwrap();
    let mut read = Vec::new();
    reader.read_to_end(&mut read).unwrap();
    assert!(read.is_empty());
    let verification = store.verify_attachments().unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.checked, 2);
}

crate::contract!(a_file_is_kept_under_its_hash_once_and_read_back_whole);
