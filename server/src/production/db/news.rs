//! The news feed of Kitsu's productions: an item for every comment on a task (`change` when
//! it moved the task's status), with the preview it carries, listed newest first per
//! production or across the person's open ones, narrowed and counted as Kitsu's news page
//! asks (`{data, total, stats}`).

use super::DataError;
use super::data::{Data, Row, text};
use super::live::{Audience, LiveEvent};
use super::names;
use super::project::OPEN_STATUS;
use super::schema::now_text;
use drover_shared::Role;
use rusqlite::ToSql;
use serde_json::{Map, Value, json};

/// Items per page unless `page_size` says otherwise (Kitsu asks 50, or 6 on a shot's page).
const PAGE: u32 = 50;
/// The most one page may hold.
const MAX_PAGE: u32 = 200;

/// Records the news of a comment just made on `task` (its status `change`d or not), and
/// notes `news:new` for the production's open pages.
pub fn record(d: &Data, comment: &Row, task: &Row, change: bool) -> Result<(), DataError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_text();
    let created_at = comment
        .get("created_at")
        .and_then(Value::as_str)
        .unwrap_or(&now)
        .to_owned();
    d.conn.execute(
        "INSERT INTO prod_news (id, change, author_id, comment_id, task_id, project_id, \
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            id,
            change,
            text(comment, "person_id"),
            text(comment, "id"),
            text(task, "id"),
            text(task, "project_id"),
            created_at,
            now
        ],
    )?;
    d.note_event(LiveEvent {
        name: "news:new".into(),
        data: json!({
            "news_id": id,
            "task_type_id": text(task, "task_type_id"),
            "task_status_id": text(comment, "task_status_id"),
            "project_id": text(task, "project_id"),
        }),
        audience: Audience::Project(text(task, "project_id").to_owned()),
    });
    Ok(())
}

/// A preview added to a comment shows on its news item.
pub fn preview_added(d: &Data, comment_id: &str, preview_id: &str) -> Result<(), DataError> {
    d.conn.execute(
        "UPDATE prod_news SET preview_file_id = ?, updated_at = ? WHERE comment_id = ?",
        rusqlite::params![preview_id, now_text(), comment_id],
    )?;
    Ok(())
}

/// What the news page narrows the feed by.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// Only items with a preview.
    pub only_preview: bool,
    /// Of tasks of this type.
    pub task_type_id: Option<String>,
    /// Whose comment set this status.
    pub task_status_id: Option<String>,
    /// Written by this person.
    pub person_id: Option<String>,
    /// Of entities of this episode.
    pub episode_id: Option<String>,
    /// Of this entity's tasks (`GET /data/entities/{e}/news`).
    pub entity_id: Option<String>,
    /// Made on or after this date.
    pub after: Option<String>,
    /// Made before this date.
    pub before: Option<String>,
    /// 1-based page.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
}

impl Filters {
    /// The filters from the query string; a bad page, size or date is a 400.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, DataError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let number = |name: &str, default: u32| -> Result<u32, DataError> {
            get(name).map_or(Ok(default), |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| DataError::BadRequest(format!("`{name}` is a number from 1")))
            })
        };
        let date = |name: &str| -> Result<Option<String>, DataError> {
            match get(name) {
                None => Ok(None),
                Some(v) if v.len() >= 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' => {
                    Ok(Some(v))
                }
                Some(v) => Err(DataError::BadRequest(format!(
                    "`{name}` is a date, not {v}"
                ))),
            }
        };
        Ok(Self {
            only_preview: get("only_preview").is_some_and(|v| v == "true" || v == "1"),
            task_type_id: get("task_type_id"),
            task_status_id: get("task_status_id"),
            person_id: get("person_id"),
            episode_id: get("episode_id"),
            entity_id: None,
            after: date("after")?,
            before: date("before")?,
            page: number("page", 1)?,
            page_size: number("page_size", PAGE)?.min(MAX_PAGE),
        })
    }
}

/// The feed's columns for an item, in the order [`item`] reads them.
const ITEM_SQL: &str = "SELECT n.id, n.author_id, n.comment_id, n.task_id, k.task_type_id, \
    c.task_status_id, k.entity_id, n.preview_file_id, pf.extension, pf.revision, \
    n.project_id, p.name, n.created_at, n.change, e.name, q.name, v.name, v.id, \
    e.preview_file_id, y.name \
    FROM prod_news AS n \
    JOIN prod_task AS k ON k.id = n.task_id \
    JOIN prod_entity AS e ON e.id = k.entity_id \
    JOIN prod_entity_type AS y ON y.id = e.entity_type_id \
    JOIN projects AS p ON p.uuid = n.project_id \
    LEFT JOIN prod_comment AS c ON c.id = n.comment_id \
    LEFT JOIN prod_preview_file AS pf ON pf.id = n.preview_file_id \
    LEFT JOIN prod_entity AS q ON q.id = e.parent_id \
    LEFT JOIN prod_entity AS v ON v.id = q.parent_id";

