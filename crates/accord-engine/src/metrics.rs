//! The write path's figures, kept in atomics and rendered in the Prometheus
//! text exposition format (version 0.0.4) without a metrics dependency.
//!
//! Counters and histograms are updated where the facts happen (`submit` for
//! outcomes, the writer for batches); gauges (queue depth, head, lags) are
//! read at scrape time, so a scrape costs nothing on the write path. Names
//! and labels are documented in ADR 0017.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::{EngineError, Outcome};

/// Every command type, in the order of the `type` label.
const COMMANDS: [&str; accord_domain::Command::NAMES.len()] = accord_domain::Command::NAMES;

/// Every outcome of a submitted command, in the order of the `outcome` label.
const OUTCOMES: [&str; 9] = [
    "created",   // appended now (201)
    "replayed",  // same command id and body again (200)
    "refused",   // a domain rule (422)
    "conflict",  // expected_version or command id reused (409)
    "busy",      // the queue was full (503)
    "stopped",   // the writer has stopped (503)
    "error",     // the store failed (500)
    "forbidden", // the token's role or party may not (403)
    "disk_full", // less than the disk reserve was free (507)
];

/// Upper bounds of the batch-size buckets (commands per append).
const BATCH_BOUNDS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];
/// Upper bounds of the append-latency buckets, in seconds.
const APPEND_BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024,
];

