//! Attached files (ADR 0030): `POST /v1/attachments` stores the body under
//! its SHA-256, `GET /v1/attachments/{sha256}` answers it. Both stream: an
//! upload goes to the [`AttachmentStore`] piece by piece as it arrives (on a
//! blocking thread, the file system being blocking), a download leaves it
//! the same way; neither holds a whole file in memory.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

use accord_store::{
    is_sha256, Attachment, AttachmentReader, AttachmentStore, StoreError, Uploaded,
};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::AppState;

/// The media types an attachment may have: PDF, PNG, JPEG, plain text,
/// DOCX, XLSX, ODT.
pub const MEDIA_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
];

/// The default size limit of one attachment: 25 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// Pieces in flight between the request and the thread writing the file.
const PIPE: usize = 8;
/// How long the rest of a refused body is read and discarded.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
/// The size of the pieces a download is read in.
const PIECE: usize = 64 * 1024;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/attachments", post(upload))
        .route("/v1/attachments/{sha256}", get(download))
}

/// A stored attachment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentAnswer {
    /// The SHA-256 of the bytes, its name.
    #[schema(pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)]
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The media type it was first uploaded with.
    pub media_type: String,
}

impl From<Attachment> for AttachmentAnswer {
    fn from(attachment: Attachment) -> Self {
        AttachmentAnswer {
            sha256: attachment.sha256,
            size: attachment.size,
            media_type: attachment.media_type,
        }
    }
}

/// The store, or a 404 on a server started without one (tests of other routes).
fn store(state: &AppState) -> Result<Arc<dyn AttachmentStore>, ApiError> {
    state
        .attachments
        .clone()
        .ok_or_else(|| ApiError::NotFound("this server keeps no attachments".into()))
}

/// The accepted media type `Content-Type` names, without its parameters.
fn media_type(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = given.split(';').next().unwrap_or("").trim();
    MEDIA_TYPES
        .iter()
        .find(|allowed| allowed.eq_ignore_ascii_case(essence))
        .copied()
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType(format!(
                "an attachment is one of {}; `{given}` is not",
                MEDIA_TYPES.join(", ")
            ))
        })
}

