//! Kitsu's live events over Socket.IO, as Zou's event server speaks them: Socket.IO v4 at
//! `/socket.io`, namespace [`NAMESPACE`], each event `[name, payload]` sent after the write
//! that made it has committed.
//!
//! A socket is admitted to the namespace with the session cookie or a bearer token on its
//! handshake, as any route is (a worker's token is refused; a cookie handshake from another
//! site's page too). Unlike Zou, which sends every event to everyone, a socket hears only
//! what its person may read: it sits in a room per project it may read (its teams', or all
//! projects for managers and admins) and in its person's room, and an event goes to its
//! [`Audience`]'s room. Rooms follow team changes before the next event is sent, and a
//! socket is closed when its session ends (logout, a reset, a new role).

use crate::auth::{AuthState, Credential, CurrentUser, worker::WORKER_TOKEN_PREFIX};
use crate::error::ApiError;
use crate::events::EventBus;
use crate::production::db::live::{Audience, LiveEvent, team_links};
use crate::production::review_room::{self, Rooms};
use crate::store::Store;
use drover_shared::Role;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The namespace Kitsu's front end connects to.
pub const NAMESPACE: &str = "/events";
/// The room of every socket whose person reads every project.
const ALL_PROJECTS: &str = "projects:all";
/// Committed writes' events waiting to be sent; past it, a write waits for room.
const QUEUE: usize = 4096;
/// Largest message a client may send (the review room's player state, annotations).
const MAX_PAYLOAD: u64 = 256 * 1024;

fn project_room(project: &str) -> String {
    format!("project:{project}")
}

fn person_room(person: &str) -> String {
    format!("person:{person}")
}

/// Who a socket is, kept on the socket.
#[derive(Debug, Clone)]
struct Listener {
    person: String,
    sees_all: bool,
}

/// The Socket.IO side of the server: the layer to serve and the queue of events to send.
#[derive(Clone)]
pub struct Live {
    events: mpsc::Sender<Vec<LiveEvent>>,
}

impl Live {
    /// The layer serving `/socket.io`, and the handle writes publish through. The sender task
    /// runs until every handle is dropped.
    pub fn new(auth: Arc<AuthState>, store: Store, streams: EventBus) -> (SocketIoLayer, Self) {
        let (layer, io) = SocketIo::builder().max_payload(MAX_PAYLOAD).build_layer();
        let (connect_auth, connect_store) = (Arc::clone(&auth), store.clone());
        let admit = move |socket: SocketRef| {
            let (auth, store, streams) = (
                Arc::clone(&connect_auth),
                connect_store.clone(),
                streams.clone(),
            );
            async move { admit(&auth, &store, &streams, &socket).await }
        };
        let (joined_auth, joined_store) = (auth, store.clone());
        let rooms = Arc::new(Rooms::default());
        let joined = move |socket: SocketRef| {
            let (auth, store, rooms) = (
                Arc::clone(&joined_auth),
                joined_store.clone(),
                Arc::clone(&rooms),
            );
            async move { joined(auth, store, rooms, socket).await }
        };
        io.ns(NAMESPACE, joined.with(admit));
        let (events, queue) = mpsc::channel(QUEUE);
        tokio::spawn(send(io, store, queue));
        (layer, Self { events })
    }

    /// Queues a committed write's events, in the order the write made them, after those of
    /// the writes committed before. Called on the writer's thread once the write committed
    /// ([`crate::state::AppState::write_live`]), never from async code: it waits for room
    /// when the sender is [`QUEUE`] writes behind.
    pub(crate) fn publish_committed(&self, events: Vec<LiveEvent>) {
        if events.is_empty() {
            return;
        }
        // Only fails when the server is stopping: nobody is listening then.
        let _ = self.events.blocking_send(events);
    }
}

/// The connect middleware: a valid session with a live connection to spare (sockets count
/// with the person's `/api/events` streams), or the namespace is refused.
async fn admit(
    auth: &AuthState,
    store: &Store,
    streams: &EventBus,
    socket: &SocketRef,
) -> Result<(), String> {
    let parts = socket.req_parts();
    let Some(credential) = Credential::of(parts) else {
        return Err("log in first: no session cookie or bearer token".into());
    };
    if matches!(credential, Credential::Cookie(_))
        && parts.headers.contains_key(axum::http::header::ORIGIN)
        && !auth.cookies.same_origin(&parts.headers)
    {
        return Err("this server's events are for its own pages".into());
    }
    if credential.token().starts_with(WORKER_TOKEN_PREFIX) {
        return Err("render nodes have no production events".into());
    }
    let me = crate::auth::authenticate_in(auth, store, credential.token())
        .await
        .map_err(|e| match e {
            ApiError::Unauthorized(m) => m,
            other => other.to_string(),
        })?;
    let permit = streams
        .open_stream(me.user.id)
        .map_err(|refused| refused.to_string())?;
    // Given back when the socket goes, with its extensions.
    socket.extensions.insert(Arc::new(permit));
    socket.extensions.insert(me);
    Ok(())
}

/// Whether a request starts a Socket.IO session (an Engine.IO handshake: no `sid` yet).
fn starts_a_session(uri: &axum::http::Uri) -> bool {
    uri.path().starts_with("/socket.io")
        && !uri
            .query()
            .unwrap_or("")
            .split('&')
            .any(|pair| pair.starts_with("sid="))
}

