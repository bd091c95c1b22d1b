//! FIDO security keys as the second factor, end to end with a software authenticator
//! (1Password's `passkey` crates, pure Rust): register a key, log out, log in with the key's
//! signed answer to `GET /auth/fido`, see wrong and replayed answers refused, remove the key.
//! Also Kitsu's `GET /auth/authenticated` shape and gazu's `GET /auth/logout`.

use drover_shared::api::{FactorProof, LoginRequest, MISSING_CODE, WRONG_CODE};
use drover_shared::{Client, ClientError, Role};
use drover_tests::{PASSWORD, TestServer, setup};
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::DefaultClientData;
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

/// The origin the software authenticator's "browser" reports: the server's default public
/// URL (`http://localhost`), whatever port the test server listens on.
const ORIGIN: &str = "http://localhost:8080";

/// A user who touches the key (and passes its PIN) whenever asked.
struct Touch;

#[async_trait::async_trait]
impl UserValidationMethod for Touch {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification,
        })
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }
}

/// A software security key holding one credential, with the WebAuthn client around it (the
/// security tests use it too).
#[derive(Default)]
pub(crate) struct SoftKey {
    credential: Option<Passkey>,
}

impl SoftKey {
    fn origin() -> Url {
        Url::parse(ORIGIN).unwrap()
    }

    /// Answers `PUT /auth/fido`'s options as `navigator.credentials.create` would.
    pub(crate) async fn register(&mut self, options: &Value) -> Value {
        let options: CredentialCreationOptions =
            serde_json::from_value(json!({ "publicKey": options })).unwrap();
        let authenticator = Authenticator::new(
            Aaguid::new_empty(),
            self.credential.take(),
            Touch,
            RustCryptoBackend,
        );
        let mut client =
            passkey::client::Client::new(authenticator).allows_insecure_localhost(true);
        let created = client
            .register(&Self::origin(), options, DefaultClientData)
            .await
            .unwrap();
        self.credential.clone_from(client.authenticator().store());
        serde_json::to_value(created).unwrap()
    }

    /// Answers `GET /auth/fido`'s challenge as `navigator.credentials.get` would.
    pub(crate) async fn sign(&mut self, challenge: &Value) -> Value {
        let options: CredentialRequestOptions =
            serde_json::from_value(json!({ "publicKey": challenge })).unwrap();
        let authenticator = Authenticator::new(
            Aaguid::new_empty(),
            self.credential.take(),
            Touch,
            RustCryptoBackend,
        );
        let mut client =
            passkey::client::Client::new(authenticator).allows_insecure_localhost(true);
        let signed = client
            .authenticate(&Self::origin(), options, DefaultClientData)
            .await
            .unwrap();
        self.credential.clone_from(client.authenticator().store());
        serde_json::to_value(signed).unwrap()
    }
}

fn password_only(email: &str) -> LoginRequest {
    LoginRequest {
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        totp: None,
        recovery_code: None,
    }
}

/// The JSON body of a refused request.
fn refused(raw: &drover_shared::client::RawResponse, status: StatusCode) -> Value {
    assert_eq!(raw.status, status, "{:?}", raw.body);
    raw.body.clone().expect("a JSON error body")
}

fn api_error(err: &ClientError) -> (StatusCode, String, String) {
    match err {
        ClientError::Api { status, body } => (*status, body.error.clone(), body.message.clone()),
        other => panic!("expected an API error, got {other}"),
    }
}

/// An artist with their email.
async fn artist(ts: &TestServer) -> (Client, String) {
    let client = ts.client_as(Role::Artist).await;
    let email = client.authenticated().await.unwrap().user.email;
    (client, email)
}

