//! `/auth/fido`: FIDO security keys as a second factor, in Zou's shape. `PUT` starts a
//! registration, `POST` finishes it, `GET ?email=` hands out a login challenge (no token:
//! the person is logging in), `DELETE` removes a key. The WebAuthn side is [`crate::auth::fido`].

use super::factors::{CodeProof, Refusal, require_factor, second_factors};
use crate::auth::db;
use crate::auth::fido::{Asker, RegisterError};
use crate::auth::two_factor;
use crate::auth::{Authed, ClientAddr};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use drover_shared::ErrorBody;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The longest device name accepted.
const MAX_DEVICE_NAME_CHARS: usize = 100;
/// Kitsu's answer when the person has no key (or is unknown or inactive).
const NOT_ENABLED: &str = "FIDO not enabled.";

pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(challenge))
}

pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start, register, remove))
}

/// `GET /auth/fido`'s query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct ChallengeQuery {
    /// The person's email or Kitsu desktop login.
    email: Option<String>,
}

/// `POST /auth/fido`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct Registration {
    /// The authenticator's answer to the options of `PUT /auth/fido` (the JSON of a WebAuthn
    /// `PublicKeyCredential`).
    registration_response: Value,
    /// A name for the key, unique among the person's keys.
    device_name: String,
}

/// `DELETE /auth/fido`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct Removal {
    /// The key's name.
    device_name: String,
    /// A second factor proving the person holds one.
    #[serde(flatten)]
    proof: CodeProof,
}

fn device_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::BadRequest(
            "`device_name` must not be empty".into(),
        ));
    }
    if name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return Err(ApiError::BadRequest(format!(
            "`device_name` is longer than {MAX_DEVICE_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// A login challenge for the person's security keys: WebAuthn request options (`challenge`,
/// `rpId`, `allowCredentials`…) for `navigator.credentials.get`. The signed answer goes to
/// `POST /auth/login` as `fido_authentication_response` within five minutes, with the same
/// `email`, from the same address; it is good once.
#[utoipa::path(get, path = "/auth/fido", tag = "auth", security(()),
    params(ChallengeQuery),
    responses(
        (status = 200, description = "WebAuthn `PublicKeyCredentialRequestOptions`"),
        (status = 400, description = "`email` missing, or `FIDO not enabled.` for this \
            person", body = ErrorBody),
    ))]
async fn challenge(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Query(query): Query<ChallengeQuery>,
) -> ApiResult<Json<Value>> {
    let Some(email) = query
        .email
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
    else {
        return Err(ApiError::BadRequest(
            "Missing required parameter: email".into(),
        ));
    };
    let lookup = email.clone();
    let found = state
        .store
        .read(move |c| {
            let Some(found) = db::users::find_for_login(c, &lookup)? else {
                return Ok(None);
            };
            let id = found.user.id;
            let factors = db::users::two_factor(c, id)?;
            if !factors.active || !factors.fido_enabled {
                return Ok(None);
            }
            Ok::<_, ApiError>(Some((id, db::fido::list(c, id)?)))
        })
        .await?;
    let Some((id, keys)) = found else {
        return Err(ApiError::BadRequest(NOT_ENABLED.into()));
    };
    let asker = Asker {
        person: id,
        login: Some(&email),
        addr,
    };
    Ok(Json(state.fido.start_login(asker, &keys)?))
}

/// Start registering a security key: WebAuthn creation options (`rp`, `user`, `challenge`,
/// `pubKeyCredParams`, `excludeCredentials`…) for `navigator.credentials.create`. Finish with
/// `POST /auth/fido` within five minutes.
#[utoipa::path(put, path = "/auth/fido", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "WebAuthn `PublicKeyCredentialCreationOptions`"),
        (status = 401, body = ErrorBody),
    ))]
