//! The SQL of account e-mails (0035): the one secret per person and purpose they carry
//! (`account_tokens`: a password link, an e-mailed login code), and their outbox
//! (`account_mails`), which the notifier sends from.

use drover_shared::UserId;
use rusqlite::{Connection, OptionalExtension, named_params};

/// What an account secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Choosing a password: a reset link or an invitation.
    Password,
    /// A login code sent by e-mail.
    EmailOtp,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::EmailOtp => "email_otp",
        }
    }
}

/// Who an account e-mail goes to, with what the mail says about them.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The person.
    pub id: UserId,
    /// Their e-mail address.
    pub email: String,
    /// Their first name (may be empty).
    pub first_name: String,
    /// Whether the account may log in.
    pub active: bool,
    /// A bot: it has no mailbox and no password to choose.
    pub is_bot: bool,
    /// Whether codes by e-mail are on for them.
    pub email_otp_enabled: bool,
}

fn recipient(row: &rusqlite::Row<'_>) -> rusqlite::Result<Recipient> {
    Ok(Recipient {
        id: row.get("id")?,
        email: row.get("email")?,
        first_name: row.get("first_name")?,
        active: row.get("active")?,
        is_bot: row.get("is_bot")?,
        email_otp_enabled: row.get("email_otp_enabled")?,
    })
}

const RECIPIENT: &str =
    "SELECT id, email, first_name, active, is_bot, email_otp_enabled FROM users";

/// The person with this e-mail address (case-insensitive), or else this desktop login, as a
/// login names them.
pub fn recipient_by_login(conn: &Connection, login: &str) -> rusqlite::Result<Option<Recipient>> {
    let by_email = conn
        .prepare_cached(&format!("{RECIPIENT} WHERE email = :login"))?
        .query_row(named_params! { ":login": login }, recipient)
        .optional()?;
    if by_email.is_some() {
        return Ok(by_email);
    }
    conn.prepare_cached(&format!(
        "{RECIPIENT} WHERE desktop_login = :login COLLATE NOCASE ORDER BY created LIMIT 1"
    ))?
    .query_row(named_params! { ":login": login }, recipient)
    .optional()
}

/// The person with this id.
pub fn recipient_by_id(conn: &Connection, id: UserId) -> rusqlite::Result<Option<Recipient>> {
    conn.prepare_cached(&format!("{RECIPIENT} WHERE id = :id"))?
        .query_row(named_params! { ":id": id }, recipient)
        .optional()
}

/// The organisation's name, which the mails sign with (empty when there is none).
pub fn organisation_name(conn: &Connection) -> rusqlite::Result<String> {
    Ok(conn
        .query_row("SELECT name FROM prod_organisation LIMIT 1", [], |r| {
            r.get::<_, String>("name")
        })
        .optional()?
        .unwrap_or_default())
}

/// Keeps `hash` as the person's secret for `purpose` until `expires`, replacing the one
/// before (a new link or code voids the last).
pub fn set_token(
    conn: &Connection,
    person: UserId,
    purpose: Purpose,
    hash: &str,
    expires: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO account_tokens (person_id, purpose, token_hash, expires)
         VALUES (:person, :purpose, :hash, :expires)
         ON CONFLICT (person_id, purpose) DO UPDATE
         SET token_hash = excluded.token_hash, expires = excluded.expires",
    )?
    .execute(named_params! {
        ":person": person, ":purpose": purpose.as_str(), ":hash": hash, ":expires": expires,
    })?;
    Ok(())
}

/// The person's secret for `purpose` as `(hash, expires)`, if one is kept.
pub fn token(
    conn: &Connection,
    person: UserId,
    purpose: Purpose,
) -> rusqlite::Result<Option<(String, i64)>> {
    conn.prepare_cached(
        "SELECT token_hash, expires FROM account_tokens
         WHERE person_id = :person AND purpose = :purpose",
    )?
    .query_row(
        named_params! { ":person": person, ":purpose": purpose.as_str() },
        |r| Ok((r.get("token_hash")?, r.get("expires")?)),
    )
    .optional()
}

