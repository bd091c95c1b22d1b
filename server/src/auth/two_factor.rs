//! Second factors at login: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, one step of clock skew,
//! as authenticator apps and Kitsu use it), FIDO security keys (verified by [`crate::auth::fido`])
//! and one-use recovery codes.
//!
//! A person enables TOTP in two steps, as in Kitsu: `PUT /auth/totp` stores a new secret and
//! returns its `otpauth://` URL and QR code; `POST /auth/totp` with a valid code turns it on
//! and hands out recovery codes, which are stored hashed and consumed when used.
//!
//! **At rest** the TOTP secret is sealed with the server's key ([`seal_secret`]) and recovery
//! codes are stored as HMAC-SHA256 under it ([`hash_recovery`]): the database alone gives
//! neither. [`seal_stored`] converts what an older server stored in the clear at start.
//!
//! **Replays.** A code is accepted once: the step it belongs to is returned with the proof and
//! recorded per person ([`crate::auth::db::users::accept_totp_step`]); the same code, or one of an
//! earlier step, is then wrong. (The code that confirms a new secret is not recorded: it only
//! proves the authenticator was set up, and the person's next login may use it.)

use crate::auth::db;
use crate::auth::db::users::TwoFactor;
use crate::auth::secret_key::SecretKey;
use crate::error::{ApiError, ApiResult};
use drover_shared::UserId;
use rand::Rng;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// The issuer authenticator apps show next to the account.
pub const ISSUER: &str = "Drover";
/// How many recovery codes a person gets.
pub const RECOVERY_CODES: usize = 16;
/// Characters of a recovery code (Kitsu's: 10 of A–Z and 0–9).
const RECOVERY_LEN: usize = 10;
/// What a keyed recovery-code hash starts with; older ones were bare SHA-256 hex.
const KEYED_PREFIX: &str = "k1.";
/// Seconds per TOTP step.
const STEP_SECS: u64 = 30;

/// A fresh 160-bit secret, base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret: &str, account: &str) -> ApiResult<Totp> {
    let secret = Secret::try_from_base32(secret)
        .map_err(|e| ApiError::Internal(format!("stored TOTP secret is not base32: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| ApiError::Internal(format!("building TOTP: {e}")))
}

/// The `otpauth://` URL and the same as a base64 PNG QR code, for an authenticator app.
pub fn provisioning(secret: &str, account: &str) -> ApiResult<(String, String)> {
    let totp = totp(secret, account)?;
    let url = totp
        .to_url()
        .map_err(|e| ApiError::Internal(format!("TOTP URL: {e}")))?;
    let qr = totp
        .to_qr_base64()
        .map_err(|e| ApiError::Internal(format!("TOTP QR code: {e}")))?;
    Ok((url, qr))
}

/// The time step `code` belongs to, when it is the current one-time code (or the one just
/// before or after); `None` when it is wrong.
pub fn matched_step(secret: &str, account: &str, code: &str) -> ApiResult<Option<u64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp(secret, account)?.check_current(&code))
}

/// True when `code` is the current one-time code (or the one just before or after).
pub fn code_is_valid(secret: &str, account: &str, code: &str) -> ApiResult<bool> {
    Ok(matched_step(secret, account, code)?.is_some())
}

/// The current code, for tests and tools that play the authenticator.
pub fn current_code(secret: &str, account: &str) -> ApiResult<String> {
    Ok(totp(secret, account)?.generate_current().to_string())
}

/// The current TOTP time step.
pub fn current_step() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs() / STEP_SECS
}

/// The code of a given time step, for tests that play an authenticator across steps (a code
/// is accepted once, so a second proof within the same 30 s needs the next step's code).
pub fn code_for_step(secret: &str, account: &str, step: u64) -> ApiResult<String> {
    Ok(totp(secret, account)?
        .generate(step * STEP_SECS)
        .to_string())
}

/// New recovery codes, and the keyed hashes to store.
pub fn new_recovery_codes(key: &SecretKey) -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            (0..RECOVERY_LEN)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        })
        .collect();
    let hashes = codes.iter().map(|c| hash_recovery(key, c)).collect();
    (codes, hashes)
}