async fn start(State(state): State<AppState>, Authed(me): Authed) -> ApiResult<Json<Value>> {
    let id = me.user.id;
    let keys = state
        .store
        .read(move |c| db::fido::list(c, id).map_err(ApiError::from))
        .await?;
    Ok(Json(state.fido.start_registration(
        id,
        &me.user.email,
        &keys,
    )?))
}

/// Register the security key that answered `PUT /auth/fido`, under a name. Turns FIDO on;
/// the first second factor also brings recovery codes.
#[utoipa::path(post, path = "/auth/fido", tag = "auth", security(("bearer" = [])),
    request_body = Registration,
    responses(
        (status = 200, description = "`{otp_recovery_codes}`: a list, or null if the person \
            already had codes"),
        (status = 400, description = "`No preregistration before.`, a wrong answer, or the \
            name or key already registered", body = ErrorBody),
    ))]
async fn register(
    State(state): State<AppState>,
    Authed(me): Authed,
    Json(body): Json<Registration>,
) -> ApiResult<Json<Value>> {
    let id = me.user.id;
    let name = device_name(&body.device_name)?;
    let key = match state
        .fido
        .finish_registration(id, &body.registration_response)
    {
        Ok(key) => key,
        Err(RegisterError::NotStarted) => {
            return Err(ApiError::BadRequest("No preregistration before.".into()));
        }
        Err(RegisterError::Rejected) => {
            return Err(ApiError::BadRequest(
                "FIDO registration failed: the registration response does not answer the \
                 options of PUT /auth/fido"
                    .into(),
            ));
        }
        Err(RegisterError::Internal(e)) => return Err(e),
    };
    let factors = second_factors(&state, id).await?;
    let fresh = factors
        .recovery_hashes
        .is_empty()
        .then(|| two_factor::new_recovery_codes(&state.auth.key));
    let hashes = fresh.as_ref().map(|(_, h)| h.clone());
    let stored_name = name.clone();
    state
        .store
        .write(move |c| {
            if db::fido::name_taken(c, id, &stored_name)? {
                return Err(ApiError::BadRequest(format!(
                    "A FIDO device named {stored_name:?} already exists."
                )));
            }
            if db::fido::credential_taken(c, &key.credential_id)? {
                return Err(ApiError::BadRequest(
                    "This security key is already registered.".into(),
                ));
            }
            db::fido::insert(c, id, &stored_name, &key.credential_id, &key.credential)?;
            if let Some(hashes) = hashes {
                db::users::set_recovery_hashes(c, id, &hashes)?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(email = %me.user.email, device = %name, "FIDO key registered");
    Ok(Json(serde_json::json!({
        "otp_recovery_codes": fresh.map(|(codes, _)| codes),
    })))
}

/// Remove one of the person's security keys, by name. The body proves a second factor:
/// `totp`, `fido_authentication_response` or `recovery_code`. FIDO goes off with the last key.
#[utoipa::path(delete, path = "/auth/fido", tag = "auth", security(("bearer" = [])),
    request_body = Removal,
    responses(
        (status = 200, description = "Removed: `{success: true}`"),
        (status = 400, description = "`FIDO not enabled.`, no key of that name, or the factor \
            is missing or wrong (`wrong_OTP`)", body = ErrorBody),
    ))]
async fn remove(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<Removal>,
) -> Result<Json<Value>, Refusal> {
    let id = me.user.id;
    let factors = second_factors(&state, id).await?;
    if !factors.fido_enabled {
        return Err(ApiError::BadRequest(NOT_ENABLED.into()).into());
    }
    require_factor(&state, &me, addr, &factors, &body.proof).await?;
    let name = body.device_name.trim().to_owned();
    let removed_name = name.clone();
    let removed = state
        .store
        .write(move |c| db::fido::delete(c, id, &removed_name).map_err(ApiError::from))
        .await?;
    if !removed {
        return Err(ApiError::BadRequest(format!("No FIDO device named {name:?}.")).into());
    }
    tracing::info!(email = %me.user.email, device = %name, "FIDO key removed");
    Ok(Json(serde_json::json!({ "success": true })))
}
