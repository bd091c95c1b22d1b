//! The background check that keeps the farm honest: the heartbeats kept in memory are written
//! ([`crate::farm::beats`]), workers not heard from within the worker timeout go offline and
//! their tasks are requeued; tasks without an update within the task
//! timeout fail on their worker; nodes whose sleep schedule turned are asked to sleep or wake. Beside it, in the same task, the publisher posts ended render
//! jobs on their production tasks ([`crate::production::publish`]): a render's conversion may wait its
//! turn in the movie queue for minutes, and must not hold up the timeouts meanwhile.

use crate::error::ApiError;
use crate::farm::db::{self, dispatch};
use crate::farm::file_store::{self, FileLimits};
use crate::state::AppState;
use std::sync::Arc;
use std::time::Duration;

/// How often the timeouts are checked.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted: the timeouts, the publisher, the notifier, housekeeping
/// and the job files' clean-up, side by side.
pub async fn run(state: AppState, files: FileLimits) {
    tokio::join!(
        check_timeouts(state.clone()),
        publish(state.clone()),
        crate::farm::notify::run(state.clone()),
        crate::farm::housekeeping::run(state.clone()),
        sweep_files(state, files)
    );
}

/// Removes job files no live job uses and uploads nobody continued (see
/// [`db::stored_files::sweep`]), every [`FileLimits::sweep_interval`]; the first run also
/// removes what a crash left on disk without a row (a file stored as the server stopped).
async fn sweep_files(state: AppState, limits: FileLimits) {
    let grace_ms = i64::try_from(limits.grace.as_millis()).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(limits.sweep_interval());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut first = true;
    loop {
        tick.tick().await;
        let now = db::now_ms();
        let swept = state
            .store
            .write(move |c| db::stored_files::sweep(c, now, grace_ms).map_err(ApiError::from))
            .await;
        let swept = match swept {
            Ok(swept) => swept,
            Err(e) => {
                tracing::error!(error = %e, "cleaning up job files");
                continue;
            }
        };
        if !swept.files.is_empty() {
            tracing::info!(files = swept.files.len(), "removing job files no job uses");
        }
        let dir = state.data_dir.clone();
        let _ = tokio::task::spawn_blocking(move || {
            file_store::remove(&dir, &swept.files, &swept.uploads);
        })
        .await;
        if std::mem::take(&mut first)
            && let Err(e) = remove_orphans(&state, limits).await
        {
            tracing::error!(error = %e, "removing job files left without a row");
        }
    }
}

/// Removes the stored files and partial uploads on disk that have no row, older than the
/// grace (a file renamed into place as the server stopped, before its row was written).
async fn remove_orphans(state: &AppState, limits: FileLimits) -> Result<(), ApiError> {
    let dir = state.data_dir.clone();
    let found = tokio::task::spawn_blocking(move || file_store::old_files(&dir, limits.grace))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let orphans = state
        .store
        .read(move |c| {
            let mut orphans = file_store::Found::default();
            for sha256 in found.files {
                if !db::stored_files::is_stored(c, &sha256)? {
                    orphans.files.push(sha256);
                }
            }
            for (project, sha256) in found.uploads {
                if db::stored_files::upload_size(c, project, &sha256)?.is_none() {
                    orphans.uploads.push((project, sha256));
                }
            }
            Ok::<_, ApiError>(orphans)
        })
        .await?;
    let dir = state.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        file_store::remove(&dir, &orphans.files, &orphans.uploads);
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Posts ended render jobs on their production tasks, every [`CHECK_INTERVAL`].
async fn publish(state: AppState) {
    let mut tick = tokio::time::interval(CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = crate::production::publish::publish_pending(&state).await {
            tracing::error!(error = %e, "publishing render jobs on their production tasks");
        }
    }
}

/// Writes the heartbeats kept in memory ([`crate::farm::beats`]) and fails what timed out,
/// every [`CHECK_INTERVAL`].
async fn check_timeouts(state: AppState) {
    let mut tick = tokio::time::interval(CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = db::now_ms();
        let (beats, bus) = (Arc::clone(&state.beats), state.events.clone());
        match state
            .write_publishing(move |c, events| {
                // The heartbeats kept since the last pass first: the timeouts read last_seen.
                beats.write(c, |worker| bus.worker_news_due(worker, false), events)?;
                let mut changed = dispatch::enforce_timeouts(c, now)?;
                changed.extend(dispatch::follow_schedules(c, db::time_from_ms(now))?);
                // The farm history's rollups, off the dispatch path (one batch a second).
                db::stats::roll_up(c)?;
                // Only what timed out or turned may make work for the idle workers.
                let wake = !changed.is_empty();
                events.extend(changed);
                Ok::<_, ApiError>(wake)
            })
            .await
        {
            Ok(true) => state.work_available(),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "checking timeouts"),
        }
    }
}
