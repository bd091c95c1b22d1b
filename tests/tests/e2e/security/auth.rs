//! Logins, second factors, sessions and data at rest, attacked: throttle bypasses with padded
//! emails, locking the owner out from elsewhere, a hundred bogus logins at once, TOTP replays,
//! brute-forcing the code that turns TOTP off, FIDO answers used from another request, an
//! admin's password reset, a deactivated person's event stream, a reused refresh token, and
//! the files the server keeps.
//!
//! Tests connect from 127.0.0.1; "another address" is a client bound to 127.0.0.x (all of
//! 127/8 is loopback on Linux).

use crate::fido::SoftKey;
use drover_server::auth::throttle::{ADDRESS, FACTOR_ACCOUNT, PAIR};
use drover_server::auth::two_factor;
use drover_server::{Config, Server};
use drover_shared::api::{LoginRequest, WRONG_CODE};
use drover_shared::events::EventQuery;
use drover_shared::{Client, ClientError, Role};
use drover_tests::{PASSWORD, TestServer, assert_still_answers, setup};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// A client of `ts` whose connections come from 127.0.0.`last`.
fn from_address(ts: &TestServer, last: u8) -> Client {
    let http = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .no_proxy()
        .build()
        .unwrap();
    Client::with_http(http, &ts.url())
}

/// The status and error code of a refusal.
fn refusal(err: &ClientError) -> (StatusCode, String) {
    match err {
        ClientError::Api { status, body } => (*status, body.error.clone()),
        other => panic!("expected a JSON error, got {other}"),
    }
}

fn login_with(email: &str, totp: Option<&str>, recovery_code: Option<&str>) -> LoginRequest {
    LoginRequest {
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        totp: totp.map(str::to_owned),
        recovery_code: recovery_code.map(str::to_owned),
    }
}

/// A person of `role` with their email and id.
async fn person(ts: &TestServer, role: Role) -> (Client, String, drover_shared::UserId) {
    let client = ts.client_as(role).await;
    let me = client.authenticated().await.unwrap().user;
    (client, me.email, me.id)
}

/// Turns TOTP on for `client` and returns the secret and recovery codes.
async fn with_totp(client: &Client, email: &str) -> (String, Vec<String>) {
    let secret = client.totp_start().await.unwrap().otp_secret;
    let code = two_factor::current_code(&secret, email).unwrap();
    let codes = client
        .totp_confirm(&code)
        .await
        .unwrap()
        .otp_recovery_codes
        .unwrap();
    (secret, codes)
}

