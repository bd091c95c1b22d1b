//! `/settings` of the farm API: farm settings, changed by admins.

use crate::auth::{AdminOnly, Authed};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::farm::db;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use drover_shared::ErrorBody;
use drover_shared::api::{RenderSettings, Settings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(render_settings))
}

/// Every setting as one object, stored values over defaults.
#[utoipa::path(get, path = "/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = std::collections::BTreeMap<String, serde_json::Value>)))]
async fn get_settings(
    Authed(_): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Settings>> {
    Ok(Json(
        state
            .store
            .read(|c| db::settings::all(c).map_err(ApiError::from))
            .await?,
    ))
}

/// Create or update settings; unknown names or wrong types refuse the whole request.
#[utoipa::path(post, path = "/settings", tag = "settings", request_body = std::collections::BTreeMap<String, serde_json::Value>,
    security(("bearer" = ["admin"])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn update_settings(
    AdminOnly(_): AdminOnly,
    State(state): State<AppState>,
    Json(settings): Json<Settings>,
) -> ApiResult<StatusCode> {
    for (name, value) in &settings {
        db::settings::validate(name, value).map_err(ApiError::BadRequest)?;
    }
    state
        .store
        .write(move |c| db::settings::upsert(c, &settings).map_err(ApiError::from))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The render output roots per OS.
#[utoipa::path(get, path = "/settings/render", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = RenderSettings)))]
async fn render_settings(
    Authed(_): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<RenderSettings>> {
    let settings = state
        .store
        .read(|c| Ok::<_, ApiError>(db::settings::load(c)?.render_paths()))
        .await?;
    Ok(Json(settings))
}
