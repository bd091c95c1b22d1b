//! Authentication and roles.
//!
//! Tokens are 32 random bytes (base64url), not JWTs: only their SHA-256 is stored, so logout
//! and refresh revoke them at once and a copied database holds no usable token. Access tokens
//! live 7 days, refresh tokens 90 (from the login; each refresh hands out a new one and
//! retires the old, whose reuse ends the session). Validated access tokens are cached in memory
//! so a request costs no database read; the cache entry goes when the session does, and open
//! event streams end with it ([`session_ended`]).
//!
//! Passwords are argon2id hashes, computed through one gate ([`hashing`]): each run takes
//! about 19 MiB and a core for tens of milliseconds. Guessing is throttled per account,
//! address and both ([`crate::auth::throttle`]).

pub mod accounts;
pub mod cookies;
pub mod db;
pub mod fido;
pub mod hashing;
pub mod join_token;
pub mod mail;
pub(crate) mod routes;
pub mod secret_key;
pub mod throttle;
pub mod two_factor;
pub mod worker;

use crate::auth::cookies::{ACCESS_COOKIE, CookiePolicy, cookie_value};
use crate::auth::secret_key::SecretKey;
use crate::auth::throttle::Throttle;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use drover_shared::api::User;
use drover_shared::{Role, UserId, WorkerId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How long an access token is valid.
pub const ACCESS_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a refresh token is valid.
pub const REFRESH_TTL_MS: i64 = 90 * 24 * 3600 * 1000;
/// Cached access tokens before the cache is cleared (bounds memory).
const TOKEN_CACHE_LIMIT: usize = 100_000;
/// Session notices an event stream may fall behind by before it re-checks its session anyway.
const NOTICES: usize = 64;

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

/// What ended or changed, for the event streams to check their session against.
#[derive(Debug, Clone, Copy)]
enum Notice {
    /// Something about the person changed (standing, role, password, sessions).
    Person(UserId),
    /// The session ended (logout, a reused refresh token).
    Session(i64),
}

/// In-memory authentication state: the token caches, the throttles, the server's secret key
/// and the notices that end event streams.
pub struct AuthState {
    tokens: Mutex<HashMap<[u8; 32], Cached>>,
    workers: Mutex<HashMap<WorkerId, [u8; 32]>>,
    /// Guessing throttles (logins, password changes, second factors).
    pub throttle: Arc<Throttle>,
    /// Seals TOTP secrets and keys recovery-code hashes.
    pub key: SecretKey,
    /// Whether the client address comes from `X-Forwarded-For` (`--behind-proxy`).
    behind_proxy: bool,
    /// How browsers' session cookies are made and checked.
    pub cookies: CookiePolicy,
    /// Where people open the server (`--public-url`, without a trailing `/`): the links of
    /// account e-mails point there.
    pub public_url: Option<String>,
    notices: broadcast::Sender<Notice>,
}

impl Default for AuthState {
    /// With a key that lives as long as the process (tests, tools).
    fn default() -> Self {
        Self::new(SecretKey::ephemeral(), false, None)
    }
}

impl AuthState {
    /// The state of a server with this key; `behind_proxy` trusts `X-Forwarded-For`;
    /// `public_url` is the URL browsers open the server at (see [`cookies`]).
    pub fn new(key: SecretKey, behind_proxy: bool, public_url: Option<&str>) -> Self {
        Self {
            tokens: Mutex::default(),
            workers: Mutex::default(),
            throttle: Arc::default(),
            key,
            behind_proxy,
            cookies: CookiePolicy::new(public_url),
            public_url: public_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
            notices: broadcast::channel(NOTICES).0,
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

    /// Drops every cached token of a person, whose role, email, standing, password or
    /// sessions changed: their next request reads them afresh, and their open event streams
    /// check that their session still holds (see [`session_ended`]).
    pub fn forget_user(&self, id: UserId) {
        if let Ok(mut map) = self.tokens.lock() {
            map.retain(|_, cached| cached.current.user.id != id);
        }
        // No stream listening is no error.
        let _ = self.notices.send(Notice::Person(id));
    }

    /// A session ended: drops its access token from the cache and ends its event streams.
    pub fn end_session(&self, session_id: i64, access_hash: &[u8]) {
        self.forget(access_hash);
        let _ = self.notices.send(Notice::Session(session_id));
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

/// The address a request comes from: the peer's, or with `--behind-proxy` the last address
/// of `X-Forwarded-For` (the one the proxy added; those before it are the client's word);
/// IPv6 addresses by their /64 ([`crate::auth::throttle::client_ip`]). Without a peer address (a
/// router called in-process) it is `0.0.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address of a request from its connection's peer (`None` in-process) and headers.
    fn of(peer: Option<SocketAddr>, headers: &axum::http::HeaderMap, behind_proxy: bool) -> Self {
        let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
        let forwarded = behind_proxy
            .then(|| {
                headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .next_back()
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.rsplit(',').next())
                    .and_then(|v| v.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        Self(crate::auth::throttle::client_ip(forwarded.unwrap_or(peer)))
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(Self::of(peer, &parts.headers, state.auth.behind_proxy))
    }
}

/// Resolves once `me`'s session no longer holds as it did when the stream began: it ended
/// (logout, a reused refresh token, a password reset), or the person was deactivated,
/// deleted or given another role. The event stream ends with it, so the client reconnects
/// and is asked for a valid token (and sees what its new role may see).
pub fn session_ended(
    state: &AppState,
    me: &CurrentUser,
) -> impl Future<Output = ()> + Send + use<> {
    session_ended_in(&state.auth, &state.store, me)
}

/// [`session_ended`], given the authentication state and the store.
pub fn session_ended_in(
    auth: &AuthState,
    store: &crate::store::Store,
    me: &CurrentUser,
) -> impl Future<Output = ()> + Send + use<> {
    let mut notices = auth.notices.subscribe();
    let store = store.clone();
    let (person, session, role) = (me.user.id, me.session_id, me.user.role);
    async move {
        // Checked once on subscribing too: a change just before it sent no notice we heard.
        let mut checked_once = false;
        loop {
            if checked_once {
                match notices.recv().await {
                    Ok(Notice::Session(ended)) if ended == session => return,
                    Ok(Notice::Person(changed)) if changed == person => {}
                    Ok(_) => continue,
                    // Missed notices may have been about this person: check.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
            checked_once = true;
            let holder = store
                .read(move |c| db::sessions::holder(c, session).map_err(ApiError::from))
                .await;
            match holder {
                Ok(Some(user)) if user.id == person && user.role == role => {}
                _ => return,
            }
        }
    }
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

/// How a request proves its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// `Authorization: Bearer …` (gazu, the app, workers, scripts).
    Bearer(&'a str),
    /// The browser's session cookie (Kitsu's web front end); see [`cookies`].
    Cookie(&'a str),
}

impl<'a> Credential<'a> {
    /// The request's credential: the bearer header when there is one, else the cookie.
    pub fn of(parts: &'a Parts) -> Option<Self> {
        bearer(parts)
            .map(Self::Bearer)
            .or_else(|| cookie_value(&parts.headers, ACCESS_COOKIE).map(Self::Cookie))
    }

    /// The token either way.
    pub fn token(self) -> &'a str {
        match self {
            Self::Bearer(t) | Self::Cookie(t) => t,
        }
    }
}

/// Resolves an access token to its user, through the cache.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<CurrentUser> {
    authenticate_in(&state.auth, &state.store, token).await
}

/// [`authenticate`], given the authentication state and the store.
pub async fn authenticate_in(
    auth: &AuthState,
    store: &crate::store::Store,
    token: &str,
) -> ApiResult<CurrentUser> {
    let hash = hash_token(token);
    let now = crate::db::now_ms();
    if let Some(cached) = auth.cached(&hash) {
        if cached.expires_ms > now {
            return Ok(cached.current);
        }
        auth.forget(&hash);
    }
    let found = store
        .read(move |c| db::sessions::find_by_access(c, &hash).map_err(ApiError::from))
        .await?;
    match found {
        Some(s) if s.expires_ms > now => {
            let current = CurrentUser {
                user: s.user,
                session_id: s.session_id,
            };
            auth.cache(
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
    let Some(credential) = Credential::of(&parts) else {
        return axum::response::IntoResponse::into_response(ApiError::Unauthorized(
            "this route needs `Authorization: Bearer <access_token>` or the session cookie; \
             log in at /api/auth/login"
                .into(),
        ));
    };
    if matches!(credential, Credential::Cookie(_))
        && !state.auth.cookies.allows(&parts.method, &parts.headers)
    {
        return axum::response::IntoResponse::into_response(ApiError::Forbidden(
            "a change sent with the session cookie must come from this server's own pages \
             (its Origin did not match); other clients send `Authorization: Bearer`"
                .into(),
        ));
    }
    let token = credential.token().to_owned();
    if token.starts_with(worker::WORKER_TOKEN_PREFIX) {
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
    fn forwarded_addresses_count_only_behind_a_proxy() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        let addr = |headers: &axum::http::HeaderMap, behind_proxy| {
            ClientAddr::of(Some(peer), headers, behind_proxy)
                .0
                .to_string()
        };
        // Directly reached, the header is the client's word: ignored.
        assert_eq!(addr(&headers, false), "10.0.0.9");
        // Behind a proxy, the address it appended (the last), never the client's claims.
        assert_eq!(addr(&headers, true), "203.0.113.7");
        headers.append("x-forwarded-for", "198.51.100.1".parse().unwrap());
        assert_eq!(addr(&headers, true), "198.51.100.1");
        // Nothing usable: the peer.
        let mut junk = axum::http::HeaderMap::new();
        junk.append("x-forwarded-for", "unknown".parse().unwrap());
        assert_eq!(addr(&junk, true), "10.0.0.9");
        assert_eq!(
            ClientAddr::of(None, &junk, false).0,
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
