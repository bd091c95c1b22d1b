//! Notices: when a job completes or fails, its submitter and the people following the job or
//! its project are told, in the app (its list and a desktop pop-up), in chat (the Slack,
//! Mattermost or Discord integration of Kitsu's organisation) and by e-mail, as each person
//! chose.

use crate::ids::{JobId, ProjectId};
use crate::status::NoticeOutcome;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// One notice in a person's list (`GET /notices`, and the `notices` topic of `/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notice {
    /// Its number; newer notices have larger ones.
    pub id: i64,
    /// The job it tells of; `None` once the job was deleted.
    pub job_id: Option<JobId>,
    /// The job's name when it ended.
    pub job_name: String,
    /// The job's project.
    pub project_id: ProjectId,
    /// How the job ended.
    pub outcome: NoticeOutcome,
    /// The message, as chat and e-mail carry it.
    pub text: String,
    /// When the job ended.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// The person has seen it.
    pub read: bool,
}

/// The most notices one `GET /notices` returns.
pub const MAX_NOTICES_PER_PAGE: u32 = 200;

/// Query of `GET /notices`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// Only notices older than this one (the next page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    /// How many, newest first: 1–200, 50 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only the unread ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unread: bool,
}

/// `POST /notices/read`: these notices (or all of the person's) are seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticesRead {
    /// The notices seen (at most 1,000).
    #[serde(default)]
    pub ids: Vec<i64>,
    /// Every notice of the person is seen.
    #[serde(default)]
    pub all: bool,
}

/// `GET /notices`: a page of the person's notices, and how many are unread in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeList {
    /// Newest first.
    pub notices: Vec<Notice>,
    /// The person's unread notices, on every page.
    pub unread: u64,
}

/// `POST /notices/read`: what is left unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoticeCount {
    /// The person's unread notices.
    pub unread: u64,
}

/// One chat service a person may be told on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatChoice {
    /// The person wants messages there.
    pub enabled: bool,
    /// Their user id (Slack, Discord) or user name (Mattermost) there.
    pub user_id: String,
}

/// What a person is told, and where (`GET` and `PUT /notices/settings`). The app's list
/// always gets every notice; the rest is the person's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent yes/no choices, each a checkbox in the app"
)]
pub struct NoticeSettings {
    /// Told when a job completes.
    pub on_completed: bool,
    /// Told when a job fails.
    pub on_failed: bool,
    /// A desktop pop-up from the app.
    pub desktop: bool,
    /// An e-mail to the person's address (when the server has SMTP).
    pub email: bool,
    /// Slack (Kitsu's organisation `chat_token_slack`).
    pub slack: ChatChoice,
    /// Mattermost (`chat_webhook_mattermost`).
    pub mattermost: ChatChoice,
    /// Discord (`chat_token_discord`).
    pub discord: ChatChoice,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            on_completed: true,
            on_failed: true,
            desktop: true,
            email: false,
            slack: ChatChoice::default(),
            mattermost: ChatChoice::default(),
            discord: ChatChoice::default(),
        }
    }
}

/// The longest chat user id taken.
pub const MAX_CHAT_USER_ID: usize = 128;

/// Where the server can send notices: what a person's settings can use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one yes/no per channel, independent of each other"
)]
pub struct NoticeChannels {
    /// SMTP is configured.
    pub email: bool,
    /// The organisation has a Slack integration.
    pub slack: bool,
    /// The organisation has a Mattermost webhook.
    pub mattermost: bool,
    /// The organisation has a Discord integration.
    pub discord: bool,
}

/// `GET /notices/settings`: the person's choices and what the server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoticeSettingsView {
    /// The person's choices.
    pub settings: NoticeSettings,
    /// Where the server can send.
    pub channels: NoticeChannels,
    /// The e-mail address notices go to (the login's).
    pub email_address: String,
}

/// What a person follows (`GET /notices/subscriptions`): they are told when these jobs, or
/// any job of these projects, end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscriptions {
    /// Jobs followed.
    pub jobs: Vec<JobId>,
    /// Projects followed.
    pub projects: Vec<ProjectId>,
}

/// The most jobs and projects one person follows.
pub const MAX_SUBSCRIPTIONS: usize = 1000;
