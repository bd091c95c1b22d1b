//! The background check that keeps the farm honest: workers not heard from within the worker
//! timeout go offline and their tasks are requeued; tasks without an update within the task
//! timeout fail on their worker. It also publishes ended render jobs on their production
//! tasks ([`crate::publish`]).

use crate::db::{self, dispatch};
use crate::error::ApiError;
use crate::state::AppState;
use std::time::Duration;

/// How often the timeouts are checked.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
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
        if let Err(e) = crate::publish::publish_pending(&state).await {
            tracing::error!(error = %e, "publishing render jobs on their production tasks");
        }
    }
}
