//! Sign-in sessions, kept in the server's memory (ADR 0026).
//!
//! Signing in exchanges a token for a session: a random id in the
//! `accord_session` cookie (`HttpOnly; SameSite=Strict; Path=/`, `Secure`
//! over HTTPS). The server keeps only the SHA-256 of the id, with the
//! token's id — never its secret. A session ends at sign-out, after
//! [`crate::ConsoleConfig::session_idle`] unused, after
//! [`crate::ConsoleConfig::session_max`] in all, and as soon as its token is
//! revoked: every request checks the token against the token book. A
//! restart ends every session (people sign in again).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use accord_api::auth::TokenRecord;
use accord_api::TokenBook;
use accord_engine::Role;
use accord_store::Actor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "accord_session";

/// Sessions kept at most; past it the least recently used one ends.
const MAX_SESSIONS: usize = 10_000;

/// The person signed in: who their token says they are. Handlers take it
/// as an extractor; a page request without one is sent to `/sign-in`.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The token's id (never its secret): what events name as the actor.
    pub token_id: String,
    /// The token's role.
    pub role: Role,
    /// The party a writer acts for.
    pub party_id: Option<String>,
    /// The token's label, for people ("Văn phòng Ban quản lý…").
    pub label: Option<String>,
    /// The session's cross-site request token, carried by every form.
    pub csrf: String,
}

impl Viewer {
    /// Whether this person administers the service (tokens, webhooks, parties).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether this person may open the audit pages (admin and auditor).
    pub fn may_audit(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Auditor)
    }

    /// Whether this person may issue commands at all (admin and writer; the
    /// engine judges each command).
    pub fn may_write(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Writer)
    }

    /// This viewer if `allowed` says its role may use the page, else 403:
    /// how a handler enforces what the navbar shows.
    pub fn require(self, allowed: fn(&Viewer) -> bool) -> Result<Viewer, crate::PageError> {
        if allowed(&self) {
            Ok(self)
        } else {
            Err(crate::PageError::Forbidden)
        }
    }

    /// The actor this session's commands are recorded with: its token's
    /// id, role and party.
    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.token_id.clone(),
            role: self.role,
            party_id: self.party_id.clone(),
        }
    }
}

/// The answer to a page request without a live session: a redirect to
/// `/sign-in`, which leads back to the page after signing in.
#[derive(Debug)]
pub struct SignInFirst {
    next: String,
    ended: Option<Ended>,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("next", &self.next);
        if let Some(ended) = self.ended {
            query.append_pair("ended", ended.as_str());
        }
        Redirect::to(&format!("/sign-in?{}", query.finish())).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, SignInFirst> {
        if let Some(viewer) = parts.extensions.get::<Viewer>() {
            return Ok(viewer.clone());
        }
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        Err(SignInFirst {
            next,
            ended: parts.extensions.get::<Ended>().copied(),
        })
    }
}

/// Why a session that was presented is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Idle or absolute limit reached.
    Expired,
    /// Its token was revoked.
    Revoked,
}

impl Ended {
    /// How the sign-in page's `ended` parameter names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Expired => "expired",
            Ended::Revoked => "revoked",
        }
    }
}

/// What a presented session id turned out to be.
#[derive(Debug)]
pub enum Lookup {
    /// A live session.
    Active(Viewer),
    /// A session that just ended (and is forgotten).
    Ended(Ended),
    /// No such session (never was, signed out, or forgotten at a restart).
    Unknown,
}

struct Session {
    viewer: Viewer,
    started: Instant,
    last_seen: Instant,
    /// A secret to show once, on the next page that asks for it.
    reveal: Option<Reveal>,
}

/// A new secret (a token's, a webhook's) waiting to be shown once: the page
/// that made it redirects, and the page it leads to takes it. It lives in
/// the server's memory only, for as long as the session at most.
pub struct Reveal {
    /// What it is the secret of: `token:{id}` or `webhook:{id}`.
    pub subject: String,
    /// The secret itself.
    pub secret: String,
}

/// Every live session, by the SHA-256 of its id.
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
    idle: Duration,
    max: Duration,
}

