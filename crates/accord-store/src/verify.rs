//! Walking the hash chain from position 1, recomputing every hash from the stored bytes.

use serde::Deserialize;

use crate::{chain, keys, Head, StoreError, Verification};

/// Verifies positions `1..=up_to` against each other and, when the walk reaches
/// the head, against the head record.
pub(crate) fn verify(
    tree: &sled::Tree,
    head: &Head,
    up_to: u64,
) -> Result<Verification, StoreError> {
    let mut walk = Walk::default();
    for item in tree.range(keys::event(1)..=keys::event(up_to.max(1))) {
        let (key, value) = item?;
        let position = walk.verified + 1;
        if position > up_to {
            break;
        }
        if keys::event_position(&key)? != position {
            return Ok(walk.fail(position, "event missing".into()));
        }
        match check(position, &walk.last, &value) {
            Ok(hash) => walk.advance(hash),
            Err(reason) => return Ok(walk.fail(position, reason)),
        }
    }
    if walk.verified < up_to {
        return missing_tail(tree, head, walk);
    }
    if up_to == head.position && walk.last != head.hash {
        let reason = "the head's hash does not match the chain".to_string();
        return Ok(walk.fail_head(head.position, reason));
    }
    Ok(walk.ok())
}

/// The walk stopped short of `up_to`: either a hole before later events,
/// or the log simply ends before the position the head names.
fn missing_tail(tree: &sled::Tree, head: &Head, walk: Walk) -> Result<Verification, StoreError> {
    let position = walk.verified + 1;
    let later = tree
        .range(keys::event(position)..=keys::event(head.position.max(position)))
        .next()
        .transpose()?;
    let reason = match later {
        Some(_) => "event missing".to_string(),
        None => format!(
            "head names position {} but the log ends at {}",
            head.position, walk.verified
        ),
    };
    Ok(walk.fail(position, reason))
}

/// Checks one stored record against its key and its predecessor's hash; returns
/// its hash, or why it does not verify.
fn check(position: u64, prev: &[u8; 32], value: &[u8]) -> Result<[u8; 32], String> {
    #[derive(Deserialize)]
    struct Linked {
        position: u64,
        prev_hash: String,
    }
    let (stored, canonical) =
        keys::decode_event(value).map_err(|_| "record is shorter than a hash")?;
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
    if chain::link(prev, canonical) != stored {
        return Err("hash does not match the stored bytes".into());
    }
    Ok(stored)
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
