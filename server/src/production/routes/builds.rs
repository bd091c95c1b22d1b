//! A playlist's movie builds: started here, built by ffmpeg in the background (in the
//! conversion queue's turns), ended in the store, downloaded once built. The rows and
//! their rules are [`crate::production::db::playlists::builds`].

use super::gate::Routes;
use super::media::stream_file;
use super::{get_read, read, write};
use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::db::playlists::builds::{self as db, BuildPlan};
use crate::production::media::{self, Kind, movie};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;

/// The build routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/playlists/{playlist}/build/mp4", get(build))
        .route(
            "/data/playlists/{playlist}/jobs/{build_job}",
            get_read(|d, (playlist, job): (String, String)| db::job(d, &playlist, &job))
                .delete(remove),
        )
        .route(
            "/data/playlists/{playlist}/jobs/{build_job}/build/mp4",
            get(download),
        )
        .route(
            "/data/projects/{project}/build-jobs",
            get_read(|d, project: String| db::of_project(d, &project)),
        )
}

/// `GET /data/playlists/{p}/build/mp4`: answers the running build; its movie is made in the
/// background and the build ends `succeeded` or `failed` (`build-job:update`).
async fn build(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
) -> ApiResult<axum::Json<crate::production::db::Row>> {
    if !movie::available() {
        return Err(ApiError::Conflict(
            "playlist movies are built with ffmpeg, which this server does not have".into(),
        ));
    }
    let plan = write(&state, &me, move |d| db::start(d, &playlist)).await?;
    let job = plan.job.clone();
    tokio::spawn(run(state, me, plan));
    Ok(axum::Json(job))
}

/// Builds the movie, then ends the build; the movies of builds no longer kept go.
async fn run(state: AppState, me: CurrentUser, plan: BuildPlan) {
    let job_id = text(&plan.job, "id").to_owned();
    let movies = plan
        .previews
        .iter()
        .map(|p| media::preview_path(&state.data_dir, p, Kind::Original, "mp4"))
        .collect();
    let out = media::build_path(&state.data_dir, &job_id);
    let frame = movie::Frame::of_production(&plan.resolution, &plan.fps);
    let built = movie::concat(movies, out, frame, &me.user.id.to_string()).await;
    if let Err(e) = &built {
        tracing::info!(job = %job_id, error = %e, "a playlist movie was not built");
    }
    let message = built
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    let ok = built.is_ok();
    let id = job_id.clone();
    match write(&state, &me, move |d| db::finish(d, &id, ok, &message)).await {
        Ok(gone) => remove_movies(&state, gone).await,
        Err(e) => tracing::warn!(job = %job_id, error = %e, "a playlist build could not be ended"),
    }
}

/// Removes the movies of builds whose rows are gone.
pub(super) async fn remove_movies(state: &AppState, jobs: Vec<String>) {
    for job in jobs {
        // Already gone is as good.
        let _ = tokio::fs::remove_file(media::build_path(&state.data_dir, &job)).await;
    }
}

/// `DELETE /data/playlists/{p}/jobs/{j}`: the build goes, and its movie.
async fn remove(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, job)): Path<(String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    let gone = write(&state, &me, move |d| db::remove(d, &playlist, &job)).await?;
    remove_movies(&state, vec![gone]).await;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `GET /data/playlists/{p}/jobs/{j}/build/mp4`: a finished build's movie, as a download
/// named after the production and the playlist.
async fn download(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, job)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (job, name) = read(&state, &me, move |d| {
        let job = db::job(d, &playlist, &job)?;
        let playlist = d.get(names::PLAYLISTS, &playlist)?;
        let project = d.get(names::PROJECTS, text(&playlist, "project_id"))?;
        let name = format!("{}_{}", text(&project, "name"), text(&playlist, "name"));
        Ok((job, name))
    })
    .await?;
    if text(&job, "status") != "succeeded" {
        return Err(ApiError::BadRequest(format!(
            "the build is {}, not built",
            text(&job, "status")
        )));
    }
    let mut response = stream_file(
        &media::build_path(&state.data_dir, text(&job, "id")),
        "video/mp4",
    )
    .await?
    .ok_or_else(|| ApiError::NotFound("The build's movie is gone".into()))?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) =
        header::HeaderValue::from_str(&format!("attachment; filename=\"{safe}.mp4\""))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
