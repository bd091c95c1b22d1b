//! `/users`: accounts, for admins.

use crate::auth::AdminOnly;
use crate::auth::db;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::api::{NewUser, User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user))
}

/// Every account.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = ["admin"])),
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
async fn list_users(
    AdminOnly(_): AdminOnly,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(
        state
            .store
            .read(|c| db::users::list(c).map_err(ApiError::from))
            .await?,
    ))
}

/// Create an account.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    security(("bearer" = ["admin"])),
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_user(
    AdminOnly(_): AdminOnly,
    State(state): State<AppState>,
    Json(body): Json<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user =
        crate::auth::accounts::create(&state.store, &body.email, &body.password, body.role).await?;
    Ok((StatusCode::CREATED, Json(user)))
}
