//! Choosing a password from a link, as Kitsu's front end does it: `POST /auth/reset-password`
//! e-mails a person who forgot theirs a link, `PUT /auth/reset-password` sets the new one
//! with the link's token; admins `GET /actions/persons/{id}/invite` (e-mails a link to choose
//! a first password) and `POST /actions/persons/{id}/reset-password-link` (answers one to
//! hand over). See [`crate::auth::mail`] for the links and the e-mails.

use crate::auth::db::mail::{self as mail_db, Purpose, Recipient};
use crate::auth::mail::{self, LinkKind};
use crate::auth::throttle::Scope;
use crate::auth::{AdminOnly, ClientAddr, db, two_factor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::extract::State;
use drover_shared::{ErrorBody, Role, UserId};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes anyone may call.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ask_reset, reset))
}

/// The admins' routes (behind the token check).
pub fn protected_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite))
        .routes(routes!(reset_link))
}

/// `POST /auth/reset-password`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct AskReset {
    /// The account's e-mail address.
    email: String,
}

/// `PUT /auth/reset-password`, in Kitsu's field names.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct Reset {
    /// The account's e-mail address, from the link.
    email: String,
    /// The link's token.
    token: String,
    /// The new password.
    password: String,
    /// The new password again.
    password2: String,
}

fn public_url(state: &AppState) -> ApiResult<&str> {
    state.auth.public_url.as_deref().ok_or_else(|| {
        ApiError::BadRequest(
            "the server does not know its public address, which the link must point at: \
             start it with --public-url"
                .into(),
        )
    })
}

/// The refusal of a route that sends e-mail on a server given no SMTP server.
pub(super) fn no_mail() -> ApiError {
    ApiError::BadRequest(
        "the server sends no e-mail: start it with --smtp-url (or DROVER_SMTP_URL)".into(),
    )
}

/// E-mails the account a link to choose a new password (valid two hours; a newer one voids
/// it). The answer is the same whether or not the address has an account, so nobody learns
/// who has one from it. Each address may ask five times in fifteen minutes.
#[utoipa::path(post, path = "/auth/reset-password", tag = "auth", security(()),
    request_body = AskReset,
    responses(
        (status = 200, description = "`{\"success\": \"Reset token sent\"}`, whether or not \
            the address has an account"),
        (status = 400, description = "The server sends no e-mail, or does not know its \
            public address", body = ErrorBody),
        (status = 429, description = "Too many e-mails asked for this address", body = ErrorBody),
    ))]
async fn ask_reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<AskReset>,
) -> ApiResult<Json<Value>> {
    if !state.notifier.sends_mail() {
        return Err(no_mail());
    }
    let link_base = public_url(&state)?.to_owned();
    let email = body.email.trim().to_owned();
    // Every request spends the address's budget, sent or not.
    state
        .auth
        .throttle
        .begin(Scope::Mail, &email, addr)?
        .failed();
    let key = state.auth.key.clone();
    let now = crate::db::now_ms();
    let sent = state
        .store
        .write(move |c| {
            let Some(person) = mail_db::recipient_by_login(c, &email)? else {
                return Ok(None);
            };
            if !person.active || person.is_bot || !person.email.eq_ignore_ascii_case(&email) {
                return Ok(None);
            }
            mail::issue_password_link(c, &key, &link_base, &person, LinkKind::Reset, true, now)?;
            Ok::<_, ApiError>(Some(person.email))
        })
        .await?;
    if let Some(email) = sent {
        tracing::info!(%email, "password reset link sent");
    }
    Ok(Json(json!({"success": "Reset token sent"})))
}

/// Sets a new password with a link's token: `{"success": true}`. The token works once and
/// every session of the person ends (whoever else was logged in as them is out). Wrong
/// tokens are throttled as passwords are.
#[utoipa::path(put, path = "/auth/reset-password", tag = "auth", security(()),
    request_body = Reset,
    responses(
        (status = 200, description = "`{\"success\": true}`; the person logs in with the new \
            password"),
        (status = 400, description = "Wrong or expired token, confirmation different, \
            password too short, or the account is deactivated", body = ErrorBody),
        (status = 429, description = "Too many wrong tokens", body = ErrorBody),
    ))]
