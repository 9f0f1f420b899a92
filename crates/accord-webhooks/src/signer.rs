//! Signatures as the Standard Webhooks specification defines them.
//!
//! A secret is `whsec_` + base64 of random bytes; the key is the decoded
//! bytes. A signature is `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
//! Several signatures (during a rotation) are joined with spaces in one
//! `webhook-signature` header, as the specification allows.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A signing secret. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

impl Secret {
    /// A new secret of 24 random bytes from the OS RNG.
    pub fn generate() -> Secret {
        let mut key = vec![0; 24];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Secret { key }
    }

    /// Parses `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(text: &str) -> Option<Secret> {
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let key = STANDARD.decode(encoded).ok()?;
        (!key.is_empty()).then_some(Secret { key })
    }

    /// The secret as shown to the integrator: `whsec_` + base64 of the key.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one signature per secret, space-separated.
pub fn signature_header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_test_vector_signs_to_the_published_signature() {
        let secret = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let signature = secret.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        assert_eq!(signature, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn a_generated_secret_is_whsec_and_24_bytes_and_parses_back() {
        let secret = Secret::generate();
        let shown = secret.expose();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&shown[6..]).unwrap().len(), 24);
        assert_eq!(Secret::parse(&shown), Some(secret));
    }

    #[test]
    fn two_secrets_give_two_space_separated_signatures() {
        let (a, b) = (Secret::generate(), Secret::generate());
        let header = signature_header(&[a.clone(), b.clone()], "id", 1, b"{}");
        assert_eq!(
            header,
            format!("{} {}", a.sign("id", 1, b"{}"), b.sign("id", 1, b"{}"))
        );
    }

    #[test]
    fn a_secret_debug_never_shows_the_key() {
        let secret = Secret::generate();
        assert!(!format!("{secret:?}").contains(&secret.expose()[6..]));
    }
}
