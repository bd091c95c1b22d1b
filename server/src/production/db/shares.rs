//! Playlists shared with people outside the studio, as Kitsu shares them: links (a random
//! token opening one playlist, with an expiry, an optional password and whether guests may
//! comment) made and revoked by the project's managers, and what a guest reaches through
//! one: the playlist at the revisions it positions, the project's task types and statuses,
//! a guest identity bound to the link, the comments the client may read, their own comments
//! and annotations, and the files of that playlist's previews only (Zou's
//! `playlist_sharing_service`).
//!
//! Guests have no session: the routes check the link (and its password where Zou does), then
//! call these functions with a [`Data`] whose viewer has every right, so every function
//! here scopes what it reads and writes to the link itself.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::schema::{datetime_text, now_text, parse_date, parse_datetime};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

mod guests;

use guests::id_field;
pub use guests::{
    annotate, attach, comments, create_guest, delete_comment, detach, edit_comment, existing_guest,
    guest_ask, guest_of, may_comment, post_comment, shown_attachment, shows_person,
};

/// Guests one link may make: each costs a person row and a password hash.
pub const MAX_GUESTS_PER_LINK: i64 = 200;
/// Links one playlist may have at once.
pub const MAX_LINKS_PER_PLAYLIST: i64 = 100;
/// Longest name a guest may give (first or last).
const MAX_NAME_CHARS: usize = 100;
/// Longest comment a guest may write.
const MAX_COMMENT_CHARS: usize = 50_000;

/// A share link as the guest routes check it.
#[derive(Debug, Clone)]
pub struct Link {
    /// Its id (guests name it in their `data.share_link_id`).
    pub id: String,
    /// The playlist it opens.
    pub playlist_id: String,
    /// That playlist's project.
    pub project_id: String,
    /// Whether guests may comment and annotate.
    pub can_comment: bool,
    /// The argon2 hash of its password, when it has one.
    pub password_hash: Option<String>,
}

const LINK_COLUMNS: &str = "id, token, playlist_id, created_by, expiration_date, is_active, \
                            can_comment, password_hash, created_at, updated_at";

/// A link as managers read it: never its password, only whether it has one.
fn present_link(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let hash: Option<String> = r.get("password_hash")?;
    let value = json!({
        "id": r.get::<_, String>("id")?,
        "type": "PlaylistShareLink",
        "token": r.get::<_, String>("token")?,
        "playlist_id": r.get::<_, String>("playlist_id")?,
        "created_by": r.get::<_, Option<String>>("created_by")?,
        "expiration_date": r.get::<_, Option<String>>("expiration_date")?,
        "is_active": r.get::<_, bool>("is_active")?,
        "can_comment": r.get::<_, bool>("can_comment")?,
        "has_password": hash.is_some_and(|h| !h.is_empty()),
        "created_at": r.get::<_, String>("created_at")?,
        "updated_at": r.get::<_, String>("updated_at")?,
    });
    Ok(match value {
        Value::Object(map) => map,
        _ => Map::new(),
    })
}

/// The instant a link stops working, from Kitsu's `expiration_date`: a day names the whole
/// day (its last second), a timestamp is taken as given; nothing or empty: never.
pub fn parse_expiration(value: Option<&Value>) -> Result<Option<String>, DataError> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim(),
        Some(other) => {
            return Err(DataError::BadRequest(format!(
                "`expiration_date` must be an ISO 8601 date, not {other}"
            )));
        }
    };
    let bad = || DataError::BadRequest(format!("{text} is not a valid ISO 8601 date"));
    if text.len() == 10 {
        let day = parse_date(text).ok_or_else(bad)?;
        let last = time::Time::from_hms(23, 59, 59).map_err(|_| bad())?;
        return Ok(Some(datetime_text(time::PrimitiveDateTime::new(day, last))));
    }
    parse_datetime(text)
        .map(datetime_text)
        .map(Some)
        .ok_or_else(bad)
}

