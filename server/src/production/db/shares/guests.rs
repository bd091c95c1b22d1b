//! What a guest does through a share link: their identity bound to the link, the comments
//! the client may read, their own comments, attachments and annotations, and whose avatars
//! the page may show. Every function scopes its reads and writes to the link.

use super::super::DataError;
use super::super::data::{Data, Row, text};
use super::super::live::{Audience, LiveEvent};
use super::super::names;
use super::super::schema::now_text;
use super::{
    Link, MAX_COMMENT_CHARS, MAX_GUESTS_PER_LINK, MAX_NAME_CHARS, shares_preview, shown_tasks,
};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

/// A person as the guest page shows them: a name and whether there is an avatar, nothing
/// else of the studio's people (no e-mail, no role).
fn present_person(conn: &Connection, person_id: &str) -> Result<Value, DataError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, first_name, last_name, has_avatar, is_guest FROM users WHERE id = ?",
        )?
        .query_row([person_id], |r| {
            let (first, last): (String, String) = (r.get(1)?, r.get(2)?);
            Ok(json!({"id": r.get::<_, String>(0)?, "type": "Person",
                      "full_name": format!("{first} {last}").trim().to_owned(),
                      "first_name": first, "last_name": last,
                      "has_avatar": r.get::<_, bool>(3)?, "is_guest": r.get::<_, bool>(4)?}))
        })
        .optional()?
        .unwrap_or(Value::Null))
}

/// The guest `guest_id` if the link made it; 403 otherwise (unknown, not a guest, or made
/// through another link: a guest id leaked from another link opens nothing here).
pub fn guest_of(conn: &Connection, link: &Link, guest_id: &str) -> Result<String, DataError> {
    let id = uuid::Uuid::parse_str(guest_id.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| DataError::Forbidden("Guest not part of this shared playlist".into()))?;
    let found = conn
        .prepare_cached(
            "SELECT 1 FROM users WHERE id = ? AND is_guest \
             AND json_extract(data, '$.share_link_id') = ?",
        )?
        .exists([&id, &link.id])?;
    if found {
        Ok(id)
    } else {
        Err(DataError::Forbidden(
            "Guest not part of this shared playlist".into(),
        ))
    }
}

