//! The notices' requests (the list, marking read, the person's choices, following jobs and
//! projects) and the desktop pop-up a live notice becomes.

use super::requests::readable;
use crate::msg::Msg;
use drover_shared::api::{Notice, NoticeQuery, NoticeSettings, NoticesRead};
use drover_shared::{Client, JobId, NoticeOutcome, ProjectId};

/// The newest page of the person's notices, their choices and what they follow.
pub async fn all(client: Client) -> Msg {
    let query = NoticeQuery::default();
    let (list, settings, subscriptions) = tokio::join!(
        client.notices(&query),
        client.notice_settings(),
        client.subscriptions()
    );
    match (list, settings, subscriptions) {
        (Ok(list), Ok(settings), Ok(subscriptions)) => Msg::Notices {
            list,
            settings,
            subscriptions,
        },
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            Msg::Failed(format!("loading your notifications: {}", readable(&e)))
        }
    }
}

/// Tells the server the person read these notices (or all).
pub async fn mark_read(client: Client, read: NoticesRead) -> Msg {
    match client.mark_notices_read(&read).await {
        Ok(count) => Msg::NoticeCount(count.unread),
        Err(e) => Msg::Failed(format!("marking notifications read: {}", readable(&e))),
    }
}

/// Saves the person's choices.
pub async fn save_settings(client: Client, settings: NoticeSettings) -> Msg {
    match client.set_notice_settings(&settings).await {
        Ok(view) => Msg::NoticeSettings(Ok(view)),
        Err(e) => Msg::NoticeSettings(Err(format!(
            "saving your notification choices: {}",
            readable(&e)
        ))),
    }
}

/// Follows a job, or stops.
pub async fn follow_job(client: Client, job: JobId, follow: bool) -> Msg {
    match client.follow_job(job, follow).await {
        Ok(subscriptions) => Msg::Subscriptions(subscriptions),
        Err(e) => Msg::Failed(format!("following job {job}: {}", readable(&e))),
    }
}

/// Follows a project, or stops.
pub async fn follow_project(client: Client, project: ProjectId, follow: bool) -> Msg {
    match client.follow_project(project, follow).await {
        Ok(subscriptions) => Msg::Subscriptions(subscriptions),
        Err(e) => Msg::Failed(format!("following the project: {}", readable(&e))),
    }
}

/// The pop-up's title for a notice.
pub fn title(notice: &Notice) -> String {
    match notice.outcome {
        NoticeOutcome::Completed => format!("Render completed: {}", notice.job_name),
        NoticeOutcome::Failed => format!("Render failed: {}", notice.job_name),
    }
}

/// Shows a notice as a desktop notification. The system's notification service may be slow
/// or absent (no D-Bus session on a headless machine): the call runs off the async threads,
/// and a failure only goes to the log (the app's own list has the notice anyway).
pub async fn pop_up(notice: Notice) {
    let title = title(&notice);
    let shown = tokio::task::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Drover")
            .summary(&title)
            .body(&notice.text)
            .show()
            .map(drop)
    })
    .await;
    match shown {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::info!(error = %e, "no desktop notification"),
        Err(e) => tracing::info!(error = %e, "no desktop notification"),
    }
}
