//! `accord import --data NEWDIR FILE`: a new store from an export, refusing a
//! file whose chain does not verify (ADR 0013).
//!
//! Two passes: the first checks every line against the one before without
//! writing anything, so a refused file leaves no folder behind; the second
//! imports in atomic batches, each linked to the head again by the store.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use accord_store::{Head, Linker, RawEvent};
use anyhow::{bail, Context, Result};

use crate::cli::{DataArgs, ImportArgs};
use crate::serve::open_stores;

/// Events per atomic import batch: bounded memory whatever the file's size.
const BATCH: usize = 1000;

/// Checks the file, then builds the store; prints the new head as JSON.
pub fn run(args: ImportArgs) -> Result<()> {
    refuse_non_empty(&args.data)?;
    let head = check_file(&args.file)?;
    let data = DataArgs {
        data: args.data.clone(),
        cache_mb: None,
    };
    let imported = import_file(&data, &args.file).inspect_err(|_| {
        // The folder was new: leave nothing half-imported behind.
        let _ = std::fs::remove_dir_all(&args.data);
    })?;
    if imported != head {
        bail!("the file changed while it was imported");
    }
    let summary = serde_json::json!({
        "events": head.position,
        "head_hash": head.hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

fn refuse_non_empty(data: &Path) -> Result<()> {
    let Ok(mut entries) = std::fs::read_dir(data) else {
        return Ok(());
    };
    if entries.next().is_some() {
        bail!(
            "refusing to import into {}: the folder is not empty",
            data.display()
        );
    }
    Ok(())
}

/// The lines of an export, each parsed, numbered from 1; blank lines skipped.
fn lines(file: &Path) -> Result<impl Iterator<Item = Result<(usize, RawEvent)>>> {
    let reader =
        BufReader::new(File::open(file).with_context(|| format!("opening {}", file.display()))?);
    Ok(reader.split(b'\n').enumerate().filter_map(|(index, line)| {
        let number = index + 1;
        match line {
            Err(e) => Some(Err(anyhow::Error::from(e).context(format!("line {number}")))),
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => None,
            Ok(bytes) => Some(
                RawEvent::from_line(&bytes)
                    .map(|event| (number, event))
                    .with_context(|| format!("line {number}")),
            ),
        }
    }))
}

/// Pass one: every line links to the one before, from an empty log.
fn check_file(file: &Path) -> Result<Head> {
    let mut linker = Linker::after(&Head::EMPTY);
    for line in lines(file)? {
        let (number, event) = line.context("the file is not an export")?;
        linker
            .link(&event)
            .with_context(|| format!("the chain does not verify at line {number}"))?;
    }
    if linker.head().position == 0 {
        bail!("{} holds no events", file.display());
    }
    Ok(linker.head().clone())
}

/// Pass two: the store, in atomic batches; then its own verification.
fn import_file(data: &DataArgs, file: &Path) -> Result<Head> {
    let log = open_stores(data)?.log;
    let mut batch = Vec::with_capacity(BATCH);
    for line in lines(file)? {
        batch.push(line?.1);
        if batch.len() == BATCH {
            log.import(&batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        log.import(&batch)?;
    }
    let verification = log.verify(None)?;
    if !verification.ok {
        bail!("the imported log does not verify: {verification:?}");
    }
    Ok(log.head())
}
