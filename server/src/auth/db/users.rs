//! People who log in.

use drover_shared::api::User;
use drover_shared::{Role, UserId};
use rusqlite::{Connection, OptionalExtension, Row, named_params};

/// A user with the stored password hash, for login.
pub struct UserWithHash {
    /// The user.
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// What login needs beyond the password: is the account active, and its second factors.
#[derive(Debug, Clone, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is a column of the person's row, each factor on or off by itself"
)]
pub struct TwoFactor {
    /// The person (`None` for no such person).
    pub person: Option<UserId>,
    /// Deactivated accounts cannot log in.
    pub active: bool,
    /// TOTP is confirmed and required at login.
    pub totp_enabled: bool,
    /// The TOTP secret, set from `PUT /auth/totp` on: as stored (sealed with the server's
    /// key, see [`crate::auth::secret_key`]) when read here, opened (base32) by the routes.
    pub totp_secret: Option<String>,
    /// The keyed hash of each unused recovery code ([`crate::auth::two_factor::hash_recovery`]).
    pub recovery_hashes: Vec<String>,
    /// At least one FIDO security key is registered (see `super::fido`).
    pub fido_enabled: bool,
    /// Login codes are sent by e-mail (see `super::mail`).
    pub email_otp_enabled: bool,
    /// The keyed hash of the code last sent by e-mail and when it expires (ms).
    pub email_otp: Option<(String, i64)>,
    /// The factor Kitsu offers first: `totp`, `email_otp` or `fido`.
    pub preferred: Option<String>,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get("id")?,
        email: row.get("email")?,
        role: row.get("role")?,
        created: super::time_from_ms(row.get("created")?),
    })
}

/// Inserts a user. Fails with a constraint error when the email is taken.
pub fn insert(
    conn: &Connection,
    email: &str,
    password_hash: &str,
    role: Role,
) -> rusqlite::Result<User> {
    let id = UserId(uuid::Uuid::new_v4());
    conn.execute(
        "INSERT INTO users (id, email, password_hash, role, created, first_name)
         VALUES (:id, :email, :hash, :role, :created, :first_name)",
        named_params! {
            ":id": id, ":email": email, ":hash": password_hash, ":role": role,
            ":created": super::now_ms(),
            // Kitsu shows people by name; until they set one, the email's local part.
            ":first_name": email.split('@').next().unwrap_or(email),
        },
    )?;
    // Read back on the connection that just inserted it: the row is there, and were it not,
    // an error instead of a panic.
    get(conn, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// A user by id.
pub fn get(conn: &Connection, id: UserId) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached("SELECT id, email, role, created FROM users WHERE id = :id")?
        .query_row(named_params! { ":id": id }, from_row)
        .optional()
}

/// A user and password hash by email (case-insensitive).
pub fn find_by_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<UserWithHash>> {
    conn.prepare_cached(
        "SELECT id, email, role, created, password_hash FROM users WHERE email = :email",
    )?
    .query_row(named_params! { ":email": email }, |row| {
        Ok(UserWithHash {
            user: from_row(row)?,
            password_hash: row.get("password_hash")?,
        })
    })
    .optional()
}

/// A user's password hash, by id.
pub fn password_hash(conn: &Connection, id: UserId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT password_hash FROM users WHERE id = :id")?
        .query_row(named_params! { ":id": id }, |r| r.get(0))
        .optional()
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &Connection, id: UserId, hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = :hash WHERE id = :id",
        named_params! { ":hash": hash, ":id": id },
    )?;
    Ok(())
}

/// The user a login names: by email, or else by the desktop login Kitsu's desktop tools send
/// in the email field.
pub fn find_for_login(conn: &Connection, login: &str) -> rusqlite::Result<Option<UserWithHash>> {
    if let Some(found) = find_by_email(conn, login)? {
        return Ok(Some(found));
    }
    conn.prepare_cached(
        "SELECT id, email, role, created, password_hash FROM users
         WHERE desktop_login = :login COLLATE NOCASE ORDER BY created LIMIT 1",
    )?
    .query_row(named_params! { ":login": login }, |row| {
        Ok(UserWithHash {
            user: from_row(row)?,
            password_hash: row.get("password_hash")?,
        })
    })
    .optional()
}

/// A user's activity flag and second factors.
pub fn two_factor(conn: &Connection, id: UserId) -> rusqlite::Result<TwoFactor> {
    conn.prepare_cached(
        "SELECT id, active, totp_enabled, totp_secret, otp_recovery_codes, fido_enabled,
             email_otp_enabled, preferred_two_factor_authentication,
             (SELECT token_hash FROM account_tokens
              WHERE person_id = users.id AND purpose = 'email_otp') AS email_otp_hash,
             (SELECT expires FROM account_tokens
              WHERE person_id = users.id AND purpose = 'email_otp') AS email_otp_expires
         FROM users WHERE id = :id",
    )?
    .query_row(named_params! { ":id": id }, |row| {
        let codes: Option<String> = row.get("otp_recovery_codes")?;
        Ok(TwoFactor {
            person: Some(row.get("id")?),
            active: row.get("active")?,
            totp_enabled: row.get("totp_enabled")?,
            totp_secret: row.get("totp_secret")?,
            recovery_hashes: codes
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
            fido_enabled: row.get("fido_enabled")?,
            email_otp_enabled: row.get("email_otp_enabled")?,
            email_otp: match (
                row.get::<_, Option<String>>("email_otp_hash")?,
                row.get::<_, Option<i64>>("email_otp_expires")?,
            ) {
                (Some(hash), Some(expires)) => Some((hash, expires)),
                _ => None,
            },
            preferred: row.get("preferred_two_factor_authentication")?,
        })
    })
    .optional()
    .map(Option::unwrap_or_default)
}

