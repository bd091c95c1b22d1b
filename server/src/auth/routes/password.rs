//! Passwords. `POST /auth/change-password`, Kitsu's way for a person to change their own: the
//! old one, the new one twice; the person's other sessions end (a stolen token stops working
//! once its owner changes the password) and the one that asked goes on.
//! `POST /actions/persons/{person}/change-password`, Kitsu's way for an admin to set
//! someone's: every session of that person ends, as when an admin sets one through
//! `PUT /data/persons/{id}`. `DELETE /actions/persons/{person}/disable-two-factor-authentication`,
//! an admin's way back in for someone who lost their second factor.

use crate::auth::db;
use crate::auth::throttle::Scope;
use crate::auth::{AdminOnly, Authed, ClientAddr};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use drover_shared::{ErrorBody, Role, UserId};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The password routes (behind the token check).
pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(set_password))
        .routes(routes!(disable_two_factor))
}

/// `POST /auth/change-password`, in Kitsu's field names.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct ChangePassword {
    /// The current password.
    old_password: String,
    /// The new password (at least as long as the server asks).
    password: String,
    /// The new password again.
    password_2: String,
}

/// `POST /actions/persons/{person_id}/change-password`, in Kitsu's field names.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct SetPassword {
    /// The new password (at least as long as the server asks).
    password: String,
    /// The new password again.
    password_2: String,
}

fn confirmed(password: &str, password_2: &str) -> ApiResult<()> {
    if password != password_2 {
        return Err(ApiError::BadRequest(
            "Confirmation password and password don't match.".into(),
        ));
    }
    crate::auth::accounts::validate_password(password)
}

/// Changes the caller's password: `{"success": true}`. Wrong old passwords are throttled as
/// logins are (five from one address in a minute lock the person's password changes from
/// there for a minute).
#[utoipa::path(post, path = "/auth/change-password", tag = "auth", security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 200, description = "`{\"success\": true}`; the person's other sessions ended"),
        (status = 400, description = "Old password wrong, confirmation different, or new \
            password too short", body = ErrorBody),
        (status = 429, description = "Too many wrong old passwords", body = ErrorBody),
    ))]
async fn change_password(
    State(state): State<AppState>,
    Authed(me): Authed,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<ChangePassword>,
) -> ApiResult<Json<Value>> {
    // By id: the email may have changed since the token was issued.
    let id = me.user.id;
    let attempt =
        state
            .auth
            .throttle
            .begin(Scope::Password, &format!("change-password:{id}"), addr)?;
    let hash = state
        .store
        .read(move |c| db::users::password_hash(c, id).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
    match crate::auth::hashing::verify_password(body.old_password, hash).await {
        Ok(true) => attempt.succeeded(),
        Ok(false) => {
            attempt.failed();
            return Err(ApiError::BadRequest("Old password is wrong.".into()));
        }
        Err(busy) => {
            attempt.abandoned();
            return Err(busy);
        }
    }
    confirmed(&body.password, &body.password_2)?;
    let hash = crate::auth::hashing::hash_password(body.password).await?;
    let keep = me.session_id;
    let ended = state
        .store
        .write(move |c| {
            db::users::set_password_hash(c, id, &hash)?;
            db::sessions::delete_others(c, id, Some(keep)).map_err(ApiError::from)
        })
        .await?;
    for (session, access) in ended {
        state.auth.end_session(session, &access);
    }
    Ok(Json(serde_json::json!({"success": true})))
}

/// Sets a person's password, for admins: `{"success": true}`. Every session of the person
/// ends (their open event streams too). As in Kitsu, an admin sets another admin's password
/// only through that admin's own change.
#[utoipa::path(post, path = "/actions/persons/{person}/change-password", tag = "auth",
    security(("bearer" = ["admin"])),
    params(("person" = String, Path, description = "The person's id")),
    request_body = SetPassword,
    responses(
        (status = 200, description = "`{\"success\": true}`; the person's sessions ended"),
        (status = 400, description = "Confirmation different, new password too short, or the \
            person is deactivated", body = ErrorBody),
        (status = 403, description = "Not an admin, or the person is another admin", body = ErrorBody),
        (status = 404, description = "No such person", body = ErrorBody),
    ))]
async fn set_password(
    State(state): State<AppState>,
    AdminOnly(me): AdminOnly,
    Path(person_id): Path<String>,
    Json(body): Json<SetPassword>,
) -> ApiResult<Json<Value>> {
    let id = person_id
        .parse::<uuid::Uuid>()
        .map(UserId)
        .map_err(|_| ApiError::not_found(format!("person {person_id}")))?;
    let person = state
        .store
        .read(move |c| {
            let user = db::users::get(c, id)?;
            let active = db::users::two_factor(c, id)?.active;
            Ok::<_, ApiError>(user.map(|u| (u, active)))
        })
        .await?;
    let Some((person, active)) = person else {
        return Err(ApiError::not_found(format!("person {person_id}")));
    };
    if person.role == Role::Admin && person.id != me.user.id {
        return Err(ApiError::Forbidden(
            "An admin can't change another admin's password.".into(),
        ));
    }
    if !active {
        return Err(ApiError::BadRequest("User is unactive.".into()));
    }
    confirmed(&body.password, &body.password_2)?;
    let hash = crate::auth::hashing::hash_password(body.password).await?;
    let ended = state
        .store
        .write(move |c| {
            db::users::set_password_hash(c, id, &hash)?;
            db::sessions::delete_others(c, id, None).map_err(ApiError::from)
        })
        .await?;
    for (session, access) in ended {
        state.auth.end_session(session, &access);
    }
    state.auth.forget_user(id);
    tracing::warn!(admin = %me.user.email, person = %person.email, "password set by an admin");
    Ok(Json(serde_json::json!({"success": true})))
}

/// Turns a person's second factors off (TOTP, FIDO keys, recovery codes), for admins:
/// `{"success": true}`. As in Kitsu, an admin does it for another admin only through that
/// admin's own settings. The person's sessions go on: their password did not change.
#[utoipa::path(delete, path = "/actions/persons/{person}/disable-two-factor-authentication",
    tag = "auth", security(("bearer" = ["admin"])),
    params(("person" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "`{\"success\": true}`; the person logs in with their \
            password alone"),
        (status = 400, description = "The person is another admin", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such person", body = ErrorBody),
    ))]
async fn disable_two_factor(
    State(state): State<AppState>,
    AdminOnly(me): AdminOnly,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = person_id
        .parse::<uuid::Uuid>()
        .map(UserId)
        .map_err(|_| ApiError::not_found(format!("person {person_id}")))?;
    let person = state
        .store
        .read(move |c| db::users::get(c, id).map_err(ApiError::from))
        .await?;
    let Some(person) = person else {
        return Err(ApiError::not_found(format!("person {person_id}")));
    };
    if person.role == Role::Admin && person.id != me.user.id {
        return Err(ApiError::BadRequest(
            "An admin can't disable 2FA for other admins.".into(),
        ));
    }
    state
        .store
        .write(move |c| db::fido::disable_all(c, id).map_err(ApiError::from))
        .await?;
    state.auth.forget_user(id);
    tracing::warn!(admin = %me.user.email, person = %person.email, "second factors disabled by an admin");
    Ok(Json(serde_json::json!({"success": true})))
}
