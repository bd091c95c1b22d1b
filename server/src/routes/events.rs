//! `GET /events`: the live stream (server-sent events) that the app follows instead of
//! polling. Each event's SSE id is its sequence number; reconnect with `Last-Event-ID` (or
//! `?since=`) to get what was missed, or a `resync` event when too much was.

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use drover_shared::ErrorBody;
use drover_shared::events::{Event, EventKind, EventQuery};
use futures_util::{Stream, StreamExt, stream};
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const TOPICS: [&str; 5] = ["jobs", "tasks", "logs", "workers", "last_rendered"];

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

/// The live event stream, as `text/event-stream`. Each `data:` is an `Event` in JSON.
#[utoipa::path(get, path = "/events", tag = "events", params(EventQuery), security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of Event", body = Event), (status = 400, body = ErrorBody)))]
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
        Arc::new(Event {
            seq,
            kind: EventKind::Resync,
        })
    };
    let mut first = Vec::new();
    if subscription.gap {
        first.push(resync(state.events.next_seq().saturating_sub(1)));
    }
    let wanted_replay = wanted.clone();
    first.extend(subscription.replay.into_iter().filter(|e| wanted_replay(e)));
    let bus = state.events.clone();
    let live = BroadcastStream::new(subscription.live).filter_map(move |item| {
        let out = match item {
            Ok(event) if wanted(&event) => Some(event),
            Ok(_) => None,
            // The client fell behind the channel: tell it to reload.
            Err(_) => Some(resync(bus.next_seq().saturating_sub(1))),
        };
        std::future::ready(out)
    });
    // Ends when the session does (logout, password reset, deactivation, a new role).
    let ended = crate::auth::session_ended(&state, &me);
    let stream = stream::iter(first)
        .chain(live)
        .map(|event| Ok(to_sse(&event)))
        .take_until(ended);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
