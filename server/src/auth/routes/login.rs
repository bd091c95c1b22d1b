//! `/auth`: login, the current user, logout, token refresh, and checking the second factors
//! (turned on and off in [`totp`] and [`fido`]).

use super::{email_otp, fido, password, recovery, totp};
use crate::auth::cookies::{REFRESH_COOKIE, cookie_value};
use crate::auth::db as auth_db;
use crate::auth::db::sessions::Refreshed;
use crate::auth::db::users::TwoFactor;
use crate::auth::fido::Asker;
use crate::auth::hashing::{verify_no_account, verify_password};
use crate::auth::throttle::Scope;
use crate::auth::two_factor::{self, Offered, Proof};
use crate::auth::{
    ACCESS_TTL_MS, Authed, ClientAddr, REFRESH_TTL_MS, bearer, hash_token, new_token,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::production::db::{ListQuery, Viewer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header::ORIGIN;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use drover_shared::ErrorBody;
use drover_shared::UserId;
use drover_shared::api::{
    Authenticated, LoginRequest, LoginResponse, LogoutResponse, RefreshResponse,
};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh_token))
        .merge(fido::public_router())
        .merge(email_otp::public_router())
        .merge(recovery::public_router())
}

pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authenticated))
        .routes(routes!(logout, logout_get))
        .merge(totp::protected_router())
        .merge(fido::protected_router())
        .merge(password::protected_router())
        .merge(email_otp::protected_router())
        .merge(recovery::protected_router())
}

const LOGIN_FAILED: &str = "wrong email or password";

