//! Kitsu's casting and playlist CSV exports (`GET /export/csv/projects/{p}/casting.csv`,
//! `GET /export/csv/playlists/{id}`), written as Zou writes its CSVs: `;`-separated, CRLF,
//! people's text made inert for spreadsheets ([`super::project::inert_cell`]), and named
//! `kitsu_<slug>.csv` after the production (and playlist).

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::project::inert_cell;
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

/// A CSV file: its name and its text.
pub struct CsvFile {
    /// `kitsu_<slug>.csv`.
    pub name: String,
    /// The file's text.
    pub body: String,
}

/// Zou's project access without vendors: admins, and the production's team (clients on
/// it included). Managers off the team are refused as in Zou, though Drover lets them read
/// every production elsewhere: an export hands out the whole production at once.
fn check_reads_project(d: &Data, project: &Row) -> Result<(), DataError> {
    if d.viewer.role == Role::Vendor {
        return Err(DataError::Forbidden(
            "vendors do not export the production".into(),
        ));
    }
    if d.viewer.is_admin() || super::on_team(d.conn, text(project, "id"), d.viewer.id)? {
        Ok(())
    } else {
        Err(DataError::Forbidden(
            "only the production's team exports it".into(),
        ))
    }
}

/// A file name as Zou's `slugify` then `kitsu_` prefix make it: lower-case ASCII letters and
/// digits, every other run of characters one `_`. Only these reach the header, so a name
/// cannot break `Content-Disposition`.
fn file_name(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    format!(
        "kitsu_{}.csv",
        if slug.is_empty() { "export" } else { slug }
    )
}

/// Writes `rows` as Zou's CSV (rows may differ in length, as the playlist's title rows do).
fn write_csv(rows: &[Vec<String>]) -> Result<String, DataError> {
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        for row in rows {
            csv.write_record(row).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(e.to_string()))?;
    }
    String::from_utf8(out).map_err(|e| DataError::BadRequest(e.to_string()))
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(e: csv::Error) -> DataError {
    DataError::BadRequest(format!("writing the CSV: {e}"))
}

/// Which casting the export lists (Zou's `episode_id` and `is_shot_casting`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastingOf {
    /// Assets cast in assets (`episode_id` an id narrows a TV show to one episode's).
    Assets(Option<String>),
    /// Assets cast in shots (`is_shot_casting=true`).
    Shots(Option<String>),
    /// The main pack of a TV show: assets of no episode cast in assets (`episode_id=main`).
    MainPack,
    /// The episodes' own casting (`episode_id=all`).
    Episodes,
}

impl CastingOf {
    /// Reads Kitsu's query: `episode_id` (`main`, `all` or an id) and `is_shot_casting`.
    pub fn parse(episode: Option<&str>, shot_casting: Option<&str>) -> Result<Self, DataError> {
        let shots = match shot_casting {
            None => false,
            Some(v) => super::schema::parse_bool(&Value::from(v)).ok_or_else(|| {
                DataError::BadRequest("`is_shot_casting` must be true or false".into())
            })?,
        };
        Ok(match episode {
            Some("main") => Self::MainPack,
            Some("all") => Self::Episodes,
            Some(id) => {
                let id = uuid::Uuid::parse_str(id)
                    .map_err(|_| {
                        DataError::BadRequest(format!(
                            "`episode_id` is an episode id, `main` or `all`, not `{id}`"
                        ))
                    })?
                    .hyphenated()
                    .to_string();
                if shots {
                    Self::Shots(Some(id))
                } else {
                    Self::Assets(Some(id))
                }
            }
            None if shots => Self::Shots(None),
            None => Self::Assets(None),
        })
    }
}

/// The casting export's columns (with `Episode` first for one episode of a TV show).
const CASTING_HEADER: [&str; 6] = [
    "Parent",
    "Name",
    "Asset Type",
    "Asset",
    "Occurences",
    "Label",
];