#[tokio::test]
async fn padded_or_recased_emails_share_one_throttle() {
    let (ts, admin) = setup().await;
    let (_, email, _) = person(&ts, Role::Artist).await;
    let padded = [
        email.clone(),
        format!(" {email}"),
        format!("{email} "),
        email.to_uppercase(),
        format!("\t{}\n", email.to_uppercase()),
    ];
    assert_eq!(padded.len() as u32, PAIR.max_failures);
    for login in &padded {
        let err = ts
            .anonymous
            .login(login, "wrong password")
            .await
            .unwrap_err();
        assert_eq!(refusal(&err).0, StatusCode::BAD_REQUEST);
    }
    // Another spelling is no fresh budget, and the right password waits too.
    for login in [format!("  {email}  "), email.clone()] {
        let err = ts.anonymous.login(&login, PASSWORD).await.unwrap_err();
        assert_eq!(
            refusal(&err),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_requests".into())
        );
    }
    // The same for an account that does not exist: the throttle does not tell.
    for _ in 0..PAIR.max_failures {
        let err = ts
            .anonymous
            .login(" Nobody@Drover.test", "x")
            .await
            .unwrap_err();
        assert_eq!(refusal(&err).0, StatusCode::BAD_REQUEST);
    }
    let err = ts
        .anonymous
        .login("nobody@drover.test", "x")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::TOO_MANY_REQUESTS);
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another() {
    let (ts, admin) = setup().await;
    let (_, email, _) = person(&ts, Role::Artist).await;
    let attacker = from_address(&ts, 9);
    for _ in 0..PAIR.max_failures * 2 {
        let _ = attacker.login(&email, "guess").await.unwrap_err();
    }
    let err = attacker.login(&email, PASSWORD).await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::TOO_MANY_REQUESTS);
    // The owner, elsewhere, logs in at once.
    let owner = from_address(&ts, 2);
    let login = owner.login(&email, PASSWORD).await.unwrap();
    assert!(login.login);
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn a_hundred_bogus_logins_at_once_neither_fail_the_server_nor_hold_up_a_real_one() {
    let (ts, admin) = setup().await;
    let (_, email, _) = person(&ts, Role::Artist).await;
    let attacker = from_address(&ts, 7);
    let mut bogus = tokio::task::JoinSet::new();
    for i in 0..100 {
        let attacker = attacker.clone();
        bogus.spawn(async move {
            let email = format!("nobody-{i}@drover.test");
            attacker.login(&email, "guess").await.unwrap_err()
        });
    }
    let answers = bogus.join_all().await;
    assert_eq!(answers.len(), 100);
    let mut throttled = 0;
    for err in &answers {
        match refusal(err).0 {
            StatusCode::BAD_REQUEST => {}
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("a bogus login got {other}"),
        }
    }
    // The address's budget held while they were all in flight: the rest never reached the
    // password hasher.
    assert!(
        throttled >= 100 - ADDRESS.max_failures as usize,
        "only {throttled} of 100 throttled"
    );
    let owner = from_address(&ts, 2);
    let login = tokio::time::timeout(Duration::from_secs(3), owner.login(&email, PASSWORD))
        .await
        .expect("a real login answers within a few seconds")
        .unwrap();
    assert!(login.login);
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    let (ts, admin) = setup().await;
    let (client, email, _) = person(&ts, Role::Artist).await;
    let (secret, _) = with_totp(&client, &email).await;
    let step = two_factor::current_step();
    let code = two_factor::code_for_step(&secret, &email, step).unwrap();
    let login = ts
        .anonymous
        .login_with(&login_with(&email, Some(&code), None))
        .await
        .unwrap();
    assert!(login.login);
    // Replayed, or an older step's code (still within the skew): wrong.
    let older = two_factor::code_for_step(&secret, &email, step - 1).unwrap();
    for replay in [&code, &older] {
        let err = ts
            .anonymous
            .login_with(&login_with(&email, Some(replay), None))
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    }
    // Turning TOTP off with the used code is a replay too.
    let err = client.totp_disable(&code).await.unwrap_err();
    assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    // The next step's code is fresh.
    let next = two_factor::code_for_step(&secret, &email, step + 1).unwrap();
    ts.anonymous
        .login_with(&login_with(&email, Some(&next), None))
        .await
        .unwrap();
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn guessing_the_code_that_turns_totp_off_is_throttled() {
    let (ts, admin) = setup().await;
    let (client, email, _) = person(&ts, Role::Artist).await;
    let (secret, _) = with_totp(&client, &email).await;
    let code = two_factor::current_code(&secret, &email).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // A stolen session guesses from one address…
    for _ in 0..PAIR.max_failures {
        let err = client.totp_disable(wrong).await.unwrap_err();
        assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    }
    let err = client.totp_disable(&code).await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::TOO_MANY_REQUESTS);
    // …then from others, until the person's own budget is spent, wherever it comes from.
    let token = client.token().unwrap().to_owned();
    for last in 10..10 + (FACTOR_ACCOUNT.max_failures - PAIR.max_failures) as u8 {
        let elsewhere = from_address(&ts, last).with_token(&token);
        let err = elsewhere.totp_disable(wrong).await.unwrap_err();
        assert_eq!(refusal(&err).0, StatusCode::BAD_REQUEST);
    }
    let fresh = from_address(&ts, 99).with_token(&token);
    let err = fresh.totp_disable(&code).await.unwrap_err();
    let (status, _) = refusal(&err);
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Recovery codes at login are counted in the same budget.
    let err = ts
        .anonymous
        .login_with(&login_with(&email, None, Some("NOTACODE00")))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        client.authenticated().await.is_ok(),
        "TOTP stays on, the session goes on"
    );
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn guessing_recovery_codes_at_login_is_throttled() {
    let (ts, admin) = setup().await;
    let (client, email, _) = person(&ts, Role::Artist).await;
    let (_, codes) = with_totp(&client, &email).await;
    for i in 0..PAIR.max_failures {
        let guess = format!("GUESS{i:05}");
        let err = ts
            .anonymous
            .login_with(&login_with(&email, None, Some(&guess)))
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    }
    let err = ts
        .anonymous
        .login_with(&login_with(&email, None, Some(&codes[0])))
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::TOO_MANY_REQUESTS);
    // From elsewhere the owner's code still works, once.
    let owner = from_address(&ts, 2);
    owner
        .login_with(&login_with(&email, None, Some(&codes[0])))
        .await
        .unwrap();
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn a_fido_answer_counts_only_for_the_request_that_asked_for_its_challenge() {
    let (ts, admin) = setup().await;
    let (victim, email, id) = person(&ts, Role::Artist).await;
    let mut key = SoftKey::default();
    let options = victim.fido_start().await.unwrap();
    let answer = key.register(&options).await;
    victim.fido_register(&answer, "yubikey").await.unwrap();
    admin
        .data_update(
            "persons",
            &id.to_string(),
            &json!({"desktop_login": "victim"}),
        )
        .await
        .unwrap();
    let password_only = login_with(&email, None, None);

    // The owner asks for a challenge and signs it; the answer, intercepted, is replayed by
    // someone who knows the password, from another address: refused.
    let challenge = ts.anonymous.fido_challenge(&email).await.unwrap();
    let signed = key.sign(&challenge).await;
    let attacker = from_address(&ts, 66);
    let err = attacker
        .login_with_fido(&password_only, &signed)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    // Asked for the email, it does not answer a login by the desktop login either.
    let by_desktop_login = login_with("victim", None, None);
    let err = ts
        .anonymous
        .login_with_fido(&by_desktop_login, &signed)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    // The attacker's own challenges do not push the owner's out.
    for _ in 0..=drover_server::auth::fido::PENDING_LOGINS {
        attacker.fido_challenge(&email).await.unwrap();
    }
    // The owner's login with it works (the refusals did not use it up), once; padding
    // and case are no other login.
    let padded = login_with(&format!(" {} ", email.to_uppercase()), None, None);
    ts.anonymous
        .login_with_fido(&padded, &signed)
        .await
        .unwrap();
    let err = ts
        .anonymous
        .login_with_fido(&password_only, &signed)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (StatusCode::BAD_REQUEST, WRONG_CODE.into()));
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn an_admins_password_reset_ends_the_persons_sessions() {
    let (ts, admin) = setup().await;
    let (laptop, email, id) = person(&ts, Role::Artist).await;
    let login = ts.anonymous.login(&email, PASSWORD).await.unwrap();
    let desktop = ts.anonymous.with_token(&login.access_token);
    let refresh = ts.anonymous.with_token(&login.refresh_token);

    // Through Kitsu's person route.
    admin
        .data_update(
            "persons",
            &id.to_string(),
            &json!({"password": "a new password one"}),
        )
        .await
        .unwrap();
    for ended in [&laptop, &desktop] {
        let err = ended.authenticated().await.unwrap_err();
        assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    }
    let err = refresh.refresh_token().await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);

    // Through Kitsu's change-password action: only admins, never another admin's.
    let again = ts
        .anonymous
        .logged_in(&email, "a new password one")
        .await
        .unwrap();
    let err = again
        .set_person_password(id, "my own choice 123")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::FORBIDDEN);
    let other_admin = ts.client_as(Role::Admin).await;
    let other_id = other_admin.authenticated().await.unwrap().user.id;
    let err = admin
        .set_person_password(other_id, "taken over 1234")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::FORBIDDEN);
    let err = admin.set_person_password(id, "short").await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::BAD_REQUEST);
    admin
        .set_person_password(id, "a new password two")
        .await
        .unwrap();
    let err = again.authenticated().await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    ts.anonymous
        .login(&email, "a new password two")
        .await
        .unwrap();
    assert!(other_admin.authenticated().await.is_ok());
    assert_still_answers(&admin).await;
}

