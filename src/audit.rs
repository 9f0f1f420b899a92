//! `accord key create`: a signing key file for `serve --signing-key`.
//!
//! `accord verify [--checkpoint FILE [--public-key KEY]]`: the hash chain
//! and the attached files offline and, with a kept checkpoint, proof that
//! the chain was not rewritten.

use std::path::Path;
use std::sync::Arc;

use accord_audit::{parse_public_key, verify_checkpoint, Checkpoint, Signer, VerifyingKey};
use accord_store::{verify_named_files, AttachmentStore, EventLog, LogReader};
use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cli::{DataArgs, VerifyArgs};
use crate::serve::{open_pg, open_sled};

/// `accord verify`: checks the chain and re-hashes every attached file
/// offline; with a checkpoint, also that the chain passes through it.
/// Prints one JSON report on stdout and fails naming the first bad
/// position, or what does not verify.
pub fn verify(args: VerifyArgs) -> Result<()> {
    if args.data.database_url.is_none() && !args.data.data.exists() {
        bail!("no data folder at {}", args.data.data.display());
    }
    let checkpoint = match &args.checkpoint {
        Some(file) => {
            let key = public_key(args.public_key.as_deref(), &args.data.data)?;
            Some((file, read_checkpoint(file)?, key))
        }
        None => None,
    };
    // sled opens a damaged folder to report where (ADR 0029); PostgreSQL
    // keeps no watermark: the walk finds what is wrong.
    let (log, files_store, damage): (Arc<dyn EventLog>, Arc<dyn AttachmentStore>, _) =
        match &args.data.database_url {
            Some(url) => {
                let store = Arc::new(open_pg(url)?);
                (store.clone(), store, None)
            }
            None => {
                let store = Arc::new(open_sled(&args.data, DataArgs::ONE_PASS_CACHE_MB, false)?);
                let damage = store.damage().cloned();
                (store.clone(), store, damage)
            }
        };
    let attachments = files_store.verify_attachments()?;
    let log = LogReader::new(log);
    let chain = match damage {
        // The walk first: a bad event before the damage is the first bad position.
        Some(damage) => damage.into_verification(log.verify(None)?),
        None => log.verify(None)?,
    };
    // The files the verified events name: stored, and hashing to their names.
    let files = verify_named_files(&log, files_store.as_ref(), chain.events)?;
    let mut report = serde_json::to_value(&chain)?;
    report["attachments"] = json!(attachments);
    report["files"] = json!(files);
    let check = match checkpoint {
        Some((file, checkpoint, key)) => {
            let check = verify_checkpoint(&log, &checkpoint, &key)
                .with_context(|| format!("checking {}", file.display()))?;
            report["checkpoint"] = json!(check);
            Some(check)
        }
        None => None,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !chain.ok {
        let reason = chain.reason.unwrap_or_default();
        match chain.first_bad_position {
            Some(position) => {
                bail!("the log does not verify: first bad position {position} ({reason})")
            }
            None => bail!("the log does not verify: {reason}"),
        }
    }
    if let Some(fault) = files.faults.first() {
        bail!(
            "{} event(s) name a missing or altered file; the first, at position {}, names {}: {}",
            files.faults.len(),
            fault.position,
            fault.attachment,
            fault.reason
        );
    }
    if !attachments.ok {
        bail!(
            "attached files do not hash to their names: {}",
            attachments.altered.join(", ")
        );
    }
    if let Some(check) = check.filter(|c| !c.ok) {
        bail!(
            "the checkpoint at position {} does not verify: {}",
            check.position,
            check.reason.unwrap_or_default()
        );
    }
    Ok(())
}

fn read_checkpoint(file: &Path) -> Result<Checkpoint> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the checkpoint {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a checkpoint", file.display()))
}

/// The key the auditor gave (a value or a file holding it), else the data folder's.
fn public_key(given: Option<&str>, data: &Path) -> Result<VerifyingKey> {
    let Some(given) = given else {
        let signer =
            Signer::load(data).context("no --public-key given, and no key in the data folder")?;
        return Ok(signer.verifying_key());
    };
    let text = match Path::new(given).is_file() {
        true => std::fs::read_to_string(given).with_context(|| format!("reading {given}"))?,
        false => given.to_owned(),
    };
    Ok(parse_public_key(&text)?)
}

/// `accord key create --out FILE`: a new signing key in a new file; prints
/// its public half (`GET /v1/audit/public-key`'s JSON) and the file.
pub fn create_key(args: crate::cli::KeyCreateArgs) -> Result<()> {
    let signer = Signer::create_file(&args.out)
        .with_context(|| format!("creating the signing key {}", args.out.display()))?;
    let public = signer.public_key();
    let report = json!({
        "file": args.out.display().to_string(),
        "algorithm": public.algorithm,
        "public_key": public.public_key,
        "public_key_hex": public.public_key_hex,
    });
    println!("{report}");
    Ok(())
}