/// The links of one casting query, each as `[episode, parent, name, asset type, asset,
/// occurrences, label]`. `select` names the episode, parent and name columns over `p` (the
/// entity cast in), `pt` (its type), `a`/`at` (the asset and its type), `l` (the link).
fn casting_rows(
    d: &Data,
    select: &str,
    joins: &str,
    clauses: &str,
    params: &[SqlValue],
    order: &str,
) -> Result<Vec<Vec<String>>, DataError> {
    let sql = format!(
        "SELECT {select}, at.name, a.name, l.nb_occurences, l.label \
         FROM prod_entity_link AS l \
         JOIN prod_entity AS p ON p.id = l.entity_in_id \
         JOIN prod_entity_type AS pt ON pt.id = p.entity_type_id \
         JOIN prod_entity AS a ON a.id = l.entity_out_id \
         JOIN prod_entity_type AS at ON at.id = a.entity_type_id {joins} \
         WHERE p.project_id = ? {clauses} \
         ORDER BY {order}, at.name, a.name"
    );
    let mut stmt = d.conn.prepare(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok(vec![
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?.to_string(),
                r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            ])
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `GET /export/csv/projects/{p}/casting.csv`: the production's casting, one line per asset
/// cast (Zou's `CastingCsvExport`). The team and admins; not vendors.
pub fn casting_csv(d: &Data, project_id: &str, of: &CastingOf) -> Result<CsvFile, DataError> {
    let project = d.get(names::PROJECTS, project_id)?;
    check_reads_project(d, &project)?;
    let project_id = text(&project, "id").to_owned();
    let tv_show = text(&project, "production_type") == "tvshow";
    let mut params = vec![SqlValue::Text(project_id)];
    let main_pack = |d: &Data, params: &[SqlValue]| {
        casting_rows(
            d,
            "'MP', pt.name, p.name",
            "",
            "AND p.source_id IS NULL AND pt.name NOT IN ('Shot', 'Episode')",
            params,
            "pt.name, p.name",
        )
    };
    let mut rows = match of {
        CastingOf::MainPack => main_pack(d, &params)?,
        CastingOf::Episodes => casting_rows(
            d,
            "'', pt.name, p.name",
            "",
            "AND p.source_id IS NULL AND pt.name = 'Episode'",
            &params,
            "pt.name, p.name",
        )?,
        CastingOf::Shots(episode) => {
            let seq = "JOIN prod_entity AS sq ON sq.id = p.parent_id";
            if tv_show {
                let mut clauses = "AND pt.name = 'Shot'".to_owned();
                if let Some(episode) = episode {
                    clauses.push_str(" AND ep.id = ?");
                    params.push(SqlValue::Text(episode.clone()));
                }
                casting_rows(
                    d,
                    "ep.name, sq.name, p.name",
                    &format!("{seq} JOIN prod_entity AS ep ON ep.id = sq.parent_id"),
                    &clauses,
                    &params,
                    "ep.name, sq.name, p.name",
                )?
            } else {
                casting_rows(
                    d,
                    "'', sq.name, p.name",
                    seq,
                    "AND pt.name = 'Shot'",
                    &params,
                    "sq.name, p.name",
                )?
            }
        }
        CastingOf::Assets(episode) => {
            if tv_show {
                let mut clauses = "AND pt.name <> 'Shot'".to_owned();
                let mut episode_params = params.clone();
                if let Some(episode) = episode {
                    clauses.push_str(" AND ep.id = ?");
                    episode_params.push(SqlValue::Text(episode.clone()));
                }
                let mut rows = casting_rows(
                    d,
                    "ep.name, pt.name, p.name",
                    "JOIN prod_entity AS ep ON ep.id = p.source_id",
                    &clauses,
                    &episode_params,
                    "ep.name, pt.name, p.name",
                )?;
                rows.extend(main_pack(d, &params)?);
                rows
            } else {
                casting_rows(
                    d,
                    "'', pt.name, p.name",
                    "",
                    "AND pt.name <> 'Shot'",
                    &params,
                    "pt.name, p.name",
                )?
            }
        }
    };
    // A TV show's export of an episode (or of the main pack) starts with the episode.
    let with_episode = tv_show && *of != CastingOf::Episodes;
    let mut header: Vec<String> = CASTING_HEADER.iter().map(|h| (*h).to_owned()).collect();
    if with_episode {
        header.insert(0, "Episode".into());
    }
    let mut lines = vec![header];
    for row in &mut rows {
        let mut row: Vec<String> = std::mem::take(row).into_iter().map(inert_cell).collect();
        if !with_episode {
            row.remove(0);
        }
        lines.push(row);
    }
    Ok(CsvFile {
        name: file_name(&format!("{} casting", text(&project, "name"))),
        body: write_csv(&lines)?,
    })
}

/// The SQL of an entity's full name as Kitsu shows it (Zou's `get_full_entity_name`):
/// `Episode / Sequence / Shot` or `Sequence / Shot`, `Episode / Sequence`, an episode's
/// name, `Asset type / Asset` for the rest. `e`, `et`, `par` (its parent) and `gp` (its
/// parent's parent) must be joined (the last two with `LEFT JOIN`).
pub(super) const FULL_NAME_SQL: &str = "CASE \
    WHEN et.name = 'Shot' THEN \
      CASE WHEN gp.id IS NULL THEN ifnull(par.name || ' / ', '') || e.name \
           ELSE gp.name || ' / ' || par.name || ' / ' || e.name END \
    WHEN et.name = 'Episode' THEN e.name \
    WHEN et.name = 'Sequence' THEN ifnull(par.name || ' / ', '') || e.name \
    ELSE et.name || ' / ' || e.name END";

/// The playlist export's column titles.
const PLAYLIST_HEADER: [&str; 9] = [
    "Entity name",
    "Nb Frames",
    "Task Type",
    "Retake count",
    "Revision",
    "Task Status",
    "Last comment author",
    "Last comment date",
    "Last comment",
];

/// Zou's `check_playlist_access` with supervisors let in, vendors refused first: admins,
/// and on the production's team its managers and supervisors, and clients for the
/// playlists shared with them. Artists are refused, as in Zou.
fn check_exports_playlist(d: &Data, playlist: &Row) -> Result<(), DataError> {
    if d.viewer.role == Role::Vendor {
        return Err(DataError::Forbidden(
            "vendors do not export playlists".into(),
        ));
    }
    if d.viewer.is_admin() {
        return Ok(());
    }
    if !super::on_team(d.conn, text(playlist, "project_id"), d.viewer.id)? {
        return Err(DataError::Forbidden(
            "only the production's team exports its playlists".into(),
        ));
    }
    let for_client = playlist.get("for_client").and_then(Value::as_bool) == Some(true);
    match d.viewer.role {
        Role::Manager | Role::Supervisor => Ok(()),
        Role::Client if for_client => Ok(()),
        _ => Err(DataError::Forbidden(
            "playlists are exported by the production's managers and supervisors, and by \
             clients for those shared with them"
                .into(),
        )),
    }
}

/// `GET /export/csv/playlists/{id}`: a playlist as Zou's `PlaylistCsvExport` writes it: a
/// title line (production, episode, shots or assets, name, creation time in UTC), a blank
/// line, the column titles, then one line per entry: the entity, its frames, and of the
/// entry's preview its task's type, retakes, status and last comment (clients' comments
/// left out, as Zou leaves them), and the preview's revision. An entry without a preview
/// keeps its name and frames.
pub fn playlist_csv(d: &Data, playlist_id: &str) -> Result<CsvFile, DataError> {
    if d.viewer.role == Role::Vendor {
        // Before the lookup, so that a vendor learns nothing of the ids.
        return Err(DataError::Forbidden(
            "vendors do not export playlists".into(),
        ));
    }
    let playlist = d.get(names::PLAYLISTS, playlist_id)?;
    check_exports_playlist(d, &playlist)?;
    let project = d.get(names::PROJECTS, text(&playlist, "project_id"))?;
    let mut context = text(&project, "name").to_owned();
    let episode = text(&playlist, "episode_id");
    if !episode.is_empty() {
        let name: Option<String> = d
            .conn
            .query_row(
                "SELECT name FROM prod_entity WHERE id = ?",
                [episode],
                |r| r.get(0),
            )
            .ok();
        if let Some(name) = name {
            context.push_str(" - ");
            context.push_str(&name);
        }
    }
    let kind = if text(&playlist, "for_entity") == "shot" {
        "for shots"
    } else {
        "for assets"
    };
    context.push_str(" | ");
    context.push_str(kind);
    let created = text(&playlist, "created_at").get(..19).unwrap_or_default();
    let title = |s: &str| inert_cell(s.to_owned());
    let mut lines = vec![
        vec![
            "Playlist".to_owned(),
            title(&context),
            title(text(&playlist, "name")),
            created.to_owned(),
            String::new(),
            String::new(),
            String::new(),
        ],
        vec![String::new(); 7],
        PLAYLIST_HEADER.iter().map(|h| (*h).to_owned()).collect(),
    ];
    let entries = playlist
        .get("shots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut entity_stmt = d.conn.prepare(&format!(
        "SELECT {FULL_NAME_SQL}, e.nb_frames FROM prod_entity AS e \
         JOIN prod_entity_type AS et ON et.id = e.entity_type_id \
         LEFT JOIN prod_entity AS par ON par.id = e.parent_id \
         LEFT JOIN prod_entity AS gp ON gp.id = par.parent_id \
         WHERE e.id = ? AND e.project_id = ?"
    ))?;
    let mut preview_stmt = d.conn.prepare(
        "SELECT tt.name, t.retake_count, pf.revision, ts.name, t.id \
         FROM prod_preview_file AS pf JOIN prod_task AS t ON t.id = pf.task_id \
         JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
         JOIN prod_task_status AS ts ON ts.id = t.task_status_id \
         WHERE pf.id = ? AND t.project_id = ?",
    )?;
    let mut comment_stmt = d.conn.prepare(
        "SELECT trim(u.first_name || ' ' || u.last_name), substr(c.created_at, 1, 19), c.text \
         FROM prod_comment AS c JOIN users AS u ON u.id = c.person_id \
         JOIN prod_task AS t ON t.id = c.object_id \
         LEFT JOIN prod_project_person_link AS pl \
           ON pl.person_id = u.id AND pl.project_id = t.project_id \
         WHERE c.object_id = ? AND ifnull(pl.role, u.role) <> 'client' \
         ORDER BY c.created_at DESC, c.id DESC LIMIT 1",
    )?;
    let project_id = text(&project, "id");
    for entry in entries.iter().filter_map(Value::as_object) {
        let field = |name: &str| entry.get(name).and_then(Value::as_str).unwrap_or_default();
        let entity = [field("entity_id"), field("shot_id"), field("id")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let found: Option<(String, Option<i64>)> = entity_stmt
            .query_row([entity, project_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .ok();
        let Some((name, frames)) = found else {
            continue;
        };
        let mut line = vec![
            inert_cell(name),
            frames.map(|f| f.to_string()).unwrap_or_default(),
        ];
        let preview: Option<(String, i64, i64, String, String)> = preview_stmt
            .query_row([field("preview_file_id"), project_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .ok();
        if let Some((task_type, retakes, revision, status, task)) = preview {
            let comment: Option<(String, String, String)> = comment_stmt
                .query_row([task], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .ok();
            let (author, date, said) = comment.unwrap_or_default();
            line.extend([
                inert_cell(task_type),
                retakes.to_string(),
                revision.to_string(),
                inert_cell(status),
                inert_cell(author),
                date,
                inert_cell(said),
            ]);
        } else {
            line.extend(std::iter::repeat_n(String::new(), 7));
        }
        lines.push(line);
    }
    Ok(CsvFile {
        name: file_name(&format!(
            "{} playlist {}",
            text(&project, "name"),
            text(&playlist, "name")
        )),
        body: write_csv(&lines)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_slugs() {
        assert_eq!(file_name("My Show casting"), "kitsu_my_show_casting.csv");
        assert_eq!(file_name("  A--b / c!! "), "kitsu_a_b_c.csv");
        assert_eq!(file_name("日本"), "kitsu_export.csv");
    }

    #[test]
    fn casting_queries_read_kitsus_parameters() {
        let id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
        assert_eq!(
            CastingOf::parse(None, None).unwrap(),
            CastingOf::Assets(None)
        );
        assert_eq!(
            CastingOf::parse(Some(id), Some("true")).unwrap(),
            CastingOf::Shots(Some(id.to_owned()))
        );
        assert_eq!(
            CastingOf::parse(Some("main"), None).unwrap(),
            CastingOf::MainPack
        );
        assert_eq!(
            CastingOf::parse(Some("all"), Some("false")).unwrap(),
            CastingOf::Episodes
        );
        assert!(CastingOf::parse(Some("nope"), None).is_err());
        assert!(CastingOf::parse(None, Some("maybe")).is_err());
    }
}
