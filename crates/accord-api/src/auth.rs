//! Bearer tokens: the book of known tokens (stored only as SHA-256 hashes in
//! the store's metadata), the bootstrap of the first admin token, and the
//! middleware that turns `Authorization: Bearer …` into the [`Actor`] written
//! into every event, then applies the route policy of the token's role
//! ([`route_policy`]; the command policy is the engine's, ADR 0016).

use std::sync::{Arc, RwLock};

use accord_engine::Role;
use accord_store::{Actor, MetaStore, StoreError};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;

const TOKENS_KEY: &str = "tokens";

/// A known token, without its secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub role: Role,
    pub party_id: Option<String>,
    pub label: Option<String>,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub created_at: String,
    /// When the token was revoked; a revoked token authenticates nothing.
    /// Kept so that the events it signed still name a known token.
    #[serde(default)]
    pub revoked_at: Option<String>,
}

impl std::fmt::Debug for TokenRecord {
    // The hash is not the secret, but there is no reason to print it either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("party_id", &self.party_id)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

impl TokenRecord {
    /// The actor this token writes into events.
    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.id.clone(),
            role: self.role,
            party_id: self.party_id.clone(),
        }
    }
}

/// What bootstrapping the admin token did.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    /// Tokens existed already (the environment's token, if any, is among them).
    Existing,
    /// The token from `ACCORD_ADMIN_TOKEN` was registered.
    FromEnvironment,
    /// A token was generated: print it once, it is never shown again.
    Generated(String),
    /// `ACCORD_ADMIN_TOKEN` names a token that was revoked: it stays revoked.
    EnvironmentRevoked,
}

/// Every known token, loaded from and saved to the store's metadata.
pub struct TokenBook {
    store: Arc<dyn MetaStore>,
    tokens: RwLock<Vec<TokenRecord>>,
}

/// SHA-256 of a secret, hex.
fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two equal-length strings without stopping at the first difference.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Why a token could not be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("the last active admin token cannot be revoked: create another admin token first")]
    LastAdmin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new secret: `acc_` and 32 random bytes in hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("acc_{}", hex::encode(bytes))
}

impl TokenBook {
    /// Loads the book from the store.
    pub fn load(store: Arc<dyn MetaStore>) -> Result<Self, StoreError> {
        let tokens = stored(store.as_ref())?;
        Ok(Self {
            store,
            tokens: RwLock::new(tokens),
        })
    }

