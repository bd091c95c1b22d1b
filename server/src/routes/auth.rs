//! `/auth`: login, the current user, logout and token refresh.

use crate::auth::{
    ACCESS_TTL_MS, Authed, REFRESH_TTL_MS, bearer, hash_token, new_token, verify_password,
};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use drover_shared::ErrorBody;
use drover_shared::api::{
    Authenticated, LoginRequest, LoginResponse, LogoutResponse, RefreshResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh_token))
}

pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authenticated))
        .routes(routes!(logout))
}

const LOGIN_FAILED: &str = "wrong email or password";

/// Log in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Login failed", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this email", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    state.auth.check_throttle(&body.email)?;
    let email = body.email.trim().to_owned();
    let found = state
        .store
        .read(move |c| db::users::find_by_email(c, &email).map_err(ApiError::from))
        .await?;
    let Some(found) = found else {
        // Hash anyway so a missing account takes as long as a wrong password.
        let _ = crate::auth::hash_password(body.password).await;
        state.auth.record_failure(&body.email);
        return Err(ApiError::BadRequest(LOGIN_FAILED.into()));
    };
    if !verify_password(body.password, found.password_hash).await? {
        state.auth.record_failure(&body.email);
        return Err(ApiError::BadRequest(LOGIN_FAILED.into()));
    }
    state.auth.record_success(&body.email);
    let (access, refresh) = (new_token(), new_token());
    let (access_hash, refresh_hash) = (hash_token(&access), hash_token(&refresh));
    let user = found.user;
    let now = db::now_ms();
    let stored = user.clone();
    state
        .store
        .write(move |c| {
            db::sessions::delete_expired(c, now)?;
            db::sessions::insert(
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
    Ok(Json(LoginResponse {
        login: true,
        user,
        access_token: access,
        refresh_token: refresh,
    }))
}

/// Who the access token belongs to.
#[utoipa::path(get, path = "/auth/authenticated", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Authenticated), (status = 401, body = ErrorBody)))]
async fn authenticated(Authed(me): Authed) -> Json<Authenticated> {
    Json(Authenticated {
        authenticated: true,
        user: me.user,
    })
}

/// End the session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = LogoutResponse), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<LogoutResponse>> {
    let session = me.session_id;
    let old = state
        .store
        .write(move |c| db::sessions::delete(c, session).map_err(ApiError::from))
        .await?;
    if let Some(hash) = old {
        state.auth.forget(&hash);
    }
    Ok(Json(LogoutResponse { logout: true }))
}

/// A new access token, for `Authorization: Bearer <refresh_token>`. The previous access
/// token of the session stops working.
#[utoipa::path(get, path = "/auth/refresh-token", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = RefreshResponse), (status = 401, body = ErrorBody)))]
async fn refresh_token(
    State(state): State<AppState>,
    parts: Parts,
) -> ApiResult<Json<RefreshResponse>> {
    let token = bearer(&parts).ok_or_else(|| {
        ApiError::Unauthorized("send the refresh token as `Authorization: Bearer …`".into())
    })?;
    let hash = hash_token(token);
    let now = db::now_ms();
    let session = state
        .store
        .read(move |c| db::sessions::find_by_refresh(c, &hash).map_err(ApiError::from))
        .await?;
    let session = match session {
        Some(s) if s.expires_ms > now => s,
        _ => {
            return Err(ApiError::Unauthorized(
                "the refresh token is not valid; log in again".into(),
            ));
        }
    };
    let access = new_token();
    let access_hash = hash_token(&access);
    let id = session.session_id;
    let old = state
        .store
        .write(move |c| {
            db::sessions::rotate_access(c, id, &access_hash, now + ACCESS_TTL_MS)
                .map_err(ApiError::from)
        })
        .await?;
    if let Some(old) = old {
        state.auth.forget(&old);
    }
    Ok(Json(RefreshResponse {
        access_token: access,
    }))
}
