//! Receipts (ADR 0027): the service's signed statement that a view — a
//! report, an agreement — printed or downloaded at business date `at`, as
//! known at `as_of`, reflects the log up to `position`, whose chain hash is
//! `head_hash`.
//!
//! A receipt travels as text (and as a QR code of the same text): a first
//! token `accord-receipt/1`, then `key=value` tokens separated by any
//! whitespace, so that one pasted on one line, or with the line breaks a
//! printout has, reads the same:
//!
//! ```text
//! accord-receipt/1
//! view=/reports/cooperation?from=2007-01-01
//! at=2013-07-04
//! as_of=2026-05-01T08:30:00.123456Z
//! position=42
//! head=<64 lowercase hex digits>
//! signature=<base64 of the Ed25519 signature>
//! ```
//!
//! The signature covers every line before its own, exactly as written
//! above ([`Receipt::message`]): the view and both times are signed with
//! the position and hash, so a receipt cannot be moved to another view or
//! date. Every value must be written in its one canonical spelling, so a
//! changed character either fails to read or changes a signed value.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::AuditError;

/// The first token of a receipt; a new format gets a new one, and it is
/// not a checkpoint's tag, so neither signature can pass for the other.
pub const RECEIPT_TAG: &str = "accord-receipt/1";

/// The longest view a receipt names: a path and query, not a document.
const MAX_VIEW: usize = 1024;

/// A signed receipt of a view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The console path and query of the view, without `at`, `as_of` or
    /// the language (`/reports/cooperation?from=2007-01-01`).
    pub view: String,
    /// The business date the view was built for.
    pub at: Date,
    /// The instant it was built as known at: the `recorded_at` of the event
    /// at `position`, so that `as_of` re-opens exactly this view.
    pub as_of: OffsetDateTime,
    /// The last log position the view reflects (≥ 1).
    pub position: u64,
    /// Lowercase hex chain hash of the event at `position`.
    pub head_hash: String,
    /// Base64 (standard, padded) Ed25519 signature of [`Receipt::message`].
    pub signature: String,
}

fn date_text(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .expect("a date formats as YYYY-MM-DD")
}

fn instant_text(instant: OffsetDateTime) -> String {
    instant
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .expect("a UTC instant formats as RFC 3339")
}

impl Receipt {
    /// The signed bytes: the receipt's text up to, not including, its
    /// signature line.
    pub fn message(
        view: &str,
        at: Date,
        as_of: OffsetDateTime,
        position: u64,
        head_hash: &str,
    ) -> Vec<u8> {
        format!(
            "{RECEIPT_TAG}\nview={view}\nat={}\nas_of={}\nposition={position}\nhead={head_hash}",
            date_text(at),
            instant_text(as_of)
        )
        .into_bytes()
    }

    /// The receipt as text, one field a line (what the page prints and the
    /// QR code holds).
    pub fn to_text(&self) -> String {
        let message = Self::message(
            &self.view,
            self.at,
            self.as_of,
            self.position,
            &self.head_hash,
        );
        format!(
            "{}\nsignature={}",
            String::from_utf8_lossy(&message),
            self.signature
        )
    }

    /// The same on one line, for an HTTP header.
    pub fn to_line(&self) -> String {
        self.to_text().replace('\n', " ")
    }

