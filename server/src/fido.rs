//! FIDO2 / WebAuthn security keys, Kitsu's third second factor, on webauthn-rs (pure Rust on
//! RustCrypto: no OpenSSL).
//!
//! **Relying party.** The server's public URL (`drover-server serve --public-url`, default
//! [`DEFAULT_PUBLIC_URL`]) names it: the URL's host is the RP id every key is bound to, and its
//! origin is the one a browser must report, on any port (Kitsu and the app may run on any
//! port of that host). WebAuthn needs a domain name, so an IP address cannot be the RP id;
//! changing the host later orphans every registered key.
//!
//! **Keys.** They are registered as webauthn-rs *security keys*: a second factor after the
//! password with user verification preferred, not required, as Kitsu asks for them (a USB key
//! without a PIN works). Each is stored as webauthn-rs serialises it ([`crate::db::fido`]).
//!
//! **Ceremony state** stays on the server, in memory, for [`CEREMONY_TTL`]: Kitsu keeps it in
//! Flask's session cookie, but gazu and Drover's clients keep no cookies, and state held by a
//! client could be replayed. A registration is kept per person, one at a time (`PUT
//! /auth/fido` again replaces it; `POST` consumes it). Login challenges (`GET /auth/fido`) are
//! kept per person, the latest [`PENDING_LOGINS`] of them; the signed answer is checked
//! against each, and the one it answers is consumed, so a replayed answer fails.

use crate::db::fido::StoredKey;
use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use drover_shared::UserId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use webauthn_rs::prelude::{
    PublicKeyCredential, RegisterPublicKeyCredential, SecurityKey, SecurityKeyAuthentication,
    SecurityKeyRegistration, Url, Webauthn, WebauthnBuilder,
};

/// The public URL when none is configured: keys work from any port of `localhost`.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost";
/// How long a registration or a login challenge waits for its answer (WebAuthn's
/// recommended authenticator timeout).
pub const CEREMONY_TTL: Duration = Duration::from_secs(300);
/// Login challenges kept per person; a newer one pushes out the oldest.
pub const PENDING_LOGINS: usize = 8;
/// The relying party's name, which authenticators may show.
const RP_NAME: &str = "Drover";

/// Why the public URL cannot name a relying party.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not a URL at all.
    #[error("the public URL {url:?} is not a valid URL: {reason}")]
    NotAUrl {
        /// What was given.
        url: String,
        /// Why it did not parse.
        reason: String,
    },
    /// No host name (an IP address, or none).
    #[error(
        "the public URL {0:?} has no host name; FIDO keys need one (e.g. https://kitsu.studio.com)"
    )]
    NoDomain(String),
}

/// Why a registration answer was refused.
#[derive(Debug)]
pub enum RegisterError {
    /// No `PUT /auth/fido` before (or it expired, or was used).
    NotStarted,
    /// The authenticator's answer does not verify against the registration.
    Rejected,
    /// The new key could not be serialised.
    Internal(ApiError),
}

/// A key as it is to be stored: its id (base64url) and its serialised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The credential id, base64url without padding.
    pub credential_id: String,
    /// The key as JSON.
    pub credential: String,
}

struct Pending<T> {
    state: T,
    expires: Instant,
}

impl<T> Pending<T> {
    fn new(state: T) -> Self {
        Self {
            state,
            expires: Instant::now() + CEREMONY_TTL,
        }
    }

    fn is_live(&self, now: Instant) -> bool {
        self.expires > now
    }
}

/// The relying party and its ceremonies in progress; one per server, in [`crate::state::AppState`].
pub struct Fido {
    webauthn: Webauthn,
    registrations: Mutex<HashMap<UserId, Pending<SecurityKeyRegistration>>>,
    logins: Mutex<HashMap<UserId, Vec<Pending<SecurityKeyAuthentication>>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent whatever panicked while holding them: every change is one
    // insert or remove.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn parse_keys(keys: &[StoredKey]) -> ApiResult<Vec<SecurityKey>> {
    keys.iter()
        .map(|k| {
            serde_json::from_str(&k.credential).map_err(|e| {
                ApiError::Internal(format!("stored FIDO key {:?}: {e}", k.device_name))
            })
        })
        .collect()
}

