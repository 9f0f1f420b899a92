//! `accord export --data DIR [--from POSITION] [--out FILE]`: the log as
//! NDJSON, one envelope with its hash per line (ADR 0013), each file an
//! event names in pieces before the first event naming it (ADR 0033).

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Write};

use accord_store::{named_file, AttachmentStore, FilePiece, StoreError};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::cli::ExportArgs;
use crate::serve::open_stores;

/// Writes events `from+1..=head` to the file or stdout; a summary on stderr.
pub fn run(args: ExportArgs) -> Result<()> {
    if args.data.database_url.is_none() && !args.data.data.exists() {
        bail!("no data folder at {}", args.data.data.display());
    }
    let stores = open_stores(&args.data)?;
    let (log, files) = (stores.log, stores.attachments);
    let head = log.head();
    let out: Box<dyn Write> = match &args.out {
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let mut count = 0u64;
    let mut exported = HashSet::new();
    log.replay_raw(args.from, head.position, &mut |event| {
        if let Some(name) = named_file(&event.canonical) {
            if exported.insert(name.clone()) {
                let position = event.envelope()?.position;
                write_file(files.as_ref(), &name, position, &mut out)?;
            }
        }
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
        "exported {count} events and {} files after position {} (head {}, hash {})",
        exported.len(),
        args.from,
        head.position,
        hex_hash(&head.hash)
    );
    Ok(())
}

/// Writes the file `name` (named by the event at `position`) as pieces.
/// A file the store no longer has, or whose bytes changed, stops the export:
/// the import would refuse it (`accord verify` lists every such file).
fn write_file(
    files: &dyn AttachmentStore,
    name: &str,
    position: u64,
    out: &mut impl Write,
) -> Result<(), StoreError> {
    let Some((attachment, mut reader)) = files.open_attachment(name)? else {
        return Err(StoreError::Invalid(format!(
            "the event at position {position} names the file {name}, which is not stored: \
             run `accord verify` to list every missing or altered file"
        )));
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; FilePiece::BYTES];
    let mut piece = 0;
    let mut written = 0;
    loop {
        let filled = fill(&mut reader, &mut buffer)?;
        written += filled as u64;
        hasher.update(&buffer[..filled]);
        let line = FilePiece::new(
            name,
            &attachment.media_type,
            attachment.size,
            piece,
            &buffer[..filled],
        );
        let mut line = line.to_line();
        line.push(b'\n');
        out.write_all(&line)?;
        piece += 1;
        if piece >= FilePiece::count(attachment.size) {
            break;
        }
    }
    let hash = hex_hash(&hasher.finalize().into());
    if hash != name || written != attachment.size {
        return Err(StoreError::Invalid(format!(
            "the file {name}, named by the event at position {position}, was altered: its bytes \
             hash to {hash}; run `accord verify` to list every missing or altered file"
        )));
    }
    Ok(())
}

/// Reads into `buffer` until it is full or the reader ends; how much it holds.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> Result<usize, StoreError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

fn hex_hash(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