/// A cumulative histogram with fixed bounds (`+Inf` implied).
struct Histogram<const N: usize> {
    bounds: [f64; N],
    /// Observations ≤ each bound, then the `+Inf` bucket; not cumulated yet.
    buckets: [AtomicU64; 13],
    count: AtomicU64,
    /// The sum, in millionths (atomics hold integers).
    sum_micros: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Self {
        assert!(N < 13, "one bucket per bound and one for +Inf");
        Self {
            bounds,
            buckets: Default::default(),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        let bucket = self.bounds.iter().position(|b| value <= *b).unwrap_or(N);
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add((value * 1_000_000.0).round() as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.buckets[N].load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1_000_000.0;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// The engine's counters and histograms. Shared by `submit` and the writer.
pub(crate) struct Metrics {
    commands: [[AtomicU64; OUTCOMES.len()]; COMMANDS.len()],
    batch_size: Histogram<11>,
    append_seconds: Histogram<12>,
    sync_seconds: Histogram<12>,
    /// Agreements whose exchanges the writer loaded from their streams.
    exchange_loads: AtomicU64,
    /// Agreements whose exchanges the writer unloaded beyond its bound.
    exchange_evictions: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            commands: Default::default(),
            batch_size: Histogram::new(BATCH_BOUNDS),
            append_seconds: Histogram::new(APPEND_BOUNDS),
            sync_seconds: Histogram::new(APPEND_BOUNDS),
            exchange_loads: AtomicU64::new(0),
            exchange_evictions: AtomicU64::new(0),
        }
    }
}

/// The values read at scrape time.
pub(crate) struct Gauges {
    pub queue_depth: usize,
    pub head: u64,
    pub read_model_position: u64,
    pub latest_snapshot: u64,
    /// The data folder's file system, when a reserve is kept.
    pub disk: Option<crate::DiskState>,
}

impl Metrics {
    /// Counts one answered command by type and outcome.
    pub(crate) fn command(&self, command: &str, answer: &Result<Outcome, EngineError>) {
        let outcome = match answer {
            Ok(Outcome::Created(_)) => 0,
            Ok(Outcome::Replayed(_)) => 1,
            Err(EngineError::Refused(_)) => 2,
            Err(EngineError::VersionConflict { .. } | EngineError::CommandIdReused(_)) => 3,
            Err(EngineError::Busy) => 4,
            Err(EngineError::Stopped) => 5,
            Err(EngineError::Store(_)) => 6,
            Err(EngineError::Forbidden(_)) => 7,
            Err(EngineError::DiskFull(_)) => 8,
        };
        if let Some(kind) = COMMANDS.iter().position(|c| *c == command) {
            self.commands[kind][outcome].fetch_add(1, Relaxed);
        }
    }

    /// Records one durable append: its commands, how long it took from the
    /// start of its atomic write to the end of its sync (waiting for the
    /// batch before it included), and how long the sync itself took (sled's
    /// flush and the fdatasync).
    pub(crate) fn batch(&self, commands: usize, took: Duration, sync: Duration) {
        self.batch_size.observe(commands as f64);
        self.append_seconds.observe(took.as_secs_f64());
        self.sync_seconds.observe(sync.as_secs_f64());
    }

    /// Counts agreements whose exchanges were loaded, and unloaded
    /// (ADR 0054).
    pub(crate) fn exchanges(&self, loaded: usize, evicted: usize) {
        self.exchange_loads.fetch_add(loaded as u64, Relaxed);
        self.exchange_evictions.fetch_add(evicted as u64, Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub(crate) fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(8 * 1024);
        out.push_str("# HELP accord_commands_total Commands answered, by type and outcome.\n");
        out.push_str("# TYPE accord_commands_total counter\n");
        for (kind, row) in COMMANDS.iter().zip(&self.commands) {
            for (outcome, count) in OUTCOMES.iter().zip(row) {
                let count = count.load(Relaxed);
                let _ = writeln!(
                    out,
                    "accord_commands_total{{type=\"{kind}\",outcome=\"{outcome}\"}} {count}"
                );
            }
        }
        self.batch_size.render(
            &mut out,
            "accord_batch_commands",
            "Commands per durable append (group commit).",
        );
        self.append_seconds.render(
            &mut out,
            "accord_append_duration_seconds",
            "Duration of one durable append: atomic write, wait for the batch before, flush and fdatasync.",
        );
        self.sync_seconds.render(
            &mut out,
            "accord_sync_duration_seconds",
            "Duration of one batch's sync: sled's flush and the fdatasync of its file.",
        );
        let head = gauges.head;
        let lines = [
            (
                "accord_queue_depth",
                "Commands waiting for the writer.",
                gauges.queue_depth as u64,
            ),
            (
                "accord_events_total",
                "Events in the log (the durable head position).",
                head,
            ),
            (
                "accord_projection_lag_events",
                "Head position minus the live read models' position.",
                head.saturating_sub(gauges.read_model_position),
            ),
            (
                "accord_snapshot_lag_events",
                "Head position minus the latest stored snapshot's position.",
                head.saturating_sub(gauges.latest_snapshot),
            ),
            (
                "accord_exchange_loads_total",
                "Agreements whose exchanges the writer loaded from their streams.",
                self.exchange_loads.load(Relaxed),
            ),
            (
                "accord_exchange_evictions_total",
                "Agreements whose exchanges the writer unloaded beyond --exchange-cache.",
                self.exchange_evictions.load(Relaxed),
            ),
        ];
        let disk = gauges.disk.map(|disk| {
            [
                (
                    "accord_disk_free_bytes",
                    "Bytes free on the data folder's file system.",
                    disk.free_bytes,
                ),
                (
                    "accord_disk_full",
                    "1 while commands are refused because less than the disk reserve is free.",
                    u64::from(disk.is_full()),
                ),
            ]
        });
        for (name, help, value) in lines.into_iter().chain(disk.into_iter().flatten()) {
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_render_cumulative_buckets_with_sum_and_count() {
        let metrics = Metrics::default();
        metrics.batch(1, Duration::from_micros(300), Duration::from_micros(200));
        metrics.batch(100, Duration::from_millis(3), Duration::from_millis(1));
        metrics.batch(5000, Duration::from_secs(2), Duration::from_millis(1500));
        let text = metrics.render(&Gauges {
            queue_depth: 3,
            head: 10,
            read_model_position: 9,
            latest_snapshot: 0,
            disk: None,
        });
        assert!(
            text.contains("accord_batch_commands_bucket{le=\"1\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("accord_batch_commands_bucket{le=\"128\"} 2\n"));
        assert!(text.contains("accord_batch_commands_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("accord_batch_commands_count 3\n"));
        assert!(text.contains("accord_append_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("accord_append_duration_seconds_bucket{le=\"0.004\"} 2\n"));
        assert!(text.contains("accord_sync_duration_seconds_bucket{le=\"0.001\"} 2\n"));
        assert!(text.contains("accord_sync_duration_seconds_bucket{le=\"1.024\"} 2\n"));
        assert!(text.contains("accord_sync_duration_seconds_count 3\n"));
        assert!(text.contains("accord_queue_depth 3\n"));
        assert!(text.contains("accord_projection_lag_events 1\n"));
        assert!(text.contains("accord_snapshot_lag_events 10\n"));
    }

    #[test]
    fn commands_are_counted_by_type_and_outcome() {
        let metrics = Metrics::default();
        metrics.command("RecordExchange", &Err(EngineError::Busy));
        let text = metrics.render(&Gauges {
            queue_depth: 0,
            head: 0,
            read_model_position: 0,
            latest_snapshot: 0,
            disk: None,
        });
        assert!(
            text.contains("accord_commands_total{type=\"RecordExchange\",outcome=\"busy\"} 1\n")
        );
        assert!(
            text.contains("accord_commands_total{type=\"RecordExchange\",outcome=\"created\"} 0\n")
        );
    }
}