/// `GET /data/playlists/{p}/share`: the playlist's active links.
pub fn links_of(d: &Data, playlist_id: &str) -> Result<Vec<Row>, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    let mut stmt = d.conn.prepare_cached(&format!(
        "SELECT {LINK_COLUMNS} FROM prod_playlist_share_link \
         WHERE playlist_id = ? AND is_active ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([text(&playlist, "id")], present_link)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What a new link is made of: its token and password hash come from the route (the OS's
/// random bytes, argon2 on the hashing pool).
pub struct NewLink {
    /// The token.
    pub token: String,
    /// When it stops working (Kitsu's time text), if ever.
    pub expiration_date: Option<String>,
    /// Whether guests may comment.
    pub can_comment: bool,
    /// The password's hash, if it has one.
    pub password_hash: Option<String>,
}

/// `POST /data/playlists/{p}/share`: a new link to the playlist, made by the viewer.
pub fn create_link(d: &Data, playlist_id: &str, new: &NewLink) -> Result<Row, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    let playlist_id = text(&playlist, "id").to_owned();
    let active: i64 = d.conn.query_row(
        "SELECT count(*) FROM prod_playlist_share_link WHERE playlist_id = ? AND is_active",
        [&playlist_id],
        |r| r.get(0),
    )?;
    if active >= MAX_LINKS_PER_PLAYLIST {
        return Err(DataError::BadRequest(format!(
            "this playlist has {active} active share links already; revoke some first"
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    d.conn.execute(
        "INSERT INTO prod_playlist_share_link (id, token, playlist_id, created_by, \
         expiration_date, is_active, can_comment, password_hash, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?8)",
        rusqlite::params![
            id,
            new.token,
            playlist_id,
            d.viewer.id.to_string(),
            new.expiration_date,
            new.can_comment,
            new.password_hash,
            now
        ],
    )?;
    link_row(d.conn, &id)
}

fn link_row(conn: &Connection, id: &str) -> Result<Row, DataError> {
    Ok(conn.query_row(
        &format!("SELECT {LINK_COLUMNS} FROM prod_playlist_share_link WHERE id = ?"),
        [id],
        present_link,
    )?)
}

/// The id of the link `token` of the playlist (whatever its state); 404 when the token is
/// another playlist's, so a manager of one playlist cannot reach another's links.
fn link_of_playlist(d: &Data, playlist_id: &str, token: &str) -> Result<(String, bool), DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    d.conn
        .prepare_cached(
            "SELECT id, is_active FROM prod_playlist_share_link \
             WHERE token = ? AND playlist_id = ?",
        )?
        .query_row([token, text(&playlist, "id")], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or_else(|| DataError::NotFound("Share link not found".into()))
}

/// `DELETE /data/playlists/{p}/share/{token}`: the link stops working (kept, inactive, as
/// Zou keeps it); answers it.
pub fn revoke_link(d: &Data, playlist_id: &str, token: &str) -> Result<Row, DataError> {
    let (id, _) = link_of_playlist(d, playlist_id, token)?;
    d.conn.execute(
        "UPDATE prod_playlist_share_link SET is_active = 0, updated_at = ? WHERE id = ?",
        rusqlite::params![now_text(), id],
    )?;
    link_row(d.conn, &id)
}

/// `POST /data/playlists/{p}/share/{token}/invite`: the link must be an active one of the
/// playlist (404 otherwise) before the route says why it cannot send.
pub fn check_invitable(d: &Data, playlist_id: &str, token: &str) -> Result<(), DataError> {
    match link_of_playlist(d, playlist_id, token)? {
        (_, true) => Ok(()),
        (_, false) => Err(DataError::NotFound("Share link not found".into())),
    }
}

/// The link `token` if it opens its playlist now: active, not expired, its playlist there.
/// `None` for every other case, which the routes all answer 404 (Zou's answer), so a guess
/// learns nothing of which tokens once existed.
pub fn valid_link(conn: &Connection, token: &str) -> rusqlite::Result<Option<Link>> {
    conn.prepare_cached(
        "SELECT l.id, l.playlist_id, p.project_id, l.can_comment, l.password_hash \
         FROM prod_playlist_share_link AS l JOIN prod_playlist AS p ON p.id = l.playlist_id \
         WHERE l.token = ?1 AND l.is_active \
           AND (l.expiration_date IS NULL OR l.expiration_date >= ?2)",
    )?
    .query_row(rusqlite::params![token, now_text()], |r| {
        Ok(Link {
            id: r.get(0)?,
            playlist_id: r.get(1)?,
            project_id: r.get(2)?,
            can_comment: r.get(3)?,
            password_hash: r.get::<_, Option<String>>(4)?.filter(|h| !h.is_empty()),
        })
    })
    .optional()
}

/// The playlist's entries as stored (`shots`).
fn shots_json(conn: &Connection, link: &Link) -> Result<String, DataError> {
    Ok(conn
        .prepare_cached("SELECT ifnull(shots, '[]') FROM prod_playlist WHERE id = ?")?
        .query_row([&link.playlist_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "[]".into()))
}

/// The entity an entry names, in SQL over `json_each`'s `value`.
const ENTRY_ENTITY: &str = "coalesce(json_extract(s.value, '$.entity_id'), \
                            json_extract(s.value, '$.id'), json_extract(s.value, '$.shot_id'))";

/// Whether the link shares preview `preview_id`: it is the preview an entry positions on
/// its entity, or another picture of that revision of that task (Zou's
/// `is_preview_file_in_shared_playlist`). Other revisions, other task types and other
/// projects are not shared.
pub fn shares_preview(conn: &Connection, link: &Link, preview_id: &str) -> Result<bool, DataError> {
    let shots = shots_json(conn, link)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT 1 FROM prod_preview_file AS p JOIN prod_task AS k ON k.id = p.task_id \
             JOIN json_each(?1) AS s \
             JOIN prod_preview_file AS q ON q.id = json_extract(s.value, '$.preview_file_id') \
             WHERE p.id = ?2 AND k.project_id = ?3 AND k.entity_id = {ENTRY_ENTITY} \
               AND q.task_id = p.task_id AND q.revision = p.revision LIMIT 1"
        ))?
        .exists(rusqlite::params![shots, preview_id, link.project_id])?)
}

/// The tasks whose comments the link shows: those of the previews its entries position on
/// their own entities.
fn shown_tasks(conn: &Connection, link: &Link) -> Result<Vec<String>, DataError> {
    let shots = shots_json(conn, link)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT DISTINCT k.id FROM json_each(?1) AS s \
         JOIN prod_preview_file AS q ON q.id = json_extract(s.value, '$.preview_file_id') \
         JOIN prod_task AS k ON k.id = q.task_id \
         WHERE k.project_id = ?2 AND k.entity_id = {ENTRY_ENTITY} ORDER BY k.id"
    ))?;
    let rows = stmt.query_map(rusqlite::params![shots, link.project_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// `GET /shared/playlists/{token}`: the playlist as the link shares it: each entry at the
/// revision it positions (no other revisions or task types, no annotations), with its
/// entity's name, its parent's (or its type's), and its task type and status colours; the
/// project's name and frame rate on the playlist.
pub fn shared_playlist(d: &Data, link: &Link) -> Result<Row, DataError> {
    let mut playlist = super::playlists::project_playlist(d, &link.project_id, &link.playlist_id)?;
    let project = d.get(names::PROJECTS, &link.project_id)?;
    playlist.insert(
        "project_name".into(),
        project.get("name").cloned().unwrap_or(Value::Null),
    );
    playlist.insert(
        "project_fps".into(),
        project.get("fps").cloned().unwrap_or(Value::Null),
    );
    let for_all = playlist.get("is_for_all").and_then(Value::as_bool) == Some(true)
        && text(&playlist, "episode_id").is_empty();
    let mut entity_stmt = d.conn.prepare_cached(
        "SELECT e.name, t.name, p.name, g.name FROM prod_entity AS e \
         JOIN prod_entity_type AS t ON t.id = e.entity_type_id \
         LEFT JOIN prod_entity AS p ON p.id = e.parent_id \
         LEFT JOIN prod_entity AS g ON g.id = p.parent_id WHERE e.id = ? AND e.project_id = ?",
    )?;
    let mut task_stmt = d.conn.prepare_cached(
        "SELECT y.id, y.name, y.color, y.for_entity, s.color FROM prod_task AS k \
         JOIN prod_task_type AS y ON y.id = k.task_type_id \
         JOIN prod_task_status AS s ON s.id = k.task_status_id WHERE k.id = ?",
    )?;
    if let Some(Value::Array(shots)) = playlist.get_mut("shots") {
        for shot in shots.iter_mut().filter_map(Value::as_object_mut) {
            shot.insert("preview_files".into(), Value::Object(Map::new()));
            let task_id = text(shot, "preview_file_task_id").to_owned();
            if let Some(Value::Array(pictures)) = shot.get_mut("preview_file_previews") {
                pictures.retain(|p| p.get("task_id").and_then(Value::as_str) == Some(&task_id));
            }
            let entity = text(shot, "id").to_owned();
            let names: Option<(String, String, Option<String>, Option<String>)> = entity_stmt
                .query_row([&entity, &link.project_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            if let Some((name, type_name, parent, grand)) = names {
                let shot_like = matches!(
                    type_name.as_str(),
                    "Shot" | "Sequence" | "Episode" | "Edit" | "Concept"
                );
                let parent_name = match (shot_like, parent, grand) {
                    (false, ..) => type_name,
                    (true, Some(parent), Some(grand)) if for_all => format!("{grand} / {parent}"),
                    (true, parent, _) => parent.unwrap_or_default(),
                };
                shot.insert("name".into(), Value::from(name));
                shot.insert("parent_name".into(), Value::from(parent_name));
            }
            if task_id.is_empty() {
                continue;
            }
            let styling: Option<(String, String, String, String, String)> = task_stmt
                .query_row([&task_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()?;
            if let Some((id, name, color, for_entity, status_color)) = styling {
                shot.insert(
                    "preview_file_task_type_name".into(),
                    Value::from(name.clone()),
                );
                shot.insert(
                    "preview_file_task_type".into(),
                    json!({"id": id, "name": name, "color": color, "for_entity": for_entity}),
                );
                shot.insert("task_status_color".into(), Value::from(status_color));
            }
        }
    }
    Ok(playlist)
}

/// `GET /shared/playlists/{token}/context`: the project (no team), its task types (without
/// departments, which the guest page cannot look up) and its task statuses.
pub fn context(d: &Data, link: &Link) -> Result<Row, DataError> {
    let project = d.get(names::PROJECTS, &link.project_id)?;
    let field = |f: &str| project.get(f).cloned().unwrap_or(Value::Null);
    let mut types = d.conn.prepare_cached(
        "SELECT y.id, y.name, y.color, y.for_entity FROM prod_task_type AS y \
         JOIN prod_project_task_type_link AS l ON l.task_type_id = y.id \
         WHERE l.project_id = ? ORDER BY y.priority, y.name",
    )?;
    let task_types = types
        .query_map([&link.project_id], |r| {
            Ok(
                json!({"id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?,
                      "color": r.get::<_, String>(2)?, "for_entity": r.get::<_, String>(3)?}),
            )
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut statuses = d.conn.prepare_cached(
        "SELECT s.id, s.name, s.short_name, s.color, s.is_client_allowed, s.is_default, \
                s.for_concept FROM prod_task_status AS s \
         JOIN prod_project_task_status_link AS l ON l.task_status_id = s.id \
         WHERE l.project_id = ? ORDER BY s.priority, s.name",
    )?;
    let task_statuses = statuses
        .query_map([&link.project_id], |r| {
            Ok(
                json!({"id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?,
                      "short_name": r.get::<_, String>(2)?, "color": r.get::<_, String>(3)?,
                      "is_client_allowed": r.get::<_, bool>(4)?,
                      "is_default": r.get::<_, bool>(5)?, "for_concept": r.get::<_, bool>(6)?}),
            )
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut answer = Row::new();
    answer.insert(
        "project".into(),
        json!({"id": field("id"), "name": field("name"), "fps": field("fps"),
               "ratio": field("ratio"), "resolution": field("resolution"), "team": []}),
    );
    answer.insert("task_types".into(), Value::Array(task_types));
    answer.insert("task_statuses".into(), Value::Array(task_statuses));
    Ok(answer)
}

/// `POST /data/playlists/{p}/notify-clients` `{studio_id?, department_id?}`: each client of
/// the playlist's project (of that studio, of that department) hears that it is ready.
/// Answers how many were told.
pub fn notify_clients(d: &Data, playlist_id: &str, body: &Row) -> Result<usize, DataError> {
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    let optional = |field: &str| -> Result<Option<String>, DataError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            _ => id_field(body, field).map(Some),
        }
    };
    let (studio, department) = (optional("studio_id")?, optional("department_id")?);
    let mut stmt = d.conn.prepare_cached(
        "SELECT u.id FROM users AS u JOIN prod_project_person_link AS l ON l.person_id = u.id \
         WHERE l.project_id = ?1 AND coalesce(l.role, u.role) = 'client' AND NOT u.is_bot \
           AND NOT u.is_guest AND u.active \
           AND (?2 IS NULL OR u.studio_id = ?2) \
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM prod_department_link AS dl \
                WHERE dl.person_id = u.id AND dl.department_id = ?3)) ORDER BY u.id",
    )?;
    let clients = stmt
        .query_map(
            rusqlite::params![text(&playlist, "project_id"), studio, department],
            |r| r.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let now = now_text();
    for client in &clients {
        let id = uuid::Uuid::new_v4().to_string();
        d.conn.execute(
            "INSERT INTO prod_notification (id, type, person_id, author_id, playlist_id, \
             change, created_at, updated_at) VALUES (?1, 'playlist-ready', ?2, ?3, ?4, 0, ?5, ?5)",
            rusqlite::params![
                id,
                client,
                d.viewer.id.to_string(),
                text(&playlist, "id"),
                now
            ],
        )?;
        d.note_event(super::live::notification(&id, client));
    }
    Ok(clients.len())
}
