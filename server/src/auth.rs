//! Authentication and roles.
//!
//! Tokens are 32 random bytes (base64url), not JWTs: only their SHA-256 is stored, so logout
//! and refresh revoke them at once and a copied database holds no usable token. Access tokens
//! live 7 days, refresh tokens 90. Validated access tokens are cached in memory so a request
//! costs no database read; the cache entry goes when the session does. Passwords are argon2id
//! hashes, computed on the blocking pool.

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use drover_shared::api::User;
use drover_shared::{Role, UserId, WorkerId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an access token is valid.
pub const ACCESS_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a refresh token is valid.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 3600 * 1000;
/// Failed logins for one email within [`THROTTLE_WINDOW`] before it is locked.
pub const MAX_FAILED_LOGINS: usize = 5;
/// The throttle window, and how long a locked email stays locked.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
/// Cached access tokens before the cache is cleared (bounds memory).
const TOKEN_CACHE_LIMIT: usize = 100_000;

/// The authenticated caller, placed in request extensions by [`require_token`].
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who.
    pub user: User,
    /// The session their token belongs to.
    pub session_id: i64,
}

impl CurrentUser {
    /// Fails with 403 unless the caller's role allows `required`.
    pub fn require(&self, required: Role) -> ApiResult<()> {
        if self.user.role.allows(required) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {required} role; you are {}",
                self.user.role
            )))
        }
    }

    /// Fails with 403 unless the caller owns the thing or is a manager.
    pub fn require_owner_or_manager(&self, owner: UserId, what: &str) -> ApiResult<()> {
        if self.user.id == owner || self.user.role.allows(Role::Manager) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "artists may only change {what} they submitted"
            )))
        }
    }
}

#[derive(Clone)]
struct Cached {
    current: CurrentUser,
    expires_ms: i64,
}

/// In-memory authentication state: the token caches and the login throttle.
#[derive(Default)]
pub struct AuthState {
    tokens: Mutex<HashMap<[u8; 32], Cached>>,
    workers: Mutex<HashMap<WorkerId, [u8; 32]>>,
    throttle: Mutex<HashMap<String, Throttle>>,
}

/// Worker tokens are `wk.<worker id>.<secret>`; only the secret's SHA-256 is stored.
pub const WORKER_TOKEN_PREFIX: &str = "wk.";

/// A worker's bearer token from its id and secret.
pub fn worker_token(id: WorkerId, secret: &str) -> String {
    format!("{WORKER_TOKEN_PREFIX}{id}.{secret}")
}

/// The authenticated render node, placed in request extensions by [`require_worker`].
#[derive(Debug, Clone, Copy)]
pub struct WorkerAuth(pub WorkerId);

impl<S: Send + Sync> FromRequestParts<S> for WorkerAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        parts
            .extensions
            .get::<WorkerAuth>()
            .copied()
            .ok_or_else(|| ApiError::Unauthorized("this route needs a worker token".into()))
    }
}

/// Resolves a worker token to its worker, through the cache.
pub async fn authenticate_worker(state: &AppState, token: &str) -> ApiResult<WorkerId> {
    let invalid = || {
        ApiError::Unauthorized("the worker token is not valid; register the worker again".into())
    };
    let rest = token
        .strip_prefix(WORKER_TOKEN_PREFIX)
        .ok_or_else(invalid)?;
    let (id, secret) = rest.split_once('.').ok_or_else(invalid)?;
    let id = WorkerId(id.parse().map_err(|_| invalid())?);
    let hash = hash_token(secret);
    let cached = state
        .auth
        .workers
        .lock()
        .ok()
        .and_then(|m| m.get(&id).copied());
    let stored = if let Some(stored) = cached {
        stored
    } else {
        let found = state
            .store
            .read(move |c| db::workers::secret_hash(c, id).map_err(ApiError::from))
            .await?;
        let stored: [u8; 32] = found.and_then(|h| h.try_into().ok()).ok_or_else(invalid)?;
        if let Ok(mut map) = state.auth.workers.lock() {
            map.insert(id, stored);
        }
        stored
    };
    if stored == hash {
        Ok(id)
    } else {
        Err(invalid())
    }
}

