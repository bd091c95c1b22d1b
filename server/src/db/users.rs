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
        "INSERT INTO users (id, email, password_hash, role, created)
         VALUES (:id, :email, :hash, :role, :created)",
        named_params! {
            ":id": id, ":email": email, ":hash": password_hash, ":role": role,
            ":created": super::now_ms(),
        },
    )?;
    get(conn, id).map(|u| u.expect("the user was just inserted"))
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
}