    /// Reads the book again from the store: where several nodes share it
    /// (PostgreSQL, ADR 0044) the server does so every second, so a token
    /// created or revoked through another node counts here too.
    pub fn reload(&self) -> Result<(), StoreError> {
        let fresh = stored(self.store.as_ref())?;
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// Makes sure an admin token exists: the environment's (`ACCORD_ADMIN_TOKEN`)
    /// is registered if it is not known yet; with none and an empty book, one
    /// is generated.
    pub fn bootstrap(&self, from_env: Option<&str>) -> Result<Bootstrap, StoreError> {
        if let Some(secret) = from_env.filter(|s| !s.is_empty()) {
            match self.lookup(secret) {
                Some(record) if record.revoked_at.is_some() => {
                    return Ok(Bootstrap::EnvironmentRevoked)
                }
                Some(_) => return Ok(Bootstrap::Existing),
                None => {}
            }
            self.add(Role::Admin, None, Some("ACCORD_ADMIN_TOKEN"), secret)?;
            return Ok(Bootstrap::FromEnvironment);
        }
        if !self.read().is_empty() {
            return Ok(Bootstrap::Existing);
        }
        let secret = new_secret();
        self.add(Role::Admin, None, Some("generated at first start"), &secret)?;
        Ok(Bootstrap::Generated(secret))
    }

    /// Creates a token with a new secret, durably; returns the record and the
    /// secret, which is never available again.
    pub fn create(
        &self,
        role: Role,
        party_id: Option<String>,
        label: Option<&str>,
    ) -> Result<(TokenRecord, String), StoreError> {
        let secret = new_secret();
        let record = self.add(role, party_id, label, &secret)?;
        Ok((record, secret))
    }

    /// Every token ever created (revoked ones too), oldest first.
    pub fn list(&self) -> Vec<TokenRecord> {
        self.read().clone()
    }

    /// Revokes a token durably: from the moment this returns it authenticates
    /// nothing, and a restart keeps it revoked. `Ok(None)` if the id is unknown;
    /// revoking a revoked token changes nothing.
    pub fn revoke(&self, id: &str) -> Result<Option<TokenRecord>, RevokeError> {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        // What another node changed counts: the change is made on the stored book.
        *tokens = stored(self.store.as_ref())?;
        let Some(index) = tokens.iter().position(|t| t.id == id) else {
            return Ok(None);
        };
        if tokens[index].revoked_at.is_some() {
            return Ok(Some(tokens[index].clone()));
        }
        let active_admins = tokens
            .iter()
            .filter(|t| t.role == Role::Admin && t.revoked_at.is_none())
            .count();
        if tokens[index].role == Role::Admin && active_admins == 1 {
            return Err(RevokeError::LastAdmin);
        }
        let mut updated = tokens.clone();
        updated[index].revoked_at = Some(now_rfc3339());
        self.save(&updated)?;
        *tokens = updated;
        Ok(Some(tokens[index].clone()))
    }

    /// Registers a token durably and returns its record.
    pub fn add(
        &self,
        role: Role,
        party_id: Option<String>,
        label: Option<&str>,
        secret: &str,
    ) -> Result<TokenRecord, StoreError> {
        let record = TokenRecord {
            id: Uuid::now_v7().to_string(),
            role,
            party_id,
            label: label.map(str::to_owned),
            hash: hash_secret(secret),
            created_at: now_rfc3339(),
            revoked_at: None,
        };
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        // What another node changed counts: the change is made on the stored book.
        let mut updated = stored(self.store.as_ref())?;
        updated.push(record.clone());
        // Durable first, visible after: a failed write leaves the book as it was.
        self.save(&updated)?;
        *tokens = updated;
        Ok(record)
    }

    fn save(&self, tokens: &[TokenRecord]) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(tokens).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.store.put_meta(TOKENS_KEY, &bytes)
    }

    /// The record of the token with this id, revoked or not (a console
    /// session holds the id and checks on every request that it still works).
    pub fn get(&self, id: &str) -> Option<TokenRecord> {
        self.read().iter().find(|t| t.id == id).cloned()
    }

    /// The record of a presented secret if it is known and not revoked.
    pub fn find(&self, secret: &str) -> Option<TokenRecord> {
        self.lookup(secret).filter(|r| r.revoked_at.is_none())
    }

    /// The record of a presented secret, revoked or not. Every record is
    /// compared, in constant time, so timing says nothing about the secrets.
    fn lookup(&self, secret: &str) -> Option<TokenRecord> {
        let hash = hash_secret(secret);
        let mut found = None;
        for record in self.read().iter() {
            if constant_time_eq(&record.hash, &hash) {
                found = Some(record.clone());
            }
        }
        found
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<TokenRecord>> {
        self.tokens.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The token book as stored.
fn stored(store: &dyn MetaStore) -> Result<Vec<TokenRecord>, StoreError> {
    match store.get_meta(TOKENS_KEY)? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt(format!("tokens: {e}")))
        }
        None => Ok(Vec::new()),
    }
}

/// The credentials of a `Bearer` authorization value; the scheme is
/// case-insensitive (RFC 9110 §11.1).
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

/// Route prefixes only an admin may use, whatever the method. Routes added
/// under them later (e.g. `/v1/webhooks`) are protected without more code.
pub const ADMIN_ONLY: &[&str] = &["/v1/tokens", "/v1/webhooks"];

/// `POST` routes that only read (an auditor may use them).
pub const READ_ONLY_POSTS: &[&str] = &["/v1/audit/verify-checkpoint"];

