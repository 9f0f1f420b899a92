//! Walking the hash chain from position 1, recomputing every hash from the
//! stored bytes: one walk for every backend, over [`EventLog::scan`].

use std::ops::ControlFlow;

use serde::Deserialize;

use crate::{chain, EventLog, Head, StoreError, StoredBytes, Verification};

/// Verifies positions `1..=up_to` against each other and, when the walk reaches
/// the head, against the head record.
pub(crate) fn verify<L: EventLog + ?Sized>(
    log: &L,
    head: &Head,
    up_to: u64,
) -> Result<Verification, StoreError> {
    let mut walk = Walk::default();
    let mut failed = None;
    let scanned = log.scan(0, up_to, &mut |stored| {
        let position = walk.verified + 1;
        if stored.position != position {
            failed = Some((position, "event missing".to_string()));
            return Ok(ControlFlow::Break(()));
        }
        match check(position, &walk.last, &stored) {
            Ok(hash) => walk.advance(hash),
            Err(reason) => failed = Some((position, reason)),
        }
        Ok(match failed {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        })
    });
    match (scanned, failed) {
        (_, Some((position, reason))) => return Ok(walk.fail(position, reason)),
        // A record the backend cannot even split into hash and bytes.
        (Err(StoreError::Corrupt(reason)), None) => {
            let position = walk.verified + 1;
            return Ok(walk.fail(position, reason));
        }
        (Err(other), None) => return Err(other),
        (Ok(()), None) => {}
    }
    if walk.verified < up_to {
        return missing_tail(log, head, up_to, walk);
    }
    if up_to == head.position && walk.last != head.hash {
        let reason = "the head's hash does not match the chain".to_string();
        return Ok(walk.fail_head(head.position, reason));
    }
    Ok(walk.ok())
}

/// The walk stopped short of `up_to`: either a hole before later events,
/// or the log simply ends before the position the head names.
fn missing_tail<L: EventLog + ?Sized>(
    log: &L,
    head: &Head,
    up_to: u64,
    walk: Walk,
) -> Result<Verification, StoreError> {
    let mut later = false;
    log.scan(up_to, head.position, &mut |_| {
        later = true;
        Ok(ControlFlow::Break(()))
    })?;
    let reason = match later {
        true => "event missing".to_string(),
        false => format!(
            "head names position {} but the log ends at {}",
            head.position, walk.verified
        ),
    };
    let position = walk.verified + 1;
    Ok(walk.fail(position, reason))
}

/// Checks one stored record against its position and its predecessor's
/// hash; returns its hash, or why it does not verify.
fn check(position: u64, prev: &[u8; 32], stored: &StoredBytes<'_>) -> Result<[u8; 32], String> {
    #[derive(Deserialize)]
    struct Linked {
        position: u64,
        prev_hash: String,
    }
    let canonical = stored.canonical;
    let linked: Linked =
        serde_json::from_slice(canonical).map_err(|_| "stored bytes are not an event envelope")?;
    if linked.position != position {
        return Err("position field does not match its key".into());
    }
    if linked.prev_hash != hex::encode(prev) {
        return Err(format!(
            "prev_hash does not link to position {}",
            position - 1
        ));
    }
    if chain::link(prev, canonical) != *stored.hash {
        return Err("hash does not match the stored bytes".into());
    }
    Ok(*stored.hash)
}

/// How far the walk got: the last verified hash and the one before it
/// (needed when the head record, not an event, is what fails).
struct Walk {
    verified: u64,
    last: [u8; 32],
    before_last: [u8; 32],
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            verified: 0,
            last: chain::GENESIS,
            before_last: chain::GENESIS,
        }
    }
}

impl Walk {
    fn advance(&mut self, hash: [u8; 32]) {
        self.before_last = self.last;
        self.last = hash;
        self.verified += 1;
    }

    fn ok(self) -> Verification {
        Verification {
            ok: true,
            events: self.verified,
            head_hash: hex::encode(self.last),
            first_bad_position: None,
            reason: None,
        }
    }

    fn fail(self, position: u64, reason: String) -> Verification {
        Verification {
            ok: false,
            events: self.verified,
            head_hash: hex::encode(self.last),
            first_bad_position: Some(position),
            reason: Some(reason),
        }
    }

    /// The last event linked but the head disagrees: count it as the bad one.
    fn fail_head(self, position: u64, reason: String) -> Verification {
        Verification {
            ok: false,
            events: self.verified.saturating_sub(1),
            head_hash: hex::encode(self.before_last),
            first_bad_position: Some(position),
            reason: Some(reason),
        }
    }
}
