//! Render nodes' tokens: `wk.<worker id>.<secret>`, of which only the secret's SHA-256 is
//! stored; the middleware that admits workers (and only workers) to the worker routes.

use crate::auth::{authenticate, bearer, hash_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use drover_shared::WorkerId;

/// Worker tokens are `wk.<worker id>.<secret>`; only the secret's SHA-256 is stored.
pub const WORKER_TOKEN_PREFIX: &str = "wk.";

/// A worker's bearer token from its id and secret.
pub fn worker_token(id: WorkerId, secret: &str) -> String {
    format!("{WORKER_TOKEN_PREFIX}{id}.{secret}")
}

/// The authenticated render node, placed in request extensions by [`require_worker`].
#[derive(Debug, Clone, Copy)]
pub struct WorkerAuth(pub WorkerId);

impl<S: Send + Sync> FromRequestParts<S> for WorkerAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        parts
            .extensions
            .get::<WorkerAuth>()
            .copied()
            .ok_or_else(|| ApiError::Unauthorized("this route needs a worker token".into()))
    }
}

/// Resolves a worker token to its worker, through the cache.
pub async fn authenticate_worker(state: &AppState, token: &str) -> ApiResult<WorkerId> {
    let invalid = || {
        ApiError::Unauthorized("the worker token is not valid; register the worker again".into())
    };
    let rest = token
        .strip_prefix(WORKER_TOKEN_PREFIX)
        .ok_or_else(invalid)?;
    let (id, secret) = rest.split_once('.').ok_or_else(invalid)?;
    let id = WorkerId(id.parse().map_err(|_| invalid())?);
    let hash = hash_token(secret);
    let cached = state
        .auth
        .workers
        .lock()
        .ok()
        .and_then(|m| m.get(&id).copied());
    let stored = if let Some(stored) = cached {
        stored
    } else {
        let found = state
            .store
            .read(move |c| crate::farm::db::workers::secret_hash(c, id).map_err(ApiError::from))
            .await?;
        let stored: [u8; 32] = found.and_then(|h| h.try_into().ok()).ok_or_else(invalid)?;
        if let Ok(mut map) = state.auth.workers.lock() {
            map.insert(id, stored);
        }
        stored
    };
    if stored == hash {
        Ok(id)
    } else {
        Err(invalid())
    }
}

/// Middleware for the worker routes: 401 without a valid worker token, 403 for a person's
/// token (people do not speak the worker protocol).
pub async fn require_worker(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let result = match bearer(&parts) {
        None => Err(ApiError::Unauthorized(
            "worker routes need `Authorization: Bearer <worker token>`".into(),
        )),
        Some(token) if !token.starts_with(WORKER_TOKEN_PREFIX) => {
            match authenticate(&state, token).await {
                Ok(_) => Err(ApiError::Forbidden(
                    "only render nodes may call the worker routes".into(),
                )),
                Err(e) => Err(e),
            }
        }
        Some(token) => authenticate_worker(&state, token).await,
    };
    match result {
        Ok(id) => {
            parts.extensions.insert(WorkerAuth(id));
            next.run(Request::from_parts(parts, body)).await
        }
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}
