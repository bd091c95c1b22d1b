//! The one typed HTTP client of the Drover API. Every URL of the API is formatted here and
//! nowhere else.

use crate::api::{
    Authenticated, BlocklistEntry, BrowseListing, JoinToken, LoginRequest, LoginResponse,
    LogoutResponse, Manager, ManagerCreated, ManagerWorkers, NewManager, NewUser, PreviewQuery,
    PreviewSize, Project, ProjectInput, ProjectList, ProjectListQuery, RefreshResponse,
    RenderSettings, Settings, TotpEnabled, TotpSetup, User, Worker, WorkerStatusChange,
};
use crate::error::ErrorBody;
use crate::events::EventQuery;
use crate::ids::{JobId, ProjectId, TaskId, UserId, WorkerId};
use crate::status::Role;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;

mod events;
mod fido;
mod files;
mod jobs;
mod nodes;
mod notices;
mod outputs;
mod production;
mod stats;
mod worker;

pub use events::EventStream;

/// What can go wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status and its JSON error body.
    #[error("{status}: {} ({})", body.message, body.error)]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// The server's explanation.
        body: ErrorBody,
    },
    /// The server answered with an error status but no JSON error body.
    #[error("{status}: {text}")]
    Status {
        /// HTTP status.
        status: StatusCode,
        /// The body as text.
        text: String,
    },
    /// The request could not be sent or the answer could not be read.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The base URL could not be joined with a route.
    #[error("bad server URL: {0}")]
    Url(String),
    /// A local file being sent or received could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The local file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl ClientError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Status { status, .. } => Some(*status),
            Self::Http(e) => e.status(),
            Self::Url(_) | Self::Io { .. } => None,
        }
    }

    /// The error code of the server's JSON body, when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { body, .. } => Some(&body.error),
            _ => None,
        }
    }
}

/// A raw answer, for callers that walk routes they did not know at compile time (such as the
/// OpenAPI role-matrix test).
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// The body, parsed as JSON when it is JSON.
    pub body: Option<serde_json::Value>,
}

/// A cheap-to-clone client bound to one server and, optionally, one token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The API root, e.g. `http://127.0.0.1:7878/api`, without a trailing slash.
    api: Arc<str>,
    token: Option<Arc<str>>,
}

