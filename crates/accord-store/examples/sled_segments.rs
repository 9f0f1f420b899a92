//! Where the bytes of sled's `db` file go: live pages, superseded copies
//! not yet reclaimed, and empty space, by kind of page (ADR 0055).
//!
//! `cargo run --release -p accord-store --example sled_segments -- DIR`
//! reads `DIR/db` and `DIR/conf` of a stopped data folder as files (sled is
//! not opened, nothing is written) and walks sled 0.34's log: the file is
//! cut in segments of `segment_size` bytes (from `conf`), each a 20-byte
//! header (its log sequence number) and messages, each a header (crc,
//! kind, length, segment number, page id) and its payload. A page's state
//! is its latest full copy (a node) and the fragments (links, one per
//! insert) logged after it; every older copy and fragment is garbage that
//! sled reclaims only when it relocates what is still live in a segment
//! (when the segment is at most half live), so it still takes disk.
//!
//! Pages are classed by their node, inner node or leaf, and the first
//! byte of its low key (the store's key prefixes, `keys.rs`).
//! Printed per class: live nodes, live fragments, and superseded bytes
//! (headers included), in all and per event; then the segments' unused
//! tails and the segments without a valid header. Events are counted by
//! the folder's `WATERMARK` (its position), or given as a second argument.

use std::collections::HashMap;
use std::path::PathBuf;

/// The bytes of a segment's header (sled's `SEG_HEADER_LEN`).
const SEG_HEADER: usize = 20;
/// sled never starts a message closer than this to a segment's end.
const MAX_MSG_HEADER: usize = 32;

/// sled's message kinds (`MessageKind`) this tool tells apart.
const CAP: u8 = 2;
const BATCH_MANIFEST: u8 = 3;
const FREE: u8 = 4;
const INLINE_NODE: u8 = 8;
const INLINE_LINK: u8 = 10;
const LAST_KIND: u8 = 11;

