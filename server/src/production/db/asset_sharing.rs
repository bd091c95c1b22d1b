//! Sharing assets with the other productions (`POST /actions/projects/{p}/assets/share`,
//! `POST /actions/assets/share`): Zou's `set_shared_assets`, for the production's managers.

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use super::plan::check_manages;
use super::schema::parse_bool;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The most assets one request names: a list longer than any production's assets is not a
/// request Kitsu makes.
pub const MAX_ASSET_IDS: usize = 10_000;

/// `is_shared` of a share body: true when absent or null, as Zou takes it.
pub fn is_shared(body: &Row) -> Result<bool, DataError> {
    match body.get("is_shared") {
        None | Some(Value::Null) => Ok(true),
        Some(v) => parse_bool(v)
            .ok_or_else(|| DataError::BadRequest("`is_shared` must be true or false".into())),
    }
}

/// `asset_ids` of a share body: `None` when absent or null; 400 unless a list of at most
/// [`MAX_ASSET_IDS`] strings.
pub fn asset_ids(body: &Row) -> Result<Option<Vec<String>>, DataError> {
    let bad = || DataError::BadRequest("`asset_ids` is a list of asset ids".into());
    match body.get("asset_ids") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(ids)) => {
            if ids.len() > MAX_ASSET_IDS {
                return Err(DataError::BadRequest(format!(
                    "`asset_ids` names at most {MAX_ASSET_IDS} assets"
                )));
            }
            ids.iter()
                .map(|id| id.as_str().map(str::to_owned).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
        Some(_) => Err(bad()),
    }
}

fn set_shared(d: &Data, assets: &[Row], shared: bool) -> Result<Vec<Row>, DataError> {
    assets
        .iter()
        .map(|a| d.update(names::ASSETS, text(a, "id"), json!({ "is_shared": shared })))
        .collect()
}

/// `POST /actions/projects/{p}/assets/share` `{is_shared?, asset_ids?}`: shares (or
/// unshares) the production's assets, or those of `asset_ids` in it (ids of other
/// productions' assets are passed over, as Zou's query passes them). Admins and the
/// production's managers; answers the assets changed.
pub fn share_project_assets(
    d: &Data,
    project_id: &str,
    shared: bool,
    ids: Option<&[String]>,
) -> Result<Vec<Row>, DataError> {
    let project = check_manages(d, project_id)?;
    let assets = d.list(names::ASSETS, &[("project_id", &project)])?;
    let assets: Vec<Row> = match ids {
        None => assets,
        Some(ids) => {
            let ids: BTreeSet<String> = ids
                .iter()
                .filter_map(|id| uuid::Uuid::parse_str(id).ok())
                .map(|u| u.hyphenated().to_string())
                .collect();
            assets
                .into_iter()
                .filter(|a| ids.contains(text(a, "id")))
                .collect()
        }
    };
    set_shared(d, &assets, shared)
}

/// `POST /actions/assets/share` `{is_shared?, asset_ids}`: shares (or unshares) the assets
/// named, once the person is found to manage every production they belong to (404 for an
/// id that is no asset, 403 when one production is not theirs: then nothing changes).
/// No `asset_ids` changes nothing, as in Zou.
pub fn share_assets(d: &Data, shared: bool, ids: &[String]) -> Result<Vec<Row>, DataError> {
    let mut assets = Vec::with_capacity(ids.len());
    let mut projects = BTreeSet::new();
    for id in ids {
        let asset = d.get(names::ASSETS, id)?;
        projects.insert(text(&asset, "project_id").to_owned());
        assets.push(asset);
    }
    for project in &projects {
        check_manages(d, project)?;
    }
    set_shared(d, &assets, shared)
}