async fn reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<Reset>,
) -> ApiResult<Json<Value>> {
    if body.password != body.password2 {
        return Err(ApiError::BadRequest(
            "Confirmation password doesn't match.".into(),
        ));
    }
    crate::auth::accounts::validate_password(&body.password)?;
    let email = body.email.trim().to_owned();
    let attempt = state
        .auth
        .throttle
        .begin(Scope::Password, &format!("reset:{email}"), addr)?;
    let wrong = || ApiError::BadRequest("Wrong or expired token.".into());
    let lookup = email.clone();
    let person = state
        .store
        .read(move |c| mail_db::recipient_by_login(c, &lookup).map_err(ApiError::from))
        .await?
        .filter(|p| p.email.eq_ignore_ascii_case(&email));
    let Some(person) = person else {
        attempt.failed();
        return Err(wrong());
    };
    let hash = two_factor::hash_account_secret(&state.auth.key, person.id, body.token.trim());
    let id = person.id;
    let now = crate::db::now_ms();
    let check = hash.clone();
    let known = state
        .store
        .read(move |c| mail_db::token(c, id, Purpose::Password).map_err(ApiError::from))
        .await?
        .is_some_and(|(stored, expires)| stored == check && expires > now);
    if !known {
        attempt.failed();
        return Err(wrong());
    }
    attempt.succeeded();
    if !person.active {
        return Err(ApiError::BadRequest("User is inactive.".into()));
    }
    let password = crate::auth::hashing::hash_password(body.password).await?;
    let ended = state
        .store
        .write(move |c| {
            // Taken in the same write as the password: of two requests with one token, one
            // sets the password.
            if !mail_db::take_token(c, id, Purpose::Password, &hash, now)? {
                return Err(wrong());
            }
            db::users::set_password_hash(c, id, &password)?;
            db::sessions::delete_others(c, id, None).map_err(ApiError::from)
        })
        .await?;
    for (session, access) in ended {
        state.auth.end_session(session, &access);
    }
    state.auth.forget_user(id);
    tracing::info!(email = %person.email, "password chosen from a link");
    Ok(Json(json!({"success": true})))
}

/// The person an admin names, who may be given a password link: active, not a bot, and not
/// another admin (as for `POST /actions/persons/{id}/change-password`, an admin's password is
/// theirs to change).
async fn linkable(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    id: &str,
) -> ApiResult<Recipient> {
    let not_found = || ApiError::not_found(format!("person {id}"));
    let id = id
        .parse::<uuid::Uuid>()
        .map(UserId)
        .map_err(|_| not_found())?;
    let found = state
        .store
        .read(move |c| {
            let Some(person) = mail_db::recipient_by_id(c, id)? else {
                return Ok(None);
            };
            let role = db::users::get(c, id)?.map(|u| u.role);
            Ok::<_, ApiError>(Some((person, role)))
        })
        .await?;
    let Some((person, role)) = found else {
        return Err(not_found());
    };
    if person.is_bot {
        return Err(ApiError::BadRequest(
            "a bot has no password to choose".into(),
        ));
    }
    if role == Some(Role::Admin) && person.id != me.user.id {
        return Err(ApiError::BadRequest(
            "An admin can't change another admin's password.".into(),
        ));
    }
    if !person.active {
        return Err(ApiError::BadRequest("User is inactive.".into()));
    }
    Ok(person)
}

/// E-mails the person an invitation: their login and a link to choose their password, valid
/// a week (a newer link voids it). For admins.
#[utoipa::path(get, path = "/actions/persons/{person}/invite", tag = "auth",
    security(("bearer" = ["admin"])),
    params(("person" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "`{\"success\": true, \"message\": \"Email sent\"}`: \
            queued, sent within seconds"),
        (status = 400, description = "The server sends no e-mail or does not know its public \
            address; the person is a bot, deactivated, or another admin", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such person", body = ErrorBody),
    ))]
async fn invite(
    State(state): State<AppState>,
    AdminOnly(me): AdminOnly,
    Path(person): Path<String>,
) -> ApiResult<Json<Value>> {
    if !state.notifier.sends_mail() {
        return Err(no_mail());
    }
    let link_base = public_url(&state)?.to_owned();
    let person = linkable(&state, &me, &person).await?;
    let key = state.auth.key.clone();
    let now = crate::db::now_ms();
    let email = person.email.clone();
    state
        .store
        .write(move |c| {
            mail::issue_password_link(c, &key, &link_base, &person, LinkKind::Invite, true, now)
                .map_err(ApiError::from)
        })
        .await?;
    tracing::info!(admin = %me.user.email, person = %email, "invitation sent");
    Ok(Json(json!({"success": true, "message": "Email sent"})))
}

/// A link for the person to choose a new password, valid two hours, for an admin to hand
/// over (nothing is e-mailed; a newer link voids it). For admins.
#[utoipa::path(post, path = "/actions/persons/{person}/reset-password-link", tag = "auth",
    security(("bearer" = ["admin"])),
    params(("person" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "`{\"reset_password_link\"}`"),
        (status = 400, description = "The server does not know its public address; the \
            person is a bot, deactivated, or another admin", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such person", body = ErrorBody),
    ))]
async fn reset_link(
    State(state): State<AppState>,
    AdminOnly(me): AdminOnly,
    Path(person): Path<String>,
) -> ApiResult<Json<Value>> {
    let link_base = public_url(&state)?.to_owned();
    let person = linkable(&state, &me, &person).await?;
    let key = state.auth.key.clone();
    let now = crate::db::now_ms();
    let email = person.email.clone();
    let link = state
        .store
        .write(move |c| {
            mail::issue_password_link(c, &key, &link_base, &person, LinkKind::Reset, false, now)
                .map_err(ApiError::from)
        })
        .await?;
    tracing::warn!(admin = %me.user.email, person = %email, "password reset link made by an admin");
    Ok(Json(json!({"reset_password_link": link})))
}
