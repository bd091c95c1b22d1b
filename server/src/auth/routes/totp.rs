//! `/auth/totp`: turning the one-time codes of an authenticator app on and off; and
//! `PUT /auth/recovery-codes`: a fresh set of recovery codes, the old ones void.

use super::factors::{CodeProof, Refusal, require_factor, second_factors};
use crate::auth::db as auth_db;
use crate::auth::throttle::Scope;
use crate::auth::two_factor;
use crate::auth::{Authed, ClientAddr};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use drover_shared::ErrorBody;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(totp_start, totp_confirm, totp_disable))
        .routes(routes!(new_recovery_codes))
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
    let stored = two_factor::seal_secret(&state.auth.key, id, &secret);
    state
        .store
        .write(move |c| {
            if auth_db::users::two_factor(c, id)?.totp_enabled {
                return Err(ApiError::BadRequest("TOTP already enabled.".into()));
            }
            auth_db::users::set_totp(c, id, Some(&stored), false).map_err(ApiError::from)
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
    ClientAddr(addr): ClientAddr,
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
    let attempt = state
        .auth
        .throttle
        .begin(Scope::Factor, &id.to_string(), addr)?;
    let code = proof.totp.unwrap_or_default();
    if !two_factor::code_is_valid(&secret, &me.user.email, &code)? {
        attempt.failed();
        return Err(ApiError::BadRequest(
            "TOTP verification failed: wrong code".into(),
        ));
    }
    attempt.succeeded();
    let fresh = factors
        .recovery_hashes
        .is_empty()
        .then(|| two_factor::new_recovery_codes(&state.auth.key));
    let hashes = fresh.as_ref().map(|(_, h)| h.clone());
    let sealed = two_factor::seal_secret(&state.auth.key, id, &secret);
    state
        .store
        .write(move |c| {
            auth_db::users::set_totp(c, id, Some(&sealed), true)?;
            if let Some(hashes) = hashes {
                auth_db::users::set_recovery_hashes(c, id, &hashes)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    tracing::info!(email = %me.user.email, "TOTP enabled");
    Ok(Json(serde_json::json!({
        "otp_recovery_codes": fresh.map(|(codes, _)| codes),
    })))
}

/// Turn TOTP off. The body proves the person holds a second factor: `{"totp"}`,
/// `{"fido_authentication_response"}` or `{"recovery_code"}`.
#[utoipa::path(delete, path = "/auth/totp", tag = "auth", security(("bearer" = [])),
    request_body = CodeProof,
    responses(
        (status = 200, description = "TOTP disabled: `{success: true}`"),
        (status = 400, description = "TOTP not enabled, or the factor is missing or wrong \
            (`wrong_OTP`)", body = ErrorBody),
    ))]
async fn totp_disable(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Refusal> {
    let proof = CodeProof::from_body(&body)?;
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.totp_enabled {
        return Err(ApiError::BadRequest("TOTP not enabled.".into()).into());
    }
    require_factor(&state, &me, addr, &factors, &proof).await?;
    state
        .store
        .write(move |c| {
            auth_db::users::set_totp(c, id, None, false)?;
            // Recovery codes go with the last second factor.
            auth_db::fido::settle_factors(c, id).map_err(ApiError::from)
        })
        .await?;
    tracing::info!(email = %me.user.email, "TOTP disabled");
    Ok(Json(serde_json::json!({ "success": true })))
}

/// New recovery codes for a person with a second factor, proven by the body as for turning
/// TOTP off (`{"totp"}`, `{"fido_authentication_response"}` or `{"recovery_code"}`); the
/// codes they had stop working. Answers `{otp_recovery_codes}`, shown this once.
#[utoipa::path(put, path = "/auth/recovery-codes", tag = "auth", security(("bearer" = [])),
    request_body = CodeProof,
    responses(
        (status = 200, description = "`{otp_recovery_codes}`: the new codes"),
        (status = 400, description = "No second factor enabled, or the factor is missing or \
            wrong (`wrong_OTP`)", body = ErrorBody),
    ))]
async fn new_recovery_codes(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Refusal> {
    let proof = CodeProof::from_body(&body)?;
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if !two_factor::has_factor(&factors) {
        return Err(ApiError::BadRequest("No second factor is enabled.".into()).into());
    }
    require_factor(&state, &me, addr, &factors, &proof).await?;
    let (codes, hashes) = two_factor::new_recovery_codes(&state.auth.key);
    state
        .store
        .write(move |c| auth_db::users::set_recovery_hashes(c, id, &hashes).map_err(ApiError::from))
        .await?;
    tracing::info!(email = %me.user.email, "recovery codes renewed");
    Ok(Json(serde_json::json!({ "otp_recovery_codes": codes })))
}