fn item(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let entity: String = r.get(14)?;
    let sequence: Option<String> = r.get(15)?;
    let episode: Option<String> = r.get(16)?;
    let kind: String = r.get(19)?;
    // `E01 / SQ01 / SH010` for a shot, the asset's name for an asset, as Zou builds it.
    let full_entity_name = match (kind.as_str(), &sequence) {
        ("Shot", Some(sequence)) => match &episode {
            Some(episode) => format!("{episode} / {sequence} / {entity}"),
            None => format!("{sequence} / {entity}"),
        },
        _ => entity,
    };
    Ok(json!({
        "id": r.get::<_, String>(0)?,
        "type": "News",
        "author_id": r.get::<_, Option<String>>(1)?,
        "comment_id": r.get::<_, Option<String>>(2)?,
        "task_id": r.get::<_, String>(3)?,
        "task_type_id": r.get::<_, String>(4)?,
        "task_status_id": r.get::<_, Option<String>>(5)?,
        "task_entity_id": r.get::<_, String>(6)?,
        "preview_file_id": r.get::<_, Option<String>>(7)?,
        "preview_file_extension": r.get::<_, Option<String>>(8)?,
        "preview_file_revision": r.get::<_, Option<i64>>(9)?,
        "project_id": r.get::<_, String>(10)?,
        "project_name": r.get::<_, String>(11)?,
        "created_at": r.get::<_, String>(12)?,
        "change": r.get::<_, bool>(13)?,
        "full_entity_name": full_entity_name,
        "episode_id": if kind == "Shot" { r.get::<_, Option<String>>(17)? } else { None },
        "entity_preview_file_id": r.get::<_, Option<String>>(18)?,
    }))
}

/// Clients do not read the feed (it is the studio's own talk); vendors read it, as in Zou.
fn refuse_clients(d: &Data) -> Result<(), DataError> {
    if d.viewer.role == Role::Client {
        return Err(DataError::Forbidden(
            "the news feed is the studio's own".into(),
        ));
    }
    Ok(())
}

/// `GET /data/projects/{p}/news` (one production) and `GET /data/projects/news` (every open
/// production the person may read): `{data, total, stats, page, limit}`, newest first;
/// `stats` counts the items of each status the comments set, over every page.
pub fn feed(d: &Data, project_id: Option<&str>, filters: &Filters) -> Result<Row, DataError> {
    refuse_clients(d)?;
    let projects: Vec<String> = match project_id {
        Some(project) => vec![text(&d.get(names::PROJECTS, project)?, "id").to_owned()],
        None => d
            .list(names::PROJECTS, &[("project_status_id", OPEN_STATUS)])?
            .iter()
            .map(|p| text(p, "id").to_owned())
            .collect(),
    };
    let mut clauses = vec!["n.project_id IN (SELECT value FROM json_each(?))".to_owned()];
    let mut params: Vec<Box<dyn ToSql>> = vec![Box::new(Value::from(projects).to_string())];
    let mut narrow = |clause: &str, value: &Option<String>| {
        if let Some(value) = value {
            clauses.push(clause.to_owned());
            params.push(Box::new(value.clone()));
        }
    };
    narrow("k.task_type_id = ?", &filters.task_type_id);
    narrow("c.task_status_id = ?", &filters.task_status_id);
    narrow("n.author_id = ?", &filters.person_id);
    narrow("(v.id = ? OR e.source_id = v.id)", &filters.episode_id);
    narrow("k.entity_id = ?", &filters.entity_id);
    narrow("n.created_at >= ?", &filters.after);
    narrow("n.created_at < ?", &filters.before);
    if filters.only_preview {
        clauses.push("n.preview_file_id IS NOT NULL".into());
    }
    let filtered = format!("{ITEM_SQL} WHERE {}", clauses.join(" AND "));
    let bound: Vec<&dyn ToSql> = params.iter().map(AsRef::as_ref).collect();
    let mut stats = Map::new();
    let mut total = 0i64;
    {
        let mut stmt = d.conn.prepare(&format!(
            "SELECT f.task_status_id, count(*) FROM ({filtered}) AS f GROUP BY f.task_status_id"
        ))?;
        let mut rows = stmt.query(bound.as_slice())?;
        while let Some(row) = rows.next()? {
            let count: i64 = row.get(1)?;
            total += count;
            if let Some(status) = row.get::<_, Option<String>>(0)? {
                stats.insert(status, Value::from(count));
            }
        }
    }
    let offset = u64::from(filters.page - 1) * u64::from(filters.page_size);
    // Comments are dated to the second: of those of the same second, the later made first.
    let mut stmt = d.conn.prepare(&format!(
        "{filtered} ORDER BY n.created_at DESC, n.rowid DESC LIMIT {} OFFSET {offset}",
        filters.page_size
    ))?;
    let data = stmt
        .query_map(bound.as_slice(), item)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(json!({
        "data": data,
        "total": total,
        "stats": stats,
        "page": filters.page,
        "limit": filters.page_size,
    })
    .as_object()
    .cloned()
    .unwrap_or_default())
}

/// `GET /data/entities/{e}/news`: the feed of one entity's tasks, in the shape of a
/// production's feed, its newest [`MAX_PAGE`] items (the entity is read as its project's
/// team reads it first, so an entity out of the viewer's projects is a 404).
pub fn of_entity(d: &Data, entity: &Row) -> Result<Row, DataError> {
    let filters = Filters {
        entity_id: Some(text(entity, "id").to_owned()),
        page: 1,
        page_size: MAX_PAGE,
        ..Filters::default()
    };
    feed(d, Some(text(entity, "project_id")), &filters)
}

/// `GET /data/projects/{p}/news/{n}`: one item of the production's feed.
pub fn one(d: &Data, project_id: &str, news_id: &str) -> Result<Value, DataError> {
    refuse_clients(d)?;
    let project = d.get(names::PROJECTS, project_id)?;
    let mut stmt = d
        .conn
        .prepare_cached(&format!("{ITEM_SQL} WHERE n.id = ? AND n.project_id = ?"))?;
    let found = stmt
        .query_map([news_id, text(&project, "id")], item)?
        .next()
        .transpose()?;
    found.ok_or_else(|| DataError::NotFound(format!("news {news_id} not found")))
}
