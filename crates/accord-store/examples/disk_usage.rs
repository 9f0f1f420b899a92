//! What a data folder costs per event: its files as `du` sees them, and
//! the records of the log's sled tree by kind (docs/PERFORMANCE.md, "Disk
//! per event"; `scripts/bench-disk.sh` runs it on a generated log).
//!
//! `cargo run --release -p accord-store --example disk_usage -- DIR`
//! opens the store in DIR (stopped: sled locks its folder), unsynced and
//! read-only in effect (it writes nothing), and prints two tables:
//!
//! - the folder's top-level entries, bytes on disk in all and per event;
//! - per kind of record (event, stream index, command record, ...), how
//!   many, and the bytes of their keys and values in all and per event:
//!   what the store hands to sled. sled's `db` file divided by their sum
//!   is sled's own factor (framing, page headers, compression, and pages
//!   not yet reclaimed).
//!
//! Last, the cost of reading one event by its position (what the read
//! models do when they load an exchange's details on demand): 20,000
//! positions drawn at random, each read with `EventLog::event` (sled's
//! look-up and the decoding of the envelope), through the same 64 MiB
//! cache, mean and median in µs. The cache holds a fraction of a large
//! log, so most of these reads go to the file.

use std::path::PathBuf;
use std::time::Instant;

use accord_store::{EventLog, SledStore, StoreOptions};

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: disk_usage DIR"));
    let options = StoreOptions {
        sync_data: false,
        cache_bytes: 64 << 20,
        ..StoreOptions::default()
    };
    let store = SledStore::open_with_options(&dir, options).expect("the store opens");
    let events = store.head().position.max(1);
    let per = |bytes: u64| bytes as f64 / events as f64;

    println!("{events} events in {}", dir.display());
    println!();
    println!("| file or folder | bytes on disk | per event |");
    println!("|---|---:|---:|");
    let entries = accord_store::folder_usage(&dir).expect("the folder is readable");
    let total: u64 = entries.iter().map(|e| e.disk_bytes).sum();
    let db_file = entries
        .iter()
        .find(|e| e.name == "db")
        .map_or(0, |e| e.disk_bytes);
    for entry in &entries {
        println!(
            "| `{}` | {} | {:.0} B |",
            entry.name,
            entry.disk_bytes,
            per(entry.disk_bytes)
        );
    }
    println!("| **all** | {total} | {:.0} B |", per(total));

    println!();
    println!("| record (key prefix) | count | key bytes per event | value bytes per event | key + value per event |");
    println!("|---|---:|---:|---:|---:|");
    let kinds = store.record_sizes().expect("the tree is readable");
    let mut stored = 0;
    for kind in kinds.iter().filter(|k| k.count > 0) {
        let both = kind.key_bytes + kind.value_bytes;
        stored += both;
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} |",
            kind.name,
            kind.count,
            per(kind.key_bytes),
            per(kind.value_bytes),
            per(both)
        );
    }
    println!("| **all records** | | | | {:.1} |", per(stored));
    println!();
    println!(
        "sled's `db` file: {:.0} B per event, {:.2} × the records' keys and values",
        per(db_file),
        db_file as f64 / stored.max(1) as f64
    );

    let mut timings = Vec::with_capacity(READS);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..READS {
        // xorshift: a reproducible spread of positions, no dependency.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let position = 1 + seed % events;
        let started = Instant::now();
        let event = store.event(position).expect("the event reads");
        timings.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(event.is_some(), "position {position} is in the log");
    }
    timings.sort_by(f64::total_cmp);
    let mean = timings.iter().sum::<f64>() / timings.len() as f64;
    println!(
        "one event by position ({READS} at random, 64 MiB cache): mean {mean:.1} µs, median {:.1} µs",
        timings[timings.len() / 2]
    );
}

/// Random reads by position timed.
const READS: usize = 20_000;
