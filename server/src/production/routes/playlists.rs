//! The review room's routes: one playlist with its entries' previews, entities added to a
//! playlist, throw-away playlists built from tasks, a playlist's previews as one zip, and a
//! preview file's annotations and position.

use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::production::db::Row;
use crate::production::db::annotations;
use crate::production::db::playlists as db;
use crate::production::media::{self, archive};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
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
        .route("/data/playlists/{playlist}/download/zip", get(download_zip))
}

/// `GET /data/playlists/{p}/download/zip`: every preview of the playlist's entries (each
/// revision's movie, pictures or file) in one zip, streamed as it is read; at most
/// [`archive::MAX_ARCHIVES`] at once (429).
async fn download_zip(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
) -> ApiResult<Response> {
    let plan = read(&state, &me, move |d| db::zip::plan(d, &playlist)).await?;
    let files = plan
        .entries
        .into_iter()
        .map(|e| {
            let path = media::preview_path(
                &state.data_dir,
                &e.preview_id,
                media::Kind::Original,
                &e.extension,
            );
            (path, e.name)
        })
        .collect();
    let body =
        archive::stream(files).map_err(|busy| ApiError::TooManyRequests(busy.to_string()))?;
    // The name is a slug of letters, digits, `_`, `-` and `.`: safe inside the quotes.
    let disposition = format!("attachment; filename=\"{}\"", plan.name);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_DISPOSITION, disposition)
        .body(body)
        .map_err(|e| ApiError::Internal(format!("a zip's answer: {e}")))
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
