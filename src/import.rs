//! `accord import --data NEWDIR FILE`: a new store from an export, refusing a
//! file whose chain does not verify (ADR 0013).
//!
//! Two passes: the first checks every line against the one before without
//! writing anything, so a refused file leaves no folder behind; the second
//! imports in atomic batches, each linked to the head again by the store.
//!
//! The files events name come as pieces before the first event naming them
//! (ADR 0033): the first pass hashes each file and refuses the export if
//! one does not hash to its name, or if an event names a file the export
//! does not carry before it; the second stores them. An export without
//! files (every export before them) is only events.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use accord_store::{
    named_file, AttachmentStore, AttachmentUpload, FilePiece, Head, Linker, PieceFollower, RawEvent,
};
use anyhow::{bail, Context, Result};

use crate::cli::{DataArgs, ImportArgs};
use crate::serve::open_stores;

/// Events per atomic import batch: bounded memory whatever the file's size.
const BATCH: usize = 1000;

/// Checks the file, then builds the store; prints the new head as JSON.
pub fn run(args: ImportArgs) -> Result<()> {
    let folder = match &args.database_url {
        Some(url) => {
            refuse_non_empty_database(url)?;
            None
        }
        None => {
            let folder = args
                .data
                .clone()
                .context("--data or --database-url is needed")?;
            refuse_non_empty(&folder)?;
            Some(folder)
        }
    };
    let head = check_file(&args.file)?;
    let data = DataArgs {
        data: folder.clone().unwrap_or_default(),
        cache_mb: None,
        database_url: args.database_url.clone(),
    };
    let imported = import_file(&data, &args.file).inspect_err(|_| {
        // The folder was new: leave nothing half-imported behind. (In a
        // database, the batches imported before the error stay: they
        // verify, and the next import is refused until it is emptied.)
        if let Some(folder) = &folder {
            let _ = std::fs::remove_dir_all(folder);
        }
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

/// A database whose log holds events is not imported into.
fn refuse_non_empty_database(url: &str) -> Result<()> {
    let store = crate::serve::open_pg(url)?;
    let head = accord_store::EventLog::head(&store);
    if head.position > 0 {
        bail!(
            "refusing to import into {}: its log already holds {} events",
            store.database(),
            head.position
        );
    }
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

/// A line of an export: an event, or a piece of a file with its bytes.
enum Line {
    Event(RawEvent),
    Piece(FilePiece, Vec<u8>),
}

/// The lines of an export, each parsed, numbered from 1; blank lines skipped.
fn lines(file: &Path) -> Result<impl Iterator<Item = Result<(usize, Line)>>> {
    let reader =
        BufReader::new(File::open(file).with_context(|| format!("opening {}", file.display()))?);
    Ok(reader.split(b'\n').enumerate().filter_map(|(index, line)| {
        let number = index + 1;
        match line {
            Err(e) => Some(Err(anyhow::Error::from(e).context(format!("line {number}")))),
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => None,
            Ok(bytes) if FilePiece::is_piece(&bytes) => Some(
                FilePiece::from_line(&bytes)
                    .and_then(|piece| Ok((piece.bytes()?, piece)))
                    .map(|(bytes, piece)| (number, Line::Piece(piece, bytes)))
                    .with_context(|| format!("line {number}")),
            ),
            Ok(bytes) => Some(
                RawEvent::from_line(&bytes)
                    .map(|event| (number, Line::Event(event)))
                    .with_context(|| format!("line {number}")),
            ),
        }
    }))
}

/// Pass one: every line links to the one before, from an empty log; every
/// file hashes to its name and comes before the first event naming it.
fn check_file(file: &Path) -> Result<Head> {
    let mut linker = Linker::after(&Head::EMPTY);
    let mut files = PieceFollower::default();
    for line in lines(file)? {
        let (number, line) = line.context("the file is not an export")?;
        let event = match line {
            Line::Piece(piece, bytes) => {
                files
                    .follow(&piece, &bytes)
                    .with_context(|| format!("the file does not verify at line {number}"))?;
                continue;
            }
            Line::Event(event) => event,
        };
        if let Some(name) = files.unfinished() {
            bail!("line {number}: an event comes before the file {name} is complete");
        }
        let envelope = linker
            .link(&event)
            .with_context(|| format!("the chain does not verify at line {number}"))?;
        if let Some(name) = named_file(&event.canonical).filter(|name| !files.has(name)) {
            bail!(
                "line {number}: the event at position {} names the file {name}, which the export \
                 does not carry before it",
                envelope.position
            );
        }
    }
    if let Some(name) = files.unfinished() {
        bail!("the export ends before the file {name} is complete");
    }
    if linker.head().position == 0 {
        bail!("{} holds no events", file.display());
    }
    Ok(linker.head().clone())
}

/// Pass two: the files and the store, in atomic batches; then its own
/// verification.
fn import_file(data: &DataArgs, file: &Path) -> Result<Head> {
    let stores = open_stores(data)?;
    let (log, files) = (stores.log, stores.attachments);
    let mut batch = Vec::with_capacity(BATCH);
    let mut follower = PieceFollower::default();
    let mut upload: Option<Box<dyn AttachmentUpload>> = None;
    for line in lines(file)? {
        let event = match line?.1 {
            Line::Piece(piece, bytes) => {
                store_piece(files.as_ref(), &mut follower, &mut upload, &piece, &bytes)?;
                continue;
            }
            Line::Event(event) => event,
        };
        batch.push(event);
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

/// Writes a piece into the file being stored; stores it after its last
/// piece, checked again as it is written.
fn store_piece(
    files: &dyn AttachmentStore,
    follower: &mut PieceFollower,
    upload: &mut Option<Box<dyn AttachmentUpload>>,
    piece: &FilePiece,
    bytes: &[u8],
) -> Result<()> {
    let complete = follower.follow(piece, bytes)?;
    if piece.piece == 0 {
        *upload = Some(files.begin_upload()?);
    }
    let writing = upload.as_mut().context("a piece without its file")?;
    writing.write(bytes)?;
    if complete {
        let stored = upload
            .take()
            .expect("an upload is open")
            .finish(&piece.media_type)?;
        if stored.attachment.sha256 != piece.file {
            bail!(
                "the file {} was stored as {}",
                piece.file,
                stored.attachment.sha256
            );
        }
    }
    Ok(())
}
