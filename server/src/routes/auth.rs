//! `/auth`: login, the current user, logout and token refresh.

use crate::auth::{
    ACCESS_TTL_MS, Authed, REFRESH_TTL_MS, bearer, hash_token, new_token, verify_password,
};
use crate::db;
use crate::db::users::TwoFactor;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::two_factor::{self, Proof};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use drover_shared::ErrorBody;
use drover_shared::UserId;
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
        .routes(routes!(totp_start, totp_confirm, totp_disable))
}

const LOGIN_FAILED: &str = "wrong email or password";

/// Why a login was refused: an ordinary error, or a second factor missing or wrong, which
/// Kitsu clients recognise by the `missing_OTP` and `wrong_OTP` flags.
enum LoginRefusal {
    Api(ApiError),
    MissingCode,
    WrongCode,
}

impl From<ApiError> for LoginRefusal {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl IntoResponse for LoginRefusal {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Api(e) => return e.into_response(),
            Self::MissingCode => serde_json::json!({
                "error": drover_shared::api::MISSING_CODE,
                "message": "this account needs a one-time code (TOTP) or a recovery code",
                "login": false,
                "missing_OTP": true,
                "preferred_two_factor_authentication": "totp",
                "two_factor_authentication_enabled": ["recovery_code", "totp"],
            }),
            Self::WrongCode => serde_json::json!({
                "error": drover_shared::api::WRONG_CODE,
                "message": "wrong one-time code",
                "login": false,
                "wrong_OTP": true,
            }),
        };
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// Log in with email (or Kitsu desktop login) and password, plus the one-time code (`totp`)
/// or a recovery code when the account has TOTP.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, description = "Login failed: wrong email or password, or a one-time \
            code missing (`error: missing_otp`) or wrong (`error: wrong_otp`)", body = ErrorBody),
        (status = 401, description = "The account is deactivated", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this email", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, LoginRefusal> {
    state.auth.check_throttle(&body.email)?;
    let email = body.email.trim().to_owned();
    let found = state
        .store
        .read(move |c| db::users::find_for_login(c, &email).map_err(ApiError::from))
        .await?;
    let Some(found) = found else {
        // Hash anyway so a missing account takes as long as a wrong password.
        let _ = crate::auth::hash_password(body.password).await;
        state.auth.record_failure(&body.email);
        return Err(ApiError::BadRequest(LOGIN_FAILED.into()).into());
    };
    if !verify_password(body.password, found.password_hash).await? {
        state.auth.record_failure(&body.email);
        return Err(ApiError::BadRequest(LOGIN_FAILED.into()).into());
    }
    let user = found.user;
    let id = user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.active {
        return Err(ApiError::Unauthorized("this account is deactivated".into()).into());
    }
    let used_recovery = match two_factor::check(
        &factors,
        &user.email,
        body.totp.as_deref(),
        body.recovery_code.as_deref(),
    )? {
        Proof::Accepted { used_recovery } => used_recovery,
        Proof::Missing => return Err(LoginRefusal::MissingCode),
        Proof::Wrong => {
            state.auth.record_failure(&body.email);
            return Err(LoginRefusal::WrongCode);
        }
    };
    state.auth.record_success(&body.email);
    let (access, refresh) = (new_token(), new_token());
    let (access_hash, refresh_hash) = (hash_token(&access), hash_token(&refresh));
    let now = db::now_ms();
    let stored = user.clone();
    state
        .store
        .write(move |c| {
            if let Some(used) = used_recovery {
                // A recovery code works once.
                let left: Vec<String> = factors
                    .recovery_hashes
                    .into_iter()
                    .filter(|h| *h != used)
                    .collect();
                db::users::set_recovery_hashes(c, id, &left)?;
            }
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

/// A person's activity flag and second factors.
async fn second_factors(state: &AppState, id: UserId) -> ApiResult<TwoFactor> {
    state
        .store
        .read(move |c| db::users::two_factor(c, id).map_err(ApiError::from))
        .await
}

/// A one-time or recovery code proving the person holds their second factor.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
struct CodeProof {
    /// The current one-time code.
    #[serde(default)]
    totp: Option<String>,
    /// One of the person's recovery codes.
    #[serde(default)]
    recovery_code: Option<String>,
}

/// Start enabling TOTP: a new secret, its `otpauth://` URL and a QR code (base64 PNG) for an
/// authenticator app. Confirm it with `POST /auth/totp`.
#[utoipa::path(put, path = "/auth/totp", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{totp_provisionning_uri, otp_secret, qr_code}`"),
        (status = 400, description = "TOTP is already enabled", body = ErrorBody),
    ))]
async fn totp_start(
    State(state): State<AppState>,
    Authed(me): Authed,
) -> ApiResult<Json<serde_json::Value>> {
    let id = me.user.id;
    let secret = two_factor::new_secret();
    let stored = secret.clone();
    state
        .store
        .write(move |c| {
            if db::users::two_factor(c, id)?.totp_enabled {
                return Err(ApiError::BadRequest("TOTP already enabled.".into()));
            }
            db::users::set_totp(c, id, Some(&stored), false).map_err(ApiError::from)
        })
        .await?;
    let (url, qr) = two_factor::provisioning(&secret, &me.user.email)?;
    Ok(Json(serde_json::json!({
        // Kitsu's spelling.
        "totp_provisionning_uri": url,
        "otp_secret": secret,
        "qr_code": format!("data:image/png;base64,{qr}"),
    })))
}

/// Turn TOTP on with a code from the authenticator; returns recovery codes the first time
/// (each works once, in place of a code).
#[utoipa::path(post, path = "/auth/totp", tag = "auth", security(("bearer" = [])),
    request_body = CodeProof,
    responses(
        (status = 200, description = "`{otp_recovery_codes}`: a list, or null if the person \
            already had codes"),
        (status = 400, description = "Already enabled, not started, or a wrong code", body = ErrorBody),
    ))]