/// A guest's name field: trimmed, bounded.
fn name_field(body: &Row, field: &str, default: &str) -> Result<String, DataError> {
    let value = match body.get(field) {
        None | Some(Value::Null) => default.to_owned(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(other) => {
            return Err(DataError::BadRequest(format!(
                "`{field}` must be text, not {other}"
            )));
        }
    };
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(DataError::BadRequest(format!(
            "`{field}` is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(if value.is_empty() {
        default.to_owned()
    } else {
        value
    })
}

/// What `POST …/guest` asks for: an existing guest of the link, or one by these names.
pub struct GuestAsk {
    /// The guest id the page remembers, if any.
    pub guest_id: Option<String>,
    /// First name (default "Guest").
    pub first_name: String,
    /// Last name (default empty).
    pub last_name: String,
}

/// Reads a `POST …/guest` body.
pub fn guest_ask(body: &Row) -> Result<GuestAsk, DataError> {
    let guest_id = match body.get("guest_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(
            uuid::Uuid::parse_str(s)
                .map(|u| u.hyphenated().to_string())
                .map_err(|_| DataError::BadRequest(format!("`guest_id` is not an id: {s:?}")))?,
        ),
        Some(other) => {
            return Err(DataError::BadRequest(format!(
                "`guest_id` must be an id, not {other}"
            )));
        }
    };
    Ok(GuestAsk {
        guest_id,
        first_name: name_field(body, "first_name", "Guest")?,
        last_name: name_field(body, "last_name", "")?,
    })
}

/// The guest the ask names, if the link has it already: the id given (when the link made
/// it), else the link's guest of these names.
pub fn existing_guest(
    conn: &Connection,
    link: &Link,
    ask: &GuestAsk,
) -> Result<Option<Row>, DataError> {
    if let Some(id) = &ask.guest_id
        && guest_of(conn, link, id).is_ok()
    {
        return guest_row(conn, id).map(Some);
    }
    let found: Option<String> = conn
        .prepare_cached(
            "SELECT id FROM users WHERE is_guest AND json_extract(data, '$.share_link_id') = ? \
             AND first_name = ? AND last_name = ? ORDER BY created_at LIMIT 1",
        )?
        .query_row(
            rusqlite::params![link.id, ask.first_name, ask.last_name],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|id| guest_row(conn, &id)).transpose()
}

fn guest_row(conn: &Connection, id: &str) -> Result<Row, DataError> {
    match present_person(conn, id)? {
        Value::Object(mut map) => {
            map.insert("role".into(), Value::from("client"));
            Ok(map)
        }
        _ => Err(DataError::NotFound("Guest not found".into())),
    }
}

/// `POST …/guest`: a new guest of the link (a client who cannot log in: a random password
/// hash, `password_hash`, made by the route), or the one already there by that name.
pub fn create_guest(
    d: &Data,
    link: &Link,
    ask: &GuestAsk,
    password_hash: &str,
) -> Result<Row, DataError> {
    if let Some(found) = existing_guest(d.conn, link, ask)? {
        return Ok(found);
    }
    let count: i64 = d.conn.query_row(
        "SELECT count(*) FROM users WHERE is_guest AND json_extract(data, '$.share_link_id') = ?",
        [&link.id],
        |r| r.get(0),
    )?;
    if count >= MAX_GUESTS_PER_LINK {
        return Err(DataError::BadRequest(format!(
            "this link has {count} guests already; ask the studio for another link"
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let email = format!("guest-{}@guest.invalid", uuid::Uuid::new_v4().simple());
    let now = now_text();
    d.conn.execute(
        "INSERT INTO users (id, email, password_hash, role, first_name, last_name, is_guest, \
         data, created_at, updated_at) VALUES (?1, ?2, ?3, 'client', ?4, ?5, 1, ?6, ?7, ?7)",
        rusqlite::params![
            id,
            email,
            password_hash,
            ask.first_name,
            ask.last_name,
            json!({"share_link_id": link.id}).to_string(),
            now
        ],
    )?;
    d.note_event(LiveEvent {
        name: "person:new".into(),
        data: json!({"person_id": id}),
        audience: Audience::Everyone,
    });
    guest_row(d.conn, &id)
}

/// Whether comment row `comment` is one the link shows: written for the client, or by a
/// guest.
fn comment_shown(conn: &Connection, comment: &Row) -> Result<bool, DataError> {
    if comment.get("for_client").and_then(Value::as_bool) == Some(true) {
        return Ok(true);
    }
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE id = ? AND is_guest")?
        .exists([text(comment, "person_id")])?)
}

/// A comment as the guest page reads it: its author as [`present_person`], its previews
/// only those the link shares, and its replies' authors.
fn guest_comment(d: &Data, link: &Link, mut comment: Row) -> Result<Row, DataError> {
    let person = present_person(d.conn, text(&comment, "person_id"))?;
    comment.insert("person".into(), person);
    if let Some(Value::Array(previews)) = comment.get_mut("previews") {
        let mut kept = Vec::new();
        for preview in previews.drain(..) {
            let id = preview
                .get("id")
                .and_then(Value::as_str)
                .or_else(|| preview.as_str())
                .unwrap_or_default()
                .to_owned();
            if shares_preview(d.conn, link, &id)? {
                kept.push(preview);
            }
        }
        *previews = kept;
    }
    if let Some(Value::Array(replies)) = comment.get_mut("replies") {
        for reply in replies.iter_mut().filter_map(Value::as_object_mut) {
            let author = text(reply, "person_id").to_owned();
            reply.insert("person".into(), present_person(d.conn, &author)?);
        }
    }
    comment.remove("editor_id");
    Ok(comment)
}

/// `GET …/comments`: the comments of the shown tasks that the client may read (written for
/// the client, or by guests), newest first per task.
pub fn comments(d: &Data, link: &Link) -> Result<Vec<Row>, DataError> {
    let mut shown = Vec::new();
    for task in shown_tasks(d.conn, link)? {
        for comment in super::super::review::comments(d, &task)? {
            if comment_shown(d.conn, &comment)? {
                shown.push(guest_comment(d, link, comment)?);
            }
        }
    }
    Ok(shown)
}

/// An id field of a guest's body; 400 when missing or not an id.
pub(super) fn id_field(body: &Row, field: &str) -> Result<String, DataError> {
    let value = body.get(field).and_then(Value::as_str).unwrap_or_default();
    uuid::Uuid::parse_str(value)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| DataError::BadRequest(format!("`{field}` is required and must be an id")))
}

/// Refuses (403) when the link lets no one comment.
pub fn may_comment(link: &Link) -> Result<(), DataError> {
    if link.can_comment {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "Comments are disabled for this link".into(),
        ))
    }
}

/// Refuses (400) a status a client may not set.
fn client_status(conn: &Connection, status_id: &str) -> Result<(), DataError> {
    let allowed: Option<bool> = conn
        .prepare_cached("SELECT is_client_allowed FROM prod_task_status WHERE id = ?")?
        .query_row([status_id], |r| r.get(0))
        .optional()?;
    match allowed {
        None => Err(DataError::BadRequest("Task status not found".into())),
        Some(false) => Err(DataError::BadRequest(
            "Task status not allowed for guests".into(),
        )),
        Some(true) => Ok(()),
    }
}

/// Bounded comment text.
fn comment_text(body: &Row) -> Result<Option<String>, DataError> {
    match body.get("text") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_COMMENT_CHARS => {
            Err(DataError::BadRequest(format!(
                "a comment is at most {MAX_COMMENT_CHARS} characters"
            )))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(DataError::BadRequest(format!(
            "`text` must be text, not {other}"
        ))),
    }
}

/// `POST …/comments` `{guest_id, task_id, task_status_id, text, checklist}`: the guest's
/// comment on a task the link shows, with a status clients may set. `d`'s viewer is the
/// guest (with every right: the checks are these).
pub fn post_comment(d: &Data, link: &Link, body: &Row) -> Result<Row, DataError> {
    may_comment(link)?;
    let guest = guest_of(d.conn, link, text(body, "guest_id"))?;
    if !d.viewer.is(&guest) {
        return Err(DataError::Forbidden(
            "Guest not part of this shared playlist".into(),
        ));
    }
    let task = id_field(body, "task_id")?;
    if !shown_tasks(d.conn, link)?.contains(&task) {
        return Err(DataError::Forbidden(
            "Task not part of this shared playlist".into(),
        ));
    }
    let status = id_field(body, "task_status_id")?;
    client_status(d.conn, &status)?;
    let mut fields = Row::new();
    fields.insert("task_status_id".into(), Value::from(status));
    fields.insert(
        "comment".into(),
        Value::from(comment_text(body)?.unwrap_or_default()),
    );
    if let Some(checklist) = body.get("checklist").filter(|c| !c.is_null()) {
        fields.insert("checklist".into(), checklist.clone());
    }
    let made = super::super::review::comment(d, &task, &fields, &[])?;
    guest_comment(d, link, made)
}

/// The guest's own comment `comment_id` on a task the link shows: 404 when there is no such
/// comment, 403 when it is someone else's or on another task.
fn own_comment(d: &Data, link: &Link, guest: &str, comment_id: &str) -> Result<Row, DataError> {
    let comment = d
        .get(names::COMMENTS, comment_id)
        .map_err(|_| DataError::NotFound("Comment not found".into()))?;
    if text(&comment, "person_id") != guest
        || !shown_tasks(d.conn, link)?
            .iter()
            .any(|t| t == text(&comment, "object_id"))
    {
        return Err(DataError::Forbidden("Forbidden".into()));
    }
    Ok(comment)
}

/// `PUT …/comments/{c}` `{guest_id, text?, checklist?, task_status_id?}`: the guest edits
/// their own comment; a new status must be one clients may set, and the task takes its
/// last comment's status again.
pub fn edit_comment(d: &Data, link: &Link, comment_id: &str, body: &Row) -> Result<Row, DataError> {
    may_comment(link)?;
    let guest = guest_of(d.conn, link, text(body, "guest_id"))?;
    let comment = own_comment(d, link, &guest, comment_id)?;
    let mut change = Map::new();
    if let Some(said) = comment_text(body)? {
        change.insert("text".into(), Value::from(said));
    }
    if let Some(checklist) = body.get("checklist").filter(|c| !c.is_null()) {
        change.insert("checklist".into(), checklist.clone());
    }
    let status = match body.get("task_status_id") {
        None | Some(Value::Null) => None,
        _ => Some(id_field(body, "task_status_id")?),
    };
    let status_changed = status
        .as_deref()
        .is_some_and(|s| s != text(&comment, "task_status_id"));
    if let Some(status) = status.filter(|_| status_changed) {
        client_status(d.conn, &status).map_err(|_| DataError::Forbidden("Forbidden".into()))?;
        change.insert("task_status_id".into(), Value::from(status));
    }
    change.insert("editor_id".into(), Value::from(guest));
    let id = text(&comment, "id").to_owned();
    let task = text(&comment, "object_id").to_owned();
    d.update(names::COMMENTS, &id, Value::Object(change))?;
    if status_changed {
        d.conn.execute(
            "UPDATE prod_task SET task_status_id = (SELECT task_status_id FROM prod_comment \
             WHERE object_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1), \
             updated_at = ?2 WHERE id = ?1",
            rusqlite::params![task, now_text()],
        )?;
        let row = d.get(names::TASKS, &task)?;
        d.note_update(names::TASKS, &row)?;
    }
    let edited = super::super::review::comments(d, &task)?
        .into_iter()
        .find(|c| text(c, "id") == id)
        .ok_or_else(|| DataError::NotFound("Comment not found".into()))?;
    guest_comment(d, link, edited)
}

/// `DELETE …/comments/{c}?guest_id`: the guest removes their own comment (the task's status
/// and dates worked out again, as any comment deletion does); answers the media to remove.
pub fn delete_comment(
    d: &Data,
    link: &Link,
    comment_id: &str,
    guest_id: &str,
) -> Result<super::super::comments::Removed, DataError> {
    may_comment(link)?;
    let guest = guest_of(d.conn, link, guest_id)?;
    let comment = own_comment(d, link, &guest, comment_id)?;
    super::super::comments::delete_comment(d, text(&comment, "object_id"), text(&comment, "id"))
}

/// `POST …/comments/{c}/attachments`: files added to the guest's own comment; answers the
/// comment as the page reads it.
pub fn attach(
    d: &Data,
    link: &Link,
    comment_id: &str,
    guest_id: &str,
    files: &[super::super::attachments::Staged],
) -> Result<Row, DataError> {
    may_comment(link)?;
    let guest = guest_of(d.conn, link, guest_id)?;
    let comment = own_comment(d, link, &guest, comment_id)?;
    let task = text(&comment, "object_id").to_owned();
    super::super::attachments::add_to_comment(d, &task, text(&comment, "id"), files)?;
    let found = super::super::review::comments(d, &task)?
        .into_iter()
        .find(|c| text(c, "id") == text(&comment, "id"))
        .ok_or_else(|| DataError::NotFound("Comment not found".into()))?;
    guest_comment(d, link, found)
}

/// `DELETE …/attachments/{a}?guest_id` (and under `comments/{c}/`): a file of the guest's own
/// comment removed; answers its id, whose files the route removes.
pub fn detach(
    d: &Data,
    link: &Link,
    comment_id: Option<&str>,
    attachment_id: &str,
    guest_id: &str,
) -> Result<String, DataError> {
    may_comment(link)?;
    let guest = guest_of(d.conn, link, guest_id)?;
    let attachment = d
        .get(names::ATTACHMENT_FILES, attachment_id)
        .map_err(|_| DataError::NotFound("Attachment not found".into()))?;
    let owner = text(&attachment, "comment_id");
    if comment_id.is_some_and(|c| c != owner) || owner.is_empty() {
        return Err(DataError::NotFound("Attachment not found".into()));
    }
    let comment = own_comment(d, link, &guest, owner)?;
    super::super::attachments::remove(d, text(&comment, "object_id"), owner, attachment_id)
}

/// `GET …/attachment-files/{a}/file/{name}`: an attachment of a comment the link shows, or
/// `None`.
pub fn shown_attachment(
    d: &Data,
    link: &Link,
    attachment_id: &str,
) -> Result<Option<Row>, DataError> {
    let Ok(attachment) = d.get(names::ATTACHMENT_FILES, attachment_id) else {
        return Ok(None);
    };
    let Ok(comment) = d.get(names::COMMENTS, text(&attachment, "comment_id")) else {
        return Ok(None);
    };
    let shown = shown_tasks(d.conn, link)?
        .iter()
        .any(|t| t == text(&comment, "object_id"))
        && comment_shown(d.conn, &comment)?;
    Ok(shown.then_some(attachment))
}

/// `PUT …/annotations` `{guest_id, preview_file_id, additions, updates, deletions}`: the
/// guest draws on a preview the link shares. `d`'s viewer is the guest.
pub fn annotate(d: &Data, link: &Link, body: &Row) -> Result<Row, DataError> {
    if !link.can_comment {
        return Err(DataError::Forbidden("Annotations are disabled".into()));
    }
    let guest = guest_of(d.conn, link, text(body, "guest_id"))?;
    if !d.viewer.is(&guest) {
        return Err(DataError::Forbidden(
            "Guest not part of this shared playlist".into(),
        ));
    }
    let preview = id_field(body, "preview_file_id")?;
    if !shares_preview(d.conn, link, &preview)? {
        return Err(DataError::Forbidden(
            "This preview is not part of this shared playlist".into(),
        ));
    }
    super::super::annotations::update_annotations(d, &preview, body)
}

/// Whether the link's page shows person `person_id`: the author of a comment it lists, or of
/// a reply to one (each avatar of the page asks).
pub fn shows_person(conn: &Connection, link: &Link, person_id: &str) -> Result<bool, DataError> {
    let tasks = Value::from(shown_tasks(conn, link)?).to_string();
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM prod_comment AS c JOIN users AS u ON u.id = c.person_id \
             WHERE c.object_id IN (SELECT value FROM json_each(?1)) \
               AND (c.for_client OR u.is_guest) \
               AND (c.person_id = ?2 OR EXISTS (SELECT 1 FROM json_each(c.replies) AS r \
                    WHERE json_extract(r.value, '$.person_id') = ?2)) LIMIT 1",
        )?
        .exists(rusqlite::params![tasks, person_id])?)
}
