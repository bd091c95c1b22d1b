//! Kitsu's review room: people watching the same playlist play it together. A page that
//! opens a playlist joins its Socket.IO room (once its person is found to read the
//! playlist's production) and hears who is in the review; those who join it share the
//! player's state (the entity, frame, speed, comparison…), kept here in memory per playlist;
//! their pan, zoom and annotations are relayed to the others. As Zou does it, with one
//! difference: a socket must have opened the playlist before anything it sends reaches its
//! room (Zou relays to any room named).

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::production::db::live::playlist_readable_by;
use crate::store::Store;
use serde_json::{Map, Value, json};
use socketioxide::extract::{Data, SocketRef};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The player's state fields a room keeps, as Zou's `_update_room_playing_status`.
const STATE_FIELDS: &[&str] = &[
    "playlist_id",
    "user_id",
    "local_id",
    "is_playing",
    "is_repeating",
    "is_laser_mode",
    "is_annotations_displayed",
    "is_zoom_enabled",
    "is_waveform_displayed",
    "current_entity_id",
    "current_entity_index",
    "current_preview_file_id",
    "current_preview_file_index",
    "current_frame",
    "handle_in",
    "handle_out",
    "speed",
];
/// The comparison's fields a room keeps.
const COMPARING_FIELDS: &[&str] = &[
    "enable",
    "task_type",
    "revision",
    "mode",
    "comparison_preview_index",
];
/// The events relayed as they come to everyone in the room, the sender included.
const RELAYED: &[&str] = &[
    "preview-room:panzoom-changed",
    "preview-room:comparison-panzoom-changed",
    "preview-room:add-annotation",
    "preview-room:update-annotation",
    "preview-room:remove-annotation",
    "preview-room:change-version",
];

/// One playlist's review: who is in it and the player's state.
#[derive(Default)]
struct Room {
    people: Vec<String>,
    state: Map<String, Value>,
}

/// Every playlist under review, shared by all sockets.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
}

/// The playlists a socket opened, kept on the socket.
#[derive(Clone, Default)]
struct Opened(Arc<Mutex<HashSet<String>>>);

fn room_name(playlist: &str) -> String {
    format!("playlist:{playlist}")
}

