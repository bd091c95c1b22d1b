//! FIDO security keys (`fido_credentials`): the keys each person registered, and the person's
//! second-factor columns on `users`, kept in step with the keys and with TOTP.

use drover_shared::UserId;
use rusqlite::{Connection, named_params};

/// A registered key: the name its owner gave it and the key as webauthn-rs serialises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The owner's name for it, unique per person (`DELETE /auth/fido` names it).
    pub device_name: String,
    /// The credential as JSON.
    pub credential: String,
}

/// A person's keys, oldest first.
pub fn list(conn: &Connection, person: UserId) -> rusqlite::Result<Vec<StoredKey>> {
    conn.prepare_cached(
        "SELECT device_name, credential FROM fido_credentials
         WHERE person_id = :person ORDER BY id",
    )?
    .query_map(named_params! { ":person": person }, |row| {
        Ok(StoredKey {
            device_name: row.get("device_name")?,
            credential: row.get("credential")?,
        })
    })?
    .collect()
}

/// True when the person already has a key of this name.
pub fn name_taken(conn: &Connection, person: UserId, device_name: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM fido_credentials WHERE person_id = :person AND device_name = :name",
    )?
    .exists(named_params! { ":person": person, ":name": device_name })
}

/// True when some account already registered this credential id.
pub fn credential_taken(conn: &Connection, credential_id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM fido_credentials WHERE credential_id = :id")?
        .exists(named_params! { ":id": credential_id })
}

/// Stores a new key and turns FIDO on for the person (preferred if they had no preference).
pub fn insert(
    conn: &Connection,
    person: UserId,
    device_name: &str,
    credential_id: &str,
    credential: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO fido_credentials (person_id, device_name, credential_id, credential)
         VALUES (:person, :name, :credential_id, :credential)",
        named_params! {
            ":person": person, ":name": device_name, ":credential_id": credential_id,
            ":credential": credential,
        },
    )?;
    settle_factors(conn, person)
}

/// Rewrites a key after a login (its signature counter moved) and notes when it was used.
pub fn update(
    conn: &Connection,
    person: UserId,
    credential_id: &str,
    credential: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE fido_credentials SET credential = :credential,
             last_used_at = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE person_id = :person AND credential_id = :credential_id",
        named_params! {
            ":person": person, ":credential_id": credential_id, ":credential": credential,
        },
    )?;
    Ok(())
}

/// Removes the person's key of this name; false when there was none. The person's flags
/// follow (FIDO off with the last key).
pub fn delete(conn: &Connection, person: UserId, device_name: &str) -> rusqlite::Result<bool> {
    let removed = conn.execute(
        "DELETE FROM fido_credentials WHERE person_id = :person AND device_name = :name",
        named_params! { ":person": person, ":name": device_name },
    )?;
    settle_factors(conn, person)?;
    Ok(removed > 0)
}

/// Turns every second factor of a person off, as an admin does for someone who lost their
/// phone or key: TOTP, every FIDO key and the recovery codes.
pub fn disable_all(conn: &Connection, person: UserId) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM fido_credentials WHERE person_id = :person",
        named_params! { ":person": person },
    )?;
    super::users::set_totp(conn, person, None, false)?;
    super::mail::set_email_otp(conn, person, false)?;
    settle_factors(conn, person)
}

/// Puts a person's second-factor columns in line with what is enabled, as Kitsu does after
/// any change: `fido_enabled` says whether keys remain; the preferred factor stays if it is
/// still enabled, else falls back to another (TOTP, codes by e-mail, keys), else is cleared;
/// with no factor left the recovery codes go too.
pub fn settle_factors(conn: &Connection, person: UserId) -> rusqlite::Result<()> {
    // Every expression of an UPDATE sees the row as it was, so each branch asks
    // `fido_credentials` rather than the `fido_enabled` being rewritten.
    conn.execute(
        "UPDATE users SET
             fido_enabled = (SELECT count(*) > 0 FROM fido_credentials WHERE person_id = :id),
             preferred_two_factor_authentication = CASE
                 WHEN preferred_two_factor_authentication = 'totp' AND totp_enabled THEN 'totp'
                 WHEN preferred_two_factor_authentication = 'email_otp' AND email_otp_enabled
                      THEN 'email_otp'
                 WHEN preferred_two_factor_authentication = 'fido'
                      AND EXISTS (SELECT 1 FROM fido_credentials WHERE person_id = :id)
                      THEN 'fido'
                 WHEN totp_enabled THEN 'totp'
                 WHEN email_otp_enabled THEN 'email_otp'
                 WHEN EXISTS (SELECT 1 FROM fido_credentials WHERE person_id = :id) THEN 'fido'
                 END,
             otp_recovery_codes = CASE
                 WHEN totp_enabled OR email_otp_enabled
                      OR EXISTS (SELECT 1 FROM fido_credentials WHERE person_id = :id)
                      THEN otp_recovery_codes
                 END,
             updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE id = :id",
        named_params! { ":id": person },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::db::users;
    use drover_shared::Role;

    #[test]
    fn keys_drive_the_persons_factor_flags() {
        let conn = crate::db::test_conn();
        let ann = users::insert(&conn, "ann@studio.com", "h", Role::Artist)
            .unwrap()
            .id;
        users::set_recovery_hashes(&conn, ann, &["x".into()]).unwrap();
        insert(&conn, ann, "yubikey", "Y1", r#"{"k":1}"#).unwrap();
        assert!(name_taken(&conn, ann, "yubikey").unwrap());
        assert!(credential_taken(&conn, "Y1").unwrap());
        assert!(
            insert(&conn, ann, "yubikey", "Y2", "{}").is_err(),
            "names are unique"
        );
        let factors = users::two_factor(&conn, ann).unwrap();
        assert!(factors.fido_enabled);
        assert_eq!(factors.preferred.as_deref(), Some("fido"));

        update(&conn, ann, "Y1", r#"{"k":2}"#).unwrap();
        assert_eq!(list(&conn, ann).unwrap()[0].credential, r#"{"k":2}"#);

        // TOTP on keeps FIDO preferred; the last key gone hands over to TOTP.
        users::set_totp(&conn, ann, Some("SECRET"), true).unwrap();
        settle_factors(&conn, ann).unwrap();
        assert_eq!(
            users::two_factor(&conn, ann).unwrap().preferred.as_deref(),
            Some("fido")
        );
        assert!(!delete(&conn, ann, "no such key").unwrap());
        assert!(delete(&conn, ann, "yubikey").unwrap());
        let factors = users::two_factor(&conn, ann).unwrap();
        assert!(!factors.fido_enabled);
        assert_eq!(factors.preferred.as_deref(), Some("totp"));
        assert_eq!(factors.recovery_hashes, vec!["x".to_owned()]);

        // No factor left: no preference, no recovery codes.
        users::set_totp(&conn, ann, None, false).unwrap();
        settle_factors(&conn, ann).unwrap();
        let factors = users::two_factor(&conn, ann).unwrap();
        assert_eq!(factors.preferred, None);
        assert!(factors.recovery_hashes.is_empty());
    }
}
