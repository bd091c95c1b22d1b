//! `/auth/email-otp`: login codes sent by e-mail, Kitsu's second factor for people without an
//! authenticator app. `PUT` sends a first code, `POST` with it turns the factor on (with
//! recovery codes, as for TOTP), `DELETE` with a second factor turns it off; `GET ?email=`
//! sends a code for the login form. A code has six digits, works once, within five minutes,
//! and only the newest one sent works (see [`crate::auth::mail::send_login_code`]).

use super::factors::{CodeProof, Refusal, require_factor, second_factors};
use super::recovery::no_mail;
use crate::auth::db as auth_db;
use crate::auth::db::mail::{self as mail_db, Purpose};
use crate::auth::throttle::Scope;
use crate::auth::two_factor;
use crate::auth::{Authed, ClientAddr, mail};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use drover_shared::ErrorBody;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /auth/email-otp`, which the login form calls for anyone.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send_for_login))
}

/// Turning the factor on and off (behind the token check).
pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start, confirm, disable))
}

/// `GET /auth/email-otp?email=`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct ForLogin {
    /// The login typed: an e-mail address or a desktop login.
    email: String,
}

/// `POST /auth/email-otp`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct Confirm {
    /// The code just e-mailed.
    email_otp: String,
}

/// E-mails a login code to the account, if it has codes by e-mail on. The answer is the same
/// whatever the account (none, deactivated, without the factor), so it tells nobody which
/// exist. Each login may ask five times in fifteen minutes.
#[utoipa::path(get, path = "/auth/email-otp", tag = "auth", security(()),
    params(ForLogin),
    responses(
        (status = 200, description = "`{\"success\": true}`, whatever the account"),
        (status = 429, description = "Too many codes asked for this login", body = ErrorBody),
    ))]
async fn send_for_login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Query(query): Query<ForLogin>,
) -> ApiResult<Json<Value>> {
    let login = query.email.trim().to_owned();
    state
        .auth
        .throttle
        .begin(Scope::Mail, &login, addr)?
        .failed();
    let key = state.auth.key.clone();
    let now = crate::db::now_ms();
    let sent = state
        .store
        .write(move |c| {
            let Some(person) = mail_db::recipient_by_login(c, &login)? else {
                return Ok(false);
            };
            if !person.active || !person.email_otp_enabled {
                return Ok(false);
            }
            mail::send_login_code(c, &key, &person, now)?;
            Ok::<_, ApiError>(true)
        })
        .await?;
    if sent && !state.notifier.sends_mail() {
        tracing::warn!("a login code by e-mail was asked for, but the server has no --smtp-url");
    }
    Ok(Json(json!({"success": true})))
}

/// Starts turning codes by e-mail on: a code is e-mailed to the person, to confirm with
/// `POST /auth/email-otp`.
#[utoipa::path(put, path = "/auth/email-otp", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{\"success\": true}`: a code is on its way"),
        (status = 400, description = "Already on, or the server sends no e-mail", body = ErrorBody),
    ))]
async fn start(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Value>> {
    if !state.notifier.sends_mail() {
        return Err(no_mail());
    }
    let id = me.user.id;
    let key = state.auth.key.clone();
    let now = crate::db::now_ms();
    state
        .store
        .write(move |c| {
            let person = mail_db::recipient_by_id(c, id)?
                .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
            if person.email_otp_enabled {
                return Err(ApiError::BadRequest("OTP by email already enabled.".into()));
            }
            mail::send_login_code(c, &key, &person, now).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(json!({"success": true})))
}

/// Turns codes by e-mail on with the code just e-mailed; returns recovery codes the first
/// time a second factor is on (each works once, in place of a code).
#[utoipa::path(post, path = "/auth/email-otp", tag = "auth", security(("bearer" = [])),
    request_body = Confirm,
    responses(
        (status = 200, description = "`{otp_recovery_codes}`: a list, or null if the person \
            already had codes"),
        (status = 400, description = "Already on, or a wrong or expired code (`wrong_OTP`)",
            body = ErrorBody),
        (status = 429, description = "Too many wrong codes", body = ErrorBody),
    ))]
async fn confirm(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<Confirm>,
) -> Result<Json<Value>, Refusal> {
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if factors.email_otp_enabled {
        return Err(ApiError::BadRequest("OTP by email already enabled.".into()).into());
    }
    let attempt = state
        .auth
        .throttle
        .begin(Scope::Factor, &id.to_string(), addr)?;
    let hash = two_factor::hash_account_secret(&state.auth.key, id, &body.email_otp);
    let fresh = factors
        .recovery_hashes
        .is_empty()
        .then(|| two_factor::new_recovery_codes(&state.auth.key));
    let hashes = fresh.as_ref().map(|(_, h)| h.clone());
    let now = crate::db::now_ms();
    let turned_on = state
        .store
        .write(move |c| {
            if !mail_db::take_token(c, id, Purpose::EmailOtp, &hash, now)? {
                return Ok(false);
            }
            mail_db::set_email_otp(c, id, true)?;
            if let Some(hashes) = hashes {
                auth_db::users::set_recovery_hashes(c, id, &hashes)?;
            }
            Ok::<_, ApiError>(true)
        })
        .await?;
    if !turned_on {
        attempt.failed();
        return Err(Refusal::WrongFactor { login: false });
    }
    attempt.succeeded();
    tracing::info!(email = %me.user.email, "login codes by e-mail enabled");
    Ok(Json(json!({
        "otp_recovery_codes": fresh.map(|(codes, _)| codes),
    })))
}

/// Turns codes by e-mail off. The body proves the person holds a second factor:
/// `{"email_otp"}`, `{"totp"}`, `{"fido_authentication_response"}` or `{"recovery_code"}`.
#[utoipa::path(delete, path = "/auth/email-otp", tag = "auth", security(("bearer" = [])),
    request_body = CodeProof,
    responses(
        (status = 200, description = "`{\"success\": true}`"),
        (status = 400, description = "Not on, or the factor is missing or wrong (`wrong_OTP`)",
            body = ErrorBody),
    ))]
async fn disable(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Refusal> {
    let proof = CodeProof::from_body(&body)?;
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.email_otp_enabled {
        return Err(ApiError::BadRequest("OTP by email not enabled.".into()).into());
    }
    require_factor(&state, &me, addr, &factors, &proof).await?;
    state
        .store
        .write(move |c| {
            mail_db::set_email_otp(c, id, false)?;
            auth_db::fido::settle_factors(c, id).map_err(ApiError::from)
        })
        .await?;
    tracing::info!(email = %me.user.email, "login codes by e-mail disabled");
    Ok(Json(json!({ "success": true })))
}