/// One message of the log.
struct Message {
    /// The index of its segment in the file.
    segment: usize,
    lsn: i64,
    kind: u8,
    pid: u64,
    /// Header and payload.
    bytes: usize,
    /// For a node: its class.
    class: Option<&'static str>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: sled_segments DIR [EVENTS]"));
    let events: u64 = match args.next() {
        Some(n) => n.parse().expect("EVENTS is a number"),
        None => watermark_position(&dir),
    };
    // `conf` is text followed by a crc.
    let conf = std::fs::read(dir.join("conf")).expect("DIR/conf");
    let conf = String::from_utf8_lossy(&conf);
    let segment_size: usize = conf
        .lines()
        .find_map(|line| line.strip_prefix("segment_size: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("segment_size in conf");
    let file = std::fs::read(dir.join("db")).expect("DIR/db");

    let mut messages = Vec::new();
    let (mut unused_tail, mut empty_segments, mut segments) = (0usize, 0usize, 0usize);
    for (index, start) in (0..file.len()).step_by(segment_size).enumerate() {
        segments += 1;
        let segment = &file[start..file.len().min(start + segment_size)];
        match read_segment(index, segment, segment_size, &mut messages) {
            Some(used) => unused_tail += segment.len() - used,
            None => empty_segments += 1,
        }
    }

    // A page's live state: its latest node, and the links after it.
    let mut latest_node: HashMap<u64, (i64, &'static str)> = HashMap::new();
    let mut freed: HashMap<u64, i64> = HashMap::new();
    for m in &messages {
        match m.kind {
            INLINE_NODE => {
                let entry = latest_node
                    .entry(m.pid)
                    .or_insert((m.lsn, m.class.unwrap()));
                if m.lsn >= entry.0 {
                    *entry = (m.lsn, m.class.unwrap());
                }
            }
            FREE => {
                let at = freed.entry(m.pid).or_insert(m.lsn);
                *at = (*at).max(m.lsn);
            }
            _ => {}
        }
    }
    let mut table: HashMap<&'static str, [usize; 3]> = HashMap::new();
    let mut other = [0usize; 2];
    let mut live_in_segment = vec![0usize; segments];
    for m in &messages {
        let page = latest_node.get(&m.pid).copied();
        let dead = freed.get(&m.pid).is_some_and(|&at| at >= m.lsn);
        match (m.kind, page) {
            (INLINE_NODE, Some((lsn, class))) => {
                let live = lsn == m.lsn && !dead;
                table.entry(class).or_default()[if live { 0 } else { 2 }] += m.bytes;
                live_in_segment[m.segment] += if live { m.bytes } else { 0 };
            }
            (INLINE_LINK, Some((lsn, class))) => {
                let live = m.lsn > lsn && !dead;
                table.entry(class).or_default()[if live { 1 } else { 2 }] += m.bytes;
                live_in_segment[m.segment] += if live { m.bytes } else { 0 };
            }
            (BATCH_MANIFEST | FREE, _) => other[1] += m.bytes,
            _ => {
                other[0] += m.bytes;
                live_in_segment[m.segment] += m.bytes;
            }
        }
    }

    let events = events.max(1);
    let per = |bytes: usize| bytes as f64 / events as f64;
    println!(
        "{} bytes in {segments} segments of {segment_size} bytes, {events} events",
        file.len()
    );
    println!();
    println!("| pages | live nodes | live fragments | superseded | per event: live / superseded |");
    println!("|---|---:|---:|---:|---:|");
    let mut classes: Vec<_> = table.into_iter().collect();
    classes.sort_by_key(|(_, bytes)| std::cmp::Reverse(bytes.iter().sum::<usize>()));
    let mut sums = [0usize; 3];
    for (class, bytes) in &classes {
        for (sum, b) in sums.iter_mut().zip(bytes) {
            *sum += b;
        }
        println!(
            "| {class} | {} | {} | {} | {:.0} / {:.0} B |",
            bytes[0],
            bytes[1],
            bytes[2],
            per(bytes[0] + bytes[1]),
            per(bytes[2])
        );
    }
    println!(
        "| **all pages** | {} | {} | {} | {:.0} / {:.0} B |",
        sums[0],
        sums[1],
        sums[2],
        per(sums[0] + sums[1]),
        per(sums[2])
    );
    println!();
    println!(
        "other messages: counters and metadata {} B, batch manifests and frees {} B",
        other[0], other[1]
    );
    println!(
        "unused segment tails: {unused_tail} B ({:.0} B per event); segments without a readable header: {empty_segments} ({:.0} B per event)",
        per(unused_tail),
        per(empty_segments * segment_size)
    );
    // How full of live bytes the segments are: sled relocates a segment's
    // live pages and reuses it once it is at most half live.
    let mut deciles = [0usize; 11];
    for live in &live_in_segment {
        deciles[live * 10 / segment_size] += 1;
    }
    let shares: Vec<String> = deciles[..10]
        .iter()
        .enumerate()
        .map(|(decile, count)| format!("{}–{}%: {count}", decile * 10, decile * 10 + 10))
        .collect();
    println!("segments by their live share: {}", shares.join(", "));
}

/// Reads the messages of one segment into `messages`; the bytes its header
/// and messages take, or None if it has no valid header.
fn read_segment(
    index: usize,
    segment: &[u8],
    segment_size: usize,
    messages: &mut Vec<Message>,
) -> Option<usize> {
    if segment.len() < SEG_HEADER {
        return None;
    }
    let lsn = i64::from_le_bytes(segment[4..12].try_into().unwrap()) ^ 0x7FFF_FFFF_FFFF_FFFF;
    // Segments start at multiples of their size; a zeroed one reads i64::MAX.
    if lsn < 0 || lsn % segment_size as i64 != 0 {
        return None;
    }
    let number = lsn as u64 / segment_size as u64;
    let mut at = SEG_HEADER;
    while segment.len() - at >= MAX_MSG_HEADER {
        let mut cursor = &segment[at..];
        let before = cursor.len();
        cursor = &cursor[4..];
        let kind = cursor[0];
        cursor = &cursor[1..];
        let len = varint(&mut cursor)? as usize;
        let segment_number = varint(&mut cursor)?;
        let pid = varint(&mut cursor)?;
        let header = before - cursor.len();
        if kind == 0 || kind > LAST_KIND || segment_number != number || len > cursor.len() {
            break;
        }
        if kind == CAP {
            return Some(segment.len());
        }
        let payload = &cursor[..len];
        let class = (kind == INLINE_NODE).then(|| node_class(payload));
        messages.push(Message {
            segment: index,
            lsn: lsn + at as i64,
            kind,
            pid,
            bytes: header + len,
            class,
        });
        at += header + len;
    }
    Some(at)
}

/// A node's class: inner node or leaf, and its low key's first byte.
fn node_class(payload: &[u8]) -> &'static str {
    let parse = |mut cursor: &[u8]| -> Option<(bool, Vec<u8>)> {
        varint(&mut cursor)?; // next
        varint(&mut cursor)?; // merging_child
        cursor = cursor.get(2..)?; // merging, prefix_len
        let lo = bytes(&mut cursor)?.to_vec();
        bytes(&mut cursor)?; // hi
        Some((*cursor.first()? == 1, lo))
    };
    let (inner, lo) = match parse(payload) {
        Some(node) => node,
        None => return "unparsed",
    };
    match (inner, lo.first()) {
        (true, None) => "inner, the first",
        (true, Some(b'e')) => "inner, events (e)",
        (true, Some(b's')) => "inner, stream index (s)",
        (true, Some(b'c')) => "inner, command records (c)",
        (true, Some(_)) => "inner, other",
        (false, None) => "leaf, the first",
        (false, Some(b'e')) => "leaf, events (e)",
        (false, Some(b's')) => "leaf, stream index (s)",
        (false, Some(b'c')) => "leaf, command records (c)",
        (false, Some(b'n')) => "leaf, stream numbers (n)",
        (false, Some(b'h' | b'm')) => "leaf, head and metadata (h, m)",
        (false, Some(_)) => "leaf, other",
    }
}

/// The position the folder's watermark names (`accord-watermark <position> <hash>`).
fn watermark_position(dir: &std::path::Path) -> u64 {
    let mark =
        std::fs::read_to_string(dir.join("WATERMARK")).expect("DIR/WATERMARK, or give EVENTS");
    mark.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a position in WATERMARK")
}

/// A length-prefixed byte string (sled's `IVec` serialisation).
fn bytes<'a>(cursor: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = varint(cursor)? as usize;
    let value = cursor.get(..len)?;
    *cursor = &cursor[len..];
    Some(value)
}

/// sled's variable-length u64 (`serialization.rs`).
fn varint(cursor: &mut &[u8]) -> Option<u64> {
    let first = *cursor.first()?;
    let (value, used) = match first {
        0..=240 => (u64::from(first), 1),
        241..=248 => (
            240 + 256 * (u64::from(first) - 241) + u64::from(*cursor.get(1)?),
            2,
        ),
        249 => (
            2288 + 256 * u64::from(*cursor.get(1)?) + u64::from(*cursor.get(2)?),
            3,
        ),
        other => {
            let size = other as usize - 247;
            let mut le = [0u8; 8];
            le[..size].copy_from_slice(cursor.get(1..=size)?);
            (u64::from_le_bytes(le), size + 1)
        }
    };
    *cursor = &cursor[used..];
    Some(value)
}