/// Middleware for the worker routes: 401 without a valid worker token, 403 for a person's
/// token (people do not speak the worker protocol).
pub async fn require_worker(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let result = match bearer(&parts) {
        None => Err(ApiError::Unauthorized(
            "worker routes need `Authorization: Bearer <worker token>`".into(),
        )),
        Some(token) if !token.starts_with(WORKER_TOKEN_PREFIX) => {
            match authenticate(&state, token).await {
                Ok(_) => Err(ApiError::Forbidden(
                    "only render nodes may call the worker routes".into(),
                )),
                Err(e) => Err(e),
            }
        }
        Some(token) => authenticate_worker(&state, token).await,
    };
    match result {
        Ok(id) => {
            parts.extensions.insert(WorkerAuth(id));
            next.run(Request::from_parts(parts, body)).await
        }
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

#[derive(Default)]
struct Throttle {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

impl AuthState {
    /// Fails with 429 while `email` (or another key, such as a person's password changes) is
    /// locked after too many failures.
    pub fn check_throttle(&self, email: &str) -> ApiResult<()> {
        let now = Instant::now();
        let map = self
            .throttle
            .lock()
            .map_err(|_| ApiError::Internal("throttle lock".into()))?;
        match map.get(&email.to_lowercase()).and_then(|t| t.locked_until) {
            Some(until) if until > now => Err(ApiError::TooManyRequests(format!(
                "too many failed attempts; try again in {} s",
                (until - now).as_secs() + 1
            ))),
            _ => Ok(()),
        }
    }

    /// Records a failed login; the fifth within a minute locks the email for a minute.
    pub fn record_failure(&self, email: &str) {
        let now = Instant::now();
        let Ok(mut map) = self.throttle.lock() else {
            return;
        };
        if map.len() > 10_000 {
            // Forget idle entries so random emails cannot grow the map without bound.
            map.retain(|_, t| {
                t.failures
                    .back()
                    .is_some_and(|last| now - *last < THROTTLE_WINDOW)
            });
        }
        let entry = map.entry(email.to_lowercase()).or_default();
        entry.failures.push_back(now);
        while entry
            .failures
            .front()
            .is_some_and(|first| now - *first > THROTTLE_WINDOW)
        {
            entry.failures.pop_front();
        }
        if entry.failures.len() >= MAX_FAILED_LOGINS {
            entry.locked_until = Some(now + THROTTLE_WINDOW);
            entry.failures.clear();
        }
    }

    /// Forgets failures after a successful login.
    pub fn record_success(&self, email: &str) {
        if let Ok(mut map) = self.throttle.lock() {
            map.remove(&email.to_lowercase());
        }
    }

    fn cached(&self, hash: &[u8; 32]) -> Option<Cached> {
        self.tokens.lock().ok()?.get(hash).cloned()
    }

    fn cache(&self, hash: [u8; 32], entry: Cached) {
        if let Ok(mut map) = self.tokens.lock() {
            if map.len() >= TOKEN_CACHE_LIMIT {
                map.clear();
            }
            map.insert(hash, entry);
        }
    }

    /// Drops every cached token of a person, whose role, email or standing changed: their
    /// next request reads them afresh.
    pub fn forget_user(&self, id: &str) {
        if let Ok(mut map) = self.tokens.lock() {
            map.retain(|_, cached| cached.current.user.id.to_string() != id);
        }
    }

    /// Drops a token from the cache (logout, refresh).
    pub fn forget(&self, hash: &[u8]) {
        if let (Ok(mut map), Ok(key)) = (self.tokens.lock(), <[u8; 32]>::try_from(hash)) {
            map.remove(&key);
        }
    }
}

/// A new random token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Hashes a password with argon2id on the blocking pool.
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Hashes a password with argon2id on the calling thread (command line use).
pub fn hash_password_blocking(password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Checks a password against a stored hash on the blocking pool.
pub async fn verify_password(password: String, hash: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Resolves an access token to its user, through the cache.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<CurrentUser> {
    let hash = hash_token(token);
    let now = db::now_ms();
    if let Some(cached) = state.auth.cached(&hash) {
        if cached.expires_ms > now {
            return Ok(cached.current);
        }
        state.auth.forget(&hash);
    }
    let found = state
        .store
        .read(move |c| db::sessions::find_by_access(c, &hash).map_err(ApiError::from))
        .await?;
    match found {
        Some(s) if s.expires_ms > now => {
            let current = CurrentUser {
                user: s.user,
                session_id: s.session_id,
            };
            state.auth.cache(
                hash,
                Cached {
                    current: current.clone(),
                    expires_ms: s.expires_ms,
                },
            );
            Ok(current)
        }
        Some(_) => Err(ApiError::Unauthorized(
            "the access token expired; refresh it or log in again".into(),
        )),
        None => Err(ApiError::Unauthorized(
            "the access token is not valid; log in again".into(),
        )),
    }
}

/// Middleware for every route but login and the API description: 401 without a valid
/// access token; the caller is put in the request's extensions.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(token) = bearer(&parts).map(str::to_owned) else {
        return axum::response::IntoResponse::into_response(ApiError::Unauthorized(
            "this route needs `Authorization: Bearer <access_token>`; log in at /api/auth/login"
                .into(),
        ));
    };
    if token.starts_with(WORKER_TOKEN_PREFIX) {
        return axum::response::IntoResponse::into_response(ApiError::Forbidden(
            "a worker token may call only the /api/worker routes".into(),
        ));
    }
    match authenticate(&state, &token).await {
        Ok(current) => {
            parts.extensions.insert(current);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

fn current(parts: &Parts) -> ApiResult<CurrentUser> {
    parts
        .extensions
        .get::<CurrentUser>()
        .cloned()
        .ok_or_else(|| ApiError::Unauthorized("this route needs a bearer token".into()))
}

/// Any logged-in person. Put first among a handler's arguments.
pub struct Authed(pub CurrentUser);
/// A manager or admin; 403 for others. Put first among a handler's arguments so the role is
/// checked before the body is read.
pub struct ManagerOnly(pub CurrentUser);
/// An admin; 403 for others.
pub struct AdminOnly(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        current(parts).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ManagerOnly {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let user = current(parts)?;
        user.require(Role::Manager)?;
        Ok(Self(user))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminOnly {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let user = current(parts)?;
        user.require(Role::Admin)?;
        Ok(Self(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifth_failure_locks_the_email() {
        let auth = AuthState::default();
        for _ in 0..4 {
            auth.record_failure("A@x");
            assert!(auth.check_throttle("a@x").is_ok());
        }
        auth.record_failure("a@x");
        assert!(matches!(
            auth.check_throttle("A@X"),
            Err(ApiError::TooManyRequests(_))
        ));
        assert!(auth.check_throttle("b@x").is_ok());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password_blocking("secret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(
            rt.block_on(verify_password("secret".into(), hash.clone()))
                .unwrap()
        );
        assert!(!rt.block_on(verify_password("wrong".into(), hash)).unwrap());
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
