//! sled's file per event for the store's records under different layouts
//! and settings, apart from everything else (ADR 0055).
//!
//! `cargo run --release -p accord-store --example sled_lab -- EVENTS VARIANT...`
//! writes EVENTS events into a fresh sled database per variant, as the
//! store does: per event a 181-byte record under `e ‖ position`, a stream
//! index entry, and a command record (45 bytes under `c ‖ UUID v7`), the
//! head under `h`, in batches of 20 (what 64 HTTP clients give), one
//! `apply_batch` and one `flush` per batch (no fsync: the file's size does
//! not depend on it). Events go to one stream in 300, picked at random.
//! Then it prints the `db` file's size per event. Variants:
//!
//! - `names`: the stream index keyed `s ‖ stream name ‖ 0 ‖ version`
//!   (`agreement:` and a UUID, 46 bytes), data format 2;
//! - `numbers`: keyed `s ‖ stream number (u32) ‖ version`;
//!
//! each optionally followed by `:SEGMENT_KIB` (sled's `segment_size`,
//! default 512) and `:flushMS` (sled's background flusher every MS
//! milliseconds, which also relocates the live pages of segments at most
//! half live so sled can reuse them).

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let events: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("usage: sled_lab EVENTS VARIANT...");
    for variant in args {
        let (bytes, seconds) = run(&variant, events);
        println!(
            "{variant:<24} {:>7.0} B per event in the db file, {:>8.0} events/s",
            bytes as f64 / events as f64,
            events as f64 / seconds
        );
    }
}

/// Writes `events` under `variant`; the `db` file's bytes on disk and the seconds it took.
fn run(variant: &str, events: u64) -> (u64, f64) {
    let mut parts = variant.split(':');
    let numbers = match parts.next() {
        Some("names") => false,
        Some("numbers") => true,
        other => panic!("unknown layout {other:?}"),
    };
    let mut segment_kib = 512;
    let mut flusher = None;
    for part in parts {
        match part.strip_prefix("flush") {
            Some(ms) => flusher = Some(ms.parse().expect("milliseconds")),
            None => segment_kib = part.parse().expect("a segment size in KiB"),
        }
    }
    let dir = tempfile::tempdir_in(std::env::var("ACCORD_BENCH_TMP").unwrap_or("/tmp".into()))
        .expect("a temporary folder");
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(128 << 20)
        .segment_size(segment_kib * 1024)
        .flush_every_ms(flusher)
        .open()
        .expect("sled opens");
    let streams = (events / 300).max(1);
    let mut versions = vec![0u64; streams as usize];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let started = Instant::now();
    let mut batch = sled::Batch::default();
    for position in 1..=events {
        // Streams are opened as the log grows, like agreements.
        let open = (position * streams / events).max(1);
        let stream = random() % open;
        versions[stream as usize] += 1;
        let version = versions[stream as usize];
        let record: Vec<u8> = (0..181).map(|_| random() as u8).collect();
        batch.insert(&key(b"e", &position.to_be_bytes())[..], record);
        let index = match numbers {
            true => key(
                b"s",
                &[&(stream as u32).to_be_bytes()[..], &version.to_be_bytes()].concat(),
            ),
            false => {
                let name = format!("agreement:0190f0a0-2013-7000-8000-{stream:012}");
                key(
                    b"s",
                    &[name.as_bytes(), &[0], &version.to_be_bytes()].concat(),
                )
            }
        };
        batch.insert(index, &position.to_be_bytes()[..]);
        let command = (u128::from(position) << 64) | u128::from(random() >> 16);
        batch.insert(key(b"c", &command.to_be_bytes()), vec![1u8; 45]);
        if position % 20 == 0 || position == events {
            batch.insert(&b"h"[..], vec![2u8; 56]);
            db.apply_batch(std::mem::take(&mut batch))
                .expect("the batch applies");
            db.flush().expect("the batch flushes");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(db);
    let metadata = std::fs::metadata(dir.path().join("db")).expect("the db file");
    let bytes = std::os::unix::fs::MetadataExt::blocks(&metadata) * 512;
    (bytes, seconds)
}

fn key(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    prefix.iter().chain(rest).copied().collect()
}