/// Why a login or a change of second factor was refused: an ordinary error, or a second
/// factor missing or wrong, which Kitsu clients recognise by the `missing_OTP` and `wrong_OTP`
/// flags.
pub(super) enum Refusal {
    Api(ApiError),
    /// The account has a second factor and none was offered.
    MissingFactor {
        /// The factor to offer first.
        preferred: Option<String>,
        /// Kitsu's list of the factors that would do.
        enabled: Vec<&'static str>,
    },
    /// The factor offered is wrong (or, to turn one off, missing); `login` says whether this
    /// answers a login.
    WrongFactor {
        login: bool,
    },
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl Refusal {
    fn missing(factors: &TwoFactor) -> Self {
        Self::MissingFactor {
            preferred: factors.preferred.clone(),
            enabled: two_factor::enabled_names(factors),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Api(e) => return e.into_response(),
            Self::MissingFactor { preferred, enabled } => serde_json::json!({
                "error": drover_shared::api::MISSING_CODE,
                "message": "this account needs a second factor: a one-time code (`totp`), a \
                    security key's answer to `GET /auth/fido` (`fido_authentication_response`) \
                    or a `recovery_code`, as it has enabled",
                "login": false,
                "missing_OTP": true,
                "preferred_two_factor_authentication": preferred,
                "two_factor_authentication_enabled": enabled,
            }),
            Self::WrongFactor { login: true } => serde_json::json!({
                "error": drover_shared::api::WRONG_CODE,
                "message": "wrong second factor: the code, recovery code or security key \
                    answer is wrong, stale or already used",
                "login": false,
                "wrong_OTP": true,
            }),
            Self::WrongFactor { login: false } => serde_json::json!({
                "error": drover_shared::api::WRONG_CODE,
                "message": "OTP verification failed: prove a second factor with `totp`, \
                    `email_otp`, `fido_authentication_response` or `recovery_code`",
                "wrong_OTP": true,
            }),
        };
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// `POST /auth/login`: Kitsu's fields, the security key's answer included.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct LoginBody {
    #[serde(flatten)]
    request: LoginRequest,
    /// A security key's signed answer to a challenge of `GET /auth/fido` (WebAuthn JSON).
    #[serde(default)]
    fido_authentication_response: Option<Value>,
    /// The code sent by e-mail (`GET /auth/email-otp?email=`), for an account with codes by
    /// e-mail.
    #[serde(default)]
    email_otp: Option<String>,
}

/// Log in with email (or Kitsu desktop login) and password, plus a second factor when the
/// account has one: the one-time code (`totp`), the code sent by e-mail (`email_otp`), a
/// security key's answer (`fido_authentication_response`) or a recovery code.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    security(()),
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Login failed: wrong email or password, or a second \
            factor missing (`error: missing_otp`) or wrong (`error: wrong_otp`)", body = ErrorBody),
        (status = 401, description = "The account is deactivated", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this email", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Json(body): Json<LoginBody>,
) -> Result<(HeaderMap, Json<LoginResponse>), Refusal> {
    let LoginBody {
        request: body,
        fido_authentication_response: fido_answer,
        email_otp,
    } = body;
    // A page of another site may not log the browser in (to an account of its choosing):
    // browsers name the page's origin, scripts and the app send none.
    if headers.contains_key(ORIGIN) && !state.auth.cookies.same_origin(&headers) {
        return Err(ApiError::Forbidden(
            "a login from another site's page was refused (its Origin is not this server's)".into(),
        )
        .into());
    }
    // Counted before the password is checked, so guesses sent all at once are throttled too.
    let attempt = state
        .auth
        .throttle
        .begin(Scope::Password, &body.email, addr)?;
    let login = body.email.trim().to_owned();
    let lookup = login.clone();
    let found = state
        .store
        .read(move |c| auth_db::users::find_for_login(c, &lookup).map_err(ApiError::from))
        .await?;
    let checked = match &found {
        Some(found) => verify_password(body.password, found.password_hash.clone()).await,
        // As long as a wrong password, at the same gate, so the timing tells nothing.
        None => verify_no_account(body.password).await,
    };
    match checked {
        Ok(true) => attempt.succeeded(),
        Ok(false) => {
            attempt.failed();
            return Err(ApiError::BadRequest(LOGIN_FAILED.into()).into());
        }
        Err(busy) => {
            attempt.abandoned();
            return Err(busy.into());
        }
    }
    let Some(found) = found else {
        return Err(ApiError::BadRequest(LOGIN_FAILED.into()).into());
    };
    let user = found.user;
    let id = user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.active {
        return Err(ApiError::Unauthorized("this account is deactivated".into()).into());
    }
    let offered = Offered {
        totp: body.totp.as_deref(),
        email_otp: email_otp.as_deref(),
        fido: fido_answer.as_ref(),
        recovery_code: body.recovery_code.as_deref(),
    };
    let asker = Asker {
        person: id,
        login: Some(&login),
        addr,
    };
    match check_factor(&state, asker, &user.email, &factors, &offered).await? {
        Proof::Accepted { .. } => {}
        Proof::Missing => return Err(Refusal::missing(&factors)),
        Proof::Wrong => return Err(Refusal::WrongFactor { login: true }),
    }
    state.auth.throttle.remember(&login, addr);
    let (access, refresh) = (new_token(), new_token());
    let (access_hash, refresh_hash) = (hash_token(&access), hash_token(&refresh));
    let now = crate::db::now_ms();
    let stored = user.clone();
    state
        .store
        .write(move |c| {
            auth_db::sessions::delete_expired(c, now)?;
            auth_db::sessions::insert(
                c,
                &stored,
                &access_hash,
                &refresh_hash,
                now + ACCESS_TTL_MS,
                now + REFRESH_TTL_MS,
            )
            .map_err(ApiError::from)
        })
        .await?;
    tracing::info!(email = %user.email, "login");
    let cookies = state.auth.cookies.session_headers(&access, &refresh);
    Ok((
        cookies,
        Json(LoginResponse {
            login: true,
            user,
            access_token: access,
            refresh_token: refresh,
        }),
    ))
}

/// A person's activity flag and second factors, the TOTP secret opened with the server's key.
pub(super) async fn second_factors(state: &AppState, id: UserId) -> ApiResult<TwoFactor> {
    let mut factors = state
        .store
        .read(move |c| auth_db::users::two_factor(c, id).map_err(ApiError::from))
        .await?;
    if let Some(stored) = &factors.totp_secret {
        factors.totp_secret = Some(two_factor::open_secret(&state.auth.key, id, stored)?);
    }
    Ok(factors)
}

/// Checks the second factor offered against the person's (see [`two_factor::check`]),
/// throttled ([`Scope::Factor`]: per person and address, address, and person), and keeps what
/// that changes: a TOTP code's step is recorded (a code used before counts as wrong), a
/// recovery code is used up (one used meanwhile by another request counts as wrong), and a
/// security key's signature counter moves on.
pub(super) async fn check_factor(
    state: &AppState,
    asker: Asker<'_>,
    email: &str,
    factors: &TwoFactor,
    offered: &Offered<'_>,
) -> ApiResult<Proof> {
    if !two_factor::has_factor(factors) {
        return Ok(Proof::Accepted {
            used_recovery: None,
            totp_step: None,
            email_code: None,
        });
    }
    let attempt =
        state
            .auth
            .throttle
            .begin(Scope::Factor, &asker.person.to_string(), asker.addr)?;
    let proof = verify_factor(state, asker, email, factors, offered).await;
    match &proof {
        Ok(Proof::Accepted { .. }) => attempt.succeeded(),
        Ok(Proof::Wrong) => attempt.failed(),
        Ok(Proof::Missing) | Err(_) => attempt.abandoned(),
    }
    proof
}

async fn verify_factor(
    state: &AppState,
    asker: Asker<'_>,
    email: &str,
    factors: &TwoFactor,
    offered: &Offered<'_>,
) -> ApiResult<Proof> {
    let id = asker.person;
    let keys = if factors.fido_enabled && offered.fido.is_some() {
        state
            .store
            .read(move |c| auth_db::fido::list(c, id).map_err(ApiError::from))
            .await?
    } else {
        Vec::new()
    };
    let mut signed = None;
    let now = crate::db::now_ms();
    let proof = two_factor::check(factors, email, &state.auth.key, offered, now, |answer| {
        signed = state.fido.finish_login(asker, answer, &keys)?;
        Ok(signed.is_some())
    })?;
    match &proof {
        Proof::Accepted {
            totp_step: Some(step),
            ..
        } => {
            let step = *step;
            let fresh = state
                .store
                .write(move |c| {
                    auth_db::users::accept_totp_step(c, id, step).map_err(ApiError::from)
                })
                .await?;
            if !fresh {
                tracing::info!(%email, "a TOTP code was offered again");
                return Ok(Proof::Wrong);
            }
        }
        Proof::Accepted {
            email_code: Some(hash),
            ..
        } => {
            // Used up here, so a code works once even when two logins race with it.
            let hash = hash.clone();
            let fresh = state
                .store
                .write(move |c| {
                    auth_db::mail::take_token(c, id, auth_db::mail::Purpose::EmailOtp, &hash, now)
                        .map_err(ApiError::from)
                })
                .await?;
            if !fresh {
                return Ok(Proof::Wrong);
            }
        }
        Proof::Accepted {
            used_recovery: Some(hash),
            ..
        } => {
            let hash = hash.clone();
            let was_unused = state
                .store
                .write(move |c| {
                    let left = auth_db::users::two_factor(c, id)?.recovery_hashes;
                    if !left.contains(&hash) {
                        return Ok(false);
                    }
                    let left: Vec<String> = left.into_iter().filter(|h| *h != hash).collect();
                    auth_db::users::set_recovery_hashes(c, id, &left)?;
                    Ok::<_, ApiError>(true)
                })
                .await?;
            if !was_unused {
                return Ok(Proof::Wrong);
            }
        }
        _ => {}
    }
    if let Some(key) = signed {
        state
            .store
            .write(move |c| {
                auth_db::fido::update(c, id, &key.credential_id, &key.credential)
                    .map_err(ApiError::from)
            })
            .await?;
    }
    Ok(proof)
}

/// Refuses (`wrong_OTP`) unless the logged-in person proves one of their second factors
/// with `proof`, before they change them (see [`check_factor`]).
pub(super) async fn require_factor(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    addr: std::net::IpAddr,
    factors: &TwoFactor,
    proof: &CodeProof,
) -> Result<(), Refusal> {
    let asker = Asker {
        person: me.user.id,
        login: None,
        addr,
    };
    match check_factor(state, asker, &me.user.email, factors, &proof.offered()).await? {
        Proof::Accepted { .. } => Ok(()),
        Proof::Missing | Proof::Wrong => Err(Refusal::WrongFactor { login: false }),
    }
}

/// A second factor proving the person holds it, to change their second factors.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct CodeProof {
    /// The current one-time code.
    #[serde(default)]
    pub(super) totp: Option<String>,
    /// The code last sent by e-mail.
    #[serde(default)]
    pub(super) email_otp: Option<String>,
    /// A security key's signed answer to a challenge of `GET /auth/fido`.
    #[serde(default)]
    fido_authentication_response: Option<Value>,
    /// One of the person's recovery codes.
    #[serde(default)]
    recovery_code: Option<String>,
}

impl CodeProof {
    /// The proof a body carries; an empty body offers none (Kitsu sends none then).
    pub(super) fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        if body.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))
    }

    pub(super) fn offered(&self) -> Offered<'_> {
        Offered {
            totp: self.totp.as_deref(),
            email_otp: self.email_otp.as_deref(),
            fido: self.fido_authentication_response.as_ref(),
            recovery_code: self.recovery_code.as_deref(),
        }
    }
}

