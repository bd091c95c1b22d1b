//! `/browse` of the farm API: folders under the server's browse root.
//!
//! The root is the `browse_root` setting (relative to the data dir when relative), by default
//! `storage/` in the data dir. A request never leaves it: `..`, `.`, absolute paths, drive
//! letters and backslashes are refused with 400 (percent-encoded ones too, as axum decodes
//! the path first); the result is canonicalised and must still lie under the canonical root,
//! so a symlink that points outside answers 404, and such links are left out of listings.

use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::farm::db;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use drover_shared::ErrorBody;
use drover_shared::api::{BrowseEntry, BrowseListing};
use std::path::{Component, PathBuf};
use time::OffsetDateTime;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    // The wildcard route is registered by hand (utoipa names it `{path}`, axum `{*path}`); its
    // description comes from `browse_path`'s attribute via `ApiDoc`.
    OpenApiRouter::new()
        .routes(routes!(browse_root))
        .route("/browse/{*path}", get(browse_path))
}

/// The entries of the browse root (not for clients and vendors).
#[utoipa::path(get, path = "/browse", tag = "browse", security(("bearer" = [])),
    responses((status = 200, body = BrowseListing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn browse_root(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<Json<BrowseListing>> {
    require_staff(&me)?;
    list(&state, String::new()).await.map(Json)
}

/// The farm's storage holds every project's files: the studio's own people browse it to pick
/// what they render; clients and vendors, who submit nothing, do not.
fn require_staff(me: &CurrentUser) -> ApiResult<()> {
    if me.user.role.runs_farm_jobs() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a {} may not browse the farm's storage",
            me.user.role
        )))
    }
}

/// The entries of a folder under the browse root (not for clients and vendors).
#[utoipa::path(get, path = "/browse/{path}", tag = "browse", security(("bearer" = [])),
    params(("path" = String, Path, description = "Folder relative to the browse root, `/`-separated")),
    responses((status = 200, body = BrowseListing), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn browse_path(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> ApiResult<Json<BrowseListing>> {
    require_staff(&me)?;
    list(&state, path).await.map(Json)
}

/// Splits a requested path into plain names, refusing anything that could climb out.
fn safe_parts(requested: &str) -> ApiResult<Vec<String>> {
    if requested.contains('\\') || requested.contains('\0') || requested.starts_with('/') {
        return Err(ApiError::BadRequest(format!(
            "`{requested}` is not a path relative to the browse root"
        )));
    }
    let mut parts = Vec::new();
    for part in requested.split('/').filter(|p| !p.is_empty()) {
        let mut components = std::path::Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) if !part.contains(':') => {
                parts.push(part.to_owned());
            }
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "`{part}` is not allowed in a browse path; name folders under the root"
                )));
            }
        }
    }
    Ok(parts)
}

async fn list(state: &AppState, requested: String) -> ApiResult<BrowseListing> {
    let parts = safe_parts(&requested)?;
    let setting = state
        .store
        .read(|c| Ok::<_, ApiError>(db::settings::load(c)?.browse_root))
        .await?;
    let root = if setting.trim().is_empty() {
        state.default_storage()
    } else {
        state.data_dir.join(setting.trim())
    };
    tokio::task::spawn_blocking(move || list_blocking(&root, &parts))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

fn list_blocking(root: &std::path::Path, parts: &[String]) -> ApiResult<BrowseListing> {
    let root = root.canonicalize().map_err(|_| {
        ApiError::NotFound(format!("the browse root {} does not exist", root.display()))
    })?;
    let relative = parts.join("/");
    let not_found = || ApiError::not_found(format!("folder `{relative}`"));
    let target: PathBuf = parts.iter().fold(root.clone(), |p, part| p.join(part));
    let target = target.canonicalize().map_err(|_| not_found())?;
    if !target.starts_with(&root) {
        return Err(not_found());
    }
    if !target.is_dir() {
        return Err(ApiError::BadRequest(format!(
            "`{relative}` is a file, not a folder"
        )));
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(&target).map_err(|e| ApiError::Internal(e.to_string()))? {
        let Ok(entry) = entry else { continue };
        // Follow links only when they stay under the root; hide the rest.
        let Ok(real) = entry.path().canonicalize() else {
            continue;
        };
        if !real.starts_with(&root) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&real) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        entries.push(BrowseEntry {
            path,
            name,
            is_dir: meta.is_dir(),
            size_bytes: if meta.is_dir() { 0 } else { meta.len() },
            modified: meta
                .modified()
                .map_or(OffsetDateTime::UNIX_EPOCH, OffsetDateTime::from),
        });
    }
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    Ok(BrowseListing {
        path: relative,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_climbing_parts() {
        for bad in ["..", "a/../b", "/etc", "./a", "a\\b", "C:", "a/./b"] {
            assert!(safe_parts(bad).is_err(), "{bad}");
        }
        assert_eq!(safe_parts("a/b c//d").unwrap(), ["a", "b c", "d"]);
        assert!(safe_parts("").unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_root_are_hidden_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("shots")).unwrap();
        std::fs::write(root.join("a.blend"), b"123").unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("escape")).unwrap();
        std::os::unix::fs::symlink(root.join("shots"), root.join("inside")).unwrap();
        let listing = list_blocking(&root, &[]).unwrap();
        let names: Vec<_> = listing.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["inside", "shots", "a.blend"]);
        assert_eq!(listing.entries[2].size_bytes, 3);
        assert!(matches!(
            list_blocking(&root, &["escape".into()]),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            list_blocking(&root, &["a.blend".into()]),
            Err(ApiError::BadRequest(_))
        ));
    }
}