impl Client {
    /// A client for the server at `server_url` (e.g. `http://127.0.0.1:7878`); `/api` is
    /// added when missing.
    pub fn new(server_url: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("drover/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self::with_http(http, server_url))
    }

    /// Like [`Client::new`] with a caller-built `reqwest::Client` (timeouts, pools).
    pub fn with_http(http: reqwest::Client, server_url: &str) -> Self {
        let trimmed = server_url.trim_end_matches('/');
        let api = if trimmed.ends_with("/api") {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/api")
        };
        Self {
            http,
            api: api.into(),
            token: None,
        }
    }

    /// The same client, authenticating with `token`.
    #[must_use]
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// The token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The API root this client talks to.
    pub fn api_url(&self) -> &str {
        &self.api
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.api));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn check(response: Response) -> Result<Response, ClientError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await?;
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => Err(ClientError::Api { status, body }),
            Err(_) => Err(ClientError::Status { status, text }),
        }
    }

    async fn json<T: DeserializeOwned>(builder: RequestBuilder) -> Result<T, ClientError> {
        Ok(Self::check(builder.send().await?).await?.json().await?)
    }

    async fn empty(builder: RequestBuilder) -> Result<(), ClientError> {
        Self::check(builder.send().await?).await.map(drop)
    }

    /// Sends any request to `path` (relative to the API root, query included) and returns
    /// the status and JSON body without judging them.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse, ClientError> {
        let mut builder = self.request(method, path);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = builder.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        Ok(RawResponse {
            status,
            body: serde_json::from_slice(&bytes).ok(),
        })
    }

    // -- meta -----------------------------------------------------------------------------

    /// `GET /openapi.json`: the API description generated from the server's code.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        Self::json(self.request(Method::GET, "/openapi.json")).await
    }

    // -- auth -----------------------------------------------------------------------------

    /// `POST /auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> Result<LoginResponse, ClientError> {
        self.login_with(&LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            totp: None,
            recovery_code: None,
        })
        .await
    }

    /// `POST /auth/login` with every field, one-time or recovery code included.
    pub async fn login_with(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        Self::json(self.request(Method::POST, "/auth/login").json(request)).await
    }

    /// `PUT /auth/totp`: a new TOTP secret with its `otpauth://` URL and QR code.
    pub async fn totp_start(&self) -> Result<TotpSetup, ClientError> {
        Self::json(self.request(Method::PUT, "/auth/totp")).await
    }

    /// `POST /auth/totp`: turns TOTP on with a current code; the recovery codes, first time.
    pub async fn totp_confirm(&self, code: &str) -> Result<TotpEnabled, ClientError> {
        let body = serde_json::json!({ "totp": code });
        Self::json(self.request(Method::POST, "/auth/totp").json(&body)).await
    }

    /// `DELETE /auth/totp`, proven with a current code.
    pub async fn totp_disable(&self, code: &str) -> Result<(), ClientError> {
        let body = serde_json::json!({ "totp": code });
        Self::empty(self.request(Method::DELETE, "/auth/totp").json(&body)).await
    }

    /// Logs in and returns a client that uses the new access token.
    pub async fn logged_in(&self, email: &str, password: &str) -> Result<Self, ClientError> {
        let login = self.login(email, password).await?;
        Ok(self.with_token(&login.access_token))
    }

    /// `GET /auth/authenticated`.
    pub async fn authenticated(&self) -> Result<Authenticated, ClientError> {
        Self::json(self.request(Method::GET, "/auth/authenticated")).await
    }

    /// `POST /auth/logout`: this client's token stops working.
    pub async fn logout(&self) -> Result<LogoutResponse, ClientError> {
        Self::json(self.request(Method::POST, "/auth/logout")).await
    }

    /// `GET /auth/refresh-token`; this client must carry the refresh token. The answer holds a
    /// new access token and a new refresh token, which replaces the one sent: that one is
    /// retired, and sending it again ends the session.
    pub async fn refresh_token(&self) -> Result<RefreshResponse, ClientError> {
        Self::json(self.request(Method::GET, "/auth/refresh-token")).await
    }

    /// `POST /auth/change-password`: the caller's password, the old one given; the caller's
    /// other sessions end.
    pub async fn change_password(
        &self,
        old_password: &str,
        new_password: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::json!({
            "old_password": old_password,
            "password": new_password,
            "password_2": new_password,
        });
        Self::json(
            self.request(Method::POST, "/auth/change-password")
                .json(&body),
        )
        .await
    }

    /// `POST /actions/persons/{person}/change-password` (admins): sets a person's password;
    /// every session of theirs ends.
    pub async fn set_person_password(
        &self,
        person: UserId,
        password: &str,
    ) -> Result<serde_json::Value, ClientError> {
        let body = serde_json::json!({ "password": password, "password_2": password });
        let path = format!("/actions/persons/{person}/change-password");
        Self::json(self.request(Method::POST, &path).json(&body)).await
    }

    // -- users ----------------------------------------------------------------------------

    /// `GET /users` (admins).
    pub async fn users(&self) -> Result<Vec<User>, ClientError> {
        Self::json(self.request(Method::GET, "/users")).await
    }

    /// `POST /users` (admins).
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        role: Role,
    ) -> Result<User, ClientError> {
        let body = NewUser {
            email: email.to_owned(),
            password: password.to_owned(),
            role,
        };
        Self::json(self.request(Method::POST, "/users").json(&body)).await
    }

    // -- projects -------------------------------------------------------------------------

    /// `GET /projects`.
    pub async fn projects(&self, include_inactive: bool) -> Result<ProjectList, ClientError> {
        let query = ProjectListQuery { include_inactive };
        Self::json(self.request(Method::GET, "/projects").query(&query)).await
    }

    /// `GET /projects/{id}`.
    pub async fn project(&self, id: ProjectId) -> Result<Project, ClientError> {
        Self::json(self.request(Method::GET, &format!("/projects/{id}"))).await
    }

    /// `POST /projects`.
    pub async fn create_project(&self, input: &ProjectInput) -> Result<Project, ClientError> {
        Self::json(self.request(Method::POST, "/projects").json(input)).await
    }

    /// `PUT /projects/{id}`.
    pub async fn update_project(
        &self,
        id: ProjectId,
        input: &ProjectInput,
    ) -> Result<Project, ClientError> {
        Self::json(
            self.request(Method::PUT, &format!("/projects/{id}"))
                .json(input),
        )
        .await
    }

    // -- workers and managers -------------------------------------------------------------

    /// `GET /workers`.
    pub async fn workers(&self) -> Result<Vec<Worker>, ClientError> {
        Self::json(self.request(Method::GET, "/workers")).await
    }

    /// `GET /workers/{id}`.
    pub async fn worker(&self, id: WorkerId) -> Result<Worker, ClientError> {
        Self::json(self.request(Method::GET, &format!("/workers/{id}"))).await
    }

    /// `POST /workers`.
    pub async fn set_worker_status(&self, change: &WorkerStatusChange) -> Result<(), ClientError> {
        Self::empty(self.request(Method::POST, "/workers").json(change)).await
    }

    /// `GET /managers`.
    pub async fn managers(&self) -> Result<Vec<Manager>, ClientError> {
        Self::json(self.request(Method::GET, "/managers")).await
    }

    /// `POST /managers`.
    pub async fn create_manager(&self, name: &str) -> Result<ManagerCreated, ClientError> {
        let body = NewManager {
            name: name.to_owned(),
        };
        Self::json(self.request(Method::POST, "/managers").json(&body)).await
    }

    /// `PATCH /managers/{uuid}`.
    pub async fn update_manager(
        &self,
        uuid: uuid::Uuid,
        total_workers: u32,
    ) -> Result<ManagerWorkers, ClientError> {
        let body = ManagerWorkers { total_workers };
        Self::json(
            self.request(Method::PATCH, &format!("/managers/{uuid}"))
                .json(&body),
        )
        .await
    }

    // -- settings and browsing ------------------------------------------------------------

    /// `GET /settings`.
    pub async fn settings(&self) -> Result<Settings, ClientError> {
        Self::json(self.request(Method::GET, "/settings")).await
    }

    /// `POST /settings`: creates or updates each named setting.
    pub async fn update_settings(&self, settings: &Settings) -> Result<(), ClientError> {
        Self::empty(self.request(Method::POST, "/settings").json(settings)).await
    }

    /// `GET /settings/render`.
    pub async fn render_settings(&self) -> Result<RenderSettings, ClientError> {
        Self::json(self.request(Method::GET, "/settings/render")).await
    }

    /// `GET /browse` (for `""`) or `GET /browse/{path}`; `path` is `/`-separated and
    /// relative to the browse root. Each segment is percent-encoded.
    pub async fn browse(&self, path: &str) -> Result<BrowseListing, ClientError> {
        let mut url = reqwest::Url::parse(&format!("{}/browse", self.api))
            .map_err(|e| ClientError::Url(e.to_string()))?;
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| ClientError::Url("the server URL cannot hold a path".into()))?;
            segments.extend(path.split('/').filter(|s| !s.is_empty()));
        }
        let mut builder = self.http.get(url);
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        Self::json(builder).await
    }

    // -- logs, previews, blocklist, farm -----------------------------------------------------

    async fn text(builder: RequestBuilder) -> Result<String, ClientError> {
        Ok(Self::check(builder.send().await?).await?.text().await?)
    }

    async fn bytes(
        builder: RequestBuilder,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), ClientError> {
        let response = Self::check(builder.send().await?).await?;
        let headers = response.headers().clone();
        Ok((headers, response.bytes().await?.to_vec()))
    }

    /// `GET /tasks/{id}/log`: the whole log.
    pub async fn task_log(&self, id: TaskId) -> Result<String, ClientError> {
        Self::text(self.request(Method::GET, &format!("/tasks/{id}/log"))).await
    }

    /// `GET /tasks/{id}/log` with `Range: bytes=start-`: the log from a byte offset (for
    /// following a log without reading it again). Empty when nothing is past `start`.
    pub async fn task_log_from(&self, id: TaskId, start: u64) -> Result<Vec<u8>, ClientError> {
        let response = self
            .request(Method::GET, &format!("/tasks/{id}/log"))
            .header(reqwest::header::RANGE, format!("bytes={start}-"))
            .send()
            .await?;
        if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            return Ok(Vec::new());
        }
        Ok(Self::check(response).await?.bytes().await?.to_vec())
    }

    /// `GET /tasks/{id}/logtail`: the last 4 KiB.
    pub async fn task_log_tail(&self, id: TaskId) -> Result<String, ClientError> {
        Self::text(self.request(Method::GET, &format!("/tasks/{id}/logtail"))).await
    }

    /// `GET /jobs/{id}/last-rendered`: JPEG bytes.
    pub async fn last_rendered(
        &self,
        job: JobId,
        size: PreviewSize,
    ) -> Result<Vec<u8>, ClientError> {
        let query = PreviewQuery { size };
        Ok(Self::bytes(
            self.request(Method::GET, &format!("/jobs/{job}/last-rendered"))
                .query(&query),
        )
        .await?
        .1)
    }

    /// `GET /jobs/last-rendered`: the farm's latest image (JPEG) and its job.
    pub async fn farm_last_rendered(
        &self,
        size: PreviewSize,
    ) -> Result<(Option<JobId>, Vec<u8>), ClientError> {
        let query = PreviewQuery { size };
        let (headers, bytes) = Self::bytes(
            self.request(Method::GET, "/jobs/last-rendered")
                .query(&query),
        )
        .await?;
        let job = headers
            .get("x-drover-job-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .map(JobId);
        Ok((job, bytes))
    }

    /// `GET /jobs/{id}/blocklist`.
    pub async fn blocklist(&self, job: JobId) -> Result<Vec<BlocklistEntry>, ClientError> {
        Self::json(self.request(Method::GET, &format!("/jobs/{job}/blocklist"))).await
    }

    /// `DELETE /jobs/{id}/blocklist`.
    pub async fn clear_blocklist(&self, job: JobId) -> Result<(), ClientError> {
        Self::empty(self.request(Method::DELETE, &format!("/jobs/{job}/blocklist"))).await
    }

    /// `GET /farm/join-token` (admins).
    pub async fn join_token(&self) -> Result<JoinToken, ClientError> {
        Self::json(self.request(Method::GET, "/farm/join-token")).await
    }

    /// `GET /events`: the live event stream.
    pub async fn events(&self, query: &EventQuery) -> Result<EventStream, ClientError> {
        let response = Self::check(
            self.request(Method::GET, "/events")
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .query(query)
                .send()
                .await?,
        )
        .await?;
        Ok(EventStream {
            response,
            buffer: Vec::new(),
        })
    }
}
