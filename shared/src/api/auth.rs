//! Authentication: login (with a second factor when the account has TOTP or FIDO keys), the
//! current person, tokens, and enabling TOTP and FIDO security keys.

use crate::ids::UserId;
use crate::status::Role;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The `error` code of a login refused because the account needs a one-time code.
pub const MISSING_CODE: &str = "missing_otp";
/// The `error` code of a login refused because the one-time code is wrong.
pub const WRONG_CODE: &str = "wrong_otp";

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The account's email, compared case-insensitively.
    pub email: String,
    /// The account's password.
    pub password: String,
    /// The current one-time code, for an account with TOTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    /// One of the account's recovery codes, instead of a one-time code (used once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `PUT /auth/totp`: what an authenticator app needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpSetup {
    /// `otpauth://totp/Drover:<email>?secret=…` (Kitsu's spelling of the key).
    pub totp_provisionning_uri: String,
    /// The secret, base32.
    pub otp_secret: String,
    /// The URL as a QR code: `data:image/png;base64,…`.
    pub qr_code: String,
}

/// `POST /auth/totp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpEnabled {
    /// One-use codes that stand in for a one-time code; `None` if the person had some.
    pub otp_recovery_codes: Option<Vec<String>>,
}

/// `POST /auth/fido`: a security key registered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FidoEnabled {
    /// One-use codes that stand in for a second factor; `None` if the person had some.
    pub otp_recovery_codes: Option<Vec<String>>,
}

/// A proof that the person holds one of their second factors, for turning one off
/// (`DELETE /auth/totp`, `DELETE /auth/fido`). Give one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FactorProof {
    /// The current one-time code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    /// A security key's signed answer to a challenge of `GET /auth/fido` (the JSON of a
    /// WebAuthn `PublicKeyCredential`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fido_authentication_response: Option<serde_json::Value>,
    /// One of the person's recovery codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// A person as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Login email.
    pub email: String,
    /// What the person may do.
    pub role: Role,
    /// When the account was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// A successful login.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Always true; failures are 400 with an error body.
    pub login: bool,
    /// Who logged in.
    pub user: User,
    /// Sent as `Authorization: Bearer …` on every other request.
    pub access_token: String,
    /// Sent as the bearer to `GET /auth/refresh-token` for a new access token.
    pub refresh_token: String,
}

/// `GET /auth/authenticated`, in Kitsu's shape.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Authenticated {
    /// Always true; an invalid token gets 401.
    pub authenticated: bool,
    /// Who the token belongs to. The server sends Kitsu's whole person (names, `role`,
    /// `totp_enabled`, `fido_enabled`, `fido_devices`…); these are the fields Drover reads.
    pub user: User,
    /// The studio's organisation row (Kitsu's `Organisation`: `name`, `hours_by_day`…);
    /// null when there is none.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub organisation: serde_json::Value,
}

/// `GET /auth/refresh-token`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshResponse {
    /// A new access token; the previous one stops working.
    pub access_token: String,
    /// A new refresh token for the next refresh: the one sent is retired, and sending it
    /// again ends the session.
    pub refresh_token: String,
}

/// `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogoutResponse {
    /// Always true.
    pub logout: bool,
}