#[tokio::test]
async fn a_security_key_guards_login_until_removed() {
    let (ts, _admin) = setup().await;
    let (ann, email) = artist(&ts).await;
    let mut key = SoftKey::default();

    // Finishing a registration that was never started is refused, as in Kitsu.
    let err = ann.fido_register(&json!({}), "yubikey").await.unwrap_err();
    let (status, _, message) = api_error(&err);
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::BAD_REQUEST, "No preregistration before.")
    );

    // Register: the options name the relying party and the person; the answer is checked.
    let options = ann.fido_start().await.unwrap();
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], email.as_str());
    let answer = key.register(&options).await;
    let enabled = ann.fido_register(&answer, "yubikey").await.unwrap();
    let recovery = enabled
        .otp_recovery_codes
        .expect("the first second factor brings recovery codes");
    assert_eq!(recovery.len(), 16);
    // The same answer again finds no registration in progress.
    let err = ann.fido_register(&answer, "again").await.unwrap_err();
    assert_eq!(api_error(&err).2, "No preregistration before.");

    let me = ann
        .raw(Method::GET, "/auth/authenticated", None)
        .await
        .unwrap()
        .body
        .unwrap();
    assert_eq!(me["user"]["fido_enabled"], true);
    assert_eq!(me["user"]["fido_devices"], json!(["yubikey"]));
    assert_eq!(me["user"]["preferred_two_factor_authentication"], "fido");

    // gazu logs out with GET.
    let out = ann.raw(Method::GET, "/auth/logout", None).await.unwrap();
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(out.body, Some(json!({ "logout": true })));
    let err = ann.authenticated().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));

    // The password alone is not enough; Kitsu's flags say what would be.
    let raw = ts
        .anonymous
        .send_json(Method::POST, "/auth/login", &password_only(&email))
        .await
        .unwrap();
    let body = refused(&raw, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], MISSING_CODE);
    assert_eq!(body["missing_OTP"], true);
    assert_eq!(body["preferred_two_factor_authentication"], "fido");
    assert_eq!(
        body["two_factor_authentication_enabled"],
        json!(["recovery_code", "fido"])
    );

    // A challenge, signed by the key, logs in.
    let challenge = ts.anonymous.fido_challenge(&email).await.unwrap();
    assert_eq!(challenge["rpId"], "localhost");
    assert_eq!(challenge["allowCredentials"].as_array().unwrap().len(), 1);
    let signed = key.sign(&challenge).await;
    let login = ts
        .anonymous
        .login_with_fido(&password_only(&email), &signed)
        .await
        .unwrap();
    assert!(login.login);
    let ann = ts.anonymous.with_token(&login.access_token);

    // The same answer again is a replay: wrong, and the challenge is gone.
    let err = ts
        .anonymous
        .login_with_fido(&password_only(&email), &signed)
        .await
        .unwrap_err();
    let (status, code, _) = api_error(&err);
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, WRONG_CODE)
    );

    // An answer whose signature was tampered with is wrong too, and leaves the challenge
    // open for the real answer.
    let challenge = ts.anonymous.fido_challenge(&email).await.unwrap();
    let signed = key.sign(&challenge).await;
    let mut forged = signed.clone();
    forged["response"]["signature"] = json!("AAAA");
    let raw = ts
        .anonymous
        .send_json(
            Method::POST,
            "/auth/login",
            &json!({"email": email, "password": PASSWORD, "totp": null, "email_otp": null,
                    "fido_authentication_response": forged, "recovery_code": null}),
        )
        .await
        .unwrap();
    let body = refused(&raw, StatusCode::BAD_REQUEST);
    assert_eq!(body["wrong_OTP"], true);
    ts.anonymous
        .login_with_fido(&password_only(&email), &signed)
        .await
        .unwrap();

    // Removing the key needs a second factor; a wrong one is refused with Kitsu's flag.
    let wrong = FactorProof {
        recovery_code: Some("NOTACODE00".into()),
        ..FactorProof::default()
    };
    let err = ann.fido_disable("yubikey", &wrong).await.unwrap_err();
    assert_eq!(api_error(&err).1, WRONG_CODE);
    let with_key = FactorProof {
        fido_authentication_response: Some(
            key.sign(&ts.anonymous.fido_challenge(&email).await.unwrap())
                .await,
        ),
        ..FactorProof::default()
    };
    let err = ann
        .fido_disable("no such key", &with_key)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    let with_recovery = FactorProof {
        recovery_code: Some(recovery[0].clone()),
        ..FactorProof::default()
    };
    ann.fido_disable("yubikey", &with_recovery).await.unwrap();

    // With no key left FIDO is off: no challenge, and the password alone logs in again.
    let err = ts.anonymous.fido_challenge(&email).await.unwrap_err();
    assert_eq!(api_error(&err).2, "FIDO not enabled.");
    let me = ts
        .anonymous
        .login_with(&password_only(&email))
        .await
        .unwrap();
    assert!(me.login);
    let err = ann
        .fido_disable("yubikey", &with_recovery)
        .await
        .unwrap_err();
    assert_eq!(api_error(&err).2, "FIDO not enabled.");
}

#[tokio::test]
async fn fido_challenges_need_an_email_with_keys() {
    let (ts, _admin) = setup().await;
    let (_ann, email) = artist(&ts).await;
    let raw = ts
        .anonymous
        .raw(Method::GET, "/auth/fido", None)
        .await
        .unwrap();
    let body = refused(&raw, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Missing required parameter: email");
    for who in [email.as_str(), "nobody@drover.test"] {
        let err = ts.anonymous.fido_challenge(who).await.unwrap_err();
        let (status, _, message) = api_error(&err);
        assert_eq!(
            (status, message.as_str()),
            (StatusCode::BAD_REQUEST, "FIDO not enabled.")
        );
    }
    // A login whose answer has no challenge behind it, for an account without keys, is
    // not asked for a second factor at all.
    ts.anonymous
        .login_with_fido(&password_only(&email), &json!({"id": "x"}))
        .await
        .unwrap();
}

#[tokio::test]
async fn authenticated_answers_kitsus_shape() {
    let (ts, admin) = setup().await;
    let (ann, email) = artist(&ts).await;
    let me = ann.authenticated().await.unwrap();
    assert!(me.authenticated);
    assert_eq!(me.user.email, email);
    assert_eq!(me.user.role, Role::Artist);
    assert_eq!(
        me.organisation["id"],
        "3c1e3b0e-8a33-4a43-9d57-5a8c8f000401"
    );
    assert_eq!(me.organisation["name"], "Kitsu");
    assert_eq!(me.organisation["type"], "Organisation");

    let raw = ann
        .raw(Method::GET, "/auth/authenticated", None)
        .await
        .unwrap()
        .body
        .unwrap();
    let user = &raw["user"];
    assert_eq!(user["type"], "Person");
    assert_eq!(user["role"], "user", "Kitsu's name for artists");
    assert_eq!(user["fido_enabled"], false);
    assert_eq!(user["totp_enabled"], false);
    assert_eq!(user["fido_devices"], json!([]));
    assert!(user.get("password_hash").is_none() && user.get("totp_secret").is_none());
    assert!(
        raw["organisation"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("chat_")),
        "chat secrets are for admins"
    );
    let raw = admin
        .raw(Method::GET, "/auth/authenticated", None)
        .await
        .unwrap()
        .body
        .unwrap();
    assert!(raw["organisation"].get("chat_token_slack").is_some());

    // POST /auth/logout still works beside gazu's GET.
    assert!(ann.logout().await.unwrap().logout);
}
