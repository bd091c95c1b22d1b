//! Login sessions: a pair of tokens per login, stored as SHA-256 hashes. A refresh hands out
//! a new refresh token and retires the old one (`session_retired_refresh`, 0010), so a
//! retired one presented again shows the session's tokens were copied: it ends the session.

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

/// The session whose refresh token hashes to `hash` (for the tests; a refresh goes through
/// [`refresh`]).
#[cfg(test)]
pub fn find_by_refresh(conn: &Connection, hash: &[u8]) -> rusqlite::Result<Option<SessionUser>> {
    find(conn, "refresh_hash", hash)
}

/// Retired refresh tokens remembered per session; an older one presented again is merely
/// not valid rather than ending the session.
pub const RETIRED_KEPT: i64 = 32;

/// What a refresh did.
#[derive(Debug, PartialEq, Eq)]
pub enum Refreshed {
    /// The session got the new tokens; the old access token's hash, for the cache.
    Rotated {
        /// The session.
        session_id: i64,
        /// The person.
        user_id: UserId,
        /// The access token it had.
        old_access: Vec<u8>,
    },
    /// The token was one the session had already used: the session is gone.
    Reused {
        /// The ended session.
        session_id: i64,
        /// Its person.
        user_id: UserId,
        /// Its last access token's hash, for the cache.
        access: Vec<u8>,
    },
    /// No session has (or had) this refresh token, or it expired.
    Unknown,
}

/// Trades a refresh token for new tokens: with the session's current refresh token, the
/// session's access and refresh tokens are replaced (the refresh token keeps its expiry:
/// sessions last at most [`crate::auth::REFRESH_TTL_MS`] from login) and the old refresh token
/// is retired; with a retired one, the whole session is deleted.
pub fn refresh(
    conn: &Connection,
    refresh_hash: &[u8],
    new_access: &[u8],
    new_refresh: &[u8],
    access_expires_ms: i64,
    now_ms: i64,
) -> rusqlite::Result<Refreshed> {
    let current: Option<(i64, UserId, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT s.id, s.user_id, s.access_hash FROM sessions s
             JOIN users u ON u.id = s.user_id
             WHERE s.refresh_hash = :hash AND s.refresh_expires > :now AND u.active",
        )?
        .query_row(
            named_params! { ":hash": refresh_hash, ":now": now_ms },
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((session_id, user_id, old_access)) = current {
        conn.execute(
            "INSERT INTO session_retired_refresh (hash, session_id, retired)
             VALUES (:hash, :id, :now)",
            named_params! { ":hash": refresh_hash, ":id": session_id, ":now": now_ms },
        )?;
        conn.execute(
            "DELETE FROM session_retired_refresh WHERE session_id = :id AND hash NOT IN (
                 SELECT hash FROM session_retired_refresh WHERE session_id = :id
                 ORDER BY retired DESC, rowid DESC LIMIT :kept)",
            named_params! { ":id": session_id, ":kept": RETIRED_KEPT },
        )?;
        conn.execute(
            "UPDATE sessions SET access_hash = :access, access_expires = :exp,
                 refresh_hash = :refresh
             WHERE id = :id",
            named_params! {
                ":access": new_access, ":exp": access_expires_ms, ":refresh": new_refresh,
                ":id": session_id,
            },
        )?;
        return Ok(Refreshed::Rotated {
            session_id,
            user_id,
            old_access,
        });
    }
    let reused: Option<(i64, UserId, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT s.id, s.user_id, s.access_hash FROM session_retired_refresh r
             JOIN sessions s ON s.id = r.session_id WHERE r.hash = :hash",
        )?
        .query_row(named_params! { ":hash": refresh_hash }, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match reused {
        Some((session_id, user_id, access)) => {
            delete(conn, session_id)?;
            Ok(Refreshed::Reused {
                session_id,
                user_id,
                access,
            })
        }
        None => Ok(Refreshed::Unknown),
    }
}

/// True when a session has (or had, and retired) this refresh token: only then is a refresh
/// worth a write.
pub fn refresh_known(conn: &Connection, refresh_hash: &[u8]) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM sessions WHERE refresh_hash = :hash
         UNION ALL SELECT 1 FROM session_retired_refresh WHERE hash = :hash",
    )?
    .exists(named_params! { ":hash": refresh_hash })
}

/// Who holds a session now: its person, if the session exists and the person is active.
pub fn holder(conn: &Connection, session_id: i64) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(
        "SELECT u.id, u.email, u.role, u.created FROM sessions s
         JOIN users u ON u.id = s.user_id WHERE s.id = :id AND u.active",
    )?
    .query_row(named_params! { ":id": session_id }, |row| {
        Ok(User {
            id: row.get("id")?,
            email: row.get("email")?,
            role: row.get("role")?,
            created: super::time_from_ms(row.get("created")?),
        })
    })
    .optional()
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

/// An ended session: its id and its access token's hash, for the caches and event streams.
pub type Ended = (i64, Vec<u8>);