/// Who the access token belongs to, in Kitsu's shape: the person (with `fido_devices`, the
/// names of their security keys) and the studio's organisation.
#[utoipa::path(get, path = "/auth/authenticated", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Authenticated), (status = 401, body = ErrorBody)))]
async fn authenticated(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<Value>> {
    let viewer = Viewer::from(&me);
    let is_admin = me.user.role == drover_shared::Role::Admin;
    let schema = state.production.clone();
    let id = me.user.id;
    let (person, organisation, devices) = state
        .store
        .read(move |c| {
            let model = |route| {
                crate::production::db::by_route(route)
                    .ok_or_else(|| ApiError::Internal(format!("no production model {route}")))
            };
            let person = crate::production::db::get(
                c,
                &schema,
                model("persons")?,
                &viewer,
                &id.to_string(),
            )?;
            let organisations = crate::production::db::list(
                c,
                &schema,
                model("organisations")?,
                &viewer,
                &ListQuery::default(),
            )?;
            let devices: Vec<String> = auth_db::fido::list(c, id)?
                .into_iter()
                .map(|k| k.device_name)
                .collect();
            let organisation = match organisations {
                Value::Array(rows) => rows.into_iter().next(),
                _ => None,
            };
            Ok::<_, ApiError>((person, organisation, devices))
        })
        .await?;
    // Drover's fields (`created` among them) under Kitsu's person, which wins where both
    // have a field (`role` is Kitsu's name).
    let mut user = match serde_json::to_value(&me.user) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    user.extend(person);
    user.insert("fido_devices".into(), Value::from(devices));
    let mut organisation = organisation.unwrap_or(Value::Null);
    if let (false, Some(org)) = (is_admin, organisation.as_object_mut()) {
        // As in Zou, the chat integrations' secrets are for admins only.
        org.retain(|key, _| !key.starts_with("chat_"));
    }
    Ok(Json(serde_json::json!({
        "authenticated": true,
        "user": user,
        "organisation": organisation,
    })))
}

/// End the session: its access and refresh tokens stop working, and a browser forgets its
/// session cookies.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = LogoutResponse), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<(HeaderMap, Json<LogoutResponse>)> {
    let session = me.session_id;
    let old = state
        .store
        .write(move |c| auth_db::sessions::delete(c, session).map_err(ApiError::from))
        .await?;
    if let Some(hash) = old {
        state.auth.end_session(session, &hash);
    }
    let mut cookies = HeaderMap::new();
    state.auth.cookies.clear_session(&mut cookies);
    Ok((cookies, Json(LogoutResponse { logout: true })))
}

