//! The files the log names (ADR 0033). An event names a stored file when
//! its `data` has an `attachment` field: the SHA-256 of the file's bytes
//! (`DocumentAttached` does). The store knows no event types; this
//! convention is all it needs to check that every file the log names is
//! still there and still hashes to its name ([`verify_named_files`]), and
//! to carry those files in an export.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::attachments::{hash_of, is_sha256};
use crate::{AttachmentStore, LogReader, StoreError};

/// The file an event's stored bytes name, if any: its `data.attachment`.
pub fn named_file(canonical: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Named {
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        #[serde(default)]
        attachment: Option<String>,
    }
    // Most events name no file: a look for the key spares their parse.
    const KEY: &[u8] = b"\"attachment\":";
    if !canonical.windows(KEY.len()).any(|w| w == KEY) {
        return None;
    }
    let named: Named = serde_json::from_slice(canonical).ok()?;
    named.data.attachment
}

/// What is wrong with a file an event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileProblem {
    /// No file is stored under the name.
    Missing,
    /// The stored bytes no longer hash to the name.
    Altered,
}

/// An event naming a file the store cannot give back as named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFault {
    /// The position of the event that names the file.
    pub position: u64,
    /// The file's name: the SHA-256 the event recorded.
    pub attachment: String,
    /// Missing or altered.
    pub problem: FileProblem,
    /// What was found, for people.
    pub reason: String,
}

/// Every file the log names, checked ([`verify_named_files`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedFilesVerification {
    /// True when every file named is stored and hashes to its name.
    pub ok: bool,
    /// How many events name a file.
    pub events: u64,
    /// How many distinct files they name (each re-hashed once).
    pub files: u64,
    /// Each event naming a missing or altered file, by position.
    pub faults: Vec<FileFault>,
}

/// Checks the file every event up to `up_to` names: stored, and its bytes
/// hash to the name the event recorded. Each distinct file is read once.
pub fn verify_named_files(
    log: &LogReader,
    files: &dyn AttachmentStore,
    up_to: u64,
) -> Result<NamedFilesVerification, StoreError> {
    let mut found: HashMap<String, Option<(FileProblem, String)>> = HashMap::new();
    let mut events = 0;
    let mut faults = Vec::new();
    log.replay_raw(0, up_to, &mut |event| {
        let Some(name) = named_file(&event.canonical) else {
            return Ok(());
        };
        events += 1;
        let problem = match found.get(&name) {
            Some(problem) => problem.clone(),
            None => {
                let problem = check_file(files, &name)?;
                found.insert(name.clone(), problem.clone());
                problem
            }
        };
        if let Some((problem, reason)) = problem {
            let position = event.envelope()?.position;
            faults.push(FileFault {
                position,
                attachment: name,
                problem,
                reason,
            });
        }
        Ok(())
    })?;
    Ok(NamedFilesVerification {
        ok: faults.is_empty(),
        events,
        files: found.len() as u64,
        faults,
    })
}

/// What is wrong with the file stored under `name`, if anything.
fn check_file(
    files: &dyn AttachmentStore,
    name: &str,
) -> Result<Option<(FileProblem, String)>, StoreError> {
    if !is_sha256(name) {
        let reason = "the name is not a SHA-256 (64 lowercase hex digits)".to_owned();
        return Ok(Some((FileProblem::Missing, reason)));
    }
    let Some((_, mut reader)) = files.open_attachment(name)? else {
        let reason = "no file is stored under this name".to_owned();
        return Ok(Some((FileProblem::Missing, reason)));
    };
    let hash = hash_of(&mut reader)?;
    Ok((hash != name).then(|| {
        let reason = format!("the stored bytes hash to {hash}");
        (FileProblem::Altered, reason)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_the_file_in_its_data_s_attachment_field() {
        let sha = "ab".repeat(32);
        let named = format!(
            r#"{{"position":3,"type":"DocumentAttached","data":{{"agreement_id":"x","attachment":"{sha}","size":4}},"prev_hash":"00"}}"#
        );
        assert_eq!(named_file(named.as_bytes()), Some(sha));
        let other = br#"{"position":1,"type":"PartyRegistered","data":{"party_id":"a"}}"#;
        assert_eq!(named_file(other), None);
        // The key in a text is not a field of the data.
        let quoted = br#"{"position":1,"data":{"summary":"\"attachment\": none"}}"#;
        assert_eq!(named_file(quoted), None);
    }
}