async fn totp_confirm(
    State(state): State<AppState>,
    Authed(me): Authed,
    Json(proof): Json<CodeProof>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if factors.totp_enabled {
        return Err(ApiError::BadRequest("TOTP already enabled.".into()));
    }
    let Some(secret) = factors.totp_secret else {
        return Err(ApiError::BadRequest(
            "start with PUT /auth/totp to get a secret".into(),
        ));
    };
    let code = proof.totp.unwrap_or_default();
    if !two_factor::code_is_valid(&secret, &me.user.email, &code)? {
        return Err(ApiError::BadRequest(
            "TOTP verification failed: wrong code".into(),
        ));
    }
    let fresh = factors
        .recovery_hashes
        .is_empty()
        .then(two_factor::new_recovery_codes);
    let hashes = fresh.as_ref().map(|(_, h)| h.clone());
    state
        .store
        .write(move |c| {
            db::users::set_totp(c, id, Some(&secret), true)?;
            if let Some(hashes) = hashes {
                db::users::set_recovery_hashes(c, id, &hashes)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    tracing::info!(email = %me.user.email, "TOTP enabled");
    Ok(Json(serde_json::json!({
        "otp_recovery_codes": fresh.map(|(codes, _)| codes),
    })))
}

/// Turn TOTP off. The body proves the person holds it: `{"totp"}` or `{"recovery_code"}`.
#[utoipa::path(delete, path = "/auth/totp", tag = "auth", security(("bearer" = [])),
    request_body = CodeProof,
    responses(
        (status = 200, description = "TOTP disabled: `{success: true}`"),
        (status = 400, description = "TOTP not enabled, or the code is missing or wrong", body = ErrorBody),
    ))]
async fn totp_disable(
    State(state): State<AppState>,
    Authed(me): Authed,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let proof: CodeProof = if body.is_empty() {
        CodeProof::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?
    };
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.totp_enabled {
        return Err(ApiError::BadRequest("TOTP not enabled.".into()));
    }
    match two_factor::check(
        &factors,
        &me.user.email,
        proof.totp.as_deref(),
        proof.recovery_code.as_deref(),
    )? {
        Proof::Accepted { .. } => {}
        Proof::Missing => {
            return Err(ApiError::BadRequest(
                "OTP verification failed: send the current code as `totp` or a `recovery_code`"
                    .into(),
            ));
        }
        Proof::Wrong => {
            return Err(ApiError::BadRequest(
                "OTP verification failed: wrong code".into(),
            ));
        }
    }
    state
        .store
        .write(move |c| {
            db::users::set_totp(c, id, None, false)?;
            // TOTP is the only second factor, so its recovery codes go with it.
            db::users::set_recovery_hashes(c, id, &[]).map_err(ApiError::from)
        })
        .await?;
    tracing::info!(email = %me.user.email, "TOTP disabled");
    Ok(Json(serde_json::json!({ "success": true })))
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