    /// Reads a receipt from its text (line breaks or spaces between the
    /// fields). `Malformed` names the first field that is missing, given
    /// twice, unknown or not in its canonical spelling.
    pub fn parse(text: &str) -> Result<Receipt, AuditError> {
        let mut tokens = text.split_whitespace();
        if tokens.next() != Some(RECEIPT_TAG) {
            return Err(AuditError::malformed(
                "receipt",
                format!("it does not start with {RECEIPT_TAG}"),
            ));
        }
        let mut fields: [Option<&str>; 6] = [None; 6];
        const NAMES: [&str; 6] = ["view", "at", "as_of", "position", "head", "signature"];
        for token in tokens {
            let (key, value) = token.split_once('=').ok_or_else(|| {
                AuditError::malformed("receipt", format!("`{token}` is not key=value"))
            })?;
            let index = NAMES.iter().position(|n| *n == key).ok_or_else(|| {
                AuditError::malformed("receipt", format!("unknown field `{key}`"))
            })?;
            if fields[index].replace(value).is_some() {
                return Err(AuditError::malformed(
                    "receipt",
                    format!("`{key}` is given twice"),
                ));
            }
        }
        let field = |i: usize| fields[i].ok_or_else(|| AuditError::malformed(NAMES[i], "missing"));
        let view = field(0)?;
        // A path of this site: not `//host`, no backslash (which some
        // browsers read as a slash), no control character.
        let local = view.starts_with('/')
            && !view.starts_with("//")
            && !view.contains('\\')
            && !view.contains(char::is_control);
        if !local || view.len() > MAX_VIEW {
            return Err(AuditError::malformed(
                "view",
                "expected a path starting with /",
            ));
        }
        let at_raw = field(1)?;
        let at = Date::parse(at_raw, format_description!("[year]-[month]-[day]"))
            .ok()
            .filter(|d| date_text(*d) == at_raw)
            .ok_or_else(|| AuditError::malformed("at", "expected a date YYYY-MM-DD"))?;
        let as_of_raw = field(2)?;
        let as_of = OffsetDateTime::parse(as_of_raw, &Rfc3339)
            .ok()
            .filter(|t| instant_text(*t) == as_of_raw)
            .ok_or_else(|| AuditError::malformed("as_of", "expected an RFC 3339 instant in UTC"))?;
        let position_raw = field(3)?;
        let position = position_raw
            .parse::<u64>()
            .ok()
            .filter(|p| *p >= 1 && p.to_string() == position_raw)
            .ok_or_else(|| AuditError::malformed("position", "expected a position from 1"))?;
        let head_hash = field(4)?;
        let canonical_hash = hex::decode(head_hash)
            .ok()
            .filter(|b| b.len() == 32 && hex::encode(b) == head_hash);
        if canonical_hash.is_none() {
            return Err(AuditError::malformed(
                "head",
                "expected 64 lowercase hex digits",
            ));
        }
        let signature = field(5)?;
        let canonical_signature = BASE64
            .decode(signature)
            .ok()
            .filter(|b| b.len() == 64 && BASE64.encode(b) == signature);
        if canonical_signature.is_none() {
            return Err(AuditError::malformed(
                "signature",
                "expected base64 of 64 bytes",
            ));
        }
        Ok(Receipt {
            view: view.to_owned(),
            at,
            as_of,
            position,
            head_hash: head_hash.to_owned(),
            signature: signature.to_owned(),
        })
    }

    /// Whether the signature covers these fields under `key` (strict
    /// verification).
    pub fn signed_by(&self, key: &VerifyingKey) -> Result<bool, AuditError> {
        let bytes = BASE64
            .decode(&self.signature)
            .map_err(|e| AuditError::malformed("signature", e))?;
        let signature =
            Signature::from_slice(&bytes).map_err(|e| AuditError::malformed("signature", e))?;
        let message = Self::message(
            &self.view,
            self.at,
            self.as_of,
            self.position,
            &self.head_hash,
        );
        Ok(key.verify_strict(&message, &signature).is_ok())
    }

