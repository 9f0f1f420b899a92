//! `/audit`, for auditors and administrators: the log's head, the hash
//! chain verified on demand (`?verify=chain`), the signed checkpoint, the
//! public key and the export as downloads, and the receipt check — paste a
//! receipt (or the text its QR code holds) and learn whether the service
//! signed it and the log still passes through it, with a link that
//! re-opens the exact view it came from (ADR 0027).

use accord_audit::{verify_receipt, Receipt, ReceiptFault};
use accord_store::{RawEvent, StoreError, Verification};
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::context::render;
use crate::csrf::CsrfForm;
use crate::receipt::{self, ReceiptBox};
use crate::{Console, PageError, Ui, Viewer};

/// The export is sent in pieces of about this many bytes.
const EXPORT_CHUNK: usize = 256 * 1024;

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/audit", get(show).post(check))
        .route("/audit/checkpoint.json", get(checkpoint))
        .route("/audit/public-key.json", get(public_key))
        .route("/audit/export.ndjson", get(export))
}

/// The log's last event.
struct HeadInfo {
    position: u64,
    hash: String,
    recorded_at: Option<OffsetDateTime>,
}

/// The outcome of a pasted receipt that could be read.
struct Checked {
    /// Why it does not hold, in the page's language; `None`: verified.
    refusal: Option<String>,
    /// The receipt as read, shown back with its link.
    shown: ReceiptBox,
    receipt: Receipt,
    /// Its business date.
    at: accord_domain::BusinessDate,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ui: Ui,
    head: HeadInfo,
    /// The chain verification, when asked for.
    verification: Option<Verification>,
    /// The files the verified events name, re-hashed with the chain.
    files: Option<accord_store::NamedFilesVerification>,
    /// Whether the server signs (checkpoints, public key, receipts).
    signs: bool,
    /// What was pasted, kept in the field.
    pasted: String,
    /// Why what was pasted is not a receipt at all (at the field).
    field_error: Option<String>,
    checked: Option<Checked>,
}

impl AuditPage {
    fn new(console: &Console, ui: Ui) -> Self {
        let head = console.app.engine.log().head();
        Self {
            head: HeadInfo {
                position: head.position,
                hash: hex::encode(head.hash),
                recorded_at: head.recorded_at,
            },
            verification: None,
            files: None,
            signs: console.app.signer.is_some(),
            pasted: String::new(),
            field_error: None,
            checked: None,
            ui,
        }
    }
}

#[tracing::instrument(skip_all)]
async fn show(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
) -> Result<Response, PageError> {
    viewer.require(Viewer::may_audit)?;
    let verify = match ui.param("verify") {
        None => false,
        Some("chain") => true,
        Some(_) => return Err(PageError::Invalid("verify".into())),
    };
    let mut page = AuditPage::new(&console, ui);
    if verify {
        let log = console.app.engine.log().clone();
        let stored = console.app.attachments.clone();
        let (verification, files) = tokio::task::spawn_blocking(move || {
            let chain = log.verify(None)?;
            let files = match stored {
                Some(stored) => Some(accord_store::verify_named_files(
                    &log,
                    stored.as_ref(),
                    chain.events,
                )?),
                None => None,
            };
            Ok::<_, accord_store::StoreError>((chain, files))
        })
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
        page.verification = Some(verification);
        page.files = files;
    }
    Ok(render(&page))
}

/// The receipt form.
#[derive(Deserialize)]
struct ReceiptForm {
    #[serde(default)]
    receipt: String,
}

