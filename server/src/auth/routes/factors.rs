//! Proving a second factor, at login and before a person changes their factors: the
//! person's factors as stored ([`second_factors`]), the throttled check of what they offer
//! ([`check_factor`]: TOTP steps recorded, recovery codes and e-mailed codes used up,
//! security-key counters moved on), the proof a change's body carries ([`CodeProof`],
//! [`require_factor`]), and the refusal Kitsu's clients read ([`Refusal`]).

use crate::auth::db as auth_db;
use crate::auth::db::users::TwoFactor;
use crate::auth::fido::Asker;
use crate::auth::throttle::Scope;
use crate::auth::two_factor::{self, Offered, Proof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use drover_shared::UserId;
use serde_json::Value;

/// Why a login or a change of second factor was refused: an ordinary error, or a second
/// factor missing or wrong, which Kitsu clients recognise by the `missing_OTP` and `wrong_OTP`
/// flags.
pub(super) enum Refusal {
    Api(ApiError),
    /// The account has a second factor and none was offered.
    MissingFactor {
        /// The factor to offer first.
        preferred: Option<String>,
        /// Kitsu's list of the factors that would do.
        enabled: Vec<&'static str>,
    },
    /// The factor offered is wrong (or, to turn one off, missing); `login` says whether this
    /// answers a login.
    WrongFactor {
        login: bool,
    },
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl Refusal {
    /// A second factor is needed and none was offered: the answer names those that would do.
    pub(super) fn missing(factors: &TwoFactor) -> Self {
        Self::MissingFactor {
            preferred: factors.preferred.clone(),
            enabled: two_factor::enabled_names(factors),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = match self {
            Self::Api(e) => return e.into_response(),
            Self::MissingFactor { preferred, enabled } => serde_json::json!({
                "error": drover_shared::api::MISSING_CODE,
                "message": "this account needs a second factor: a one-time code (`totp`), a \
                    security key's answer to `GET /auth/fido` (`fido_authentication_response`) \
                    or a `recovery_code`, as it has enabled",
                "login": false,
                "missing_OTP": true,
                "preferred_two_factor_authentication": preferred,
                "two_factor_authentication_enabled": enabled,
            }),
            Self::WrongFactor { login: true } => serde_json::json!({
                "error": drover_shared::api::WRONG_CODE,
                "message": "wrong second factor: the code, recovery code or security key \
                    answer is wrong, stale or already used",
                "login": false,
                "wrong_OTP": true,
            }),
            Self::WrongFactor { login: false } => serde_json::json!({
                "error": drover_shared::api::WRONG_CODE,
                "message": "OTP verification failed: prove a second factor with `totp`, \
                    `email_otp`, `fido_authentication_response` or `recovery_code`",
                "wrong_OTP": true,
            }),
        };
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// A person's activity flag and second factors, the TOTP secret opened with the server's key.
pub(super) async fn second_factors(state: &AppState, id: UserId) -> ApiResult<TwoFactor> {
    let mut factors = state
        .store
        .read(move |c| auth_db::users::two_factor(c, id).map_err(ApiError::from))
        .await?;
    if let Some(stored) = &factors.totp_secret {
        factors.totp_secret = Some(two_factor::open_secret(&state.auth.key, id, stored)?);
    }
    Ok(factors)
}

/// Checks the second factor offered against the person's (see [`two_factor::check`]),
/// throttled ([`Scope::Factor`]: per person and address, address, and person), and keeps what
/// that changes: a TOTP code's step is recorded (a code used before counts as wrong), a
/// recovery code is used up (one used meanwhile by another request counts as wrong), and a
/// security key's signature counter moves on.
pub(super) async fn check_factor(
    state: &AppState,
    asker: Asker<'_>,
    email: &str,
    factors: &TwoFactor,
    offered: &Offered<'_>,
) -> ApiResult<Proof> {
    if !two_factor::has_factor(factors) {
        return Ok(Proof::Accepted {
            used_recovery: None,
            totp_step: None,
            email_code: None,
        });
    }
    let attempt =
        state
            .auth
            .throttle
            .begin(Scope::Factor, &asker.person.to_string(), asker.addr)?;
    let proof = verify_factor(state, asker, email, factors, offered).await;
    match &proof {
        Ok(Proof::Accepted { .. }) => attempt.succeeded(),
        Ok(Proof::Wrong) => attempt.failed(),
        Ok(Proof::Missing) | Err(_) => attempt.abandoned(),
    }
    proof
}

async fn verify_factor(
    state: &AppState,
    asker: Asker<'_>,
    email: &str,
    factors: &TwoFactor,
    offered: &Offered<'_>,
) -> ApiResult<Proof> {
    let id = asker.person;
    let keys = if factors.fido_enabled && offered.fido.is_some() {
        state
            .store
            .read(move |c| auth_db::fido::list(c, id).map_err(ApiError::from))
            .await?
    } else {
        Vec::new()
    };
    let mut signed = None;
    let now = crate::db::now_ms();
    let proof = two_factor::check(factors, email, &state.auth.key, offered, now, |answer| {
        signed = state.fido.finish_login(asker, answer, &keys)?;
        Ok(signed.is_some())
    })?;
    match &proof {
        Proof::Accepted {
            totp_step: Some(step),
            ..
        } => {
            let step = *step;
            let fresh = state
                .store
                .write(move |c| {
                    auth_db::users::accept_totp_step(c, id, step).map_err(ApiError::from)
                })
                .await?;
            if !fresh {
                tracing::info!(%email, "a TOTP code was offered again");
                return Ok(Proof::Wrong);
            }
        }
        Proof::Accepted {
            email_code: Some(hash),
            ..
        } => {
            // Used up here, so a code works once even when two logins race with it.
            let hash = hash.clone();
            let fresh = state
                .store
                .write(move |c| {
                    auth_db::mail::take_token(c, id, auth_db::mail::Purpose::EmailOtp, &hash, now)
                        .map_err(ApiError::from)
                })
                .await?;
            if !fresh {
                return Ok(Proof::Wrong);
            }
        }
        Proof::Accepted {
            used_recovery: Some(hash),
            ..
        } => {
            let hash = hash.clone();
            let was_unused = state
                .store
                .write(move |c| {
                    let left = auth_db::users::two_factor(c, id)?.recovery_hashes;
                    if !left.contains(&hash) {
                        return Ok(false);
                    }
                    let left: Vec<String> = left.into_iter().filter(|h| *h != hash).collect();
                    auth_db::users::set_recovery_hashes(c, id, &left)?;
                    Ok::<_, ApiError>(true)
                })
                .await?;
            if !was_unused {
                return Ok(Proof::Wrong);
            }
        }
        _ => {}
    }
    if let Some(key) = signed {
        state
            .store
            .write(move |c| {
                auth_db::fido::update(c, id, &key.credential_id, &key.credential)
                    .map_err(ApiError::from)
            })
            .await?;
    }
    Ok(proof)
}

/// Refuses (`wrong_OTP`) unless the logged-in person proves one of their second factors
/// with `proof`, before they change them (see [`check_factor`]).
pub(super) async fn require_factor(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    addr: std::net::IpAddr,
    factors: &TwoFactor,
    proof: &CodeProof,
) -> Result<(), Refusal> {
    let asker = Asker {
        person: me.user.id,
        login: None,
        addr,
    };
    match check_factor(state, asker, &me.user.email, factors, &proof.offered()).await? {
        Proof::Accepted { .. } => Ok(()),
        Proof::Missing | Proof::Wrong => Err(Refusal::WrongFactor { login: false }),
    }
}

/// A second factor proving the person holds it, to change their second factors.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub(super) struct CodeProof {
    /// The current one-time code.
    #[serde(default)]
    pub(super) totp: Option<String>,
    /// The code last sent by e-mail.
    #[serde(default)]
    pub(super) email_otp: Option<String>,
    /// A security key's signed answer to a challenge of `GET /auth/fido`.
    #[serde(default)]
    fido_authentication_response: Option<Value>,
    /// One of the person's recovery codes.
    #[serde(default)]
    recovery_code: Option<String>,
}

impl CodeProof {
    /// The proof a body carries; an empty body offers none (Kitsu sends none then).
    pub(super) fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        if body.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))
    }

    pub(super) fn offered(&self) -> Offered<'_> {
        Offered {
            totp: self.totp.as_deref(),
            email_otp: self.email_otp.as_deref(),
            fido: self.fido_authentication_response.as_ref(),
            recovery_code: self.recovery_code.as_deref(),
        }
    }
}
