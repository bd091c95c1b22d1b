//! `/data/<model>` and `/data/<model>/<id>`: list (filters from the query string,
//! `relations`, `page`, `limit`), get, create, update and delete for every production model,
//! as Zou serves them.

use super::gate::Routes;
use super::{read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::production::db::{self as production, ListQuery, Model, names};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};

/// The generic model routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/{model}", get(list).post(create))
        .route(
            "/data/{model}/{id}",
            get(get_one).put(update).delete(remove),
        )
}

fn model(route: &str) -> ApiResult<&'static Model> {
    production::by_route(route).ok_or_else(|| ApiError::NotFound(format!("no model `{route}`")))
}

/// The query string as ordered pairs (a key may repeat).
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// The first value `name` has among the query string's pairs, if it has one.
pub fn query_param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

async fn list(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(route): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let model = model(&route)?;
    let query = ListQuery::parse(query_pairs(raw.as_deref()))?;
    // The JSON text is written on the read thread: a project's tasks are megabytes of it.
    let body = read(&state, &me, move |d| {
        production::list_json(d.conn, d.schema, model, d.viewer, &query)
    })
    .await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// One row, with what Kitsu adds to full entities and projects.
async fn get_one(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((route, id)): Path<(String, String)>,
) -> ApiResult<Json<Map<String, Value>>> {
    let model = model(&route)?;
    let found = read(&state, &me, move |d| {
        let mut row = d.get(model.route, &id)?;
        match model.route {
            names::SHOTS
            | names::SEQUENCES
            | names::EPISODES
            | names::ASSETS
            | names::SCENES
            | names::EDITS => {
                return production::breakdown::full_entity(d, model.route, row);
            }
            names::PROJECTS => return production::project::full_project(d, row),
            names::COMMENTS => return production::review::present_comment(d, row),
            names::ENTITIES => production::breakdown::entity_kind(d, &mut row)?,
            _ => {}
        }
        Ok(row)
    })
    .await?;
    Ok(Json(found))
}

/// Columns a route computes itself from the body: a person's password becomes its hash.
async fn computed(
    model: &Model,
    body: &mut Map<String, Value>,
) -> ApiResult<Vec<(String, SqlValue)>> {
    let mut extra = Vec::new();
    if model.table == "users"
        && let Some(Value::String(password)) = body.remove("password")
    {
        crate::auth::accounts::validate_password(&password)?;
        let hash = crate::auth::hashing::hash_password(password).await?;
        extra.push(("password_hash".to_owned(), SqlValue::Text(hash)));
    }
    Ok(extra)
}

async fn create(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(route): Path<String>,
    Json(body): Json<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<Map<String, Value>>)> {
    let model = model(&route)?;
    if model.route == names::ATTACHMENT_FILES {
        return Err(ApiError::BadRequest(
            "attachment files come with their file: send it with the comment (POST \
             /actions/tasks/{task_id}/comment as multipart) or add it to one (POST \
             /actions/tasks/{task_id}/comments/{comment_id}/add-attachment)"
                .into(),
        ));
    }
    let mut body = body;
    if model.route == names::PLAYLISTS {
        production::playlists::normalise_fields(&mut body);
    }
    let mut extra = computed(model, &mut body).await?;
    if model.table == "users" && !extra.iter().any(|(c, _)| c == "password_hash") {
        // A person made without a password cannot log in until one is set.
        let hash = crate::auth::hashing::hash_password(crate::auth::new_token()).await?;
        extra.push(("password_hash".to_owned(), SqlValue::Text(hash)));
    }
    let made = write(&state, &me, move |d| {
        let made = d.create_with(model.route, Value::Object(body), extra)?;
        if model.route == names::PROJECTS {
            return production::project::project_created(d, made);
        }
        Ok(made)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

async fn update(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((route, id)): Path<(String, String)>,
    Json(body): Json<Map<String, Value>>,
) -> ApiResult<Json<Map<String, Value>>> {
    let model = model(&route)?;
    let mut body = body;
    if model.route == names::PERSONS
        && me.user.role != drover_shared::Role::Admin
        && body.contains_key("password")
    {
        // Refused by `update_person` anyway; before the password is checked and hashed.
        return Err(ApiError::Forbidden(
            "change your password with POST /auth/change-password (it asks for the old one)".into(),
        ));
    }
    if model.route == names::PLAYLISTS {
        production::playlists::normalise_fields(&mut body);
    }
    let extra = computed(model, &mut body).await?;
    let changed = write(&state, &me, move |d| {
        if model.route == names::PERSONS {
            // A password set by an admin ends the person's sessions, in the same write.
            let sets_password = extra.iter().any(|(c, _)| c == "password_hash");
            let person = production::user::update_person(d, &id, body, extra)?;
            if sets_password {
                crate::auth::db::sessions::delete_person(
                    d.conn,
                    production::data::text(&person, "id"),
                )?;
            }
            return Ok(person);
        }
        let versioned = matches!(model.route, names::SHOTS | names::EDITS | names::ENTITIES);
        let before = if versioned {
            Some(d.get(model.route, &id)?)
        } else {
            None
        };
        let mut row = d.update_with(model.route, &id, Value::Object(body), extra)?;
        if let Some(before) = &before {
            production::versions::record_if_needed(d, before, &row)?;
        }
        if model.route == names::ENTITIES {
            production::breakdown::entity_kind(d, &mut row)?;
        }
        Ok(row)
    })
    .await?;
    if model.route == names::PERSONS {
        // A new role, email, standing or password holds from the person's next request, and
        // their event streams check their session.
        if let Ok(person) = production::data::text(&changed, "id").parse() {
            state.auth.forget_user(person);
        }
    }
    Ok(Json(changed))
}

async fn remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((route, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let model = model(&route)?;
    // The id as stored (media and cached tokens are kept under it).
    let deleted = production::parse_id(model, &id)?;
    let builds = write(&state, &me, move |d| {
        // A playlist's builds go with it (a production's with its playlists): their movies
        // are removed once the deletion commits.
        let builds =
            crate::production::db::playlists::builds::taken_by_delete(d.conn, model.route, &id)?;
        d.delete(model.route, &id)?;
        Ok(builds)
    })
    .await?;
    super::builds::remove_movies(&state, builds).await;
    match model.route {
        names::PERSONS => {
            if let Ok(person) = deleted.parse() {
                state.auth.forget_user(person);
            }
        }
        names::ATTACHMENT_FILES | names::PREVIEW_FILES => {
            let data_dir = state.data_dir.clone();
            let removed = tokio::task::spawn_blocking(move || {
                if model.route == names::ATTACHMENT_FILES {
                    crate::production::media::remove_attachment(&data_dir, &deleted);
                } else {
                    crate::production::media::remove_preview(&data_dir, &deleted);
                }
            });
            removed
                .await
                .map_err(|e| ApiError::Internal(format!("removing media: {e}")))?;
        }
        _ => {}
    }
    Ok(StatusCode::NO_CONTENT)
}
