//! `POST /auth/change-password`, Kitsu's way for a person to change their own password: the
//! old one, the new one twice. The person's other sessions end (a stolen token stops working
//! once its owner changes the password); the one that asked goes on.

use crate::auth::Authed;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use drover_shared::ErrorBody;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The password route (behind the token check).
pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(change_password))
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

/// Changes the caller's password: `{"success": true}`. Five wrong old passwords in a minute
/// lock the person's password changes for a minute, as failed logins lock an email.
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
    Json(body): Json<ChangePassword>,
) -> ApiResult<Json<Value>> {
    // By id: the email may have changed since the token was issued. Wrong old passwords
    // lock this person's password changes as failed logins lock an email.
    let id = me.user.id;
    let throttle = format!("change-password:{id}");
    state.auth.check_throttle(&throttle)?;
    let hash = state
        .store
        .read(move |c| db::users::password_hash(c, id).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))?;
    if !crate::auth::verify_password(body.old_password, hash).await? {
        state.auth.record_failure(&throttle);
        return Err(ApiError::BadRequest("Old password is wrong.".into()));
    }
    if body.password != body.password_2 {
        return Err(ApiError::BadRequest(
            "Confirmation password and password don't match.".into(),
        ));
    }
    crate::users::validate_password(&body.password)?;
    let hash = crate::auth::hash_password(body.password).await?;
    let keep = me.session_id;
    let ended = state
        .store
        .write(move |c| {
            db::users::set_password_hash(c, id, &hash)?;
            db::sessions::delete_others(c, id, keep).map_err(ApiError::from)
        })
        .await?;
    for access in ended {
        state.auth.forget(&access);
    }
    state.auth.record_success(&throttle);
    Ok(Json(serde_json::json!({"success": true})))
}
