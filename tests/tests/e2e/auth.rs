//! Login, tokens, logout, refresh and the login throttle.

use drover_shared::Role;
use drover_tests::{PASSWORD, setup};
use reqwest::StatusCode;

#[tokio::test]
async fn login_answers_tokens_and_user() {
    let (ts, admin) = setup().await;
    let me = admin.authenticated().await.unwrap();
    assert!(me.authenticated);
    assert_eq!(me.user.role, Role::Admin);
    let login = ts
        .anonymous
        .login(&me.user.email.to_uppercase(), PASSWORD)
        .await
        .unwrap();
    assert!(login.login);
    assert_eq!(login.user.id, me.user.id);
    assert_ne!(login.access_token, login.refresh_token);
}

#[tokio::test]
async fn wrong_password_or_email_is_400() {
    let (ts, admin) = setup().await;
    let email = admin.authenticated().await.unwrap().user.email;
    let err = ts
        .anonymous
        .login(&email, "wrong password")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    let err = ts
        .anonymous
        .login("nobody@drover.test", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn missing_or_bad_token_is_401() {
    let (ts, _) = setup().await;
    let err = ts.anonymous.projects(false).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.code(), Some("unauthorized"));
    let err = ts
        .anonymous
        .with_token("forged")
        .authenticated()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let (ts, _) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    assert!(artist.logout().await.unwrap().logout);
    let err = artist.authenticated().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn refresh_gives_a_new_access_token_and_retires_the_old() {
    let (ts, admin) = setup().await;
    let email = admin.authenticated().await.unwrap().user.email;
    let login = ts.anonymous.login(&email, PASSWORD).await.unwrap();
    let old = ts.anonymous.with_token(&login.access_token);
    old.authenticated().await.unwrap();
    let fresh = ts
        .anonymous
        .with_token(&login.refresh_token)
        .refresh_token()
        .await
        .unwrap();
    let new = ts.anonymous.with_token(&fresh.access_token);
    assert_eq!(new.authenticated().await.unwrap().user.email, email);
    assert_eq!(
        old.authenticated().await.unwrap_err().status(),
        Some(StatusCode::UNAUTHORIZED)
    );
    // An access token is not a refresh token.
    let err = new.refresh_token().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn five_failures_lock_the_email_for_a_minute() {
    let (ts, admin) = setup().await;
    let email = admin.authenticated().await.unwrap().user.email;
    for _ in 0..5 {
        let err = ts.anonymous.login(&email, "nope").await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    }
    // Even the right password is refused while locked.
    let err = ts.anonymous.login(&email, PASSWORD).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(err.code(), Some("too_many_requests"));
}

#[tokio::test]
async fn admins_create_accounts_and_others_may_not() {
    let (ts, admin) = setup().await;
    let user = admin
        .create_user("new@drover.test", "long enough", Role::Manager)
        .await
        .unwrap();
    assert_eq!(user.role, Role::Manager);
    let again = admin
        .create_user("NEW@drover.test", "long enough", Role::Artist)
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(StatusCode::BAD_REQUEST));
    let short = admin
        .create_user("x@drover.test", "short", Role::Artist)
        .await
        .unwrap_err();
    assert_eq!(short.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        admin
            .users()
            .await
            .unwrap()
            .iter()
            .any(|u| u.email == "new@drover.test")
    );
    let manager = ts
        .anonymous
        .logged_in("new@drover.test", "long enough")
        .await
        .unwrap();
    let err = manager
        .create_user("y@drover.test", "long enough", Role::Admin)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
}

#[tokio::test]
async fn people_change_their_own_password_and_other_sessions_end() {
    let (ts, _) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let email = artist.authenticated().await.unwrap().user.email;
    let laptop = ts.anonymous.logged_in(&email, PASSWORD).await.unwrap();
    let new_password = "a much longer password";

    let wrong = artist
        .change_password("not it", new_password)
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(StatusCode::BAD_REQUEST));
    let short = artist.change_password(PASSWORD, "short").await.unwrap_err();
    assert_eq!(short.status(), Some(StatusCode::BAD_REQUEST));
    let mismatch = artist
        .raw(
            reqwest::Method::POST,
            "/auth/change-password",
            Some(
                &serde_json::json!({"old_password": PASSWORD, "password": new_password,
                                     "password_2": "something else"}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);

    let done = artist
        .change_password(PASSWORD, new_password)
        .await
        .unwrap();
    assert_eq!(done["success"], true);
    // The session that asked goes on; the others end; the new password logs in.
    assert!(artist.authenticated().await.is_ok());
    let ended = laptop.authenticated().await.unwrap_err();
    assert_eq!(ended.status(), Some(StatusCode::UNAUTHORIZED));
    let old = ts.anonymous.login(&email, PASSWORD).await.unwrap_err();
    assert_eq!(old.status(), Some(StatusCode::BAD_REQUEST));
    assert!(ts.anonymous.login(&email, new_password).await.is_ok());
}
