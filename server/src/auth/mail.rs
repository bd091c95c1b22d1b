//! Account e-mails, as Kitsu sends them: a password reset link (`POST /auth/reset-password`),
//! an invitation to choose a first password (`GET /actions/persons/{id}/invite`), and a login
//! code by e-mail (`/auth/email-otp`).
//!
//! Each carries a secret kept only as a keyed hash ([`two_factor::hash_account_secret`]),
//! one per person and purpose, so a new link or code voids the last. The mail itself is a
//! row of the `account_mails` outbox, written in the same transaction as its secret and sent
//! by the notifier (`crate::farm::notify::send_account_mails`), which deletes it once sent.
//!
//! Links point at Kitsu's page for choosing a password, `/reset-change-password`, on the
//! server's `--public-url`: never at the `Host` a request named, which anyone can forge to
//! send a person a link to their own site.

use crate::auth::db::mail::{self as db, Mail, Purpose, Recipient};
use crate::auth::secret_key::SecretKey;
use crate::auth::two_factor;
use rand::Rng;
use rusqlite::Connection;

/// How long a reset link works (Zou's: two hours).
pub const RESET_TTL_MS: i64 = 2 * 3600 * 1000;
/// How long an invitation works (Zou's: a week).
pub const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a login code by e-mail works (Zou's: five minutes).
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;

/// Which password link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// The person forgot theirs.
    Reset,
    /// The person has none yet: the studio invites them.
    Invite,
}

impl LinkKind {
    fn ttl_ms(self) -> i64 {
        match self {
            Self::Reset => RESET_TTL_MS,
            Self::Invite => INVITE_TTL_MS,
        }
    }
}

/// A password link's token: 64 characters of A–Z and 0–9, as Zou makes them.
fn new_link_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..64)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The page a password link opens: Kitsu's `/reset-change-password`, with the address and
/// token (and `type=new` for an invitation).
pub fn password_link(public_url: &str, email: &str, token: &str, kind: LinkKind) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("email", email)
        .append_pair("token", token);
    if kind == LinkKind::Invite {
        query.append_pair("type", "new");
    }
    format!("{public_url}/reset-change-password?{}", query.finish())
}

fn greeting(person: &Recipient) -> String {
    if person.first_name.trim().is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {},", person.first_name.trim())
    }
}

fn studio(organisation: &str) -> &str {
    if organisation.trim().is_empty() {
        "Drover"
    } else {
        organisation.trim()
    }
}

/// Makes a new password link for `person` (voiding the last), keeps its hash, and returns
/// the link. With `send`, an e-mail carrying it is queued in the same write.
pub fn issue_password_link(
    conn: &Connection,
    key: &SecretKey,
    public_url: &str,
    person: &Recipient,
    kind: LinkKind,
    send: bool,
    now: i64,
) -> rusqlite::Result<String> {
    let token = new_link_token();
    let hash = two_factor::hash_account_secret(key, person.id, &token);
    let expires = now.saturating_add(kind.ttl_ms());
    db::set_token(conn, person.id, Purpose::Password, &hash, expires)?;
    let link = password_link(public_url, &person.email, &token, kind);
    if send {
        let organisation = db::organisation_name(conn)?;
        let studio = studio(&organisation);
        let (subject, body) = match kind {
            LinkKind::Reset => (
                format!("{studio}: choose a new password"),
                format!(
                    "{}\n\nSomeone (we hope you) asked to reset the password of your {studio} \
                     account, {}. Choose a new one here within two hours:\n\n{link}\n\n\
                     If it was not you, ignore this e-mail: your password stays as it is.\n\n\
                     -- {studio}\n",
                    greeting(person),
                    person.email,
                ),
            ),
            LinkKind::Invite => (
                format!("You are invited to {studio}"),
                format!(
                    "{}\n\n{studio} invites you to its production tracker and render farm. \
                     Your login is {}. Choose your password here within a week:\n\n{link}\n\n\
                     -- {studio}\n",
                    greeting(person),
                    person.email,
                ),
            ),
        };
        let mail = Mail {
            id: 0,
            person: person.id,
            address: person.email.clone(),
            subject,
            body,
            expires,
            attempts: 0,
        };
        db::queue(conn, &mail, Purpose::Password, now)?;
    }
    Ok(link)
}

/// Makes a new login code for `person` (voiding the last), keeps its hash, and queues the
/// e-mail that carries it, in one write.
pub fn send_login_code(
    conn: &Connection,
    key: &SecretKey,
    person: &Recipient,
    now: i64,
) -> rusqlite::Result<()> {
    let code = two_factor::new_email_code();
    let hash = two_factor::hash_account_secret(key, person.id, &code);
    let expires = now.saturating_add(CODE_TTL_MS);
    db::set_token(conn, person.id, Purpose::EmailOtp, &hash, expires)?;
    let organisation = db::organisation_name(conn)?;
    let studio = studio(&organisation);
    let mail = Mail {
        id: 0,
        person: person.id,
        address: person.email.clone(),
        subject: format!("{studio}: your login code {code}"),
        body: format!(
            "{}\n\nYour code to log in to {studio} is\n\n    {code}\n\nIt works once, within \
             five minutes. If you did not just try to log in, someone has your password: \
             change it.\n\n-- {studio}\n",
            greeting(person),
        ),
        expires,
        attempts: 0,
    };
    db::queue(conn, &mail, Purpose::EmailOtp, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_address_and_token_escaped() {
        let link = password_link(
            "https://kitsu.studio.example",
            "ann+render@studio.example",
            "ABC123",
            LinkKind::Invite,
        );
        assert_eq!(
            link,
            "https://kitsu.studio.example/reset-change-password?\
             email=ann%2Brender%40studio.example&token=ABC123&type=new"
        );
        let token = new_link_token();
        assert_eq!(token.len(), 64);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert_ne!(token, new_link_token());
    }
}