/// Reads `stream` until the server closes it; panics if it stays open for `secs`.
async fn until_closed(stream: &mut drover_shared::client::EventStream, secs: u64) {
    let closed = async {
        while let Some(event) = stream.next().await {
            drop(event);
        }
    };
    tokio::time::timeout(Duration::from_secs(secs), closed)
        .await
        .expect("the event stream ends");
}

#[tokio::test]
async fn deactivation_ends_the_persons_event_streams() {
    let (ts, admin) = setup().await;
    let (artist, _, id) = person(&ts, Role::Artist).await;
    let mut stream = artist.events(&EventQuery::default()).await.unwrap();
    let mut other = admin.events(&EventQuery::default()).await.unwrap();
    admin
        .data_update("persons", &id.to_string(), &json!({"active": false}))
        .await
        .unwrap();
    until_closed(&mut stream, 10).await;
    let err = artist.authenticated().await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    let err = artist.events(&EventQuery::default()).await.err().unwrap();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    // Someone else's stream goes on: a job event still reaches it.
    let project = drover_tests::project(&admin, "still streaming").await;
    drover_tests::submit(&admin, project.id, "1-2", 1).await;
    let event = tokio::time::timeout(Duration::from_secs(10), other.next())
        .await
        .expect("the bystander's stream delivers")
        .expect("the bystander's stream is open");
    assert!(event.is_ok());
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn logging_out_ends_that_sessions_event_streams() {
    let (ts, admin) = setup().await;
    // A manager, who sees every project's events.
    let (artist, email, _) = person(&ts, Role::Manager).await;
    let mut stream = artist.events(&EventQuery::default()).await.unwrap();
    let other_session = ts.anonymous.logged_in(&email, PASSWORD).await.unwrap();
    let mut other = other_session.events(&EventQuery::default()).await.unwrap();
    artist.logout().await.unwrap();
    until_closed(&mut stream, 10).await;
    let project = drover_tests::project(&admin, "after logout").await;
    drover_tests::submit(&admin, project.id, "1-2", 1).await;
    let event = tokio::time::timeout(Duration::from_secs(10), other.next())
        .await
        .expect("the other session's stream delivers")
        .expect("the other session's stream is open");
    assert!(event.is_ok());
    assert_still_answers(&admin).await;
}

#[tokio::test]
async fn a_reused_refresh_token_ends_its_session() {
    let (ts, admin) = setup().await;
    let (other_session, email, _) = person(&ts, Role::Artist).await;
    let login = ts.anonymous.login(&email, PASSWORD).await.unwrap();
    let first = ts
        .anonymous
        .with_token(&login.refresh_token)
        .refresh_token()
        .await
        .unwrap();
    assert_ne!(first.refresh_token, login.refresh_token, "rotated");
    let second = ts
        .anonymous
        .with_token(&first.refresh_token)
        .refresh_token()
        .await
        .unwrap();
    let current = ts.anonymous.with_token(&second.access_token);
    assert!(current.authenticated().await.is_ok());
    let mut stream = current.events(&EventQuery::default()).await.unwrap();

    // The first refresh token again: someone copied it. The session ends, every token of it.
    let err = ts
        .anonymous
        .with_token(&login.refresh_token)
        .refresh_token()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    let err = current.authenticated().await.unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    let err = ts
        .anonymous
        .with_token(&second.refresh_token)
        .refresh_token()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::UNAUTHORIZED);
    until_closed(&mut stream, 10).await;
    // The person's other session is not this one.
    assert!(other_session.authenticated().await.is_ok());
    assert_still_answers(&admin).await;
}

