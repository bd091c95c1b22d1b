//! Login sessions: a pair of tokens per login, stored as SHA-256 hashes.

use drover_shared::UserId;
use drover_shared::api::User;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A session found by one of its token hashes, with its user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// Row id.
    pub session_id: i64,
    /// The session's user.
    pub user: User,
    /// When the token that found it expires (Unix ms).
    pub expires_ms: i64,
}

/// Stores a new session.
pub fn insert(
    conn: &Connection,
    user: &User,
    access_hash: &[u8],
    refresh_hash: &[u8],
    access_expires_ms: i64,
    refresh_expires_ms: i64,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO sessions (user_id, access_hash, refresh_hash, access_expires,
                               refresh_expires, created)
         VALUES (:user, :access, :refresh, :access_exp, :refresh_exp, :now)",
        named_params! {
            ":user": user.id, ":access": access_hash, ":refresh": refresh_hash,
            ":access_exp": access_expires_ms, ":refresh_exp": refresh_expires_ms,
            ":now": super::now_ms(),
        },
    )?;
    Ok(conn.last_insert_rowid())
}

fn find(conn: &Connection, column: &str, hash: &[u8]) -> rusqlite::Result<Option<SessionUser>> {
    let expires = if column == "access_hash" {
        "access_expires"
    } else {
        "refresh_expires"
    };
    let sql = format!(
        "SELECT s.id AS session_id, s.{expires} AS expires, u.id, u.email, u.role, u.created
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.{column} = :hash AND u.active"
    );
    conn.prepare_cached(&sql)?
        .query_row(named_params! { ":hash": hash }, |row| {
            Ok(SessionUser {
                session_id: row.get("session_id")?,
                expires_ms: row.get("expires")?,
                user: User {
                    id: row.get("id")?,
                    email: row.get("email")?,
                    role: row.get("role")?,
                    created: super::time_from_ms(row.get("created")?),
                },
            })
        })
        .optional()
}

/// The session whose access token hashes to `hash`.
pub fn find_by_access(conn: &Connection, hash: &[u8]) -> rusqlite::Result<Option<SessionUser>> {
    find(conn, "access_hash", hash)
}

/// The session whose refresh token hashes to `hash`.
pub fn find_by_refresh(conn: &Connection, hash: &[u8]) -> rusqlite::Result<Option<SessionUser>> {
    find(conn, "refresh_hash", hash)
}

/// Replaces a session's access token; returns the old hash so caches can drop it.
pub fn rotate_access(
    conn: &Connection,
    session_id: i64,
    access_hash: &[u8],
    access_expires_ms: i64,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let old: Option<Vec<u8>> = conn
        .query_row(
            "SELECT access_hash FROM sessions WHERE id = :id",
            named_params! { ":id": session_id },
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "UPDATE sessions SET access_hash = :hash, access_expires = :exp WHERE id = :id",
        named_params! { ":hash": access_hash, ":exp": access_expires_ms, ":id": session_id },
    )?;
    Ok(old)
}

/// Deletes a session; returns its access-token hash when it existed.
pub fn delete(conn: &Connection, session_id: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(
        "DELETE FROM sessions WHERE id = :id RETURNING access_hash",
        named_params! { ":id": session_id },
        |r| r.get(0),
    )
    .optional()
}

/// Deletes a user's sessions but `keep`; returns their access-token hashes.
pub fn delete_others(
    conn: &Connection,
    user_id: UserId,
    keep: i64,
) -> rusqlite::Result<Vec<Vec<u8>>> {
    conn.prepare(
        "DELETE FROM sessions WHERE user_id = :user AND id <> :keep RETURNING access_hash",
    )?
    .query_map(named_params! { ":user": user_id, ":keep": keep }, |r| {
        r.get(0)
    })?
    .collect()
}

/// Drops sessions whose refresh token expired.
pub fn delete_expired(conn: &Connection, now_ms: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE refresh_expires < :now",
        named_params! { ":now": now_ms },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::Role;

    #[test]
    fn tokens_find_rotate_and_delete() {
        let conn = crate::db::test_conn();
        let user = crate::db::users::insert(&conn, "a@b.c", "h", Role::Artist).unwrap();
        let id = insert(&conn, &user, b"acc", b"ref", 10, 20).unwrap();
        let found = find_by_access(&conn, b"acc").unwrap().unwrap();
        assert_eq!((found.session_id, found.expires_ms), (id, 10));
        assert_eq!(
            find_by_refresh(&conn, b"ref").unwrap().unwrap().expires_ms,
            20
        );
        assert_eq!(
            rotate_access(&conn, id, b"acc2", 30).unwrap().as_deref(),
            Some(&b"acc"[..])
        );
        assert!(find_by_access(&conn, b"acc").unwrap().is_none());
        assert_eq!(delete(&conn, id).unwrap().as_deref(), Some(&b"acc2"[..]));
        assert!(find_by_refresh(&conn, b"ref").unwrap().is_none());
    }
}