/// `POST /audit`: checks a pasted receipt against the log, with the
/// service's key.
#[tracing::instrument(skip_all)]
async fn check(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    CsrfForm(form): CsrfForm<ReceiptForm>,
) -> Result<Response, PageError> {
    viewer.require(Viewer::may_audit)?;
    let mut page = AuditPage::new(&console, ui);
    page.pasted = form.receipt.trim().to_owned();
    let receipt = match Receipt::parse(&form.receipt) {
        Ok(receipt) => receipt,
        Err(error) => {
            let what = match &error {
                accord_audit::AuditError::Malformed { what, .. } => *what,
                _ => "receipt",
            };
            page.field_error = Some(page.ui.t_with("audit-receipt-malformed", "field", what));
            return Ok(bad_request(render(&page)));
        }
    };
    let Some(signer) = console.app.signer.clone() else {
        return Err(PageError::NotFound);
    };
    let log = console.app.engine.log().clone();
    let checked = receipt.clone();
    let fault = tokio::task::spawn_blocking(move || {
        verify_receipt(&log, &checked, &signer.verifying_key())
    })
    .await
    .map_err(PageError::internal)?
    .map_err(PageError::internal)?;
    let refusal = fault.map(|fault| reason(&page.ui, &receipt, &fault));
    page.checked = Some(Checked {
        shown: receipt::boxed(&page.ui, &receipt),
        refusal,
        at: accord_domain::BusinessDate(receipt.at),
        receipt,
    });
    Ok(render(&page))
}

fn bad_request(mut response: Response) -> Response {
    *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    response
}

/// Why a receipt does not hold, in the page's language.
fn reason(ui: &Ui, receipt: &Receipt, fault: &ReceiptFault) -> String {
    let position = receipt.position;
    match fault {
        ReceiptFault::Signature => ui.t("audit-receipt-bad-signature").to_owned(),
        ReceiptFault::UnknownPosition { head } => ui.t_with2(
            "audit-receipt-unknown-position",
            "position",
            position,
            "head",
            head,
        ),
        ReceiptFault::ChainBroken { first_bad } => ui.t_with2(
            "audit-receipt-chain-broken",
            "position",
            position,
            "bad",
            first_bad,
        ),
        ReceiptFault::OtherHash { found } => ui.t_with2(
            "audit-receipt-other-hash",
            "position",
            position,
            "found",
            found,
        ),
        ReceiptFault::NotPinned { found } => ui.t_with2(
            "audit-receipt-not-pinned",
            "position",
            position,
            "found",
            found,
        ),
    }
}

/// A JSON download named `name`.
fn attachment(mut response: Response, name: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /audit/checkpoint.json`: a signed checkpoint of the head, as
/// `GET /v1/audit/checkpoint` answers it.
async fn checkpoint(State(console): State<Console>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Viewer::may_audit)?;
    let signer = console.app.signer.as_ref().ok_or(PageError::NotFound)?;
    let head = console.app.engine.log().head();
    let checkpoint = signer.checkpoint(&head).ok_or(PageError::NotFound)?;
    let name = format!("accord-checkpoint-{}.json", checkpoint.position);
    Ok(attachment(Json(checkpoint).into_response(), &name))
}

/// `GET /audit/public-key.json`: the service's public key, as
/// `GET /v1/audit/public-key` answers it.
async fn public_key(State(console): State<Console>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Viewer::may_audit)?;
    let signer = console.app.signer.as_ref().ok_or(PageError::NotFound)?;
    Ok(attachment(
        Json(signer.public_key()).into_response(),
        "accord-public-key.json",
    ))
}

/// `GET /audit/export.ndjson`: the log up to the head as `accord export`
/// writes it (ADR 0013), streamed as it is read.
async fn export(State(console): State<Console>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Viewer::may_audit)?;
    let log = console.app.engine.log().clone();
    let head = log.head().position;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(EXPORT_CHUNK);
        let send = |chunk: &mut Vec<u8>| {
            let full = std::mem::replace(chunk, Vec::with_capacity(EXPORT_CHUNK));
            tx.blocking_send(Ok(Bytes::from(full)))
                .map_err(|_| StoreError::Io("the download was cancelled".into()))
        };
        let read = log.replay_raw(0, head, &mut |event: RawEvent| {
            chunk.extend_from_slice(&event.to_line());
            chunk.push(b'\n');
            if chunk.len() >= EXPORT_CHUNK {
                send(&mut chunk)?;
            }
            Ok(())
        });
        let ended = read.and_then(|()| send(&mut chunk));
        if let Err(error) = ended {
            tracing::warn!(cause = %error, "console export ended early");
            let _ = tx.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let response = ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response();
    Ok(attachment(
        response,
        &format!("accord-export-{head}.ndjson"),
    ))
}
