//! What each kind of record costs sled, apart from everything else: bytes
//! written to disk and CPU per event for the store's key layout, adding one
//! kind of record at a time (ADR 0023).
//!
//! `cargo run --release -p accord-store --example sled_layout -- [EVENTS] [BATCH]`
//! writes EVENTS one-event commands (default 200,000) in batches of BATCH
//! (default 20, what 64 HTTP clients give) into a fresh sled database per
//! variant, with one `apply_batch` and one `flush` per batch as the store
//! does, and prints for each variant the bytes the process wrote to disk
//! (`/proc/self/io`) and its CPU time (`/proc/self/stat`, all threads, sled's
//! I/O threads included) per event. Values are filler of the real sizes:
//! an 800-byte event, a 57-byte stream-index key, and a command record
//! either as the JSON of the whole answer (350 bytes) or lean (45 bytes, the
//! layout ADR 0023 chose). Linux only.

use std::time::Instant;

/// One layout: which records each command writes besides its event.
struct Variant {
    name: &'static str,
    index: bool,
    command_record: usize,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        name: "event only",
        index: false,
        command_record: 0,
    },
    Variant {
        name: "+ stream index",
        index: true,
        command_record: 0,
    },
    Variant {
        name: "+ JSON command record (350 B)",
        index: true,
        command_record: 350,
    },
    Variant {
        name: "+ lean command record (45 B)",
        index: true,
        command_record: 45,
    },
];

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("a number"));
    let events = args.next().unwrap_or(200_000);
    let batch = args.next().unwrap_or(20);
    println!("{events} one-event commands in batches of {batch}, one flush per batch");
    for variant in &VARIANTS {
        let (bytes, cpu, seconds) = run(variant, events, batch);
        println!(
            "{:<32} {:>6} disk bytes/event {:>6.1} CPU us/event {:>8.0} events/s",
            variant.name,
            bytes / events,
            cpu * 1e6 / events as f64,
            events as f64 / seconds
        );
    }
}

/// Writes the commands of `variant`; returns disk bytes, CPU seconds and wall seconds.
fn run(variant: &Variant, events: u64, batch: u64) -> (u64, f64, f64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = sled::Config::new()
        .path(dir.path())
        .cache_capacity(1 << 30)
        .flush_every_ms(None)
        .open()
        .expect("sled opens");
    let event = vec![b'e'; 800];
    let record = vec![b'c'; variant.command_record];
    let stream = b"sagreement:0190f0a0-2013-7000-8000-000000002013\0";
    let (bytes, cpu, started) = (disk_bytes(), cpu_seconds(), Instant::now());
    let mut pending = sled::Batch::default();
    for position in 1..=events {
        pending.insert(key(b"e", position), event.clone());
        if variant.index {
            pending.insert(key(stream, position), &position.to_be_bytes()[..]);
        }
        if variant.command_record > 0 {
            // Command ids are UUID v7: increasing, like the positions.
            let id = (u128::from(position) << 64) | 0x7000;
            let command: Vec<u8> = b"c".iter().copied().chain(id.to_be_bytes()).collect();
            pending.insert(command, record.clone());
        }
        if position % batch == 0 || position == events {
            pending.insert(&b"h"[..], &position.to_be_bytes()[..]);
            db.apply_batch(std::mem::take(&mut pending))
                .expect("the batch applies");
            db.flush().expect("the batch flushes");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    (disk_bytes() - bytes, cpu_seconds() - cpu, seconds)
}

fn key(prefix: &[u8], n: u64) -> Vec<u8> {
    prefix.iter().copied().chain(n.to_be_bytes()).collect()
}

/// Bytes this process caused to be written to the disk so far.
fn disk_bytes() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("/proc/self/io");
    io.lines()
        .find_map(|line| line.strip_prefix("write_bytes: "))
        .and_then(|n| n.parse().ok())
        .expect("write_bytes in /proc/self/io")
}

/// User and system CPU seconds of this process so far, all threads.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0
}
