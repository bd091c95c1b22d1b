//! The person's notices as the app holds them: the newest page of their list with the unread
//! count, their choices of where they are told, and what they follow. Filled by fetches, kept
//! current by `notices` events and by what the person marks read.

use drover_shared::api::{Notice, NoticeList, NoticeSettingsView, Subscriptions};
use drover_shared::{JobId, ProjectId};

/// Notices kept in the list (the server keeps them all; older ones are a page away).
pub const KEPT: usize = 200;

/// The person's notices, choices and subscriptions.
#[derive(Debug, Default)]
pub struct Notices {
    /// Newest first.
    pub list: Vec<Notice>,
    /// Unread, on the server, in all.
    pub unread: u64,
    /// The person's choices and where the server can send, once read.
    pub settings: Option<NoticeSettingsView>,
    /// What the person follows.
    pub subscriptions: Subscriptions,
}

impl Notices {
    /// The list as fetched.
    pub fn set(&mut self, list: NoticeList) {
        self.list = list.notices;
        self.list.truncate(KEPT);
        self.unread = list.unread;
    }

    /// A notice arrived live. Returns true when it is new (not one the list holds already,
    /// as after a reconnection's replay).
    pub fn arrived(&mut self, notice: Notice) -> bool {
        if self.list.iter().any(|n| n.id == notice.id) {
            return false;
        }
        if !notice.read {
            self.unread += 1;
        }
        let at = self.list.partition_point(|n| n.id > notice.id);
        self.list.insert(at, notice);
        self.list.truncate(KEPT);
        true
    }

    /// The person read these notices (or all, with `None`); the server is told separately.
    pub fn mark_read(&mut self, ids: Option<&[i64]>) {
        for notice in &mut self.list {
            if !notice.read && ids.is_none_or(|ids| ids.contains(&notice.id)) {
                notice.read = true;
                self.unread = self.unread.saturating_sub(1);
            }
        }
        if ids.is_none() {
            self.unread = 0;
        }
    }

    /// Whether a desktop pop-up is wanted (yes until the choices are read: the default).
    pub fn wants_desktop(&self) -> bool {
        self.settings.as_ref().is_none_or(|s| s.settings.desktop)
    }

    /// Whether the person follows `job`.
    pub fn follows_job(&self, job: JobId) -> bool {
        self.subscriptions.jobs.contains(&job)
    }

    /// Whether the person follows `project`.
    pub fn follows_project(&self, project: ProjectId) -> bool {
        self.subscriptions.projects.contains(&project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::NoticeOutcome;

    fn notice(id: i64) -> Notice {
        Notice {
            id,
            job_id: Some(JobId(id)),
            job_name: format!("job {id}"),
            project_id: ProjectId(1),
            outcome: NoticeOutcome::Completed,
            text: format!("Job {id} completed"),
            created: time::OffsetDateTime::UNIX_EPOCH,
            read: false,
        }
    }

    #[test]
    fn live_notices_go_in_order_once_and_count_as_unread_until_read() {
        let mut notices = Notices::default();
        notices.set(NoticeList {
            notices: vec![notice(5), notice(3)],
            unread: 7,
        });
        assert!(notices.arrived(notice(6)));
        assert!(notices.arrived(notice(4)));
        assert!(!notices.arrived(notice(6)), "a replayed notice is not new");
        let ids: Vec<i64> = notices.list.iter().map(|n| n.id).collect();
        assert_eq!(ids, [6, 5, 4, 3]);
        assert_eq!(notices.unread, 9);
        notices.mark_read(Some(&[6, 4]));
        assert_eq!(notices.unread, 7);
        notices.mark_read(Some(&[6]));
        assert_eq!(notices.unread, 7, "read twice counts once");
        notices.mark_read(None);
        assert_eq!(notices.unread, 0);
        assert!(notices.list.iter().all(|n| n.read));
    }

    #[test]
    fn desktop_pop_ups_follow_the_persons_choice() {
        let mut notices = Notices::default();
        assert!(
            notices.wants_desktop(),
            "the default until the choices are read"
        );
        let mut view = NoticeSettingsView {
            settings: drover_shared::api::NoticeSettings::default(),
            channels: drover_shared::api::NoticeChannels::default(),
            email_address: "a@b.c".into(),
        };
        view.settings.desktop = false;
        notices.settings = Some(view);
        assert!(!notices.wants_desktop());
    }
}
