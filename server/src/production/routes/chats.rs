//! Entity chats and an entity's news ([`db::chats`], [`news`]), the admin's logs
//! ([`events`]), Kitsu's global search ([`search`]) and the People CSV ([`exports`]).

use super::attachments::CommentBody;
use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::chats as db;
use crate::production::db::{Row, events, exports, news, search};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::Value;

/// The chat, news, log, search and People CSV routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/entities/{entity}/chat", get(chat))
        .route(
            "/data/entities/{entity}/chat/messages",
            get(messages).post(post_message),
        )
        .route(
            "/data/entities/{entity}/chat/messages/{message}",
            get(message).delete(delete_message),
        )
        .route(
            "/actions/user/chats/{entity}/join",
            post(join).delete(leave),
        )
        .route("/data/user/chats", get(user_chats))
        .route("/data/entities/{entity}/news", get(entity_news))
        .route("/data/events/last", get(last_events))
        .route("/data/events/names", get(event_names))
        .route("/data/events/login-logs/last", get(login_logs))
        .route("/data/search", post(search_names))
        .route(
            "/export/csv/persons.csv",
            super::get_csv("kitsu_people_export.csv", exports::persons_csv),
        )
}

/// The entity's chat as the person reads it: made on the first visit (a write), read
/// without writing afterwards.
async fn chat_of(state: &AppState, me: &CurrentUser, entity: String) -> ApiResult<(Row, Row)> {
    let again = entity.clone();
    let found = read(state, me, move |d| {
        let e = db::readable_entity(d, &entity)?;
        let chat = db::chat(d, &e, false)?;
        Ok((e, chat))
    })
    .await?;
    match found {
        (e, Some(chat)) => Ok((e, chat)),
        (_, None) => {
            write(state, me, move |d| {
                let e = db::readable_entity(d, &again)?;
                let chat = db::chat(d, &e, true)?
                    .ok_or_else(|| crate::production::db::DataError::NotFound("no chat".into()))?;
                Ok((e, chat))
            })
            .await
        }
    }
}

async fn chat(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    let (_, mut chat) = chat_of(&state, &me, entity).await?;
    let id = crate::production::db::data::text(&chat, "id").to_owned();
    let messages = read(&state, &me, move |d| db::messages(d, &id)).await?;
    chat.insert(
        "messages".into(),
        Value::Array(messages.into_iter().map(Value::Object).collect()),
    );
    Ok(axum::Json(chat))
}

async fn messages(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            let e = db::readable_entity(d, &entity)?;
            db::messages_of(d, db::chat(d, &e, false)?.as_ref())
        })
        .await?,
    ))
}

async fn post_message(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
    CommentBody { fields, files }: CommentBody,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    if !files.is_empty() {
        // Their files would outlive a deleted message: not taken until they are removed too.
        return Err(ApiError::BadRequest(
            "chat messages take text only here; attach files to a comment".into(),
        ));
    }
    let made = write(&state, &me, move |d| db::post(d, &entity, &fields)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn message(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((entity, message)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            let e = db::readable_entity(d, &entity)?;
            db::message(d, db::chat(d, &e, false)?.as_ref(), &message)
        })
        .await?,
    ))
}

async fn delete_message(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((entity, message)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| db::delete(d, &entity, &message)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn join(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::join(d, &entity, true)).await?,
    ))
}

async fn leave(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| db::join(d, &entity, false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn user_chats(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(read(&state, &me, db::of_viewer).await?))
}

async fn entity_news(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            let e = db::readable_entity(d, &entity)?;
            news::of_entity(d, &e)
        })
        .await?,
    ))
}

async fn last_events(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let page = events::Page::from_pairs(&query_pairs(raw.as_deref()), "cursor_event_id")?;
    Ok(axum::Json(
        read(&state, &me, move |d| events::last(d, &page)).await?,
    ))
}

async fn event_names(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(read(&state, &me, events::names).await?))
}

async fn login_logs(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Value>>> {
    if !me.user.role.allows(drover_shared::Role::Admin) {
        return Err(ApiError::Forbidden("login logs are for admins".into()));
    }
    let page = events::Page::from_pairs(&query_pairs(raw.as_deref()), "cursor_login_log_id")?;
    Ok(axum::Json(
        read(&state, &me, move |d| events::login_logs(d, &page)).await?,
    ))
}

async fn search_names(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| search::search(d, &body)).await?,
    ))
}