/// Whether a role may call `method path` at all; the reason when it may not.
/// Commands are further checked per agreement by the engine (ADR 0016).
pub fn route_policy(role: Role, method: &Method, path: &str) -> Result<(), String> {
    let under = |prefix: &&str| {
        path == *prefix
            || path
                .strip_prefix(*prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    match role {
        // The service's own role is never a token's.
        Role::System => Err("the token's role is not known".into()),
        Role::Admin => Ok(()),
        _ if ADMIN_ONLY.iter().any(under) => Err(format!("only an admin token may use {path}")),
        Role::Auditor => {
            let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
            if reads || READ_ONLY_POSTS.contains(&path) {
                Ok(())
            } else {
                Err("an auditor token reads and never writes".into())
            }
        }
        Role::Writer => Ok(()),
    }
}

/// A short fingerprint of a presented but unknown secret, so that repeated
/// attempts can be matched in the logs without logging the secret.
fn fingerprint(secret: &str) -> String {
    hash_secret(secret)[..12].to_owned()
}

/// Middleware for `/v1`: a known, unrevoked bearer token or 401; then the
/// route policy of its role or 403. Puts the token's [`Actor`] into the
/// request's extensions. Every refusal is logged (token id, never the
/// secret) and counted in [`crate::AccessCounters`].
pub async fn require_token(
    State(state): State<crate::AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let path = request.uri().path().to_owned();
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_credentials);
    let Some(secret) = presented else {
        state.access.auth_failure();
        tracing::warn!(target: "accord::access", %path, reason = "no bearer token", "authentication failed");
        return Err(ApiError::Unauthorized(
            "an `Authorization: Bearer <token>` header is required".into(),
        ));
    };
    let record = match state.tokens.lookup(secret) {
        Some(record) if record.revoked_at.is_none() => record,
        Some(record) => {
            state.access.auth_failure();
            tracing::warn!(target: "accord::access", %path, token_id = %record.id, reason = "revoked token", "authentication failed");
            return Err(ApiError::Unauthorized("the token was revoked".into()));
        }
        None => {
            state.access.auth_failure();
            tracing::warn!(target: "accord::access", %path, fingerprint = %fingerprint(secret), reason = "unknown token", "authentication failed");
            return Err(ApiError::Unauthorized("the token is not known".into()));
        }
    };
    if let Err(reason) = route_policy(record.role, request.method(), &path) {
        state.access.forbidden();
        tracing::warn!(target: "accord::access", %path, token_id = %record.id, role = %record.role, %reason, "request forbidden");
        return Err(ApiError::Forbidden(reason));
    }
    request.extensions_mut().insert(record.actor());
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_credentials("Bearer abc"), Some("abc"));
        assert_eq!(bearer_credentials("bearer  abc "), Some("abc"));
        assert_eq!(bearer_credentials("Basic abc"), None);
        assert_eq!(bearer_credentials("Bearer "), None);
    }

    #[test]
    fn the_route_policy_keeps_admin_prefixes_and_writes_apart() {
        let get = Method::GET;
        let post = Method::POST;
        assert!(route_policy(Role::Admin, &post, "/v1/tokens").is_ok());
        assert!(route_policy(Role::Writer, &get, "/v1/tokens").is_err());
        assert!(route_policy(Role::Auditor, &get, "/v1/webhooks/abc").is_err());
        assert!(route_policy(Role::Writer, &get, "/v1/tokensmith").is_ok());
        assert!(route_policy(Role::Writer, &post, "/v1/commands").is_ok());
        assert!(route_policy(Role::Auditor, &post, "/v1/commands").is_err());
        assert!(route_policy(Role::Auditor, &post, "/v1/audit/verify-checkpoint").is_ok());
        assert!(route_policy(Role::System, &get, "/v1/parties").is_err());
    }

    #[test]
    fn generated_secrets_are_long_and_prefixed() {
        let s = new_secret();
        assert!(s.starts_with("acc_"));
        assert_eq!(s.len(), 4 + 64);
        assert_ne!(s, new_secret());
    }
}
