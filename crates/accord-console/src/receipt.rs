//! Receipts on printed and downloaded views (ADR 0027).
//!
//! A view that carries a receipt is read through [`Pin`]: the read models'
//! position is the last event the view reflects, and the receipt names it,
//! its chain hash, the view's business date and, as `as_of`, the instant
//! that event was recorded — so the receipt's link re-opens exactly the
//! view it came from, however many events are recorded after it. The
//! service signs the receipt with its checkpoint key ([`accord_audit`]);
//! [`ReceiptBox`] is what `templates/partials/receipt.html` shows: the text
//! and a QR code of the same text, drawn as SVG on the server.

use accord_audit::Receipt;
use accord_domain::BusinessDate;
use accord_engine::Engine;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use time::OffsetDateTime;

use crate::chart::escape;
use crate::error::PageError;
use crate::ui::Ui;
use crate::Console;

/// The response header a download carries its receipt in, on one line.
pub const HEADER: &str = "accord-receipt";

/// The event a view reflects last: what its receipt names.
#[derive(Debug, Clone)]
pub struct Pin {
    /// Its position in the log.
    pub position: u64,
    /// Its chain hash, lowercase hex.
    pub hash: String,
    /// When it was recorded: the `as_of` that re-opens the view.
    pub recorded_at: OffsetDateTime,
}

impl Pin {
    /// The event at `position` (the position of the read models a view was
    /// read from); `None` for an empty log, which has nothing to sign.
    pub async fn at(engine: &Engine, position: u64) -> Result<Option<Pin>, PageError> {
        if position == 0 {
            return Ok(None);
        }
        let log = engine.log().clone();
        let event = tokio::task::spawn_blocking(move || log.event(position))
            .await
            .map_err(PageError::internal)?
            .map_err(PageError::internal)?;
        Ok(event.map(|e| Pin {
            position,
            hash: hex::encode(e.hash),
            recorded_at: e.envelope.recorded_at,
        }))
    }

    /// The `as_of` that shows the view again, RFC 3339.
    pub fn as_of(&self) -> String {
        self.recorded_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

/// A receipt as a page shows it.
#[derive(Debug, Clone)]
pub struct ReceiptBox {
    /// The receipt, one field a line: what to keep, paste, or type back.
    pub text: String,
    /// The same on one line (the download header's value).
    pub line: String,
    /// A QR code of `text`, an `<svg>` element.
    pub qr: String,
    /// The view the receipt re-opens (its `at` and `as_of` set).
    pub reopen: String,
    /// The position and hash, for the sentence above the text.
    pub position: u64,
    /// The hash of the event at `position`.
    pub hash: String,
}

/// The receipt of `view` (a console path and query without `at`, `as_of`
/// or the language) at business date `at`, pinned to `pin`; `None` on a
/// server without a signing key.
pub fn sign(
    console: &Console,
    ui: &Ui,
    view: &str,
    at: BusinessDate,
    pin: &Pin,
) -> Option<ReceiptBox> {
    let signer = console.app.signer.as_ref()?;
    let receipt = signer.receipt(view, at.0, pin.recorded_at, pin.position, &pin.hash);
    Some(boxed(ui, &receipt))
}

/// A signed receipt, ready for the page.
pub fn boxed(ui: &Ui, receipt: &Receipt) -> ReceiptBox {
    let text = receipt.to_text();
    ReceiptBox {
        qr: qr_svg(&text, ui.t("receipt-qr-label")),
        line: receipt.to_line(),
        reopen: receipt.reopen(),
        position: receipt.position,
        hash: receipt.head_hash.clone(),
        text,
    }
}

/// A QR code of `text` as an inline `<svg>` named `label`: the `qrcode`
/// crate's SVG without its XML prolog, dark on white, with its quiet zone.
/// Empty if the text is too long for a QR code (a receipt never is).
pub fn qr_svg(text: &str, label: &str) -> String {
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let drawn = code
        .render::<svg::Color<'_>>()
        .module_dimensions(4, 4)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = drawn.find("<svg").unwrap_or(0);
    let attributes = format!(
        "<svg class=\"qr\" role=\"img\" aria-label=\"{}\"",
        escape(label)
    );
    drawn[start..].replacen("<svg", &attributes, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_inline_svg_with_a_name() {
        let svg = qr_svg("accord-receipt/1\nview=/x", "QR \"code\"");
        assert!(
            svg.starts_with("<svg class=\"qr\" role=\"img\" aria-label=\"QR &quot;code&quot;\""),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<path fill=\"#000000\""));
    }
}
