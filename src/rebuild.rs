//! `accord rebuild --data DIR [--check]`: the proof that the read models and
//! their snapshots are derived data.
//!
//! Without `--check`, every snapshot is deleted, both models are folded from
//! position 0, and the snapshots the retention policy keeps are written again
//! on the way. With `--check` nothing is written: the fold from 0 is compared
//! with every stored snapshot (at that snapshot's position) and, at the head,
//! with the models loaded the way `serve` loads them (latest snapshot + tail);
//! the first difference is named and the command fails.

use std::time::Instant;

use accord_engine::{write_snapshots, Models, SnapshotPolicy};
use accord_store::Stores;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::cli::RebuildArgs;
use crate::serve::open_stores;

/// Runs `accord rebuild`; prints a JSON summary on stdout.
pub fn run(args: RebuildArgs) -> Result<()> {
    if args.data.database_url.is_none() && !args.data.data.exists() {
        bail!("no data folder at {}", args.data.data.display());
    }
    let stores = open_stores(&args.data)?;
    let summary = match args.check {
        true => check(&stores)?,
        false => rebuild(&stores, &args)?,
    };
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

/// Deletes every snapshot, folds from 0 and writes the snapshots kept by the policy.
fn rebuild(stores: &Stores, args: &RebuildArgs) -> Result<Value> {
    let started = Instant::now();
    let (log, snapshots) = (stores.log.as_ref(), stores.snapshots.as_ref());
    let head = log.head().position;
    for position in snapshots.snapshot_positions()? {
        snapshots.delete_snapshot(position)?;
    }
    let mut models = Models::new();
    let policy = SnapshotPolicy {
        every: args.snapshots.snapshot_every,
        keep_recent: args.snapshots.snapshot_keep_recent,
    };
    let written = write_snapshots(log, snapshots, &mut models, policy, head, &mut Vec::new())
        .context("rebuilding the snapshots")?;
    models
        .advance(log, None, head)
        .context("rebuilding the models")?;
    let summary = json!({
        "events": head,
        "snapshots": written,
        "elapsed_ms": started.elapsed().as_millis() as u64,
        "events_per_second": per_second(head, started),
    });
    // The process ends here: freeing a million events' models one
    // allocation at a time would only delay the exit (a second at 1M).
    std::mem::forget(models);
    Ok(summary)
}

/// Folds from 0, comparing with every stored snapshot and with the served models.
fn check(stores: &Stores) -> Result<Value> {
    let started = Instant::now();
    let (log, snapshots) = (stores.log.as_ref(), stores.snapshots.as_ref());
    let head = log.head().position;
    let stored = snapshots.snapshot_positions()?;
    let mut rebuilt = Models::new();
    for &position in &stored {
        rebuilt.advance(log, None, position)?;
        let (_, bytes) = snapshots
            .snapshot_at_or_before(position)?
            .context("a snapshot vanished during the check")?;
        let mut snapshot = Models::decode(&bytes)
            .with_context(|| format!("the snapshot at position {position} cannot be decoded"))?;
        // The exchanges a derived write model loads on demand, all at once.
        snapshot.load_exchanges(log)?;
        compare(
            &rebuilt,
            &snapshot,
            &format!("the snapshot at position {position}"),
        )?;
    }
    rebuilt.advance(log, None, head)?;
    let (mut served, loaded) = Models::load(log, snapshots, head)?;
    served.load_exchanges(log)?;
    compare(&rebuilt, &served, "the models as serve loads them")?;
    Ok(json!({
        "ok": true,
        "events": head,
        "snapshots_checked": stored,
        "served_from_snapshot": loaded.snapshot,
        "elapsed_ms": started.elapsed().as_millis() as u64,
        "events_per_second": per_second(head, started),
    }))
}

/// Fails naming the first field where `other` differs from the rebuild.
fn compare(rebuilt: &Models, other: &Models, what: &str) -> Result<()> {
    if rebuilt == other {
        return Ok(());
    }
    for (name, a, b) in [
        (
            "read models",
            to_value(&rebuilt.read)?,
            to_value(&other.read)?,
        ),
        (
            "write model",
            to_value(&rebuilt.write)?,
            to_value(&other.write)?,
        ),
    ] {
        if let Some(path) = first_difference(&a, &b, name.to_owned()) {
            bail!("{what} differs from the rebuild from position 0 at {path}");
        }
    }
    bail!("{what} differs from the rebuild from position 0")
}

fn to_value(value: &impl serde::Serialize) -> Result<Value> {
    Ok(serde_json::to_value(value)?)
}

/// The path of the first difference between two JSON values, if any.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(a), Some(b)) => first_difference(a, b, format!("{path}.{k}")),
                _ => Some(format!("{path}.{k}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(a, b, format!("{path}[{i}]"))),
        _ => (a != b).then_some(path),
    }
}

fn per_second(events: u64, started: Instant) -> u64 {
    (events as f64 / started.elapsed().as_secs_f64().max(1e-9)) as u64
}
