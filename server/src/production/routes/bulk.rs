//! The batch actions of Kitsu's lists: tasks and entities deleted by selection or by task
//! type, tasks made on an entity, comments posted on many tasks or moved to another task,
//! entities illustrated by their tasks' last previews, a preview taken off a revision,
//! shots' frame counts taken from their movies, and the TV show's episode statistics.

use super::breakdown::TASK_CREATIONS;
use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::production::db::bulk::{self as db, Deleted};
use crate::production::db::{Row, comments, names};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use drover_shared::Role;
use serde_json::Value;

/// The kinds `create-tasks/{entity_type}` names in the singular, as Kitsu writes them.
pub(crate) const SINGULAR_CREATIONS: &[&str] = &["episode", "sequence"];

/// The batch routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/actions/projects/{project}/delete-entities",
            post(delete_entities),
        )
        .route(
            "/actions/projects/{project}/delete-tasks",
            post(delete_tasks),
        )
        .route(
            "/actions/projects/{project}/task-types/{task_type}/delete-tasks",
            delete(delete_tasks_of_type),
        )
        .route(
            "/actions/projects/{project}/task-types/{task_type}/create-tasks/{entity_type}",
            post(create_tasks_of_kind),
        )
        .route("/data/entities/{entity}/tasks", post(create_entity_tasks))
        .route(
            "/actions/tasks/{task}/comments/{comment}/move",
            post(move_comment),
        )
        .route(
            "/actions/projects/{project}/tasks/comment-many",
            post(comment_many),
        )
        .route("/actions/tasks/set-main-preview", put(set_main_previews))
        .route(
            "/actions/tasks/{task}/comments/{comment}/preview-files/{preview}",
            delete(remove_comment_preview),
        )
        .route(
            "/actions/projects/{project}/task-types/{task_type}/set-shot-nb-frames",
            post(set_shot_nb_frames),
        )
        .route(
            "/data/projects/{project}/episodes/stats",
            get(episode_stats),
        )
        .route(
            "/data/projects/{project}/episodes/retake-stats",
            get(episode_retake_stats),
        )
        .route(
            "/data/entities/{entity}/preview-files",
            get(entity_previews),
        )
        .route(
            "/data/shots/{shot}/versions",
            super::get_read(|d, shot: String| {
                crate::production::db::versions::versions(d, names::SHOTS, &shot)
            }),
        )
        .route(
            "/data/edits/{edit}/versions",
            super::get_read(|d, edit: String| {
                crate::production::db::versions::versions(d, names::EDITS, &edit)
            }),
        )
        .route(
            "/data/entities/{entity}/entities-linked/with-tasks",
            super::get_read(|d, entity: String| {
                crate::production::db::concept_links::linked_with_tasks(d, &entity)
            }),
        )
}

/// Whether the query says `force=true`.
fn forced(raw: Option<&str>) -> bool {
    query_pairs(raw)
        .iter()
        .any(|(k, v)| k == "force" && matches!(v.as_str(), "true" | "1"))
}

/// Removes the media of deleted previews once their rows are gone.
async fn forget_media(state: &AppState, previews: Vec<String>) -> ApiResult<()> {
    if previews.is_empty() {
        return Ok(());
    }
    let data_dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        for preview in &previews {
            crate::production::media::remove_preview(&data_dir, preview);
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("removing media: {e}")))
}

/// Answers what a batch deletion removed, after removing their media.
async fn deleted(state: &AppState, done: Deleted) -> ApiResult<axum::Json<Vec<String>>> {
    forget_media(state, done.previews).await?;
    Ok(axum::Json(done.ids))
}

async fn delete_entities(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<Vec<String>>> {
    let ids = db::id_list(&body, "entity")?;
    let force = forced(raw.as_deref());
    let done = write(&state, &me, move |d| {
        db::delete_entities(d, &project, &ids, force)
    })
    .await?;
    deleted(&state, done).await
}

async fn delete_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<axum::Json<Vec<String>>> {
    let ids = db::id_list(&body, "task")?;
    let done = write(&state, &me, move |d| db::delete_tasks(d, &project, &ids)).await?;
    deleted(&state, done).await
}

async fn delete_tasks_of_type(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let done = write(&state, &me, move |d| {
        db::delete_tasks_of_type(d, &project, &task_type)
    })
    .await?;
    forget_media(&state, done.previews).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_tasks_of_kind(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type, kind)): Path<(String, String, String)>,
    super::EntityIds(body): super::EntityIds,
) -> ApiResult<(StatusCode, axum::Json<Vec<Row>>)> {
    let Some(kind) = SINGULAR_CREATIONS
        .contains(&kind.as_str())
        .then(|| format!("{kind}s"))
        .and_then(|plural| super::breakdown::listed(TASK_CREATIONS, &plural))
    else {
        return Err(ApiError::NotFound(format!(
            "tasks are not made on `{kind}` this way"
        )));
    };
    let made = write(&state, &me, move |d| {
        crate::production::db::breakdown::create_tasks(d, &project, &task_type, kind, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn create_entity_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Vec<Row>>)> {
    let made = write(&state, &me, move |d| {
        db::create_entity_tasks(d, &entity, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn move_comment(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment)): Path<(String, String)>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let moved = write(&state, &me, move |d| {
        comments::move_comment(d, &task, &comment, &body)
    })
    .await?;
    Ok(axum::Json(moved))
}

async fn comment_many(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, axum::Json<Vec<Row>>)> {
    let made = write(&state, &me, move |d| db::comment_many(d, &project, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn set_main_previews(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Vec<Row>>> {
    // Clients review; they do not choose how an entity is illustrated (as Zou).
    if me.user.role == Role::Client {
        return Err(ApiError::Forbidden(
            "clients do not set the entities' pictures".into(),
        ));
    }
    let changed = write(&state, &me, move |d| db::set_main_previews(d, &body)).await?;
    Ok(axum::Json(changed))
}

async fn remove_comment_preview(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((task, comment, preview)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let removed = write(&state, &me, move |d| {
        db::remove_comment_preview(d, &task, &comment, &preview)
    })
    .await?;
    forget_media(&state, vec![removed]).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_shot_nb_frames(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let episode = query_pairs(raw.as_deref())
        .into_iter()
        .find(|(k, v)| k == "episode_id" && !v.is_empty())
        .map(|(_, v)| v);
    if let Some(episode) = &episode
        && uuid::Uuid::parse_str(episode).is_err()
    {
        return Err(ApiError::BadRequest(format!(
            "`episode_id` {episode} is not an id"
        )));
    }
    let updates = write(&state, &me, move |d| {
        db::set_shot_nb_frames(d, &project, &task_type, episode.as_deref())
    })
    .await?;
    Ok(axum::Json(updates))
}

async fn episode_stats(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::episode_stats(d, &project)).await?,
    ))
}

async fn episode_retake_stats(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    // Retakes are the studio's business, not the client's (as Zou).
    if me.user.role == Role::Client {
        return Err(ApiError::Forbidden(
            "retake statistics are not shown to clients".into(),
        ));
    }
    Ok(axum::Json(
        read(&state, &me, move |d| db::episode_retake_stats(d, &project)).await?,
    ))
}

async fn entity_previews(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::entity_previews(d, &entity)).await?,
    ))
}
