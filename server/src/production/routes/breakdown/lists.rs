//! The with-tasks lists (`GET /data/<kind>/with-tasks`) the production screens read: plain
//! or streamed, kept per reader between writes.

use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::production::db::names;
use crate::production::db::with_tasks::{Form, Kind, with_tasks};
use crate::production::lists::Key;
use crate::production::routes::data::{query_pairs, query_param};
use crate::production::routes::gate::Routes;
use crate::production::routes::read;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};

/// The with-tasks lists of the production screens.
pub(super) fn router() -> Routes {
    Routes::new()
        .route("/data/assets/with-tasks", with_tasks_of(Kind::Assets))
        .route("/data/shots/with-tasks", with_tasks_of(Kind::Shots))
        .route("/data/sequences/with-tasks", with_tasks_of(Kind::Sequences))
        .route("/data/episodes/with-tasks", with_tasks_of(Kind::Episodes))
        .route("/data/edits/with-tasks", with_tasks_of(Kind::Edits))
        .route("/data/concepts/with-tasks", with_tasks_of(Kind::Concepts))
}

/// `GET /data/<kind>/with-tasks?project_id=P[&episode_id=E][&stream=true[&compact=true]]`:
/// the production screens' lists. Streamed, the answer is NDJSON (compact: a header naming
/// the fields, then an array per entity), as Zou writes it; otherwise a JSON list.
fn with_tasks_of(kind: Kind) -> MethodRouter<AppState> {
    get(
        move |Authed(me): Authed, State(state): State<AppState>, RawQuery(raw): RawQuery| async move {
            let pairs = query_pairs(raw.as_deref());
            let param = |name: &str| query_param(&pairs, name).filter(|v| !v.is_empty());
            let flag = |name: &str| param(name).is_some_and(|v| v == "true" || v == "1");
            let project = param("project_id").ok_or_else(|| {
                ApiError::BadRequest("`project_id` names the production to list".into())
            })?;
            // Episodes have no episode above them.
            let episode =
                param("episode_id").filter(|_| !matches!(kind, Kind::Episodes | Kind::Concepts));
            let form = if flag("stream") {
                Form::Stream {
                    compact: flag("compact"),
                }
            } else {
                Form::Plain
            };
            let key = Key {
                kind,
                project,
                episode,
                form,
                person: me.user.id.to_string(),
            };
            let body = kept_or_written(&state, &me, key).await?;
            let content_type = match form {
                Form::Plain => "application/json",
                Form::Stream { .. } => "application/x-ndjson",
            };
            ApiResult::Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
        },
    )
}

/// The list `key` names: an answer kept since the request came in, when there is one (once
/// the reader is found to still see the project), else written anew, by at most
/// [`BUILDERS`](crate::production::lists::BUILDERS) requests at once, and kept.
async fn kept_or_written(state: &AppState, me: &CurrentUser, key: Key) -> ApiResult<Bytes> {
    // Every write acknowledged before now moved the version to this or below.
    let came_in = state.store.production_version();
    let project = key.project.clone();
    let may_read = |project: String| {
        read(state, me, move |d| {
            d.get(names::PROJECTS, &project).map(|_| ())
        })
    };
    if let Some(kept) = state.lists.get(&key, came_in) {
        may_read(project).await?;
        return Ok(kept);
    }
    let _turn = state.lists.builder().await;
    // Whoever wrote the list while this request waited for its turn kept it.
    if let Some(kept) = state.lists.get(&key, came_in) {
        may_read(project).await?;
        return Ok(kept);
    }
    let version = state.store.production_version();
    let (kind, episode, form) = (key.kind, key.episode.clone(), key.form);
    let body = Bytes::from(
        read(state, me, move |d| {
            with_tasks(d, kind, &project, episode.as_deref(), form)
        })
        .await?,
    );
    state
        .lists
        .keep(key, version, state.store.production_version(), body.clone());
    Ok(body)
}
