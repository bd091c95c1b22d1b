//! Entity chats, as Kitsu's chat panel uses them: one chat per entity (made the first time
//! someone opens it), the people who joined it, and its messages. Whoever may read the
//! entity's project reads its chat (vendors only on the entities they hold a task on, as in
//! Zou); only those who joined may post; a person deletes their own messages, admins any.
//! Writes note `chat:*` events for the project's readers, sent after commit.

use super::DataError;
use super::data::{Data, Row, text};
use super::live::{Audience, LiveEvent};
use super::names;
use super::schema::now_text;
use drover_shared::Role;
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

/// The longest message taken, in characters.
pub const MAX_MESSAGE_CHARS: usize = 20_000;
/// The most messages a chat lists: the latest ones, oldest first.
pub const MAX_MESSAGES: u32 = 1_000;
/// The most chats `/data/user/chats` lists.
const MAX_CHATS: u32 = 1_000;

/// The entity a chat is about, once the viewer may read it: 404 out of their projects (as
/// the data routes answer), 403 for a vendor without a task on it.
pub fn readable_entity(d: &Data, entity_id: &str) -> Result<Row, DataError> {
    let entity = d.get(names::ENTITIES, entity_id)?;
    if d.viewer.role == Role::Vendor {
        let assigned = d
            .conn
            .prepare_cached(
                "SELECT 1 FROM prod_task AS t JOIN prod_task_person_link AS l \
                 ON l.task_id = t.id WHERE t.entity_id = ? AND l.person_id = ?",
            )?
            .exists(rusqlite::params![text(&entity, "id"), d.viewer.id])?;
        if !assigned {
            return Err(DataError::Forbidden(
                "vendors reach only the entities they hold a task on".into(),
            ));
        }
    }
    Ok(entity)
}

fn chat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let row = json!({
        "id": r.get::<_, String>(0)?,
        "type": "Chat",
        "object_id": r.get::<_, String>(1)?,
        "object_type": r.get::<_, String>(2)?,
        "last_message": r.get::<_, Option<String>>(3)?,
        "created_at": r.get::<_, String>(4)?,
        "updated_at": r.get::<_, String>(5)?,
    });
    Ok(row.as_object().cloned().unwrap_or_default())
}

const CHAT_SQL: &str =
    "SELECT id, object_id, object_type, last_message, created_at, updated_at FROM prod_chat";

