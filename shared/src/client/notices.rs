//! Notices and what a person follows: their list, their choices of where to be told, and the
//! jobs and projects they follow.

use super::{Client, ClientError};
use crate::api::{
    NoticeCount, NoticeList, NoticeQuery, NoticeSettings, NoticeSettingsView, NoticesRead,
    Subscriptions,
};
use crate::ids::{JobId, ProjectId};
use reqwest::Method;

impl Client {
    /// `GET /notices`: a page of the person's notices, newest first, with the unread count.
    pub async fn notices(&self, query: &NoticeQuery) -> Result<NoticeList, ClientError> {
        Self::json(self.request(Method::GET, "/notices").query(query)).await
    }

    /// `POST /notices/read`: marks notices (or all of them) as seen.
    pub async fn mark_notices_read(&self, read: &NoticesRead) -> Result<NoticeCount, ClientError> {
        Self::json(self.request(Method::POST, "/notices/read").json(read)).await
    }

    /// `GET /notices/settings`: the person's choices and where the server can send.
    pub async fn notice_settings(&self) -> Result<NoticeSettingsView, ClientError> {
        Self::json(self.request(Method::GET, "/notices/settings")).await
    }

    /// `PUT /notices/settings`.
    pub async fn set_notice_settings(
        &self,
        settings: &NoticeSettings,
    ) -> Result<NoticeSettingsView, ClientError> {
        Self::json(
            self.request(Method::PUT, "/notices/settings")
                .json(settings),
        )
        .await
    }

    /// `GET /notices/subscriptions`: the jobs and projects the person follows.
    pub async fn subscriptions(&self) -> Result<Subscriptions, ClientError> {
        Self::json(self.request(Method::GET, "/notices/subscriptions")).await
    }

    /// `PUT` or `DELETE /jobs/{id}/subscription`: follow a job, or stop.
    pub async fn follow_job(&self, job: JobId, follow: bool) -> Result<Subscriptions, ClientError> {
        let method = if follow { Method::PUT } else { Method::DELETE };
        Self::json(self.request(method, &format!("/jobs/{job}/subscription"))).await
    }

    /// `PUT` or `DELETE /projects/{id}/subscription`: follow every job of a project, or stop.
    pub async fn follow_project(
        &self,
        project: ProjectId,
        follow: bool,
    ) -> Result<Subscriptions, ClientError> {
        let method = if follow { Method::PUT } else { Method::DELETE };
        Self::json(self.request(method, &format!("/projects/{project}/subscription"))).await
    }
}