fn record(key: &SecurityKey) -> ApiResult<KeyRecord> {
    Ok(KeyRecord {
        credential_id: URL_SAFE_NO_PAD.encode(key.cred_id()),
        credential: serde_json::to_string(key)
            .map_err(|e| ApiError::Internal(format!("serialising a FIDO key: {e}")))?,
    })
}

impl Fido {
    /// The relying party of `public_url` (see the module docs).
    pub fn new(public_url: &str) -> Result<Self, ConfigError> {
        let url = Url::parse(public_url).map_err(|e| ConfigError::NotAUrl {
            url: public_url.to_owned(),
            reason: e.to_string(),
        })?;
        let domain = url
            .domain()
            .ok_or_else(|| ConfigError::NoDomain(public_url.to_owned()))?
            .to_owned();
        let webauthn = WebauthnBuilder::new(&domain, &url)
            .and_then(|b| {
                b.rp_name(RP_NAME)
                    .allow_any_port(true)
                    .timeout(CEREMONY_TTL)
                    .build()
            })
            .map_err(|_| ConfigError::NoDomain(public_url.to_owned()))?;
        Ok(Self {
            webauthn,
            registrations: Mutex::default(),
            logins: Mutex::default(),
        })
    }

    /// Starts registering a key for `person`: the WebAuthn creation options (Zou's shape:
    /// the `publicKey` member's content) for `navigator.credentials.create`. `keys` are the
    /// person's keys, which the authenticator is asked not to register twice.
    pub fn start_registration(
        &self,
        person: UserId,
        email: &str,
        keys: &[StoredKey],
    ) -> ApiResult<Value> {
        let exclude = parse_keys(keys)?
            .iter()
            .map(|k| k.cred_id().clone())
            .collect::<Vec<_>>();
        let (options, state) = self
            .webauthn
            .start_securitykey_registration(
                person.0,
                email,
                email,
                Some(exclude).filter(|e| !e.is_empty()),
                None,
                None,
            )
            .map_err(|e| ApiError::Internal(format!("starting a FIDO registration: {e}")))?;
        let now = Instant::now();
        let mut pending = lock(&self.registrations);
        pending.retain(|_, p| p.is_live(now));
        pending.insert(person, Pending::new(state));
        serde_json::to_value(options.public_key)
            .map_err(|e| ApiError::Internal(format!("serialising FIDO options: {e}")))
    }