/// In front of `/socket.io`: a new session needs a valid session of the server's, so that
/// no one logged out holds Engine.IO sessions (and their buffers) open; requests of a
/// session already open are checked by its id.
pub async fn handshake_gate(
    axum::extract::State((auth, store)): axum::extract::State<(Arc<AuthState>, Store)>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !starts_a_session(request.uri()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let refusal = match Credential::of(&parts) {
        None => Some(ApiError::Unauthorized(
            "live events need the session cookie or a bearer token; log in first".into(),
        )),
        Some(c) if c.token().starts_with(WORKER_TOKEN_PREFIX) => Some(ApiError::Forbidden(
            "render nodes have no production events".into(),
        )),
        Some(Credential::Cookie(_))
            if parts.headers.contains_key(axum::http::header::ORIGIN)
                && !auth.cookies.same_origin(&parts.headers) =>
        {
            Some(ApiError::Forbidden(
                "this server's events are for its own pages (the Origin is another site's)".into(),
            ))
        }
        Some(c) => crate::auth::authenticate_in(&auth, &store, c.token())
            .await
            .err(),
    };
    match refusal {
        Some(refused) => refused.into_response(),
        None => {
            next.run(axum::extract::Request::from_parts(parts, body))
                .await
        }
    }
}

/// After admission: the socket joins its rooms, and leaves when its session ends.
async fn joined(auth: Arc<AuthState>, store: Store, rooms: Arc<Rooms>, socket: SocketRef) {
    let Some(me) = socket.extensions.get::<CurrentUser>() else {
        return;
    };
    let listener = Listener {
        person: me.user.id.to_string(),
        sees_all: me.user.role.allows(Role::Manager),
    };
    socket.join(person_room(&listener.person));
    if listener.sees_all {
        socket.join(ALL_PROJECTS);
    } else {
        let person = listener.person.clone();
        let links = store
            .read(move |c| team_links(c).map_err(ApiError::from))
            .await
            .unwrap_or_default();
        for (linked, project) in links {
            if linked == person {
                socket.join(project_room(&project));
            }
        }
    }
    let person = listener.person.clone();
    socket.extensions.insert(listener);
    review_room::listen(&socket, &me, store.clone(), Arc::clone(&rooms));
    let ended = crate::auth::session_ended_in(&auth, &store, &me);
    let closed = CancellationToken::new();
    let on_close = closed.clone();
    socket.on_disconnect(move |socket: SocketRef| {
        on_close.cancel();
        async move { review_room::gone(&socket, &person, &rooms).await }
    });
    tokio::spawn(async move {
        tokio::select! {
            () = ended => {
                // Already gone is as good.
                let _ = socket.disconnect();
            }
            () = closed.cancelled() => {}
        }
    });
}

/// Puts every socket of a person who is not a manager in the rooms of their teams' projects
/// as they are now.
async fn resync_rooms(io: &SocketIo, store: &Store) {
    let Some(namespace) = io.of(NAMESPACE) else {
        return;
    };
    let links = match store.read(|c| team_links(c).map_err(ApiError::from)).await {
        Ok(links) => links,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the teams for live events");
            return;
        }
    };
    let mut teams: HashMap<String, Vec<String>> = HashMap::new();
    for (person, project) in links {
        teams.entry(person).or_default().push(project);
    }
    for socket in namespace.sockets() {
        let Some(listener) = socket.extensions.get::<Listener>() else {
            continue;
        };
        if listener.sees_all {
            continue;
        }
        for room in socket.rooms() {
            if room.starts_with("project:") {
                socket.leave(room);
            }
        }
        for project in teams.get(&listener.person).into_iter().flatten() {
            socket.join(project_room(project));
        }
    }
}

/// The sender: committed writes' events, in order, each to its audience's rooms.
async fn send(io: SocketIo, store: Store, mut queue: mpsc::Receiver<Vec<LiveEvent>>) {
    let mut synced = store.team_version();
    while let Some(events) = queue.recv().await {
        let version = store.team_version();
        if version != synced {
            synced = version;
            resync_rooms(&io, &store).await;
        }
        for event in events {
            let Some(to) = io.of(NAMESPACE) else {
                break;
            };
            let sent = match &event.audience {
                Audience::Project(project) => {
                    to.to([project_room(project), ALL_PROJECTS.to_owned()])
                        .emit(&event.name, &event.data)
                        .await
                }
                Audience::Person(person) => {
                    to.to(person_room(person))
                        .emit(&event.name, &event.data)
                        .await
                }
                Audience::Everyone => to.emit(&event.name, &event.data).await,
            };
            if let Err(e) = sent {
                tracing::debug!(event = %event.name, error = %e, "a live event was not sent");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_handshakes_start_a_session() {
        let uri = |u: &str| u.parse::<axum::http::Uri>().unwrap();
        assert!(starts_a_session(&uri(
            "/socket.io/?EIO=4&transport=polling&t=P1"
        )));
        assert!(starts_a_session(&uri(
            "/socket.io?EIO=4&transport=websocket"
        )));
        assert!(!starts_a_session(&uri(
            "/socket.io/?EIO=4&transport=polling&sid=abc"
        )));
        assert!(!starts_a_session(&uri("/api/data/projects")));
    }
}
