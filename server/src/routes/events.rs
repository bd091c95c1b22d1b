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
use crate::events::{Owner, Published};
use crate::extract::Query;
use crate::farm::access::Sight;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use drover_shared::events::{Event, EventKind, EventQuery};
use drover_shared::{ErrorBody, ProjectId, UserId};
use futures_util::{Stream, StreamExt, stream};
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TOPICS: [&str; 6] = [
    "jobs",
    "tasks",
    "logs",
    "workers",
    "last_rendered",
    "notices",
];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

fn to_sse(event: &Event) -> SseEvent {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.topic())
        .data(data)
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
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let topics: HashSet<String> = match &query.topics {
        None => TOPICS
            .iter()
            .filter(|t| **t != "logs")
            .map(|t| (*t).to_owned())
            .collect(),
        Some(list) => {
            let wanted: HashSet<String> = list
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(bad) = wanted.iter().find(|t| !TOPICS.contains(&t.as_str())) {
                return Err(ApiError::BadRequest(format!(
                    "unknown topic `{bad}`; topics: {}",
                    TOPICS.join(", ")
                )));
            }
            wanted
        }
    };
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
    let job = query.job_id;
    let wanted = move |event: &Event| {
        topics.contains(event.kind.topic())
            && (job.is_none() || event.kind.job_id().is_none_or(|j| Some(j) == job))
    };
    let subscription = state.events.subscribe(since);
    let resync = |seq| {
        Arc::new(Published {
            event: Event {
                seq,
                kind: EventKind::Resync,
            },
            owner: Owner::Farm,
        })
    };
    let mut first = Vec::new();
    if subscription.gap {
        first.push(resync(state.events.next_seq().saturating_sub(1)));
    }
    first.extend(subscription.replay);
    let bus = state.events.clone();
    let live = BroadcastStream::new(subscription.live).map(move |item| match item {
        Ok(event) => event,
        // The client fell behind the channel: tell it to reload.
        Err(_) => resync(bus.next_seq().saturating_sub(1)),
    });
    // Ends when the session does (logout, password reset, deactivation, a new role).
    let ended = crate::auth::session_ended(&state, &me);
    let all = stream::iter(first).chain(live).boxed();
    // The permit lives as long as the stream: dropped with it when the client goes away.
    let shown = stream::unfold(
        (all, visibility, wanted, permit),
        |(mut all, mut visibility, wanted, permit)| async move {
            loop {
                let published = all.next().await?;
                if wanted(&published.event) && visibility.shows(&published).await {
                    let sse = to_sse(&published.event);
                    return Some((Ok(sse), (all, visibility, wanted, permit)));
                }
            }
        },
    )
    .take_until(ended);
    Ok(Sse::new(shown).keep_alive(KeepAlive::default()))
}