/// Uses up the person's secret for `purpose` if it is still `hash` and unexpired at `now`:
/// true for the one request that does, so a link or code works once even when two race.
pub fn take_token(
    conn: &Connection,
    person: UserId,
    purpose: Purpose,
    hash: &str,
    now: i64,
) -> rusqlite::Result<bool> {
    let taken = conn
        .prepare_cached(
            "DELETE FROM account_tokens WHERE person_id = :person AND purpose = :purpose
             AND token_hash = :hash AND expires > :now",
        )?
        .execute(named_params! {
            ":person": person, ":purpose": purpose.as_str(), ":hash": hash, ":now": now,
        })?;
    Ok(taken == 1)
}

/// Forgets the person's secret for `purpose`, and any mail carrying it not sent yet.
pub fn drop_token(conn: &Connection, person: UserId, purpose: Purpose) -> rusqlite::Result<()> {
    let params = named_params! { ":person": person, ":purpose": purpose.as_str() };
    conn.prepare_cached(
        "DELETE FROM account_tokens WHERE person_id = :person AND purpose = :purpose",
    )?
    .execute(params)?;
    conn.prepare_cached(
        "DELETE FROM account_mails WHERE person_id = :person AND purpose = :purpose",
    )?
    .execute(params)?;
    Ok(())
}

/// An account e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The outbox row (0 before it is queued).
    pub id: i64,
    /// Who it is for.
    pub person: UserId,
    /// Their address.
    pub address: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Past this (ms), it is not sent.
    pub expires: i64,
    /// Tries so far.
    pub attempts: u32,
}

/// Queues `mail` for the notifier, now, in place of any mail of the same purpose to the same
/// person not sent yet (it carries a secret the new one voided).
pub fn queue(conn: &Connection, mail: &Mail, purpose: Purpose, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM account_mails WHERE person_id = :person AND purpose = :purpose",
    )?
    .execute(named_params! { ":person": mail.person, ":purpose": purpose.as_str() })?;
    conn.prepare_cached(
        "INSERT INTO account_mails
             (person_id, purpose, address, subject, body, expires, next_try)
         VALUES (:person, :purpose, :address, :subject, :body, :expires, :now)",
    )?
    .execute(named_params! {
        ":person": mail.person, ":purpose": purpose.as_str(), ":address": mail.address,
        ":subject": mail.subject, ":body": mail.body, ":expires": mail.expires, ":now": now,
    })?;
    Ok(())
}

/// Up to `limit` mails due at `now`, oldest first (those past their `expires` too, for the
/// sender to drop).
pub fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<Mail>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "SELECT id, person_id, address, subject, body, expires, attempts FROM account_mails
         WHERE next_try <= :now ORDER BY next_try, id LIMIT :limit",
    )?
    .query_map(named_params! { ":now": now, ":limit": limit }, |r| {
        Ok(Mail {
            id: r.get("id")?,
            person: r.get("person_id")?,
            address: r.get("address")?,
            subject: r.get("subject")?,
            body: r.get("body")?,
            expires: r.get("expires")?,
            attempts: r.get("attempts")?,
        })
    })?
    .collect()
}

/// A mail sent, or given up: its row (and the secret in it) goes.
pub fn done(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM account_mails WHERE id = :id")?
        .execute(named_params! { ":id": id })?;
    Ok(())
}

/// A mail that failed: tried again at `next_try`.
pub fn retry(conn: &Connection, id: i64, next_try: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE account_mails SET attempts = attempts + 1, next_try = :next WHERE id = :id",
    )?
    .execute(named_params! { ":id": id, ":next": next_try })?;
    Ok(())
}

/// Turns codes by e-mail on or off for the person. On makes it the preferred factor when
/// none was; off leaves the preference to [`super::fido::settle_factors`].
pub fn set_email_otp(conn: &Connection, person: UserId, enabled: bool) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET email_otp_enabled = :enabled,
             preferred_two_factor_authentication = CASE
                 WHEN :enabled THEN coalesce(preferred_two_factor_authentication, 'email_otp')
                 WHEN preferred_two_factor_authentication = 'email_otp' THEN NULL
                 ELSE preferred_two_factor_authentication END,
             updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE id = :id",
        named_params! { ":id": person, ":enabled": enabled },
    )?;
    if !enabled {
        drop_token(conn, person, Purpose::EmailOtp)?;
    }
    Ok(())
}