/// Upload a file
///
/// The body is the file, `Content-Type` its media type (PDF, PNG, JPEG,
/// plain text, DOCX, XLSX, ODT). It is stored under the SHA-256 of its
/// bytes, durably before the answer; the same bytes again store nothing and
/// answer 200 with the first upload's media type. `AttachDocument` then
/// names it by its `sha256`.
#[utoipa::path(
    post, path = "/v1/attachments", operation_id = "upload_attachment", tag = "attachments",
    // The request body (one binary content per media type) is written by
    // `openapi::document`: utoipa cannot say "any bytes" per media type.
    responses(
        (status = 201, description = "Stored durably", body = AttachmentAnswer, links(
            ("attachment" = (operation_id = "get_attachment", parameters(("sha256" = "$response.body#/sha256")), description = "The stored file")),
        )),
        (status = 200, description = "The same bytes were stored already: nothing written", body = AttachmentAnswer),
        (status = 400, description = "The body could not be read to its end", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An auditor token reads and never uploads", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the server's limit (25 MiB unless `--attachment-max-mb` says otherwise)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not one of the accepted media types", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The request timed out; retry after `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<AttachmentAnswer>), ApiError> {
    let store = store(&state)?;
    let media_type = media_type(&headers)?;
    let limit = state.attachment_max_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let mut body = body.into_data_stream();
    if declared.is_some_and(|length| length > limit) {
        linger(&mut body, limit).await;
        return Err(too_large(limit));
    }
    let (pieces, received) = mpsc::channel::<Piece>(PIPE);
    let writer = tokio::task::spawn_blocking(move || write_pieces(store.as_ref(), received));
    let mut size = 0u64;
    let read = loop {
        match body.next().await {
            None => {
                let _ = pieces.send(Piece::End(media_type)).await;
                break Ok(());
            }
            Some(Ok(bytes)) => {
                size += bytes.len() as u64;
                if size > limit {
                    linger(&mut body, limit).await;
                    break Err(too_large(limit));
                }
                if pieces.send(Piece::Bytes(bytes)).await.is_err() {
                    // The writer stopped on an error, which answers below.
                    break Ok(());
                }
            }
            Some(Err(error)) => {
                let reason = format!("the body could not be read to its end: {error}");
                break Err(ApiError::field("body", reason));
            }
        }
    };
    // Closing the pipe without an end drops the upload: its part file goes.
    drop(pieces);
    let written = writer.await.map_err(ApiError::internal)?;
    read?;
    let uploaded = written.map_err(ApiError::internal)?.ok_or_else(|| {
        ApiError::internal("the attachment writer ended without the end of the body")
    })?;
    let status = match uploaded.created {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    tracing::info!(sha256 = %uploaded.attachment.sha256, size = uploaded.attachment.size, created = uploaded.created, "attachment");
    Ok((status, Json(uploaded.attachment.into())))
}

/// What the request sends the writer thread.
enum Piece {
    Bytes(Bytes),
    /// The body ended: store it with this media type.
    End(&'static str),
}

/// Writes the pieces received until the end (then stores the file) or until
/// the pipe closes without one (then removes it: `Ok(None)`).
fn write_pieces(
    store: &dyn AttachmentStore,
    mut received: mpsc::Receiver<Piece>,
) -> Result<Option<Uploaded>, StoreError> {
    let mut upload = store.begin_upload()?;
    while let Some(piece) = received.blocking_recv() {
        match piece {
            Piece::Bytes(bytes) => upload.write(&bytes)?,
            Piece::End(media_type) => return upload.finish(media_type).map(Some),
        }
    }
    Ok(None)
}

/// Reads and discards what follows of a refused body, for at most
/// [`LINGER`] and at most `limit` bytes, before answering: a client still
/// sending when the answer comes and the connection closes sees a broken
/// pipe instead of the answer (a lingering close, as web servers do).
async fn linger(body: &mut axum::body::BodyDataStream, limit: u64) {
    let discard = async {
        let mut discarded = 0u64;
        while let Some(Ok(bytes)) = body.next().await {
            discarded += bytes.len() as u64;
            if discarded > limit {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, discard).await;
}

fn too_large(limit: u64) -> ApiError {
    ApiError::TooLarge(usize::try_from(limit).unwrap_or(usize::MAX))
}

/// Download a file
///
/// The bytes stored under `sha256`, with their media type and
/// `ETag: "<sha256>"`; `If-None-Match` with that tag answers 304. The bytes
/// under a name never change, so the answer may be cached (privately).
#[utoipa::path(
    get, path = "/v1/attachments/{sha256}", operation_id = "get_attachment", tag = "attachments",
    params(("sha256" = String, Path, description = "The SHA-256 of the file, 64 lowercase hex digits", pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)),
    responses(
        (status = 200, description = "The bytes, with the media type they were uploaded with",
            headers(("ETag" = String, description = "`\"<sha256>\"`")),
            content(
                (String = "application/pdf"), (String = "image/png"), (String = "image/jpeg"), (String = "text/plain"),
                (String = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "application/vnd.oasis.opendocument.text"),
            )),
        (status = 304, description = "`If-None-Match` names this file: the copy kept is current"),
        (status = 400, description = "Not a SHA-256 (64 lowercase hex digits)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or unknown token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No file is stored under this SHA-256", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !is_sha256(&sha256) {
        return Err(ApiError::field(
            "sha256",
            "a SHA-256 is 64 lowercase hex digits",
        ));
    }
    let store = store(&state)?;
    let name = sha256.clone();
    let opened = tokio::task::spawn_blocking(move || store.open_attachment(&name))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let Some((attachment, reader)) = opened else {
        return Err(ApiError::NotFound(format!(
            "no attachment is stored under {sha256}"
        )));
    };
    let etag = HeaderValue::from_str(&format!("\"{sha256}\"")).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("private, max-age=31536000, immutable");
    if matches_etag(&headers, &sha256) {
        let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let media_type = HeaderValue::from_str(&attachment.media_type).map_err(ApiError::internal)?;
    let headers = [
        (header::CONTENT_TYPE, media_type),
        (header::CONTENT_LENGTH, HeaderValue::from(attachment.size)),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
    ];
    Ok((headers, Body::from_stream(read_pieces(reader))).into_response())
}

/// Whether `If-None-Match` names `sha256`'s tag (or is `*`).
fn matches_etag(headers: &HeaderMap, sha256: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|tag| tag == "*" || tag == sha256)
}

/// The bytes of `reader`, read on a blocking thread a piece at a time; a
/// piece waits until the client took the ones before (a small pipe).
fn read_pieces(mut reader: AttachmentReader) -> ReceiverStream<Result<Bytes, std::io::Error>> {
    let (pieces, received) = mpsc::channel(PIPE);
    tokio::task::spawn_blocking(move || loop {
        let mut buffer = vec![0; PIECE];
        let piece = match reader.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => {
                buffer.truncate(n);
                Ok(Bytes::from(buffer))
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
        let failed = piece.is_err();
        // A client that left closes the pipe: stop reading.
        if pieces.blocking_send(piece).is_err() || failed {
            return;
        }
    });
    ReceiverStream::new(received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_media_type_is_matched_without_parameters_or_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Text/Plain; charset=utf-8"),
        );
        assert_eq!(media_type(&headers).unwrap(), "text/plain");
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/zip"),
        );
        assert!(matches!(
            media_type(&headers),
            Err(ApiError::UnsupportedMediaType(_))
        ));
        headers.remove(header::CONTENT_TYPE);
        assert!(matches!(
            media_type(&headers),
            Err(ApiError::UnsupportedMediaType(_))
        ));
    }

    #[test]
    fn if_none_match_names_the_tag_among_others() {
        let sha = "a".repeat(64);
        let mut headers = HeaderMap::new();
        assert!(!matches_etag(&headers, &sha));
        let value = format!("\"{}\", W/\"{sha}\"", "b".repeat(64));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&value).unwrap(),
        );
        assert!(matches_etag(&headers, &sha));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!matches_etag(&headers, &sha));
    }
}