    /// Finishes `person`'s registration with the authenticator's answer (the JSON of a
    /// `PublicKeyCredential` from `navigator.credentials.create`). The registration is used
    /// up either way.
    pub fn finish_registration(
        &self,
        person: UserId,
        response: &Value,
    ) -> Result<KeyRecord, RegisterError> {
        let pending = lock(&self.registrations).remove(&person);
        let Some(pending) = pending.filter(|p| p.is_live(Instant::now())) else {
            return Err(RegisterError::NotStarted);
        };
        let answer: RegisterPublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|e| {
                tracing::info!(%person, error = %e, "FIDO registration answer is not WebAuthn JSON");
                RegisterError::Rejected
            })?;
        let key = self
            .webauthn
            .finish_securitykey_registration(&answer, &pending.state)
            .map_err(|e| {
                tracing::info!(%person, error = %e, "FIDO registration refused");
                RegisterError::Rejected
            })?;
        record(&key).map_err(RegisterError::Internal)
    }

    /// A login challenge for `person`'s keys: the WebAuthn request options (the `publicKey`
    /// member's content) for `navigator.credentials.get`.
    pub fn start_login(&self, person: UserId, keys: &[StoredKey]) -> ApiResult<Value> {
        if keys.is_empty() {
            return Err(ApiError::BadRequest("FIDO not enabled.".into()));
        }
        let keys = parse_keys(keys)?;
        let (options, state) = self
            .webauthn
            .start_securitykey_authentication(&keys)
            .map_err(|e| ApiError::Internal(format!("starting a FIDO login: {e}")))?;
        let now = Instant::now();
        let mut logins = lock(&self.logins);
        logins.retain(|_, waiting| {
            waiting.retain(|p| p.is_live(now));
            !waiting.is_empty()
        });
        let waiting = logins.entry(person).or_default();
        if waiting.len() >= PENDING_LOGINS {
            waiting.remove(0);
        }
        waiting.push(Pending::new(state));
        serde_json::to_value(options.public_key)
            .map_err(|e| ApiError::Internal(format!("serialising FIDO options: {e}")))
    }

    /// Checks a signed login answer (the JSON of a `PublicKeyCredential` from
    /// `navigator.credentials.get`) against `person`'s pending challenges. On success the
    /// challenge is consumed and the key that signed comes back with its counter moved on, to
    /// store; `Ok(None)` means the answer is wrong, stale or replayed.
    pub fn finish_login(
        &self,
        person: UserId,
        response: &Value,
        keys: &[StoredKey],
    ) -> ApiResult<Option<KeyRecord>> {
        let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(response.clone()) else {
            return Ok(None);
        };
        let now = Instant::now();
        let result = {
            let mut logins = lock(&self.logins);
            let Some(waiting) = logins.get_mut(&person) else {
                return Ok(None);
            };
            waiting.retain(|p| p.is_live(now));
            let found = waiting.iter().enumerate().find_map(|(i, p)| {
                self.webauthn
                    .finish_securitykey_authentication(&answer, &p.state)
                    .ok()
                    .map(|result| (i, result))
            });
            let Some((i, result)) = found else {
                return Ok(None);
            };
            waiting.remove(i);
            result
        };
        let mut keys = parse_keys(keys)?;
        let Some(key) = keys.iter_mut().find(|k| k.cred_id() == result.cred_id()) else {
            // Deleted between the challenge and the answer.
            return Ok(None);
        };
        key.update_credential(&result);
        record(key).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_names_the_relying_party() {
        assert!(Fido::new(DEFAULT_PUBLIC_URL).is_ok());
        assert!(Fido::new("https://kitsu.studio.com:8443/").is_ok());
        assert!(matches!(
            Fido::new("http://127.0.0.1:7878"),
            Err(ConfigError::NoDomain(_))
        ));
        assert!(matches!(
            Fido::new("not a url"),
            Err(ConfigError::NotAUrl { .. })
        ));
    }

    #[test]
    fn answers_need_a_ceremony_in_progress() {
        let fido = Fido::new(DEFAULT_PUBLIC_URL).unwrap();
        let ann = UserId(uuid::Uuid::new_v4());
        let options = fido.start_registration(ann, "ann@studio.com", &[]).unwrap();
        assert_eq!(options["rp"]["id"], "localhost");
        assert_eq!(options["user"]["name"], "ann@studio.com");
        assert!(options["challenge"].is_string());
        // A malformed answer uses the registration up.
        assert!(matches!(
            fido.finish_registration(ann, &serde_json::json!({"id": "x"})),
            Err(RegisterError::Rejected)
        ));
        assert!(matches!(
            fido.finish_registration(ann, &serde_json::json!({})),
            Err(RegisterError::NotStarted)
        ));
        // A login answer without a challenge, or that is not one, is simply wrong.
        assert_eq!(
            fido.finish_login(ann, &serde_json::json!({}), &[]).unwrap(),
            None
        );
        // A person without keys gets no challenge.
        assert!(matches!(
            fido.start_login(ann, &[]),
            Err(ApiError::BadRequest(_))
        ));
    }
}
