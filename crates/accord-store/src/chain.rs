//! The hash chain: `hash(n) = SHA-256(hash(n-1) ‖ canonical bytes of event n)`.

use sha2::{Digest, Sha256};

/// hash(0): what position 1 links to.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

/// The hash of an event from its predecessor's hash and its exact stored bytes.
pub(crate) fn link(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_depends_on_the_predecessor_and_the_bytes() {
        let one = link(&GENESIS, b"a");
        assert_ne!(one, link(&one, b"a"));
        assert_ne!(one, link(&GENESIS, b"b"));
        assert_eq!(one, link(&GENESIS, b"a"));
    }
}
