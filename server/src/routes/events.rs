//! `GET /events`: the live stream (server-sent events) that the app follows instead of
//! polling. Each event's SSE id is its sequence number; reconnect with `Last-Event-ID` (or
//! `?since=`) to get what was missed, or a `resync` event when too much was.
//!
//! A person who is not a manager gets the events of the projects whose team they are on (and
//! the farm's own: workers, resyncs). The stream keeps those projects in memory and reads them
//! again when a team changed (`Store::team_version`), so joining or leaving a team takes
//! effect on open streams at their next event.

use crate::auth::Authed;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::events::{Batch, EventBus, Filter, LiveEvents, Owner, Published, StreamPermit, TOPICS};
use crate::extract::Query;
use crate::farm::access::Sight;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use drover_shared::events::{Event, EventQuery};
use drover_shared::{ErrorBody, ProjectId, UserId};
use futures_util::{StreamExt, stream};
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A busy stream writes at most this often: what comes in between goes in the next chunk,
/// so a thousand dashboards cost the server a few writes each a second, not one per event.
const WRITE_EVERY: Duration = Duration::from_millis(50);
/// A chunk stops growing past this size; the rest of its batch goes in the next. A stream's
/// client that reads slowly then holds at most about this much of the server's memory in
/// flight, beside its queue of shared events (a thousand slow dashboards each holding a whole
/// batch of 4,096 events in one chunk took the server past a gigabyte).
const CHUNK_BYTES: usize = 64 * 1024;
/// A stream with nothing to say sends a comment this often, so proxies and clients know the
/// connection is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// What one stream may show: everything, or its person's team projects as last read.
struct Visibility {
    state: AppState,
    /// Whose stream it is: their own events (notices) and no one else's.
    person: UserId,
    sight: Sight,
    projects: HashSet<ProjectId>,
    /// The team version `projects` was read at.
    version: u64,
}

impl Visibility {
    async fn new(state: AppState, person: UserId, sight: Sight) -> ApiResult<Self> {
        let mut visibility = Self {
            state,
            person,
            sight,
            projects: HashSet::new(),
            version: 0,
        };
        visibility.refresh().await?;
        Ok(visibility)
    }

    /// Reads the person's projects again.
    async fn refresh(&mut self) -> ApiResult<()> {
        let Sight::Team(person) = self.sight else {
            return Ok(());
        };
        // The version first: a change committed meanwhile moves it again, and is read then.
        self.version = self.state.store.team_version();
        self.projects = self
            .state
            .store
            .read(move |c| db::teams::team_projects(c, person).map_err(ApiError::from))
            .await?
            .into_iter()
            .collect();
        Ok(())
    }

    /// True when the stream may show the event.
    async fn shows(&mut self, published: &Published) -> bool {
        match (self.sight, published.owner) {
            (_, Owner::Person(person)) => person == self.person,
            (Sight::All, _) | (_, Owner::Farm) => true,
            (Sight::Team(_), Owner::Unknown) => false,
            (Sight::Team(_), Owner::Project(project)) => {
                if self.state.store.team_version() != self.version
                    && let Err(e) = self.refresh().await
                {
                    // Fail closed: nothing of a project until its team can be read.
                    tracing::warn!(error = %e, "could not read a stream's teams");
                    return false;
                }
                self.projects.contains(&project)
            }
        }
    }
}

/// One open stream: what it must send first, then its live queue.
struct Open {
    first: Vec<Arc<Published>>,
    live: LiveEvents,
    visibility: Visibility,
    bus: EventBus,
    last_write: Option<Instant>,
    _permit: StreamPermit,
}

impl Open {
    /// The next chunk to write: the frames of the events this person may see, or a
    /// keep-alive comment.
    async fn next_chunk(&mut self) -> Bytes {
        loop {
            let batch = if self.first.is_empty() {
                if let Some(last) = self.last_write
                    && last.elapsed() < WRITE_EVERY
                {
                    tokio::time::sleep_until(last + WRITE_EVERY).await;
                }
                match tokio::time::timeout(KEEP_ALIVE, self.live.next()).await {
                    Err(_) => return Bytes::from_static(b":\n\n"),
                    // The stream fell behind its queue: tell it to reload.
                    Ok(Batch::Overflowed) => vec![self.bus.resync()],
                    Ok(Batch::Events(events)) => events,
                }
            } else {
                std::mem::take(&mut self.first)
            };
            let mut chunk = Vec::new();
            let mut batch = batch.into_iter();
            while let Some(published) = batch.next() {
                if self.visibility.shows(&published).await {
                    chunk.extend_from_slice(&published.frame);
                }
                if chunk.len() >= CHUNK_BYTES {
                    // The rest goes next, before anything newer.
                    self.first = batch.collect();
                    break;
                }
            }
            if !chunk.is_empty() {
                self.last_write = Some(Instant::now());
                return Bytes::from(chunk);
            }
        }
    }
}

/// The live event stream, as `text/event-stream`. Each `data:` is an `Event` in JSON. People
/// who are not managers get the events of their team's projects and the farm's own.
#[utoipa::path(get, path = "/events", tag = "events", params(EventQuery), security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of Event", body = Event), (status = 400, body = ErrorBody),
        (status = 429, description = "Too many event streams open, for this person or on the server", body = ErrorBody)))]
async fn events(
    Authed(me): Authed,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<EventQuery>,
) -> ApiResult<Response> {
    let topics: Vec<&str> = match &query.topics {
        None => TOPICS.iter().copied().filter(|t| *t != "logs").collect(),
        Some(list) => {
            let wanted: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(bad) = wanted.iter().find(|t| !TOPICS.contains(t)) {
                return Err(ApiError::BadRequest(format!(
                    "unknown topic `{bad}`; topics: {}",
                    TOPICS.join(", ")
                )));
            }
            wanted
        }
    };
    let filter = Filter::new(topics, query.job_id);
    let permit = state
        .events
        .open_stream(me.user.id)
        .map_err(|e| ApiError::TooManyRequests(e.to_string()))?;
    let visibility = Visibility::new(state.clone(), me.user.id, me.sight()).await?;
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or(query.since);
    let subscription = state.events.subscribe(filter, since);
    let mut first = Vec::new();
    if subscription.gap {
        first.push(state.events.resync());
    }
    first.extend(subscription.replay);
    let open = Open {
        first,
        live: subscription.live,
        visibility,
        bus: state.events.clone(),
        last_write: None,
        _permit: permit,
    };
    // Ends when the session does (logout, password reset, deactivation, a new role); the
    // stream leaves the bus and gives its place back when the client goes away.
    let ended = crate::auth::session_ended(&state, &me);
    let chunks = stream::unfold(open, |mut open| async move {
        let chunk = open.next_chunk().await;
        Some((Ok::<_, Infallible>(chunk), open))
    })
    .take_until(ended);
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