fn playlist_of(data: &Value) -> Option<String> {
    data.get("playlist_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .map(str::to_owned)
}

impl Rooms {
    fn people(&self, playlist: &str) -> Vec<String> {
        self.rooms
            .lock()
            .map(|rooms| {
                rooms
                    .get(playlist)
                    .map(|r| r.people.clone())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// Adds the person (the first one sets the state from what they sent); the room now.
    fn join(&self, playlist: &str, person: &str, data: &Value) -> Value {
        let Ok(mut rooms) = self.rooms.lock() else {
            return Value::Null;
        };
        let room = rooms.entry(playlist.to_owned()).or_default();
        if room.people.is_empty() {
            room.state = kept_state(data, &room.state);
        }
        if !room.people.iter().any(|p| p == person) {
            room.people.push(person.to_owned());
        }
        room.state
            .insert("playlist_id".into(), Value::from(playlist));
        shown(room, None)
    }

    /// Takes the person out; the people left.
    fn leave(&self, playlist: &str, person: &str) -> Vec<String> {
        let Ok(mut rooms) = self.rooms.lock() else {
            return Vec::new();
        };
        let Some(room) = rooms.get_mut(playlist) else {
            return Vec::new();
        };
        room.people.retain(|p| p != person);
        let left = room.people.clone();
        if left.is_empty() {
            rooms.remove(playlist);
        }
        left
    }

    /// Keeps the state sent; the room now, for everyone (`only_newcomer: false`).
    fn update(&self, playlist: &str, data: &Value) -> Value {
        let Ok(mut rooms) = self.rooms.lock() else {
            return Value::Null;
        };
        let room = rooms.entry(playlist.to_owned()).or_default();
        room.state = kept_state(data, &room.state);
        room.state
            .insert("playlist_id".into(), Value::from(playlist));
        shown(room, Some(false))
    }
}

/// The state a room keeps from what a client sent: the known fields (the comparison reduced
/// to its own), anything else dropped; the speed only when it is a number.
fn kept_state(data: &Value, before: &Map<String, Value>) -> Map<String, Value> {
    let mut state = before.clone();
    for field in STATE_FIELDS {
        if let Some(value) = data.get(*field) {
            if *field == "speed" && !value.is_number() {
                continue;
            }
            state.insert((*field).to_owned(), value.clone());
        }
    }
    if let Some(Value::Object(comparing)) = data.get("comparing") {
        let kept: Map<String, Value> = COMPARING_FIELDS
            .iter()
            .filter_map(|f| comparing.get(*f).map(|v| ((*f).to_owned(), v.clone())))
            .collect();
        state.insert("comparing".into(), Value::Object(kept));
    }
    state
}

fn shown(room: &Room, only_newcomer: Option<bool>) -> Value {
    let mut shown = room.state.clone();
    shown.insert("people".into(), json!(room.people));
    if let Some(only) = only_newcomer {
        shown.insert("only_newcomer".into(), Value::from(only));
    }
    Value::Object(shown)
}

/// Sends who is in the review to the playlist's room.
async fn people_updated(socket: &SocketRef, playlist: &str, people: Vec<String>) {
    let data = json!({"people": people, "playlist_id": playlist, "id": playlist});
    let _ = socket
        .within(room_name(playlist))
        .emit("preview-room:room-people-updated", &data)
        .await;
}

/// Whether the socket opened this playlist (and so was found to read it).
fn opened(socket: &SocketRef, playlist: &str) -> bool {
    socket
        .extensions
        .get::<Opened>()
        .is_some_and(|o| o.0.lock().is_ok_and(|set| set.contains(playlist)))
}

/// Listens to the review room's events on an admitted socket.
pub fn listen(socket: &SocketRef, me: &CurrentUser, store: Store, rooms: Arc<Rooms>) {
    let person = me.user.id.to_string();
    let viewer = (me.user.id, me.user.role);
    socket.extensions.insert(Opened::default());

    let open_rooms = Arc::clone(&rooms);
    socket.on(
        "preview-room:open-playlist",
        move |socket: SocketRef, Data(data): Data<Value>| {
            let (store, rooms) = (store.clone(), Arc::clone(&open_rooms));
            async move {
                let Some(playlist) = playlist_of(&data) else {
                    return;
                };
                let asked = playlist.clone();
                let readable = store
                    .read(move |c| {
                        playlist_readable_by(c, &asked, viewer.0, viewer.1).map_err(ApiError::from)
                    })
                    .await
                    .unwrap_or(false);
                if !readable {
                    return;
                }
                if let Some(opened) = socket.extensions.get::<Opened>()
                    && let Ok(mut set) = opened.0.lock()
                {
                    set.insert(playlist.clone());
                }
                socket.join(room_name(&playlist));
                people_updated(&socket, &playlist, rooms.people(&playlist)).await;
            }
        },
    );

    let close_rooms = Arc::clone(&rooms);
    let close_person = person.clone();
    socket.on(
        "preview-room:close-playlist",
        move |socket: SocketRef, Data(data): Data<Value>| {
            let (rooms, person) = (Arc::clone(&close_rooms), close_person.clone());
            async move {
                let Some(playlist) = playlist_of(&data).filter(|p| opened(&socket, p)) else {
                    return;
                };
                if rooms.people(&playlist).contains(&person) {
                    let left = rooms.leave(&playlist, &person);
                    people_updated(&socket, &playlist, left).await;
                }
                if let Some(opened) = socket.extensions.get::<Opened>()
                    && let Ok(mut set) = opened.0.lock()
                {
                    set.remove(&playlist);
                }
                socket.leave(room_name(&playlist));
            }
        },
    );

    let join_rooms = Arc::clone(&rooms);
    let join_person = person.clone();
    socket.on(
        "preview-room:join",
        move |socket: SocketRef, Data(data): Data<Value>| {
            let (rooms, person) = (Arc::clone(&join_rooms), join_person.clone());
            async move {
                let Some(playlist) = playlist_of(&data).filter(|p| opened(&socket, p)) else {
                    return;
                };
                let room = rooms.join(&playlist, &person, &data);
                people_updated(&socket, &playlist, rooms.people(&playlist)).await;
                let _ = socket
                    .within(room_name(&playlist))
                    .emit("preview-room:room-updated", &room)
                    .await;
            }
        },
    );

    let leave_rooms = Arc::clone(&rooms);
    let leave_person = person.clone();
    socket.on(
        "preview-room:leave",
        move |socket: SocketRef, Data(data): Data<Value>| {
            let (rooms, person) = (Arc::clone(&leave_rooms), leave_person.clone());
            async move {
                let Some(playlist) = playlist_of(&data).filter(|p| opened(&socket, p)) else {
                    return;
                };
                let left = rooms.leave(&playlist, &person);
                people_updated(&socket, &playlist, left).await;
            }
        },
    );

    let update_rooms = rooms;
    socket.on(
        "preview-room:room-updated",
        move |socket: SocketRef, Data(data): Data<Value>| {
            let rooms = Arc::clone(&update_rooms);
            async move {
                let Some(playlist) = playlist_of(&data).filter(|p| opened(&socket, p)) else {
                    return;
                };
                let room = rooms.update(&playlist, &data);
                let _ = socket
                    .within(room_name(&playlist))
                    .emit("preview-room:room-updated", &room)
                    .await;
            }
        },
    );

    for event in RELAYED {
        socket.on(
            *event,
            move |socket: SocketRef, Data(data): Data<Value>| async move {
                let Some(playlist) = playlist_of(&data).filter(|p| opened(&socket, p)) else {
                    return;
                };
                let _ = socket
                    .within(room_name(&playlist))
                    .emit(*event, &data)
                    .await;
            },
        );
    }
}

/// A page that went away (its socket disconnected) leaves the reviews its person was in.
pub async fn gone(socket: &SocketRef, person: &str, rooms: &Rooms) {
    let playlists: Vec<String> = socket
        .extensions
        .get::<Opened>()
        .and_then(|o| o.0.lock().ok().map(|set| set.iter().cloned().collect()))
        .unwrap_or_default();
    for playlist in playlists {
        if rooms.people(&playlist).iter().any(|p| p == person) {
            let left = rooms.leave(&playlist, person);
            people_updated(socket, &playlist, left).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_keeps_the_known_state_and_its_people() {
        let rooms = Rooms::default();
        let first = rooms.join(
            "p",
            "ann",
            &json!({"current_frame": 12, "evil": "x", "speed": "fast",
                    "comparing": {"enable": true, "mode": "sidebyside", "extra": 1}}),
        );
        assert_eq!(first["current_frame"], 12);
        assert_eq!(first["people"], json!(["ann"]));
        assert!(first.get("evil").is_none());
        assert!(first.get("speed").is_none(), "a speed is a number");
        assert_eq!(
            first["comparing"],
            json!({"enable": true, "mode": "sidebyside"})
        );
        // The second one joins the room as it is; an update is for everyone.
        let second = rooms.join("p", "bob", &json!({"current_frame": 99}));
        assert_eq!(second["current_frame"], 12);
        assert_eq!(second["people"], json!(["ann", "bob"]));
        let updated = rooms.update("p", &json!({"current_frame": 40, "is_playing": true}));
        assert_eq!(updated["current_frame"], 40);
        assert_eq!(updated["only_newcomer"], false);
        assert_eq!(rooms.leave("p", "ann"), ["bob"]);
        assert!(rooms.leave("p", "bob").is_empty());
        assert!(rooms.people("p").is_empty(), "an empty room goes");
    }
}
