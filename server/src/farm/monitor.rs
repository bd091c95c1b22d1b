//! The background check that keeps the farm honest: workers not heard from within the worker
//! timeout go offline and their tasks are requeued; tasks without an update within the task
//! timeout fail on their worker. Beside it, in the same task, the publisher posts ended render
//! jobs on their production tasks ([`crate::production::publish`]): a render's conversion may wait its
//! turn in the movie queue for minutes, and must not hold up the timeouts meanwhile.

use crate::error::ApiError;
use crate::farm::db::{self, dispatch};
use crate::state::AppState;
use std::time::Duration;

/// How often the timeouts are checked.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted: the timeouts and the publisher, side by side.
pub async fn run(state: AppState) {
    tokio::join!(check_timeouts(state.clone()), publish(state));
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

/// Fails what timed out, every [`CHECK_INTERVAL`].
async fn check_timeouts(state: AppState) {
    let mut tick = tokio::time::interval(CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = db::now_ms();
        match state
            .store
            .write(move |c| dispatch::enforce_timeouts(c, now).map_err(ApiError::from))
            .await
        {
            Ok(events) if !events.is_empty() => {
                state.publish(events);
                state.work_available();
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "checking timeouts"),
        }
    }
}
