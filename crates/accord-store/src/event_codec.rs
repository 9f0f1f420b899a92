//! The event record's canonical JSON as sled stores it since data format 2
//! (ADR 0048): one zstd frame compressed with the log's dictionary.
//!
//! The canonical bytes are what is hashed, exported and handed to readers;
//! only the record under `e ‖ position` holds them compressed. Decompressing
//! gives back exactly the bytes that were hashed, so the chain is checked
//! over them as before.
//!
//! **The dictionary** is part of the data format, not of the folder: it is
//! compiled into the binary (`dictionaries/events-1.zdict`, trained by
//! `examples/train_dictionary` on generated envelopes) and every frame
//! names it by its zstd dictionary id ([`DICTIONARY_ID`]). A later
//! dictionary gets another id and is added beside this one, never in its
//! place: a build reads every frame whose id it holds, and refuses one
//! naming an id it does not hold ([`StoreError::Corrupt`], naming the id).
//!
//! The writer keeps one compression context ([`Compressor`]) for the life
//! of the store; readers decompress with one context per thread.

use std::cell::RefCell;
use std::sync::OnceLock;

use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::StoreError;

/// The dictionary the event records are compressed with (since data format 2).
const DICTIONARY: &[u8] = include_bytes!("../dictionaries/events-1.zdict");

/// The zstd id of [`DICTIONARY`], which every frame it compressed names.
pub(crate) const DICTIONARY_ID: u32 = 1_613_837_129;

/// zstd's level for the writer: the fastest, so the write path stays as
/// fast (ADR 0048 measures it); the dictionary does most of the work.
const LEVEL: i32 = 1;

/// The largest canonical JSON a record may decompress to: far above any
/// event the API accepts (bodies are capped well below), so a damaged
/// frame header cannot make a reader allocate without bound.
const MAX_CANONICAL: u64 = 64 << 20;

fn encoder_dictionary() -> &'static EncoderDictionary<'static> {
    static DICT: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    DICT.get_or_init(|| EncoderDictionary::copy(DICTIONARY, LEVEL))
}

fn decoder_dictionary() -> &'static DecoderDictionary<'static> {
    static DICT: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    DICT.get_or_init(|| DecoderDictionary::copy(DICTIONARY))
}

/// The writer's compression context, with the dictionary loaded once.
pub(crate) struct Compressor {
    context: zstd::bulk::Compressor<'static>,
}

impl Compressor {
    /// A context for [`DICTIONARY`] at [`LEVEL`].
    pub(crate) fn new() -> Result<Compressor, StoreError> {
        let mut context = zstd::bulk::Compressor::with_prepared_dictionary(encoder_dictionary())
            .map_err(|e| StoreError::Io(format!("zstd: {e}")))?;
        // The frame keeps its content size (a reader allocates exactly) and
        // names its dictionary; no checksum: the chain's hash covers the bytes.
        context
            .include_contentsize(true)
            .and_then(|()| context.include_dictid(true))
            .and_then(|()| context.include_checksum(false))
            .map_err(|e| StoreError::Io(format!("zstd: {e}")))?;
        Ok(Compressor { context })
    }

    /// `canonical` as one frame.
    pub(crate) fn compress(&mut self, canonical: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.context
            .compress(canonical)
            .map_err(|e| StoreError::Io(format!("zstd: {e}")))
    }
}

thread_local! {
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// The canonical bytes in `frame`, which must name [`DICTIONARY_ID`].
pub(crate) fn decompress(frame: &[u8]) -> Result<Vec<u8>, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("event record: {what}"));
    let id = zstd::zstd_safe::get_dict_id_from_frame(frame).map_or(0, |id| id.get());
    if id != DICTIONARY_ID {
        return Err(corrupt(format!(
            "compressed with dictionary {id}, which this build does not hold (it holds {DICTIONARY_ID})"
        )));
    }
    let size = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(size)) if size <= MAX_CANONICAL => size as usize,
        Ok(Some(size)) => return Err(corrupt(format!("a frame of {size} bytes"))),
        Ok(None) | Err(_) => return Err(corrupt("not a zstd frame with its size".into())),
    };
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let context = match cell.as_mut() {
            Some(context) => context,
            None => cell.insert(
                zstd::bulk::Decompressor::with_prepared_dictionary(decoder_dictionary())
                    .map_err(|e| StoreError::Io(format!("zstd: {e}")))?,
            ),
        };
        let canonical = context
            .decompress(frame, size)
            .map_err(|e| corrupt(format!("zstd: {e}")))?;
        match canonical.len() == size {
            true => Ok(canonical),
            false => Err(corrupt("shorter than its frame says".into())),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_dictionary_is_the_one_frames_name() {
        let id = zstd::zstd_safe::get_dict_id_from_dict(DICTIONARY).map(|id| id.get());
        assert_eq!(id, Some(DICTIONARY_ID));
        let frame = Compressor::new().unwrap().compress(b"{}").unwrap();
        let named = zstd::zstd_safe::get_dict_id_from_frame(&frame).map(|id| id.get());
        assert_eq!(named, Some(DICTIONARY_ID));
    }

    #[test]
    fn canonical_bytes_come_back_exactly_and_smaller() {
        let canonical = "{\"position\":7,\"stream\":\"agreement:01900000-0001-7000-8000-000000000001\",\
            \"type\":\"ExchangeRecorded\",\"data\":{\"summary\":\"Hội nghị xúc tiến đầu tư — Đồng Nai\"}}"
            .as_bytes();
        let mut compressor = Compressor::new().unwrap();
        let frame = compressor.compress(canonical).unwrap();
        assert!(frame.len() < canonical.len(), "{} bytes", frame.len());
        assert_eq!(decompress(&frame).unwrap(), canonical);
        // The same context again gives the same frame.
        assert_eq!(compressor.compress(canonical).unwrap(), frame);
        assert_eq!(decompress(&compressor.compress(b"").unwrap()).unwrap(), b"");
    }

    #[test]
    fn a_frame_of_another_dictionary_or_none_is_refused_naming_it() {
        let plain = zstd::bulk::compress(b"{\"position\":1}", 1).unwrap();
        match decompress(&plain) {
            Err(StoreError::Corrupt(why)) => assert!(why.contains("dictionary 0"), "{why}"),
            other => panic!("{other:?}"),
        }
        let mut frame = Compressor::new().unwrap().compress(b"{\"x\":1}").unwrap();
        let last = frame.len() - 1;
        frame[last] ^= 0xff;
        frame.truncate(last);
        assert!(matches!(decompress(&frame), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            decompress(b"not zstd"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
