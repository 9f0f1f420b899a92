//! `/admin/tokens`: every token (label, role, party, created, revoked), a
//! form to create one — its secret shown once, on the page the form leads
//! to — and a button to revoke each working one. Creating and revoking are
//! `accord_api::tokens::{create_token, revoke_token}`, the very functions
//! of `POST /v1/tokens` and `DELETE /v1/tokens/{id}`; a revoked token's
//! console sessions end at their next request (the session module checks
//! the token book on each).

use accord_api::tokens::{create_token, revoke_token, NewToken, TokenRole};
use accord_api::ApiError;
use accord_engine::Role;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{admin, done, instant, reveal, revealed, FieldErrors};
use crate::context::render;
use crate::csrf::CsrfForm;
use crate::pages::Names;
use crate::ui::SelectOption;
use crate::{Console, PageError, Ui, Viewer};

pub(crate) fn router() -> Router<Console> {
    Router::new()
        .route("/admin/tokens", get(list).post(create))
        .route("/admin/tokens/{id}/revoke", post(revoke))
}

/// A token as the list shows it.
struct TokenRow {
    id: String,
    label: Option<String>,
    role: Role,
    party_id: Option<String>,
    created_at: String,
    revoked_at: Option<String>,
    /// The token of the person looking.
    own: bool,
}

/// A token just created, with its secret (shown this once).
struct Created {
    row: TokenRow,
    /// `None` when the page is reloaded: the secret is gone.
    secret: Option<String>,
}

/// What the creation form holds (as typed, after a refusal).
#[derive(Debug, Default, Deserialize)]
struct TokenFields {
    #[serde(default)]
    role: String,
    #[serde(default)]
    party_id: String,
    #[serde(default)]
    label: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    ui: Ui,
    rows: Vec<TokenRow>,
    names: Names,
    roles: Vec<SelectOption>,
    parties: Vec<SelectOption>,
    form: TokenFields,
    errors: FieldErrors,
    created: Option<Created>,
    notice: Option<&'static str>,
    /// A refusal of the whole page's action (the last admin token).
    refusal: Option<&'static str>,
}

const ROLES: [&str; 3] = ["writer", "auditor", "admin"];

fn row(viewer: &Viewer, ui: &Ui, record: accord_api::auth::TokenRecord) -> TokenRow {
    TokenRow {
        own: record.id == viewer.token_id,
        created_at: instant(ui, &record.created_at),
        revoked_at: record.revoked_at.as_deref().map(|t| instant(ui, t)),
        id: record.id,
        label: record.label,
        role: record.role,
        party_id: record.party_id,
    }
}

/// The page, its form holding `form` with `errors`.
fn page(
    console: &Console,
    viewer: &Viewer,
    ui: Ui,
    form: TokenFields,
    errors: FieldErrors,
    created: Option<(String, Option<String>)>,
) -> Result<TokensPage, PageError> {
    let parties = console.app.engine.read().parties();
    let records = console.app.tokens.list();
    let created = created.and_then(|(id, secret)| {
        let record = records.iter().find(|r| r.id == id)?.clone();
        Some(Created {
            row: row(viewer, &ui, record),
            secret,
        })
    });
    // Newest first: the one just made, then the others.
    let rows = records
        .into_iter()
        .rev()
        .map(|r| row(viewer, &ui, r))
        .collect();
    let role = Some(form.role.as_str()).filter(|r| !r.is_empty());
    let roles = ROLES
        .iter()
        .map(|r| SelectOption::new(*r, ui.term("role", r), role.or(Some("writer"))))
        .collect();
    let party = Some(form.party_id.as_str());
    let mut options = vec![SelectOption::new("", ui.t("tokens-no-party"), party)];
    options.extend(
        parties
            .iter()
            .map(|p| SelectOption::new(p.party_id.to_string(), p.name.clone(), party)),
    );
    Ok(TokensPage {
        notice: done(&ui, &[("revoked", "tokens-revoked")]),
        names: Names::new(parties),
        roles,
        parties: options,
        rows,
        form,
        errors,
        created,
        refusal: None,
        ui,
    })
}

async fn list(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let created = ui.param("created").map(|id| {
        let secret = revealed(&console, &headers, &format!("token:{id}"));
        (id.to_owned(), secret)
    });
    let page = page(
        &console,
        &viewer,
        ui,
        TokenFields::default(),
        FieldErrors::default(),
        created,
    )?;
    Ok(render(&page))
}

/// The form's role, if it names a token role.
fn token_role(raw: &str) -> Option<TokenRole> {
    match raw {
        "admin" => Some(TokenRole::Admin),
        "writer" => Some(TokenRole::Writer),
        "auditor" => Some(TokenRole::Auditor),
        _ => None,
    }
}

#[tracing::instrument(skip_all)]
async fn create(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<TokenFields>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    let mut errors = FieldErrors::default();
    let Some(role) = token_role(&form.role) else {
        errors.add("role", "tokens-error-role");
        return refused(&console, &viewer, ui, form, errors).await;
    };
    // Kept as typed; a blank field is no value.
    let text = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    let new = NewToken {
        role,
        party_id: text(&form.party_id),
        label: text(&form.label),
    };
    match create_token(&console.app, new) {
        Ok((record, secret)) => {
            tracing::info!(target: "accord::access", by = %viewer.token_id, token_id = %record.id, role = %record.role, party_id = record.party_id.as_deref(), "token created in the console");
            reveal(&console, &headers, format!("token:{}", record.id), secret);
            let to = format!("/admin/tokens?created={}", record.id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(ApiError::Invalid { errors: found, .. }) => {
            for e in found {
                match e.field.as_str() {
                    "party_id" => errors.add("party_id", "tokens-error-party"),
                    "label" => errors.add("label", "tokens-error-label"),
                    _ => errors.add("role", "tokens-error-role"),
                }
            }
            refused(&console, &viewer, ui, form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The page again with the form as typed and its errors: 400.
async fn refused(
    console: &Console,
    viewer: &Viewer,
    ui: Ui,
    form: TokenFields,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let page = page(console, viewer, ui, form, errors, None)?;
    Ok((StatusCode::BAD_REQUEST, render(&page)).into_response())
}

#[tracing::instrument(skip_all, fields(token_id = %id))]
async fn revoke(
    State(console): State<Console>,
    viewer: Viewer,
    ui: Ui,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let viewer = admin(viewer)?;
    match revoke_token(&console.app, &id) {
        Ok(record) => {
            tracing::info!(target: "accord::access", by = %viewer.token_id, token_id = %id, role = %record.role, party_id = record.party_id.as_deref(), "token revoked in the console");
            Ok(Redirect::to("/admin/tokens?done=revoked").into_response())
        }
        Err(ApiError::Conflict(_)) => {
            let mut page = page(
                &console,
                &viewer,
                ui,
                TokenFields::default(),
                FieldErrors::default(),
                None,
            )?;
            page.refusal = Some("tokens-error-last-admin");
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