/// How a recovery code is stored: HMAC-SHA256, under the server's key, of the SHA-256 of its
/// upper-case form. The codes are random (about 52 bits), so a fast hash is enough, and with
/// the key kept apart the database alone gives nothing to test guesses against.
pub fn hash_recovery(key: &SecretKey, code: &str) -> String {
    let normal = code.trim().to_ascii_uppercase();
    keyed(key, &Sha256::digest(normal.as_bytes()))
}

fn keyed(key: &SecretKey, digest: &[u8]) -> String {
    format!("{KEYED_PREFIX}{}", key.mac_hex(digest))
}

/// A recovery-code hash stored by an older server (bare SHA-256 hex), keyed as
/// [`hash_recovery`] stores it now; `None` when it is keyed already.
fn rekey_legacy(key: &SecretKey, stored: &str) -> Option<String> {
    if stored.starts_with(KEYED_PREFIX) || stored.len() != 64 {
        return None;
    }
    let digest: Option<Vec<u8>> = (0..32)
        .map(|i| u8::from_str_radix(stored.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    digest.map(|d| keyed(key, &d))
}

/// Seals a TOTP secret for storage on the person's row.
pub fn seal_secret(key: &SecretKey, person: UserId, secret: &str) -> String {
    key.seal(secret, person.0.as_bytes())
}

/// Opens a stored TOTP secret; a secret from before sealing is taken as it is.
pub fn open_secret(key: &SecretKey, person: UserId, stored: &str) -> ApiResult<String> {
    if !SecretKey::is_sealed(stored) {
        return Ok(stored.to_owned());
    }
    key.open(stored, person.0.as_bytes()).ok_or_else(|| {
        ApiError::Internal(format!(
            "the TOTP secret of {person} does not open with the server's secret key"
        ))
    })
}

/// What [`seal_stored`] found and did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sealing {
    /// Plaintext TOTP secrets sealed now.
    pub sealed: usize,
    /// People whose recovery-code hashes were keyed now.
    pub rekeyed: usize,
    /// Sealed secrets that open with this key.
    pub opened: usize,
    /// Sealed secrets that do not: sealed with another key, or damaged.
    pub unopened: usize,
}

/// Seals the TOTP secrets and keys the recovery-code hashes an older server stored in the
/// clear, and counts the sealed secrets this key opens. A key that opens none of those sealed
/// (the wrong key) changes nothing: the caller refuses to start with it.
pub fn seal_stored(conn: &rusqlite::Connection, key: &SecretKey) -> rusqlite::Result<Sealing> {
    let people = db::users::stored_secrets(conn)?;
    let mut found = Sealing::default();
    for person in &people {
        if let Some(stored) = person
            .totp_secret
            .as_deref()
            .filter(|s| SecretKey::is_sealed(s))
        {
            if key.open(stored, person.id.0.as_bytes()).is_some() {
                found.opened += 1;
            } else {
                found.unopened += 1;
            }
        }
    }
    if found.unopened > 0 && found.opened == 0 {
        return Ok(found);
    }
    for person in people {
        if let Some(stored) = &person.totp_secret
            && !SecretKey::is_sealed(stored)
        {
            let sealed = seal_secret(key, person.id, stored);
            db::users::replace_totp_secret(conn, person.id, &sealed)?;
            found.sealed += 1;
        }
        if person
            .recovery_hashes
            .iter()
            .any(|h| rekey_legacy(key, h).is_some())
        {
            let rekeyed: Vec<String> = person
                .recovery_hashes
                .iter()
                .map(|h| rekey_legacy(key, h).unwrap_or_else(|| h.clone()))
                .collect();
            db::users::set_recovery_hashes(conn, person.id, &rekeyed)?;
            found.rekeyed += 1;
        }
    }
    Ok(found)
}

/// The outcome of checking the second factor a login or a change offers.
#[derive(Debug, PartialEq, Eq)]
pub enum Proof {
    /// The account has no second factor, or the offered one is right. A recovery code that
    /// was used is named by its hash, to be removed; a TOTP code by its time step, to be
    /// recorded (and refused next time).
    Accepted {
        /// The hash of the recovery code used, if one was.
        used_recovery: Option<String>,
        /// The time step of the TOTP code used, if one was.
        totp_step: Option<u64>,
        /// The hash of the e-mailed code used, if one was (to be used up).
        email_code: Option<String>,
    },
    /// A second factor is needed and none was offered.
    Missing,
    /// The code offered is wrong.
    Wrong,
}

/// The second factors a login or a change offers; empty ones count as not offered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offered<'a> {
    /// A one-time code.
    pub totp: Option<&'a str>,
    /// A code sent by e-mail.
    pub email_otp: Option<&'a str>,
    /// A security key's signed answer to a challenge of `GET /auth/fido`.
    pub fido: Option<&'a serde_json::Value>,
    /// A recovery code.
    pub recovery_code: Option<&'a str>,
}

