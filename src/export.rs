//! `accord export --data DIR [--from POSITION] [--out FILE]`: the log as
//! NDJSON, one envelope with its hash per line (ADR 0013).

use std::fs::File;
use std::io::{BufWriter, Write};

use accord_store::StoreError;
use anyhow::{bail, Context, Result};

use crate::cli::ExportArgs;
use crate::serve::open_stores;

/// Writes events `from+1..=head` to the file or stdout; a summary on stderr.
pub fn run(args: ExportArgs) -> Result<()> {
    if !args.data.data.exists() {
        bail!("no data folder at {}", args.data.data.display());
    }
    let log = open_stores(&args.data)?.log;
    let head = log.head();
    let out: Box<dyn Write> = match &args.out {
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let mut count = 0u64;
    log.replay_raw(args.from, head.position, &mut |event| {
        let mut line = event.to_line();
        line.push(b'\n');
        count += 1;
        out.write_all(&line).map_err(StoreError::from)
    })?;
    let out = out.into_inner().map_err(|e| e.into_error())?;
    drop(out);
    if let Some(path) = &args.out {
        File::open(path)?.sync_all()?;
    }
    eprintln!(
        "exported {count} events after position {} (head {}, hash {})",
        args.from,
        head.position,
        hex_hash(&head.hash)
    );
    Ok(())
}

fn hex_hash(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
