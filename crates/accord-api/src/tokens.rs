//! Tokens (admin only, by the route policy in `auth`): `POST /v1/tokens`
//! creates one and shows its secret once, `GET /v1/tokens` lists them
//! without secrets, `DELETE /v1/tokens/{id}` revokes one at once.
//! [`create_token`] and [`revoke_token`] are what those routes do, rules
//! included; the console's token page calls them too.

use accord_domain::PartyId;
use accord_engine::Role;
use accord_store::Actor;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{RevokeError, TokenRecord};
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, PathParam};
use crate::{AppState, Items};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens", get(list).post(create))
        .route("/v1/tokens/{id}", delete(revoke))
}

/// A token's role.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenRole {
    /// Everything.
    Admin,
    /// Commands for its own party (`party_id`, required); reads.
    Writer,
    /// Reads only.
    Auditor,
}

impl TokenRole {
    /// The token role of `role` (the service's own role is never a token's:
    /// it reads as auditor, the least).
    pub fn from_role(role: Role) -> TokenRole {
        match role {
            Role::Admin => TokenRole::Admin,
            Role::Writer => TokenRole::Writer,
            Role::Auditor | Role::System => TokenRole::Auditor,
        }
    }
}

impl From<TokenRole> for Role {
    fn from(role: TokenRole) -> Role {
        match role {
            TokenRole::Admin => Role::Admin,
            TokenRole::Writer => Role::Writer,
            TokenRole::Auditor => Role::Auditor,
        }
    }
}

/// What a new token is for (documented as `crate::openapi::NewTokenSchema`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub role: TokenRole,
    /// The registered party a `writer` acts for (writers only, required for them).
    #[serde(default)]
    pub party_id: Option<String>,
    /// A note for people: who holds it, what for.
    #[serde(default)]
    pub label: Option<String>,
}

/// A new token, with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[schema(format = Uuid)]
    pub id: String,
    /// The bearer secret, `acc_` and 64 hex digits. Only its hash is kept.
    pub token: String,
    pub role: TokenRole,
    pub party_id: Option<String>,
    pub label: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A known token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    #[schema(format = Uuid)]
    pub id: String,
    /// `admin`, `writer` or `auditor`.
    pub role: String,
    pub party_id: Option<String>,
    pub label: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it was revoked; null while it works.
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<TokenRecord> for TokenView {
    fn from(r: TokenRecord) -> Self {
        Self {
            id: r.id,
            role: r.role.to_string(),
            party_id: r.party_id,
            label: r.label,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// Create a token
///
/// Admin only. The secret is in this answer and nowhere else, ever.
#[utoipa::path(
    post, path = "/v1/tokens", operation_id = "create_token", tag = "tokens",
    request_body = crate::openapi::NewTokenSchema,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = CreatedToken, links(
            ("revoke" = (operation_id = "revoke_token", parameters(("id" = "$response.body#/id")), description = "Revoke the new token")),
        )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let new: NewToken = serde_path_to_error::deserialize(body).map_err(|e| {
        let field = e.path().to_string();
        ApiError::field(
            if field == "." { "body".into() } else { field },
            e.inner().to_string(),
        )
    })?;
    let (record, token) = create_token(&state, new)?;
    tracing::info!(target: "accord::access", by = %actor.token_id, token_id = %record.id, role = %record.role, party_id = record.party_id.as_deref(), "token created");
    let created = CreatedToken {
        id: record.id,
        token,
        role: TokenRole::from_role(record.role),
        party_id: record.party_id,
        label: record.label,
        created_at: record.created_at,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Creates the token `new` describes, after the rules every way of
/// creating one follows (a writer names a registered party, other roles
/// none; a label of at most 200 characters); returns its record and its
/// secret, never available again.
pub fn create_token(state: &AppState, new: NewToken) -> Result<(TokenRecord, String), ApiError> {
    let party_id = check_party(state, new.role, new.party_id)?;
    if new.label.as_ref().is_some_and(|l| l.chars().count() > 200) {
        return Err(ApiError::field("label", "at most 200 characters"));
    }
    state
        .tokens
        .create(new.role.into(), party_id, new.label.as_deref())
        .map_err(ApiError::from)
}

/// Revokes the token `id` at once (see [`crate::TokenBook::revoke`]): 404
/// for an unknown id, 409 for the last active admin token.
pub fn revoke_token(state: &AppState, id: &str) -> Result<TokenRecord, ApiError> {
    match state.tokens.revoke(id) {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err(ApiError::NotFound(format!("token {id} is not known"))),
        Err(RevokeError::LastAdmin) => Err(ApiError::Conflict(RevokeError::LastAdmin.to_string())),
        Err(RevokeError::Store(e)) => Err(e.into()),
    }
}

/// A writer needs a registered party; other roles take none.
fn check_party(
    state: &AppState,
    role: TokenRole,
    party_id: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (role, party_id) {
        (TokenRole::Writer, None) => Err(ApiError::field(
            "party_id",
            "a writer token must name the party it acts for",
        )),
        (TokenRole::Writer, Some(raw)) => {
            let id =
                PartyId::parse(&raw).map_err(|e| ApiError::field("party_id", e.to_string()))?;
            let known = state
                .engine
                .read()
                .parties()
                .iter()
                .any(|p| p.party_id == id);
            if known {
                Ok(Some(raw))
            } else {
                Err(ApiError::field(
                    "party_id",
                    format!("`{raw}` is not a registered party"),
                ))
            }
        }
        (_, Some(_)) => Err(ApiError::field(
            "party_id",
            "only writer tokens are bound to a party",
        )),
        (_, None) => Ok(None),
    }
}

/// List tokens
///
/// Admin only. Every token ever created, revoked ones too, without secrets.
#[utoipa::path(
    get, path = "/v1/tokens", operation_id = "list_tokens", tag = "tokens",
    responses(
        (status = 200, body = Items<TokenView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(State(state): State<AppState>) -> Json<Items<TokenView>> {
    let items = state
        .tokens
        .list()
        .into_iter()
        .map(TokenView::from)
        .collect();
    Json(Items { items })
}

/// Revoke a token
///
/// Admin only. From this answer on the token authenticates nothing, also
/// after a restart. The last active admin token cannot be revoked (409).
#[utoipa::path(
    delete, path = "/v1/tokens/{id}", operation_id = "revoke_token", tag = "tokens",
    params(("id" = String, Path, format = Uuid, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
    PathParam(id): PathParam,
) -> Result<StatusCode, ApiError> {
    uuid::Uuid::parse_str(&id)
        .map_err(|_| ApiError::field("id", format!("`{id}` is not a UUID")))?;
    let record = revoke_token(&state, &id)?;
    tracing::info!(target: "accord::access", by = %actor.token_id, token_id = %id,
        role = %record.role, party_id = record.party_id.as_deref(), "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
