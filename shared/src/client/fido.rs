//! FIDO security keys as a second factor (Kitsu's `/auth/fido` routes), and logging in with
//! one. Options and answers are WebAuthn JSON, passed through as the browser API (or a
//! software authenticator) takes and gives them.

use super::{Client, ClientError};
use crate::api::{FactorProof, FidoEnabled, LoginRequest, LoginResponse};
use reqwest::Method;
use serde_json::Value;

impl Client {
    /// `PUT /auth/fido`: starts registering a key; the WebAuthn creation options (the content
    /// of `publicKey` for `navigator.credentials.create`).
    pub async fn fido_start(&self) -> Result<Value, ClientError> {
        Self::json(self.request(Method::PUT, "/auth/fido")).await
    }

    /// `POST /auth/fido`: registers the key that answered [`Client::fido_start`] under
    /// `device_name`; the recovery codes, the first time a second factor is enabled.
    pub async fn fido_register(
        &self,
        registration_response: &Value,
        device_name: &str,
    ) -> Result<FidoEnabled, ClientError> {
        let body = serde_json::json!({
            "registration_response": registration_response,
            "device_name": device_name,
        });
        Self::json(self.request(Method::POST, "/auth/fido").json(&body)).await
    }

    /// `GET /auth/fido?email=`: a login challenge for the person's keys (the content of
    /// `publicKey` for `navigator.credentials.get`). No token needed; `email` may also be a
    /// Kitsu desktop login.
    pub async fn fido_challenge(&self, email: &str) -> Result<Value, ClientError> {
        Self::json(
            self.request(Method::GET, "/auth/fido")
                .query(&[("email", email)]),
        )
        .await
    }

    /// `DELETE /auth/fido`: removes the key named `device_name`, proven with a second factor.
    pub async fn fido_disable(
        &self,
        device_name: &str,
        proof: &FactorProof,
    ) -> Result<(), ClientError> {
        let mut body = serde_json::to_value(proof).map_err(|e| ClientError::Url(e.to_string()))?;
        body["device_name"] = Value::from(device_name);
        Self::empty(self.request(Method::DELETE, "/auth/fido").json(&body)).await
    }

    /// `POST /auth/login` with a security key's signed answer to a challenge of
    /// [`Client::fido_challenge`] as the second factor.
    pub async fn login_with_fido(
        &self,
        request: &LoginRequest,
        fido_authentication_response: &Value,
    ) -> Result<LoginResponse, ClientError> {
        let mut body =
            serde_json::to_value(request).map_err(|e| ClientError::Url(e.to_string()))?;
        body["fido_authentication_response"] = fido_authentication_response.clone();
        Self::json(self.request(Method::POST, "/auth/login").json(&body)).await
    }
}