fn digest(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// 32 random bytes in hex: a session id or a form token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Sessions {
    /// No sessions; they end after `idle` unused or `max` in all.
    pub fn new(idle: Duration, max: Duration) -> Self {
        Self {
            live: Mutex::new(HashMap::new()),
            idle,
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session for `token` (known and not revoked: the caller
    /// found it so); returns the id for the cookie. `None` for a role that
    /// may not sign in (none but the three token roles exist).
    pub fn open(&self, token: &TokenRecord) -> Option<String> {
        let role = Some(token.role).filter(|r| *r != Role::System)?;
        let id = random_token();
        let now = Instant::now();
        let session = Session {
            viewer: Viewer {
                token_id: token.id.clone(),
                role,
                party_id: token.party_id.clone(),
                label: token.label.clone(),
                csrf: random_token(),
            },
            started: now,
            last_seen: now,
            reveal: None,
        };
        let mut live = self.lock();
        if live.len() >= MAX_SESSIONS {
            live.retain(|_, s| !self.expired(s, now));
        }
        if live.len() >= MAX_SESSIONS {
            let oldest = live
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                live.remove(&key);
            }
        }
        live.insert(digest(&id), session);
        Some(id)
    }

    fn expired(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.last_seen) > self.idle
            || now.duration_since(session.started) > self.max
    }

    /// The session `id` names, if it is live and its token still works;
    /// using it restarts its idle clock. A session found over is forgotten.
    pub fn lookup(&self, id: &str, tokens: &TokenBook) -> Lookup {
        let key = digest(id);
        let now = Instant::now();
        let mut live = self.lock();
        let Some(session) = live.get_mut(&key) else {
            return Lookup::Unknown;
        };
        let ended = if self.expired(session, now) {
            Some(Ended::Expired)
        } else {
            let token = tokens.get(&session.viewer.token_id);
            token
                .is_none_or(|t| t.revoked_at.is_some())
                .then_some(Ended::Revoked)
        };
        if let Some(ended) = ended {
            live.remove(&key);
            return Lookup::Ended(ended);
        }
        session.last_seen = now;
        Lookup::Active(session.viewer.clone())
    }

    /// Whether the session `id` is live and its token still works, without
    /// counting as use: a page left open, following the log, does not keep
    /// its session from expiring.
    pub fn alive(&self, id: &str, tokens: &TokenBook) -> bool {
        let live = self.lock();
        live.get(&digest(id)).is_some_and(|session| {
            !self.expired(session, Instant::now())
                && tokens
                    .get(&session.viewer.token_id)
                    .is_some_and(|t| t.revoked_at.is_none())
        })
    }

    /// Keeps `reveal` in session `id` for the next page to show once
    /// (replacing one not shown).
    pub fn put_reveal(&self, id: &str, reveal: Reveal) {
        if let Some(session) = self.lock().get_mut(&digest(id)) {
            session.reveal = Some(reveal);
        }
    }

    /// The secret of `subject` waiting in session `id`, taken: a reload
    /// finds nothing.
    pub fn take_reveal(&self, id: &str, subject: &str) -> Option<String> {
        let mut live = self.lock();
        let session = live.get_mut(&digest(id))?;
        match session.reveal.take() {
            Some(reveal) if reveal.subject == subject => Some(reveal.secret),
            other => {
                session.reveal = other;
                None
            }
        }
    }

    /// Ends the session `id` (sign-out).
    pub fn close(&self, id: &str) {
        self.lock().remove(&digest(id));
    }

    /// How many sessions are live (expired ones not yet forgotten included).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The value of cookie `name` among the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether answers to this request go over HTTPS: always when configured
/// so, else when a proxy says so with `X-Forwarded-Proto: https`. Believing
/// the header from anyone is safe here: it only adds `Secure` to the
/// sender's own cookies.
pub fn over_https(secure_cookies: bool, headers: &HeaderMap) -> bool {
    secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/`, `Secure`
/// over HTTPS; `max_age` `None` is a cookie that ends with the browser, and
/// `Some(ZERO)` deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<Duration>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("accord_session=xyz"),
        );
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn cookies_are_secure_when_configured_or_behind_an_https_proxy() {
        let mut headers = HeaderMap::new();
        assert!(!over_https(false, &headers));
        assert!(over_https(true, &headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(over_https(false, &headers));
        let value = set_cookie("n", "v", None, true);
        assert_eq!(
            value.to_str().unwrap(),
            "n=v; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
    }
}
