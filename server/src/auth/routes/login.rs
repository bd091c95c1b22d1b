//! `/auth`: login, the current user, logout, token refresh, and checking the second factors
//! (turned on and off in [`totp`] and [`fido`]).

use super::factors::{Refusal, check_factor, second_factors};
use super::{email_otp, fido, password, recovery, totp};
use crate::auth::cookies::{REFRESH_COOKIE, cookie_value};
use crate::auth::db as auth_db;
use crate::auth::db::sessions::Refreshed;
use crate::auth::fido::Asker;
use crate::auth::hashing::{verify_no_account, verify_password};
use crate::auth::throttle::Scope;
use crate::auth::two_factor::{Offered, Proof};
use crate::auth::{
    ACCESS_TTL_MS, Authed, ClientAddr, REFRESH_TTL_MS, bearer, hash_token, new_token,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::production::db::{ListQuery, Viewer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::http::request::Parts;
use drover_shared::ErrorBody;
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
