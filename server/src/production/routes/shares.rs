//! Playlists shared with people outside the studio: the managers' share links (made, listed,
//! revoked; invitations, which need an e-mail this server does not send) and client notices,
//! and the guest pages under `/shared/playlists/{token}`, which the token alone opens (with
//! the link's password where Zou asks for it).
//!
//! Every guest request is checked here before anything is read: the token against the
//! guessing throttle (a wrong token counts as a wrong guess against the address), then the
//! link (active, not expired; 404 otherwise, as Zou answers), then its password (an argon2
//! check, throttled as a login is). What follows reads and writes through
//! [`crate::production::db::shares`], which keeps every answer to the link's playlist.

use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::auth::hashing::hash_password;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::schema::parse_bool;
use crate::production::db::shares::{self as db};
use crate::production::db::{Row, names};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use rand::TryRngCore;
use serde_json::{Value, json};

mod guest;

/// Longest link password taken (argon2's work grows with it).
const MAX_PASSWORD_CHARS: usize = 1024;

/// The managers' routes (behind the token check and the role gate).
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/playlists/{playlist}/share",
            get(list_links).post(create_link),
        )
        .route(
            "/data/playlists/{playlist}/share/{token}",
            delete(revoke_link),
        )
        .route(
            "/data/playlists/{playlist}/share/{token}/invite",
            post(invite),
        )
        .route(
            "/data/playlists/{playlist}/notify-clients",
            post(notify_clients),
        )
}

/// The guest pages: public, each opened by its link (see [`guest`]).
pub fn public_router() -> Routes {
    guest::router()
}

// ---- managers ---------------------------------------------------------------------------

async fn list_links(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::links_of(d, &playlist)).await?,
    ))
}

/// A token of 256 bits from the operating system's random source, URL-safe.
fn share_token() -> ApiResult<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("the system's random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

async fn create_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let expiration_date = db::parse_expiration(body.get("expiration_date"))?;
    let can_comment = match body.get("can_comment") {
        None | Some(Value::Null) => true,
        Some(v) => parse_bool(v)
            .ok_or_else(|| ApiError::BadRequest("`can_comment` must be true or false".into()))?,
    };
    let password = match body.get("password") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) if s.chars().count() > MAX_PASSWORD_CHARS => {
            return Err(ApiError::BadRequest(format!(
                "a link's password is at most {MAX_PASSWORD_CHARS} characters"
            )));
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::BadRequest("`password` must be text".into())),
    };
    // Refused before a password is hashed: the playlist must be one the manager reaches.
    let check = playlist.clone();
    read(&state, &me, move |d| d.get(names::PLAYLISTS, &check)).await?;
    let password_hash = match password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let new = db::NewLink {
        token: share_token()?,
        expiration_date,
        can_comment,
        password_hash,
    };
    let made = write(&state, &me, move |d| db::create_link(d, &playlist, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn revoke_link(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, token)): Path<(String, String)>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        write(&state, &me, move |d| db::revoke_link(d, &playlist, &token)).await?,
    ))
}

/// Zou e-mails the link; this server has no mailer, so once the link is found it says so
/// (409) rather than pretend to have sent anything.
async fn invite(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((playlist, token)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    read(&state, &me, move |d| {
        db::check_invitable(d, &playlist, &token)
    })
    .await?;
    Err(ApiError::Conflict(
        "e-mail is not configured on this server, so no invitation was sent: copy the share \
         link and send it yourself"
            .into(),
    ))
}

async fn notify_clients(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(playlist): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Value>> {
    let told = write(&state, &me, move |d| {
        db::notify_clients(d, &playlist, &body)
    })
    .await?;
    Ok(axum::Json(json!({"status": "success", "notified": told})))
}
