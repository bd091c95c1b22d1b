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
//! without a PIN works). Each is stored as webauthn-rs serialises it (`crate::auth::db::fido`).
//!
//! **Ceremony state** stays on the server, in memory, for [`CEREMONY_TTL`]: Kitsu keeps it in
//! Flask's session cookie, but gazu and Drover's clients keep no cookies, and state held by a
//! client could be replayed. A registration is kept per person, one at a time (`PUT
//! /auth/fido` again replaces it; `POST` consumes it).
//!
//! **Login challenges** (`GET /auth/fido?email=`) are bound to the request that asked for
//! them: the person, the login as typed (trimmed, lower-cased) and the client's address. The
//! signed answer names its challenge (in its client data); it counts only for that challenge,
//! in a login of the same person by the same login from the same address (or, for a change of
//! factors, a request of that person from that address), and the challenge is consumed when
//! it succeeds, so a replayed or intercepted answer fails. A wrong answer leaves the challenge
//! for the real one. Each person and address keeps at most [`PENDING_LOGINS`] challenges, so
//! someone asking from elsewhere cannot push the owner's out; all together at most
//! [`MAX_PENDING_LOGINS`].

use crate::auth::db::fido::StoredKey;
use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use drover_shared::UserId;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
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
pub const CEREMONY_TTL: Duration = Duration::from_mins(5);
/// Login challenges kept per person and address; a newer one pushes out the oldest.
pub const PENDING_LOGINS: usize = 8;
/// Login challenges kept in all; past it, new ones are refused (429) until some expire.
pub const MAX_PENDING_LOGINS: usize = 10_000;
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
    /// A host name WebAuthn does not take.
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

/// The request a login challenge is for, or an answer comes in.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    /// The person.
    pub person: UserId,
    /// The login typed (email or desktop login); `None` when the request is a logged-in
    /// person's (a change of factors), which any of their challenges may answer.
    pub login: Option<&'a str>,
    /// The client's address ([`crate::auth::ClientAddr`]).
    pub addr: IpAddr,
}

struct LoginChallenge<T> {
    person: UserId,
    login: String,
    addr: IpAddr,
    pending: Pending<T>,
}

/// Keeps a new login challenge: refused past [`MAX_PENDING_LOGINS`] live ones, and pushing
/// out the oldest of its asker's past [`PENDING_LOGINS`].
fn admit<T>(
    logins: &mut HashMap<Vec<u8>, LoginChallenge<T>>,
    challenge: Vec<u8>,
    asked: LoginChallenge<T>,
    now: Instant,
) -> ApiResult<()> {
    if logins.len() >= MAX_PENDING_LOGINS {
        logins.retain(|_, c| c.pending.is_live(now));
        if logins.len() >= MAX_PENDING_LOGINS {
            return Err(ApiError::TooManyRequests(
                "too many security-key logins are in progress; try again in a minute".into(),
            ));
        }
    }
    let mut theirs: Vec<(Instant, Vec<u8>)> = logins
        .iter()
        .filter(|(_, c)| c.person == asked.person && c.addr == asked.addr)
        .map(|(k, c)| (c.pending.expires, k.clone()))
        .collect();
    if theirs.len() >= PENDING_LOGINS {
        theirs.sort();
        for (_, oldest) in theirs.iter().take(theirs.len() + 1 - PENDING_LOGINS) {
            logins.remove(oldest);
        }
    }
    logins.insert(challenge, asked);
    Ok(())
}

/// The relying party and its ceremonies in progress; one per server, in [`crate::state::AppState`].
pub struct Fido {
    /// `None` when the public URL names no host (an IP address): no key can be bound to it,
    /// so keys are neither registered nor asked for, and the rest of the server works.
    webauthn: Option<Webauthn>,
    /// The public URL, for the refusal that says why.
    public_url: String,
    registrations: Mutex<HashMap<UserId, Pending<SecurityKeyRegistration>>>,
    /// Login challenges by their challenge bytes.
    logins: Mutex<HashMap<Vec<u8>, LoginChallenge<SecurityKeyAuthentication>>>,
}