    /// The view's address with its `at` and `as_of`: the exact view the
    /// receipt came from.
    pub fn reopen(&self) -> String {
        let sep = if self.view.contains('?') { '&' } else { '?' };
        let as_of = instant_text(self.as_of)
            .replace(':', "%3A")
            .replace('+', "%2B");
        format!("{}{sep}at={}&as_of={as_of}", self.view, date_text(self.at))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::Signer;

    fn receipt(signer: &Signer) -> Receipt {
        signer.receipt(
            "/reports/cooperation?from=2007-01-01&party=dong-nai-iza",
            date!(2013 - 07 - 04),
            datetime!(2026-05-01 08:30:00.123456 UTC),
            42,
            &"ab".repeat(32),
        )
    }

    #[test]
    fn a_receipt_reads_back_from_its_text_and_verifies() {
        let signer = Signer::generate();
        let signed = receipt(&signer);
        let text = signed.to_text();
        assert!(
            text.starts_with("accord-receipt/1\nview=/reports/cooperation?"),
            "{text}"
        );
        assert!(
            text.contains("\nas_of=2026-05-01T08:30:00.123456Z\n"),
            "{text}"
        );
        let read = Receipt::parse(&text).expect("its own text reads");
        assert_eq!(read, signed);
        assert!(read.signed_by(&signer.verifying_key()).unwrap());
        // One line (a header), or pasted with stray spaces and CRLF: the same.
        let line = signed.to_line();
        assert!(!line.contains('\n'));
        assert_eq!(Receipt::parse(&line).unwrap(), signed);
        let messy = format!("  {}\r\n", text.replace('\n', " \r\n  "));
        assert_eq!(Receipt::parse(&messy).unwrap(), signed);
        assert_eq!(
            signed.reopen(),
            "/reports/cooperation?from=2007-01-01&party=dong-nai-iza&at=2013-07-04\
             &as_of=2026-05-01T08%3A30%3A00.123456Z"
        );
        // Another key does not verify it.
        assert!(!read.signed_by(&Signer::generate().verifying_key()).unwrap());
    }

    #[test]
    fn a_tampered_field_is_refused() {
        let signer = Signer::generate();
        let key = signer.verifying_key();
        let text = receipt(&signer).to_text();
        let tampered = [
            ("party=dong-nai-iza", "party=lam-dong-iza"),
            ("at=2013-07-04", "at=2013-07-05"),
            (
                "as_of=2026-05-01T08:30:00.123456Z",
                "as_of=2026-05-01T08:30:01.123456Z",
            ),
            ("position=42", "position=43"),
            ("head=abab", "head=abac"),
        ];
        for (from, to) in tampered {
            let changed = text.replacen(from, to, 1);
            assert_ne!(changed, text, "{from}");
            let read = Receipt::parse(&changed).expect("still well-formed");
            assert!(!read.signed_by(&key).unwrap(), "{to} passed");
        }
        // Other spellings of the same values are refused before any check.
        let respelt = [
            ("position=42", "position=042"),
            ("head=abab", "head=ABab"),
            ("at=2013-07-04", "at=2013-7-04"),
            (
                "as_of=2026-05-01T08:30:00.123456Z",
                "as_of=2026-05-01T08:30:00.123456+00:00",
            ),
            ("view=/reports", "view=reports"),
            ("view=/reports", "view=//elsewhere.example/reports"),
            ("view=/reports", "view=/\\elsewhere.example/reports"),
            ("accord-receipt/1", "accord-receipt/2"),
            ("position=42\n", "position=42\nposition=42\n"),
            ("position=42\n", "\n"),
            ("position=42\n", "position=42\nnote=hi\n"),
        ];
        for (from, to) in respelt {
            let changed = text.replacen(from, to, 1);
            assert!(Receipt::parse(&changed).is_err(), "{to} was read");
        }
        // A changed signature: unreadable, or not the service's.
        let signature = text.rsplit_once("signature=").unwrap().1;
        let flipped = match signature.as_bytes()[0] {
            b'A' => 'B',
            _ => 'A',
        };
        let changed = format!(
            "{}signature={flipped}{}",
            text.rsplit_once("signature=").unwrap().0,
            &signature[1..]
        );
        if let Ok(read) = Receipt::parse(&changed) {
            assert!(!read.signed_by(&key).unwrap());
        }
    }

    #[test]
    fn a_checkpoint_signature_is_not_a_receipts() {
        let signer = Signer::generate();
        let signed = receipt(&signer);
        let message = crate::Checkpoint::message(42, &signed.head_hash, signed.as_of);
        assert_ne!(
            message,
            Receipt::message(&signed.view, signed.at, signed.as_of, 42, &signed.head_hash)
        );
    }
}
