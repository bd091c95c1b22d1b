//! Kitsu's CSV imports of assets, shots, edits, casting, estimations and people: the file is
//! read within its bound, then imported in one write by
//! [`crate::production::db::imports`].

use super::gate::Routes;
use super::multipart::MaybeUpload;
use super::write;
use crate::auth::{Authed, CurrentUser};
use crate::error::ApiError;
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::imports::{self as db, Kind, MAX_IMPORT_BYTES, Request};
use crate::production::db::schema::parse_bool;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use serde_json::Value;
use std::collections::HashMap;

/// The import routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/import/csv/projects/{project}/assets",
            import_route(Kind::Assets),
        )
        .route(
            "/import/csv/projects/{project}/shots",
            import_route(Kind::Shots),
        )
        .route(
            "/import/csv/projects/{project}/edits",
            import_route(Kind::Edits),
        )
        .route(
            "/import/csv/projects/{project}/casting",
            import_route(Kind::Casting),
        )
        .route(
            "/import/csv/projects/{project}/task-types/{task_type}/estimations",
            import_route(Kind::Estimations),
        )
        .route(
            "/import/csv/projects/{project}/episodes/{episode}/task-types/{task_type}/estimations",
            import_route(Kind::Estimations),
        )
        .route("/import/csv/persons", persons_route())
}

/// A production's import: the path names the production (and for estimations the task
/// type, and maybe the episode).
fn import_route(kind: Kind) -> MethodRouter<AppState> {
    post(
        move |Authed(me): Authed,
              State(state): State<AppState>,
              Path(path): Path<HashMap<String, String>>,
              RawQuery(raw): RawQuery,
              MaybeUpload(upload): MaybeUpload| async move {
            let request = Request {
                kind,
                project_id: path.get("project").cloned().unwrap_or_default(),
                task_type_id: path.get("task_type").cloned(),
                episode_id: path.get("episode").cloned(),
                update: update(raw.as_deref()),
                unusable_password_hash: None,
            };
            let made = run(&state, &me, request, upload).await?;
            Ok::<_, ApiError>((StatusCode::CREATED, axum::Json(made)))
        },
    )
}

/// `POST /import/csv/persons`: as the others, with the password hash the people made get.
fn persons_route() -> MethodRouter<AppState> {
    post(
        |Authed(me): Authed,
         State(state): State<AppState>,
         RawQuery(raw): RawQuery,
         MaybeUpload(upload): MaybeUpload| async move {
            // One hash of a token thrown away serves every person the file makes: nobody
            // knows it, so none of them logs in until a password is set (one argon2 run,
            // not one per row).
            let hash = crate::auth::hashing::hash_password(crate::auth::new_token()).await?;
            let request = Request {
                kind: Kind::Persons,
                project_id: String::new(),
                task_type_id: None,
                episode_id: None,
                update: update(raw.as_deref()),
                unusable_password_hash: Some(hash),
            };
            let people = run(&state, &me, request, upload).await?;
            // A changed role, e-mail or standing holds from the person's next request.
            for person in &people {
                if let Some(Ok(id)) = person.get("id").and_then(Value::as_str).map(str::parse) {
                    state.auth.forget_user(id);
                }
            }
            Ok::<_, ApiError>((StatusCode::CREATED, axum::Json(people)))
        },
    )
}

/// Whether the query string asks existing rows to change (`update=true`).
fn update(raw: Option<&str>) -> bool {
    super::data::query_pairs(raw)
        .into_iter()
        .find(|(k, _)| k == "update")
        .is_some_and(|(_, v)| parse_bool(&Value::from(v)) == Some(true))
}

/// Reads the upload within its bound and imports it in one write.
async fn run(
    state: &AppState,
    me: &CurrentUser,
    request: Request,
    upload: Option<super::multipart::Upload>,
) -> Result<Vec<Row>, ApiError> {
    let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
    if upload.size > MAX_IMPORT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "an import file is at most {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let bytes = tokio::fs::read(&upload.file)
        .await
        .map_err(|e| ApiError::Internal(format!("reading an upload: {e}")))?;
    write(state, me, move |d| db::import(d, &request, &bytes)).await
}