/// A server on `data_dir` with its key at `key_file` (the data dir's when `None`).
async fn serve(data_dir: &std::path::Path, key_file: Option<std::path::PathBuf>) -> Server {
    Server::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_owned(),
        public_url: None,
        secret_key_file: key_file,
        behind_proxy: false,
        web_ui: None,
        mail: None,
        limits: drover_server::Limits::default(),
    })
    .await
    .unwrap()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_database_and_key_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    // A new data dir…
    let fresh = tmp.path().join("fresh");
    let server = serve(&fresh, None).await;
    drover_server::auth::accounts::create(
        &server.state().store,
        "a@drover.test",
        PASSWORD,
        Role::Admin,
    )
    .await
    .unwrap();
    assert_eq!(mode(&fresh), 0o700);
    for file in [
        "drover.sqlite",
        "drover.sqlite-wal",
        "drover.sqlite-shm",
        "secret-key",
    ] {
        assert_eq!(mode(&fresh.join(file)), 0o600, "{file}");
    }
    let admin = Client::new(&server.url())
        .unwrap()
        .logged_in("a@drover.test", PASSWORD)
        .await
        .unwrap();
    assert_still_answers(&admin).await;
    server.shutdown().await.unwrap();

    // …and one an older server left open to others, with a key file given at start.
    let old = tmp.path().join("old");
    std::fs::create_dir(&old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(old.join("drover.sqlite"), b"").unwrap();
    std::fs::set_permissions(
        old.join("drover.sqlite"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let key = tmp.path().join("drover.key");
    let server = serve(&old, Some(key.clone())).await;
    assert_eq!(mode(&old), 0o700);
    assert_eq!(mode(&old.join("drover.sqlite")), 0o600);
    assert_eq!(mode(&key), 0o600);
    assert!(
        !old.join("secret-key").exists(),
        "the key given is the one used"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn totp_secrets_are_sealed_at_rest_and_need_their_key() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let key = tmp.path().join("drover.key");
    let server = serve(&data, Some(key.clone())).await;
    let store = server.state().store.clone();
    let ann =
        drover_server::auth::accounts::create(&store, "ann@drover.test", PASSWORD, Role::Artist)
            .await
            .unwrap();
    let client = Client::new(&server.url())
        .unwrap()
        .logged_in("ann@drover.test", PASSWORD)
        .await
        .unwrap();
    let (secret, codes) = with_totp(&client, "ann@drover.test").await;
    let stored = |store: drover_server::store::Store| async move {
        store
            .read(move |c| {
                drover_server::auth::db::users::two_factor(c, ann.id)
                    .map_err(drover_server::error::ApiError::from)
            })
            .await
            .unwrap()
    };
    let factors = stored(store.clone()).await;
    let sealed = factors.totp_secret.unwrap();
    assert!(
        !sealed.contains(&secret),
        "the secret is not in the database"
    );
    assert!(
        factors
            .recovery_hashes
            .iter()
            .all(|h| !h.contains(&codes[0])),
        "nor the recovery codes"
    );
    server.shutdown().await.unwrap();

    // Another key opens none of them: the server says so instead of starting.
    let wrong = Server::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.clone(),
        public_url: None,
        secret_key_file: Some(tmp.path().join("another.key")),
        behind_proxy: false,
        web_ui: None,
        mail: None,
        limits: drover_server::Limits::default(),
    })
    .await
    .err()
    .expect("a key that opens no secret is refused");
    assert!(wrong.to_string().contains("opens none"), "{wrong}");

    // With its key, the code still logs in.
    let server = serve(&data, Some(key)).await;
    let anonymous = Client::new(&server.url()).unwrap();
    let code = two_factor::current_code(&secret, "ann@drover.test").unwrap();
    let login = anonymous
        .login_with(&login_with("ann@drover.test", Some(&code), None))
        .await
        .unwrap();
    let ann_client = anonymous.with_token(&login.access_token);
    assert_still_answers(&ann_client).await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn totp_secrets_an_older_server_kept_in_the_clear_are_sealed_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = serve(&data, None).await;
    let store = server.state().store.clone();
    let ann =
        drover_server::auth::accounts::create(&store, "ann@drover.test", PASSWORD, Role::Artist)
            .await
            .unwrap();
    let secret = two_factor::new_secret();
    let plain = secret.clone();
    store
        .write(move |c| {
            drover_server::auth::db::users::set_totp(c, ann.id, Some(&plain), true)
                .map_err(drover_server::error::ApiError::from)
        })
        .await
        .unwrap();
    server.shutdown().await.unwrap();

    let server = serve(&data, None).await;
    let store = server.state().store.clone();
    let stored = store
        .read(move |c| {
            drover_server::auth::db::users::two_factor(c, ann.id)
                .map_err(drover_server::error::ApiError::from)
        })
        .await
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(!stored.contains(&secret), "sealed at start");
    let anonymous = Client::new(&server.url()).unwrap();
    let code = two_factor::current_code(&secret, "ann@drover.test").unwrap();
    let login = anonymous
        .login_with(&login_with("ann@drover.test", Some(&code), None))
        .await
        .unwrap();
    assert_still_answers(&anonymous.with_token(&login.access_token)).await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn refusals_here_are_json_never_a_server_error() {
    let (ts, admin) = setup().await;
    // A refresh with garbage, a challenge for nobody, a reset of nobody.
    let raw = ts
        .anonymous
        .with_token("garbage")
        .raw(Method::GET, "/auth/refresh-token", None)
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::UNAUTHORIZED);
    assert!(raw.body.is_some());
    let err = admin
        .set_person_password(drover_shared::UserId(uuid::Uuid::new_v4()), "long enough 1")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err).0, StatusCode::NOT_FOUND);
    assert_still_answers(&admin).await;
}
