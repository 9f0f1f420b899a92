//! Bearer tokens: the book of known tokens (stored only as SHA-256 hashes in
//! the store's metadata), the bootstrap of the first admin token, and the
//! middleware that turns `Authorization: Bearer …` into the [`Actor`] written
//! into every event.

use std::sync::{Arc, RwLock};

use accord_store::{Actor, EventStore, StoreError};
use axum::extract::{Request, State};
use axum::http::header;
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
    pub role: String,
    pub party_id: Option<String>,
    pub label: Option<String>,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub created_at: String,
}

impl std::fmt::Debug for TokenRecord {
    // The hash is not the secret, but there is no reason to print it either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("party_id", &self.party_id)
            .finish_non_exhaustive()
    }
}

impl TokenRecord {
    /// The actor this token writes into events.
    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.id.clone(),
            role: self.role.clone(),
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
}

/// Every known token, loaded from and saved to the store's metadata.
pub struct TokenBook {
    store: Arc<dyn EventStore>,
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

/// A new secret: `acc_` and 32 random bytes in hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("acc_{}", hex::encode(bytes))
}

impl TokenBook {
    /// Loads the book from the store.
    pub fn load(store: Arc<dyn EventStore>) -> Result<Self, StoreError> {
        let tokens = match store.get_meta(TOKENS_KEY)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Corrupt(format!("tokens: {e}")))?,
            None => Vec::new(),
        };
        Ok(Self {
            store,
            tokens: RwLock::new(tokens),
        })
    }

    /// Makes sure an admin token exists: the environment's (`ACCORD_ADMIN_TOKEN`)
    /// is registered if it is not known yet; with none and an empty book, one
    /// is generated.
    pub fn bootstrap(&self, from_env: Option<&str>) -> Result<Bootstrap, StoreError> {
        if let Some(secret) = from_env.filter(|s| !s.is_empty()) {
            if self.find(secret).is_some() {
                return Ok(Bootstrap::Existing);
            }
            self.add("admin", None, Some("ACCORD_ADMIN_TOKEN"), secret)?;
            return Ok(Bootstrap::FromEnvironment);
        }
        if !self.read().is_empty() {
            return Ok(Bootstrap::Existing);
        }
        let secret = new_secret();
        self.add("admin", None, Some("generated at first start"), &secret)?;
        Ok(Bootstrap::Generated(secret))
    }

    /// Registers a token durably and returns its record.
    pub fn add(
        &self,
        role: &str,
        party_id: Option<String>,
        label: Option<&str>,
        secret: &str,
    ) -> Result<TokenRecord, StoreError> {
        let now = time::OffsetDateTime::now_utc();
        let record = TokenRecord {
            id: Uuid::now_v7().to_string(),
            role: role.to_owned(),
            party_id,
            label: label.map(str::to_owned),
            hash: hash_secret(secret),
            created_at: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        };
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        tokens.push(record.clone());
        let bytes = serde_json::to_vec(&*tokens).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.store.put_meta(TOKENS_KEY, &bytes)?;
        Ok(record)
    }

    /// The record of a presented secret, if it is known. Every record is
    /// compared, in constant time, so timing says nothing about the secrets.
    pub fn find(&self, secret: &str) -> Option<TokenRecord> {
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

/// The credentials of a `Bearer` authorization value; the scheme is
/// case-insensitive (RFC 9110 §11.1).
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

/// Middleware for `/v1`: a known bearer token or 401. Puts the token's
/// [`Actor`] into the request's extensions.
pub async fn require_token(
    State(book): State<Arc<TokenBook>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_credentials);
    let Some(secret) = presented else {
        return Err(ApiError::Unauthorized(
            "an `Authorization: Bearer <token>` header is required".into(),
        ));
    };
    let Some(record) = book.find(secret) else {
        tracing::warn!(path = %request.uri().path(), "authentication failed: unknown token");
        return Err(ApiError::Unauthorized("the token is not known".into()));
    };
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
    fn generated_secrets_are_long_and_prefixed() {
        let s = new_secret();
        assert!(s.starts_with("acc_"));
        assert_eq!(s.len(), 4 + 64);
        assert_ne!(s, new_secret());
    }
}
