//! The floor a rebuild is measured against: sled replay of a real data
//! folder, once with each envelope decoded (`EventLog::replay`, the
//! "sled replay with JSON decoding" of issue #3) and once with the bytes
//! alone (`EventLog::replay_canonical`, no decoding).
//!
//! `cargo run --release -p accord-store --example replay_bench -- DIR [CACHE_MB]`
//! prints events/s for each, in that order (the first pass reads the file
//! cold if the page cache was dropped). Stop any `accord serve` on DIR first.

use std::time::Instant;

use accord_store::{EventLog, SledStore, StoreOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: replay_bench DIR [CACHE_MB]");
    let cache_mb: u64 = args.next().map_or(1024, |m| m.parse().expect("a number"));
    let options = StoreOptions {
        cache_bytes: cache_mb * 1024 * 1024,
        ..StoreOptions::default()
    };
    let store =
        SledStore::open_with_options(std::path::Path::new(&dir), options).expect("the store opens");
    let head = store.head().position;
    let started = Instant::now();
    let mut checksum = 0u64;
    store
        .replay(0, head, &mut |event| {
            checksum = checksum.wrapping_add(event.envelope.version);
            Ok(())
        })
        .expect("a replay");
    report("replay, envelopes decoded", head, started, checksum);
    let started = Instant::now();
    let mut bytes = 0u64;
    store
        .replay_canonical(0, head, &mut |canonical| {
            bytes += canonical.len() as u64;
            Ok(())
        })
        .expect("a replay");
    report("replay_canonical, bytes only", head, started, bytes);
}

fn report(what: &str, events: u64, started: Instant, checksum: u64) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{what}: {events} events in {seconds:.3} s = {:.0} events/s (checksum {checksum})",
        events as f64 / seconds
    );
}