/// Deletes a user's sessions but `keep` (every one with `None`).
pub fn delete_others(
    conn: &Connection,
    user_id: UserId,
    keep: Option<i64>,
) -> rusqlite::Result<Vec<Ended>> {
    conn.prepare_cached(
        "DELETE FROM sessions WHERE user_id = :user AND id IS NOT :keep
         RETURNING id, access_hash",
    )?
    .query_map(named_params! { ":user": user_id, ":keep": keep }, |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// Deletes every session of the person with this id (as the production rows write it).
pub fn delete_person(conn: &Connection, person_id: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = lower(:id)",
        named_params! { ":id": person_id },
    )
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
        let user = crate::auth::db::users::insert(&conn, "a@b.c", "h", Role::Artist).unwrap();
        let id = insert(&conn, &user, b"acc", b"ref", 10, 20).unwrap();
        let found = find_by_access(&conn, b"acc").unwrap().unwrap();
        assert_eq!((found.session_id, found.expires_ms), (id, 10));
        assert_eq!(
            find_by_refresh(&conn, b"ref").unwrap().unwrap().expires_ms,
            20
        );
        assert_eq!(holder(&conn, id).unwrap().unwrap().id, user.id);
        assert!(refresh_known(&conn, b"ref").unwrap());
        assert!(!refresh_known(&conn, b"acc").unwrap());
        assert_eq!(
            refresh(&conn, b"ref", b"acc2", b"ref2", 30, 5).unwrap(),
            Refreshed::Rotated {
                session_id: id,
                user_id: user.id,
                old_access: b"acc".to_vec()
            }
        );
        assert!(find_by_access(&conn, b"acc").unwrap().is_none());
        assert!(find_by_refresh(&conn, b"ref").unwrap().is_none());
        assert_eq!(
            find_by_refresh(&conn, b"ref2").unwrap().unwrap().expires_ms,
            20
        );
        assert!(
            refresh_known(&conn, b"ref").unwrap(),
            "retired, still known"
        );
        assert_eq!(
            refresh(&conn, b"nothing", b"a", b"r", 30, 5).unwrap(),
            Refreshed::Unknown
        );
        // The retired token again: the session ends, with every token of it.
        assert_eq!(
            refresh(&conn, b"ref", b"acc3", b"ref3", 30, 6).unwrap(),
            Refreshed::Reused {
                session_id: id,
                user_id: user.id,
                access: b"acc2".to_vec()
            }
        );
        assert!(find_by_access(&conn, b"acc2").unwrap().is_none());
        assert!(find_by_refresh(&conn, b"ref2").unwrap().is_none());
        assert!(holder(&conn, id).unwrap().is_none());
        assert_eq!(
            refresh(&conn, b"ref", b"a", b"r", 30, 7).unwrap(),
            Refreshed::Unknown
        );
    }

    #[test]
    fn an_expired_refresh_token_refreshes_nothing() {
        let conn = crate::db::test_conn();
        let user = crate::auth::db::users::insert(&conn, "a@b.c", "h", Role::Artist).unwrap();
        insert(&conn, &user, b"acc", b"ref", 10, 20).unwrap();
        assert_eq!(
            refresh(&conn, b"ref", b"a", b"r", 30, 20).unwrap(),
            Refreshed::Unknown
        );
    }

    #[test]
    fn retired_tokens_are_kept_up_to_the_limit() {
        let conn = crate::db::test_conn();
        let user = crate::auth::db::users::insert(&conn, "a@b.c", "h", Role::Artist).unwrap();
        insert(&conn, &user, b"acc", b"r0", 10, i64::MAX).unwrap();
        for i in 0..=RETIRED_KEPT {
            let (old, new) = (format!("r{i}"), format!("r{}", i + 1));
            let done =
                refresh(&conn, old.as_bytes(), new.as_bytes(), new.as_bytes(), 1, i).unwrap();
            assert!(matches!(done, Refreshed::Rotated { .. }));
        }
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM session_retired_refresh", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, RETIRED_KEPT);
        // The oldest fell out: merely unknown. The newest retired one ends the session.
        assert_eq!(
            refresh(&conn, b"r0", b"x", b"y", 1, 100).unwrap(),
            Refreshed::Unknown
        );
        assert!(matches!(
            refresh(&conn, b"r1", b"x", b"y", 1, 100).unwrap(),
            Refreshed::Reused { .. }
        ));
    }

    #[test]
    fn a_persons_sessions_end_but_the_one_kept() {
        let conn = crate::db::test_conn();
        let user = crate::auth::db::users::insert(&conn, "a@b.c", "h", Role::Artist).unwrap();
        let a = insert(&conn, &user, b"a", b"ra", 10, 20).unwrap();
        let b = insert(&conn, &user, b"b", b"rb", 10, 20).unwrap();
        let c = insert(&conn, &user, b"c", b"rc", 10, 20).unwrap();
        assert_eq!(
            delete_others(&conn, user.id, Some(a)).unwrap(),
            vec![(b, b"b".to_vec()), (c, b"c".to_vec())]
        );
        assert_eq!(
            delete_others(&conn, user.id, None).unwrap(),
            vec![(a, b"a".to_vec())]
        );
    }
}
