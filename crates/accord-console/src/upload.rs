//! Forms with a file, sent as `multipart/form-data` (ADR 0033): the form
//! token first, checked before anything else is read (else 403); then the
//! fields, each at most 64 KiB; the file streamed piece by piece into the
//! same [`accord_store::AttachmentStore`] as `POST /v1/attachments`,
//! refused by its media type (the same allow-list) or its size (the same
//! limit) before anything is recorded. What was stored is named by its
//! SHA-256; the command that attaches it goes through the engine as every
//! form's does.

use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::http::StatusCode;

use crate::csrf::tokens_match;
use crate::forms::Values;
use crate::{Console, PageError, Viewer};

/// The largest text field of a form with a file.
const FIELD_LIMIT: usize = 64 * 1024;

/// A file stored from a form.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub sha256: String,
    /// Its name on the sender's computer (possibly empty).
    pub filename: String,
}

/// What became of the form's file.
pub(crate) enum File {
    /// No file was chosen.
    None,
    /// Stored under its hash.
    Stored(Stored),
    /// Refused: the catalogue key of why, and the status to answer.
    Refused(&'static str, StatusCode),
}

/// The form's fields, and its file (field `file_field`) stored.
pub(crate) async fn read(
    mut multipart: Multipart,
    viewer: &Viewer,
    console: &Console,
    file_field: impl Fn(&str) -> bool,
) -> Result<(Values, File), PageError> {
    let invalid = |_: MultipartError| PageError::Invalid("form".into());
    let mut values = Vec::new();
    let mut file = File::None;
    let mut trusted = false;
    while let Some(mut field) = multipart.next_field().await.map_err(invalid)? {
        let name = field.name().unwrap_or_default().to_owned();
        if !trusted {
            let given = match name == crate::csrf::FIELD {
                true => text(field).await?,
                false => String::new(),
            };
            trusted = tokens_match(&given, &viewer.csrf);
            if !trusted {
                tracing::warn!(target: "accord::access", "form with a file without a valid csrf token refused");
                return Err(PageError::CrossSite);
            }
            continue;
        }
        if field.file_name().is_some() && file_field(&name) {
            file = store(&mut field, console).await?;
            values.push((name, String::new()));
            continue;
        }
        let value = text(field).await?;
        values.push((name, value));
    }
    if !trusted {
        return Err(PageError::CrossSite);
    }
    Ok((Values(values), file))
}

/// A text field, at most [`FIELD_LIMIT`] bytes.
async fn text(mut field: Field<'_>) -> Result<String, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|_| PageError::Invalid("form".into()))?
    {
        if bytes.len() + chunk.len() > FIELD_LIMIT {
            return Err(PageError::Invalid("form".into()));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| PageError::Invalid("form".into()))
}

/// Streams the file into the attachment store; a file of a type not
/// accepted, or larger than the limit, is read to its end and dropped.
async fn store(field: &mut Field<'_>, console: &Console) -> Result<File, PageError> {
    let filename = field.file_name().unwrap_or_default().to_owned();
    let media_type = field
        .content_type()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(files) = console.app.attachments.clone() else {
        return Err(PageError::NotFound);
    };
    let accepted = accord_api::attachments::MEDIA_TYPES.contains(&media_type.as_str());
    let limit = console.app.attachment_max_bytes;
    let mut upload = match accepted {
        true => Some(files.begin_upload().map_err(internal)?),
        false => None,
    };
    let mut size = 0u64;
    let mut refused = None;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|_| PageError::Invalid("form".into()))?
    {
        size += chunk.len() as u64;
        if size > limit {
            refused = Some(("form-file-too-large", StatusCode::PAYLOAD_TOO_LARGE));
            upload = None;
        }
        if let Some(upload) = upload.as_mut() {
            upload.write(&chunk).map_err(internal)?;
        }
    }
    if filename.is_empty() && size == 0 {
        return Ok(File::None);
    }
    if !accepted {
        return Ok(File::Refused(
            "form-file-type",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ));
    }
    if let Some((key, status)) = refused {
        return Ok(File::Refused(key, status));
    }
    let upload = upload.expect("an accepted file within the limit is being stored");
    let stored = tokio::task::spawn_blocking(move || upload.finish(&media_type))
        .await
        .map_err(|error| {
            tracing::error!(%error, "storing a form's file");
            PageError::Internal
        })?
        .map_err(internal)?;
    Ok(File::Stored(Stored {
        sha256: stored.attachment.sha256,
        filename,
    }))
}

fn internal(error: accord_store::StoreError) -> PageError {
    tracing::error!(%error, "storing a form's file");
    PageError::Internal
}