/// The chat of a readable entity with its participants' ids; `None` when nobody opened it
/// yet and `create` is false (a read), made when `create` is true (a write).
pub fn chat(d: &Data, entity: &Row, create: bool) -> Result<Option<Row>, DataError> {
    let entity_id = text(entity, "id");
    let found = d
        .conn
        .prepare_cached(&format!("{CHAT_SQL} WHERE object_id = ?"))?
        .query_row([entity_id], chat_row)
        .optional()?;
    let mut chat = match (found, create) {
        (Some(chat), _) => chat,
        (None, false) => return Ok(None),
        (None, true) => {
            let now = now_text();
            let id = uuid::Uuid::new_v4().to_string();
            d.conn.execute(
                "INSERT INTO prod_chat (id, object_id, object_type, created_at, updated_at) \
                 VALUES (?, ?, 'entity', ?, ?)",
                rusqlite::params![id, entity_id, now, now],
            )?;
            d.conn
                .prepare_cached(&format!("{CHAT_SQL} WHERE id = ?"))?
                .query_row([&id], chat_row)?
        }
    };
    let participants = d
        .conn
        .prepare_cached("SELECT person_id FROM prod_chat_participant WHERE chat_id = ?")?
        .query_map([text(&chat, "id")], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    chat.insert("participants".into(), Value::from(participants));
    Ok(Some(chat))
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let row = json!({
        "id": r.get::<_, String>(0)?,
        "type": "ChatMessage",
        "chat_id": r.get::<_, String>(1)?,
        "person_id": r.get::<_, String>(2)?,
        "text": r.get::<_, String>(3)?,
        "created_at": r.get::<_, String>(4)?,
        "updated_at": r.get::<_, String>(5)?,
    });
    Ok(row.as_object().cloned().unwrap_or_default())
}

const MESSAGE_SQL: &str =
    "SELECT id, chat_id, person_id, text, created_at, updated_at FROM prod_chat_message";

/// Adds each message's attachments as Zou lists them (`{id, name, extension}`).
fn with_attachments(d: &Data, mut message: Row) -> Result<Row, DataError> {
    let files = d
        .conn
        .prepare_cached(
            "SELECT id, name, extension FROM prod_attachment_file WHERE chat_message_id = ? \
             ORDER BY created_at, name",
        )?
        .query_map([text(&message, "id")], |r| {
            Ok(json!({
                "id": r.get::<_, String>(0)?,
                "name": r.get::<_, String>(1)?,
                "extension": r.get::<_, String>(2)?,
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    message.insert("attachment_files".into(), Value::from(files));
    Ok(message)
}

/// A chat's latest messages ([`MAX_MESSAGES`] at most), oldest first.
pub fn messages(d: &Data, chat_id: &str) -> Result<Vec<Row>, DataError> {
    let rows = d
        .conn
        .prepare_cached(&format!(
            "SELECT * FROM (SELECT id, chat_id, person_id, text, created_at, updated_at, \
             rowid AS seq FROM prod_chat_message WHERE chat_id = ? \
             ORDER BY created_at DESC, seq DESC LIMIT {MAX_MESSAGES}) \
             ORDER BY created_at, seq"
        ))?
        .query_map([chat_id], message_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|m| with_attachments(d, m)).collect()
}

/// The messages of a chat nobody opened yet: none.
pub fn messages_of(d: &Data, chat: Option<&Row>) -> Result<Vec<Row>, DataError> {
    chat.map_or(Ok(Vec::new()), |c| messages(d, text(c, "id")))
}

/// One message of this chat; 404 when it is another chat's (its id says nothing then).
pub fn message(d: &Data, chat: Option<&Row>, message_id: &str) -> Result<Row, DataError> {
    let missing = || DataError::NotFound(format!("chat message {message_id} not found"));
    let chat = chat.ok_or_else(missing)?;
    let found = d
        .conn
        .prepare_cached(&format!("{MESSAGE_SQL} WHERE id = ? AND chat_id = ?"))?
        .query_row([message_id, text(chat, "id")], message_row)
        .optional()?
        .ok_or_else(missing)?;
    with_attachments(d, found)
}

fn project_audience(entity: &Row) -> Audience {
    Audience::Project(text(entity, "project_id").to_owned())
}

/// `POST|DELETE /actions/user/chats/{e}/join`: the viewer joins or leaves the entity's
/// chat; answers the chat (with its participants).
pub fn join(d: &Data, entity_id: &str, joined: bool) -> Result<Row, DataError> {
    let entity = readable_entity(d, entity_id)?;
    let chat = chat(d, &entity, true)?.ok_or_else(|| DataError::NotFound("no chat".into()))?;
    let chat_id = text(&chat, "id").to_owned();
    if joined {
        d.conn.execute(
            "INSERT OR IGNORE INTO prod_chat_participant (chat_id, person_id) VALUES (?, ?)",
            rusqlite::params![chat_id, d.viewer.id],
        )?;
    } else {
        d.conn.execute(
            "DELETE FROM prod_chat_participant WHERE chat_id = ? AND person_id = ?",
            rusqlite::params![chat_id, d.viewer.id],
        )?;
    }
    d.note_event(LiveEvent {
        name: if joined { "chat:joined" } else { "chat:left" }.into(),
        data: json!({"chat_id": chat_id, "person_id": d.viewer.id.to_string()}),
        audience: project_audience(&entity),
    });
    chat_of(d, &entity)
}

fn chat_of(d: &Data, entity: &Row) -> Result<Row, DataError> {
    chat(d, entity, false)?.ok_or_else(|| DataError::NotFound("no chat".into()))
}

/// The message text of a post body: a string of at most [`MAX_MESSAGE_CHARS`].
pub fn message_text(body: &Row) -> Result<String, DataError> {
    match body.get("message") {
        Some(Value::String(m)) if m.chars().count() <= MAX_MESSAGE_CHARS => Ok(m.clone()),
        Some(Value::String(_)) => Err(DataError::BadRequest(format!(
            "`message` is longer than {MAX_MESSAGE_CHARS} characters"
        ))),
        Some(_) => Err(DataError::BadRequest("`message` is a string".into())),
        None => Err(DataError::BadRequest("`message` is required".into())),
    }
}

/// `POST /data/entities/{e}/chat/messages`: the viewer, who joined the chat, posts a
/// message; the chat's `last_message` moves to it.
pub fn post(d: &Data, entity_id: &str, body: &Row) -> Result<Row, DataError> {
    let text_sent = message_text(body)?;
    let entity = readable_entity(d, entity_id)?;
    let chat = chat(d, &entity, true)?.ok_or_else(|| DataError::NotFound("no chat".into()))?;
    let me = d.viewer.id.to_string();
    let joined = chat["participants"]
        .as_array()
        .is_some_and(|p| p.iter().any(|id| id.as_str() == Some(&me)));
    if !joined {
        return Err(DataError::BadRequest(
            "you are not a participant of this chat: join it first".into(),
        ));
    }
    let chat_id = text(&chat, "id").to_owned();
    let (id, now) = (uuid::Uuid::new_v4().to_string(), now_text());
    d.conn.execute(
        "INSERT INTO prod_chat_message (id, chat_id, person_id, text, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        rusqlite::params![id, chat_id, me, text_sent, now, now],
    )?;
    d.conn.execute(
        "UPDATE prod_chat SET last_message = ?, updated_at = ? WHERE id = ?",
        rusqlite::params![now, now, chat_id],
    )?;
    d.note_event(LiveEvent {
        name: "chat:new-message".into(),
        data: json!({"chat_id": chat_id, "chat_message_id": id, "last_message": now}),
        audience: project_audience(&entity),
    });
    message(d, Some(&chat), &id)
}

/// `DELETE /data/entities/{e}/chat/messages/{m}`: the author, or an admin, removes a message.
pub fn delete(d: &Data, entity_id: &str, message_id: &str) -> Result<(), DataError> {
    let entity = readable_entity(d, entity_id)?;
    let chat = chat(d, &entity, false)?;
    let found = message(d, chat.as_ref(), message_id)?;
    if !d.viewer.is(text(&found, "person_id")) && !d.viewer.is_admin() {
        return Err(DataError::Forbidden(
            "only its author or an admin may delete a message".into(),
        ));
    }
    d.conn
        .execute("DELETE FROM prod_chat_message WHERE id = ?", [message_id])?;
    d.note_event(LiveEvent {
        name: "chat:deleted-message".into(),
        // Zou sends `chat_message_id`; Kitsu's page reads `message_id`: both.
        data: json!({
            "chat_id": text(&found, "chat_id"),
            "chat_message_id": message_id,
            "message_id": message_id,
        }),
        audience: project_audience(&entity),
    });
    Ok(())
}

/// `GET /data/user/chats`: the chats the viewer joined on entities of open projects they
/// may still read, with the entity's full name, project and preview.
pub fn of_viewer(d: &Data) -> Result<Vec<Row>, DataError> {
    let found = d
        .conn
        .prepare_cached(&format!(
            "SELECT c.id, c.object_id, c.object_type, c.last_message, c.created_at, \
                    c.updated_at, e.project_id, e.preview_file_id \
             FROM prod_chat AS c \
             JOIN prod_chat_participant AS cp ON cp.chat_id = c.id AND cp.person_id = ? \
             JOIN prod_entity AS e ON e.id = c.object_id \
             JOIN projects AS p ON p.uuid = e.project_id \
             JOIN prod_project_status AS ps ON ps.id = p.project_status_id \
             WHERE ps.name = 'Open' \
             ORDER BY c.last_message DESC, c.id LIMIT {MAX_CHATS}"
        ))?
        .query_map([d.viewer.id.to_string()], |r| {
            let mut chat = chat_row(r)?;
            chat.insert("project_id".into(), Value::from(r.get::<_, String>(6)?));
            chat.insert(
                "preview_file_id".into(),
                Value::from(r.get::<_, Option<String>>(7)?),
            );
            Ok(chat)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut chats = Vec::with_capacity(found.len());
    for mut chat in found {
        // A chat of a project the person has left since is not theirs to read any more.
        let Ok(entity) = readable_entity(d, text(&chat, "object_id")) else {
            continue;
        };
        chat.insert("entity_name".into(), Value::from(full_name(d, &entity)?));
        chats.push(chat);
    }
    Ok(chats)
}

/// An entity's name as Zou writes it in full: `EP01 / SQ01 / SH010` for a shot,
/// `SQ01 / SH010` without episodes, the asset type and name for an asset.
fn full_name(d: &Data, entity: &Row) -> Result<String, DataError> {
    let (kind, parent, grand): (String, Option<String>, Option<String>) = d
        .conn
        .prepare_cached(
            "SELECT y.name, q.name, v.name FROM prod_entity AS e \
             JOIN prod_entity_type AS y ON y.id = e.entity_type_id \
             LEFT JOIN prod_entity AS q ON q.id = e.parent_id \
             LEFT JOIN prod_entity AS v ON v.id = q.parent_id WHERE e.id = ?",
        )?
        .query_row([text(entity, "id")], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let name = text(entity, "name");
    Ok(match (kind.as_str(), parent, grand) {
        ("Shot", Some(sequence), Some(episode)) => format!("{episode} / {sequence} / {name}"),
        ("Shot", Some(sequence), None) => format!("{sequence} / {name}"),
        ("Shot" | "Sequence" | "Episode" | "Edit" | "Scene", _, _) => name.to_owned(),
        (asset_type, _, _) => format!("{asset_type} / {name}"),
    })
}
