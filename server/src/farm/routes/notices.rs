//! `/notices` of the farm API: a person's notices of jobs that ended, their choices of where
//! to be told, and the jobs and projects they follow (`/jobs/{id}/subscription`,
//! `/projects/{id}/subscription`). Everyone has their own; nobody reads another's. Following
//! needs sight of the job or project (its team, or a manager): one out of sight is 404.

use crate::auth::Authed;
use crate::db::notices::{self, FollowError};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::farm::access;
use crate::state::AppState;
use axum::extract::State;
use drover_shared::api::{
    NoticeCount, NoticeList, NoticeQuery, NoticeSettings, NoticeSettingsView, NoticesRead,
    Subscriptions,
};
use drover_shared::{ErrorBody, JobId, ProjectId, UserId};
use rusqlite::Connection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most notices one `POST /notices/read` names.
const MAX_READ_IDS: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(mark_read))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_subscriptions))
        .routes(routes!(follow_job, unfollow_job))
        .routes(routes!(follow_project, unfollow_project))
}

/// Your notices, newest first (`before` pages back), with how many are unread.
#[utoipa::path(get, path = "/notices", tag = "notices", params(NoticeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = NoticeList), (status = 400, body = ErrorBody)))]
async fn list_notices(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<NoticeQuery>,
) -> ApiResult<Json<NoticeList>> {
    if query
        .limit
        .is_some_and(|l| !(1..=drover_shared::api::MAX_NOTICES_PER_PAGE).contains(&l))
    {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1–{}",
            drover_shared::api::MAX_NOTICES_PER_PAGE
        )));
    }
    let person = me.user.id;
    let list = state
        .store
        .read(move |c| {
            Ok::<_, ApiError>(NoticeList {
                notices: notices::list(c, person, &query)?,
                unread: notices::unread(c, person)?,
            })
        })
        .await?;
    Ok(Json(list))
}

/// Mark notices as seen: those named (yours only; at most 1,000), or all of yours.
#[utoipa::path(post, path = "/notices/read", tag = "notices", request_body = NoticesRead,
    security(("bearer" = [])),
    responses((status = 200, body = NoticeCount), (status = 400, body = ErrorBody)))]
async fn mark_read(
    Authed(me): Authed,
    State(state): State<AppState>,
    Json(body): Json<NoticesRead>,
) -> ApiResult<Json<NoticeCount>> {
    if body.ids.len() > MAX_READ_IDS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_READ_IDS} notices at once; send `all` to mark every one"
        )));
    }
    let person = me.user.id;
    let unread = state
        .store
        .write(move |c| {
            notices::mark_read(c, person, &body.ids, body.all)?;
            notices::unread(c, person).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(NoticeCount { unread }))
}

async fn settings_view(state: &AppState, person: UserId) -> ApiResult<NoticeSettingsView> {
    let (settings, chats, email_address) = state
        .store
        .read(move |c| {
            let email = notices::email_of(c, person)?;
            Ok::<_, ApiError>((
                notices::settings(c, person)?,
                crate::db::notice_deliveries::chat_integrations(c)?,
                email,
            ))
        })
        .await?;
    Ok(NoticeSettingsView {
        settings,
        channels: state.notifier.channels(&chats),
        email_address,
    })
}

/// Your choices of what you are told and where, and where the server can send (e-mail when
/// it has SMTP; the chats Kitsu's organisation has integrations for).
#[utoipa::path(get, path = "/notices/settings", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = NoticeSettingsView)))]
async fn get_settings(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<NoticeSettingsView>> {
    Ok(Json(settings_view(&state, me.user.id).await?))
}

/// Change your choices. A chat is turned on with your user id there (Slack and Discord ids,
/// a Mattermost user name); the chat ids are Kitsu's person fields
/// (`notifications_slack_userid`…), so Kitsu's profile page shows the same.
#[utoipa::path(put, path = "/notices/settings", tag = "notices", request_body = NoticeSettings,
    security(("bearer" = [])),
    responses((status = 200, body = NoticeSettingsView), (status = 400, body = ErrorBody)))]
async fn put_settings(
    Authed(me): Authed,
    State(state): State<AppState>,
    Json(body): Json<NoticeSettings>,
) -> ApiResult<Json<NoticeSettingsView>> {
    notices::check_settings(&body).map_err(ApiError::BadRequest)?;
    let person = me.user.id;
    state
        .store
        .write(move |c| notices::set_settings(c, person, &body).map_err(ApiError::from))
        .await?;
    Ok(Json(settings_view(&state, person).await?))
}

/// The jobs and projects you follow: you are told when they (any job of them) end.
#[utoipa::path(get, path = "/notices/subscriptions", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Subscriptions)))]
async fn list_subscriptions(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<Subscriptions>> {
    let person = me.user.id;
    Ok(Json(
        state
            .store
            .read(move |c| notices::subscriptions(c, person).map_err(ApiError::from))
            .await?,
    ))
}

fn follow_error(e: FollowError) -> ApiError {
    match e {
        FollowError::TooMany => ApiError::BadRequest(e.to_string()),
        FollowError::Db(e) => e.into(),
    }
}

async fn follow(
    state: &AppState,
    person: UserId,
    change: impl FnOnce(&Connection) -> ApiResult<()> + Send + 'static,
) -> ApiResult<Json<Subscriptions>> {
    Ok(Json(
        state
            .store
            .write(move |c| {
                change(c)?;
                notices::subscriptions(c, person).map_err(ApiError::from)
            })
            .await?,
    ))
}

/// Follow a job you can see: you are told when it completes or fails.
#[utoipa::path(put, path = "/jobs/{id}/subscription", tag = "notices", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Subscriptions), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn follow_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Subscriptions>> {
    let (person, sight) = (me.user.id, me.sight());
    follow(&state, person, move |c| {
        access::visible_job(c, sight, id)?;
        notices::follow_job(c, person, id, true).map_err(follow_error)
    })
    .await
}

/// Stop following a job.
#[utoipa::path(delete, path = "/jobs/{id}/subscription", tag = "notices",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Subscriptions)))]
async fn unfollow_job(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Subscriptions>> {
    let person = me.user.id;
    follow(&state, person, move |c| {
        notices::follow_job(c, person, id, false).map_err(follow_error)
    })
    .await
}

/// Follow a project you can see: you are told when any of its jobs completes or fails.
#[utoipa::path(put, path = "/projects/{id}/subscription", tag = "notices",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Subscriptions), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn follow_project(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<ProjectId>,
) -> ApiResult<Json<Subscriptions>> {
    let (person, sight) = (me.user.id, me.sight());
    follow(&state, person, move |c| {
        if !crate::farm::db::projects::exists(c, id)? || !access::sees_project(c, sight, id)? {
            return Err(ApiError::not_found(format!("project {id}")));
        }
        notices::follow_project(c, person, id, true).map_err(follow_error)
    })
    .await
}

/// Stop following a project.
#[utoipa::path(delete, path = "/projects/{id}/subscription", tag = "notices",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Subscriptions)))]
async fn unfollow_project(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<ProjectId>,
) -> ApiResult<Json<Subscriptions>> {
    let person = me.user.id;
    follow(&state, person, move |c| {
        notices::follow_project(c, person, id, false).map_err(follow_error)
    })
    .await
}