/// Stores a user's TOTP state (`secret` None clears it). Turning TOTP on makes it the
/// preferred factor if none was; turning it off leaves the preference to
/// `super::fido::settle_factors`.
pub fn set_totp(
    conn: &Connection,
    id: UserId,
    secret: Option<&str>,
    enabled: bool,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET totp_secret = :secret, totp_enabled = :enabled,
             preferred_two_factor_authentication = CASE
                 WHEN :enabled THEN coalesce(preferred_two_factor_authentication, 'totp')
                 WHEN preferred_two_factor_authentication = 'totp' THEN NULL
                 ELSE preferred_two_factor_authentication END,
             updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE id = :id",
        named_params! { ":id": id, ":secret": secret, ":enabled": enabled },
    )?;
    Ok(())
}

/// Replaces a user's unused recovery codes (their hashes); empty clears them.
pub fn set_recovery_hashes(
    conn: &Connection,
    id: UserId,
    hashes: &[String],
) -> rusqlite::Result<()> {
    let codes = (!hashes.is_empty()).then(|| serde_json::Value::from(hashes.to_vec()).to_string());
    conn.execute(
        "UPDATE users SET otp_recovery_codes = :codes WHERE id = :id",
        named_params! { ":id": id, ":codes": codes },
    )?;
    Ok(())
}

/// Records `step` as the last TOTP time step the person was accepted with; false (nothing
/// changes) when it is not later than the one recorded: the code was already used, or is
/// older than one that was.
pub fn accept_totp_step(conn: &Connection, id: UserId, step: u64) -> rusqlite::Result<bool> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let changed = conn.execute(
        "INSERT INTO totp_last_step (person_id, step) VALUES (:id, :step)
         ON CONFLICT (person_id) DO UPDATE SET step = excluded.step
         WHERE excluded.step > totp_last_step.step",
        named_params! { ":id": id, ":step": step },
    )?;
    Ok(changed == 1)
}

/// A person's second-factor secrets as stored, for sealing or re-keying those kept from before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecrets {
    /// The person.
    pub id: UserId,
    /// `totp_secret` as stored.
    pub totp_secret: Option<String>,
    /// The recovery-code hashes as stored.
    pub recovery_hashes: Vec<String>,
}

/// Every person with a TOTP secret or recovery codes.
pub fn stored_secrets(conn: &Connection) -> rusqlite::Result<Vec<StoredSecrets>> {
    conn.prepare(
        "SELECT id, totp_secret, otp_recovery_codes FROM users
         WHERE totp_secret IS NOT NULL OR otp_recovery_codes IS NOT NULL",
    )?
    .query_map([], |row| {
        let codes: Option<String> = row.get("otp_recovery_codes")?;
        Ok(StoredSecrets {
            id: row.get("id")?,
            totp_secret: row.get("totp_secret")?,
            recovery_hashes: codes
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
        })
    })?
    .collect()
}

/// Rewrites a person's stored TOTP secret, leaving whether TOTP is on as it is.
pub fn replace_totp_secret(conn: &Connection, id: UserId, stored: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET totp_secret = :secret WHERE id = :id",
        named_params! { ":id": id, ":secret": stored },
    )?;
    Ok(())
}

/// Every user, oldest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<User>> {
    conn.prepare_cached("SELECT id, email, role, created FROM users ORDER BY created, email")?
        .query_map([], from_row)?
        .collect()
}

/// How many users exist.
pub fn count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_find_case_insensitively() {
        let conn = crate::db::test_conn();
        let user = insert(&conn, "Ann@Example.com", "hash", Role::Admin).unwrap();
        let found = find_by_email(&conn, "ann@example.com").unwrap().unwrap();
        assert_eq!(found.user, user);
        assert_eq!(found.password_hash, "hash");
        assert!(insert(&conn, "ann@example.COM", "x", Role::Artist).is_err());
        assert_eq!(count(&conn).unwrap(), 1);
        assert_eq!(list(&conn).unwrap(), vec![user]);
    }

    #[test]
    fn a_totp_step_is_accepted_once_and_never_an_older_one() {
        let conn = crate::db::test_conn();
        let ann = insert(&conn, "ann@x", "h", Role::Artist).unwrap().id;
        let bob = insert(&conn, "bob@x", "h", Role::Artist).unwrap().id;
        assert!(accept_totp_step(&conn, ann, 100).unwrap());
        assert!(!accept_totp_step(&conn, ann, 100).unwrap(), "a replay");
        assert!(!accept_totp_step(&conn, ann, 99).unwrap(), "an older step");
        assert!(accept_totp_step(&conn, ann, 101).unwrap());
        assert!(accept_totp_step(&conn, bob, 100).unwrap(), "per person");
    }

    #[test]
    fn stored_secrets_list_who_has_some() {
        let conn = crate::db::test_conn();
        let ann = insert(&conn, "ann@x", "h", Role::Artist).unwrap().id;
        insert(&conn, "bob@x", "h", Role::Artist).unwrap();
        set_totp(&conn, ann, Some("PLAIN"), true).unwrap();
        set_recovery_hashes(&conn, ann, &["h1".into()]).unwrap();
        let found = stored_secrets(&conn).unwrap();
        assert_eq!(
            found,
            vec![StoredSecrets {
                id: ann,
                totp_secret: Some("PLAIN".into()),
                recovery_hashes: vec!["h1".into()],
            }]
        );
        replace_totp_secret(&conn, ann, "v1.sealed").unwrap();
        let factors = two_factor(&conn, ann).unwrap();
        assert_eq!(factors.totp_secret.as_deref(), Some("v1.sealed"));
        assert!(factors.totp_enabled);
    }
}