/// The factor names Kitsu lists as enabled: always `recovery_code`, then each enabled
/// method in the order `totp`, `email_otp`, `fido`.
pub fn enabled_names(factors: &TwoFactor) -> Vec<&'static str> {
    let mut names = vec!["recovery_code"];
    if factors.totp_enabled {
        names.push("totp");
    }
    if factors.email_otp_enabled {
        names.push("email_otp");
    }
    if factors.fido_enabled {
        names.push("fido");
    }
    names
}

/// Whether a person has a second factor to prove at login.
pub fn has_factor(factors: &TwoFactor) -> bool {
    (factors.totp_enabled && factors.totp_secret.is_some())
        || factors.email_otp_enabled
        || factors.fido_enabled
}

/// How an account secret (an e-mailed login code, a password link's token) is kept:
/// HMAC-SHA256 under the server's key of the person and the secret, so the database alone
/// gives neither away, and a secret is good for its own person only.
pub fn hash_account_secret(key: &SecretKey, person: UserId, code: &str) -> String {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut input = person.0.as_bytes().to_vec();
    input.extend_from_slice(digits.as_bytes());
    keyed(key, &Sha256::digest(&input))
}

/// A fresh six-digit login code to send by e-mail.
pub fn new_email_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Checks the second factor offered against a person's, as Kitsu does: the first one
/// offered among those enabled, in the order TOTP, code by e-mail, FIDO, recovery code.
/// `factors` carries the opened TOTP secret; `verify_fido` checks a security key's answer
/// (true when it is right). Whether a TOTP code was used before, and whether an e-mailed code
/// is still there to use up, are for the caller to check with what is returned; `now` (ms)
/// is when the e-mailed code must not have expired yet.
pub fn check(
    factors: &TwoFactor,
    account: &str,
    key: &SecretKey,
    offered: &Offered<'_>,
    now: i64,
    verify_fido: impl FnOnce(&serde_json::Value) -> ApiResult<bool>,
) -> ApiResult<Proof> {
    let totp_secret = factors
        .totp_secret
        .as_deref()
        .filter(|_| factors.totp_enabled);
    if !has_factor(factors) {
        return Ok(Proof::Accepted {
            used_recovery: None,
            totp_step: None,
            email_code: None,
        });
    }
    if let (Some(secret), Some(code)) = (totp_secret, offered.totp.filter(|c| !c.trim().is_empty()))
    {
        return Ok(match matched_step(secret, account, code)? {
            Some(step) => Proof::Accepted {
                used_recovery: None,
                totp_step: Some(step),
                email_code: None,
            },
            None => Proof::Wrong,
        });
    }
    if let (true, Some(code)) = (
        factors.email_otp_enabled,
        offered.email_otp.filter(|c| !c.trim().is_empty()),
    ) {
        let Some(person) = factors.person else {
            return Ok(Proof::Wrong);
        };
        let hash = hash_account_secret(key, person, code);
        return Ok(match &factors.email_otp {
            Some((sent, expires)) if *sent == hash && *expires > now => Proof::Accepted {
                used_recovery: None,
                totp_step: None,
                email_code: Some(hash),
            },
            _ => Proof::Wrong,
        });
    }
    let fido = offered
        .fido
        .filter(|v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()));
    if let (true, Some(answer)) = (factors.fido_enabled, fido) {
        return Ok(if verify_fido(answer)? {
            Proof::Accepted {
                used_recovery: None,
                totp_step: None,
                email_code: None,
            }
        } else {
            Proof::Wrong
        });
    }
    if let Some(code) = offered.recovery_code.filter(|c| !c.trim().is_empty()) {
        let hash = hash_recovery(key, code);
        return Ok(if factors.recovery_hashes.contains(&hash) {
            Proof::Accepted {
                used_recovery: Some(hash),
                totp_step: None,
                email_code: None,
            }
        } else {
            Proof::Wrong
        });
    }
    Ok(Proof::Missing)
}

#[cfg(test)]
mod tests;
