//! The routes of Kitsu's budget and production schedule pages: a production's budgets and
//! their entries, the time spent by month to set against them, production schedule
//! versions with their task links (copied, edited, applied to the production), and a task
//! type's schedule broken down by asset type, sequence, episode or edit.

use super::data::query_pairs;
use super::gate::Routes;
use super::{delete_write, get_read, post_made, post_write, put_write, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::schedule_items::{self, Breakdown};
use crate::production::db::{budgets, schedule_versions as versions};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::routing::get;

/// Budgets, schedule versions and the broken-down task type schedule. Zou answers 200 for
/// a new budget or entry (these are not its generic creations).
pub fn router() -> Routes {
    type Two = (String, String);
    type Three = (String, String, String);
    Routes::new()
        .route(
            "/data/projects/{project}/budgets",
            get_read(|d, p: String| budgets::budgets(d, &p))
                .merge(post_write(|d, p: String, body| budgets::create_budget(d, &p, &body))),
        )
        .route(
            "/data/projects/{project}/budgets/time-spents",
            get_read(|d, p: String| budgets::month_time_spents(d, &p)),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}",
            get_read(|d, (p, b): Two| budgets::budget(d, &p, &b))
                .merge(put_write(|d, (p, b): Two, body| {
                    budgets::update_budget(d, &p, &b, &body)
                }))
                .merge(delete_write(|d, (p, b): Two| budgets::delete_budget(d, &p, &b))),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}/entries",
            get_read(|d, (p, b): Two| budgets::entries(d, &p, &b)).merge(post_write(
                |d, (p, b): Two, body| budgets::create_entry(d, &p, &b, &body),
            )),
        )
        .route(
            "/data/projects/{project}/budgets/{budget}/entries/{entry}",
            get_read(|d, (p, b, e): Three| budgets::entry(d, &p, &b, &e))
                .merge(put_write(|d, (p, b, e): Three, body| {
                    budgets::update_entry(d, &p, &b, &e, &body)
                }))
                .merge(delete_write(|d, (p, b, e): Three| {
                    budgets::delete_entry(d, &p, &b, &e)
                })),
        )
        .route(
            "/data/projects/{project}/schedule-items/{task_type}/{kind}",
            get(schedule_items),
        )
        .route(
            "/data/production-schedule-versions",
            get(list_versions).merge(post_made(|d, (): (), body| {
                versions::create_version(d, &body)
            })),
        )
        .route(
            "/data/production-schedule-versions/{version}",
            get_read(|d, v: String| versions::version(d, &v))
                .merge(put_write(|d, v: String, body| {
                    versions::update_version(d, &v, &body)
                }))
                .merge(delete_write(|d, v: String| versions::delete_version(d, &v))),
        )
        .route(
            "/data/production-schedule-versions/{version}/task-links",
            get(task_links),
        )
        .route(
            "/data/production-schedule-version-task-links",
            post_made(|d, (): (), body| versions::create_task_link(d, &body)),
        )
        .route(
            "/data/production-schedule-version-task-links/{link}",
            get_read(|d, l: String| versions::task_link(d, &l))
                .merge(put_write(|d, l: String, body| {
                    versions::update_task_link(d, &l, &body)
                }))
                .merge(delete_write(|d, l: String| versions::delete_task_link(d, &l))),
        )
        .route(
            "/actions/production-schedule-versions/{version}/set-task-links-from-production",
            post_write(|d, v: String, _| versions::set_links_from_production(d, &v)),
        )
        .route(
            "/actions/production-schedule-versions/{version}/set-task-links-from-production-schedule-version",
            post_write(|d, v: String, body| versions::set_links_from_version(d, &v, &body)),
        )
        .route(
            "/actions/production-schedule-versions/{version}/apply-to-production",
            post_write(|d, v: String, _| versions::apply_to_production(d, &v)),
        )
}

/// A query parameter's value.
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    query_pairs(raw)
        .into_iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// A read that may write: the missing schedule items are made as it reads.
async fn schedule_items(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type, kind)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let kind = Breakdown::from_route(&kind)
        .ok_or_else(|| ApiError::NotFound(format!("no schedule items by `{kind}`")))?;
    let episode = param(raw.as_deref(), "episode_id");
    Ok(Json(
        write(&state, &me, move |d| {
            schedule_items::items(d, &project, &task_type, kind, episode.as_deref())
        })
        .await?,
    ))
}

async fn list_versions(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let project = param(raw.as_deref(), "project_id");
    Ok(Json(
        read(&state, &me, move |d| {
            versions::versions(d, project.as_deref())
        })
        .await?,
    ))
}

async fn task_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Vec<Row>>> {
    let task_type = param(raw.as_deref(), "task_type_id");
    Ok(Json(
        read(&state, &me, move |d| {
            versions::task_links(d, &version, task_type.as_deref())
        })
        .await?,
    ))
}
