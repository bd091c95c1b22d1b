//! Second factors at login: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, one step of clock skew,
//! as authenticator apps and Kitsu use it), FIDO security keys (verified by [`crate::fido`])
//! and one-use recovery codes.
//!
//! A person enables TOTP in two steps, as in Kitsu: `PUT /auth/totp` stores a new secret and
//! returns its `otpauth://` URL and QR code; `POST /auth/totp` with a valid code turns it on
//! and hands out recovery codes, which are stored hashed and consumed when used.

use crate::db::users::TwoFactor;
use crate::error::{ApiError, ApiResult};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use totp_rs::{Builder, Secret, Totp};

/// The issuer authenticator apps show next to the account.
pub const ISSUER: &str = "Drover";
/// How many recovery codes a person gets.
pub const RECOVERY_CODES: usize = 16;
/// Characters of a recovery code (Kitsu's: 10 of A–Z and 0–9).
const RECOVERY_LEN: usize = 10;

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

/// True when `code` is the current one-time code (or the one just before or after).
pub fn code_is_valid(secret: &str, account: &str, code: &str) -> ApiResult<bool> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp(secret, account)?.check_current(&code).is_some())
}

/// The current code, for tests and tools that play the authenticator.
pub fn current_code(secret: &str, account: &str) -> ApiResult<String> {
    Ok(totp(secret, account)?.generate_current().to_string())
}

/// New recovery codes, and the hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            (0..RECOVERY_LEN)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        })
        .collect();
    let hashes = codes.iter().map(|c| hash_recovery(c)).collect();
    (codes, hashes)
}

/// How a recovery code is stored: SHA-256 of its upper-case form, hex. The codes are random
/// (about 52 bits), so a fast hash is enough.
pub fn hash_recovery(code: &str) -> String {
    let normal = code.trim().to_ascii_uppercase();
    Sha256::digest(normal.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The outcome of checking the second factor a login or a change offers.
#[derive(Debug, PartialEq, Eq)]
pub enum Proof {
    /// The account has no second factor, or the offered one is right. A recovery code that
    /// was used is named by its hash, to be removed.
    Accepted {
        /// The hash of the recovery code used, if one was.
        used_recovery: Option<String>,
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
    if factors.fido_enabled {
        names.push("fido");
    }
    names
}

/// Checks the second factor offered against a person's, as Kitsu does: the first one
/// offered among those enabled, in the order TOTP, FIDO, recovery code. `verify_fido` checks
/// a security key's answer (true when it is right).
pub fn check(
    factors: &TwoFactor,
    account: &str,
    offered: &Offered<'_>,
    verify_fido: impl FnOnce(&serde_json::Value) -> ApiResult<bool>,
) -> ApiResult<Proof> {
    let totp_secret = factors
        .totp_secret
        .as_deref()
        .filter(|_| factors.totp_enabled);
    if totp_secret.is_none() && !factors.fido_enabled {
        return Ok(Proof::Accepted {
            used_recovery: None,
        });
    }
    let verdict = |right: bool| {
        if right {
            Proof::Accepted {
                used_recovery: None,
            }
        } else {
            Proof::Wrong
        }
    };
    if let (Some(secret), Some(code)) = (totp_secret, offered.totp.filter(|c| !c.trim().is_empty()))
    {
        return Ok(verdict(code_is_valid(secret, account, code)?));
    }
    let fido = offered
        .fido
        .filter(|v| !v.is_null() && v.as_object().is_none_or(|o| !o.is_empty()));
    if let (true, Some(answer)) = (factors.fido_enabled, fido) {
        return Ok(verdict(verify_fido(answer)?));
    }
    if let Some(code) = offered.recovery_code.filter(|c| !c.trim().is_empty()) {
        let hash = hash_recovery(code);
        return Ok(if factors.recovery_hashes.contains(&hash) {
            Proof::Accepted {
                used_recovery: Some(hash),
            }
        } else {
            Proof::Wrong
        });
    }
    Ok(Proof::Missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn totp(code: &str) -> Offered<'_> {
        Offered {
            totp: Some(code),
            ..Offered::default()
        }
    }

    fn no_fido(_: &serde_json::Value) -> ApiResult<bool> {
        panic!("FIDO is not enabled here")
    }

    #[test]
    fn codes_and_recovery_codes_are_checked() {
        let secret = new_secret();
        let factors = TwoFactor {
            active: true,
            totp_enabled: true,
            totp_secret: Some(secret.clone()),
            recovery_hashes: vec![hash_recovery("ABCDE12345")],
            ..TwoFactor::default()
        };
        let code = current_code(&secret, "ann@studio.com").unwrap();
        assert_eq!(
            check(&factors, "ann@studio.com", &totp(&code), no_fido).unwrap(),
            Proof::Accepted {
                used_recovery: None
            }
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            check(&factors, "ann@studio.com", &totp(wrong), no_fido).unwrap(),
            Proof::Wrong
        );
        assert_eq!(
            check(&factors, "ann@studio.com", &Offered::default(), no_fido).unwrap(),
            Proof::Missing
        );
        let recovery = Offered {
            recovery_code: Some("abcde12345"),
            ..Offered::default()
        };
        assert_eq!(
            check(&factors, "ann@studio.com", &recovery, no_fido).unwrap(),
            Proof::Accepted {
                used_recovery: Some(hash_recovery("ABCDE12345"))
            }
        );
        let (url, qr) = provisioning(&secret, "ann@studio.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Drover:ann%40studio.com?"),
            "{url}"
        );
        assert!(!qr.is_empty());
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(hashes[0], hash_recovery(&codes[0]));
        assert_eq!(enabled_names(&factors), ["recovery_code", "totp"]);
    }

    #[test]
    fn the_first_enabled_factor_offered_is_the_one_checked() {
        let factors = TwoFactor {
            active: true,
            fido_enabled: true,
            recovery_hashes: vec![hash_recovery("ABCDE12345")],
            ..TwoFactor::default()
        };
        assert_eq!(enabled_names(&factors), ["recovery_code", "fido"]);
        let answer = json!({"id": "key"});
        // TOTP is not enabled, so a code is passed over for the key's answer.
        let both = Offered {
            totp: Some("123456"),
            fido: Some(&answer),
            recovery_code: Some("ABCDE12345"),
        };
        assert_eq!(
            check(&factors, "ann", &both, |a| Ok(a["id"] == "key")).unwrap(),
            Proof::Accepted {
                used_recovery: None
            }
        );
        assert_eq!(
            check(&factors, "ann", &both, |_| Ok(false)).unwrap(),
            Proof::Wrong
        );
        // An empty answer is no answer: the recovery code is next.
        let empty = json!({});
        let recovery = Offered {
            fido: Some(&empty),
            recovery_code: Some("ABCDE12345"),
            ..Offered::default()
        };
        assert!(matches!(
            check(&factors, "ann", &recovery, no_fido).unwrap(),
            Proof::Accepted {
                used_recovery: Some(_)
            }
        ));
        assert_eq!(
            check(&factors, "ann", &totp("123456"), no_fido).unwrap(),
            Proof::Missing
        );
    }

    #[test]
    fn no_factor_means_no_code() {
        let factors = TwoFactor::default();
        assert_eq!(
            check(&factors, "x", &Offered::default(), no_fido).unwrap(),
            Proof::Accepted {
                used_recovery: None
            }
        );
    }
}