/// End the session, as gazu's `log_out` asks for it (Zou's method).
#[utoipa::path(get, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = LogoutResponse), (status = 401, body = ErrorBody)))]
async fn logout_get(
    state: State<AppState>,
    me: Authed,
) -> ApiResult<(HeaderMap, Json<LogoutResponse>)> {
    logout(state, me).await
}

/// New tokens for `Authorization: Bearer <refresh_token>` (or the refresh cookie, which then
/// gets the new tokens as cookies): an access token and a refresh token. The session's
/// previous access token stops working and the refresh token sent is retired; sent again, it
/// ends the whole session (it must have been copied).
#[utoipa::path(get, path = "/auth/refresh-token", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = RefreshResponse),
        (status = 401, description = "Not a refresh token, expired, or already used (which \
            ends its session)", body = ErrorBody),
    ))]
async fn refresh_token(
    State(state): State<AppState>,
    parts: Parts,
) -> ApiResult<(HeaderMap, Json<RefreshResponse>)> {
    let from_cookie = bearer(&parts).is_none();
    let token = bearer(&parts)
        .or_else(|| cookie_value(&parts.headers, REFRESH_COOKIE))
        .ok_or_else(|| {
            ApiError::Unauthorized("send the refresh token as `Authorization: Bearer …`".into())
        })?;
    let hash = hash_token(token);
    let invalid = || ApiError::Unauthorized("the refresh token is not valid; log in again".into());
    // A read first: tokens that never were cost no write.
    let known = state
        .store
        .read(move |c| auth_db::sessions::refresh_known(c, &hash).map_err(ApiError::from))
        .await?;
    if !known {
        return Err(invalid());
    }
    let (access, refresh) = (new_token(), new_token());
    let (access_hash, refresh_hash) = (hash_token(&access), hash_token(&refresh));
    let now = crate::db::now_ms();
    let outcome = state
        .store
        .write(move |c| {
            auth_db::sessions::refresh(
                c,
                &hash,
                &access_hash,
                &refresh_hash,
                now + ACCESS_TTL_MS,
                now,
            )
            .map_err(ApiError::from)
        })
        .await?;
    match outcome {
        Refreshed::Rotated { old_access, .. } => {
            state.auth.forget(&old_access);
            let cookies = if from_cookie {
                state.auth.cookies.session_headers(&access, &refresh)
            } else {
                HeaderMap::new()
            };
            Ok((
                cookies,
                Json(RefreshResponse {
                    access_token: access,
                    refresh_token: refresh,
                }),
            ))
        }
        Refreshed::Reused {
            session_id,
            user_id,
            access,
        } => {
            state.auth.end_session(session_id, &access);
            tracing::warn!(%user_id, session_id, "a used refresh token came back: session ended");
            Err(ApiError::Unauthorized(
                "this refresh token was already used, so its session has ended (its tokens may \
                 have been copied); log in again"
                    .into(),
            ))
        }
        Refreshed::Unknown => Err(invalid()),
    }
}
