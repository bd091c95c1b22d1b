//! Kitsu's CSV imports of assets and shots: the file is read within its bound, then
//! imported in one write by [`crate::production::db::imports`].

use super::gate::Routes;
use super::multipart::MaybeUpload;
use super::write;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::extract::Path;
use crate::production::db::Row;
use crate::production::db::imports::{self as db, Kind, MAX_IMPORT_BYTES};
use crate::production::db::schema::parse_bool;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use serde_json::Value;

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
}

fn import_route(kind: Kind) -> MethodRouter<AppState> {
    post(
        move |Authed(me): Authed,
              State(state): State<AppState>,
              Path(project): Path<String>,
              RawQuery(raw): RawQuery,
              MaybeUpload(upload): MaybeUpload| async move {
            let upload = upload.ok_or_else(|| ApiError::BadRequest("File not provided.".into()))?;
            if upload.size > MAX_IMPORT_BYTES {
                return Err(ApiError::PayloadTooLarge(format!(
                    "an import file is at most {MAX_IMPORT_BYTES} bytes"
                )));
            }
            let update = super::data::query_pairs(raw.as_deref())
                .into_iter()
                .find(|(k, _)| k == "update")
                .is_some_and(|(_, v)| parse_bool(&Value::from(v)) == Some(true));
            let bytes = tokio::fs::read(&upload.file)
                .await
                .map_err(|e| ApiError::Internal(format!("reading an upload: {e}")))?;
            let made: Vec<Row> = write(&state, &me, move |d| {
                db::import(d, &project, kind, &bytes, update)
            })
            .await?;
            Ok::<_, ApiError>((StatusCode::CREATED, axum::Json(made)))
        },
    )
}
