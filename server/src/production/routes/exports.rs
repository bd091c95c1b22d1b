//! Kitsu's casting and playlist CSV exports, a person's quota shots over a week, month or
//! year, sharing assets across productions, and a team member's production role. Each
//! handler reads its path, query and body (400 on a bad one) and leaves who may do what to
//! [`crate::production::db::production_csv`], [`crate::production::db::quota_shots`],
//! [`crate::production::db::asset_sharing`] and [`crate::production::db::team_roles`].

use super::gate::Routes;
use super::{Params, csv, get_query, post_write, put_write, read};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::production_csv::{self, CastingOf};
use crate::production::db::quota_shots::{self, QuotaScope};
use crate::production::db::quotas::CountMode;
use crate::production::db::timesheets::Span;
use crate::production::db::{DataError, asset_sharing, team_roles};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;

/// The export, quota shot, asset sharing and production role routes.
pub fn router() -> Routes {
    type Two = (String, String);
    type Three = (String, String, String);
    Routes::new()
        .route(
            "/export/csv/projects/{project}/casting.csv",
            get(casting_csv),
        )
        .route("/export/csv/playlists/{playlist}", get(playlist_csv))
        .route(
            "/data/persons/{person}/quota-shots/week/{year}/{week}",
            get_query(|d, (person, year, week): Three, q| {
                let span = Span::week(&year, &week)?;
                quota_shots::quota_shots(d, &person, span, &scope(q), count_mode(q)?)
            }),
        )
        .route(
            "/data/persons/{person}/quota-shots/month/{year}/{month}",
            get_query(|d, (person, year, month): Three, q| {
                let span = Span::month(&year, &month)?;
                quota_shots::quota_shots(d, &person, span, &scope(q), count_mode(q)?)
            }),
        )
        .route(
            "/data/persons/{person}/quota-shots/year/{year}",
            get_query(|d, (person, year): Two, q| {
                let span = Span::year(&year)?;
                quota_shots::quota_shots(d, &person, span, &scope(q), count_mode(q)?)
            }),
        )
        .route(
            "/actions/projects/{project}/assets/share",
            post_write(|d, project: String, body| {
                let shared = asset_sharing::is_shared(&body)?;
                let ids = asset_sharing::asset_ids(&body)?;
                asset_sharing::share_project_assets(d, &project, shared, ids.as_deref())
            }),
        )
        .route(
            "/actions/assets/share",
            post_write(|d, (): (), body| {
                let shared = asset_sharing::is_shared(&body)?;
                let ids = asset_sharing::asset_ids(&body)?.unwrap_or_default();
                asset_sharing::share_assets(d, shared, &ids)
            }),
        )
        .route(
            "/data/projects/{project}/team/{person}",
            put_write(|d, (project, person): Two, body| {
                let role = team_roles::parse_role(&body)?;
                team_roles::set_team_role(d, &project, &person, role)
            }),
        )
}

/// Kitsu's `project_id` and `task_type_id` (an empty pair is no filter: Kitsu may send
/// `?project_id=…&&task_type_id=`).
fn scope(q: &Params) -> QuotaScope {
    QuotaScope {
        project: q.get("project_id").map(str::to_owned),
        task_type: q.get("task_type_id").map(str::to_owned),
    }
}

fn count_mode(q: &Params) -> Result<CountMode, DataError> {
    CountMode::parse(q.get("count_mode"))
}

async fn casting_csv(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Params(super::data::query_pairs(raw.as_deref()));
    let of = CastingOf::parse(q.get("episode_id"), q.get("is_shot_casting"))?;
    let file = read(&state, &me, move |d| {
        production_csv::casting_csv(d, &project, &of)
    })
    .await?;
    Ok(csv(file.body, &file.name))
}

async fn playlist_csv(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
) -> ApiResult<Response> {
    let file = read(&state, &me, move |d| {
        production_csv::playlist_csv(d, &playlist)
    })
    .await?;
    Ok(csv(file.body, &file.name))
}
