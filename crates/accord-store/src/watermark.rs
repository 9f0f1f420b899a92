//! The durable head's last known position and hash, `<data>/WATERMARK`,
//! kept outside sled so that a log sled reopens shorter than it was, or
//! different at that position, is refused instead of served (ADR 0029).
//!
//! One line, `accord-watermark <position> <hex hash>`, rewritten atomically
//! (temporary file, fsync, rename, fsync of the folder) by a background
//! thread at most once per [`INTERVAL`] after the durable head moved, and
//! once more when the store is dropped: never on the write path, so a
//! command's latency does not pay for it. Written only after the head it
//! names was synced, the mark never claims more than the disk holds.
//!
//! What it cannot catch: events made durable during the last interval before
//! a crash are not named yet, so a log cut back to within that tail (or
//! damaged only there) opens. `accord verify` walks the whole chain.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::durability::sync_dir;
use crate::{keys, Head, StoreError, Verification};

/// The mark's file name, inside the data folder.
pub const WATERMARK_FILE: &str = "WATERMARK";

impl Mark {
    /// The position the mark names.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }
}

/// What precedes the position in the mark.
const TAG: &str = "accord-watermark";

/// The longest a moved head waits before the mark names it.
const INTERVAL: Duration = Duration::from_secs(1);

/// A durable position and its event's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    position: u64,
    hash: [u8; 32],
}

/// How the log disagrees with its watermark: what `accord verify` reports
/// and why `open` refuses the folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// The first position that is missing or not what was stored, when known.
    pub first_bad_position: Option<u64>,
    /// What is wrong, for people.
    pub reason: String,
}

impl Damage {
    /// `chain` (a walk of the log as it is) with this damage: a chain that
    /// verified does not verify any more; an earlier failure is kept.
    pub fn into_verification(self, mut chain: Verification) -> Verification {
        if chain.ok {
            chain.ok = false;
            chain.first_bad_position = self.first_bad_position;
            chain.reason = Some(self.reason);
        }
        chain
    }
}

/// The mark in `dir`: none if the folder has none yet, a [`Damage`] if it
/// cannot be read (it is only ever replaced whole).
pub(crate) fn read(dir: &Path) -> Result<Option<Mark>, Damage> {
    let text = match fs::read_to_string(dir.join(WATERMARK_FILE)) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(&e.to_string())),
    };
    parse(&text)
        .map(Some)
        .ok_or_else(|| unreadable(&format!("it reads {:?}", text.trim())))
}

fn unreadable(why: &str) -> Damage {
    Damage {
        first_bad_position: None,
        reason: format!("its {WATERMARK_FILE} file cannot be read ({why})"),
    }
}

fn parse(text: &str) -> Option<Mark> {
    let mut words = text
        .trim_end()
        .strip_prefix(TAG)?
        .strip_prefix(' ')?
        .split(' ');
    let position = words.next()?.parse().ok()?;
    let hash = hex::decode(words.next()?).ok()?.try_into().ok()?;
    words.next().is_none().then_some(Mark { position, hash })
}

/// Replaces the mark with `head`'s, atomically and durably.
pub(crate) fn write(dir: &Path, head: &Head) -> Result<(), StoreError> {
    let temporary = dir.join(format!("{WATERMARK_FILE}.tmp"));
    let mut file = File::create(&temporary)?;
    writeln!(file, "{TAG} {} {}", head.position, hex::encode(head.hash))?;
    file.sync_all()?;
    fs::rename(&temporary, dir.join(WATERMARK_FILE))?;
    sync_dir(dir)
}

/// How the log in `tree`, whose head is `head`, disagrees with `mark`.
pub(crate) fn compare(tree: &sled::Tree, head: &Head, mark: &Mark) -> Option<Damage> {
    let position = mark.position;
    if head.position < position {
        return Some(Damage {
            first_bad_position: Some(head.position + 1),
            reason: format!(
                "the log ends at position {}, but position {position} was durable \
                 ({WATERMARK_FILE}): events {}..={position} are missing",
                head.position,
                head.position + 1
            ),
        });
    }
    if position == 0 {
        return None;
    }
    let stored = tree
        .get(keys::event(position))
        .map_err(StoreError::from)
        .and_then(|value| match value {
            Some(value) => keys::event_hash(&value).map(Some),
            None => Ok(None),
        });
    let why = match stored {
        Ok(Some(hash)) if hash == mark.hash => return None,
        Ok(Some(hash)) => format!(
            "the event at position {position} has hash {}, but {WATERMARK_FILE} recorded {}",
            hex::encode(hash),
            hex::encode(mark.hash)
        ),
        Ok(None) => format!("the event at position {position} is missing"),
        Err(e) => format!("the event at position {position} cannot be read ({e})"),
    };
    Some(Damage {
        first_bad_position: Some(position),
        reason: why,
    })
}

/// The background thread that keeps the mark at the durable head.
pub(crate) struct Keeper {
    /// Asks for a mark now; each request carries where to say it is done.
    requests: Option<mpsc::Sender<mpsc::SyncSender<()>>>,
    thread: Option<JoinHandle<()>>,
}

impl Keeper {
    /// Follows `head` (the store's durable head) from `written`, the
    /// position the mark names now.
    pub(crate) fn start(
        dir: &Path,
        head: Arc<RwLock<Head>>,
        written: Option<u64>,
    ) -> Result<Keeper, StoreError> {
        let (requests, received) = mpsc::channel::<mpsc::SyncSender<()>>();
        let mut follower = Follower {
            dir: dir.to_path_buf(),
            head,
            written,
        };
        let thread = std::thread::Builder::new()
            .name("accord-watermark".into())
            .spawn(move || loop {
                let request = received.recv_timeout(INTERVAL);
                follower.catch_up();
                match request {
                    Ok(done) => drop(done.send(())),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            })?;
        Ok(Keeper {
            requests: Some(requests),
            thread: Some(thread),
        })
    }

    /// Marks the durable head now, returning once the mark is written
    /// (or its writing failed and was logged).
    pub(crate) fn mark_now(&self) {
        let (done, finished) = mpsc::sync_channel(1);
        if let Some(requests) = &self.requests {
            if requests.send(done).is_ok() {
                let _ = finished.recv();
            }
        }
    }
}

impl Drop for Keeper {
    /// Writes the final mark.
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Follower {
    dir: PathBuf,
    head: Arc<RwLock<Head>>,
    written: Option<u64>,
}

impl Follower {
    /// Writes the mark if the head moved since the last one; a failure is
    /// logged and retried at the next interval (the log itself is unharmed).
    fn catch_up(&mut self) {
        let head = self
            .head
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if self.written == Some(head.position) {
            return;
        }
        match write(&self.dir, &head) {
            Ok(()) => self.written = Some(head.position),
            Err(error) => tracing::warn!(%error, "could not write the watermark"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_a_position_and_a_whole_hash_and_nothing_else() {
        let hash = "ab".repeat(32);
        let mark = parse(&format!("accord-watermark 42 {hash}\n")).unwrap();
        assert_eq!(mark.position, 42);
        assert_eq!(mark.hash, [0xab; 32]);
        assert_eq!(
            parse(&format!("accord-watermark 42 {}", "ab".repeat(31))),
            None
        );
        assert_eq!(parse(&format!("accord-watermark x {hash}")), None);
        assert_eq!(parse(&format!("accord-watermark 42 {hash} 1")), None);
        assert_eq!(parse("garbage"), None);
    }
}
