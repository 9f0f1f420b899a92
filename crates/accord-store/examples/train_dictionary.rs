//! Trains the zstd dictionary the log's event records are compressed with
//! (data format 2, ADR 0048), from the canonical bytes of exported events,
//! and says what it gives on each export named.
//!
//! `cargo run --release -p accord-store --example train_dictionary -- OUT BYTES TRAIN.ndjson [MEASURE.ndjson...]`
//!
//! trains a dictionary of at most BYTES on every event of TRAIN (an `accord
//! export`), writes it to OUT, then, for TRAIN and each MEASURE, prints the
//! mean canonical bytes per event and the mean frame with the dictionary
//! and without one (zstd level 1, as the writer compresses). The dictionary
//! in the repository (`crates/accord-store/dictionaries/events-1.zdict`)
//! was made this way; its README says from what. A dictionary is never
//! replaced in place: frames name it by id, and a folder holds frames of
//! the dictionaries it was written with.

use std::io::BufRead;

use accord_store::{FilePiece, RawEvent};

fn canonicals(path: &str) -> Vec<Vec<u8>> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    std::io::BufReader::new(file)
        .split(b'\n')
        .map(|line| line.expect("readable"))
        .filter(|line| !line.is_empty() && !FilePiece::is_piece(line))
        .map(|line| RawEvent::from_line(&line).expect("an event line").canonical)
        .collect()
}

fn measure(name: &str, events: &[Vec<u8>], dictionary: &[u8]) {
    let mut with = zstd::bulk::Compressor::with_dictionary(1, dictionary).expect("a dictionary");
    let mut without = zstd::bulk::Compressor::new(1).expect("a context");
    let (mut raw, mut small, mut plain) = (0usize, 0usize, 0usize);
    for event in events {
        raw += event.len();
        small += with.compress(event).expect("compresses").len();
        plain += without.compress(event).expect("compresses").len();
    }
    let n = events.len().max(1);
    println!(
        "| {name} | {} | {} B | {} B | {} B |",
        events.len(),
        raw / n,
        small / n,
        plain / n
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, bytes, train, rest @ ..] = args.as_slice() else {
        panic!("usage: train_dictionary OUT BYTES TRAIN.ndjson [MEASURE.ndjson...]");
    };
    let bytes: usize = bytes.parse().expect("BYTES is a number");
    let samples = canonicals(train);
    let dictionary = zstd::dict::from_samples(&samples, bytes).expect("training");
    std::fs::write(out, &dictionary).expect("OUT is writable");
    let id = zstd::zstd_safe::get_dict_id_from_dict(&dictionary).map_or(0, |id| id.get());
    println!(
        "{out}: {} bytes, dictionary id {id}, from {} events of {train}",
        dictionary.len(),
        samples.len()
    );
    println!();
    println!("| export | events | canonical per event | with the dictionary | without |");
    println!("|---|---:|---:|---:|---:|");
    measure(train, &samples, &dictionary);
    for path in rest {
        measure(path, &canonicals(path), &dictionary);
    }
}
