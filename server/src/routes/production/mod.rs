//! Production tracking over HTTP, compatible with the Kitsu (Zou) API so that `gazu` and
//! Kitsu scripts work unchanged: the generic `/data/<model>` routes ([`data`]), and Kitsu's
//! index (`GET /api/`, which gazu reads the version from).

mod data;

use crate::auth::CurrentUser;
use crate::db::production::{DataError, Viewer};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;

impl From<DataError> for ApiError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::BadRequest(m) => Self::BadRequest(m),
            DataError::Forbidden(m) => Self::Forbidden(m),
            DataError::NotFound(m) => Self::NotFound(m),
            DataError::Sqlite(e) => Self::from(e),
        }
    }
}

impl From<&CurrentUser> for Viewer {
    fn from(me: &CurrentUser) -> Self {
        Self {
            id: me.user.id.to_string(),
            role: me.user.role,
        }
    }
}

/// The production routes that need a token, relative to `/api`.
pub fn protected_router() -> Router<AppState> {
    data::router()
}

/// Kitsu's index: gazu checks the host with `HEAD /api` and reads `version` from `GET /api/`.
pub fn index_router() -> Router<AppState> {
    Router::new().route("/", get(index))
}

async fn index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "api": "Drover",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}
