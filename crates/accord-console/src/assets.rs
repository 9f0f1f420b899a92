//! The console's static files, embedded in the binary with
//! `include_bytes!` so that `accord serve` needs nothing beside it and no
//! page asks another origin for anything. Each is served at
//! `/assets/{name}`; pages link it with `?v=` and the first characters of
//! its SHA-256, so a browser may keep it for a year and still never see a
//! stale one after an upgrade. The whole set stays under
//! [`BUDGET`] bytes (a test holds it there).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::error::PageError;
use crate::Console;

/// The most bytes every asset together may weigh.
pub const BUDGET: usize = 400 * 1024;

/// An embedded file.
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

/// Every asset. A new one is a line here and a file in `assets/`.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/console.css"),
    },
    Asset {
        name: "live.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/live.js"),
    },
    Asset {
        name: "reports.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/reports.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../assets/icon.svg"),
    },
];

static VERSIONS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| (a.name, hex::encode(&Sha256::digest(a.bytes)[..5])))
        .collect()
});

/// The URL of asset `name`, versioned by its content.
pub fn url(name: &str) -> String {
    match VERSIONS.get(name) {
        Some(version) => format!("/assets/{name}?v={version}"),
        None => format!("/assets/{name}"),
    }
}

/// The bytes of every asset together.
pub fn total_bytes() -> usize {
    ASSETS.iter().map(|a| a.bytes.len()).sum()
}

pub(crate) fn router() -> Router<Console> {
    Router::new().route("/assets/{name}", get(serve))
}

async fn serve(Path(name): Path<String>) -> Result<Response, PageError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or(PageError::NotFound)?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
    ];
    Ok((headers, asset.bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_together_stays_under_the_budget() {
        assert!(
            total_bytes() < BUDGET,
            "{} bytes of assets, budget {BUDGET}",
            total_bytes()
        );
    }

    #[test]
    fn asset_urls_carry_their_content_version() {
        let css = url("console.css");
        assert!(css.starts_with("/assets/console.css?v="), "{css}");
        assert_eq!(css.len(), "/assets/console.css?v=".len() + 10);
    }
}