/// The challenge a signed answer answers, from its client data.
fn answered_challenge(answer: &PublicKeyCredential) -> Option<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct ClientData {
        challenge: String,
    }
    let data: ClientData = serde_json::from_slice(&answer.response.client_data_json).ok()?;
    URL_SAFE_NO_PAD
        .decode(data.challenge.trim_end_matches('='))
        .ok()
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
        let Some(domain) = url.domain() else {
            tracing::warn!(
                public_url,
                "the public URL names no host, so FIDO security keys are off (give \
                 --public-url a host name, e.g. https://kitsu.studio.com, to use them)"
            );
            return Ok(Self {
                webauthn: None,
                public_url: public_url.to_owned(),
                registrations: Mutex::default(),
                logins: Mutex::default(),
            });
        };
        let webauthn = WebauthnBuilder::new(domain, &url)
            .and_then(|b| {
                b.rp_name(RP_NAME)
                    .allow_any_port(true)
                    .timeout(CEREMONY_TTL)
                    .build()
            })
            .map_err(|_| ConfigError::NoDomain(public_url.to_owned()))?;
        Ok(Self {
            webauthn: Some(webauthn),
            public_url: public_url.to_owned(),
            registrations: Mutex::default(),
            logins: Mutex::default(),
        })
    }

    /// The relying party, or the refusal (409) of a server whose public URL names no host.
    fn relying_party(&self) -> ApiResult<&Webauthn> {
        self.webauthn.as_ref().ok_or_else(|| {
            ApiError::Conflict(format!(
                "security keys need the server's public URL to name a host (it is {}); \
                 ask an admin to start it with --public-url https://<host name>",
                self.public_url
            ))
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
            .relying_party()?
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
            .relying_party()
            .map_err(RegisterError::Internal)?
            .finish_securitykey_registration(&answer, &pending.state)
            .map_err(|e| {
                tracing::info!(%person, error = %e, "FIDO registration refused");
                RegisterError::Rejected
            })?;
        record(&key).map_err(RegisterError::Internal)
    }

    /// A login challenge for `asker.person`'s keys: the WebAuthn request options (the
    /// `publicKey` member's content) for `navigator.credentials.get`, bound to the asker.
    pub fn start_login(&self, asker: Asker<'_>, keys: &[StoredKey]) -> ApiResult<Value> {
        if keys.is_empty() {
            return Err(ApiError::BadRequest("FIDO not enabled.".into()));
        }
        let keys = parse_keys(keys)?;
        let (options, state) = self
            .relying_party()?
            .start_securitykey_authentication(&keys)
            .map_err(|e| ApiError::Internal(format!("starting a FIDO login: {e}")))?;
        let bound = LoginChallenge {
            person: asker.person,
            login: crate::auth::throttle::normalise(asker.login.unwrap_or_default()),
            addr: asker.addr,
            pending: Pending::new(state),
        };
        admit(
            &mut lock(&self.logins),
            options.public_key.challenge.clone(),
            bound,
            Instant::now(),
        )?;
        serde_json::to_value(options.public_key)
            .map_err(|e| ApiError::Internal(format!("serialising FIDO options: {e}")))
    }

    /// Checks a signed login answer (the JSON of a `PublicKeyCredential` from
    /// `navigator.credentials.get`) against the challenge it names, which must have been asked
    /// for this asker (see the module docs). On success the challenge is consumed and the key
    /// that signed comes back with its counter moved on, to store; `Ok(None)` means the answer
    /// is wrong, stale, replayed or someone else's.
    pub fn finish_login(
        &self,
        asker: Asker<'_>,
        response: &Value,
        keys: &[StoredKey],
    ) -> ApiResult<Option<KeyRecord>> {
        let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(response.clone()) else {
            return Ok(None);
        };
        let Some(challenge) = answered_challenge(&answer) else {
            return Ok(None);
        };
        let Some(webauthn) = &self.webauthn else {
            return Ok(None);
        };
        let login = asker.login.map(crate::auth::throttle::normalise);
        let now = Instant::now();
        let result = {
            let mut logins = lock(&self.logins);
            let Some(waiting) = logins.get(&challenge) else {
                return Ok(None);
            };
            let bound = waiting.person == asker.person
                && waiting.addr == asker.addr
                && login.as_ref().is_none_or(|l| *l == waiting.login);
            if !bound || !waiting.pending.is_live(now) {
                return Ok(None);
            }
            let Ok(result) =
                webauthn.finish_securitykey_authentication(&answer, &waiting.pending.state)
            else {
                return Ok(None);
            };
            logins.remove(&challenge);
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
        // An address serves, without security keys: registering one is refused with why.
        let by_address = Fido::new("http://127.0.0.1:7878").unwrap();
        let refused = by_address
            .start_registration(UserId(uuid::Uuid::new_v4()), "ann@studio.com", &[])
            .unwrap_err();
        assert!(
            matches!(&refused, ApiError::Conflict(m) if m.contains("127.0.0.1")),
            "{refused:?}"
        );
        assert!(matches!(
            Fido::new("not a url"),
            Err(ConfigError::NotAUrl { .. })
        ));
    }

    #[test]
    fn challenges_are_kept_per_asker_and_in_all_up_to_their_limits() {
        let ann = UserId(uuid::Uuid::new_v4());
        let (home, away) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let asked = |addr, expires| LoginChallenge {
            person: ann,
            login: "ann".into(),
            addr,
            pending: Pending { state: (), expires },
        };
        let now = Instant::now();
        let mut logins = HashMap::new();
        admit(
            &mut logins,
            b"home".to_vec(),
            asked(home, now + CEREMONY_TTL),
            now,
        )
        .unwrap();
        // Asked from elsewhere: up to the limit all are kept…
        for i in 0..PENDING_LOGINS {
            let expires = now + Duration::from_secs(i as u64 + 1);
            admit(&mut logins, vec![i as u8], asked(away, expires), now).unwrap();
        }
        assert_eq!(logins.len(), PENDING_LOGINS + 1);
        // …one more pushes out that asker's oldest, never the owner's.
        admit(
            &mut logins,
            b"new".to_vec(),
            asked(away, now + CEREMONY_TTL),
            now,
        )
        .unwrap();
        assert_eq!(logins.len(), PENDING_LOGINS + 1);
        assert!(logins.contains_key(b"home".as_slice()));
        assert!(!logins.contains_key([0u8].as_slice()));

        // In all: just under the limit passes, at it (all live) is refused.
        let mut all = HashMap::new();
        for i in 0..MAX_PENDING_LOGINS - 1 {
            let other = LoginChallenge {
                person: UserId(uuid::Uuid::new_v4()),
                ..asked(home, now + CEREMONY_TTL)
            };
            all.insert(i.to_le_bytes().to_vec(), other);
        }
        admit(
            &mut all,
            b"last".to_vec(),
            asked(home, now + CEREMONY_TTL),
            now,
        )
        .unwrap();
        assert!(matches!(
            admit(
                &mut all,
                b"over".to_vec(),
                asked(away, now + CEREMONY_TTL),
                now
            ),
            Err(ApiError::TooManyRequests(_))
        ));
        // Expired ones make room.
        let later = now + CEREMONY_TTL + Duration::from_secs(1);
        admit(
            &mut all,
            b"over".to_vec(),
            asked(away, later + CEREMONY_TTL),
            later,
        )
        .unwrap();
        assert_eq!(all.len(), 1);
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
        let asker = Asker {
            person: ann,
            login: Some("ann@studio.com"),
            addr: IpAddr::from([127, 0, 0, 1]),
        };
        assert_eq!(
            fido.finish_login(asker, &serde_json::json!({}), &[])
                .unwrap(),
            None
        );
        // A person without keys gets no challenge.
        assert!(matches!(
            fido.start_login(asker, &[]),
            Err(ApiError::BadRequest(_))
        ));
    }
}
