//! Kitsu's CSV import of a production's casting (the Import button of the Breakdown page),
//! read as Zou reads the file Kitsu exports: one row per asset cast, naming its target by
//! `Parent` and `Name` (a shot by its sequence, and `Episode` in a TV show; an asset by its
//! type; an episode under the parent `Episode`), the asset by `Asset Type` and `Asset`, with
//! `Occurences` (1 when empty) and `Label` (`fixed` when empty). Names match as Zou
//! slugifies them, whatever their case and spacing.
//!
//! What a target casts already stays; a link the file names again gets its new count and
//! label. Unlike Zou, which skips rows whose asset or target it cannot find, such a row
//! refuses the file with its line: a casting silently half-imported is hard to notice.

use super::super::DataError;
use super::super::casting::{Link, add_links};
use super::super::names;
use super::{Cells, Request, each_row, key, read_sheet};
use crate::production::db::data::{Data, Row, text};
use serde_json::{Value, json};
use std::collections::HashMap;

/// What the rows are matched against: the production's assets, shots and episodes by the
/// keys of their names.
struct Breakdown {
    tv_show: bool,
    /// (asset type, asset) → asset id.
    assets: HashMap<(String, String), String>,
    /// (episode or "", sequence, shot) → shot id.
    shots: HashMap<(String, String, String), String>,
    /// episode → episode id.
    episodes: HashMap<String, String>,
}

impl Breakdown {
    fn read(d: &Data, project_id: &str) -> Result<Self, DataError> {
        let in_project = [("project_id", project_id)];
        let type_names: HashMap<String, String> = d
            .list(names::ASSET_TYPES, &[])?
            .iter()
            .map(|t| (text(t, "id").to_owned(), key(text(t, "name"))))
            .collect();
        let mut assets = HashMap::new();
        for asset in d.list(names::ASSETS, &in_project)? {
            if let Some(type_name) = type_names.get(text(&asset, "entity_type_id")) {
                let name = (type_name.clone(), key(text(&asset, "name")));
                assets.insert(name, text(&asset, "id").to_owned());
            }
        }
        let mut episodes = HashMap::new();
        let mut episode_names = HashMap::new();
        for episode in d.list(names::EPISODES, &in_project)? {
            let (id, name) = (text(&episode, "id"), key(text(&episode, "name")));
            episode_names.insert(id.to_owned(), name.clone());
            episodes.insert(name, id.to_owned());
        }
        let sequences: HashMap<String, (String, String)> = d
            .list(names::SEQUENCES, &in_project)?
            .iter()
            .map(|s| {
                let episode = episode_names.get(text(s, "parent_id")).cloned();
                let names = (episode.unwrap_or_default(), key(text(s, "name")));
                (text(s, "id").to_owned(), names)
            })
            .collect();
        let mut shots = HashMap::new();
        for shot in d.list(names::SHOTS, &in_project)? {
            if let Some((episode, sequence)) = sequences.get(text(&shot, "parent_id")) {
                let names = (episode.clone(), sequence.clone(), key(text(&shot, "name")));
                shots.insert(names, text(&shot, "id").to_owned());
            }
        }
        let project = d.get(names::PROJECTS, project_id)?;
        Ok(Self {
            tv_show: text(&project, "production_type") == "tvshow",
            assets,
            shots,
            episodes,
        })
    }

    /// The shot, asset or episode a row casts into.
    fn target(&self, cells: &Cells<'_>) -> Result<String, DataError> {
        let parent = key(cells.required("Parent")?);
        let name = key(cells.required("Name")?);
        // Kitsu's main pack ("MP") holds the assets of no episode.
        let episode = match cells.filled("Episode") {
            Some(episode) if self.tv_show && episode != "MP" => key(episode),
            _ => String::new(),
        };
        let shot = (episode, parent.clone(), name.clone());
        if let Some(id) = self.shots.get(&shot) {
            return Ok(id.clone());
        }
        if let Some(id) = self.assets.get(&(parent.clone(), name.clone())) {
            return Ok(id.clone());
        }
        if parent == "episode"
            && let Some(id) = self.episodes.get(&name)
        {
            return Ok(id.clone());
        }
        Err(DataError::BadRequest(format!(
            "no shot, asset or episode {} under {} in this production",
            cells.get("Name").unwrap_or_default(),
            cells.get("Parent").unwrap_or_default()
        )))
    }

    /// The asset a row casts.
    fn asset(&self, cells: &Cells<'_>) -> Result<String, DataError> {
        let type_name = cells.required("Asset Type")?;
        let name = cells.required("Asset")?;
        self.assets
            .get(&(key(type_name), key(name)))
            .cloned()
            .ok_or_else(|| {
                DataError::BadRequest(format!(
                    "no asset {name} of type {type_name} in this production"
                ))
            })
    }
}

/// A row's link: its target, then what it casts there.
fn link(breakdown: &Breakdown, cells: &Cells<'_>) -> Result<(String, Link), DataError> {
    let target = breakdown.target(cells)?;
    let asset_id = breakdown.asset(cells)?;
    if asset_id == target {
        return Err(DataError::BadRequest(
            "an asset is not cast in itself".into(),
        ));
    }
    let count = match cells.filled("Occurences") {
        None => 1,
        Some(count) => count
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                DataError::BadRequest(format!(
                    "Occurences must be a whole number from 1, got '{count}'"
                ))
            })?,
    };
    let label = cells
        .filled("Label")
        .map_or_else(|| "fixed".to_owned(), key);
    Ok((
        target,
        Link {
            asset_id,
            count,
            label,
        },
    ))
}

/// `POST /import/csv/projects/{p}/casting` (the production's managers): every row's link
/// made, or its count and label changed, all of them or none; answers them as
/// `{entity_in_id, entity_out_id, nb_occurences, label}`.
pub fn import(d: &Data, request: &Request, csv: &[u8]) -> Result<Vec<Row>, DataError> {
    let project = d.get(names::PROJECTS, &request.project_id)?;
    let project_id = text(&project, "id").to_owned();
    d.authorize_in_project(names::ENTITIES, &project_id)?;
    let breakdown = Breakdown::read(d, &project_id)?;
    let sheet = read_sheet(csv)?;
    // Every row is read before anything is written; then one change per target, so each
    // shot's casting is told to the breakdown pages once.
    let links = each_row(&sheet, |cells| link(&breakdown, cells))?;
    let mut targets: Vec<(String, Vec<Link>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut answer = Vec::with_capacity(links.len());
    for (target, link) in links {
        let mut row = Row::new();
        row.insert("entity_in_id".into(), Value::from(target.as_str()));
        row.insert("entity_out_id".into(), Value::from(link.asset_id.as_str()));
        row.insert("nb_occurences".into(), json!(link.count));
        row.insert("label".into(), Value::from(link.label.as_str()));
        answer.push(row);
        let index = *at.entry(target.clone()).or_insert_with(|| {
            targets.push((target, Vec::new()));
            targets.len() - 1
        });
        targets[index].1.push(link);
    }
    for (target, links) in &targets {
        add_links(d, &project_id, target, links)?;
    }
    Ok(answer)
}
