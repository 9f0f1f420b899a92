//! What start-up's models cost, step by step (docs/PERFORMANCE.md, "Scale"):
//! reads the latest snapshot of a data folder, decodes its read models,
//! derives the write model, and prints for each step its time and how much
//! the process's resident memory grew; then what one more copy of the read
//! models costs (the snapshotter's copy, each `as_of` state).
//!
//! Usage: cargo run --release --example model_memory -- DATA_FOLDER
//!
//! The server's own terms (sled's page cache, the runtime) are not here:
//! compare `accord serve --cache-mb` settings for sled's.

use std::path::PathBuf;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib / 1024.0
}

fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let before = rss_mib();
    let started = Instant::now();
    let out = f();
    let elapsed = started.elapsed();
    let after = rss_mib();
    println!(
        "{name:<40} {:>8.0} ms  RSS {:>7.1} -> {:>7.1} MiB  (+{:.1})",
        elapsed.as_secs_f64() * 1000.0,
        before,
        after,
        after - before
    );
    out
}

fn main() {
    let data: PathBuf = std::env::args()
        .nth(1)
        .expect("usage: model_memory DATA_FOLDER")
        .into();
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(data.join("snapshots"))
        .expect("a data folder with snapshots")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    snapshots.sort();
    let latest = snapshots.pop().expect("at least one snapshot");
    println!("snapshot {}", latest.display());
    let bytes = step("read the file", || {
        std::fs::read(&latest).expect("readable")
    });
    println!("  {} bytes", bytes.len());
    let read = step("decode the read models", || {
        accord_projections::decode_snapshot_read_models(&bytes).expect("a snapshot of this format")
    });
    drop(bytes);
    println!("  position {}", read.position());
    let write = step("derive the write model", || read.write_model());
    let copy = step("one more copy of the read models", || read.clone());
    println!("RSS with both models and the copy: {:.1} MiB", rss_mib());
    drop((write, copy));
}
