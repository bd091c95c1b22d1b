//! The review room's routes: one playlist with its entries' previews, entities added to a
//! playlist, throw-away playlists built from tasks, and a preview file's annotations and
//! position.

use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::{Path, Query};
use crate::production::db::Row;
use crate::production::db::annotations;
use crate::production::db::playlists as db;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post, put};
use serde_json::Value;

/// The playlist and annotation routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/projects/{project}/playlists/{playlist}",
            get(project_playlist),
        )
        .route(
            "/data/projects/{project}/playlists/temp",
            post(temp_playlist),
        )
        .route("/actions/playlists/{playlist}/add-entity", post(add_entity))
        .route(
            "/actions/playlists/{playlist}/add-entities",
            post(add_entities),
        )
        .route(
            "/actions/preview-files/{preview}/update-annotations",
            put(update_annotations),
        )
        .route(
            "/actions/preview-files/{preview}/update-position",
            put(update_position),
        )
}

async fn project_playlist(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, playlist)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::project_playlist(d, &project, &playlist)
        })
        .await?,
    ))
}

/// `?sort=true` sorts the entries; anything else leaves them in the tasks' order.
#[derive(serde::Deserialize)]
struct Sort {
    sort: Option<String>,
}

async fn temp_playlist(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Query(Sort { sort }): Query<Sort>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let sort = sort.is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "true" | "1"));
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::temp_playlist(d, &project, &body, sort)
        })
        .await?,
    ))
}

async fn add_entity(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::add_entity(d, &playlist, &body)).await?,
    ))
}

async fn add_entities(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::add_entities(d, &playlist, &body)).await?,
    ))
}

async fn update_annotations(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| {
            annotations::update_annotations(d, &preview, &body)
        })
        .await?,
    ))
}

async fn update_position(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(preview): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        write(&state, &me, move |d| {
            annotations::update_position(d, &preview, &body)
        })
        .await?,
    ))
}
